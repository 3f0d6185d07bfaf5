"""``curvedoc analyze PATH``: diagnose one run, or rank many.

One run (a history file, a TensorBoard run directory, a folder holding one run) gets its
full report. Several paths, a folder of runs or a glob get the many-runs summary table
(:mod:`curvedoc.batch` does the work, in worker processes). An MLflow run is
``runs:/RUN_ID``; ``--experiment NAME`` is every run of an MLflow experiment, as a table;
``--log-to-mlflow`` writes each verdict back to its run. ``--context``,
``--context-file`` and ``--model`` add training facts to every run analysed
(:mod:`curvedoc.commands.context_args`). Exit status: 0 analysed; 1 when ``--fail-on``
is reached; 2 for a usage or input error (and, with many runs, when any run could not be
loaded, or none was found; files that are plainly not histories are listed as skipped,
not failed). ``--max-bytes`` and ``--max-series`` raise the limits on what one input may
hold (``docs/inputs.md``).
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

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
from curvedoc.commands.context_args import (
    add_context_arguments,
    add_tracking_argument,
    context_fragments,
    tracking_store,
)

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import Target
    from curvedoc.context_input import ContextFragment
    from curvedoc.mlflow_source import RunRef
    from curvedoc.report import Report

NAME = "analyze"
ALIASES = ("analyse",)
HELP = "diagnose one run (history JSON, CSV, TensorBoard dir)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``curvedoc analyze``."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="history file(s), log directory, glob, or MLflow runs:/RUN_ID",
    )
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
        help="exit 1 when a finding reaches this severity (warning: or the run has a cause); "
        "a run too short to judge fails only through a finding",
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
    add_context_arguments(parser, many="with several runs they apply to each")
    mlflow = parser.add_argument_group("MLflow (pip install 'curvedoc[mlflow]')")
    add_tracking_argument(mlflow)
    mlflow.add_argument(
        "--experiment",
        metavar="NAME",
        help="analyse every run of this MLflow experiment (instead of PATHs): a ranked table",
    )
    mlflow.add_argument(
        "--log-to-mlflow",
        action="store_true",
        help="write each verdict back to its MLflow run: curvedoc.* tags and the HTML report",
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

    from curvedoc.errors import CurvedocError

    experiment = getattr(args, "experiment", None)
    if experiment is not None and args.paths:
        return error("give PATHs or --experiment NAME, not both")
    if experiment is None and not args.paths:
        return error(
            "a PATH is needed: a history file, a log directory, a glob, runs:/RUN_ID, "
            "or --experiment NAME"
        )
    if experiment is not None and not experiment.strip():
        return error("--experiment needs the name of an MLflow experiment")
    to_mlflow = experiment is not None or all(p.startswith("runs:/") for p in args.paths)
    if getattr(args, "log_to_mlflow", False) and not to_mlflow:
        return error(
            "--log-to-mlflow writes the verdict to MLflow runs: analyse runs:/RUN_ID "
            "or --experiment NAME"
        )
    if any(not p.strip() for p in args.paths):
        return error("an empty PATH was given (a file, a directory or a glob is needed)")
    try:
        shared = context_fragments(args)
    except CurvedocError as exc:
        return error(str(exc))
    with tracking_store(getattr(args, "tracking_uri", None)):
        if experiment is not None:
            return run_experiment(args, fmt, experiment, shared)
        path = args.paths[0]
        try:
            from curvedoc.batch import is_multi_run

            many = len(args.paths) > 1 or is_multi_run(Path(path))
        except (OSError, ValueError) as exc:
            return error(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})")
        if many:
            return run_many(args, fmt, shared)
        return run_one(args, fmt, path, shared)


def log_verdict(path: str, report: Report) -> None:
    """``--log-to-mlflow``: the verdict as tags on the run ``path`` and the HTML report.

    The HTML report is logged when matplotlib (which draws its plots) is installed, as it
    is with MLflow itself; otherwise the tags alone. Raises a one-line
    :class:`~curvedoc.mlflow_source.MlflowSourceError` when the run cannot be written.
    """
    from curvedoc.loaders.mlflow_runs import tracking_uri
    from curvedoc.mlflow_source import log_report
    from curvedoc.render import TextStyle, render
    from curvedoc.render.plots import matplotlib_available

    html = None
    if matplotlib_available():
        html = render(report, "html", TextStyle(width=FILE_WIDTH, color=False))
    log_report(path, report, tracking_uri(path), html=html)


def run_one(
    args: argparse.Namespace, fmt: str, path: str, shared: tuple[ContextFragment, ...] = ()
) -> int:
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
            if shared:
                from curvedoc.context_merge import apply_context

                apply_context(history, shared)
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
    if getattr(args, "log_to_mlflow", False):
        try:
            log_verdict(path, report)
        except CurvedocError as exc:
            return error(str(exc))
        note(f"logged the verdict to {path}: curvedoc.* tags and the report")
    if args.fail_on and report.fails(args.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def experiment_run_names(refs: list[RunRef]) -> list[str]:
    """Names for the runs of an experiment in the table: ``<run name>-<first 8 of the id>``."""
    return [f"{r.name}-{r.run_id[:8]}" if r.name else r.run_id for r in refs]


def run_experiment(
    args: argparse.Namespace, fmt: str, experiment: str, shared: tuple[ContextFragment, ...]
) -> int:
    """``curvedoc analyze --experiment NAME``: every run of it, as the many-runs table."""
    from curvedoc.batch import Target
    from curvedoc.errors import CurvedocError
    from curvedoc.loaders.mlflow_runs import tracking_uri
    from curvedoc.mlflow_source import list_runs

    where = f"experiment {experiment!r}"
    try:
        refs = list_runs(experiment, tracking_uri(where))
    except CurvedocError as exc:
        return error(str(exc))
    if not refs:
        return error(f"{where}: has no runs")
    targets = [Target(r.uri) for r in refs]
    base = f"MLflow experiment {experiment!r}"
    return run_many(args, fmt, shared, targets=(targets, base, experiment_run_names(refs)))


def run_many(
    args: argparse.Namespace,
    fmt: str,
    shared: tuple[ContextFragment, ...] = (),
    *,
    targets: tuple[list[Target], str, list[str]] | None = None,
) -> int:
    """``curvedoc analyze`` over several runs: analyse all, print one ranked summary.

    ``targets`` (the runs, the table's base and the runs' names) replaces the PATHs
    (``--experiment``).
    """
    import functools
    import time

    from curvedoc import batch
    from curvedoc.progress import Progress
    from curvedoc.render import TextStyle, render

    output = getattr(args, "output", None)
    sort = getattr(args, "sort", None) or "stability"
    report_dir = getattr(args, "report_dir", None)
    started = time.perf_counter()

    skipped: list[batch.SkippedFile] = []
    if targets is None:
        runs, skipped = batch.collect(args.paths)
        if len(runs) == 1 and runs[0].problem is not None and not skipped:
            # one argument that names nothing (an unmatched glob): a plain one-line error
            return error(f"{runs[0].path}: {runs[0].problem}")
        base, names = batch.display_names([t.path for t in runs])
    else:
        runs, base, names = targets
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
    publish = log_verdict if getattr(args, "log_to_mlflow", False) else None
    for i, (t, name, rname) in enumerate(zip(runs, names, report_names, strict=True)):
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
                context=shared,
                publish=publish,
                limits=job_limits,
            )
        )
    workers = batch.plan_workers(len(jobs), getattr(args, "jobs", None))
    with Progress("analysing runs", total=len(jobs)) as bar:
        for job, summary in zip(jobs, batch.run_jobs(jobs, workers, bar), strict=True):
            summaries[job.index] = summary
    every = [summaries[i] for i in range(len(runs))]
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
    if publish is not None:
        logged = sum(1 for s in ordered if s.error is None)
        note(f"logged {logged} verdicts to their MLflow runs: curvedoc.* tags and the report")
    failed = table.failed
    if failed:
        if fmt == "text" and not output:  # the summary on stdout lists them already
            error(f"{len(failed)} of {len(ordered)} runs could not be loaded (listed above)")
        else:
            for s in failed:
                error(s.error or "")
        return EXIT_ERROR
    if not ordered:
        where = ", ".join(args.paths) or base
        return error(
            f"{where}: no training history found ({len(table.skipped)} files skipped as not "
            "histories)"
        )
    from curvedoc.report import SEVERITY_RANK

    fail_on = getattr(args, "fail_on", None)
    if fail_on and any(
        SEVERITY_RANK.get(s.worst_severity or "info", 0) >= SEVERITY_RANK[fail_on]
        or (fail_on == "warning" and not s.healthy and not s.too_short and s.error is None)
        for s in ordered
    ):
        return EXIT_FINDINGS
    return EXIT_OK
