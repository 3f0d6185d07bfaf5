"""JSON histories: Keras ``history.history`` dumps, wrapped histories, records, curvedoc's file.

Shapes understood (by content):

* ``{"loss": [...], "val_loss": [...], ...}`` — ``json.dump(history.history, f)``;
* ``{"history": {...}, "epoch": [...], "params": {...}}`` — what people save from a
  ``History`` object (``epoch`` and ``params`` optional);
* ``[{"epoch": 0, "loss": ...}, ...]`` — per-epoch records (``df.to_json(orient="records")``);
* ``{"loss": {"0": ..., "1": ...}}`` — pandas' default ``to_json``;
* ``{"format": "curvedoc-history", ...}`` — curvedoc's own file (``docs/history-format.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders import ColumnOptions
from curvedoc.loaders.series import (
    align_series,
    epoch_numbers,
    keep_last_per_epoch,
    require_finite_metric,
    to_series,
)

EPOCH_KEYS = ("epoch", "epochs", "step", "steps")
"""Keys that hold the x axis rather than a metric."""


def history_from_json(data: Any, path: str, columns: ColumnOptions | None = None) -> History:
    """Build a History from parsed JSON, choosing the shape by content."""
    if columns is not None and columns.active():
        return _from_columns(data, path, columns)
    if isinstance(data, dict):
        from curvedoc.loaders.curvedoc_format import FORMAT_NAME, history_from_dict

        if data.get("format") == FORMAT_NAME:
            return history_from_dict(data, path)
        inner = data.get("history")
        if isinstance(inner, dict):
            return _from_wrapped(data, inner, path)
        return _from_series_object(data, path, "keras-json")
    if isinstance(data, list):
        if data and all(isinstance(row, dict) for row in data):
            return _from_records(data, path)
        if not data:
            raise LoadError(path, "JSON is an empty list, not a training history")
        raise LoadError(
            path,
            "JSON is a list; expected an object of metric series such as "
            '{"loss": [...], "val_loss": [...]}',
        )
    raise LoadError(path, "JSON holds a single value, not a training history")


def _from_series_object(
    obj: dict[str, Any],
    path: str,
    fmt: str,
    epochs: Any = None,
    context: dict[str, Any] | None = None,
) -> History:
    if not obj:
        raise LoadError(path, "JSON object is empty: no metric series")
    raw: dict[str, np.ndarray] = {}
    x_axis: np.ndarray | None = None
    x_key = "epoch"
    for key, values in obj.items():
        is_axis = key in EPOCH_KEYS and isinstance(values, (list, dict))
        if is_axis and epochs is None and x_axis is None:
            x_axis = to_series(values, key, path)
            x_key = key
            continue
        raw[str(key)] = to_series(values, str(key), path)
    if epochs is not None:
        x_axis = to_series(epochs, "epoch", path)
    if not raw:
        raise LoadError(path, "has no metric series (only an epoch axis)")
    n = max(a.shape[0] for a in raw.values())
    if n == 0:
        raise LoadError(path, "every series is empty: no epochs to analyse")
    notes: list[str] = []
    if x_axis is not None and x_axis.shape[0] != n:
        notes.append(
            f"the {x_key!r} list has {x_axis.shape[0]} entries for {n} values; it was ignored"
        )
        x_axis = None
    aligned, align_notes = align_series(raw, path, n)
    require_finite_metric(aligned, path)
    notes.extend(align_notes)
    epoch_index = np.arange(n, dtype=np.int64)
    if x_axis is not None:
        numbers, note = epoch_numbers(x_axis, f"the {x_key!r} list", path)
        if note:
            notes.append(note)
        if numbers is not None:
            epoch_index = numbers
            rows, note = keep_last_per_epoch(numbers)
            if rows is not None:
                notes.append(note or "")
                epoch_index = numbers[rows]
                aligned = {k: v[rows] for k, v in aligned.items()}
    return History(
        epochs=epoch_index,
        epoch_series=aligned,
        source=SourceInfo(path=path, format=fmt, notes=tuple(notes)),
        context=context or {},
    )


def _int_param(params: dict[str, Any], key: str) -> int | None:
    """Read an integer entry of Keras' ``History.params`` (None for booleans and non-ints)."""
    value = params.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _from_wrapped(data: dict[str, Any], inner: dict[str, Any], path: str) -> History:
    context: dict[str, Any] = {}
    params = data.get("params")
    if isinstance(params, dict):
        for key, target in (
            ("epochs", "epochs_planned"),
            ("steps", "steps_per_epoch"),
            ("batch_size", "batch_size"),
            ("samples", "train_samples"),
        ):
            value = _int_param(params, key)
            if value is not None:
                context[target] = value
    epoch = data.get("epoch")
    return _from_series_object(inner, path, "keras-history", epochs=epoch, context=context)


def _from_records(rows: list[dict[str, Any]], path: str) -> History:
    keys: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for k in row:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    obj = {k: [row.get(k) for row in rows] for k in keys}
    return _from_series_object(obj, path, "json-records")


def _from_columns(data: Any, path: str, columns: ColumnOptions) -> History:
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
    hist = _from_series_object(obj, path, "json-columns", epochs=epochs)
    return hist
