"""Source ``columns``: the series you name in any table or JSON file.

``--train-col``, ``--val-col`` and ``--x-col`` (``curvedoc.load(path, train_col=...)``)
pick the columns of a CSV table, or the keys of a JSON object or of a list of records,
whatever else the file holds; ``--metric-name`` names the pair (default ``loss``).
Asked first among the file sources when a column option is given, so the choice is never
second-guessed by content (a TensorBoard directory refuses the options instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders.keras_json import history_from_series_object
from curvedoc.loaders.source import ColumnOptions, Form, Probe, Source


def sniff(probe: Probe) -> bool:
    """A column option was given and the input is a file (the location alone decides)."""
    return probe.options.active() and not probe.is_dir


def load(probe: Probe) -> History:
    """Pick the named columns from the probe's JSON or CSV content."""
    if probe.syntax == "json":
        return history_from_json_columns(probe.json, probe.location, probe.options)
    header, table = probe.table
    return history_from_table_columns(header, table, probe.location, probe.options)


def history_from_json_columns(data: Any, path: str, columns: ColumnOptions) -> History:
    """Pick the named keys out of any JSON object or list of records."""
    if isinstance(data, dict) and isinstance(data.get("history"), dict):
        data = data["history"]
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = {k for row in data for k in row}
        data = {k: [row.get(k) for row in data] for k in keys}
    if not isinstance(data, dict):
        raise LoadError(path, "column options need a JSON object or a list of records")
    name = columns.name or "loss"
    obj: dict[str, Any] = {}
    for role, col, key in (
        ("--train-col", columns.train_col, name),
        ("--val-col", columns.val_col, f"val_{name}"),
    ):
        if col is None:
            continue
        if col not in data:
            raise LoadError(path, f"{role} {col!r} is not a key of the JSON object")
        obj[key] = data[col]
    if not obj:
        raise LoadError(path, "column options name no series (give --train-col or --val-col)")
    epochs = None
    if columns.x_col is not None:
        if columns.x_col not in data:
            raise LoadError(path, f"--x-col {columns.x_col!r} is not a key of the JSON object")
        epochs = data[columns.x_col]
    return history_from_series_object(obj, path, "json-columns", epochs=epochs)


def history_from_table_columns(
    header: list[str], table: dict[str, np.ndarray], path: str, columns: ColumnOptions
) -> History:
    """Pick the named columns out of any table; ``--x-col`` rows are merged by exact value."""
    name = columns.name or "loss"
    series: dict[str, np.ndarray] = {}
    for role, col, key in (
        ("--train-col", columns.train_col, name),
        ("--val-col", columns.val_col, f"val_{name}"),
    ):
        if col is None:
            continue
        if col not in table:
            raise LoadError(path, f"{role} {col!r} is not a column (columns: {', '.join(header)})")
        series[key] = table[col]
    if not series:
        raise LoadError(path, "column options name no series (give --train-col or --val-col)")
    n = len(next(iter(table.values())))
    notes: list[str] = []
    if columns.x_col is not None:
        if columns.x_col not in table:
            raise LoadError(path, f"--x-col {columns.x_col!r} is not a column")
        x = table[columns.x_col]
        rows = np.isfinite(x)
        # sparse tables (one metric per row) keep the rows where a chosen series has a value
        has_value = np.zeros(n, dtype=bool)
        for arr in series.values():
            has_value |= ~np.isnan(arr)
        rows &= has_value
        x = x[rows]
        series = {k: v[rows] for k, v in series.items()}
        # merge rows by their exact x value (truncating 0.25 to 0 would mix distinct rows)
        ux, inverse = np.unique(x, return_inverse=True)
        merged = {}
        averaged = 0
        for k, v in series.items():
            # NaN is a missing cell here; inf stays inf (a divergence must stay visible)
            sums = np.bincount(
                inverse, weights=np.where(np.isnan(v), 0.0, v), minlength=ux.shape[0]
            )
            cnt = np.bincount(inverse, weights=~np.isnan(v), minlength=ux.shape[0])
            averaged += int(np.sum(cnt > 1))
            with np.errstate(invalid="ignore", divide="ignore"):
                merged[k] = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
        if averaged:
            notes.append(
                f"{averaged} --x-col values have several rows with a value: "
                "each one's values were averaged"
            )
        if np.all(ux == np.round(ux)):
            epochs = ux.astype(np.int64)
        else:
            epochs = np.arange(ux.shape[0], dtype=np.int64)
            notes.append(
                f"--x-col {columns.x_col!r} holds values that are not whole numbers: "
                "rows are numbered in its order"
            )
        series = merged
    else:
        epochs = np.arange(n, dtype=np.int64)
    return History(
        epochs=epochs,
        epoch_series=series,
        source=SourceInfo(path=path, format="csv-columns", notes=tuple(notes)),
    )


SOURCE = Source(
    name="columns",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "any table, with `--train-col`/`--val-col`/`--x-col`",
            "a column option is given",
            "the named columns as one metric pair; sparse rows merged by `--x-col`",
            "csv-columns",
        ),
        Form(
            "any JSON object or records, with the same options",
            "a column option is given",
            "the named keys as one metric pair",
            "json-columns",
        ),
    ),
)
