"""Source ``folder``: a directory that holds exactly one run somewhere below it.

``curvedoc.load(dir)`` reads a directory as one run:

* a TensorBoard run (event files in it, or in its ``train/`` / ``validation/``
  subdirectories) is read by the ``tensorboard`` source, asked before this one;
* a folder holding exactly one run below it (one TensorBoard run, such as Keras'
  ``logs/fit/20240101-120000/``, or one history file, such as Lightning's
  ``version_0/metrics.csv``) reads that run, through the registry
  (:meth:`~curvedoc.loaders.source.Probe.load_nested`), with the same options;
* an empty folder, one with nothing readable, or one with several runs is a LoadError (the
  command line sends folders of several runs to :mod:`curvedoc.batch`).

:func:`scan` (and :func:`discover_runs`, its list of runs) is the one place that decides
what counts as a run in a folder; the multi-run command uses it too. A scan takes only
what it can read: it follows a symbolic link at most once per real file or folder (a
link loop ends there), never opens a FIFO, a device or a socket, and lists the files that
are plainly not histories (a README, an image, a report, a run's ``.context.json``, a
writer's leftover ``.NAME.XXXX.tmp``) as *skipped*, with the reason, rather than trying
them as runs.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from curvedoc.context_input import SIDECAR_SUFFIX
from curvedoc.errors import LoadError
from curvedoc.fileio import is_temporary_name
from curvedoc.history import History
from curvedoc.loaders.source import Form, Probe, Source
from curvedoc.loaders.tensorboard import is_tensorboard_run

HISTORY_SUFFIXES = (".json", ".csv", ".tsv", ".json.gz", ".csv.gz", ".tsv.gz")
"""File names a folder scan treats as history files (content decides the format later)."""

REPORT_MARK = ".report."
"""Per-run reports are written as ``NAME.report.EXT``; a scan never takes them for runs."""

CONTEXT_SUFFIX = SIDECAR_SUFFIX
"""A run's context file (``run.context.json`` next to ``run.csv``) is not a run."""


SKIP_DIRS = frozenset({"__pycache__", "node_modules", ".git", "checkpoints", "wandb"})

MAX_DEPTH = 6
"""How deep a scan looks for runs below the folder it is given."""


def is_history_file(path: Path) -> bool:
    """Whether a file name looks like a training history (by suffix; not a report or context)."""
    return _not_a_history_name(path.name) is None


def _not_a_history_name(name: str) -> str | None:
    """Why a file name is plainly not a history, or None when it may be one."""
    low = name.lower()
    if is_temporary_name(name):
        return "a temporary file left by a writer that was stopped"
    if low.startswith("."):
        return "a hidden file"
    if REPORT_MARK in low:
        return "a curvedoc report"
    if low.endswith(CONTEXT_SUFFIX):
        return "a run's context file"
    if not low.endswith(HISTORY_SUFFIXES):
        return "not a history file (by its name)"
    return None


@dataclass(frozen=True)
class Skipped:
    """A file a scan passed over, and why (``not a history file (by its name)``, ...)."""

    path: str
    reason: str


@dataclass
class Scan:
    """What a folder holds: its runs (sorted by path) and the files passed over."""

    runs: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe), not a file: never opened"),
    (stat.S_ISSOCK, "a socket, not a file: never opened"),
    (stat.S_ISCHR, "a device, not a file: never opened"),
    (stat.S_ISBLK, "a device, not a file: never opened"),
)


class _Enough(Exception):
    """Raised inside :func:`scan` once ``stop_after`` runs were found."""


def scan(path: Path, *, max_depth: int = MAX_DEPTH, stop_after: int | None = None) -> Scan:
    """Every run at or below a folder, and every file passed over (see the module docstring).

    Runs are TensorBoard run directories and history files; a TensorBoard run's own
    subdirectories are part of it, not runs of their own. Hidden entries and bulky non-log
    folders (``.git``, ``checkpoints``, ...) are not entered and not listed, except a
    writer's leftover temporary files, which are listed as skipped. Each real folder and
    file is visited once, however many links lead to it. Linear in the number of entries.
    ``stop_after``: stop once that many runs were found (is there more than one run?).
    """
    result = Scan()
    seen: set[tuple[int, int]] = set()

    def first_visit(st: os.stat_result) -> bool:
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return False
        seen.add(key)
        return True

    def found(run: Path) -> None:
        result.runs.append(run)
        if stop_after is not None and len(result.runs) >= stop_after:
            raise _Enough

    def walk(folder: Path, depth: int) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            # a folder that cannot be listed may still hold a readable train/ subfolder
            if is_tensorboard_run(folder):
                found(folder)
            return
        if is_tensorboard_run(folder, entries):
            found(folder)
            return
        for entry in entries:
            name = entry.name
            hidden = name.startswith(".")
            if hidden and not is_temporary_name(name):
                continue
            try:
                st = entry.stat()  # follows a link; never opens the file
            except OSError:
                continue  # a dangling link, or gone since the listing
            p = Path(entry.path)
            if stat.S_ISDIR(st.st_mode):
                if depth > 0 and name not in SKIP_DIRS and not hidden and first_visit(st):
                    walk(p, depth - 1)
                continue
            special = next((why for test, why in _SPECIAL if test(st.st_mode)), None)
            if special is not None:
                result.skipped.append(Skipped(str(p), special))
                continue
            why = _not_a_history_name(name)
            if why is not None:
                result.skipped.append(Skipped(str(p), why))
            elif first_visit(st):
                found(p)
            else:
                result.skipped.append(Skipped(str(p), "the same file as another run found"))

    try:
        root = path.stat()
        seen.add((root.st_dev, root.st_ino))
    except OSError:
        pass
    with contextlib.suppress(_Enough):
        walk(path, max_depth)
    result.runs.sort()
    return result


def discover_runs(path: Path, *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every run at or below a folder (:attr:`Scan.runs` of :func:`scan`), sorted by path."""
    return scan(path, max_depth=max_depth).runs


def sniff(probe: Probe) -> bool:
    """Any directory (TensorBoard runs were taken by the ``tensorboard`` source before)."""
    return probe.is_dir


def load(probe: Probe) -> History:
    """Read the one run below the directory (see the module docstring)."""
    path = probe.path
    try:
        empty = not any(True for _ in path.iterdir())
    except OSError as exc:
        raise LoadError(str(path), f"cannot be listed ({exc.strerror or exc})") from None
    if empty:
        raise LoadError(str(path), "is an empty directory")
    runs = discover_runs(path)
    if not runs:
        raise LoadError(
            str(path), "is a directory with no TensorBoard event files or history files"
        )
    if len(runs) > 1:
        raise LoadError(
            str(path),
            f"holds {len(runs)} runs: analyse them all with `curvedoc analyze {path}` or name one",
        )
    return probe.load_nested(str(runs[0]))


SOURCE = Source(
    name="folder",
    kind="directory",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "a folder holding one run (Lightning's `version_0/`, Keras' `logs/fit/<time>/`)",
            "a directory, not itself a TensorBoard run, with one history file or "
            "TensorBoard run a few levels below",
            "that run, read by its own source",
            None,
        ),
    ),
)
