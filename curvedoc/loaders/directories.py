"""Directories: one TensorBoard run, or a folder that holds exactly one run.

``curvedoc.load(dir)`` reads a directory as one run:

* a TensorBoard run (event files in it, or in its ``train/`` / ``validation/``
  subdirectories) is read by :mod:`curvedoc.loaders.tensorboard`;
* a folder holding exactly one run below it (one TensorBoard run, such as Keras'
  ``logs/fit/20240101-120000/``, or one history file, such as Lightning's
  ``version_0/metrics.csv``) reads that run;
* an empty folder, one with nothing readable, or one with several runs is a LoadError (the
  command line sends folders of several runs to :mod:`curvedoc.batch`).

:func:`discover_runs` is the one place that decides what counts as a run in a folder; the
multi-run command uses it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders import ColumnOptions

HISTORY_SUFFIXES = (".json", ".csv", ".tsv", ".json.gz", ".csv.gz", ".tsv.gz")
"""File names a folder scan treats as history files (content decides the format later)."""

REPORT_MARK = ".report."
"""Per-run reports are written as ``NAME.report.EXT``; a scan never takes them for runs."""

SKIP_DIRS = frozenset({"__pycache__", "node_modules", ".git", "checkpoints", "wandb"})

MAX_DEPTH = 6
"""How deep a scan looks for runs below the folder it is given."""


def is_history_file(path: Path) -> bool:
    """Whether a file name looks like a training history (by suffix, reports excluded)."""
    name = path.name.lower()
    if REPORT_MARK in name or name.startswith("."):
        return False
    return name.endswith(HISTORY_SUFFIXES)


def discover_runs(path: Path, *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every run at or below a folder: TensorBoard run directories and history files.

    A TensorBoard run's own subdirectories are part of it, not runs of their own. Hidden
    entries and bulky non-log folders (``.git``, ``checkpoints``, ...) are skipped. The
    result is sorted by path.
    """
    from curvedoc.loaders.tensorboard import is_tensorboard_run

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


def load_directory(path: Path, columns: ColumnOptions | None = None) -> History:
    """Read a directory as one run (see the module docstring)."""
    try:
        empty = not any(True for _ in path.iterdir())
    except OSError as exc:
        raise LoadError(str(path), f"cannot be listed ({exc.strerror or exc})") from None
    if empty:
        raise LoadError(str(path), "is an empty directory")
    from curvedoc.loaders.tensorboard import is_tensorboard_run, load_tensorboard

    if is_tensorboard_run(path):
        _refuse_columns(path, columns)
        return load_tensorboard(path)
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
    run = runs[0]
    if run.is_dir():
        _refuse_columns(run, columns)
        return load_tensorboard(run)
    from curvedoc.loaders import load

    options = (
        {}
        if columns is None
        else {
            "train_col": columns.train_col,
            "val_col": columns.val_col,
            "x_col": columns.x_col,
            "name": columns.name,
        }
    )
    return load(run, **options)


def _refuse_columns(path: Path, columns: ColumnOptions | None) -> None:
    """Column options pick CSV columns or JSON keys; TensorBoard tags are mapped by name."""
    if columns is not None and columns.active():
        raise LoadError(
            str(path),
            "is a TensorBoard log: --train-col, --val-col and --x-col apply to CSV and JSON "
            "files (TensorBoard tags are mapped by their names)",
        )
