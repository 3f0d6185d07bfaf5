"""Source ``lightning``: PyTorch Lightning ``CSVLogger`` files (``metrics.csv``), sparse rows.

Lightning writes one row per ``log_metrics`` call: an ``epoch`` and a ``step`` column, then
every metric ever logged in sorted order, with empty cells for the metrics not logged in
that call. A typical file::

    epoch,step,train_loss_epoch,train_loss_step,val_loss,val_mae
    0,4,,1.175,,
    0,14,,,0.660,0.654
    0,14,0.866,,,

What becomes what:

* ``x_step`` (``self.log(..., on_step=True, on_epoch=True)``) -> the batch series ``x``, at its
  global steps; ``x_epoch`` -> the epoch series ``x``;
* a column without a suffix is per epoch when it has at most about one value per epoch
  (validation metrics, ``on_epoch=True`` only), else per step (``training_step``'s default);
* names are read as in TensorBoard tags (:func:`curvedoc.loaders.tensorboard.interpret_tag`):
  ``train_loss_epoch`` -> ``loss``, ``val_loss``/``valid_loss``/``val/loss`` -> ``val_loss``,
  ``train_acc`` -> ``acc``, ``lr-Adam`` (``LearningRateMonitor``) -> ``learning_rate``;
* rows without an epoch (``LearningRateMonitor`` writes those) take the epoch of the next
  row that has one;
* a training metric logged only per step also gets a per-epoch series, the mean of the
  steps logged in each epoch (noted in the report).
"""

from __future__ import annotations

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders.source import Form, Probe, Source

FORMAT = "lightning-csv"
SUFFIX_LEVELS = (("_step", "step"), ("_epoch", "epoch"))


def _column(header: list[str], name: str) -> str | None:
    for h in header:
        if h.strip().lower() == name:
            return h
    return None


def sniff(probe: Probe) -> bool:
    """A CSV table with ``epoch`` and ``step`` columns that Lightning wrote (see below)."""
    if probe.is_dir or probe.syntax != "csv":
        return False
    header, table = probe.table
    return looks_like_lightning(header, table)


def load(probe: Probe) -> History:
    """Read the probe's parsed table (see :func:`history_from_lightning`)."""
    header, table = probe.table
    return history_from_lightning(header, table, probe.location)


def looks_like_lightning(header: list[str], table: dict[str, np.ndarray]) -> bool:
    """Whether a parsed table is a Lightning ``metrics.csv``.

    It is when it has both an ``epoch`` and a ``step`` column and either a metric column
    named ``*_step`` / ``*_epoch`` or sparse rows (rows that leave some metrics empty while
    filling others, one metric group per row), which Keras' CSVLogger never writes.
    """
    epoch_col, step_col = _column(header, "epoch"), _column(header, "step")
    if epoch_col is None or step_col is None:
        return False
    metrics = [h for h in header if h not in (epoch_col, step_col) and h]
    if not metrics:
        return False
    if any(h.endswith(("_step", "_epoch")) for h in metrics):
        return True
    filled = np.column_stack([~np.isnan(table[h]) for h in metrics])
    per_row = filled.sum(axis=1)
    return bool(np.any((per_row > 0) & (per_row < len(metrics))))


def history_from_lightning(header: list[str], table: dict[str, np.ndarray], path: str) -> History:
    """Build a History from a Lightning ``metrics.csv`` (see the module docstring)."""
    from curvedoc.loaders.tensorboard import TaggedSeries, history_from_series, interpret_tag

    epoch_col, step_col = _column(header, "epoch"), _column(header, "step")
    assert epoch_col is not None and step_col is not None  # looks_like_lightning checked
    steps = table[step_col]
    epochs = table[epoch_col].copy()
    if not np.any(np.isfinite(steps)):
        raise LoadError(path, f"column {step_col!r} is empty")
    if not np.any(np.isfinite(epochs)):
        raise LoadError(path, f"column {epoch_col!r} is empty")
    order = np.argsort(np.where(np.isfinite(steps), steps, np.inf), kind="stable")
    steps, epochs = steps[order], epochs[order]
    rows_ok = np.isfinite(steps)
    epochs = _fill_epochs(epochs)
    axis_steps, axis_epochs = _axis(steps[rows_ok], epochs[rows_ok])

    series: list[TaggedSeries] = []
    notes: list[str] = []
    for col in header:
        if col in (epoch_col, step_col) or not col:
            continue
        values = table[col][order]
        have = rows_ok & ~np.isnan(values)
        if not np.any(have):
            continue
        level = "unknown"
        base = col
        for suffix, lvl in SUFFIX_LEVELS:
            if col.endswith(suffix) and len(col) > len(suffix):
                base, level = col[: -len(suffix)], lvl
        name, val, tag_level = interpret_tag(base)
        if level == "unknown":
            level = tag_level
        s_steps, s_values = _last_per_step(steps[have].astype(np.int64), values[have])
        if level == "unknown":
            e = epochs[have]
            n_epochs = np.unique(np.floor(e[np.isfinite(e)])).size
            level = "step" if s_steps.size > 1.5 * max(n_epochs, 1) else "epoch"
        series.append(TaggedSeries(name, val, level, s_steps, s_values, col))
    if not series:
        raise LoadError(path, "every metric cell is empty: no values to analyse")
    return history_from_series(
        path, series, fmt=FORMAT, notes=notes, axis=(axis_steps, axis_epochs)
    )


def _fill_epochs(epochs: np.ndarray) -> np.ndarray:
    """Give rows without an epoch the epoch of the next row that has one (else the last)."""
    missing = ~np.isfinite(epochs)
    if not np.any(missing):
        return epochs
    known = np.flatnonzero(~missing)
    nxt = np.searchsorted(known, np.flatnonzero(missing))
    nxt = np.minimum(nxt, known.size - 1)
    out = epochs.copy()
    out[missing] = epochs[known[nxt]]
    return out


def _axis(steps: np.ndarray, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique global steps and the epoch at each (the last row for a step wins)."""
    s = steps.astype(np.int64)
    rev = s[::-1]
    uniq, first_in_rev = np.unique(rev, return_index=True)
    keep = s.size - 1 - first_in_rev
    return uniq, epochs[keep].astype(np.int64)


def _last_per_step(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort and deduplicate steps; a step logged twice keeps its last value."""
    if steps.size < 2 or bool(np.all(np.diff(steps) > 0)):
        return steps, values
    rev = steps[::-1]
    uniq, first_in_rev = np.unique(rev, return_index=True)
    return uniq, values[steps.size - 1 - first_in_rev]


SOURCE = Source(
    name="lightning",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "PyTorch Lightning `metrics.csv`",
            "`epoch` and `step` columns, and `*_step`/`*_epoch` columns or sparse rows",
            "`x_epoch` and validation columns per epoch, `x_step` per batch (below)",
            FORMAT,
        ),
    ),
)
