"""Small helpers shared by the rule modules."""

from __future__ import annotations

import math

from curvedoc.analysis import Measurements, PairMeasures, SeriesMeasures


def primary(m: Measurements) -> PairMeasures | None:
    """The pair rules judge first (the loss)."""
    return m.primary


def finite(x: float | None) -> bool:
    """Whether ``x`` is a finite number."""
    return x is not None and math.isfinite(x)


def log_pair(m: Measurements, min_points: int = 6) -> PairMeasures | None:
    """The primary pair when both sides are finite log-scale losses, else None.

    Both sides never NaN or inf after they start, with at least ``min_points`` finite
    values each: the pairs whose slopes, bends and gap the shape rules compare.
    """
    p = primary(m)
    if p is None or p.train is None or p.val is None:
        return None
    tr, va = p.train, p.val
    if not (tr.is_log and va.is_log) or tr.nonfinite_any or va.nonfinite_any:
        return None
    if tr.n_finite < min_points or va.n_finite < min_points:
        return None
    return p


VISIBLE_RISE = 0.2
"""A climb from the best counts as seen when it gave back at least a fifth of the fall
before the best, in the loss's own units (:func:`curvedoc.metrics.rise_share`): on the
ordinary linear plot of the curve that is a climb a person sees. A loss that fell tenfold
and then drifted 22 % up has given back a fortieth of its fall, a flat tail on the plot:
still worth an EarlyStopping (info), not a sick run (CD201, CD202, CD208 and CD403 are
warnings only for a climb that shows)."""


def rise_visible(s: SeriesMeasures) -> bool:
    """Whether a validation curve's climb from its best shows on its linear plot.

    True when the climb gave back :data:`VISIBLE_RISE` or more of the fall before the best,
    or when the share is unknown (nothing is hidden on a lack of evidence).
    """
    return not finite(s.rise_share) or s.rise_share >= VISIBLE_RISE


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi``, linear between and clipped (either direction).

    >>> ramp(5, 0, 10), ramp(-1, 0, 10), ramp(20, 10, 0)
    (0.5, 0.0, 0.0)
    """
    if not math.isfinite(x):
        return 0.0
    if hi == lo:
        return 1.0 if x >= hi else 0.0
    t = (x - lo) / (hi - lo)
    return max(0.0, min(1.0, t))


def up(x: float) -> str:
    """A log-space rise as a percentage, without a sign: 0.2 -> '22%'."""
    return f"{math.expm1(x) * 100:.0f}%"


def down(x: float) -> str:
    """A log-space fall (an improvement) as the share it fell by: log 4 -> '75%'."""
    return f"{-math.expm1(-x) * 100:.0f}%"


def pct(x: float) -> str:
    """A log-space size as a percentage: 0.1 -> '+11%' (exp(0.1) - 1)."""
    return f"{math.expm1(x) * 100:+.0f}%"


def rel(x: float) -> str:
    """A log-space jitter as an approximate +/- percentage: 0.05 -> '±5%'."""
    return f"±{math.expm1(abs(x)) * 100:.0f}%" if math.isfinite(x) else "n/a"


def epoch_list(
    m: Measurements, indices: tuple[int, ...] | list[int], limit: int = 12
) -> tuple[int, ...]:
    """Absolute epochs of measured indices (at most ``limit``)."""
    out = []
    for i in list(indices)[:limit]:
        e = m.epoch_at(i)
        if e is not None:
            out.append(e)
    return tuple(out)


def is_log_loss(s: SeriesMeasures | None) -> bool:
    """Whether the series was measured in log space (a positive loss)."""
    return s is not None and s.is_log


def r4(x: float | None) -> float | None:
    """Round for evidence (None and non-finite pass through)."""
    if x is None:
        return None
    if not math.isfinite(x):
        return x
    return round(x, 4)


TROUBLE_JITTER = 0.05
"""Late training-loss jitter (log units, ±5 %) that context rules count as trouble."""
TROUBLE_RISE = 0.1
"""A loss ending this far (log units, about 11 %) above its best counts as trouble."""
TROUBLE_LITTLE = math.log(4.0)
"""A training loss that fell less than 4x counts as trouble (too little learned)."""
TROUBLE_VAL_WIGGLE = 0.08
"""A validation loss wiggling more than this (log units) counts as trouble."""
TROUBLE_STRAIGHT = 0.6
"""A late slope at least this share of the early one: a straight line, no bend."""
TROUBLE_TRAIN_OVER_VAL = math.log(1.5)
"""A training loss 1.5x the validation loss over the second half counts as trouble."""


def curve_troubles(m: Measurements) -> list[tuple[str, str]]:
    """``(kind, reason)`` for each way the loss curves look troubled (empty when they look fine).

    Kinds: ``nonfinite``, ``train_rise``, ``train_jitter``, ``little_improvement``,
    ``straight``, ``val_rise``, ``val_wiggle``, ``train_over_val``. Context rules use it to
    decide whether a suspicious setting actually hurt: a setting that breaks no visible
    part of the run is reported as info, not as a problem.
    """
    p = m.primary
    out: list[tuple[str, str]] = []
    if p is None or p.train is None:
        return out
    tr, va = p.train, p.val
    if tr.nonfinite_any or (va is not None and va.nonfinite_any):
        out.append(("nonfinite", "the loss became NaN/inf"))
        return out
    if finite(tr.rise) and tr.rise > TROUBLE_RISE:
        out.append(("train_rise", f"the training loss ended {pct(tr.rise)} above its best"))
    if finite(tr.jitter_tail) and tr.jitter_tail > TROUBLE_JITTER:
        out.append(("train_jitter", f"the training loss jitters {rel(tr.jitter_tail)}"))
    if finite(tr.improvement) and tr.is_log and tr.improvement < TROUBLE_LITTLE:
        out.append(("little_improvement", f"the training loss fell only {down(tr.improvement)}"))
    if tr.is_log and finite(tr.bend) and tr.bend >= TROUBLE_STRAIGHT:
        out.append(("straight", "the training loss falls as a straight line on a log axis"))
    if va is not None and va.is_log:
        if finite(va.rise) and va.rise > TROUBLE_RISE:
            out.append(("val_rise", f"the validation loss ended {pct(va.rise)} above its best"))
        if finite(va.wiggle) and va.wiggle > TROUBLE_VAL_WIGGLE:
            out.append(("val_wiggle", f"the validation loss wiggles {rel(va.wiggle)}"))
        if finite(p.gap_late) and -p.gap_late > TROUBLE_TRAIN_OVER_VAL:
            out.append(
                (
                    "train_over_val",
                    f"the training loss sits {math.exp(-p.gap_late):.1f}x above validation",
                )
            )
    return out


def curve_trouble(m: Measurements) -> list[str]:
    """The reasons of :func:`curve_troubles`, for messages."""
    return [reason for _, reason in curve_troubles(m)]


ACCURACY_STEADY = 0.02
"""Accuracy that wiggles less than two points and ends within three of its best is steady."""


def accuracy_steady(m: Measurements, side: str) -> bool:
    """Whether a classifier's accuracy on ``side`` (``train`` or ``val``) is steady late on.

    A loss near zero jumps by large factors when a few already-correct samples change
    their confidence; the accuracy shows whether the model's decisions actually moved.
    False when there is no accuracy series.
    """
    p = m.accuracy_pair()
    s = None if p is None else (p.train if side == "train" else p.val)
    if s is None or s.n_finite < 6:
        return False
    jit = s.jitter_tail if finite(s.jitter_tail) else s.jitter
    steady_rise = finite(s.rise) and s.rise < 1.5 * ACCURACY_STEADY
    return finite(jit) and jit < ACCURACY_STEADY and steady_rise


def decisions_hold(m: Measurements) -> bool:
    """Whether a rising validation loss leaves a classifier's decisions as good as at its best.

    True when the validation accuracy is steady (:func:`accuracy_steady`): it wiggles less
    than two points and ends within three of its best. A validation cross-entropy then
    climbs because the model grows over-confident on the few samples it gets wrong, which
    early stopping on the loss would trim but which costs no accuracy: the loss-rise rules
    report it as info, not as a problem. Not when the accuracies themselves are far apart
    (training more than :data:`ACCURACY_GAP_SMALL` above validation): a model that gets its
    training set right and a sixth of the validation set wrong has memorised, however steady
    its validation accuracy. False for regressions and runs without accuracy.
    """
    if not accuracy_steady(m, "val"):
        return False
    p = m.accuracy_pair()
    if p is None or p.train is None or p.val is None:
        return True
    gap = p.train.last - p.val.last
    return not (finite(gap) and gap > ACCURACY_GAP_SMALL)


ACCURACY_GAP_SMALL = 0.05
"""A final training accuracy at most five points above the validation accuracy: the model
decides about as well on unseen data as on what it trained on."""


HOLDS_NOTE = " (validation accuracy holds near its best: growing over-confidence, noted)"
"""What the loss-rise rules add to their message when :func:`decisions_hold`."""
