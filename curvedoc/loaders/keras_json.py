"""Source ``keras-json``: Keras ``history.history`` dumps, wrapped histories, records.

Shapes understood (by content):

* ``{"loss": [...], "val_loss": [...], ...}`` — ``json.dump(history.history, f)``;
* ``{"history": {...}, "epoch": [...], "params": {...}}`` — what people save from a
  ``History`` object (``epoch`` and ``params`` optional);
* ``[{"epoch": 0, "loss": ...}, ...]`` — per-epoch records (``df.to_json(orient="records")``);
* ``{"loss": {"0": ..., "1": ...}}`` — pandas' default ``to_json``.

It is the registry's JSON fallback: curvedoc's own file (``curvedoc_format``) and named
columns (``columns``) are asked first, and every other JSON object or list comes here,
where a shape that is no history gets its one-line error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders.series import (
    ParsedNumbers,
    align_series,
    epoch_numbers,
    keep_last_per_epoch,
    nonfinite_written,
    require_finite_metric,
    to_series,
)
from curvedoc.loaders.source import Form, Probe, Source

EPOCH_KEYS = ("epoch", "epochs", "step", "steps")
"""Keys that hold the x axis rather than a metric."""


def sniff(probe: Probe) -> bool:
    """Any JSON object or list (the sources asked before this one took theirs)."""
    return not probe.is_dir and probe.syntax == "json"


def load(probe: Probe) -> History:
    """Read the probe's parsed JSON (see :func:`history_from_json`).

    A dict printed by Python (``str(history.history)``) is read too: :attr:`Probe.json`
    converts it (:func:`curvedoc.loaders.parsing.python_repr_as_json`), and the source
    format says so.
    """
    history = history_from_json(probe.json, probe.location)
    if probe.python_repr:
        history.source = dataclasses.replace(history.source, format="python-repr")
    return history


def history_from_json(data: Any, path: str) -> History:
    """Build a History from parsed JSON, choosing the shape by content.

    An object that holds no list or object at all (a settings file) and curvedoc's own
    reports are refused as :class:`~curvedoc.errors.NotAHistoryError`: a folder scan lists
    them as skipped, not as runs that failed.
    """
    if isinstance(data, dict):
        inner = data.get("history")
        if isinstance(inner, dict):
            return _from_wrapped(data, inner, path)
        if "schema_version" in data and ("findings" in data or "runs" in data):
            raise NotAHistoryError(path, "is a curvedoc report, not a training history")
        records = _pandas_rows(data)
        if records is not None:
            return _from_records(records, path)
        nested = _nested_series(data)
        if nested is not None:
            flat, note = nested
            history = history_from_series_object(flat, path, "keras-json")
            history.source = dataclasses.replace(
                history.source, notes=(*history.source.notes, note)
            )
            return history
        try:
            return history_from_series_object(data, path, "keras-json")
        except LoadError as exc:
            if data and not any(isinstance(v, (list, dict, ParsedNumbers)) for v in data.values()):
                raise NotAHistoryError(path, exc.problem) from None
            raise
    if isinstance(data, ParsedNumbers):  # a long list of numbers, and nothing else
        data = [0]
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
    raise NotAHistoryError(path, "JSON holds a single value, not a training history")


def _nested_series(data: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The series of a history a script kept nested, with a note; None for other objects.

    Hand-written training loops often keep ``{"train": {"loss": [...]}, "val": {"loss":
    [...]}}``, or wrap Keras' dict in one key (``{"metrics": {"loss": [...], ...}}``). The
    first is read as ``train_loss`` and ``val_loss`` (the outer keys must all be training
    or validation words, :data:`curvedoc.names.TRAIN_MARKERS` and ``VAL_MARKERS``), the
    second as the series under the key. Only objects of lists qualify, and only when a
    known metric (``loss``, ``acc``, ``mae``...) is among them: ``{"model": {"units": [64,
    32]}}`` is a settings file.
    """
    from curvedoc import names

    if not data or not all(isinstance(v, dict) and v for v in data.values()):
        return None
    if not all(
        isinstance(x, (list, ParsedNumbers)) for inner in data.values() for x in inner.values()
    ):
        return None
    if not any(names.direction(k) != "unknown" for inner in data.values() for k in inner):
        return None  # lists under keys, but no metric among them: a settings file
    if len(data) == 1:
        ((outer, inner),) = data.items()
        return dict(inner), f"the series under {outer!r} read as the history"
    words = names.VAL_MARKERS + names.TRAIN_MARKERS
    if not all(k.lower() in words for k in data):
        return None
    flat = {f"{outer}_{key}": v for outer, inner in data.items() for key, v in inner.items()}
    shown = ", ".join(list(flat)[:4]) + (" ..." if len(flat) > 4 else "")
    return flat, f"nested training and validation series read as {shown}"


def _pandas_rows(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The rows of a history pandas saved with ``orient="split"`` or ``"index"``, or None.

    Returned as per-epoch records; None for any other object.

    ``split`` is ``{"columns": [...], "index": [...], "data": [[...], ...]}``; ``index`` is
    ``{"0": {"loss": ...}, "1": {...}}`` (rows keyed by their index, taken in its order).
    ``to_json()`` with the default orient gives metric-keyed objects, read as series.
    """
    cols, rows = data.get("columns"), data.get("data")
    if (
        set(data) <= {"columns", "index", "data", "name"}
        and isinstance(cols, list)
        and isinstance(rows, list)
        and all(isinstance(c, str) for c in cols)
        and all(isinstance(r, list) and len(r) == len(cols) for r in rows)
    ):
        return [dict(zip(cols, r, strict=True)) for r in rows]
    if data and all(isinstance(v, dict) for v in data.values()):
        try:
            keyed = sorted(((int(k), v) for k, v in data.items()), key=lambda kv: kv[0])
        except ValueError:
            return None
        if len({k for k, _ in keyed}) != len(keyed):
            return None  # two keys for one row ("1" and "01"): not what pandas writes
        return [v for _, v in keyed]
    return None


def history_from_series_object(
    obj: dict[str, Any],
    path: str,
    fmt: str,
    epochs: Any = None,
    context: dict[str, Any] | None = None,
) -> History:
    """Build a History from a JSON object of metric series (``{"loss": [...], ...}``).

    Args:
        obj: metric name -> list of values (or a pandas-style index -> value object); an
            ``epoch``/``step`` list among them is the x axis.
        path: the input, for messages.
        fmt: the ``source.format`` to report.
        epochs: an x axis given beside the series (a wrapped history's ``epoch``).
        context: training facts to keep (a wrapped history's ``params``).
    """
    if not obj:
        raise LoadError(path, "JSON object is empty: no metric series")
    raw: dict[str, np.ndarray] = {}
    x_axis: np.ndarray | None = None
    x_key = "epoch"
    for key, values in obj.items():
        is_axis = key in EPOCH_KEYS and isinstance(values, (list, dict, ParsedNumbers))
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
    require_finite_metric(
        aligned, path, written=lambda keys: any(nonfinite_written(obj.get(k)) for k in keys)
    )
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
    return history_from_series_object(inner, path, "keras-history", epochs=epoch, context=context)


def _from_records(rows: list[dict[str, Any]], path: str) -> History:
    keys: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for k in row:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    obj = {k: [row.get(k) for row in rows] for k in keys}
    return history_from_series_object(obj, path, "json-records")


SOURCE = Source(
    name="keras-json",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "`json.dump(history.history, f)`",
            "a JSON object of lists",
            "epoch series; a shorter `val_*` list is placed on every k-th epoch "
            "(`validation_freq=k`)",
            "keras-json",
        ),
        Form(
            "a saved `History` object",
            '`{"history": {...}, "epoch": [...], "params": {...}}`',
            "the same, with `params` (`epochs`, `steps`) as context",
            "keras-history",
        ),
        Form("pandas `to_json()`", '`{"loss": {"0": ...}}`', "epoch series", "keras-json"),
        Form(
            'per-epoch records (`to_json(orient="records")`)',
            '`[{"epoch": 0, "loss": ...}, ...]`',
            "epoch series",
            "json-records",
        ),
        Form(
            "`f.write(str(history.history))`: a dict printed by Python",
            "`{'loss': [...]}` (single quotes, `nan`, `np.float64(...)`), up to 64 MB",
            "the same as the JSON it stands for",
            "python-repr",
        ),
        Form(
            'pandas `to_json(orient="split")` or `orient="index"`',
            '`{"columns": [...], "data": [[...]]}`, `{"0": {"loss": ...}}`',
            "epoch series, rows in index order",
            "json-records",
        ),
    ),
)
