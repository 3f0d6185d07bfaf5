"""curvedoc.metrics: hand-computed answers for every public function, then properties.

The known answers are worked out by hand in the comments (small arrays, exact
arithmetic), so a failure points at the formula, not at a stored number. The property
tests run every scale-free measure over seeded random curves: constant curves, scaling a
loss by 1000, mirroring an accuracy curve, and NaN gaps.
"""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist

import numpy as np
import pytest

from curvedoc import metrics as M

LN = math.log
NAN = float("nan")


# -- helpers and windows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "kwargs", "expected"),
    [
        (30, {}, 3),  # round(3.0) = 3, odd
        (50, {}, 5),
        (60, {}, 7),  # 6 -> made odd by rounding up
        (4, {}, 3),  # the minimum, still <= n
        (2, {}, 1),  # minimum 3 > n = 2, n even -> n - 1
        (0, {}, 3),  # no data: the minimum
        (3000, {}, 201),  # clipped at the maximum
        (20, {"fraction": 0.5}, 11),  # 10 -> 11
    ],
)
def test_default_window(n: int, kwargs: dict[str, float], expected: int) -> None:
    assert M.default_window(n, **kwargs) == expected


def test_finite_drops_nan_and_inf_in_order() -> None:
    assert M.finite(np.array([NAN, -np.inf, 2.0, 3.0, np.inf, 1.0])).tolist() == [2.0, 3.0, 1.0]


def test_bin_means_averages_equal_bins_and_skips_nan() -> None:
    # k = ceil(7 / 3) = 3: [1,2,3] [4,5,6] [7]
    means, k = M.bin_means(np.arange(1.0, 8.0), max_points=3)
    assert k == 3
    assert means.tolist() == [2.0, 5.0, 7.0]
    # NaN skipped inside a bin; a bin of only NaN stays NaN
    means, k = M.bin_means(np.array([1.0, NAN, 3.0, NAN, NAN, NAN, 5.0]), max_points=3)
    assert k == 3
    assert means[0] == 2.0 and math.isnan(means[1]) and means[2] == 5.0
    # short series come back unchanged
    short = np.array([3.0, 1.0])
    out, k = M.bin_means(short, max_points=5)
    assert k == 1 and out.tolist() == [3.0, 1.0]


def test_badness_log_for_positive_losses_negated_for_higher_raw_otherwise() -> None:
    z, is_log = M.badness(np.array([1.0, 10.0, 100.0]))
    assert is_log
    assert z == pytest.approx([0.0, LN(10), 2 * LN(10)])
    z, is_log = M.badness(np.array([0.0, 1.0]))  # a zero loss cannot be logged
    assert not is_log and z.tolist() == [0.0, 1.0]
    z, is_log = M.badness(np.array([0.2, 0.9]), direction="higher")
    assert not is_log and z.tolist() == [-0.2, -0.9]
    z, _ = M.badness(np.array([-1.0, 2.0]), direction="unknown")
    assert z.tolist() == [-1.0, 2.0]
    # NaN does not stop a positive loss from being logged
    z, is_log = M.badness(np.array([1.0, NAN, math.e]))
    assert is_log and z[0] == 0.0 and math.isnan(z[1]) and z[2] == pytest.approx(1.0)


def test_robust_sd() -> None:
    # median 2, |x - 2| = [1,1,0,0,1,1], median 1 -> 1.4826
    assert M.robust_sd(np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])) == pytest.approx(M.MAD_TO_SD)
    # three of four equal: MAD 0 whatever the outlier
    assert M.robust_sd(np.array([0.0, 0.0, 0.0, 10.0])) == 0.0
    assert math.isnan(M.robust_sd(np.array([NAN, np.inf])))
    assert math.isclose(M.MAD_TO_SD, 1 / NormalDist().inv_cdf(0.75))
    assert math.isclose(M.MEANAD_TO_SD, math.sqrt(math.pi / 2))


# -- trend and residuals ---------------------------------------------------------------------


def test_trend_is_a_centred_running_median_start_repeated_end_mirrored() -> None:
    # windows (start repeats, end mirrors): [5,5,1] [5,1,4] [1,4,2] [4,2,3] [2,3,2]
    assert M.trend(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), window=3).tolist() == [5, 4, 2, 3, 2]
    # one jump in the last epoch does not become the trend
    assert M.trend(np.array([1.0, 1.0, 1.0, 1.0, 9.0]), window=5)[-1] == 1.0


def test_trend_skips_nan_and_keeps_it_in_place() -> None:
    # finite points [5,1,4,2]: medians of [5,5,1] [5,1,4] [1,4,2] [4,2,4]
    out = M.trend(np.array([5.0, NAN, 1.0, 4.0, 2.0]), window=3)
    assert math.isnan(out[1])
    assert out[[0, 2, 3, 4]].tolist() == [5.0, 4.0, 2.0, 4.0]


def test_residuals() -> None:
    assert M.residuals(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), window=3).tolist() == [0, -3, 2, -1, 1]


def test_rolling_variance_of_residuals_truncated_at_the_ends() -> None:
    # residuals [0,-3,2,-1,1]; population variances of [0,-3], [0,-3,2], [-3,2,-1],
    # [2,-1,1], [-1,1] = 9/4, 114/27, 114/27, 42/27, 1
    v = M.rolling_variance(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), window=3)
    assert v == pytest.approx([9 / 4, 114 / 27, 114 / 27, 42 / 27, 1])


def test_rolling_cv() -> None:
    # trend [10,10,12,10,12] (the end mirrors y[-2]), residuals [0,2,-2,2,-2]
    # variances [1, 8/3, 32/9, 32/9, 4]; cv = sqrt(v) / |trend|
    cv = M.rolling_cv(np.array([10.0, 12.0, 10.0, 12.0, 10.0]), window=3)
    expected = [0.1, math.sqrt(8 / 3) / 10, math.sqrt(32 / 9) / 12, math.sqrt(32 / 9) / 10, 2 / 12]
    assert cv == pytest.approx(expected)


def test_rolling_cv_is_nan_where_the_trend_is_zero() -> None:
    cv = M.rolling_cv(np.array([0.0, 0.0, 0.0, 1.0, 0.0]), window=3)
    assert math.isnan(cv[0])


def test_loo_residuals_leave_the_point_out_of_its_own_median() -> None:
    # h = 1: r[i] = y[i] - median(y[i-1], y[i+1]); the first and last points have
    # neighbours on one side only and are NaN: [nan, 1 - 4.5, 4 - 1.5, 2 - 3.5, 3 - 4, nan]
    r = M.loo_residuals(np.array([5.0, 1.0, 4.0, 2.0, 3.0, 6.0]), window=3)
    assert math.isnan(r[0]) and math.isnan(r[-1])
    assert r[1:-1].tolist() == [-3.5, 2.5, -1.5, -1.0]
    # NaN is skipped and kept in place: finite [5, 1, 4, 2] -> [nan, -3.5, 2.5, nan]
    r = M.loo_residuals(np.array([5.0, NAN, 1.0, 4.0, 2.0]), window=3)
    assert math.isnan(r[0]) and math.isnan(r[1]) and math.isnan(r[4])
    assert r[2:4].tolist() == [1.0 - 4.5, 4.0 - 1.5]
    assert np.isnan(M.loo_residuals(np.array([1.0, 2.0]), window=3)).all()
    # inside a straight line every residual is 0
    line = M.loo_residuals(np.arange(10.0), window=5)
    assert np.all(line[2:-2] == 0.0)


def test_residual_rms_counts_every_spike() -> None:
    # loo residuals of [2,2,2,2,5,2,2] (w=3): [nan,0,0,-1.5,3,-1.5,nan]; mean square 13.5 / 5
    y = np.array([2.0, 2.0, 2.0, 2.0, 5.0, 2.0, 2.0])
    assert M.residual_rms(y, window=3, direction="raw") == pytest.approx(math.sqrt(2.7))
    # from half-way (k = floor(2.5) = 2 of the 5 residuals): [-1.5, 3, -1.5] -> sqrt(13.5 / 3)
    late = M.residual_rms(y, window=3, direction="raw", start_fraction=0.5)
    assert late == pytest.approx(math.sqrt(4.5))
    assert math.isnan(M.residual_rms(np.array([1.0, 2.0, 3.0]), window=3))


def test_jitter_start_fraction_measures_the_later_run() -> None:
    # loo residuals of a loss that is smooth, then zig-zags by 0.1 in log space
    z = np.concatenate([-0.1 * np.arange(10.0), -1.0 + 0.05 * (-1.0) ** np.arange(10)])
    y = np.exp(z)
    assert M.jitter(y, window=3, start_fraction=0.5) > M.jitter(y, window=3)


# -- fluctuation size ------------------------------------------------------------------------


def test_jitter_of_a_log_loss_is_a_relative_size() -> None:
    # log loss z = [0,.2] * 4; leave-one-out residuals [nan,.2,-.2,.2,-.2,.2,-.2,nan]:
    # median 0, MAD .2 -> 1.4826 * .2
    y = np.exp(np.tile([0.0, 0.2], 4))
    assert M.jitter(y, window=3) == pytest.approx(0.2 * M.MAD_TO_SD)


def test_jitter_of_accuracy_is_in_accuracy_units() -> None:
    acc = np.tile([0.5, 0.6], 4)
    assert M.jitter(acc, window=3, direction="higher") == pytest.approx(0.1 * M.MAD_TO_SD)


def test_noise_to_signal() -> None:
    # trend [10,8,6,4,3,2,3,2,3,2]; residuals [0,0,0,0,-1,1,-1,1,-1,1]: mean 0,
    # mean square 0.6, population sd sqrt(0.6);
    # improvement max(t[:1]) - min(t) = 10 - 2 = 8
    y = np.array([10.0, 8.0, 6.0, 4.0, 2.0, 3.0, 2.0, 3.0, 2.0, 3.0])
    assert M.noise_to_signal(y, window=3, direction="raw") == pytest.approx(math.sqrt(0.6) / 8)


def test_noise_to_signal_without_improvement() -> None:
    rising = np.array([1.0, 2.0, 1.5, 3.0, 2.5, 4.0])
    assert M.noise_to_signal(rising, window=3, direction="raw") == math.inf
    assert math.isnan(M.noise_to_signal(np.ones(6), window=3))


# -- slopes ----------------------------------------------------------------------------------


def test_theil_sen_ignores_an_outlier() -> None:
    # pair slopes: six are 2, the others 25, 98/3, 48, 94 -> median 2; intercept
    # median(y - 2x) = median(0,0,0,0,92) = 0
    assert M.theil_sen(np.array([0.0, 2.0, 4.0, 6.0, 100.0])) == (2.0, 0.0)


def test_theil_sen_with_x_and_degenerate_inputs() -> None:
    assert M.theil_sen(np.array([1.0, 2.0, 3.0]), np.array([0.0, 10.0, 20.0])) == pytest.approx(
        (0.1, 1.0)
    )
    assert all(math.isnan(v) for v in M.theil_sen(np.array([1.0])))
    assert all(math.isnan(v) for v in M.theil_sen(np.array([1.0, 2.0]), np.array([3.0, 3.0])))
    with pytest.raises(ValueError, match="same length"):
        M.theil_sen(np.array([1.0, 2.0]), np.array([1.0]))


def test_theil_sen_on_long_series_stays_exact_for_a_line() -> None:
    x = np.arange(5000.0)
    slope, intercept = M.theil_sen(3.0 - 0.5 * x)
    assert slope == pytest.approx(-0.5)
    assert intercept == pytest.approx(3.0)


def test_tail_slope_reads_as_change_per_run_length() -> None:
    t = np.arange(50.0)
    y = np.exp(-0.02 * t)  # log falls 0.02 per epoch, 1.0 per run of 50
    assert M.tail_slope(y) == pytest.approx(-1.0)
    assert M.tail_slope(y, fraction=0.2) == pytest.approx(-1.0)
    assert M.tail_slope(y, per_run=False) == pytest.approx(-0.02)


def test_tail_slope_sees_a_flat_tail() -> None:
    t = np.arange(50.0)
    y = np.exp(-0.05 * np.minimum(t, 25.0))  # falls, then flat from epoch 25
    assert M.tail_slope(y, fraction=0.3) == pytest.approx(0.0, abs=1e-12)
    assert M.tail_slope(y) < -0.5


# -- train / validation -------------------------------------------------------------------------


def test_gap_for_a_loss() -> None:
    # log gap d = log(val / train) = log([1, 1.5, 2, 3]); best validation at index 0
    # slope over the last 3 points at x = 1,2,3: pair slopes log(2/1.5), log(3/1.5)/2,
    # log(3/2) -> median log(2)/2, times n = 4 -> 2 log 2
    g = M.gap(np.array([2.0, 2.0, 2.0, 2.0]), np.array([2.0, 3.0, 4.0, 6.0]), window=1)
    assert g.final_abs == pytest.approx(4.0)
    assert g.final_rel == pytest.approx(LN(3))
    assert g.best_rel == pytest.approx(0.0)
    assert g.slope == pytest.approx(2 * LN(2))


def test_gap_for_accuracy_is_positive_when_validation_is_worse() -> None:
    tr = np.array([0.5, 0.7, 0.8, 0.9])
    va = np.array([0.5, 0.6, 0.65, 0.7])
    g = M.gap(tr, va, direction="higher", window=1)
    assert g.final_abs == pytest.approx(0.2)
    assert g.final_rel == pytest.approx(0.2)


def test_gap_checks_its_inputs() -> None:
    with pytest.raises(ValueError, match="same length"):
        M.gap(np.ones(3), np.ones(4))
    g = M.gap(np.full(3, NAN), np.ones(3))
    assert math.isnan(g.final_abs) and math.isnan(g.slope)


def test_overfitting_onset_at_the_best_validation_point() -> None:
    tr = np.array([4.0, 3.0, 2.0, 1.5, 1.0, 0.8, 0.6])
    va = np.array([4.0, 3.0, 2.5, 2.6, 3.0, 3.5, 4.0])
    assert M.overfitting_onset(tr, va, window=1) == 2
    # validation that keeps improving has no onset
    assert M.overfitting_onset(tr, tr * 1.1, window=1) is None
    # a small rise (below min_rise) is not overfitting
    flatish = np.array([4.0, 3.0, 2.0, 2.01, 2.02, 2.02, 2.03])
    assert M.overfitting_onset(tr, flatish, window=1) is None


def test_overfitting_onset_for_accuracy() -> None:
    tr = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    va = np.array([0.5, 0.6, 0.7, 0.6, 0.5, 0.45, 0.4])
    assert M.overfitting_onset(tr, va, direction="higher", window=1) == 2


# -- spikes and oscillation ---------------------------------------------------------------------


def _one_spike() -> np.ndarray:
    # log values; index 5 jumps 1.5 above its neighbours
    return np.exp(np.array([0.0, 0.1, 0.0, 0.1, 0.0, 1.5, 0.0, 0.1, 0.0, 0.1]))


def test_spikes_finds_the_jump_with_its_robust_z() -> None:
    # trend [0,0,.1,0,.1,0,.1,0,.1,0]; residuals [0,.1,-.1,.1,-.1,1.5,-.1,.1,-.1,.1]
    # median .05, MAD .1 -> s = .14826; z at 5 = (1.5 - .05) / .14826
    s = M.spikes(_one_spike(), window=3)
    assert s.indices.tolist() == [5]
    assert s.z[0] == pytest.approx((1.5 - 0.05) / (0.1 * M.MAD_TO_SD))
    assert s.jump[0] == pytest.approx(1.5)
    assert s.count == 1
    assert s.largest == pytest.approx(1.5)


def test_spikes_only_count_worsening_jumps() -> None:
    dip = 1.0 / _one_spike()  # the same jump, downwards: an improvement, not a spike
    assert M.spikes(dip, window=3).count == 0
    acc = np.array([0.8, 0.81, 0.8, 0.81, 0.8, 0.3, 0.8, 0.81, 0.8, 0.81])
    s = M.spikes(acc, window=3, direction="higher")
    assert s.indices.tolist() == [5]
    assert M.spikes(1.6 - acc, window=3, direction="higher").count == 0


def test_spikes_on_a_smooth_curve_and_thresholds() -> None:
    smooth = np.exp(-0.1 * np.arange(20.0))
    assert M.spikes(smooth, window=3).count == 0
    # more than half the residuals are exactly 0 there (MAD = 0): a jump is still found
    jumped = smooth.copy()
    jumped[12] *= 1.5
    found = M.spikes(jumped, window=5)
    assert found.indices.tolist() == [12]
    # log values around it: -1.0, -1.1, -1.2 + log 1.5, -1.3, -1.4; the median is -1.1
    assert found.jump[0] == pytest.approx(LN(1.5) - 0.1)
    assert M.spikes(_one_spike(), window=3, z_threshold=20.0).count == 0
    assert M.spikes(_one_spike(), window=3, min_jump=2.0).count == 0
    empty = M.spikes(np.array([1.0, 2.0]), window=3)
    assert empty.count == 0 and empty.largest == 0.0


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([1.0, 2.0, 3.0, 2.0, 3.0, 4.0], 0.5),  # d = [1,1,-1,1,1]: 2 changes in 4
        ([1.0, 1.0, 2.0, 2.0, 1.0], 1.0),  # zero steps dropped: [1,-1]
        ([1.0, NAN, 2.0, 1.0], 1.0),  # NaN skipped
        ([5.0, 4.0, 3.0], 0.0),
    ],
)
def test_sign_change_rate(y: list[float], expected: float) -> None:
    assert M.sign_change_rate(np.array(y)) == expected


def test_sign_change_rate_needs_two_steps() -> None:
    assert math.isnan(M.sign_change_rate(np.array([1.0, 2.0])))
    assert math.isnan(M.sign_change_rate(np.array([1.0, 1.0, 1.0, 1.0])))


def test_lag1_autocorr() -> None:
    # mean 2.5, c = [-1.5,-.5,.5,1.5]: sum c_t c_t+1 = 1.25, sum c^2 = 5
    assert M.lag1_autocorr(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.25)
    assert math.isnan(M.lag1_autocorr(np.array([1.0, 2.0])))
    assert math.isnan(M.lag1_autocorr(np.array([3.0, 3.0, 3.0])))


def test_residual_autocorr() -> None:
    # trend [0,0,1,0,1,0,1,0]; residuals [0,1,-1,1,-1,1,-1,1]: mean 1/8,
    # sum of squares of deviations 6.875, lag-1 products -6.015625: -0.875
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    assert M.residual_autocorr(y, window=3, direction="raw") == pytest.approx(-0.875)


# -- divergence and convergence -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([1.0, 0.5, np.inf, NAN], 2),  # inf
        ([1.0, 0.5, -np.inf, 0.4], 2),  # inf is never a missing value
        ([1.0, 0.9, NAN, NAN, NAN], 2),  # NaN to the end of a dense series
        ([1.0, 0.9, 0.8, NAN], 3),  # TerminateOnNaN: one trailing NaN
        ([NAN, 1.0, 0.5], None),  # starts later
        ([1.0, NAN, 0.5, 0.4], None),  # a missing value in the middle
        ([1.0, NAN, 0.5, 0.4, NAN, 0.3], None),
        # validation every 3 epochs (values at 2, 5, 8) and one trailing missing epoch
        ([NAN, NAN, 0.5, NAN, NAN, 0.4, NAN, NAN, 0.3, NAN], None),
        # ... and the same run blowing up: nothing finite after epoch 2
        ([NAN, NAN, 0.5, NAN, NAN, NAN, NAN, NAN, NAN, NAN], 3),
        ([NAN, NAN], None),  # nothing known
        ([], None),
    ],
)
def test_first_nonfinite(y: list[float], expected: int | None) -> None:
    assert M.first_nonfinite(np.array(y, dtype=np.float64)) == expected


def test_sustained_rise() -> None:
    # log trend ends at log 8, best log 2: log 4
    assert M.sustained_rise(np.array([8.0, 4.0, 2.0, 4.0, 8.0]), window=1) == pytest.approx(LN(4))
    assert M.sustained_rise(np.array([8.0, 4.0, 2.0]), window=1) == 0.0
    assert math.isnan(M.sustained_rise(np.array([NAN, NAN])))


def test_rise_share() -> None:
    # climbed all the way back: the fall 8 -> 2 given back in full
    assert M.rise_share(np.array([8.0, 4.0, 2.0, 4.0, 8.0]), window=1) == pytest.approx(1.0)
    # fell 4 -> 1, ended at 1.25: a quarter of a unit of a three-unit fall
    assert M.rise_share(np.array([4.0, 2.0, 1.0, 1.0, 1.25]), window=1) == pytest.approx(1 / 12)
    # the same drift in log units (22 %) after a tenfold fall is a fortieth of the fall
    drift = np.array([10.0, 5.0, 2.0, 1.0, 1.0, 1.22, 1.22, 1.22])
    assert M.rise_share(drift, window=1) == pytest.approx(0.22 / 9)
    # the fall is measured from the highest single value, which a window median would hide
    assert M.rise_share(np.array([10.0, 1.0, 1.0, 1.0, 1.5, 1.5, 1.5]), window=3) == (
        pytest.approx(0.5 / 9)
    )
    assert M.rise_share(np.array([8.0, 4.0, 2.0]), window=1) == 0.0  # ended at its best
    assert M.rise_share(np.array([1.0, 2.0, 3.0]), window=1) == math.inf  # never fell
    # higher is better: accuracy 0.5 -> 0.9 -> 0.8 gave back a quarter of its climb
    acc = np.array([0.5, 0.9, 0.8])
    assert M.rise_share(acc, window=1, direction="higher") == pytest.approx(0.25)
    # scale-free: the share does not change with the loss's units
    assert M.rise_share(1000 * drift, window=1) == pytest.approx(0.22 / 9)
    assert math.isnan(M.rise_share(np.array([NAN, NAN])))


def test_improvement() -> None:
    assert M.improvement(np.array([10.0, 5.0, 1.0, 2.0]), window=1) == pytest.approx(LN(10))
    assert M.improvement(np.array([1.0, 2.0, 3.0]), window=1) == 0.0
    acc = np.array([0.5, 0.7, 0.9])
    assert M.improvement(acc, window=1, direction="higher") == pytest.approx(0.4)


def test_plateau_onset() -> None:
    # total improvement 8; 95 % = 7.6 is first reached at index 3 (10 - 2.2 = 7.8)
    y = np.array([10.0, 6.0, 3.0, 2.2, 2.0, 2.0, 2.0, 2.0])
    assert M.plateau_onset(y, window=1, direction="raw") == 3
    assert M.plateau_onset(y, window=1, direction="raw", share=0.5) == 1  # 10 - 6 = 4 >= 4
    assert M.plateau_onset(np.array([1.0, 2.0, 3.0]), window=1, direction="raw") is None
    assert M.plateau_onset(np.array([5.0]), window=1) is None


# -- batches ----------------------------------------------------------------------------------


def test_segment_spread() -> None:
    # segment 0: a straight line in log space -> 0
    # segment 1 (raw): y = [0,1,0,1] on x = [0,1,2,3]: sxx 5, sxy 1, syy 1,
    #   residual SS = 1 - 1/5 = 0.8 over 4 - 2 dof -> sqrt(0.4)
    # segment 2: two values -> NaN
    seg0 = np.exp(np.array([0.0, 1.0, 2.0, 3.0]))
    v = np.concatenate([seg0, np.exp([0.0, 1.0, 0.0, 1.0]), [1.0, 2.0]])
    out = M.segment_spread(v, np.array([0, 4, 8]))
    assert out[0] == pytest.approx(0.0, abs=1e-12)
    assert out[1] == pytest.approx(math.sqrt(0.4))
    assert math.isnan(out[2])
    raw = M.segment_spread(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0]), log=False)
    assert raw[0] == pytest.approx(math.sqrt(0.4))


def test_segment_spread_handles_empty_segments_and_checks_order() -> None:
    v = np.array([0.0, 1.0, 0.0, 1.0])
    out = M.segment_spread(v, np.array([0, 0]), log=False)  # first segment empty
    assert math.isnan(out[0]) and out[1] == pytest.approx(math.sqrt(0.4))
    with pytest.raises(ValueError, match="increasing"):
        M.segment_spread(v, np.array([2, 0]), log=False)
    assert np.isnan(M.segment_spread(np.zeros(0), np.array([0]))).all()


def test_tail_heaviness() -> None:
    # sorted 10 zeros, 9 ones, 100: q25 0, q50 0.5, q75 1, q99 = 1 + .81 * 99 = 81.19
    v = np.array([0.0] * 10 + [1.0] * 9 + [100.0])
    assert M.tail_heaviness(v, log=False) == pytest.approx((81.19 - 0.5) / 1.0)
    assert M.tail_heaviness(np.arange(20.0), log=False) == pytest.approx(0.98)
    assert math.isnan(M.tail_heaviness(np.arange(10.0), log=False))
    assert math.isnan(M.tail_heaviness(np.ones(30), log=False))


def test_windows_is_a_view() -> None:
    y = np.arange(5.0)
    w = M.windows(y, 3)
    assert w.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert np.shares_memory(w, y)


def test_one_dimensional_input_is_required() -> None:
    with pytest.raises(ValueError, match="1-D"):
        M.jitter(np.ones((3, 3)))
    with pytest.raises(ValueError, match="train must be 1-D"):
        M.gap(np.ones((2, 2)), np.ones(4))


# -- properties over all measures ------------------------------------------------------------

SCALE_FREE = {
    "jitter": lambda y, w: M.jitter(y, window=w),
    "jitter_late": lambda y, w: M.jitter(y, window=w, start_fraction=0.5),
    "residual_rms": lambda y, w: M.residual_rms(y, window=w),
    "noise_to_signal": lambda y, w: M.noise_to_signal(y, window=w),
    "sign_change_rate": lambda y, w: M.sign_change_rate(y),
    "residual_autocorr": lambda y, w: M.residual_autocorr(y, window=w),
    "tail_slope": lambda y, w: M.tail_slope(y, fraction=0.3),
    "tail_slope_all": lambda y, w: M.tail_slope(y),
    "segment_slope_early": lambda y, w: M.segment_slope(y, stop=1 / 3),
    "segment_slope_late": lambda y, w: M.segment_slope(y, start=2 / 3),
    "net_change": lambda y, w: M.net_change(y),
    "sustained_rise": lambda y, w: M.sustained_rise(y, window=w),
    "improvement": lambda y, w: M.improvement(y, window=w),
    "plateau_onset": lambda y, w: M.plateau_onset(y, window=w),
    "first_nonfinite": lambda y, w: M.first_nonfinite(y),
    "spike_indices": lambda y, w: M.spikes(y, window=w).indices.tolist(),
    "spike_z": lambda y, w: M.spikes(y, window=w).z.tolist(),
    "rolling_cv": lambda y, w: M.rolling_cv(y, window=w).tolist(),
    "segment_spread": lambda y, w: M.segment_spread(y, np.arange(0, y.size, 7)).tolist(),
    "tail_heaviness": lambda y, w: M.tail_heaviness(y),
}


def _noisy_loss(seed: int, n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    y = (0.05 + np.exp(-0.07 * t)) * np.exp(0.08 * rng.standard_normal(n))
    y[rng.integers(5, n - 5)] *= 4.0  # one spike
    return y


def _same(a: object, b: object) -> bool:
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", sorted(SCALE_FREE))
def test_scaling_a_loss_by_1000_changes_no_scale_free_measure(name: str, seed: int) -> None:
    y = _noisy_loss(seed)
    f = SCALE_FREE[name]
    assert _same(f(y, 7), f(1000.0 * y, 7)), name


@pytest.mark.parametrize("seed", range(6))
def test_scaling_leaves_pair_measures_unchanged(seed: int) -> None:
    tr = _noisy_loss(seed)
    t = np.arange(tr.size, dtype=np.float64)
    # validation falls, bottoms out near epoch 28, then climbs: an overfitting run
    va = (0.1 + np.exp(-0.07 * t) + 0.01 * t) * np.exp(0.02 * np.sin(7.0 * t + seed))
    g1, g2 = M.gap(tr, va, window=7), M.gap(1000 * tr, 1000 * va, window=7)
    assert g1.final_rel == pytest.approx(g2.final_rel)
    assert g1.best_rel == pytest.approx(g2.best_rel)
    assert g1.slope == pytest.approx(g2.slope)
    assert g2.final_abs == pytest.approx(1000 * g1.final_abs)  # the absolute gap is not scale-free
    on1 = M.overfitting_onset(tr, va, window=7)
    assert on1 is not None
    assert on1 == M.overfitting_onset(1000 * tr, 1000 * va, window=7)


@pytest.mark.parametrize("value", [1e-6, 0.5, 3.0, 1e6])
@pytest.mark.parametrize("n", [5, 20, 101])
def test_a_constant_series_has_no_fluctuation_and_no_slope(value: float, n: int) -> None:
    y = np.full(n, value)
    assert M.jitter(y) == 0.0
    assert np.isnan(M.residual_rms(y)) or M.residual_rms(y) == 0.0
    assert M.jitter(y, direction="higher") == 0.0
    assert np.all(M.rolling_variance(y)[~np.isnan(M.rolling_variance(y))] == 0.0)
    assert np.all(M.rolling_cv(y) == 0.0)
    assert M.tail_slope(y) == 0.0
    assert M.tail_slope(y, fraction=0.3) == 0.0
    assert M.theil_sen(y)[0] == 0.0
    assert M.spikes(y).count == 0
    assert M.improvement(y) == 0.0
    assert M.sustained_rise(y) == 0.0
    assert M.plateau_onset(y) is None
    assert M.first_nonfinite(y) is None
    assert M.overfitting_onset(y, y) is None
    assert M.gap(y, y).final_abs == 0.0
    assert math.isnan(M.sign_change_rate(y))
    assert math.isnan(M.residual_autocorr(y))
    assert math.isnan(M.noise_to_signal(y))
    spread = M.segment_spread(y, np.array([0]))
    assert spread[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_higher_is_better_is_the_mirror_of_lower_is_better(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    acc = 0.95 - 0.5 * np.exp(-0.1 * np.arange(n)) + 0.01 * rng.standard_normal(n)
    acc[20] -= 0.2  # a drop: a spike for accuracy
    err = 1.0 - acc  # the same curve, lower is better, not log-scaled ("raw")
    assert M.jitter(acc, direction="higher") == pytest.approx(M.jitter(err, direction="raw"))
    assert M.residual_rms(acc, direction="higher") == pytest.approx(
        M.residual_rms(err, direction="raw")
    )
    assert M.noise_to_signal(acc, direction="higher") == pytest.approx(
        M.noise_to_signal(err, direction="raw")
    )
    assert M.tail_slope(acc, direction="higher") == pytest.approx(
        M.tail_slope(err, direction="raw")
    )
    assert M.tail_slope(acc, direction="higher") < 0  # improving reads as negative
    assert M.improvement(acc, direction="higher") == pytest.approx(
        M.improvement(err, direction="raw")
    )
    assert M.plateau_onset(acc, direction="higher") == M.plateau_onset(err, direction="raw")
    s_acc = M.spikes(acc, direction="higher")
    assert 20 in s_acc.indices.tolist()
    assert s_acc.indices.tolist() == M.spikes(err, direction="raw").indices.tolist()
    assert M.residual_autocorr(acc, direction="higher") == pytest.approx(
        M.residual_autocorr(err, direction="raw")
    )
    va = acc - np.linspace(0.0, 0.3, n)  # validation accuracy falls away
    assert M.overfitting_onset(acc, va, direction="higher") == M.overfitting_onset(
        err, 1.0 - va, direction="raw"
    )
    assert M.gap(acc, va, direction="higher").final_abs == pytest.approx(
        M.gap(err, 1.0 - va, direction="raw").final_abs
    )
    assert M.gap(acc, va, direction="higher").final_abs > 0


@pytest.mark.parametrize("seed", range(5))
def test_nan_gaps_are_skipped(seed: int) -> None:
    """Removing values (NaN in place) measures the same as the series without them."""
    rng = np.random.default_rng(seed)
    y = _noisy_loss(seed)
    gaps = np.sort(rng.choice(np.arange(1, y.size - 1), size=8, replace=False))
    holed = y.copy()
    holed[gaps] = NAN
    compact = np.delete(y, gaps)
    w = 7
    assert M.jitter(holed, window=w) == pytest.approx(M.jitter(compact, window=w))
    assert M.noise_to_signal(holed, window=w) == pytest.approx(M.noise_to_signal(compact, window=w))
    assert M.sign_change_rate(holed) == pytest.approx(M.sign_change_rate(compact))
    assert M.residual_autocorr(holed, window=w) == pytest.approx(
        M.residual_autocorr(compact, window=w)
    )
    assert M.improvement(holed, window=w) == pytest.approx(M.improvement(compact, window=w))
    assert M.sustained_rise(holed, window=w) == pytest.approx(M.sustained_rise(compact, window=w))
    keep = np.setdiff1d(np.arange(y.size), gaps)
    assert M.trend(holed, window=w)[keep] == pytest.approx(M.trend(compact, window=w))
    assert M.first_nonfinite(holed) is None
    # spikes are reported at their positions in the holed array
    assert M.spikes(holed, window=w).indices.tolist() == [
        int(keep[i]) for i in M.spikes(compact, window=w).indices
    ]
    # the slope of an exact exponential is the same whichever epochs are missing
    clean = np.exp(-0.03 * np.arange(60.0))
    clean_holed = clean.copy()
    clean_holed[gaps] = NAN
    assert M.tail_slope(clean_holed) == pytest.approx(M.tail_slope(clean))


ALL_NAN_SAFE = [
    lambda y: M.jitter(y),
    lambda y: M.residual_rms(y),
    lambda y: M.loo_residuals(y),
    lambda y: M.noise_to_signal(y),
    lambda y: M.sign_change_rate(y),
    lambda y: M.residual_autocorr(y),
    lambda y: M.tail_slope(y),
    lambda y: M.segment_slope(y, stop=0.5),
    lambda y: M.net_change(y),
    lambda y: M.sustained_rise(y),
    lambda y: M.improvement(y),
    lambda y: M.plateau_onset(y),
    lambda y: M.first_nonfinite(y),
    lambda y: M.spikes(y).count,
    lambda y: M.rolling_cv(y),
    lambda y: M.rolling_variance(y),
    lambda y: M.trend(y),
    lambda y: M.robust_sd(y),
    lambda y: M.theil_sen(y),
    lambda y: M.gap(y, y),
    lambda y: M.overfitting_onset(y, y),
    lambda y: M.segment_spread(y, np.array([0])),
    lambda y: M.tail_heaviness(y),
    lambda y: M.bin_means(y, max_points=2),
]


@pytest.mark.parametrize("y", [np.zeros(0), np.full(7, NAN), np.array([1.0]), np.array([1.0, 2.0])])
@pytest.mark.parametrize("index", range(len(ALL_NAN_SAFE)))
def test_every_measure_accepts_empty_all_nan_and_tiny_input(y: np.ndarray, index: int) -> None:
    with np.errstate(all="raise"):  # no hidden division by zero either
        ALL_NAN_SAFE[index](y)


# -- doctests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module_name",
    ["curvedoc.metrics", "curvedoc.names", "curvedoc.loaders.series", "curvedoc.history"],
)
def test_doctests(module_name: str) -> None:
    """The formulas' doctest examples hold (run here so no ``--doctest-modules`` is needed)."""
    import importlib

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module_name != "curvedoc.history":
        assert result.attempted > 0


class TestFractionDenominator:
    """``fraction_denominator``: the sample count behind an accuracy's k/n steps."""

    @pytest.mark.parametrize("n", [10, 37, 100, 359, 1440, 5000])
    def test_recovers_n_from_rounded_fractions(self, n: int) -> None:
        k = np.random.default_rng(n).integers(0, n + 1, size=25)
        assert M.fraction_denominator(np.round(k / n, 6)) == n

    def test_float32_values_as_keras_logs_them(self) -> None:
        k = np.array([31, 47, 52, 60, 66, 71, 74, 77])
        assert M.fraction_denominator((k / 80).astype(np.float32)) == 80

    def test_no_answer_for_arbitrary_reals_or_too_few_values(self) -> None:
        rng = np.random.default_rng(0)
        assert M.fraction_denominator(rng.random(20)) is None
        assert M.fraction_denominator(np.array([0.5, 0.25, 0.75])) is None  # 3 distinct
        assert M.fraction_denominator(np.array([0.2, 0.4, 1.5, 0.6, 0.8])) is None  # > 1

    def test_the_smallest_fitting_denominator(self) -> None:
        # quarters are also eighths; the smallest fitting n is the answer
        assert M.fraction_denominator(np.array([0.25, 0.5, 0.75, 0.125, 0.375])) == 8


def test_one_class_entropy_known_answers() -> None:
    # balanced K classes: ln K; 0.4: two classes at 0.4 and one at 0.2
    assert M.one_class_entropy(0.5) == pytest.approx(math.log(2))
    assert M.one_class_entropy(0.25) == pytest.approx(math.log(4))
    expected = -2 * 0.4 * math.log(0.4) - 0.2 * math.log(0.2)
    assert M.one_class_entropy(0.4) == pytest.approx(expected)
    # above one half: the binary entropy
    assert M.one_class_entropy(0.9) == pytest.approx(-0.9 * math.log(0.9) - 0.1 * math.log(0.1))
    assert M.one_class_entropy(1.0) == 0.0
    assert math.isnan(M.one_class_entropy(0.0)) and math.isnan(M.one_class_entropy(1.5))
