"""Errors curvedoc raises on purpose; the CLI turns them into one line and exit status 2."""

from __future__ import annotations


class CurvedocError(Exception):
    """Base class of curvedoc's own errors."""


class LoadError(CurvedocError):
    """A file or directory could not be read as a training history.

    The message names the path and what is wrong, in one line, so the CLI can print it
    as it is.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class NotAHistoryError(LoadError):
    """The input is plainly something other than a training history.

    An image or other binary file, a table of text (a manifest), a settings file of single
    values, a curvedoc report. For one input it is an error like any other; a scan of a
    folder lists such files as skipped rather than as runs that failed.
    """


class UsageError(CurvedocError):
    """The command line or API call asked for something that cannot be done."""


class MissingExtraError(CurvedocError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package: pip install 'curvedoc[{extra}]'"
        )
