"""Histories handed over in memory: a ``history.history`` dict or a Keras ``History``.

In a notebook the run is still in memory right after ``model.fit``: ``curvedoc.load`` and
``curvedoc.diagnose`` take what ``fit`` returned, or its ``.history`` dict, as they take a
file. A Keras ``History`` also knows its model, so its context (optimizer, learning rate,
loss, layers, parameter count, planned epochs) comes along, read by
:func:`curvedoc.keras.history_record`, exactly as :func:`curvedoc.keras.save_history`
writes it. That module is only imported when Keras already is (the object came from it),
so handing over a plain dict never imports Keras.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from typing import Any

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders.curvedoc_format import history_from_dict
from curvedoc.loaders.keras_json import history_from_json

DICT_NAME = "<history dict>"
KERAS_NAME = "<keras History>"


def history_from_object(obj: Any) -> History:
    """Build a History from an in-memory run (see the module docstring).

    Raises:
        LoadError: ``obj`` is neither a mapping of metric series nor an object with one
            in its ``.history`` attribute, or what it holds is not a training history.
    """
    if isinstance(obj, History):
        return obj
    inner = getattr(obj, "history", None)
    if not isinstance(obj, Mapping) and isinstance(inner, Mapping):
        model = getattr(obj, "model", None)
        if model is not None and "keras" in sys.modules:
            return _from_keras_history(obj, inner)
        return history_from_json(_plain(inner), KERAS_NAME)
    if isinstance(obj, Mapping):
        return history_from_json(_plain(obj), DICT_NAME)
    raise LoadError(
        f"<{type(obj).__name__}>",
        "is not a path, a history dict ({'loss': [...], ...}) or the History model.fit returns",
    )


def _from_keras_history(obj: Any, inner: Mapping[str, Any]) -> History:
    """A Keras History with its model: the record save_history writes, context included."""
    try:
        from curvedoc.keras import history_record

        record = history_record(obj)
    except Exception as exc:  # the curves still count when the model cannot be read
        history = history_from_json(_plain(inner), KERAS_NAME)
        note = f"the model's facts could not be read ({type(exc).__name__}: {exc})"
        history.source = dataclasses.replace(history.source, notes=(*history.source.notes, note))
        return history
    return history_from_dict(record, KERAS_NAME)


def _plain(value: Any) -> Any:
    """JSON-like Python values: numpy numbers and arrays become floats and lists.

    ``history.history`` holds Python floats in Keras 3, numpy scalars in older versions, and
    a hand-built dict may hold arrays; the JSON loader reads plain values.
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, bytes, bool)) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist):  # numpy arrays and scalars, and tensors that offer it
        return _plain(tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
