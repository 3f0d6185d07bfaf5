"""Shared helpers: turn parsed values into float series, align validation series.

Kept vectorised: a per-step curve of millions of points is converted by numpy, with one
pass over the Python value types to refuse booleans, strings and nested lists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from curvedoc import names
from curvedoc.errors import LoadError

MISSING_TOKENS = frozenset({"NA", "null", ""})
"""Strings that stand for a missing value (CSVLogger's ``NA``, an empty cell)."""

NONFINITE_TOKENS = frozenset(
    {"nan", "NaN", "NAN", "Infinity", "-Infinity", "inf", "-inf", "Inf", "-Inf"}
)
"""Strings that write a NaN or an infinity out (a value that is there, and not finite)."""

NAN_TOKENS = NONFINITE_TOKENS | MISSING_TOKENS
"""Strings accepted in place of a number: spellings of NaN/inf and of a missing value."""

_NUMBER_TYPES = (int, float)


@dataclass(frozen=True, eq=False)
class ParsedNumbers:
    """A JSON list of numbers already parsed into float64, as long lists are.

    :func:`curvedoc.loaders.parsing.parse_json_bytes` puts these where a series sits in the
    document, so no Python object per value is ever kept. Missing values (``null``,
    ``"NA"``) are NaN in :attr:`values`; :attr:`nonfinite_written` says whether a NaN or
    an infinity was written out (``NaN``, ``"Infinity"``, ``1e999``), which a run that
    diverged at its first epoch has and a run with nothing recorded does not.
    """

    values: np.ndarray
    nonfinite_written: bool

    def __len__(self) -> int:
        return int(self.values.shape[0])


def to_series(values: Any, key: str, path: str) -> np.ndarray:
    """Convert a JSON list (or an index->value object, as pandas writes) to float64.

    ``None`` and missing-value spellings become NaN; ``"Infinity"``-style strings become
    inf; numbers written as strings (``json.dump(..., default=str)`` of numpy floats)
    are read as numbers. Booleans, other strings, nested lists and objects are refused
    with a LoadError naming the series. A :class:`ParsedNumbers` is already converted.
    """
    if isinstance(values, ParsedNumbers):
        return values.values
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
        arr = np.array([safe_float(v) for v in values], dtype=np.float64)
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


def value_of_token(v: Any) -> tuple[float | int | None, bool] | None:
    """One JSON value of a number list as ``(number, written_nonfinite)``, or None.

    The rules of :func:`to_series` without a series name (for parsing lists before their
    key is known): numbers as they are, ``None`` and missing-value strings as None, NaN
    and infinity spellings as floats, numbers written as strings as floats. None for a
    boolean, other text, a list or an object (the caller then leaves the list to
    :func:`to_series`, whose error names the series and the position).
    """
    if isinstance(v, bool):
        return None
    if v is None:
        return None, False
    if isinstance(v, float):
        return v, not math.isfinite(v)
    if isinstance(v, int):
        return v, abs(v) > _FLOAT_MAX_INT
    if isinstance(v, str):
        t = v.strip()
        if t in MISSING_TOKENS:
            return None, False
        if t in NONFINITE_TOKENS:
            return _token_to_float(t), True
        try:
            x = float(t)
        except ValueError:
            return None
        return x, not math.isfinite(x)
    return None


_FLOAT_MAX_INT = int(np.finfo(np.float64).max)


def nonfinite_written(values: Any) -> bool:
    """Whether a parsed JSON series writes a NaN or an infinity out (not just ``null``).

    ``NaN``/``Infinity`` literals, ``"NaN"``-style strings and numbers beyond float range
    count; ``null``, ``"NA"`` and empty strings are missing values and do not. An array
    of unknown origin counts when it holds any non-finite value.
    """
    if isinstance(values, ParsedNumbers):
        return values.nonfinite_written
    if isinstance(values, np.ndarray):
        return bool(values.size) and not bool(np.isfinite(values).all())
    if isinstance(values, dict):
        values = list(values.values())
    if not isinstance(values, list):
        return False
    for v in values:
        if isinstance(v, (list, dict)):
            continue
        parsed = value_of_token(v)
        if parsed is not None and parsed[1]:
            return True
    return False


def _token_to_float(v: str) -> float:
    t = v.strip()
    if t in {"Infinity", "inf", "Inf"}:
        return math.inf
    if t in {"-Infinity", "-inf", "-Inf"}:
        return -math.inf
    return math.nan


def safe_float(v: Any) -> float:
    """A parsed JSON number as a float.

    None is NaN; a number beyond float range (a huge integer literal, which ``float()``
    refuses) is an infinity of its sign.
    """
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

NONFINITE_TOKEN_BYTES = re.compile(rb"(?i)(?<![a-z_])-?(nan|inf|infinity)(?![a-z_])")
""":data:`NONFINITE_TOKEN` for the raw bytes of a file."""

WrittenCheck = Callable[[Iterable[str]], bool]
"""Given the metric keys, whether the source wrote a NaN or an infinity out for any of them."""


def require_finite_metric(
    series: dict[str, np.ndarray],
    path: str,
    text: str | None = None,
    *,
    written: WrittenCheck | None = None,
) -> None:
    """Refuse a run that has no metric value to analyse (learning-rate logs do not count).

    A run whose every metric value is NaN or inf is *not* refused when the source wrote
    NaN or infinity out (``written`` says so for the metric keys, or ``text`` holds such
    a token): a loss that is NaN from the first epoch is a run that diverged at once, and
    the diagnosis reports it so. A run whose every value is *missing* (``null``, ``NA``,
    empty cells) has nothing to analyse. The check runs only when no metric value is
    finite, so it costs nothing for an ordinary run.
    """
    metric = {k: a for k, a in series.items() if not names.is_learning_rate(k)}
    if not metric:
        raise LoadError(path, "holds only a learning-rate log, no metric series")
    if any(np.isfinite(a).any() for a in metric.values()):
        return
    if any(a.size for a in metric.values()):
        if written is not None:
            if written(list(metric)):
                return
        elif text is None or NONFINITE_TOKEN.search(text) is not None:
            return
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
