"""The ``curvedoc`` command line.

Exit codes (as ruff and pytest users expect): 0 analysed; 1 only when ``--fail-on`` is
given and a finding reaches that severity; 2 for usage or input errors (one line on
stderr naming the file and the problem, never a traceback).

Importing this module must stay cheap: no TensorFlow, Keras, torch or jax, and the heavy
parts of curvedoc itself are imported inside the commands.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import NoReturn

from curvedoc import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        """Print a one-line usage error and exit with status 2."""
        msg = f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n"
        self.exit(EXIT_ERROR, msg)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with all subcommands."""
    parser = _Parser(
        prog="curvedoc",
        description="Diagnose fluctuating training curves: why they wiggle and what to change.",
    )
    parser.add_argument("--version", action="version", version=f"curvedoc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    a = sub.add_parser(
        "analyze", aliases=["analyse"], help="diagnose one run (history JSON, CSV, TensorBoard dir)"
    )
    a.add_argument("paths", nargs="+", metavar="PATH", help="history file(s) or log directory")
    a.add_argument(
        "--format",
        "-f",
        choices=("text", "json", "markdown", "html"),
        default=None,
        help="report format (default: text on the terminal, or from -o's suffix)",
    )
    a.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE (format from suffix)"
    )
    a.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default=None,
        help="exit 1 when a finding reaches this severity",
    )
    a.add_argument("--no-color", action="store_true", help="no colours in terminal output")
    a.add_argument("--width", type=int, default=None, help="terminal width for the report")
    a.add_argument("--train-col", help="column/key holding the training series")
    a.add_argument("--val-col", help="column/key holding the validation series")
    a.add_argument("--x-col", help="column/key holding the epoch or step axis")
    a.add_argument("--metric-name", help="name to report the chosen columns under (default: loss)")
    a.add_argument("--include-curves", action="store_true", help="JSON: include plot data")
    # several runs (a folder of runs, several paths, a glob): see curvedoc/batch.py
    a.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="several runs: worker processes (default: the CPU count)",
    )
    a.add_argument(
        "--report-dir",
        metavar="DIR",
        help="several runs: also write each run's report to DIR (in --format)",
    )
    a.add_argument(
        "--sort",
        choices=("stability", "name", "confidence"),
        default="stability",
        help="several runs: order of the summary table (default: stability)",
    )

    c = sub.add_parser("compare", help="compare runs side by side: did the change help?")
    c.add_argument("paths", nargs="+", metavar="PATH", help="two or more runs, baseline first")
    c.add_argument("--format", "-f", choices=("text", "json", "markdown", "html"), default=None)
    c.add_argument("-o", "--output", metavar="FILE", help="write the comparison to FILE")
    c.add_argument("--no-color", action="store_true", help="no colours in terminal output")
    c.add_argument("--width", type=int, default=None, help="terminal width")
    c.add_argument(
        "--fail-on",
        choices=("worse",),
        default=None,
        help="exit 1 when a run's fluctuation or final validation loss got worse",
    )
    c.add_argument(
        "--tolerance",
        type=float,
        default=None,
        metavar="FRACTION",
        help="smallest relative change of a fluctuation measure that counts (0.25)",
    )

    sub.add_parser("rules", help="list the rules")
    e = sub.add_parser("explain", help="explain one rule in full")
    e.add_argument("code", help="rule code (CD301) or name (loss-diverged)")
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
        if args.command in ("analyze", "analyse"):
            return cmd_analyze(args)
        if args.command == "compare":
            from curvedoc.compare import cmd_compare

            return cmd_compare(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "explain":
            return cmd_explain(args)
    except KeyboardInterrupt:
        print("curvedoc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); exit quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    parser.print_help()
    return EXIT_ERROR


def _one_line(text: str) -> str:
    """Escape control characters (a newline in a file name, say) so a message stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _error(msg: str) -> int:
    print(f"curvedoc: error: {_one_line(msg)}", file=sys.stderr)
    return EXIT_ERROR


@contextlib.contextmanager
def _quiet_numerics() -> Iterator[None]:
    """Silence floating-point RuntimeWarnings (overflow near 1e308, the mean of nothing).

    Extreme but valid values legitimately overflow to inf inside the measures, which
    handle it; the warning text on stderr would only clutter the report's output.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _internal_error(path: str, stage: str, exc: BaseException) -> int:
    """Report a bug in curvedoc itself in one line (the traceback with CURVEDOC_DEBUG=1)."""
    if os.environ.get("CURVEDOC_DEBUG"):
        raise exc
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return _error(
        f"{path}: internal error while {stage} ({type(exc).__name__}"
        + (f": {detail}" if detail else "")
        + "); this is a curvedoc bug: please report it, with CURVEDOC_DEBUG=1 for the traceback"
    )


def _console_color(args: argparse.Namespace) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def cmd_analyze(args: argparse.Namespace) -> int:
    """``curvedoc analyze PATH``: load, diagnose, render, exit by severity."""
    from curvedoc.errors import CurvedocError, LoadError
    from curvedoc.render import resolve_format

    fmt, problem = resolve_format(args.format, args.output)
    if problem is not None:
        return _error(problem)
    if fmt == "html":
        from curvedoc.render.plots import missing_extra

        if (problem := missing_extra()) is not None:
            return _error(problem)
    from pathlib import Path

    if any(not p.strip() for p in args.paths):
        return _error("an empty PATH was given (a file, a directory or a glob is needed)")
    path = args.paths[0]
    try:
        many = len(args.paths) > 1 or _is_multi_run(Path(path))
    except (OSError, ValueError) as exc:
        return _error(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})")
    if many:
        from curvedoc.batch import cmd_analyze_many

        return cmd_analyze_many(args)
    options = {
        "train_col": args.train_col,
        "val_col": args.val_col,
        "x_col": args.x_col,
        "name": args.metric_name,
    }
    from curvedoc.progress import Progress

    # a large file takes seconds: a stage indicator on stderr (terminals only, after a
    # short delay, so quick runs and pipes see nothing)
    stages = Progress(f"reading {os.path.basename(path) or path}", total=3)
    try:
        from curvedoc.diagnosis import diagnose
        from curvedoc.loaders import load

        with _quiet_numerics():
            history = load(path, **options)
            stages.update(description="measuring and diagnosing", completed=1)
            report = diagnose(history)
            stages.update(description=f"rendering the {fmt} report", completed=2)
    except LoadError as exc:
        stages.close()
        return _error(str(exc))
    except CurvedocError as exc:
        stages.close()
        return _error(str(exc))
    except (MemoryError, RecursionError) as exc:
        stages.close()
        return _error(f"{path}: too large or too deeply nested to analyse ({type(exc).__name__})")
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        stages.close()
        return _internal_error(path, "analysing it", exc)
    try:
        with _quiet_numerics():
            text = render(report, fmt, args)
    except Exception as exc:
        return _internal_error(path, f"rendering the {fmt} report", exc)
    finally:
        stages.close()
    if args.output:
        try:
            _write_atomic(args.output, text)
        except OSError as exc:
            return _error(f"{args.output}: cannot write the report ({exc.strerror or exc})")
        print(f"curvedoc: wrote {fmt} report to {args.output}: {report.verdict()}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    if args.fail_on:
        from curvedoc.report import SEVERITY_RANK

        if SEVERITY_RANK[report.worst_severity()] >= SEVERITY_RANK[args.fail_on]:
            return EXIT_FINDINGS
    return EXIT_OK


def _is_multi_run(path: object) -> bool:
    """Whether a single PATH argument names many runs (a glob, or a directory of runs)."""
    from curvedoc.batch import is_multi_run

    return is_multi_run(path)


def render(report: object, fmt: str, args: argparse.Namespace) -> str:
    """Render a report in the requested format."""
    from curvedoc.report import Report

    assert isinstance(report, Report)
    if fmt == "json":
        from curvedoc.render.json import render_json

        return render_json(report, include_curves=args.include_curves)
    if fmt == "markdown":
        from curvedoc.render.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from curvedoc.render.html import render_html

        return render_html(report)
    from curvedoc.render.terminal import render_terminal, render_text

    if args.output:
        return render_text(report, width=args.width or 100)
    return render_terminal(report, width=args.width, color=_console_color(args))


def _write_atomic(path: str, text: str) -> None:
    """Write a report file atomically (see :func:`curvedoc.fileio.write_text_atomic`)."""
    from curvedoc.fileio import write_text_atomic

    write_text_atomic(path, text)


def cmd_rules(args: argparse.Namespace) -> int:
    """``curvedoc rules``: one line per rule."""
    from rich.console import Console
    from rich.table import Table

    from curvedoc.rules.registry import all_rules

    table = Table(show_edge=False, pad_edge=False)
    for col in ("code", "name", "category", "severity", "summary"):
        table.add_column(col, overflow="fold")
    for r in all_rules():
        table.add_row(r.code, r.name, r.category, r.severity, r.summary)
    Console(highlight=False).print(table)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """``curvedoc explain CODE``: a rule in full."""
    from curvedoc.rules.docgen import rule_markdown
    from curvedoc.rules.registry import get_rule

    r = get_rule(args.code)
    if r is None:
        return _error(f"no rule {args.code!r} (list them with: curvedoc rules)")
    sys.stdout.write(rule_markdown(r))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
