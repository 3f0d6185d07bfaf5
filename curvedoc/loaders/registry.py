"""The source registry: every input format curvedoc reads, asked in one declared order.

:data:`SOURCES` lists the sources by priority; :func:`detect` asks each in turn whether it
reads a :class:`~curvedoc.loaders.source.Probe` and takes the first that says yes, and
:func:`load` is ``curvedoc.load``. This is the only place that decides what an input is.

The order, and why:

1. URI sources (``mlflow``: an MLflow ``runs:/<id>``): they answer from the location
   alone, before anything touches the file system.
2. ``columns``: column options given by the caller override any recognition by content.
3. ``tensorboard``, then ``folder``: a directory is a TensorBoard run, or holds one run.
4. ``keras-pickle``: a pickle or ``.npy`` file is binary, told apart by its first bytes,
   before any text source refuses binary data.
5. ``keras-log``: what ``model.fit`` printed (an ``Epoch k/N`` line and a bar of
   `` - loss: ...`` fields) is told apart from its head alone; it may begin with ``{`` or
   ``[`` (a printed config, a ``[time]`` stamp), so it is asked before the JSON sources, and
   no JSON document holds a line that is only ``Epoch k/N``.
6. ``json-lines``, ``curvedoc``, then ``keras-json``: a JSON object per line is told
   apart from its head alone, before the others parse the text as one JSON document;
   curvedoc's own file is JSON with a tag; every other JSON object or list is a
   Keras-style history (or a one-line error saying why not).
7. ``lightning``, then ``csv-logger``: Lightning's sparse ``metrics.csv`` is a table with a
   recognisable layout; every other text is a table (or a one-line error).

Adding a source: a module in this package that defines ``SOURCE``
(:class:`~curvedoc.loaders.source.Source`), listed here at its place, and a test file
(``tests/test_<module>.py``); ``python -m curvedoc.loaders.docgen`` then lists it in
``docs/inputs.md``. See ``docs/contributing.md``.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders import (
    columns,
    csv_logger,
    curvedoc_format,
    directories,
    json_lines,
    keras_json,
    keras_log,
    lightning,
    mlflow_runs,
    pickled,
    tensorboard,
)
from curvedoc.loaders.reading import Limits
from curvedoc.loaders.sidecar import attach_sidecar
from curvedoc.loaders.source import ColumnOptions, Probe, Source

__all__ = ["SOURCES", "detect", "get_source", "load", "load_text", "read"]

SOURCES: tuple[Source, ...] = (
    mlflow_runs.SOURCE,
    columns.SOURCE,
    tensorboard.SOURCE,
    directories.SOURCE,
    pickled.SOURCE,
    keras_log.SOURCE,
    json_lines.SOURCE,
    curvedoc_format.SOURCE,
    keras_json.SOURCE,
    lightning.SOURCE,
    csv_logger.SOURCE,
)
"""Every source, highest priority first (see the module docstring for the order)."""


def get_source(name: str) -> Source:
    """The registered source called ``name`` (a KeyError names the known ones)."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"no source {name!r} (known: {', '.join(s.name for s in SOURCES)})")


def detect(probe: Probe) -> Source:
    """The first source, in :data:`SOURCES` order, that reads this input.

    Raises:
        LoadError: a step of the probe failed (missing path, unreadable, empty, invalid
            JSON, ...), or no source reads the input.
    """
    for source in SOURCES:
        if source.sniff(probe):
            return source
    raise LoadError(probe.location, "is not a training history curvedoc can read")


def read(probe: Probe) -> History:
    """Detect the probe's source and load it; notes from reading go first in the History's.

    A run holding more series than ``probe.limits.max_series`` is refused here, whatever
    its source, before anything measures them.
    """
    history = detect(probe).load(probe)
    count = len(history.epoch_series) + len(history.batch_series)
    if count > probe.limits.max_series:
        raise probe.limits.too_many_series(probe.location, f"holds {count:,} series")
    if probe.notes:
        history.source = dataclasses.replace(
            history.source, notes=(*probe.notes, *history.source.notes)
        )
    return history


def _probe(
    location: str, columns: ColumnOptions, text: str | None = None, limits: Limits | None = None
) -> Probe:
    options = columns.as_options()
    limits = limits or Limits()
    return Probe(
        location,
        columns,
        load_nested=lambda inner: load(
            inner, max_bytes=limits.max_bytes, max_series=limits.max_series, **options
        ),
        text=text,
        limits=limits,
    )


def load(
    path: str | os.PathLike[str] | Any,
    *,
    sidecar: bool = True,
    max_bytes: int | None = None,
    max_series: int | None = None,
    **options: str | None,
) -> History:
    """Read a training history from a file, a directory or a URI.

    Args:
        path: a Keras ``history.history`` JSON dump, a wrapped history JSON, a CSVLogger or
            other CSV file, a Lightning ``metrics.csv``, curvedoc's own history file
            (any of them optionally gzip-compressed), a TensorBoard log directory, or a
            folder holding one of them, or an MLflow run ``runs:/<id>``
            (``docs/inputs.md`` lists every source). In memory: the ``History`` that
            ``model.fit`` returned (its model's facts come along) or its ``.history``
            dict (:mod:`curvedoc.loaders.in_memory`).
        sidecar: also read the context file ``<stem>.context.json`` next to a history
            file or directory, when there is one (:mod:`curvedoc.loaders.sidecar`).
        max_bytes: the most bytes to read (after decompression); default 2 GiB
            (:data:`~curvedoc.loaders.reading.DEFAULT_MAX_BYTES`).
        max_series: the most series the run may hold; default 10,000
            (:data:`~curvedoc.loaders.reading.DEFAULT_MAX_SERIES`).
        **options: column choices for unusual tables (``train_col``, ``val_col``,
            ``x_col``, ``name``); see :class:`~curvedoc.loaders.source.ColumnOptions`.

    Returns:
        The run as a :class:`~curvedoc.history.History`.

    Raises:
        LoadError: the path is missing or is not a readable history; the message says why.
        ContextInputError: the sidecar context file is not valid (one line naming it).
    """
    if not isinstance(path, (str, bytes, os.PathLike)):  # a run in memory, in a notebook
        from curvedoc.loaders.in_memory import history_from_object

        return history_from_object(path)
    columns = ColumnOptions(**options)
    name = os.fspath(path)
    if not name:
        raise LoadError("''", "is an empty path")
    if "\x00" in name:
        raise LoadError(repr(name), "is not a valid path (it contains a NUL byte)")
    defaults = Limits()
    limits = Limits(
        max_bytes=defaults.max_bytes if max_bytes is None else int(max_bytes),
        max_series=defaults.max_series if max_series is None else int(max_series),
    )
    probe = _probe(name, columns, limits=limits)
    history = read(probe)
    if sidecar and probe.scheme is None:
        history = attach_sidecar(history, name)
    return history


def load_text(text: str, path: str, columns: ColumnOptions | None = None) -> History:
    """Read already-decoded text (JSON or CSV, by content) as if it were the file ``path``."""
    return read(_probe(path, columns or ColumnOptions(), text=text))
