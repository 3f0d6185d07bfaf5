"""Source ``keras-pickle``: ``history.history`` saved with ``pickle`` or ``np.save``.

The most common way to keep a Keras history, after ``json.dump``, is::

    with open("history.pkl", "wb") as f:
        pickle.dump(history.history, f)
    # or: np.save("history.npy", history.history)

A pickle can run any code when it is loaded, and histories are files people download.
So nothing here calls ``pickle.load``: a restricted unpickler builds only plain data
(dicts, lists, tuples, numbers, strings) and numpy arrays and scalars, and refuses every
other object with a one-line error that names it (a whole ``keras.callbacks.History``
object, a model). The dict it yields is then read as ``json.dump(history.history)`` is
(``keras-json``). ``np.save``'s ``.npy`` file holds the same pickle after its header.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import pickle
from typing import Any

import numpy as np

from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.history import History
from curvedoc.loaders.keras_json import history_from_json
from curvedoc.loaders.source import Form, Probe, Source

NPY_MAGIC = b"\x93NUMPY"
_PICKLE_PROTOCOLS = range(2, 6)

_ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        {
            "dict",
            "list",
            "tuple",
            "set",
            "frozenset",
            "float",
            "int",
            "str",
            "bool",
            "complex",
            "bytes",
            "bytearray",
        }
    ),
    "collections": frozenset({"OrderedDict"}),
    "_codecs": frozenset({"encode"}),
    "numpy": frozenset({"dtype", "ndarray", "float64", "float32", "int64", "int32"}),
    "numpy.core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.multiarray": frozenset({"_reconstruct", "scalar"}),
}
"""What a history pickle may hold: plain data, and numpy arrays and scalars (as numpy
pickles them). Nothing here runs code beyond building those values."""


class _DataOnly(pickle.Unpickler):
    """An unpickler that builds only the classes of :data:`_ALLOWED`."""

    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _is_pickle(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS


def sniff(probe: Probe) -> bool:
    """A pickle (protocol 2 or later, as Python 3 writes) or a ``.npy`` file."""
    if probe.is_dir or probe.scheme is not None or "text" in probe.__dict__:
        return False
    head = bytes(probe.binary[:8])
    return _is_pickle(head) or head.startswith(NPY_MAGIC)


def _unpickle(data: bytes | memoryview, path: str) -> Any:
    try:
        return _DataOnly(io.BytesIO(data)).load()
    except pickle.UnpicklingError as exc:
        what = str(exc)
        if "." in what and " " not in what:
            hint = (
                "; pickle history.history (a dict of lists) instead"
                if what.startswith("keras")
                else ""
            )
            raise NotAHistoryError(
                path, f"pickle holds a {what} object: curvedoc reads only data from a pickle{hint}"
            ) from None
        raise LoadError(path, f"is not a readable pickle ({what})") from None
    except (
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
        OverflowError,
        MemoryError,
        RecursionError,
        UnicodeDecodeError,
    ) as exc:
        raise LoadError(path, f"is not a readable pickle ({type(exc).__name__})") from None


def _npy_payload(data: memoryview, path: str) -> memoryview:
    """The pickle inside a ``.npy`` file of one object (what ``np.save`` writes for a dict)."""
    if len(data) < 10:
        raise LoadError(path, "is a truncated .npy file")
    major = data[6]
    if major == 1:
        size, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        size, start = int.from_bytes(data[8:12], "little"), 12
    else:
        raise LoadError(path, f"is a .npy file of an unknown version ({major})")
    try:
        header = ast.literal_eval(bytes(data[start : start + size]).decode("latin-1"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise LoadError(path, "has a .npy header that cannot be read") from None
    if not isinstance(header, dict) or header.get("descr") != "|O":
        raise LoadError(
            path,
            "is a .npy array of numbers, not a saved history (np.save(f, history.history) "
            "writes a dict)",
        )
    return data[start + size :]


def _plain(value: Any) -> Any:
    """The value with numpy arrays and scalars as lists and numbers, for the JSON reader."""
    if isinstance(value, np.ndarray):
        return value.tolist() if value.dtype != object else [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load(probe: Probe) -> History:
    """Unpickle the data only, then read it as a Keras history dict."""
    path = probe.location
    data = probe.binary
    payload = _npy_payload(memoryview(data), path) if bytes(data[:6]) == NPY_MAGIC else data
    obj = _unpickle(payload, path)
    if isinstance(obj, np.ndarray) and obj.dtype == object and obj.shape == ():
        obj = obj.item()  # np.save of a dict: a zero-dimensional object array
    obj = _plain(obj)
    if not isinstance(obj, (dict, list)):
        raise LoadError(path, f"pickle holds a {type(obj).__name__}, not a training history")
    history = history_from_json(obj, path)
    history.source = dataclasses.replace(history.source, format="keras-pickle")
    return history


SOURCE = Source(
    name="keras-pickle",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "`pickle.dump(history.history, f)`, `np.save(f, history.history)`",
            "a pickle (protocol 2+) or a `.npy` file of one object",
            "the dict read as `json.dump` would write it; only plain data and numpy values "
            "are unpickled, anything else is refused by name",
            "keras-pickle",
        ),
    ),
)
