"""``curvedoc analyze PATH``: diagnose one run, or rank many.

One run (a history file, a TensorBoard run directory, a folder holding one run) gets its
full report. Several paths, a folder of runs or a glob get the many-runs summary table
(:mod:`curvedoc.batch` does the work, in worker processes). Exit status: 0 analysed; 1
when ``--fail-on`` is reached; 2 for a usage or input error (and, with many runs, when
any run could not be loaded, or none was found; files that are plainly not histories are
listed as skipped, not failed). ``--max-bytes`` and ``--max-series`` raise the limits on
what one input may hold (``docs/inputs.md``).
"""

from __future__ import annotations

import argparse
import os

from curvedoc.commands.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    FILE_WIDTH,
    add_limit_arguments,
    emit,
    error,
    input_files,
    internal_error,
    limit_options,
    note,
    quiet_numerics,
    text_style,
)

NAME = "analyze"
ALIASES = ("analyse",)
HELP = "diagnose one run (history JSON, CSV, TensorBoard dir)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``curvedoc analyze``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="history file(s) or log directory")
    parser.add_argument(
        "--format",
        "-f",
        choices=("text", "json", "markdown", "html"),
        default=None,
        help="report format (default: text on the terminal, or from -o's suffix)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE (format from suffix)"
    )
    parser.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default=None,
        help="exit 1 when a finding reaches this severity",
    )
    parser.add_argument("--no-color", action="store_true", help="no colours in terminal output")
    parser.add_argument("--width", type=int, default=None, help="terminal width for the report")
    parser.add_argument("--train-col", help="column/key holding the training series")
    parser.add_argument("--val-col", help="column/key holding the validation series")
    parser.add_argument("--x-col", help="column/key holding the epoch or step axis")
    parser.add_argument(
        "--metric-name", help="name to report the chosen columns under (default: loss)"
    )
    parser.add_argument("--include-curves", action="store_true", help="JSON: include plot data")
    # several runs (a folder of runs, several paths, a glob): see curvedoc/batch.py
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="several runs: worker processes (default: the CPU count)",
    )
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="several runs: also write each run's report to DIR (in --format)",
    )
    parser.add_argument(
        "--sort",
        choices=("stability", "name", "confidence"),
        default="stability",
        help="several runs: order of the summary table (default: stability)",
    )
    add_limit_arguments(parser)


def column_options(args: argparse.Namespace) -> dict[str, str | None]:
    """The loader's column options (``curvedoc.load(path, **options)``) from the flags."""
    return {
        "train_col": getattr(args, "train_col", None),
        "val_col": getattr(args, "val_col", None),
        "x_col": getattr(args, "x_col", None),
        "name": getattr(args, "metric_name", None),
    }


def run(args: argparse.Namespace) -> int:
    """Load, diagnose, render, exit by severity (one run), or summarise many runs."""
    from curvedoc.render import resolve_format

    fmt, problem = resolve_format(args.format, args.output)
    if problem is not None:
        return error(problem)
    if fmt == "html":
        from curvedoc.render.plots import missing_extra

        if (problem := missing_extra()) is not None:
            return error(problem)
    from pathlib import Path

    if any(not p.strip() for p in args.paths):
        return error("an empty PATH was given (a file, a directory or a glob is needed)")
    path = args.paths[0]
    try:
        from curvedoc.batch import is_multi_run

        many = len(args.paths) > 1 or is_multi_run(Path(path))
    except (OSError, ValueError) as exc:
        return error(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})")
    if many:
        return run_many(args, fmt)
    return run_one(args, fmt, path)


def run_one(args: argparse.Namespace, fmt: str, path: str) -> int:
    """``curvedoc analyze PATH`` for one run: its full report."""
    from curvedoc.errors import CurvedocError
    from curvedoc.progress import Progress
    from curvedoc.render import render

    # a large file takes seconds: a stage indicator on stderr (terminals only, after a
    # short delay, so quick runs and pipes see nothing)
    stages = Progress(f"reading {os.path.basename(path) or path}", total=3)
    try:
        from curvedoc.diagnosis import diagnose
        from curvedoc.loaders import load

        with quiet_numerics():
            history = load(path, **limit_options(args), **column_options(args))
            stages.update(description="measuring and diagnosing", completed=1)
            report = diagnose(history)
            stages.update(description=f"rendering the {fmt} report", completed=2)
    except CurvedocError as exc:
        stages.close()
        return error(str(exc))
    except (MemoryError, RecursionError) as exc:
        stages.close()
        return error(f"{path}: too large or too deeply nested to analyse ({type(exc).__name__})")
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        stages.close()
        return internal_error(path, "analysing it", exc)
    try:
        with quiet_numerics():
            text = render(report, fmt, text_style(args))
    except Exception as exc:
        return internal_error(path, f"rendering the {fmt} report", exc)
    finally:
        stages.close()
    inputs = input_files([path]) if args.output else None
    if (failed := emit(text, args.output, what="report", inputs=inputs)) is not None:
        return failed
    if args.output:
        note(f"wrote {fmt} report to {args.output}: {report.verdict()}")
    if args.fail_on:
        from curvedoc.report import SEVERITY_RANK

        if SEVERITY_RANK[report.worst_severity()] >= SEVERITY_RANK[args.fail_on]:
            return EXIT_FINDINGS
    return EXIT_OK


def run_many(args: argparse.Namespace, fmt: str) -> int:
    """``curvedoc analyze`` over several runs: analyse all, print one ranked summary."""
    import functools
    import time

    from curvedoc import batch
    from curvedoc.progress import Progress
    from curvedoc.render import TextStyle, render

    output = getattr(args, "output", None)
    sort = getattr(args, "sort", None) or "stability"
    report_dir = getattr(args, "report_dir", None)
    started = time.perf_counter()

    targets, skipped = batch.collect(args.paths)
    if len(targets) == 1 and targets[0].problem is not None and not skipped:
        # one argument that names nothing (an unmatched glob): a plain one-line error
        return error(f"{targets[0].path}: {targets[0].problem}")
    base, names = batch.display_names([t.path for t in targets])
    report_names = batch.report_file_names(names, fmt) if report_dir else [None] * len(names)
    if report_dir:
        try:
            os.makedirs(report_dir, exist_ok=True)
        except OSError as exc:
            return error(f"{report_dir}: cannot create the report folder ({exc.strerror or exc})")
    options = tuple((k, v) for k, v in column_options(args).items() if v is not None)
    limits = limit_options(args)
    job_limits = (limits["max_bytes"], limits["max_series"])
    # each run's own report is rendered in its worker, plain and file-width like any -o file
    report_style = TextStyle(
        width=FILE_WIDTH, color=False, include_curves=bool(getattr(args, "include_curves", False))
    )
    render_report = functools.partial(render, fmt=fmt, style=report_style)
    jobs: list[batch.Job] = []
    summaries: dict[int, batch.RunSummary] = {}
    for i, (t, name, rname) in enumerate(zip(targets, names, report_names, strict=True)):
        if t.problem is not None:
            summaries[i] = batch.RunSummary(path=t.path, name=name, error=f"{t.path}: {t.problem}")
            continue
        jobs.append(
            batch.Job(
                index=i,
                path=t.path,
                name=name,
                options=options,
                report_path=os.path.join(report_dir, rname) if report_dir and rname else None,
                render=render_report,
                limits=job_limits,
            )
        )
    workers = batch.plan_workers(len(jobs), getattr(args, "jobs", None))
    with Progress("analysing runs", total=len(jobs)) as bar:
        for job, summary in zip(jobs, batch.run_jobs(jobs, workers, bar), strict=True):
            summaries[job.index] = summary
    every = [summaries[i] for i in range(len(targets))]
    skipped += [batch.SkippedFile(s.path, s.skipped) for s in every if s.skipped is not None]
    ordered = batch.rank([s for s in every if s.skipped is None], sort)
    table = batch.RunTable(
        runs=tuple(ordered),
        base=base,
        sort=sort,
        seconds=time.perf_counter() - started,
        skipped=tuple(sorted(skipped, key=lambda f: f.path)),
    )

    text = render(table, fmt, text_style(args))
    text = text if text.endswith("\n") else text + "\n"
    inputs = input_files([s.path for s in ordered]) if output else None
    if (failed_write := emit(text, output, what="summary", inputs=inputs)) is not None:
        return failed_write
    if output:
        note(f"wrote the {fmt} summary of {len(ordered)} runs to {output}")
    if report_dir:
        written = sum(1 for s in ordered if s.report_path)
        note(f"wrote {written} reports to {report_dir}")
    failed = table.failed
    if failed:
        if fmt == "text" and not output:  # the summary on stdout lists them already
            error(f"{len(failed)} of {len(ordered)} runs could not be loaded (listed above)")
        else:
            for s in failed:
                error(s.error or "")
        return EXIT_ERROR
    if not ordered:
        where = ", ".join(args.paths)
        return error(
            f"{where}: no training history found ({len(table.skipped)} files skipped as not "
            "histories)"
        )
    from curvedoc.report import SEVERITY_RANK

    fail_on = getattr(args, "fail_on", None)
    if fail_on and any(
        SEVERITY_RANK.get(s.worst_severity or "info", 0) >= SEVERITY_RANK[fail_on] for s in ordered
    ):
        return EXIT_FINDINGS
    return EXIT_OK
