"""Source ``csv-logger``: Keras ``CSVLogger`` files and any other numeric table.

CSVLogger writes an ``epoch`` column then the metric columns in sorted order, ``NA``
where a value is missing; with ``append=True`` a resumed run repeats epochs, and the
later row is the one that counts. Tables without an ``epoch`` column use the row order
(or a ``step`` column). Every cell must be a number or a missing-value spelling; anything
else is refused with the line and column named (:func:`curvedoc.loaders.parsing.parse_table`),
except up to two columns of text beside the metrics of a log with an epoch or step column
(fastai's ``time``), which are skipped with a note.

It is the registry's fallback for text that is not JSON: named columns (``columns``) and
Lightning's ``metrics.csv`` (``lightning``) are asked first.
"""

from __future__ import annotations

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders.parsing import STEP_COLUMNS, X_COLUMNS
from curvedoc.loaders.series import (
    NONFINITE_TOKEN_BYTES,
    WrittenCheck,
    epoch_numbers,
    keep_last_per_epoch,
    require_finite_metric,
)
from curvedoc.loaders.source import Form, Probe, Source
from curvedoc.loaders.wandb_names import wandb_table

__all__ = ["SOURCE", "STEP_COLUMNS", "X_COLUMNS", "history_from_table", "load", "sniff"]


def sniff(probe: Probe) -> bool:
    """Any text that is not JSON (the sources asked before this one took theirs)."""
    return not probe.is_dir and probe.syntax == "csv"


def load(probe: Probe) -> History:
    """Read the probe's parsed table (see :func:`history_from_table`)."""
    header, table = probe.table
    raw = probe.raw
    return history_from_table(
        header,
        table,
        probe.location,
        written=lambda _keys: NONFINITE_TOKEN_BYTES.search(raw) is not None,
    )


def history_from_table(
    header: list[str],
    table: dict[str, np.ndarray],
    path: str,
    text: str | None = None,
    *,
    written: WrittenCheck | None = None,
) -> History:
    """Build a History from a parsed CSVLogger file or any numeric table.

    ``written`` (or ``text``, the file's text, when there is one) tells a loss written out
    as ``nan`` (a run that diverged at once) from cells that are all missing (``NA``,
    empty); it is asked only when no metric value is finite.
    """
    header, table, notes = wandb_table(header, table, path)
    wandb = bool(notes)
    lower = {h.lower(): h for h in header}
    x_name = next((lower[c] for c in X_COLUMNS if c in lower), None)
    fmt = "wandb-csv" if wandb else "csv-logger" if x_name is not None else "csv"
    if x_name is None:
        step = next((lower[c] for c in STEP_COLUMNS if c in lower), None)
        x_name = step
    series_names = [h for h in header if h != x_name and h in table]
    if not series_names:
        raise LoadError(path, "CSV has no metric columns")
    text = [h for h in header if h and h not in table]
    if text:
        listed = ", ".join(repr(h) for h in text[:5]) + (" ..." if len(text) > 5 else "")
        notes.append(f"column(s) {listed} hold text, not numbers: skipped")
    n_rows = len(next(iter(table.values())))
    epochs = np.arange(n_rows, dtype=np.int64)
    keep: np.ndarray | None = None
    if x_name is not None:
        x = table[x_name]
        numbers, note = epoch_numbers(x, f"column {x_name!r}", path)
        if note:
            notes.append(note)
        if numbers is not None:
            keep, note = keep_last_per_epoch(numbers)
            if note:
                notes.append(note)
            epochs = numbers[keep] if keep is not None else numbers
    series = {h: (table[h][keep] if keep is not None else table[h]) for h in series_names}
    series, note = _fastai_metrics(series)
    if note:
        notes.append(note)
    require_finite_metric(series, path, text, written=written)
    return History(
        epochs=epochs,
        epoch_series=series,
        source=SourceInfo(path=path, format=fmt, notes=tuple(notes)),
    )


def _fastai_metrics(series: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], str | None]:
    """Name fastai's metrics as validation series: it computes them on that set.

    fastai's ``CSVLogger`` writes ``train_loss``, ``valid_loss`` and then its metrics
    (``accuracy``, ``error_rate``) unmarked, although it computes them on the validation
    set. In a table with those two losses and no plain ``loss``, an unmarked metric is read
    as ``valid_<metric>``, with a note, so no rule takes it for a training curve.
    """
    from curvedoc import names

    lower = {k.lower() for k in series}
    if not {"train_loss", "valid_loss"} <= lower or "loss" in lower:
        return series, None
    moved = [
        k
        for k in series
        if names.direction(k) != "unknown"
        and not names.is_loss_like(k)
        and not names.is_learning_rate(k)
        and names.split_validation(k) == (False, k)
        and f"valid_{k}".lower() not in lower
    ]
    if not moved:
        return series, None
    out = {(f"valid_{k}" if k in moved else k): v for k, v in series.items()}
    listed = ", ".join(moved[:5])
    return out, (
        f"fastai computes its metrics on the validation set: {listed} read as "
        + ", ".join(f"valid_{k}" for k in moved[:5])
    )


SOURCE = Source(
    name="csv-logger",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "Keras `CSVLogger`",
            "a CSV with an `epoch` column",
            "epoch series; `NA` cells are missing values; a resumed `append=True` run that "
            "repeats epochs keeps the later rows (noted)",
            "csv-logger",
        ),
        Form(
            "Weights & Biases: a chart's CSV download, or `run.history()` of "
            "`WandbMetricsLogger` saved with pandas",
            "`<run> - <metric>` columns with `__MIN`/`__MAX` beside them; `epoch/loss`, "
            "`epoch/val_loss`, `batch/*`, `_step` columns",
            "one run's epoch series under Keras' names; the sampled-range, per-batch and "
            "bookkeeping columns left out (noted); a chart of several runs is refused",
            "wandb-csv",
        ),
        Form(
            "any other CSV",
            "a header and numeric columns (`,`, `;` or tab)",
            "rows in order (or by a `step` column)",
            "csv",
        ),
    ),
)
