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

:func:`discover_runs` is the one place that decides what counts as a run in a folder; the
multi-run command uses it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from curvedoc.context_input import SIDECAR_SUFFIX
from curvedoc.errors import LoadError
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
    name = path.name.lower()
    if REPORT_MARK in name or name.startswith(".") or name.endswith(CONTEXT_SUFFIX):
        return False
    return name.endswith(HISTORY_SUFFIXES)


def discover_runs(path: Path, *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every run at or below a folder: TensorBoard run directories and history files.

    A TensorBoard run's own subdirectories are part of it, not runs of their own. Hidden
    entries and bulky non-log folders (``.git``, ``checkpoints``, ...) are skipped. The
    result is sorted by path.
    """
    runs: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if is_tensorboard_run(folder):
            runs.append(folder)
            return
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            p = Path(entry.path)
            if is_dir:
                if depth > 0 and entry.name not in SKIP_DIRS:
                    walk(p, depth - 1)
            elif is_history_file(p):
                runs.append(p)

    walk(path, max_depth)
    return sorted(runs)


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
