"""What every command shares: exit codes, the one error path, the one output path.

A command reports a problem with :func:`error` (one line on stderr, exit status 2, never
a traceback), decides its text style with :func:`text_style`, and hands its rendered text
to :func:`emit`, which writes it atomically to ``-o FILE`` or prints it. Nothing here is
heavy: the command line imports it at start-up.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.render import TextStyle

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

FILE_WIDTH = 100
"""Columns of the ``text`` format in a file (a terminal uses its own width)."""


def one_line(text: str) -> str:
    """Escape control characters (a newline in a file name, say) so a message stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error(message: str) -> int:
    """Print ``curvedoc: error: MESSAGE`` as one line on stderr; return exit status 2."""
    print(f"curvedoc: error: {one_line(message)}", file=sys.stderr)
    return EXIT_ERROR


def internal_error(path: str, stage: str, exc: BaseException) -> int:
    """Report a bug in curvedoc itself in one line (the traceback with CURVEDOC_DEBUG=1)."""
    if os.environ.get("CURVEDOC_DEBUG"):
        raise exc
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return error(
        f"{path}: internal error while {stage} ({type(exc).__name__}"
        + (f": {detail}" if detail else "")
        + "); this is a curvedoc bug: please report it, with CURVEDOC_DEBUG=1 for the traceback"
    )


def note(message: str) -> None:
    """Print ``curvedoc: MESSAGE`` on stderr (what was written where)."""
    print(f"curvedoc: {message}", file=sys.stderr)


@contextlib.contextmanager
def quiet_numerics() -> Iterator[None]:
    """Silence floating-point RuntimeWarnings (overflow near 1e308, the mean of nothing).

    Extreme but valid values legitimately overflow to inf inside the measures, which
    handle it; the warning text on stderr would only clutter the report's output.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def use_color(args: argparse.Namespace) -> bool:
    """Colour on a terminal, unless ``--no-color`` or ``NO_COLOR`` says otherwise."""
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def text_style(args: argparse.Namespace) -> TextStyle:
    """The output style: plain and :data:`FILE_WIDTH` wide for ``-o``, else the terminal's."""
    from curvedoc.render import TextStyle

    width = getattr(args, "width", None)
    include_curves = bool(getattr(args, "include_curves", False))
    if getattr(args, "output", None):
        return TextStyle(width=width or FILE_WIDTH, color=False, include_curves=include_curves)
    return TextStyle(width=width, color=use_color(args), include_curves=include_curves)


def emit(text: str, output: str | None, *, what: str) -> int | None:
    """Write ``text`` to ``output`` atomically, or print it (with a final newline) to stdout.

    Returns None on success, or the exit status of the one-line error
    ``OUTPUT: cannot write the WHAT (reason)``.
    """
    if output:
        from curvedoc.fileio import write_text_atomic

        try:
            write_text_atomic(output, text)
        except OSError as exc:
            return error(f"{output}: cannot write the {what} ({exc.strerror or exc})")
        return None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return None
