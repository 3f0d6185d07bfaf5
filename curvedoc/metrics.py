"""Fluctuation metrics: pure, vectorised functions of numpy arrays.

Every function takes 1-D float arrays (NaN marks a missing value and is skipped), keyword
settings, and returns numbers or arrays; none reads files or knows about Keras. Each
docstring gives the formula and a doctest with an exact answer.

Conventions
-----------
*Badness space.* Many measures compare curves of different units (a loss in squared
dollars against one in [0, 1]). :func:`badness` maps a series to a space where lower is
better and distances are comparable: ``log(y)`` for a positive lower-is-better series (a
change of 0.1 there is a 10 % relative change, whatever the unit), ``-y`` for a
higher-is-better one (accuracy points), ``y`` otherwise.

*Trend.* The local trend is a centred running median (:func:`trend`): it follows a
monotone curve exactly (so steady improvement is not mistaken for noise) and ignores
isolated spikes. Residuals are measured around it.

*Windows.* Windows are relative to run length (:func:`default_window`), so a 20-epoch and
a 500-epoch run are judged on the same footing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

T = TypeVar("T")

MAD_TO_SD = 1.482602218505602
"""Consistency constant: 1.4826 * MAD estimates the standard deviation of normal data."""

MEANAD_TO_SD = 1.2533141373155001
"""``sqrt(pi / 2)``: 1.2533 * mean absolute deviation estimates the SD of normal data."""


# -- input checks and helpers -------------------------------------------------------------


def _as_1d(y: object, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D float64 array or raise ValueError naming the argument."""
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _median(a: np.ndarray) -> float:
    """Median of a 1-D float array: the value of ``np.median(a)``, without its overhead.

    ``np.median`` costs tens of microseconds per call in dispatch and checks; measuring one
    short curve takes about 20 medians, so a directory of thousands of runs spends most of
    its time there. Same result: the middle value (the mean of the two middle values for
    an even count), NaN when ``a`` is empty or holds a NaN.

    >>> _median(np.array([3.0, 1.0, 2.0, 10.0]))
    2.5
    """
    n = a.shape[0]
    if n == 0:
        return float("nan")
    k = n // 2
    if n % 2:
        part = np.partition(a, (k, n - 1))  # the last slot gets the largest value, or a NaN
        if np.isnan(part[-1]):
            return float("nan")
        return float(part[k])
    part = np.partition(a, (k - 1, k, n - 1))
    if np.isnan(part[-1]):
        return float("nan")
    return float((part[k - 1] + part[k]) / 2.0)


def _row_medians(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=1)`` of a 2-D array of finite values, without its overhead."""
    m = a.shape[1]
    k = m // 2
    if m % 2:
        return np.partition(a, k, axis=1)[:, k]
    part = np.partition(a, (k - 1, k), axis=1)
    return (part[:, k - 1] + part[:, k]) / 2.0


_SMALL_WINDOWS = 65_536
"""Up to this many window values, :func:`_windows` copies by index arithmetic (a few
microseconds) instead of building a strided view (tens of microseconds of checks)."""


def _windows(x: np.ndarray, w: int) -> np.ndarray:
    """Rows ``x[i : i + w]`` for every start ``i``: ``sliding_window_view(x, w)``'s values.

    Small inputs (every curve of an ordinary run) get a copy made by indexing, which is
    faster than the view's set-up; large ones get the view, which copies nothing.
    """
    rows = x.shape[0] - w + 1
    if rows * w > _SMALL_WINDOWS or rows <= 0:
        return sliding_window_view(x, w)
    return x[np.arange(rows)[:, None] + np.arange(w)]


@lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(n, k=1)``, built once per length (read-only arrays)."""
    i, j = np.triu_indices(n, k=1)
    i.setflags(write=False)
    j.setflags(write=False)
    return i, j


_MEMO_SIZE = 128
"""How many recent results :func:`badness`, :func:`trend` and :func:`loo_residuals` keep."""
_MEMO_POINTS = 4096
"""Only series up to this length are remembered (epoch curves are binned to at most 2,000
points before they are measured), so the memos hold a few MB at most."""
_badness_memo: dict[tuple[bytes, str], tuple[np.ndarray, bool]] = {}
_trend_memo: dict[tuple[bytes, int | None], np.ndarray] = {}
_loo_memo: dict[tuple[bytes, int | None], np.ndarray] = {}


def _recall(memo: dict, y: np.ndarray, setting: object, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave last time for the same series and setting.

    Series longer than :data:`_MEMO_POINTS` are not kept; a full memo is emptied first
    (bounded memory). Callers hand out copies of what is kept, so no caller can change
    what the next one gets.
    """
    if y.shape[0] > _MEMO_POINTS:
        return compute()
    key = (y.tobytes(), setting)
    hit = memo.get(key)
    if hit is None:
        hit = compute()
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = hit
    return hit


def default_window(n: int, *, fraction: float = 0.1, minimum: int = 3, maximum: int = 201) -> int:
    """Return an odd window length proportional to the run length.

    ``w = clip(round(fraction * n), minimum, maximum)``, made odd (rounded up), and never
    longer than ``n`` (odd).

    >>> default_window(100), default_window(10), default_window(5000)
    (11, 3, 201)
    """
    if n <= 0:
        return minimum
    w = round(fraction * n)
    w = max(minimum, min(maximum, w))
    if w % 2 == 0:
        w += 1
    if w > n:
        w = n if n % 2 == 1 else n - 1
    return max(1, w)


def finite(y: np.ndarray) -> np.ndarray:
    """Return the finite values of ``y`` (NaN and inf dropped), in order.

    >>> finite(np.array([1.0, np.nan, 3.0, np.inf])).tolist()
    [1.0, 3.0]
    """
    y = _as_1d(y)
    return y[np.isfinite(y)]


def bin_means(y: np.ndarray, *, max_points: int = 2000) -> tuple[np.ndarray, int]:
    """Downsample a long series to at most ``max_points`` by averaging equal bins.

    Returns ``(means, bin_size)``; bins of ``bin_size = ceil(n / max_points)`` consecutive
    values, the last bin possibly shorter. NaN values are skipped within a bin (a bin of
    only NaN stays NaN). Series already short enough come back unchanged with bin size 1.

    >>> m, k = bin_means(np.arange(10.0), max_points=5)
    >>> m.tolist(), k
    ([0.5, 2.5, 4.5, 6.5, 8.5], 2)
    """
    y = _as_1d(y)
    n = y.shape[0]
    if n <= max_points:
        return y, 1
    k = -(-n // max_points)
    pad = (-n) % k
    padded = np.concatenate([y, np.full(pad, np.nan)]) if pad else y
    blocks = padded.reshape(-1, k)
    ok = ~np.isnan(blocks)
    sums = np.where(ok, blocks, 0.0).sum(axis=1)
    counts = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means, k


def badness(y: np.ndarray, *, direction: str = "lower") -> tuple[np.ndarray, bool]:
    """Map a series to a lower-is-better space where differences are comparable.

    ``log(y)`` when ``direction="lower"`` and every finite value is > 0 (relative
    changes); ``-y`` when ``"higher"``; ``y`` otherwise (``"unknown"``, ``"raw"``, or a
    lower-is-better series with values <= 0). Returns ``(z, is_log)``.

    >>> z, is_log = badness(np.array([1.0, np.e]))
    >>> z.round(6).tolist(), is_log
    ([0.0, 1.0], True)
    >>> badness(np.array([0.5, 0.75]), direction="higher")[0].tolist()
    [-0.5, -0.75]
    """
    y = _as_1d(y)
    z, is_log = _recall(_badness_memo, y, direction, lambda: _badness(y, direction))
    return z.copy(), is_log


def _badness(y: np.ndarray, direction: str) -> tuple[np.ndarray, bool]:
    """Compute :func:`badness`; the public function keeps the last results.

    A curve's measures ask for the same mapping a dozen times.
    """
    if direction == "higher":
        return -y, False
    f = y[np.isfinite(y)]
    if direction == "lower" and f.size and bool((f > 0).all()):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(y), True
    return y.copy(), False


def robust_sd(x: np.ndarray) -> float:
    """Robust standard deviation: ``1.4826 * median(|x - median(x)|)`` over finite values.

    Returns NaN for an empty input.

    >>> round(robust_sd(np.array([1.0, 2.0, 3.0, 4.0, 100.0])), 4)
    1.4826
    """
    f = finite(x)
    if f.size == 0:
        return float("nan")
    return float(MAD_TO_SD * _median(np.abs(f - _median(f))))


# -- trend and residuals ------------------------------------------------------------------


def trend(y: np.ndarray, *, window: int | None = None) -> np.ndarray:
    """Local trend: centred running median of the finite values, window ``w``.

    ``trend[i] = median(y[i - h], ..., y[i + h])`` with ``h = w // 2``; the start is
    padded by repeating the first value, the end by mirroring the values before the
    last (see ``_running_median``). Missing values (NaN) are skipped: the median runs
    over the finite points in order and the result is NaN where ``y`` is NaN.

    >>> trend(np.array([1.0, 9.0, 3.0, 4.0, 5.0]), window=3).tolist()
    [1.0, 3.0, 4.0, 4.0, 4.0]
    """
    y = _as_1d(y)
    return _recall(_trend_memo, y, window, lambda: _trend(y, window)).copy()


def _trend(y: np.ndarray, window: int | None) -> np.ndarray:
    """Compute :func:`trend`; the public function keeps the last results.

    Each curve's measures take the trend of the same series about ten times.
    """
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y)
    f = y[ok]
    if f.size == 0:
        return out
    w = window if window is not None else default_window(f.size)
    w = max(1, min(w, f.size if f.size % 2 else f.size - 1))
    if w <= 1:
        out[ok] = f
        return out
    out[ok] = _running_median(f, w)
    return out


SMALL_FILTER = 1_000_000
"""Above this many window values (points x window) the running median uses scipy.

Curves are averaged into at most 2,000 bins before they are measured, and 2,000 points
times the widest default window stay below this, so even a curve of millions of points
is measured without importing scipy (about 0.3 s of start-up; the numpy path takes a
few milliseconds at this size and gives the same values)."""


def _running_median(f: np.ndarray, w: int) -> np.ndarray:
    """Compute the running median of window ``w``.

    The start is padded with copies of the first value (the first epoch is where a curve
    starts; its level counts), the end with the values before the last one mirrored about
    it (``... c b a | b c``): copies of the last value would make up most of the last
    window, so a single jump in the final epoch would become the trend. A series shorter
    than half the window is padded with its end value. Equal to
    ``scipy.ndimage.median_filter`` (``mode="nearest"``) of the series with the mirrored
    end appended (for an even ``w``, the upper of the two middle values, as that rank
    filter takes). Short runs use numpy (a partition over a sliding-window view), so
    analysing a typical history does not pay for importing scipy; long ones use scipy's
    faster filter, imported then.
    """
    lo = w // 2
    hi = w - 1 - lo
    n = f.size
    right = f[n - 1 - hi : n - 1][::-1] if n > hi else np.full(hi, f[-1])
    if f.size * w > SMALL_FILTER:
        from scipy import ndimage

        ext = np.concatenate([f, right])
        return np.asarray(ndimage.median_filter(ext, size=w, mode="nearest"), dtype=np.float64)[:n]
    padded = np.concatenate([np.full(lo, f[0]), f, right])
    return np.partition(_windows(padded, w), lo, axis=1)[:, lo]


def residuals(y: np.ndarray, *, window: int | None = None) -> np.ndarray:
    """Deviation from the local trend: ``r = y - trend(y, window)`` (NaN where y is NaN).

    >>> residuals(np.array([1.0, 9.0, 3.0, 4.0, 5.0]), window=3).tolist()
    [0.0, 6.0, -1.0, 0.0, 1.0]
    """
    y = _as_1d(y)
    return y - trend(y, window=window)


def rolling_variance(y: np.ndarray, *, window: int | None = None) -> np.ndarray:
    """Compute the rolling variance of the residuals around the trend.

    ``v[i] = var(r[i - h .. i + h])`` (population variance, NaN skipped) where
    ``r = residuals(y, window=w)``; the window is truncated at the ends. NaN where fewer
    than two residuals are available.

    >>> rolling_variance(np.array([0.0, 1.0, 0.0, 1.0, 0.0]), window=3).round(4).tolist()
    [0.25, 0.6667, 0.8889, 0.8889, 1.0]
    """
    y = _as_1d(y)
    w = window if window is not None else default_window(int(np.isfinite(y).sum()))
    r = residuals(y, window=w)
    return _centred_nanvar(r, w)


def _centred_nanvar(r: np.ndarray, w: int) -> np.ndarray:
    """Compute the population variance over centred windows of ``w``, NaN-aware.

    Running sums make it O(n) whatever the window; the values are first shifted by their
    median and divided by their largest deviation, so the sums neither overflow (losses
    of 1e300) nor lose the small variances of long runs to cancellation.
    """
    n = r.shape[0]
    h = w // 2
    ok = np.isfinite(r)
    if not ok.any():
        return np.full(n, np.nan)
    centre = float(_median(r[ok]))
    scale = float(np.max(np.abs(r[ok] - centre)))
    scale = scale if scale > 0 and math.isfinite(scale) else 1.0
    x = np.where(ok, (r - centre) / scale, 0.0)
    c0 = np.concatenate([[0], np.cumsum(ok)])
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    lo = np.clip(np.arange(n) - h, 0, n)
    hi = np.clip(np.arange(n) + h + 1, 0, n)
    cnt = c0[hi] - c0[lo]
    s1 = c1[hi] - c1[lo]
    s2 = c2[hi] - c2[lo]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = s1 / cnt
        var = np.maximum(s2 / cnt - mean * mean, 0.0) * (scale * scale)
    var[cnt < 2] = np.nan
    return var


def rolling_cv(y: np.ndarray, *, window: int | None = None) -> np.ndarray:
    """Compute the rolling coefficient of variation around the trend: ``sqrt(v) / |trend|``.

    ``v`` is :func:`rolling_variance`; NaN where the trend is 0. Scale-free: multiplying
    ``y`` by a constant leaves it unchanged.

    >>> rolling_cv(np.array([10.0, 11.0, 10.0, 11.0, 10.0]), window=3).round(4).tolist()
    [0.05, 0.0816, 0.0857, 0.0943, 0.0909]
    """
    y = _as_1d(y)
    w = window if window is not None else default_window(int(np.isfinite(y).sum()))
    v = rolling_variance(y, window=w)
    t = np.abs(trend(y, window=w))
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.sqrt(v) / t
    cv[~np.isfinite(cv)] = np.nan
    return cv


def loo_residuals(y: np.ndarray, *, window: int | None = None) -> np.ndarray:
    """Deviation of each point from the median of its neighbours, the point itself left out.

    ``r[i] = y[i] - median(y[i-h], ..., y[i-1], y[i+1], ..., y[i+h])`` with ``h = w // 2``,
    over the finite points in order (NaN where ``y`` is NaN). The first and last ``h``
    points, whose neighbours lie on one side only (a residual there measures the slope),
    are NaN. Unlike :func:`residuals`, a residual is never zero by construction, so spread
    measures do not collapse on short, smooth runs; on a straight line every residual is 0.

    >>> loo_residuals(np.array([1.0, 2.0, 3.0, 10.0, 5.0, 6.0, 7.0]), window=3).tolist()
    [nan, 0.0, -3.0, 6.0, -3.0, 0.0, nan]
    """
    y = _as_1d(y)
    return _recall(_loo_memo, y, window, lambda: _loo_residuals(y, window)).copy()


def _loo_residuals(y: np.ndarray, window: int | None) -> np.ndarray:
    """Compute :func:`loo_residuals`; the public function keeps the last results.

    The noise measures of one curve ask for the same residuals three times.
    """
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y)
    f = y[ok]
    n = f.size
    w = window if window is not None else default_window(n)
    h = max(1, w // 2)
    if n < 3:
        return out
    h = min(h, n - 1)
    # points whose neighbours lie on one side only measure the slope, not the noise: only
    # the points with h neighbours on both sides get a residual (and their windows hold
    # no padding, so the plain median applies: the same values as nanmedian, 3x faster)
    r = np.full(n, np.nan)
    if n > 2 * h:
        neighbours = np.delete(_windows(f, 2 * h + 1), h, axis=1)
        r[h : n - h] = f[h : n - h] - _row_medians(neighbours)
    out[ok] = r
    return out


def jitter(
    y: np.ndarray,
    *,
    window: int | None = None,
    direction: str = "lower",
    start_fraction: float = 0.0,
) -> float:
    """Typical size of the fluctuation around the local trend, in badness space.

    ``jitter = 1.4826 * MAD(r[k:])`` with ``r = loo_residuals(badness(y), window)`` and
    ``k = floor(start_fraction * n)``. For a positive loss this is a relative size (0.05 =
    about 5 % up or down); for accuracy it is in accuracy units. Robust: a single spike
    does not inflate it (see :func:`residual_rms` for a measure where it does).

    >>> round(jitter(np.exp(np.tile([0.0, 0.1], 4)), window=3), 4)
    0.1483
    """
    z, _ = badness(y, direction=direction)
    r = finite(loo_residuals(z, window=window))
    k = int(np.floor(start_fraction * r.size))
    return robust_sd(r[k:] if r.size - k >= 3 else r)


def residual_rms(
    y: np.ndarray,
    *,
    window: int | None = None,
    direction: str = "lower",
    start_fraction: float = 0.0,
) -> float:
    """Root-mean-square deviation from the local trend, in badness space, over the later run.

    ``rms = sqrt(mean(r[k:] ** 2))`` with ``r = loo_residuals(badness(y), window)`` (finite
    values) and ``k = floor(start_fraction * n)``. Unlike :func:`jitter` (a MAD), every
    spike counts in full: this is the wiggle a person sees on the plot. NaN with fewer
    than 3 residuals.

    >>> round(residual_rms(np.array([1.0, 1.0, 1.0, 4.0, 1.0, 1.0]), window=3, direction="raw"), 4)
    1.8371
    """
    z, _ = badness(y, direction=direction)
    r = finite(loo_residuals(z, window=window))
    if r.size < 3:
        return float("nan")
    k = int(np.floor(start_fraction * r.size))
    tail = r[k:]
    if tail.size < 3:
        tail = r[-3:]
    return float(np.sqrt(np.mean(tail * tail)))


def noise_to_signal(y: np.ndarray, *, window: int | None = None, direction: str = "lower") -> float:
    """Residual spread relative to the total improvement of the trend.

    ``nsr = sd(r) / |max(t[:k]) - min(t)|`` in badness space, where ``t`` is the trend,
    ``r`` the residuals, ``k`` the first tenth of the run (at least one point), ``sd``
    the ordinary standard deviation. Infinite when the trend never improved. Scale-free.

    >>> y = np.array([4.0, 3.0, 2.0, 1.0, 1.5, 1.0, 1.5])
    >>> round(noise_to_signal(y, window=3, direction="raw"), 4)
    0.126
    """
    z, _ = badness(y, direction=direction)
    t = trend(z, window=window)
    r = z - t
    tf = finite(t)
    rf = finite(r)
    if tf.size < 2 or rf.size < 2:
        return float("nan")
    k = max(1, tf.size // 10)
    improvement = float(np.max(tf[:k]) - np.min(tf))
    sd = float(np.std(rf))
    if improvement <= 0:
        return float("inf") if sd > 0 else float("nan")
    return sd / improvement


# -- slopes ---------------------------------------------------------------------------


def theil_sen(y: np.ndarray, x: np.ndarray | None = None) -> tuple[float, float]:
    """Theil–Sen line through the finite points: ``(slope, intercept)``.

    ``slope = median over i<j of (y_j - y_i) / (x_j - x_i)``;
    ``intercept = median(y - slope * x)``. Robust to up to ~29 % outliers. Series longer
    than 1,000 points are first averaged into 1,000 bins (:func:`bin_means`) so the
    O(n²) pair count stays bounded. Returns NaNs for fewer than two points.

    >>> theil_sen(np.array([1.0, 3.0, 5.0, 70.0, 9.0]))
    (2.0, 1.0)
    """
    y = _as_1d(y)
    xs = np.arange(y.shape[0], dtype=np.float64) if x is None else _as_1d(x, "x")
    if xs.shape != y.shape:
        raise ValueError("x and y must have the same length")
    ok = np.isfinite(y) & np.isfinite(xs)
    yv, xv = y[ok], xs[ok]
    if yv.size > 1000:
        yv, _ = bin_means(yv, max_points=1000)
        xv, _ = bin_means(xv, max_points=1000)
    if yv.size < 2:
        return float("nan"), float("nan")
    i, j = _pairs(int(yv.size))
    dx = xv[j] - xv[i]
    keep = dx != 0
    if not np.any(keep):
        return float("nan"), float("nan")
    slope = float(_median((yv[j] - yv[i])[keep] / dx[keep]))
    intercept = float(_median(yv - slope * xv))
    return slope, intercept


@lru_cache(maxsize=64)
def _pair_gaps(n: int) -> np.ndarray:
    """``j - i`` (float) for every pair ``i < j`` of :func:`_pairs`, built once per length."""
    i, j = _pairs(n)
    gaps = (j - i).astype(np.float64)
    gaps.setflags(write=False)
    return gaps


def _index_slope(seg: np.ndarray, x: np.ndarray) -> float:
    """:func:`theil_sen`'s slope of ``seg`` against consecutive indices ``x``.

    For finite values at unit spacing (every caller's case but a curve with gaps), the pair
    gaps ``j - i`` are the same for every curve of a length and are built once: the same
    slope, without the checks and the intercept. Anything else goes to :func:`theil_sen`.
    """
    n = seg.shape[0]
    if 2 <= n <= 1000 and bool(np.isfinite(seg).all()):
        i, j = _pairs(n)
        return float(_median((seg[j] - seg[i]) / _pair_gaps(n)))
    slope, _ = theil_sen(seg, x)
    return slope


def tail_slope(
    y: np.ndarray, *, fraction: float = 1.0, direction: str = "lower", per_run: bool = True
) -> float:
    """Robust slope of the badness curve over the last ``fraction`` of the run.

    Theil–Sen slope of ``badness(y)`` against the epoch index over the last
    ``ceil(fraction * n)`` points (at least 3). With ``per_run`` the slope is multiplied
    by ``n`` (the whole run's length), so the number reads as "change over a run's
    length at this pace": for a loss in log space, -0.69 means halving per run length.
    Negative means improving.

    >>> round(tail_slope(np.exp(-0.01 * np.arange(100.0)), fraction=0.5), 4)
    -1.0
    """
    y = _as_1d(y)
    z, _ = badness(y, direction=direction)
    n = z.shape[0]
    k = max(3, int(np.ceil(fraction * n)))
    seg = z[-k:]
    x = np.arange(n - seg.shape[0], n, dtype=np.float64)
    slope = _index_slope(seg, x)
    return slope * n if per_run else slope


def segment_slope(
    y: np.ndarray,
    *,
    start: float = 0.0,
    stop: float = 1.0,
    direction: str = "lower",
) -> float:
    """Robust slope of the badness curve over a share of the run, per run length.

    Theil–Sen slope of ``badness(y)`` against the epoch index over the points with index
    in ``[floor(start * n), ceil(stop * n))`` (at least 2), times ``n``: the change over a
    run's length at that pace. Comparing the first third with the last third tells a
    curve that bends towards convergence (the late slope is a small share of the early
    one) from a straight line on a log axis (the two are alike).

    >>> y = np.exp(-np.arange(9.0))
    >>> segment_slope(y, stop=1 / 3), segment_slope(y, start=2 / 3)
    (-9.0, -9.0)
    """
    y = _as_1d(y)
    z, _ = badness(y, direction=direction)
    n = z.shape[0]
    lo = int(np.floor(start * n))
    hi = max(int(np.ceil(stop * n)), lo + 2)
    seg = z[lo:hi]
    x = np.arange(lo, lo + seg.shape[0], dtype=np.float64)
    slope = _index_slope(seg, x)
    return slope * n


def net_change(y: np.ndarray, *, direction: str = "lower", tail: int = 3) -> float:
    """Where the run ended against where it started, in badness space.

    ``median(z[-tail:]) - z[0]`` over the finite values of ``z = badness(y)``: positive
    when the curve ended worse than its first epoch (for a log loss, 0.69 means twice its
    starting value). The median of the last ``tail`` epochs keeps one final jump from
    deciding. NaN with fewer than two finite values.

    >>> round(net_change(np.array([1.0, 0.5, 2.0, 2.0, 2.0])), 4)
    0.6931
    """
    z, _ = badness(y, direction=direction)
    zf = finite(z)
    if zf.size < 2:
        return float("nan")
    k = max(1, min(tail, zf.size - 1))
    return float(_median(zf[-k:]) - zf[0])


# -- train / validation gap ---------------------------------------------------------------


@dataclass(frozen=True)
class GapStats:
    """Train/validation gap measures (see :func:`gap`).

    Attributes:
        final_abs: ``val - train`` at the end (oriented: positive = validation worse).
        final_rel: the same in badness space (for a positive loss, the log ratio).
        best_rel: at the best validation epoch, badness space.
        slope: Theil–Sen slope of the badness-space gap over the last half, per run length.
    """

    final_abs: float
    final_rel: float
    best_rel: float
    slope: float


def gap(
    train: np.ndarray, val: np.ndarray, *, direction: str = "lower", window: int | None = None
) -> GapStats:
    """Generalisation gap between validation and training.

    On the trends of both series (NaN where either is missing):
    ``final_abs = sign * (t_val[-1] - t_train[-1])`` with ``sign = -1`` when higher is
    better; ``final_rel`` is the same difference in badness space (log ratio of losses);
    ``best_rel`` is it at the epoch of best validation; ``slope`` is
    :func:`tail_slope` of the badness gap over the last half (growing gap > 0).

    >>> g = gap(np.array([1.0, 0.5, 0.25, 0.125]), np.array([1.0, 1.0, 1.0, 1.0]), window=1)
    >>> round(g.final_abs, 3), round(g.final_rel, 4)
    (0.875, 2.0794)
    """
    train = _as_1d(train, "train")
    val = _as_1d(val, "val")
    if train.shape != val.shape:
        raise ValueError("train and val must have the same length")
    both_positive = bool(np.all(finite(train) > 0) and np.all(finite(val) > 0))
    dir_for_badness = direction if (direction == "higher" or both_positive) else "raw"
    zt, _ = badness(train, direction=dir_for_badness)
    zv, _ = badness(val, direction=dir_for_badness)
    sign = -1.0 if direction == "higher" else 1.0
    ok = np.isfinite(zt) & np.isfinite(zv)
    if ok.sum() == 0:
        nan = float("nan")
        return GapStats(nan, nan, nan, nan)
    tt = trend(train, window=window)[ok]
    tv = trend(val, window=window)[ok]
    ztt = trend(zt, window=window)[ok]
    ztv = trend(zv, window=window)[ok]
    d = ztv - ztt
    best = int(np.nanargmin(ztv))
    slope = tail_slope(d, fraction=0.5, direction="raw") if d.size >= 4 else float("nan")
    return GapStats(
        final_abs=float(sign * (tv[-1] - tt[-1])),
        final_rel=float(d[-1]),
        best_rel=float(d[best]),
        slope=float(slope),
    )


def overfitting_onset(
    train: np.ndarray,
    val: np.ndarray,
    *,
    direction: str = "lower",
    window: int | None = None,
    min_rise: float = 0.05,
) -> int | None:
    """Index where validation stops improving while training still improves.

    With trends ``t_tr``, ``t_val`` in badness space, let ``b = argmin t_val`` (the best
    validation point). The run overfits from ``b`` when, after it, validation got worse
    by more than ``min_rise`` (``t_val[-1] - t_val[b] > min_rise``; for a log loss 0.05
    is about 5 %) while training kept improving (``t_tr[-1] < t_tr[b]``). Returns ``b``
    (an index into the arrays) or None. Missing values are skipped.

    >>> tr = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25])
    >>> va = np.array([5.0, 4.0, 3.0, 3.5, 4.0, 4.5, 5.0])
    >>> overfitting_onset(tr, va, window=1)
    2
    """
    train = _as_1d(train, "train")
    val = _as_1d(val, "val")
    zt, _ = badness(train, direction=direction)
    zv, _ = badness(val, direction=direction)
    ok = np.isfinite(zt) & np.isfinite(zv)
    idx = np.flatnonzero(ok)
    if idx.size < 4:
        return None
    tt = trend(zt[ok], window=window)
    tv = trend(zv[ok], window=window)
    b = int(np.argmin(tv))
    if b >= idx.size - 1:
        return None
    if tv[-1] - tv[b] > min_rise and tt[-1] < tt[b]:
        return int(idx[b])
    return None


# -- spikes and oscillation ---------------------------------------------------------------


@dataclass(frozen=True)
class Spikes:
    """Points far from the local trend (see :func:`spikes`).

    Attributes:
        indices: positions of the spikes in the input array.
        z: their robust z-scores.
        jump: their size relative to the trend in badness space (0.5 = 50 % above for a log loss).
    """

    indices: np.ndarray
    z: np.ndarray
    jump: np.ndarray

    @property
    def count(self) -> int:
        """Number of spikes."""
        return int(self.indices.shape[0])

    @property
    def largest(self) -> float:
        """Largest jump (0 when there are none)."""
        return float(np.max(self.jump)) if self.jump.size else 0.0


def spikes(
    y: np.ndarray,
    *,
    window: int | None = None,
    z_threshold: float = 3.5,
    min_jump: float = 0.0,
    direction: str = "lower",
    scale_floor: float = 0.0,
) -> Spikes:
    """Find the points that jump the wrong way far from the local trend.

    In badness space ``z = (r - median(r)) / s`` with ``r`` the residuals and
    ``s = max(1.4826 * MAD(r), scale_floor)``; a spike is a point with ``z > z_threshold``
    (3.5, after Iglewicz & Hoaglin) and ``r > min_jump``. Only worsening jumps count
    (a loss up, an accuracy down).

    On a smooth curve more than half the points sit exactly on the running-median trend,
    so the MAD is 0 even when a few points jump far off it. The scale then falls back to
    ``sqrt(pi / 2) * mean(|r - median(r)|)`` (1.2533 x the mean absolute deviation, the
    usual fallback of the modified z-score), so a spike on an otherwise smooth loss is
    still found. Deviations at floating-point noise level (``|r| <= 1e-9 * max|z|``) are
    never spikes, and a curve with no deviation at all has none.

    >>> s = spikes(np.array([1.0, 1.1, 1.0, 1.1, 5.0, 1.0, 1.1, 1.0]), window=3, direction="raw")
    >>> s.indices.tolist(), round(float(s.z[0]), 2)
    ([4], 26.31)
    >>> smooth = np.exp(-0.1 * np.arange(20.0))
    >>> smooth[12] *= 2.0
    >>> spikes(smooth).indices.tolist()
    [12]
    """
    z, _ = badness(y, direction=direction)
    r = residuals(z, window=window)
    rf = finite(r)
    empty = Spikes(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    if rf.size < 3:
        return empty
    med = float(_median(rf))
    dev = np.abs(rf - med)
    s = float(MAD_TO_SD * _median(dev))
    if s == 0.0:
        s = MEANAD_TO_SD * float(np.mean(dev))
    s = max(s, scale_floor)
    if s <= 0:
        return empty
    tiny = 1e-9 * float(np.max(np.abs(finite(z))))
    with np.errstate(invalid="ignore"):
        zs = (r - med) / s
        hit = (zs > z_threshold) & (r > min_jump) & (np.abs(r) > tiny)
    idx = np.flatnonzero(hit)
    return Spikes(idx.astype(np.int64), zs[idx], r[idx])


def sign_change_rate(y: np.ndarray) -> float:
    """Share of successive differences that change sign (zig-zag rate).

    With ``d = diff(finite(y))`` and zero differences dropped,
    ``rate = mean(sign(d[1:]) != sign(d[:-1]))``. 0 for a monotone curve, 1 for a
    perfect zig-zag, about 2/3 for independent noise. NaN with fewer than 3 usable points.

    >>> sign_change_rate(np.array([1.0, 2.0, 1.0, 2.0, 1.0]))
    1.0
    >>> sign_change_rate(np.array([5.0, 4.0, 3.0, 2.0]))
    0.0
    """
    f = finite(y)
    d = np.diff(f)
    d = d[d != 0]
    if d.size < 2:
        return float("nan")
    s = np.sign(d)
    return float(np.mean(s[1:] != s[:-1]))


def lag1_autocorr(x: np.ndarray) -> float:
    """Lag-1 autocorrelation of the finite values.

    ``rho = sum((x_t - m)(x_{t+1} - m)) / sum((x_t - m)^2)`` with ``m`` the mean.
    Negative: successive values alternate (overshooting); positive: slow wandering.
    NaN for fewer than 3 values or zero variance.

    >>> lag1_autocorr(np.array([1.0, -1.0, 1.0, -1.0]))
    -0.75
    """
    f = finite(x)
    if f.size < 3:
        return float("nan")
    c = f - f.mean()
    den = float(np.dot(c, c))
    if den == 0:
        return float("nan")
    return float(np.dot(c[:-1], c[1:]) / den)


def residual_autocorr(
    y: np.ndarray, *, window: int | None = None, direction: str = "lower"
) -> float:
    """Lag-1 autocorrelation of the residuals around the trend, in badness space.

    ``lag1_autocorr(residuals(badness(y), window))``.

    >>> y = np.array([1.0, 3.0, 1.0, 3.0, 1.0, 3.0])
    >>> round(residual_autocorr(y, window=3, direction="raw"), 4)
    -0.8333
    """
    z, _ = badness(y, direction=direction)
    return lag1_autocorr(residuals(z, window=window))


# -- divergence and convergence --------------------------------------------------------------


def first_nonfinite(y: np.ndarray) -> int | None:
    """Index where the run blew up: the first ±inf, or the NaN that never ends; else None.

    A value is missing (NaN) for ordinary reasons too: validation run every k epochs, a
    ``null`` or ``NA`` cell. So NaN counts as divergence only when it lasts to the end of
    the series, after the last finite value, for at least as long as the series' usual
    spacing between finite values (the median step between them, the leading stretch
    counted as one step). Validation every 3 epochs has a spacing of 3, so one or two
    trailing NaN are missing values; a loss that turns NaN and stays NaN is divergence.
    Any ±inf after the first finite value is divergence. Leading NaN (a series that starts
    later) is not.

    Formally, with ``f`` the indices of the finite values, the spacing ``s`` is the
    median of the steps ``diff(f)`` together with the leading step ``f[0] + 1`` when
    ``f[0] > 0`` (``s = 1`` when there are no steps). The result is the smaller of the
    first ``i > f[0]`` with ``y[i] = ±inf``, and ``f[-1] + 1`` when the number of trailing
    NaN, ``n - 1 - f[-1]``, is at least ``s``.

    >>> first_nonfinite(np.array([1.0, 0.5, np.inf, np.nan]))
    2
    >>> first_nonfinite(np.array([np.nan, 1.0])) is None
    True
    >>> first_nonfinite(np.array([1.0, np.nan, 0.5, np.nan, np.nan]))
    3
    >>> first_nonfinite(np.array([np.nan, np.nan, 0.5, np.nan, np.nan, 0.4, np.nan]))
    """
    y = _as_1d(y)
    ok = np.isfinite(y)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return None
    start = int(idx[0])
    candidates: list[int] = []
    inf_at = np.flatnonzero(np.isinf(y[start:]))
    if inf_at.size:
        candidates.append(start + int(inf_at[0]))
    last = int(idx[-1])
    trailing = y.shape[0] - 1 - last
    if trailing > 0:
        steps = np.diff(idx)
        if start > 0:
            steps = np.append(steps, start + 1)
        spacing = float(_median(steps)) if steps.size else 1.0
        if trailing >= spacing:
            candidates.append(last + 1)
    return min(candidates) if candidates else None


def sustained_rise(y: np.ndarray, *, window: int | None = None, direction: str = "lower") -> float:
    """How far the run ended above its best, in badness space, each judged over k points.

    ``rise = m[-1] - min(m)`` where ``m`` are the medians of every ``k`` consecutive finite
    values of ``z = badness(y)`` (``k = window``, default ``max(3, ceil(n / 10))``): the
    level of the last k epochs against the best level of any k consecutive epochs. A
    single jump in the final epochs does not count, a curve that climbs does, and a curve
    still falling ends at its best (0). For a log loss, 0.69 means the run ended at twice
    its best.

    >>> round(sustained_rise(np.array([8.0, 4.0, 2.0, 4.0, 8.0]), window=1), 4)
    1.3863
    >>> sustained_rise(np.array([4.0, 2.0, 1.0, 1.0, 1.0, 9.0, 1.0]), window=3)
    0.0
    """
    z, _ = badness(y, direction=direction)
    zf = finite(z)
    if zf.size == 0:
        return float("nan")
    k = window if window is not None else max(3, int(np.ceil(zf.size / 10)))
    k = max(1, min(k, zf.size))
    m = _row_medians(_windows(zf, k))
    return float(max(0.0, m[-1] - np.min(m)))


def rise_share(y: np.ndarray, *, window: int | None = None, direction: str = "lower") -> float:
    """How much of its fall a curve gave back by its end, in its own units (as plotted).

    With ``f`` the finite values of ``y`` (``-y`` when higher is better), ``m`` the medians
    of every ``k`` consecutive ones (``k`` as in :func:`sustained_rise`: one jump neither
    makes the best nor the end) and ``b`` the first index of their minimum:
    ``share = (m[-1] - m[b]) / (max(f[:b + 1]) - m[b])``, the fall measured from the
    highest single value before the best (the first epoch, usually: the top of the plot).
    0 when the run ended at its best, 1 when it climbed all the way back to where its fall
    began, ``inf`` when it rose without having fallen first; NaN without finite values.

    :func:`sustained_rise` says how far the end lies above the best in log units, which is
    what matters for the loss; this says whether a person sees the climb on the ordinary
    linear plot of the curve: a loss that fell from 2.0 to 0.2 and ends at 0.25 is 22 %
    above its best, but has given back 3 % of its fall, a flat tail on the plot.

    >>> rise_share(np.array([8.0, 4.0, 2.0, 4.0, 8.0]), window=1)
    1.0
    >>> round(rise_share(np.array([4.0, 2.0, 1.0, 1.0, 1.25]), window=1), 4)
    0.0833
    """
    v = _as_1d(y)
    v = -v if direction == "higher" else v
    f = finite(v)
    if f.size == 0:
        return float("nan")
    k = window if window is not None else max(3, int(np.ceil(f.size / 10)))
    k = max(1, min(k, f.size))
    m = _row_medians(_windows(f, k))
    b = int(np.argmin(m))
    rise = float(m[-1] - m[b])
    if rise <= 0:
        return 0.0
    fall = float(np.max(f[: b + 1]) - m[b])
    return rise / fall if fall > 0 else math.inf


def improvement(y: np.ndarray, *, direction: str = "lower", window: int | None = None) -> float:
    """Total improvement of the trend: ``t[0] - min(t)`` in badness space (>= 0).

    For a positive loss this is the log of start/best: 2.3 means ten times lower.

    >>> round(improvement(np.array([8.0, 4.0, 2.0, 1.0]), window=1), 4)
    2.0794
    """
    z, _ = badness(y, direction=direction)
    t = finite(trend(z, window=window))
    if t.size == 0:
        return float("nan")
    return float(max(t[0] - np.min(t), 0.0))


def plateau_onset(
    y: np.ndarray, *, direction: str = "lower", window: int | None = None, share: float = 0.95
) -> int | None:
    """First index by which the trend achieved ``share`` of its total improvement.

    ``min {i : t[0] - t_min_so_far[i] >= share * (t[0] - min(t))}`` in badness space;
    an early onset followed by a long flat tail is a plateau, an onset at the very end
    means the run was still improving (slow convergence). None when there was no
    improvement.

    >>> plateau_onset(np.array([10.0, 5.0, 1.0, 1.0, 1.0, 1.0]), window=1, direction="raw")
    2
    """
    z, _ = badness(y, direction=direction)
    t = trend(z, window=window)
    ok = np.isfinite(t)
    if ok.sum() < 2:
        return None
    tf = t[ok]
    total = tf[0] - np.min(tf)
    if total <= 0:
        return None
    reached = (tf[0] - np.minimum.accumulate(tf)) >= share * total
    return int(np.flatnonzero(ok)[int(np.argmax(reached))])


# -- batches --------------------------------------------------------------------------


def segment_spread(values: np.ndarray, starts: np.ndarray, *, log: bool = True) -> np.ndarray:
    """Spread of the values within each segment (e.g. the batch losses of each epoch).

    For segment ``k`` (values from ``starts[k]`` to the next start), the standard deviation
    of ``log(v)`` (``log=True``, relative spread; values <= 0 are skipped) or of ``v``,
    after removing the segment's own least-squares line ``a + b * position`` (so a loss
    that falls within the epoch is not counted as spread), with two degrees of freedom
    taken off: ``sqrt(sum(resid^2) / (m - 2))`` over the ``m`` finite values. NaN for
    segments with fewer than 3 values (an empty segment, from a repeated start, included).
    Values before ``starts[0]`` belong to no segment. Vectorised with ``np.bincount``,
    centring each segment before squaring so large values lose no precision.

    >>> v = np.exp(np.array([0.0, 0.2, 0.0, 0.2, 1.0, 1.0, 1.0]))
    >>> segment_spread(v, np.array([0, 4])).round(4).tolist()
    [0.1265, 0.0]
    """
    v = _as_1d(values, "values")
    starts = np.asarray(starts, dtype=np.int64)
    if starts.ndim != 1:
        raise ValueError(f"starts must be 1-D, got shape {starts.shape}")
    if starts.size > 1 and np.any(np.diff(starts) < 0):
        raise ValueError("starts must be in increasing order")
    n = v.shape[0]
    k = starts.size
    if n == 0 or k == 0:
        return np.full(k, np.nan)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(v > 0, np.log(v), np.nan)
    bounds = np.clip(np.append(starts, n), 0, n)
    seg_id = np.full(n, -1, dtype=np.int64)
    seg_id[bounds[0] :] = np.repeat(np.arange(k), np.diff(bounds))
    x = np.arange(n, dtype=np.float64) - starts[np.maximum(seg_id, 0)]
    member = np.isfinite(v)
    if bounds[0] > 0:
        member[: bounds[0]] = False
    if member.all():  # the usual case: no copies
        sid, y = seg_id, v
    else:
        sid, x, y = seg_id[member], x[member], v[member]

    def seg_sum(a: np.ndarray) -> np.ndarray:
        return np.bincount(sid, weights=a, minlength=k)

    m = np.bincount(sid, minlength=k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = seg_sum(x) / m
        my = seg_sum(y) / m
        dx = x - mx[sid]
        dy = y - my[sid]
        sxx = seg_sum(dx * dx)
        sxy = seg_sum(dx * dy)
        syy = seg_sum(dy * dy)
        b = np.where(sxx > 0, sxy / sxx, 0.0)
        resid = np.maximum(syy - b * sxy, 0.0)
        spread = np.sqrt(resid / np.maximum(m - 2, 1))
    spread[m < 3] = np.nan
    return spread


def tail_heaviness(values: np.ndarray, *, log: bool = True) -> float:
    """How heavy the upper tail is: ``(q99 - q50) / (q75 - q25)`` of ``log(v)`` (or ``v``).

    About 1.73 for normal data; much larger when a few values (outlier-laden batches)
    sit far above the bulk. NaN for fewer than 20 values or a zero interquartile range.

    >>> round(tail_heaviness(np.arange(1.0, 101.0), log=False), 4)
    0.98
    """
    v = _as_1d(values, "values")
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(v > 0, np.log(v), np.nan)
    f = finite(v)
    if f.size < 20:
        return float("nan")
    q25, q50, q75, q99 = np.quantile(f, [0.25, 0.5, 0.75, 0.99])
    iqr = q75 - q25
    if iqr <= 0:
        return float("nan")
    return float((q99 - q50) / iqr)


def windows(y: np.ndarray, window: int) -> np.ndarray:
    """Sliding windows of ``y`` as a read-only 2-D view (no copy), one row per window.

    >>> windows(np.arange(4.0), 2).tolist()
    [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
    """
    return sliding_window_view(_as_1d(y), window)


def fraction_denominator(
    values: np.ndarray, *, max_n: int = 20_000, min_distinct: int = 4, tol: float = 1e-3
) -> int | None:
    """The smallest ``n`` for which every value is a whole multiple of ``1/n``, if one exists.

    An accuracy that Keras logs per epoch is ``correct / total`` over every sample the epoch
    saw, so its values are fractions ``k/n`` with ``n`` the number of samples (training
    accuracy: the training set; validation accuracy: the validation set). Recovering ``n``
    gives the sample counts a history of curves alone does not record.

    Formula: the smallest ``n`` in ``[2, max_n]`` with ``|v_i n - round(v_i n)| <= tol'`` for
    every finite ``v_i`` in ``[0, 1]``, where ``tol' = max(tol, 4e-6 n)`` (a value rounded
    to six significant digits, or float32, is off by up to ``~5e-7``, i.e. ``5e-7 n`` counts).
    ``None`` with fewer than ``min_distinct`` distinct values (the answer would be a guess),
    with a value outside ``[0, 1]``, or when no ``n`` fits (a batch-averaged accuracy or a
    weighted one). An accuracy over several outputs per sample (per time step, multi-label)
    counts every output: ``n`` is then samples x outputs. The chance that ``d``
    distinct arbitrary reals fit some ``n`` by luck is about ``max_n (2 tol')^d``: negligible
    for ``d >= 4``.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0 or np.any(v < 0) or np.any(v > 1):
        return None
    u = np.unique(np.round(v, 9))
    u = u[(u > 0) & (u < 1)]  # 0 and 1 are multiples of every 1/n
    if u.size < min_distinct:
        return None
    # every candidate against the first value, then the survivors against the rest: one
    # pass of max_n products, and a handful after it
    n = np.arange(2, max_n + 1, dtype=float)
    tol_n = np.maximum(tol, 4e-6 * n)
    for x in u:
        prod = n * x
        keep = np.abs(prod - np.round(prod)) <= tol_n
        n, tol_n = n[keep], tol_n[keep]
        if n.size == 0:
            return None
    return int(n[0])


def one_class_entropy(accuracy: float) -> float:
    """The lowest cross-entropy a model that answers one class can score at this accuracy.

    A classifier that ignores its input and always predicts one class scores its accuracy
    ``a`` (that class's share) and at best the cross-entropy ``H(p)`` of the class
    frequencies ``p``. Of all class distributions whose largest share is ``a``, the one
    with the least entropy fills ``floor(1/a)`` classes with ``a`` and puts the rest
    ``r = 1 - floor(1/a) a`` in one more class:

    ``H_min(a) = -floor(1/a) a ln a - r ln r``  (``0 ln 0 = 0``).

    A loss clearly below ``H_min`` of the accuracy the model reached means it told the
    classes apart; a loss at or above it is what a model that learned nothing scores.
    NaN outside ``(0, 1]``.

    >>> round(one_class_entropy(0.5), 4)  # two balanced classes: ln 2
    0.6931
    >>> round(one_class_entropy(0.25), 4)  # four balanced classes: ln 4
    1.3863
    >>> one_class_entropy(1.0)
    0.0
    """
    a = float(accuracy)
    if not (0.0 < a <= 1.0) or not math.isfinite(a):
        return float("nan")
    k = math.floor(1.0 / a + 1e-12)
    r = max(0.0, 1.0 - k * a)
    h = -k * a * math.log(a)
    if r > 1e-12:
        h -= r * math.log(r)
    return max(0.0, float(h))
