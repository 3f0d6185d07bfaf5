r"""What every command shares: exit codes, the one error path, the one output path.

A command reports a problem with :func:`error` (one line on stderr, exit status 2, never
a traceback), decides its text style with :func:`text_style`, and hands its rendered text
to :func:`emit`, which writes it atomically to ``-o FILE`` or prints it. ``-o`` never
overwrites an input of the same command, writes through a symbolic link to its target,
and never replaces a device, a FIFO or anything else that is not a regular file. Every
line on stderr has its control characters escaped (a file name holding ``\x1b[2J``
cannot clear the terminal). Nothing here is heavy: the command line imports it at start-up.
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


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """``--max-bytes`` and ``--max-series``: raise the limits on what one input may hold."""
    from curvedoc.loaders.reading import DEFAULT_MAX_BYTES, DEFAULT_MAX_SERIES, format_size

    parser.add_argument(
        "--max-bytes",
        type=_size,
        default=None,
        metavar="SIZE",
        help=f"read at most SIZE bytes of one input, after decompression (e.g. 500M, 8G; "
        f"default {format_size(DEFAULT_MAX_BYTES)})",
    )
    parser.add_argument(
        "--max-series",
        type=_count,
        default=None,
        metavar="N",
        help=f"accept runs of at most N series (columns, keys, tags; default "
        f"{DEFAULT_MAX_SERIES:,})",
    )


def _size(text: str) -> int:
    from curvedoc.loaders.reading import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def limit_options(args: argparse.Namespace) -> dict[str, int | None]:
    """The loader's limit options (``curvedoc.load(path, **options)``) from the flags."""
    return {
        "max_bytes": getattr(args, "max_bytes", None),
        "max_series": getattr(args, "max_series", None),
    }


def input_files(paths: list[str]) -> set[tuple[int, int]]:
    """The ``(device, inode)`` of every file a command reads from these paths.

    A file counts as itself; a TensorBoard run with its event files; any other directory
    with the runs a scan finds below it, so ``-o`` cannot land on any of them.
    """
    from pathlib import Path

    from curvedoc.loaders.directories import discover_runs
    from curvedoc.loaders.reading import file_identity
    from curvedoc.loaders.tensorboard import event_files, is_tensorboard_run

    found: set[tuple[int, int]] = set()
    pending = [Path(p) for p in paths]
    while pending:
        path = pending.pop()
        if path.is_dir():
            if is_tensorboard_run(path):
                pending.extend(event_files(path))
            else:
                pending.extend(r for r in discover_runs(path) if r != path)
            continue
        ident = file_identity(path)
        if ident is not None:
            found.add(ident)
    return found


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
    """Print ``curvedoc: MESSAGE`` on stderr (what was written where), controls escaped."""
    print(f"curvedoc: {one_line(message)}", file=sys.stderr)


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


def emit(
    text: str,
    output: str | None,
    *,
    what: str,
    inputs: set[tuple[int, int]] | None = None,
) -> int | None:
    """Write ``text`` to ``output`` atomically, or print it (with a final newline) to stdout.

    ``inputs`` (see :func:`input_files`) are the files the command read: ``-o`` naming one
    of them, through any link, is refused rather than overwriting it. A symbolic link is
    written through (its target is replaced, the link stays); a device, FIFO, socket or
    directory is never replaced (:func:`curvedoc.fileio.write_text_atomic`).

    Returns None on success, or the exit status of the one-line error
    ``OUTPUT: cannot write the WHAT (reason)``.
    """
    if output:
        from curvedoc.fileio import UnsafeTargetError, write_text_atomic
        from curvedoc.loaders.reading import file_identity

        ident = file_identity(output)
        if ident is not None and inputs and ident in inputs:
            return error(
                f"{output}: refusing to write the {what} over an input of this command "
                "(choose another -o file)"
            )
        try:
            write_text_atomic(output, text)
        except UnsafeTargetError as exc:
            return error(f"{output}: refusing to write the {what}: {exc}")
        except OSError as exc:
            return error(f"{output}: cannot write the {what} ({exc.strerror or exc})")
        return None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return None
