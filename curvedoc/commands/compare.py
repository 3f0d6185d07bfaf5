"""``curvedoc compare A B [C ...]``: did the change help? Each run against the first.

The judging is :func:`curvedoc.compare.compare_reports`; this module loads and diagnoses
the runs, renders the comparison and sets the exit status (1 with ``--fail-on worse``
when a run got worse, 2 for a usage or input error).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from curvedoc.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_limit_arguments,
    emit,
    error,
    input_files,
    limit_options,
    note,
    text_style,
)
from curvedoc.commands.context_args import (
    add_context_arguments,
    add_tracking_argument,
    context_fragments,
    tracking_store,
)

NAME = "compare"
ALIASES: tuple[str, ...] = ()
HELP = "compare runs side by side: did the change help?"

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.report import Report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``curvedoc compare``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="two or more runs, baseline first")
    parser.add_argument(
        "--format", "-f", choices=("text", "json", "markdown", "html"), default=None
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the comparison to FILE")
    parser.add_argument("--no-color", action="store_true", help="no colours in terminal output")
    parser.add_argument("--width", type=int, default=None, help="terminal width")
    parser.add_argument(
        "--fail-on",
        choices=("worse",),
        default=None,
        help="exit 1 when a run's fluctuation or final validation loss got worse",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        metavar="FRACTION",
        help="smallest relative change of a fluctuation measure that counts (0.25)",
    )
    add_context_arguments(
        parser, many="they apply to every run compared (what differs goes in each sidecar)"
    )
    add_tracking_argument(parser)
    add_limit_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load and diagnose every run, compare each against the first, render, exit."""
    from curvedoc.compare import TOLERANCE, compare_reports
    from curvedoc.errors import CurvedocError
    from curvedoc.render import render, resolve_format

    paths: list[str] = list(args.paths)
    if len(paths) < 2:
        return error("compare needs at least two runs: curvedoc compare BASELINE OTHER [...]")
    fmt, problem = resolve_format(args.format, args.output)
    if problem is not None:
        return error(problem)
    tolerance = getattr(args, "tolerance", None)
    tolerance = TOLERANCE if tolerance is None else tolerance
    if not (0 <= tolerance < 10):
        return error(f"--tolerance must be between 0 and 10, not {tolerance}")
    from curvedoc.context_merge import apply_context
    from curvedoc.diagnosis import diagnose
    from curvedoc.loaders import load
    from curvedoc.progress import track

    reports: list[Report] = []
    path = paths[0]
    try:
        shared = context_fragments(args)
        with tracking_store(getattr(args, "tracking_uri", None)):
            for path in track(paths, "comparing runs"):
                history = load(path, **limit_options(args))
                reports.append(diagnose(apply_context(history, shared)))
    except CurvedocError as exc:
        return error(str(exc))
    except (MemoryError, RecursionError) as exc:
        return error(f"{path}: too large or too deeply nested to analyse ({type(exc).__name__})")
    comparison = compare_reports(reports, tolerance=tolerance)
    text = render(comparison, fmt, text_style(args))
    inputs = input_files(paths) if args.output else None
    if (failed := emit(text, args.output, what="comparison", inputs=inputs)) is not None:
        return failed
    if args.output:
        summary = "; ".join(f"{v.label}: {v.summary}" for v in comparison.verdicts)
        note(f"wrote {fmt} comparison to {args.output}: {summary}")
    if getattr(args, "fail_on", None) == "worse" and comparison.any_worse():
        return EXIT_FINDINGS
    return EXIT_OK
