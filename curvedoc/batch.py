"""Many runs at once: ``curvedoc analyze runs/`` (or several paths, or a glob).

Every run found is loaded and diagnosed, in parallel worker processes, and one summary
table ranks the runs by stability, each with its verdict (top cause and confidence).
``--report-dir DIR`` also writes each run's full report there, as ``NAME.report.EXT`` in
the chosen ``--format``.

What is a run: a history file (``.json``, ``.csv``, ``.tsv``, optionally ``.gz``; the
content decides the format) or a TensorBoard run directory (event files in it or in its
``train/`` / ``validation/``); folders are searched a few levels deep
(:func:`curvedoc.loaders.directories.discover_runs`). A directory that is itself one
TensorBoard run is one run, not many.

Stability score (scale-free, 0..1, higher is steadier)::

    J = the larger of the late jitter of the leading pair's training and validation curves
    stability = 1 / (1 + J / 0.05)        (0 when a curve went NaN/inf)

Late jitter is the robust spread of a curve around its own trend over the second half of
the run (``metrics.jitter``), in log units for positive losses, so 0.05 means "wiggles about
5% up and down around where it is heading", whatever the loss's units; for a
higher-is-better metric it is in metric units (0.05 = 5 accuracy points). So a run scores
0.5 when its wobblier curve wiggles by about 5%, 0.8 at about 1.25%, 0.2 at 20%. Where
neither applies (a lower-is-better series that is not positive) the noise-to-signal ratio
(residual spread / total improvement, also scale-free) stands in for J. Runs too short to
judge (fewer than 5 epochs) get no score and are listed after the ranked ones.

Exit status: 2 when any run could not be loaded (the others are still analysed and shown,
and each failure gets its one-line error); otherwise 1 when ``--fail-on`` is given and a
run has a finding of that severity; otherwise 0.
"""

from __future__ import annotations

import argparse
import glob
import io
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from curvedoc.fileio import write_text_atomic

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

JITTER_SCALE = 0.05
"""Late jitter at which the stability score is 0.5 (about 5% wiggle around the trend)."""

MIN_RUNS_PER_WORKER = 16
"""Below this many runs per worker process, start-up costs more than it saves.

Measured on 2 cores with corpus runs (about 5 ms each): starting a pool of 2 workers
costs about 30-40 ms, so 16 runs took 61 ms serially and 95 ms in 2 processes, 32 runs
about the same both ways, and 1,000 runs 2.1 s serially and 1.3 s in 2 processes."""

REPORT_SUFFIX = {"text": "txt", "json": "json", "markdown": "md", "html": "html"}
SHORT_CATEGORY = {
    "unscaled_data": "unscaled data",
    "architecture": "architecture",
    "hyperparameters": "hyperparameters",
    "data_noise": "data noise",
}
SORT_KEYS = ("stability", "name", "confidence")

_GLOB_CHARS = frozenset("*?[")


# ------------------------------------------------------------------------------------------
# Finding the runs
# ------------------------------------------------------------------------------------------


def _has_glob(text: str) -> bool:
    return any(c in text for c in _GLOB_CHARS)


def is_multi_run(path: Path) -> bool:
    """Whether one PATH argument names several runs rather than one.

    True for a glob pattern the shell did not expand (``'runs/*/metrics.csv'``) and for a
    directory holding two or more runs (history files or TensorBoard runs). A directory
    that is one TensorBoard run, a single file, or a missing path is one run.
    """
    text = str(path)
    if _has_glob(text) and not path.exists():
        return True
    if not path.is_dir():
        return False
    from curvedoc.loaders.directories import discover_runs
    from curvedoc.loaders.tensorboard import is_tensorboard_run

    if is_tensorboard_run(path):
        return False
    return len(discover_runs(path)) >= 2


@dataclass(frozen=True)
class Target:
    """One run to analyse, or an argument that named none (``problem`` says why)."""

    path: str
    problem: str | None = None


def collect_targets(args: Sequence[str]) -> list[Target]:
    """Expand PATH arguments (files, run directories, folders of runs, globs) into runs.

    Order follows the arguments, each folder's runs sorted by path; duplicates are dropped.
    """
    from curvedoc.loaders.directories import discover_runs
    from curvedoc.loaders.tensorboard import is_tensorboard_run

    out: list[Target] = []
    seen: set[str] = set()

    def add(t: Target) -> None:
        key = os.path.normpath(t.path)
        if key not in seen:
            seen.add(key)
            out.append(t)

    def expand(p: Path) -> None:
        if p.is_dir():
            if is_tensorboard_run(p):
                add(Target(str(p)))
                return
            runs = discover_runs(p)
            if not runs:
                add(Target(str(p), "is a directory with no TensorBoard runs or history files"))
            for run in runs:
                add(Target(str(run)))
        elif p.exists():
            add(Target(str(p)))
        else:
            add(Target(str(p), "no such file or directory"))

    for arg in args:
        p = Path(arg)
        if _has_glob(arg) and not p.exists():
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                add(Target(arg, "no file or directory matches this pattern"))
            for m in matches:
                expand(Path(m))
        else:
            expand(p)
    return out


# ------------------------------------------------------------------------------------------
# Analysing one run (in a worker process)
# ------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What the summary table needs about one run (small, so it crosses processes cheaply)."""

    path: str
    name: str = ""
    error: str | None = None
    format: str | None = None
    epochs: int | None = None
    batches: int | None = None
    healthy: bool | None = None
    verdict: str | None = None
    top_category: str | None = None
    top_title: str | None = None
    top_confidence: float | None = None
    top_findings: list[str] = field(default_factory=list)
    worst_severity: str | None = None
    findings: list[str] = field(default_factory=list)
    primary: str | None = None
    jitter: float | None = None
    jitter_basis: str | None = None
    stability: float | None = None
    too_short: bool = False
    report_path: str | None = None
    rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (strict JSON: non-finite numbers become null)."""
        out = asdict(self)
        out["status"] = "error" if self.error else "ok"
        for key in ("jitter", "stability", "top_confidence"):
            v = out[key]
            if isinstance(v, float):
                out[key] = round(v, 6) if math.isfinite(v) else None
        return out


def stability_of(report: Any, primary: str | None) -> tuple[float | None, float | None, str | None]:
    """Return ``(stability, J, basis)`` for a report (see the module docstring).

    ``basis`` says what J is: ``log`` (late jitter of a positive loss, relative),
    ``units`` (late jitter of a higher-is-better metric), ``nsr`` (noise-to-signal).
    """
    if report.run.get("too_short") or primary is None:
        return None, None, None
    pair = report.metrics.get("pairs", {}).get(primary)
    if not pair:
        return None, None, None
    sides = [s for s in (pair.get("train"), pair.get("val")) if s]
    if any(s.get("nonfinite_epoch") is not None for s in sides):
        return 0.0, math.inf, "diverged"
    values: list[tuple[float, str]] = []
    for s in sides:
        if s.get("log_scale") or pair.get("direction") == "higher":
            j = s.get("jitter_late")
            basis = "log" if s.get("log_scale") else "units"
        else:
            j = s.get("noise_to_signal")
            basis = "nsr"
        if isinstance(j, (int, float)) and math.isfinite(j):
            values.append((float(j), basis))
    if not values:
        return None, None, None
    j, basis = max(values)
    return 1.0 / (1.0 + j / JITTER_SCALE), j, basis


def _render(report: Any, fmt: str, include_curves: bool) -> str:
    if fmt == "json":
        from curvedoc.render.json import render_json

        return render_json(report, include_curves=include_curves)
    if fmt == "markdown":
        from curvedoc.render.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from curvedoc.render.html import render_html

        return render_html(report)
    from curvedoc.render.terminal import render_text

    return render_text(report, width=100)


@dataclass(frozen=True)
class Job:
    """One run for a worker: where it is, how to load it, where its report goes."""

    index: int
    path: str
    name: str
    options: tuple[tuple[str, str | None], ...] = ()
    report_path: str | None = None
    report_format: str = "json"
    include_curves: bool = False


def analyse_one(job: Job) -> RunSummary:
    """Load, diagnose and summarise one run; every failure becomes ``error``, never a raise."""
    from curvedoc.diagnosis import diagnose
    from curvedoc.errors import CurvedocError
    from curvedoc.loaders import load

    summary = RunSummary(path=job.path, name=job.name)
    try:
        history = load(job.path, **dict(job.options))
        report = diagnose(history)
    except CurvedocError as exc:
        summary.error = _one_line(str(exc))
        return summary
    except (MemoryError, RecursionError) as exc:
        summary.error = f"{job.path}: too large or too deeply nested ({type(exc).__name__})"
        return summary
    except Exception as exc:  # a curvedoc bug on this run must not stop the others
        summary.error = f"{job.path}: internal error ({type(exc).__name__}: {_one_line(str(exc))})"
        return summary
    pair = history.primary_pair()
    summary.primary = pair.name if pair else None
    summary.format = report.source_format
    summary.epochs = history.n_epochs
    summary.batches = history.n_batches
    summary.healthy = report.healthy
    summary.verdict = report.verdict()
    summary.worst_severity = report.worst_severity()
    summary.findings = [f.code for f in report.findings if f.severity != "info"]
    summary.too_short = bool(report.run.get("too_short"))
    top = report.top_cause
    if top is not None:
        summary.top_category = top.category
        summary.top_title = top.title
        summary.top_confidence = float(top.confidence)
        summary.top_findings = list(top.findings)
    summary.stability, summary.jitter, summary.jitter_basis = stability_of(report, summary.primary)
    if job.report_path is not None:
        try:
            text = _render(report, job.report_format, job.include_curves)
            write_text_atomic(job.report_path, text)
            summary.report_path = job.report_path
        except Exception as exc:  # the summary still shows the run
            summary.error = f"{job.report_path}: cannot write the report ({exc})"
    return summary


def analyse_chunk(jobs: list[Job]) -> list[tuple[int, RunSummary]]:
    """Analyse several runs in one worker call (fewer round trips than one per run)."""
    return [(job.index, analyse_one(job)) for job in jobs]


def _one_line(text: str) -> str:
    return " ".join(text.split()) if text else text


def plan_workers(n_runs: int, jobs: int | None) -> int:
    """Choose how many worker processes to use.

    At most ``jobs`` (default: the CPU count), and one per :data:`MIN_RUNS_PER_WORKER`
    runs, so a handful of runs is analysed in-process without start-up costs.
    """
    limit = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(limit, n_runs // MIN_RUNS_PER_WORKER))


def run_jobs(jobs: list[Job], workers: int, progress: Any = None) -> list[RunSummary]:
    """Analyse every job, in ``workers`` processes (in-process when 1), in job order."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    results: dict[int, RunSummary] = {}
    if workers <= 1:
        for job in jobs:
            results[job.index] = analyse_one(job)
            if progress is not None:
                progress.advance()
        return [results[j.index] for j in jobs]
    # a few chunks per worker: balanced load and a moving progress bar, few round trips
    size = max(1, min(64, math.ceil(len(jobs) / (workers * 6))))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    # modules imported now are inherited by forked workers instead of re-imported
    import curvedoc.diagnosis
    import curvedoc.loaders  # noqa: F401

    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = {pool.submit(analyse_chunk, c) for c in chunks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                part = fut.result()
                for index, summary in part:
                    results[index] = summary
                if progress is not None:
                    progress.advance(len(part))
    return [results[j.index] for j in jobs]


def rank(summaries: list[RunSummary], sort: str = "stability") -> list[RunSummary]:
    """Order analysed runs (failed ones last) and number the analysed ones 1..n."""
    ok = [s for s in summaries if s.error is None]
    bad = [s for s in summaries if s.error is not None]
    if sort == "name":
        ok.sort(key=lambda s: s.name)
    elif sort == "confidence":
        ok.sort(key=lambda s: (-(s.top_confidence or 0.0), s.name))
    else:
        ok.sort(key=lambda s: (s.stability is None, -(s.stability or 0.0), s.name))
    for i, s in enumerate(ok, 1):
        s.rank = i
    return ok + bad


def display_names(paths: list[str]) -> tuple[str, list[str]]:
    """Return a common folder and each path relative to it (for a readable table)."""
    if not paths:
        return "", []
    absolute = [os.path.abspath(p) for p in paths]
    try:
        common = os.path.commonpath(absolute)
    except ValueError:  # different drives
        return "", list(paths)
    if len(paths) == 1 or common in absolute:
        common = os.path.dirname(common)
    names = [os.path.relpath(a, common) for a in absolute]
    shown = os.path.relpath(common) if common else ""
    if shown.startswith(".."):  # outside the working directory: the absolute path reads better
        shown = common
    return shown, names


def report_file_names(names: list[str], fmt: str) -> list[str]:
    """Return a distinct ``NAME.report.EXT`` file name for each run name."""
    ext = REPORT_SUFFIX[fmt]
    out: list[str] = []
    used: set[str] = set()
    for name in names:
        stem = name.replace("\\", "/").strip("/")
        for suffix in (".gz", ".json", ".csv", ".tsv", ".curvedoc"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        stem = "__".join(part for part in stem.split("/") if part not in ("", ".")) or "run"
        candidate, k = f"{stem}.report.{ext}", 2
        while candidate in used:
            candidate, k = f"{stem}-{k}.report.{ext}", k + 1
        used.add(candidate)
        out.append(candidate)
    return out


# ------------------------------------------------------------------------------------------
# The summary
# ------------------------------------------------------------------------------------------


def _pct(j: float | None, basis: str | None) -> str:
    if basis == "diverged":
        return "NaN/inf"
    if j is None or not math.isfinite(j):
        return "–"
    if basis == "log":
        return f"±{j * 100:.1f}%"
    if basis == "nsr":
        return f"{j:.2f} nsr"
    return f"±{j:.3f}"


def _verdict_cell(s: RunSummary) -> str:
    if s.too_short:
        return "too short"
    if s.healthy:
        return "healthy"
    cat = SHORT_CATEGORY.get(s.top_category or "", s.top_category or "?")
    codes = ", ".join(s.top_findings[:3])
    return f"{cat} ({codes})" if codes else cat


def _conf(s: RunSummary) -> str:
    return "" if s.top_confidence is None else f"{s.top_confidence:.0%}"


def _stab(s: RunSummary) -> str:
    if s.stability is None:
        return "too short" if s.too_short else "–"
    return f"{s.stability:.2f}"


STABILITY_NOTE = (
    "stability = 1/(1 + J/0.05), J = the late jitter (spread around the trend over the "
    "second half) of the wobblier of the leading train/val curves: 1 is smooth, 0.5 "
    "wiggles about ±5%, 0 went NaN/inf"
)


def render_summary_text(
    summaries: list[RunSummary], *, base: str, width: int | None, color: bool, seconds: float
) -> str:
    """Render the summary table for a terminal (rich), failures and the score explained."""
    from rich.table import Table
    from rich.text import Text

    from curvedoc.render.terminal import make_console

    ok = [s for s in summaries if s.error is None]
    bad = [s for s in summaries if s.error is not None]
    buf = io.StringIO()
    console = make_console(buf, width=width or (None if color else 100), color=color)
    head = f"curvedoc: {len(summaries)} run{'s' if len(summaries) != 1 else ''}"
    if base and base != ".":
        head += f" under {base}"
    head += f" ({len(ok)} analysed, {len(bad)} failed, {seconds:.1f}s)"
    console.print(Text(head, style="bold"))
    if ok:
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("run", overflow="fold", ratio=3)
        table.add_column("stability", justify="right", no_wrap=True)
        table.add_column("wiggle", justify="right", no_wrap=True)
        table.add_column("verdict", overflow="fold", ratio=2)
        table.add_column("conf.", justify="right", no_wrap=True)
        table.add_column("epochs", justify="right", no_wrap=True)
        for s in ok:
            style = "green" if s.healthy else ("red" if s.worst_severity == "error" else "yellow")
            table.add_row(
                str(s.rank),
                s.name,
                _stab(s),
                _pct(s.jitter, s.jitter_basis),
                Text(_verdict_cell(s), style=style),
                _conf(s),
                str(s.epochs),
            )
        console.print(table)
    if bad:
        console.print(Text(f"failed to load ({len(bad)}):", style="bold red"))
        for s in bad:
            console.print(Text(f"  {s.error}"), overflow="fold")
    console.print(Text(STABILITY_NOTE, style="dim"), overflow="fold")
    text = buf.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text


def render_summary_markdown(summaries: list[RunSummary], *, base: str) -> str:
    """Render the summary as a Markdown table (names escaped)."""
    from curvedoc.render.markdown import md_escape

    ok = [s for s in summaries if s.error is None]
    bad = [s for s in summaries if s.error is not None]
    lines = [f"# curvedoc: {len(summaries)} runs" + (f" under {md_escape(base)}" if base else "")]
    lines.append("")
    if ok:
        lines.append("| # | run | stability | wiggle | verdict | confidence | epochs |")
        lines.append("|--:|---|--:|--:|---|--:|--:|")
        for s in ok:
            lines.append(
                f"| {s.rank} | {md_escape(s.name)} | {_stab(s)} | "
                f"{md_escape(_pct(s.jitter, s.jitter_basis))} | {md_escape(_verdict_cell(s))} | "
                f"{md_escape(_conf(s))} | {s.epochs} |"
            )
        lines.append("")
    if bad:
        lines.append(f"## Failed to load ({len(bad)})")
        lines.append("")
        lines.extend(f"- {md_escape(s.error)}" for s in bad)
        lines.append("")
    lines.append(f"_{md_escape(STABILITY_NOTE)}_")
    return "\n".join(lines) + "\n"


def render_summary_html(summaries: list[RunSummary], *, base: str) -> str:
    """Render the summary as a small standalone HTML page (everything escaped)."""
    import html

    def esc(v: object) -> str:
        return html.escape(str(v), quote=True)

    ok = [s for s in summaries if s.error is None]
    bad = [s for s in summaries if s.error is not None]
    rows = "".join(
        f"<tr><td>{s.rank}</td><td>{esc(s.name)}</td><td>{esc(_stab(s))}</td>"
        f"<td>{esc(_pct(s.jitter, s.jitter_basis))}</td><td>{esc(_verdict_cell(s))}</td>"
        f"<td>{esc(_conf(s))}</td><td>{s.epochs}</td></tr>"
        for s in ok
    )
    failed = "".join(f"<li>{esc(s.error)}</li>" for s in bad)
    title = f"curvedoc: {len(summaries)} runs" + (f" under {base}" if base else "")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        "</title></head><body>"
        f"<h1>{esc(title)}</h1>"
        "<table><thead><tr><th>#</th><th>run</th><th>stability</th><th>wiggle</th>"
        "<th>verdict</th><th>confidence</th><th>epochs</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        + (f"<h2>Failed to load ({len(bad)})</h2><ul>{failed}</ul>" if bad else "")
        + f"<p><small>{esc(STABILITY_NOTE)}</small></p></body></html>\n"
    )


def summary_json(summaries: list[RunSummary], *, base: str, sort: str) -> dict[str, Any]:
    """One JSON object: ``kind``, ``schema_version``, ``runs`` (ranked), ``totals``."""
    ok = [s for s in summaries if s.error is None]
    return {
        "schema_version": 1,
        "kind": "curvedoc-batch",
        "base": base,
        "sort": sort,
        "stability": {"scale": JITTER_SCALE, "formula": "1 / (1 + J / scale)"},
        "totals": {
            "runs": len(summaries),
            "analysed": len(ok),
            "failed": len(summaries) - len(ok),
            "healthy": sum(1 for s in ok if s.healthy),
        },
        "runs": [s.to_dict() for s in summaries],
    }


# ------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------


def _err(msg: str) -> int:
    print(f"curvedoc: error: {msg}", file=sys.stderr)
    return EXIT_ERROR


def cmd_analyze_many(args: argparse.Namespace) -> int:
    """``curvedoc analyze`` over several runs: analyse all, print one ranked summary."""
    import json

    from curvedoc.render import resolve_format

    output = getattr(args, "output", None)
    fmt, problem = resolve_format(getattr(args, "format", None), output)
    if problem is not None:
        return _err(problem)
    sort = getattr(args, "sort", None) or "stability"
    report_dir = getattr(args, "report_dir", None)
    started = time.perf_counter()

    targets = collect_targets(args.paths)
    if len(targets) == 1 and targets[0].problem is not None:
        # one argument that names nothing (an unmatched glob): a plain one-line error
        return _err(f"{targets[0].path}: {targets[0].problem}")
    base, names = display_names([t.path for t in targets])
    report_names = report_file_names(names, fmt) if report_dir else [None] * len(names)
    if report_dir:
        try:
            os.makedirs(report_dir, exist_ok=True)
        except OSError as exc:
            return _err(f"{report_dir}: cannot create the report folder ({exc.strerror or exc})")
    options = tuple(
        (k, v)
        for k, v in (
            ("train_col", getattr(args, "train_col", None)),
            ("val_col", getattr(args, "val_col", None)),
            ("x_col", getattr(args, "x_col", None)),
            ("name", getattr(args, "metric_name", None)),
        )
        if v is not None
    )
    jobs: list[Job] = []
    summaries: dict[int, RunSummary] = {}
    for i, (t, name, rname) in enumerate(zip(targets, names, report_names, strict=True)):
        if t.problem is not None:
            summaries[i] = RunSummary(path=t.path, name=name, error=f"{t.path}: {t.problem}")
            continue
        jobs.append(
            Job(
                index=i,
                path=t.path,
                name=name,
                options=options,
                report_path=os.path.join(report_dir, rname) if report_dir and rname else None,
                report_format=fmt,
                include_curves=bool(getattr(args, "include_curves", False)),
            )
        )
    workers = plan_workers(len(jobs), getattr(args, "jobs", None))
    from curvedoc.progress import Progress

    with Progress("analysing runs", total=len(jobs)) as bar:
        for job, summary in zip(jobs, run_jobs(jobs, workers, bar), strict=True):
            summaries[job.index] = summary
    ordered = rank([summaries[i] for i in range(len(targets))], sort)
    seconds = time.perf_counter() - started

    if fmt == "json":
        text = json.dumps(summary_json(ordered, base=base, sort=sort), indent=2, allow_nan=False)
    elif fmt == "markdown":
        text = render_summary_markdown(ordered, base=base)
    elif fmt == "html":
        text = render_summary_html(ordered, base=base)
    else:
        color = (
            not output
            and not getattr(args, "no_color", False)
            and not os.environ.get("NO_COLOR")
            and sys.stdout.isatty()
        )
        text = render_summary_text(
            ordered, base=base, width=getattr(args, "width", None), color=color, seconds=seconds
        )
    if output:
        try:
            write_text_atomic(output, text if text.endswith("\n") else text + "\n")
        except OSError as exc:
            return _err(f"{output}: cannot write the summary ({exc.strerror or exc})")
        print(
            f"curvedoc: wrote the {fmt} summary of {len(ordered)} runs to {output}", file=sys.stderr
        )
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    failed = [s for s in ordered if s.error is not None]
    if report_dir:
        written = sum(1 for s in ordered if s.report_path)
        print(f"curvedoc: wrote {written} reports to {report_dir}", file=sys.stderr)
    if failed:
        if fmt == "text" and not output:  # the summary on stdout lists them already
            print(
                f"curvedoc: error: {len(failed)} of {len(ordered)} runs could not be loaded "
                "(listed above)",
                file=sys.stderr,
            )
        else:
            for s in failed:
                print(f"curvedoc: error: {s.error}", file=sys.stderr)
        return EXIT_ERROR
    from curvedoc.report import SEVERITY_RANK

    fail_on = getattr(args, "fail_on", None)
    if fail_on and any(
        SEVERITY_RANK.get(s.worst_severity or "info", 0) >= SEVERITY_RANK[fail_on] for s in ordered
    ):
        return EXIT_FINDINGS
    return EXIT_OK
