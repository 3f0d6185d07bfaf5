"""Source ``curvedoc``: curvedoc's own history file (``docs/history-format.md``).

Written by :class:`curvedoc.keras.CurveRecorder`, recognised by its ``"format"`` tag,
which is defined here once (:data:`FORMAT_NAME`) for the writer and the reader.
:func:`history_from_dict` also serves the recorder's live diagnosis, which builds a
History from its in-memory record without touching the disk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curvedoc.errors import LoadError
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

FORMAT_NAME = "curvedoc-history"
"""The ``"format"`` tag of a curvedoc history file: the one definition, used by the writer
(:class:`curvedoc.keras.CurveRecorder`) and by the loader that recognises the file."""

FORMAT_VERSION = 1
"""The version the recorder writes and the newest this loader reads in full."""


def sniff(probe: Probe) -> bool:
    """A JSON object whose ``"format"`` is :data:`FORMAT_NAME`."""
    if probe.is_dir or probe.syntax != "json" or not probe.head.startswith("{"):
        return False
    data = probe.json
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def load(probe: Probe) -> History:
    """Read the probe's parsed JSON (see :func:`history_from_dict`)."""
    data = probe.json
    if not isinstance(data, dict):
        raise LoadError(probe.location, "is not a curvedoc history file (not a JSON object)")
    return history_from_dict(data, probe.location)


def history_from_dict(data: dict[str, Any], path: str) -> History:
    """Build a History from a parsed curvedoc history object (format version <= 1)."""
    version = data.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise LoadError(path, "format_version is not an integer")
    notes: list[str] = []
    if version > FORMAT_VERSION:
        notes.append(
            f"written in format version {version}; this curvedoc reads version "
            f"{FORMAT_VERSION} and ignored what it does not know"
        )
    logs = data.get("epoch_logs")
    if not isinstance(logs, dict):
        raise LoadError(path, "curvedoc history has no 'epoch_logs' object")
    raw = {str(k): to_series(v, str(k), path) for k, v in logs.items()}
    epochs_raw = data.get("epochs")
    n = max((a.shape[0] for a in raw.values()), default=0)
    epochs = np.arange(n, dtype=np.int64)
    if isinstance(epochs_raw, (list, ParsedNumbers)) and len(epochs_raw):
        numbers, _ = epoch_numbers(to_series(epochs_raw, "epochs", path), "'epochs'", path)
        if numbers is None:
            raise LoadError(path, "'epochs' does not hold whole epoch numbers")
        epochs = numbers
        n = epochs.shape[0]
    if n == 0:
        raise LoadError(path, "curvedoc history has no complete epoch yet")
    aligned, align_notes = align_series(raw, path, n)
    require_finite_metric(
        aligned, path, written=lambda keys: any(nonfinite_written(logs.get(k)) for k in keys)
    )
    notes.extend(align_notes)
    rows, note = keep_last_per_epoch(epochs)
    if rows is not None:
        notes.append(note or "")
        epochs = epochs[rows]
        aligned = {k: v[rows] for k, v in aligned.items()}
    status = data.get("status")
    if status == "running":
        notes.append("the run was still going (or was killed) when this file was written")
    elif status == "interrupted":
        notes.append("training ended with an exception or interrupt")

    context = data.get("context")
    context = dict(context) if isinstance(context, dict) else {}

    batch_series, starts, b_epochs, batch_notes = _batch_part(data.get("batch"), path)
    notes.extend(batch_notes)
    batch = data.get("batch")
    if isinstance(batch, dict) and isinstance(batch.get("series"), dict):
        context.setdefault("batch_exact", batch.get("exact") is not False)

    return History(
        epochs=epochs,
        epoch_series=aligned,
        source=SourceInfo(path=path, format="curvedoc", notes=tuple(notes)),
        context=context,
        batch_series=batch_series,
        batch_epoch_starts=starts,
        batch_epochs=b_epochs,
    )


def _batch_part(
    batch: Any, path: str
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[str]]:
    """Read the optional ``batch`` object: per-batch series and their epoch segments.

    Returns ``(series, segment_starts, segment_epochs, notes)``; empty arrays when the file
    has no batch data. ``counts`` must be whole non-negative numbers adding up to the
    series length; segments with no batches are dropped (they have no start of their own).
    """
    empty = np.zeros(0, dtype=np.int64)
    if not isinstance(batch, dict) or not isinstance(batch.get("series"), dict):
        return {}, empty, empty, []
    notes: list[str] = []
    series = {str(k): to_series(v, str(k), path) for k, v in batch["series"].items()}
    lengths = {a.shape[0] for a in series.values()}
    if len(lengths) > 1:
        raise LoadError(path, "batch series have different lengths")
    total = lengths.pop() if lengths else 0
    starts, b_epochs = empty, empty
    counts = batch.get("counts")
    seg_epochs = batch.get("epochs")
    lists = (list, ParsedNumbers)
    if isinstance(counts, lists) and isinstance(seg_epochs, lists) and len(counts):
        if len(counts) != len(seg_epochs):
            raise LoadError(path, "batch.counts and batch.epochs have different lengths")
        c = to_series(counts, "batch.counts", path)
        if not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.floor(c)):
            raise LoadError(path, "batch.counts must be whole numbers of batches")
        if c.sum() != total:
            raise LoadError(path, "batch.counts do not add up to the batch series length")
        e, _ = epoch_numbers(to_series(seg_epochs, "batch.epochs", path), "batch.epochs", path)
        if e is None:
            raise LoadError(path, "batch.epochs does not hold whole epoch numbers")
        c = c.astype(np.int64)
        nonempty = c > 0
        starts = (np.cumsum(c) - c)[nonempty]
        b_epochs = e[nonempty]
    if batch.get("exact") is False:
        note = batch.get("note")
        notes.append(
            str(note) if isinstance(note, str) and note else "per-batch values are approximate"
        )
    return (series if total else {}), starts, b_epochs, notes


SOURCE = Source(
    name="curvedoc",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "curvedoc's own file (`CurveRecorder`)",
            f'`{{"format": "{FORMAT_NAME}", ...}}` ([history-format.md](history-format.md))',
            "epoch and batch series, context",
            "curvedoc",
        ),
    ),
)
