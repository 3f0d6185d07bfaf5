"""The fast paths of ``curvedoc.metrics`` give numpy's numbers, and the memos stay invisible.

Measuring one short curve asks for the same badness mapping, trend and residuals a dozen
times, and ``np.median``'s dispatch costs more than the median of 20 numbers; the metrics
module therefore keeps the last results and computes medians itself. These tests hold
those shortcuts to numpy's answers, on random arrays with NaN, inf and ties, and check
that a caller changing a returned array cannot change what the next caller gets.
"""

from __future__ import annotations

import numpy as np
import pytest

from curvedoc import metrics as M


def _random_arrays(seed: int, count: int, max_len: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(0, max_len))
        a = rng.normal(size=n) * 10.0 ** rng.integers(-4, 5)
        if n and rng.random() < 0.2:
            a[rng.integers(n)] = np.nan
        if n and rng.random() < 0.1:
            a[rng.integers(n)] = rng.choice([np.inf, -np.inf])
        if n > 2 and rng.random() < 0.3:
            a[1] = a[2]  # ties
        out.append(a)
    return out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_median_is_numpy_s_median() -> None:
    for a in _random_arrays(0, 5000, 15):
        expected = np.median(a) if a.size else np.nan
        got = M._median(a)
        assert (np.isnan(expected) and np.isnan(got)) or got == expected, a


def test_median_known_answers() -> None:
    assert M._median(np.array([3.0, 1.0, 2.0])) == 2.0
    assert M._median(np.array([4.0, 1.0, 3.0, 2.0])) == 2.5
    assert np.isnan(M._median(np.array([1.0, np.nan, 2.0])))
    assert np.isnan(M._median(np.array([])))


def test_row_medians_are_numpy_s() -> None:
    rng = np.random.default_rng(1)
    for _ in range(500):
        a = rng.normal(size=(int(rng.integers(1, 6)), int(rng.integers(1, 9))))
        assert np.array_equal(M._row_medians(a), np.median(a, axis=1))


def test_windows_are_the_sliding_window_view() -> None:
    x = np.arange(50.0)
    for w in (1, 2, 5, 50):
        assert np.array_equal(M._windows(x, w), np.lib.stride_tricks.sliding_window_view(x, w))
    big = np.arange(100_000.0)  # past the copying threshold: the read-only view itself
    assert not M._windows(big, 7).flags.writeable


def test_theil_sen_pairs_are_shared_but_read_only() -> None:
    i, j = M._pairs(6)
    assert M._pairs(6)[0] is i  # built once per length
    assert np.array_equal(i, np.triu_indices(6, k=1)[0])
    assert np.array_equal(j, np.triu_indices(6, k=1)[1])
    with pytest.raises(ValueError):
        i[0] = 3
    assert M.theil_sen(np.array([1.0, 3.0, 5.0, 70.0, 9.0])) == (2.0, 1.0)


@pytest.mark.parametrize("fn", ["trend", "loo_residuals"])
def test_a_caller_changing_a_result_does_not_change_the_next(fn: str) -> None:
    y = np.exp(-0.1 * np.arange(30.0)) + 0.01 * np.sin(np.arange(30.0))
    first = getattr(M, fn)(y, window=5)
    keep = first.copy()
    first[:] = 123.0
    again = getattr(M, fn)(y, window=5)
    assert np.array_equal(again, keep, equal_nan=True)


def test_badness_results_are_copies_too() -> None:
    y = np.array([1.0, 0.5, 0.25, 0.2])
    z, is_log = M.badness(y)
    z[:] = 0.0
    z2, is_log2 = M.badness(y)
    assert is_log and is_log2
    assert np.allclose(z2, np.log(y))


def test_the_memo_tells_windows_and_directions_apart() -> None:
    y = np.array([1.0, 9.0, 3.0, 4.0, 5.0, 2.0, 8.0])
    assert M.trend(y, window=3).tolist() != M.trend(y, window=5).tolist()
    assert M.badness(y, direction="lower")[0][0] != M.badness(y, direction="higher")[0][0]
    # start padded with the first value, end mirrored about the last: [1 | 1 9 ... 2 8 | 2]
    assert M.trend(y, window=3).tolist() == [1.0, 3.0, 4.0, 4.0, 4.0, 5.0, 2.0]


def test_the_memo_is_bounded_and_skips_long_series() -> None:
    for k in range(3 * M._MEMO_SIZE):
        M.trend(np.arange(10.0) + k, window=3)
    assert len(M._trend_memo) <= M._MEMO_SIZE
    long = np.arange(float(M._MEMO_POINTS + 1))
    assert np.array_equal(M.trend(long, window=3), M._trend(long, 3))
    assert np.array_equal(M.trend(long, window=3)[:-1], long[:-1])  # a line is its own trend
    assert all(len(key[0]) <= 8 * M._MEMO_POINTS for key in M._trend_memo)  # not kept


def test_the_index_slope_is_theil_sens_slope() -> None:
    # tail_slope and segment_slope take the slope against consecutive indices; the fast
    # path (pair gaps built once per length) must give theil_sen's number exactly, and
    # curves with a NaN or an inf, or longer than 1,000 points, go to theil_sen itself
    for a in [*_random_arrays(7, 400, 60), np.arange(1500.0) ** 0.5]:
        if a.size < 2:
            continue
        x = np.arange(3, 3 + a.size, dtype=np.float64)
        fast = M._index_slope(a, x)
        slow = M.theil_sen(a, x)[0]
        assert fast == slow or (np.isnan(fast) and np.isnan(slow))


def test_pairs_are_memoised_per_history_but_follow_its_names() -> None:
    from curvedoc.history import History, SourceInfo

    h = History(
        epochs=np.arange(3),
        epoch_series={"loss": np.ones(3), "val_loss": np.ones(3)},
        source=SourceInfo(path="-", format="test"),
    )
    first = h.pairs()
    first.clear()  # a caller's list is its own
    assert [(p.train, p.val) for p in h.pairs()] == [("loss", "val_loss")]
    h.epoch_series["accuracy"] = np.ones(3)  # new names: paired afresh
    assert [p.name for p in h.pairs()] == ["loss", "accuracy"]
