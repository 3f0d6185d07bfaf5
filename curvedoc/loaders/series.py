"""Shared helpers: turn parsed values into float series, align validation series.

Kept vectorised: a per-step curve of millions of points is converted by numpy, with one
pass over the Python value types to refuse booleans, strings and nested lists.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from curvedoc import names
from curvedoc.errors import LoadError

NAN_TOKENS = frozenset(
    {"nan", "NaN", "NAN", "Infinity", "-Infinity", "inf", "-inf", "Inf", "-Inf", "NA", "null", ""}
)
"""Strings accepted in place of a number: spellings of NaN/inf and of a missing value."""

_NUMBER_TYPES = (int, float)


def to_series(values: Any, key: str, path: str) -> np.ndarray:
    """Convert a JSON list (or an index->value object, as pandas writes) to float64.

    ``None`` and missing-value spellings become NaN; ``"Infinity"``-style strings become
    inf; numbers written as strings (``json.dump(..., default=str)`` of numpy floats)
    are read as numbers. Booleans, other strings, nested lists and objects are refused
    with a LoadError naming the series.
    """
    if isinstance(values, dict):
        values = _indexed_object_values(values, key, path)
    if not isinstance(values, list):
        raise LoadError(
            path, f"series {key!r} is a {_json_type(values)}, expected a list of numbers"
        )
    types = set(map(type, values))
    if types - {int, float, type(None)}:
        values = [_checked_value(v, i, key, path) for i, v in enumerate(values)]
    try:
        arr = np.array(values, dtype=np.float64)
    except (OverflowError, ValueError, TypeError):
        # ints beyond float range
        arr = np.array([_safe_float(v) for v in values], dtype=np.float64)
    if arr.ndim != 1:
        raise LoadError(path, f"series {key!r} is not a flat list of numbers")
    return arr


def _checked_value(v: Any, i: int, key: str, path: str) -> float | int | None:
    """One value of a series that is not plainly a number: convert it or refuse it."""
    if isinstance(v, bool):
        raise LoadError(path, f"series {key!r} holds a boolean at position {i}")
    if isinstance(v, str):
        t = v.strip()
        if t in NAN_TOKENS:
            return _token_to_float(t)
        try:
            return float(t)
        except ValueError:
            raise LoadError(
                path, f"series {key!r} holds the text {_short(v)!r} at position {i}"
            ) from None
    if v is None or isinstance(v, _NUMBER_TYPES):
        return v
    raise LoadError(path, f"series {key!r} holds a {_json_type(v)} at position {i}, not a number")


def _indexed_object_values(obj: dict[str, Any], key: str, path: str) -> list[Any]:
    """Values of a pandas-style ``{"0": v0, "1": v1}`` object, ordered by integer index."""
    try:
        items = sorted((int(k), v) for k, v in obj.items())
    except ValueError:
        raise LoadError(
            path, f"series {key!r} is an object whose keys are not epoch numbers"
        ) from None
    return [v for _, v in items]


def _token_to_float(v: str) -> float:
    t = v.strip()
    if t in {"Infinity", "inf", "Inf"}:
        return math.inf
    if t in {"-Infinity", "-inf", "-Inf"}:
        return -math.inf
    return math.nan


def _safe_float(v: Any) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "single number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    if v is None:
        return "null"
    return type(v).__name__


def align_series(
    raw: dict[str, np.ndarray], path: str, n_epochs: int | None = None
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Bring series of different lengths onto one epoch axis.

    Keras' ``history.history`` holds fewer validation values than epochs when
    ``validation_freq`` > 1: validation ran after epochs k, 2k, ... (1-based). A shorter
    validation series is placed on those epochs (the smallest k that explains its
    length); another shorter series is padded with NaN at the end. Returns the aligned
    series and notes describing what was done.
    """
    notes: list[str] = []
    if not raw:
        return {}, notes
    n = n_epochs if n_epochs is not None else max(a.shape[0] for a in raw.values())
    out: dict[str, np.ndarray] = {}
    for key, arr in raw.items():
        m = arr.shape[0]
        if m == n:
            out[key] = arr
            continue
        if m > n:
            raise LoadError(path, f"series {key!r} has {m} values but the run has {n} epochs")
        full = np.full(n, np.nan)
        is_val, _ = names.split_validation(key)
        freq = _validation_freq(n, m) if is_val and m > 0 else None
        if freq is not None:
            full[freq - 1 :: freq][:m] = arr
            notes.append(
                f"{key} has {m} values for {n} epochs: placed as validation every {freq} epochs"
            )
        else:
            full[:m] = arr
            notes.append(f"{key} has {m} values for {n} epochs: the missing epochs are NaN")
        out[key] = full
    return out, notes


NONFINITE_TOKEN = re.compile(r"(?i)(?<![a-z_])-?(nan|inf|infinity)(?![a-z_])")
"""A NaN or infinity written out (``NaN``, ``nan``, ``Infinity``, ``-inf``), as opposed to a
missing value (``null``, ``NA``, an empty cell)."""


def require_finite_metric(
    series: dict[str, np.ndarray], path: str, text: str | None = None
) -> None:
    """Refuse a run that has no metric value to analyse (learning-rate logs do not count).

    A run whose every metric value is NaN or inf is *not* refused when the source wrote
    NaN or infinity out (``text`` holds such a token): a loss that is NaN from the first
    epoch is a run that diverged at once, and the diagnosis reports it so. A run whose
    every value is *missing* (``null``, ``NA``, empty cells) has nothing to analyse.
    """
    metric = [a for k, a in series.items() if not names.is_learning_rate(k)]
    if not metric:
        raise LoadError(path, "holds only a learning-rate log, no metric series")
    if any(np.isfinite(a).any() for a in metric):
        return
    if not any(a.size for a in metric) or (
        text is not None and NONFINITE_TOKEN.search(text) is None
    ):
        raise LoadError(path, "holds no metric value (every value is missing): nothing to analyse")


MAX_EPOCH = 2**53
"""Epoch numbers beyond this are not epoch numbers (and would not survive a float round trip)."""


def epoch_numbers(x: np.ndarray, what: str, path: str) -> tuple[np.ndarray | None, str | None]:
    """Check an epoch axis read from a file and return it as int64.

    Missing or non-finite epochs are an error (the file is damaged). Fractional or
    absurdly large values are not epoch numbers (a step count, a fractional epoch as some
    trainers log): the axis is then not used, and the returned note says so, so the
    caller numbers the rows in file order.

    Returns:
        ``(epochs, None)`` or ``(None, note)``.
    """
    if not np.all(np.isfinite(x)):
        raise LoadError(path, f"{what} holds missing or non-finite values")
    if x.size and (np.any(np.abs(x) > MAX_EPOCH) or np.any(x != np.floor(x))):
        return None, f"{what} does not hold whole epoch numbers; rows are numbered in file order"
    return x.astype(np.int64), None


def keep_last_per_epoch(epochs: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """Rows to keep so that every epoch appears once, in epoch order; later rows win.

    A CSVLogger with ``append=True`` across a resumed run repeats the epochs it redid;
    the later rows are the ones that count. Returns ``(None, None)`` when the epochs
    already increase strictly, else the row indices to keep and a note.

    >>> rows, note = keep_last_per_epoch(np.array([0, 1, 2, 1, 2, 3]))
    >>> rows.tolist()
    [0, 3, 4, 5]
    """
    if epochs.shape[0] < 2 or bool(np.all(np.diff(epochs) > 0)):
        return None, None
    rev = epochs[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    rows = epochs.shape[0] - 1 - first_in_rev  # unique() sorts by epoch value
    repeated = int(epochs.shape[0] - rows.shape[0])
    if repeated == 0:
        return rows, "rows were not in epoch order: they were sorted by epoch"
    return rows, (
        f"{repeated} repeated epoch rows (a resumed run appended to the same log): "
        "the later values are used"
    )


def _validation_freq(n: int, m: int) -> int | None:
    """Smallest k with floor(n / k) == m (Keras runs validation when epoch % k == 0)."""
    if m <= 0 or m > n:
        return None
    k = max(1, n // (m + 1) + 1)
    while k <= n:
        if n // k == m:
            return k
        if n // k < m:
            return None
        k += 1
    return None
