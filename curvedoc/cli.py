"""The ``curvedoc`` command line: parser assembly and dispatch.

The subcommands live in :mod:`curvedoc.commands`, one module each. Exit codes (as ruff and
pytest users expect): 0 analysed; 1 only when ``--fail-on`` is given and reached; 2 for
usage or input errors (one line on stderr naming the file and the problem, never a
traceback); 130 when interrupted.

Importing this module must stay cheap: no TensorFlow, Keras, torch or jax, and the heavy
parts of curvedoc itself are imported inside the commands.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from curvedoc import __version__
from curvedoc.commands import COMMANDS
from curvedoc.commands.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, one_line

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        """Print a one-line usage error and exit with status 2."""
        msg = f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n"
        self.exit(EXIT_ERROR, msg)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`curvedoc.commands.COMMANDS`."""
    parser = _Parser(
        prog="curvedoc",
        description="Diagnose fluctuating training curves: why they wiggle and what to change.",
    )
    parser.add_argument("--version", action="version", version=f"curvedoc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, aliases=list(command.ALIASES), help=command.HELP)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``curvedoc`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_ERROR)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("curvedoc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); exit quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
