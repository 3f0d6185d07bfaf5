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

This module finds, analyses and ranks the runs and holds the result (:class:`RunTable`);
the command (:mod:`curvedoc.commands.analyze`) renders it with :func:`curvedoc.render.render`
and sets the exit status: 2 when any run could not be loaded (the others are still
analysed and shown, and each failure gets its one-line error), or when no run was found
at all; otherwise 1 when ``--fail-on`` is given and a run has a finding of that severity;
otherwise 0.

Files that are plainly not histories are *skipped*, listed with the reason, never counted
as failures: by name (a README, an image, a report, a ``.context.json``, a writer's
leftover temporary file; a FIFO or a device is never opened), or by content when loading
says so (:class:`~curvedoc.errors.NotAHistoryError`: a manifest table of text, a settings
file, an image with a history's suffix).
"""

from __future__ import annotations

import glob
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curvedoc.fileio import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.context_input import ContextFragment
    from curvedoc.report import Report

JITTER_SCALE = 0.05
"""Late jitter at which the stability score is 0.5 (about 5% wiggle around the trend)."""

MIN_RUNS_PER_WORKER = 16
"""Below this many runs per worker process, start-up costs more than it saves.

Measured on 2 cores with corpus runs (about 5 ms each): starting a pool of 2 workers
costs about 30-40 ms, so 16 runs took 61 ms serially and 95 ms in 2 processes, 32 runs
about the same both ways, and 1,000 runs 2.1 s serially and 1.3 s in 2 processes."""

REPORT_SUFFIX = {"text": "txt", "json": "json", "markdown": "md", "html": "html"}
SORT_KEYS = ("stability", "name", "confidence")

_GLOB_CHARS = frozenset("*?[")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")


def is_uri(text: str) -> bool:
    """Whether a PATH argument is a URI (``runs:/<id>``) rather than a file (``C:/`` is one)."""
    return bool(_URI.match(text))


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
    from curvedoc.loaders.directories import scan
    from curvedoc.loaders.tensorboard import is_tensorboard_run

    if is_tensorboard_run(path):
        return False
    return len(scan(path, stop_after=2).runs) >= 2


@dataclass(frozen=True)
class Target:
    """One run to analyse, or an argument that named none (``problem`` says why)."""

    path: str
    problem: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file passed over because it is plainly not a training history, and why."""

    path: str
    reason: str


def collect_targets(args: Sequence[str]) -> list[Target]:
    """Expand PATH arguments (files, run directories, folders of runs, globs) into runs.

    Order follows the arguments, each folder's runs sorted by path; duplicates are dropped.
    """
    return collect(args)[0]


def collect(args: Sequence[str]) -> tuple[list[Target], list[SkippedFile]]:
    """:func:`collect_targets`, and the files the folder scans passed over.

    See the module docstring. A folder that holds no run at all is no target: it adds only
    its skipped files, and the command says when nothing at all was found.
    """
    from curvedoc.loaders.directories import scan
    from curvedoc.loaders.tensorboard import is_tensorboard_run

    out: list[Target] = []
    skipped: list[SkippedFile] = []
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
            found = scan(p)
            skipped.extend(SkippedFile(f.path, f.reason) for f in found.skipped)
            if not found.runs and not found.skipped:
                add(Target(str(p), "is a directory with no TensorBoard runs or history files"))
            for run in found.runs:
                add(Target(str(run)))
        elif p.exists():
            add(Target(str(p)))
        else:
            add(Target(str(p), "no such file or directory"))

    for arg in args:
        p = Path(arg)
        if is_uri(arg):  # a run the registry reads from its location (runs:/<id>)
            add(Target(arg))
        elif _has_glob(arg) and not p.exists():
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                add(Target(arg, "no file or directory matches this pattern"))
            for m in matches:
                expand(Path(m))
        else:
            expand(p)
    return out, skipped


# ------------------------------------------------------------------------------------------
# Analysing one run (in a worker process)
# ------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What the summary table needs about one run (small, so it crosses processes cheaply)."""

    path: str
    name: str = ""
    error: str | None = None
    skipped: str | None = None
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
        # fields are numbers, strings and lists of strings: a shallow copy is asdict's
        # result, without its deep copy (a sweep of 9,000 runs spent a second there)
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "skipped"}
        out["top_findings"] = list(self.top_findings)
        out["findings"] = list(self.findings)
        # skipped runs are listed apart (RunTable.skipped)
        out["status"] = "error" if self.error else "ok"
        for key in ("jitter", "stability", "top_confidence"):
            v = out[key]
            if isinstance(v, float):
                out[key] = round(v, 6) if math.isfinite(v) else None
        return out


def stability_of(report: Report) -> tuple[float | None, float | None, str | None]:
    """Return ``(stability, J, basis)`` for a report (see the module docstring).

    Read from the report's typed stats (its primary pair). ``basis`` says what J is:
    ``log`` (late jitter of a positive loss, relative), ``units`` (late jitter of a
    higher-is-better metric), ``nsr`` (noise-to-signal), ``diverged``.
    """
    pair = report.stats.primary if report.stats is not None else None
    if report.too_short or pair is None:
        return None, None, None
    sides = [s for s in (pair.train, pair.val) if s is not None]
    if any(s.nonfinite_epoch is not None for s in sides):
        return 0.0, math.inf, "diverged"
    values: list[tuple[float, str]] = []
    for s in sides:
        if s.log_scale or pair.direction == "higher":
            j = s.jitter_late
            basis = "log" if s.log_scale else "units"
        else:
            j = s.noise_to_signal
            basis = "nsr"
        if math.isfinite(j):
            values.append((float(j), basis))
    if not values:
        return None, None, None
    j, basis = max(values)
    return 1.0 / (1.0 + j / JITTER_SCALE), j, basis


ReportRenderer = Callable[["Report"], str]
"""Turns a run's report into the text of its report file (picklable: it crosses processes)."""

ReportPublisher = Callable[[str, "Report"], None]
"""Sends a run's report somewhere (``--log-to-mlflow``), given the run's path (picklable)."""


@dataclass(frozen=True)
class Job:
    """One run for a worker: where it is, how to load it, where and how its report goes.

    ``render`` comes from the command (``functools.partial`` of
    :func:`curvedoc.render.render` with the chosen format), so this module does not import
    the renderers. ``context`` holds facts given for every run (``--context``,
    ``--context-file``, ``--model``), merged over what each run holds
    (:func:`curvedoc.context_merge.apply_context`); ``publish`` is called with the run's
    path and report after it is diagnosed.
    """

    index: int
    path: str
    name: str
    options: tuple[tuple[str, str | None], ...] = ()
    report_path: str | None = None
    render: ReportRenderer | None = None
    context: tuple[ContextFragment, ...] = ()
    publish: ReportPublisher | None = None
    limits: tuple[int | None, int | None] = (None, None)
    """``(max_bytes, max_series)`` for ``curvedoc.load`` (None: the default)."""


def analyse_one(job: Job) -> RunSummary:
    """Load, diagnose and summarise one run; every failure becomes ``error``, never a raise.

    A file that is plainly not a history (:class:`~curvedoc.errors.NotAHistoryError`)
    becomes ``skipped`` instead.
    """
    from curvedoc.diagnosis import diagnose
    from curvedoc.errors import CurvedocError, NotAHistoryError
    from curvedoc.loaders import load

    summary = RunSummary(path=job.path, name=job.name)
    max_bytes, max_series = job.limits
    try:
        history = load(job.path, max_bytes=max_bytes, max_series=max_series, **dict(job.options))
        if job.context:
            from curvedoc.context_merge import apply_context

            apply_context(history, job.context)
        # the summary table draws nothing: plot data only for a report file or MLflow
        drawn = (job.report_path is not None and job.render is not None) or job.publish is not None
        report = diagnose(history, curves=drawn)
    except NotAHistoryError as exc:
        summary.skipped = _one_line(exc.problem)
        return summary
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
    summary.stability, summary.jitter, summary.jitter_basis = stability_of(report)
    if job.report_path is not None and job.render is not None:
        try:
            text = job.render(report)
            write_text_atomic(job.report_path, text)
            summary.report_path = job.report_path
        except Exception as exc:  # the summary still shows the run
            summary.error = f"{job.report_path}: cannot write the report ({exc})"
    if job.publish is not None:
        try:
            job.publish(job.path, report)
        except Exception as exc:  # the summary still shows the run
            summary.error = _one_line(str(exc)) or f"{job.path}: {type(exc).__name__}"
    return summary


def analyse_chunk(jobs: list[Job]) -> list[tuple[int, RunSummary]]:
    """Analyse several runs in one worker call (fewer round trips than one per run)."""
    return [(job.index, analyse_one(job)) for job in jobs]


def _one_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space: a message stays on one line."""
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
    if any(is_uri(p) for p in paths):  # runs:/<id> is a name of its own
        return "", list(paths)
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
# The summary (rendered by curvedoc.render, like every other output)
# ------------------------------------------------------------------------------------------


STABILITY_NOTE = (
    f"stability = 1/(1 + J/{JITTER_SCALE:g}), J = the late jitter (spread around the trend "
    "over the second half) of the wobblier of the leading train/val curves: 1 is smooth, "
    f"0.5 wiggles about ±{JITTER_SCALE:.0%}, 0 went NaN/inf"
)
"""How to read the score; every form of the summary table ends with it."""


@dataclass(frozen=True)
class RunTable:
    """The finished many-runs summary: every run, ranked, ready to render.

    Attributes:
        runs: analysed runs in rank order, then the ones that failed (see :func:`rank`).
        base: the common folder the run names are relative to.
        sort: the order used (``stability``, ``name`` or ``confidence``).
        seconds: how long the analysis took (shown in the text form only).
        skipped: files passed over as plainly not histories, each with the reason.
    """

    runs: tuple[RunSummary, ...]
    base: str
    sort: str
    seconds: float = 0.0
    skipped: tuple[SkippedFile, ...] = ()

    @property
    def analysed(self) -> tuple[RunSummary, ...]:
        """The runs that were loaded and diagnosed, in rank order."""
        return tuple(s for s in self.runs if s.error is None)

    @property
    def failed(self) -> tuple[RunSummary, ...]:
        """The runs that could not be loaded (each with its one-line ``error``)."""
        return tuple(s for s in self.runs if s.error is not None)

    def to_dict(self) -> dict[str, Any]:
        """One JSON object: ``kind``, ``schema_version``, ``runs`` (ranked), ``totals``."""
        ok = self.analysed
        return {
            "schema_version": 1,
            "kind": "curvedoc-batch",
            "base": self.base,
            "sort": self.sort,
            "stability": {"scale": JITTER_SCALE, "formula": "1 / (1 + J / scale)"},
            "totals": {
                "runs": len(self.runs),
                "analysed": len(ok),
                "failed": len(self.runs) - len(ok),
                "healthy": sum(1 for s in ok if s.healthy),
            },
            "runs": [s.to_dict() for s in self.runs],
            "skipped": [{"path": f.path, "reason": f.reason} for f in self.skipped],
        }
