"""Measure a History: every metric the rules need, computed once.

:func:`measure` turns a :class:`~curvedoc.history.History` into :class:`Measurements`:
per-series fluctuation numbers, per-pair gap numbers, per-batch spread, and the facts
read from the recorded context. Rules only read Measurements; they never touch arrays.
Long series (more than :data:`MAX_POINTS` epochs) are first averaged into bins so that
every metric stays vectorised and bounded in cost.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from curvedoc import metrics as M
from curvedoc.context import ContextFacts, read_context
from curvedoc.history import History, MetricPair
from curvedoc.report import MIN_EPOCHS, PairStats, RunStats, SeriesStats

MAX_POINTS = 2000
"""Epoch series longer than this are averaged into this many bins before measuring."""


WINDOW_FRACTION = 0.1
"""Trend window as a share of the run length (at least 3 points)."""

LOG_FLOOR_SHARE = 0.01
"""Losses are measured as ``log(loss + floor)`` with ``floor`` this share of the starting
training loss. Relative changes count while the loss is a visible part of where it
started; below 1 % of the start, a change is invisible on a plot of the curve, so a
classifier that has fitted its training set (loss 0.01 jumping to 0.03 after starting at
1.4) is not "unstable" in any sense a person would see."""


@dataclass(frozen=True)
class SeriesMeasures:
    """Fluctuation measures of one series (``loss``, ``val_accuracy``, ...).

    All values are in badness space (``metrics.badness``): log units for a positive
    lower-is-better series, metric units (sign flipped) for higher-is-better ones.
    """

    key: str
    direction: str
    is_log: bool
    n: int
    n_finite: int
    first: float
    last: float
    best: float
    best_index: int
    jitter: float
    jitter_tail: float
    wiggle: float
    nsr: float
    sign_change_rate: float
    resid_autocorr: float
    improvement: float
    slope_all: float
    slope_tail: float
    rise: float
    plateau_index: int | None
    half_share: float
    nonfinite_index: int | None
    spike_indices: tuple[int, ...]
    spike_jumps: tuple[float, ...]
    spike_z: tuple[float, ...]
    net: float = float("nan")
    """Badness of the last three epochs (median) minus the first epoch's: > 0 ended worse."""
    slope_early: float = float("nan")
    """Theil–Sen slope over the first third of the run, per run length (badness space)."""
    slope_late: float = float("nan")
    """Theil–Sen slope over the last third of the run, per run length."""
    nonfinite_any: bool = False
    """A NaN or inf anywhere in the series after it started (the first epoch included)."""
    spread: float = float("nan")
    """Range of the finite values (series units): 0 for a series that never moved."""
    spread_after_first: float = float("nan")
    """Range of the finite values after the first one (series units). The first epoch of a
    classifier that learns nothing still moves it, to the class frequencies; from then on
    a model that answers one class does not move at all."""
    drop_after_first: float = float("nan")
    """How far the series got below its second finite value (badness units, >= 0): the
    learning done after the first epoch. NaN with fewer than two finite values."""
    rise_share: float = float("nan")
    """The end's climb above the best as a share of the fall before the best, in the
    series' own units (:func:`curvedoc.metrics.rise_share`): whether the rise shows on a
    linear plot of the curve."""

    @property
    def bend(self) -> float:
        """Late slope over early slope: near 1 a straight line, near 0 a curve that levelled.

        NaN unless the early part fell (negative early slope).
        """
        if not (math.isfinite(self.slope_early) and math.isfinite(self.slope_late)):
            return float("nan")
        if self.slope_early >= 0:
            return float("nan")
        return self.slope_late / self.slope_early

    @property
    def osc_share(self) -> float:
        """The wiggle as a share of the total improvement (inf when nothing improved)."""
        if not math.isfinite(self.wiggle):
            return float("nan")
        if not math.isfinite(self.improvement) or self.improvement <= 0:
            return math.inf if self.wiggle > 0 else float("nan")
        return self.wiggle / self.improvement


@dataclass(frozen=True)
class PairMeasures:
    """A train/validation pair and how the two sides relate."""

    name: str
    direction: str
    train: SeriesMeasures | None
    val: SeriesMeasures | None
    gap_final: float
    gap_rel_final: float
    gap_rel_best: float
    gap_slope: float
    onset_index: int | None
    val_rise: float
    jitter_ratio: float
    wiggle_ratio: float
    val_gain: float
    val_gain_vs_chance: float
    train_gain_after_onset: float
    gap_late: float = float("nan")
    """Median over the second half of validation minus training badness (log ratio for
    losses): negative when the training loss sits above the validation loss."""
    log_floor: float = 0.0
    """What both sides' badness adds before the log (:data:`LOG_FLOOR_SHARE` of the first
    training loss; 0 for a pair not measured on a log scale): a rule that reads raw values
    of the pair puts them on the same scale as its measures with it."""


@dataclass(frozen=True)
class BatchMeasures:
    """Per-batch measures of one batch series (usually ``loss``)."""

    key: str
    n: int
    spread: float
    spread_early: float
    tail: float
    spikes_share: float
    epoch_jitter_ratio: float
    steps_per_epoch: float


TaskKind = Literal["classification", "regression", "unknown"]

CLASSIFIER_METRICS = re.compile(
    r"(^|_)(acc|accuracy|auc|precision|recall|f1|f1_score|fbeta_score|top_k_categorical_accuracy"
    r"|binary_accuracy|categorical_accuracy|sparse_categorical_accuracy)(_|$|\d)"
)
"""Metric names only a classifier logs."""
REGRESSION_METRICS = re.compile(
    r"(^|_)(mse|mae|mape|msle|rmse|mean_squared_error|mean_absolute_error|r2|r2_score"
    r"|mean_absolute_percentage_error|mean_squared_logarithmic_error|root_mean_squared_error"
    r"|logcosh|log_cosh|huber)(_|$|\d)"
)
"""Metric names a regression logs (squared, absolute and percentage errors, R^2)."""


@dataclass(frozen=True)
class TaskInfo:
    """What the model predicts, as far as the logs and the context tell.

    Attributes:
        kind: ``classification``, ``regression`` or ``unknown``.
        reason: the evidence, for the report ("accuracy is logged").
        n_classes: the number of classes when the recorded output layer or a given fact
            tells it (2 for a single sigmoid unit).
        chance_loss: the cross-entropy of a model that learned nothing, ``ln K`` (or the
            recorded chance level of ``ContextFacts``); None when unknown.
        accuracy: the name of the accuracy-type pair, if any.
    """

    kind: TaskKind
    reason: str
    n_classes: int | None = None
    chance_loss: float | None = None
    accuracy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "n_classes": self.n_classes,
            "chance_loss": self.chance_loss,
        }


def infer_task(pairs: tuple[PairMeasures, ...], facts: ContextFacts) -> TaskInfo:
    """Infer the task from a given fact, the logged metric names and the recorded loss.

    In this order: a task given as a fact; an accuracy-type metric (only classifiers log
    one; a squared-error loss next to it is a classifier trained with the wrong loss);
    a recorded cross-entropy loss; a recorded squared, absolute or robust regression loss;
    a regression metric (MSE, MAE, R^2) in the logs. Otherwise ``unknown``: a loss alone
    does not say which it is (a cross-entropy near 1 and a standardised MSE near 1 look
    alike).
    """
    classifier = [
        p.name for p in pairs if p.direction == "higher" and CLASSIFIER_METRICS.search(p.name)
    ]
    # the accuracy itself when logged, else the first other classifier metric (auc, f1, ...)
    acc = next((n for n in classifier if "acc" in n), classifier[0] if classifier else None)
    kind: TaskKind = "unknown"
    reason = "neither an accuracy-type nor an error metric is logged, and no loss is recorded"
    if facts.task in ("classification", "regression"):
        kind, reason = facts.task, "given as a fact"
    elif acc is not None:
        kind, reason = "classification", f"{acc} is logged"
    elif facts.loss_kind == "crossentropy":
        kind, reason = "classification", f"the compiled loss is {facts.loss}"
    elif facts.loss_kind in ("squared", "absolute", "robust"):
        kind, reason = "regression", f"the compiled loss is {facts.loss}"
    else:
        metric = next((p.name for p in pairs if REGRESSION_METRICS.search(p.name)), None)
        if metric is not None:
            kind, reason = "regression", f"{metric} is logged"
    n_classes = facts.n_classes if kind == "classification" else None
    if kind == "classification" and n_classes is None:
        n_classes = _classes_at_chance(pairs, acc)
    chance = facts.chance_loss if facts.loss_kind == "crossentropy" else None
    if chance is None and n_classes and n_classes >= 2 and kind == "classification":
        chance = math.log(n_classes)
    return TaskInfo(kind, reason, n_classes, chance, acc)


CHANCE_LOSS_MATCH = 0.01
"""A settled loss within 1 % of ln K reads as the chance level of K classes..."""
CHANCE_ACC_MATCH = 0.02
"""...when the accuracy also never got more than two points above 1/K..."""
CHANCE_ACC_SHARE = 0.3
CHANCE_ACC_CAP = 0.05
"""...or, for few classes, more than 30 % of 1/K above it (at most five points): a model
that answers one class scores that class's share of the validation set, and a set whose
classes are within 30 % of balanced puts that share up to 1.3/K (six classes: 0.217, not
0.167). Found on the eleventh held-out, after it was measured: a 6-class image classifier
whose validation loss sat on ln 6 for 30 epochs with its accuracy at 0.17-0.20 was called
healthy, because 0.20 is more than two points above 1/6."""
NEVER_LEFT_CHANCE = 0.95
"""...or the first validation loss lies on ``ln K`` and the curve never got more than 5 %
below it (the accuracy within the same allowance): an untrained K-class model starts at
``ln K``; one that learns only how common each class is drifts down to the entropy of the
class shares (six classes with the commonest at 21 %: about 1.76, 2 % under ln 6) and stays
there, its decisions still at chance. Found on the twelfth held-out, after it was measured:
a 6-class image net trained on full batches whose validation loss went from 1.794 to 1.757
with its accuracy at 0.21 for 30 epochs was called healthy."""


def _classes_at_chance(pairs: tuple[PairMeasures, ...], acc: str | None) -> int | None:
    """K, when the logs show a classifier sitting at the chance level of K classes.

    The validation loss (its last value, or its best one: a noisy curve at chance wanders
    above ``ln K`` but its best sits on it; or its first one, when the curve never got 5 %
    below it, :data:`NEVER_LEFT_CHANCE`) lies within 1 % of ``ln K`` for a whole K from
    2 to 1,000, and the validation accuracy never got far above ``1/K`` (:data:`CHANCE_ACC_MATCH`,
    :data:`CHANCE_ACC_SHARE`): both say "guessing among K". Otherwise None (the logs alone
    do not tell how many classes there are).
    """
    loss = next((p for p in pairs if p.name == "loss"), None)
    accuracy = next((p for p in pairs if p.name == acc), None)
    if loss is None or loss.val is None or accuracy is None or accuracy.val is None:
        return None
    best_acc = accuracy.val.best
    if not math.isfinite(best_acc):
        return None
    best_loss = loss.val.best
    for level, from_first in ((loss.val.last, False), (best_loss, False), (loss.val.first, True)):
        if not (math.isfinite(level) and 0 < level < math.log(1001)):
            continue  # (also keeps exp() finite for a loss that blew up)
        k = round(math.exp(level))
        if not (2 <= k <= 1000 and abs(level - math.log(k)) <= CHANCE_LOSS_MATCH * math.log(k)):
            continue
        if from_first and not best_loss >= NEVER_LEFT_CHANCE * math.log(k):
            continue  # it started at ln K, as untrained models do, and then learned
        if best_acc <= 1 / k + max(CHANCE_ACC_MATCH, min(CHANCE_ACC_CAP, CHANCE_ACC_SHARE / k)):
            return k
    return None


NOISE_HIDES_TREND = 2.0
"""The noise hides the trend when the late jitter is more than half the trend's change
over the last third of the run (the change is under two jitters): from one epoch to the
next nobody can tell whether the curve still improves."""


@dataclass(frozen=True)
class FluctuationCost:
    """What the wiggle costs: the last epoch against the best, and whether noise hides the trend.

    Attributes:
        series: the series judged (the validation loss, else the training loss).
        best / best_epoch / last: the best value, its epoch, the last value (series units).
        cost: ``last / best - 1`` for a positive loss (0.25: the last epoch is 25 % worse
            than the best, which ``EarlyStopping(restore_best_weights=True)`` would have
            kept), ``last - best`` otherwise (oriented, > 0 worse).
        accuracy: the validation accuracy-type series, with its best and last value and
            ``accuracy_cost`` in points (best - last).
        jitter: late jitter of the series (badness units).
        trend_change: how far its trend moved over the last third (badness units, >= 0).
        noise_hides_trend: ``jitter * 2 > trend_change``: single epochs cannot show
            whether it still improves.
    """

    series: str | None = None
    best: float = float("nan")
    best_epoch: int | None = None
    last: float = float("nan")
    cost: float = float("nan")
    accuracy: str | None = None
    accuracy_best: float = float("nan")
    accuracy_last: float = float("nan")
    accuracy_cost: float = float("nan")
    jitter: float = float("nan")
    trend_change: float = float("nan")
    noise_hides_trend: bool = False


def fluctuation_cost(
    series: dict[str, np.ndarray],
    pairs: tuple[PairMeasures, ...],
    primary: PairMeasures | None,
    m_epoch: Any,
) -> FluctuationCost:
    """Measure :class:`FluctuationCost` on the primary pair (validation side when present).

    ``series`` are the measured (possibly binned) epoch series; ``m_epoch`` maps an index
    into them to an absolute epoch.
    """
    if primary is None:
        return FluctuationCost()
    s = primary.val if primary.val is not None and primary.val.n_finite >= 2 else primary.train
    if s is None or s.n_finite < 2:
        return FluctuationCost()
    y = series[s.key]
    fin = np.isfinite(y)
    last = float(y[np.flatnonzero(fin)[-1]])
    if s.direction == "higher":
        cost = s.best - last
    elif s.is_log and s.best > 0:
        cost = last / s.best - 1.0
    else:
        cost = last - s.best
    acc_best = acc_last = acc_cost = float("nan")
    acc_key = None
    for p in pairs:
        if p.direction == "higher" and p.val is not None and CLASSIFIER_METRICS.search(p.name):
            a = series[p.val.key]
            af = a[np.isfinite(a)]
            if af.size:
                acc_key, acc_best, acc_last = p.val.key, float(np.max(af)), float(af[-1])
                acc_cost = acc_best - acc_last
            break
    d = s.direction if s.direction != "unknown" else "raw"
    z, _ = M.badness(y[fin], direction=d)
    t = M.trend(z, window=max(3, M.default_window(z.shape[0], fraction=WINDOW_FRACTION)))
    k = max(2, t.shape[0] // 3)
    change = float(abs(t[-k] - t[-1])) if t.shape[0] >= 2 else float("nan")
    jit = s.jitter_tail if math.isfinite(s.jitter_tail) else s.jitter
    hides = bool(math.isfinite(jit) and math.isfinite(change) and jit * NOISE_HIDES_TREND > change)
    return FluctuationCost(
        series=s.key,
        best=float(s.best),
        best_epoch=m_epoch(s.best_index) if s.best_index >= 0 else None,
        last=last,
        cost=float(cost),
        accuracy=acc_key,
        accuracy_best=acc_best,
        accuracy_last=acc_last,
        accuracy_cost=acc_cost,
        jitter=float(jit),
        trend_change=change,
        noise_hides_trend=hides,
    )


@dataclass(frozen=True)
class Measurements:
    """Everything measured about one run; the rules' only input."""

    n_epochs: int
    epochs: np.ndarray
    bin_size: int
    window: int
    pairs: tuple[PairMeasures, ...]
    primary: PairMeasures | None
    batch: BatchMeasures | None
    facts: ContextFacts
    lr: np.ndarray | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    task: TaskInfo = field(default_factory=lambda: TaskInfo("unknown", "not inferred"))
    fluctuation: FluctuationCost = field(default_factory=FluctuationCost)

    def epoch_at(self, index: int | None) -> int | None:
        """Absolute epoch of an index into the (possibly binned) measured arrays."""
        if index is None:
            return None
        if self.bin_size > 1:
            i = min(index * self.bin_size, self.epochs.shape[0] - 1)
            return int(self.epochs[i])
        return int(self.epochs[min(index, self.epochs.shape[0] - 1)])

    def pair(self, name: str) -> PairMeasures | None:
        """The measured pair with this canonical name, if any."""
        for p in self.pairs:
            if p.name == name:
                return p
        return None

    def accuracy_pair(self) -> PairMeasures | None:
        """The accuracy-type pair of a classifier (the one :func:`infer_task` named), if any."""
        return self.pair(self.task.accuracy) if self.task.accuracy else None

    @property
    def too_short(self) -> bool:
        """Whether the run has too few epochs to judge its fluctuation."""
        return self.n_epochs < MIN_EPOCHS


def _nan() -> float:
    return float("nan")


def _empty_series(
    key: str, direction: str, is_log: bool, n: int, nonfinite_any: bool
) -> SeriesMeasures:
    """Measures of a series with no finite value (every measure NaN)."""
    nan = _nan()
    return SeriesMeasures(
        key=key,
        direction=direction,
        is_log=is_log,
        n=n,
        n_finite=0,
        first=nan,
        last=nan,
        best=nan,
        best_index=-1,
        jitter=nan,
        jitter_tail=nan,
        wiggle=nan,
        nsr=nan,
        sign_change_rate=nan,
        resid_autocorr=nan,
        improvement=nan,
        slope_all=nan,
        slope_tail=nan,
        rise=nan,
        plateau_index=None,
        half_share=nan,
        nonfinite_index=0 if nonfinite_any else None,
        spike_indices=(),
        spike_jumps=(),
        spike_z=(),
        nonfinite_any=nonfinite_any,
    )


def measure_series(
    y: np.ndarray,
    key: str,
    direction: str,
    window: int,
    floor: float = 0.0,
    *,
    every_epoch: bool = False,
) -> SeriesMeasures:
    """All fluctuation measures of one epoch series (already binned if long).

    ``floor`` is added to a positive lower-is-better series before its logarithm is taken
    (see :data:`LOG_FLOOR_SHARE`); first, last and best values stay in the series' units.
    ``every_epoch``: the series is logged at every epoch (a training series), so any NaN
    or inf in it, the first epoch included, is a blow-up; a validation series may miss
    epochs (validation every k epochs), and only NaN that lasts to its end counts
    (:func:`curvedoc.metrics.first_nonfinite`).
    """
    d = direction if direction != "unknown" else "raw"
    z, is_log = M.badness(y, direction=d)
    ok = np.isfinite(z)
    n_finite = int(ok.sum())
    nonfinite = M.first_nonfinite(y)
    bad = ~np.isfinite(y)
    if every_epoch and bad.any():
        first_bad = int(np.flatnonzero(bad)[0])
        nonfinite = first_bad if nonfinite is None else min(nonfinite, first_bad)
    elif np.isinf(y).any():
        first_inf = int(np.flatnonzero(np.isinf(y))[0])
        nonfinite = first_inf if nonfinite is None else min(nonfinite, first_inf)
    if n_finite == 0:
        # nothing finite at all: NaN from the first epoch is a run that diverged at once
        return _empty_series(
            key, direction, is_log or d == "lower", int(y.shape[0]), bool(y.shape[0])
        )
    first_idx = int(np.flatnonzero(ok)[0])
    # measure the part before a blow-up: after divergence everything is NaN/inf anyway
    upto = nonfinite if nonfinite is not None and nonfinite > first_idx else y.shape[0]
    seg = y[:upto]
    zseg = z[:upto]
    nf = int(np.isfinite(zseg).sum())
    w = min(window, M.default_window(nf, fraction=WINDOW_FRACTION)) if nf else window
    w = max(w, 3) if nf >= 3 else 1
    wn = max(w, 5)  # the noise window: at least two neighbours on each side
    fin_seg = seg[np.isfinite(zseg)]
    if is_log and floor > 0:
        seg = seg + floor
        fin_seg = fin_seg + floor
    # noise is measured once the bulk of learning is done: from the point where the trend
    # achieved 80 % of its improvement (the steep start is descent, not noise), keeping at
    # least 6 points
    settled = M.plateau_onset(fin_seg, direction=d, window=w, share=0.8) if nf >= 5 else None
    start = min(settled if settled is not None else 0, max(nf - 6, 0))
    sf = start / nf if nf else 0.0
    jit = M.jitter(fin_seg, window=wn, direction=d, start_fraction=sf) if nf >= 5 else _nan()
    late = max(sf, 0.5)
    jit_tail = M.jitter(fin_seg, window=wn, direction=d, start_fraction=late) if nf >= 8 else jit
    wig = M.residual_rms(fin_seg, window=wn, direction=d, start_fraction=sf) if nf >= 5 else _nan()
    nsr = M.noise_to_signal(seg, window=w, direction=d) if nf >= 3 else _nan()
    scr = M.sign_change_rate(zseg)
    rac = M.residual_autocorr(seg, window=w, direction=d) if nf >= 4 else _nan()
    imp = M.improvement(seg, window=w, direction=d)
    s_all = M.tail_slope(fin_seg, fraction=1.0, direction=d) if nf >= 3 else _nan()
    s_tail = M.tail_slope(fin_seg, fraction=0.3, direction=d) if nf >= 6 else s_all
    third = 1.0 / 3.0
    s_early = M.segment_slope(fin_seg, stop=third, direction=d) if nf >= 6 else _nan()
    s_late = M.segment_slope(fin_seg, start=1.0 - third, direction=d) if nf >= 6 else _nan()
    rise = M.sustained_rise(seg, window=w, direction=d)
    rise_share = M.rise_share(seg, window=w, direction=d)
    plateau = M.plateau_onset(seg, direction=d, window=w)
    half = M.plateau_onset(fin_seg, direction=d, window=w, share=0.5) if nf >= 3 else None
    half_share = half / max(nf - 1, 1) if half is not None else float("nan")
    sp = M.spikes(seg, window=w, direction=d) if nf >= 5 else None
    best_rel = int(np.argmin(np.where(np.isfinite(z), z, np.inf)))
    finite_y = y[ok]
    return SeriesMeasures(
        key=key,
        direction=direction,
        is_log=is_log,
        n=int(y.shape[0]),
        n_finite=n_finite,
        first=float(y[first_idx]),
        last=float(y[np.flatnonzero(ok)[-1]]),
        best=float(y[best_rel]),
        best_index=best_rel,
        jitter=float(jit),
        jitter_tail=float(jit_tail),
        wiggle=float(wig),
        nsr=float(nsr),
        sign_change_rate=float(scr),
        resid_autocorr=float(rac),
        improvement=float(imp),
        slope_all=float(s_all),
        slope_tail=float(s_tail),
        rise=float(rise),
        plateau_index=plateau,
        half_share=float(half_share),
        nonfinite_index=nonfinite,
        spike_indices=tuple(int(i) for i in sp.indices) if sp else (),
        spike_jumps=tuple(float(j) for j in sp.jump) if sp else (),
        spike_z=tuple(float(v) for v in sp.z) if sp else (),
        net=M.net_change(fin_seg, direction=d) if nf >= 2 else _nan(),
        slope_early=float(s_early),
        slope_late=float(s_late),
        nonfinite_any=nonfinite is not None,
        spread=float(np.max(finite_y) - np.min(finite_y)),
        spread_after_first=(
            float(np.max(finite_y[1:]) - np.min(finite_y[1:])) if finite_y.size >= 2 else _nan()
        ),
        drop_after_first=_drop_after_first(z[ok]),
        rise_share=float(rise_share),
    )


def _drop_after_first(z: np.ndarray) -> float:
    """``z[1] - min(z[1:])`` of the finite badness values: the improvement after epoch one."""
    return float(z[1] - np.min(z[1:])) if z.size >= 2 else float("nan")


def measure_pair(
    pair: MetricPair,
    series: dict[str, np.ndarray],
    window: int,
    chance_loss: float | None = None,
) -> PairMeasures:
    """Measures of a train/validation pair."""
    d = pair.direction if pair.direction != "unknown" else "raw"
    floor = 0.0
    ref = series[pair.train] if pair.train else (series[pair.val] if pair.val else None)
    if ref is not None and d == "lower":
        fin = ref[np.isfinite(ref)]
        if fin.size and np.all(fin > 0):
            floor = LOG_FLOOR_SHARE * float(fin[0])
    tr = (
        measure_series(
            series[pair.train], pair.train, pair.direction, window, floor, every_epoch=True
        )
        if pair.train
        else None
    )
    va = (
        measure_series(series[pair.val], pair.val, pair.direction, window, floor)
        if pair.val
        else None
    )
    nan = _nan()
    gap_final = gap_rel = gap_best = gap_slope = val_rise = jr = wr = gain = after = nan
    gain_chance = gap_late = nan
    if va is not None and chance_loss and chance_loss > 0 and pair.name == "loss" and va.is_log:
        best = float(np.nanmin(series[pair.val])) if va.n_finite else nan
        if best > 0:
            gain_chance = math.log(chance_loss / best)
    onset = None
    if tr is not None and va is not None:
        t, v = series[pair.train], series[pair.val]
        both = np.isfinite(t) & np.isfinite(v)
        if both.sum() >= 3:
            g = M.gap(t, v, direction=d, window=window)
            gap_final, gap_rel, gap_best, gap_slope = g.final_abs, g.final_rel, g.best_rel, g.slope
            onset = M.overfitting_onset(t, v, direction=d, window=window)
            if onset is not None:
                zt, _ = M.badness(t, direction=d)
                tt = M.finite(M.trend(zt, window=window)[onset:])
                after = float(tt[0] - tt[-1]) if tt.size else nan
            gap_late = _late_gap(t[both], v[both], d)
        val_rise = va.rise
        jr = _ratio(va.jitter, tr.jitter)
        wr = _ratio(va.wiggle, tr.wiggle)
        gain = _gain(series[pair.train], series[pair.val], d)
    elif va is not None:
        val_rise = va.rise
    return PairMeasures(
        name=pair.name,
        direction=pair.direction,
        train=tr,
        val=va,
        gap_final=float(gap_final),
        gap_rel_final=float(gap_rel),
        gap_rel_best=float(gap_best),
        gap_slope=float(gap_slope),
        onset_index=onset,
        val_rise=float(val_rise),
        jitter_ratio=float(jr),
        wiggle_ratio=float(wr),
        val_gain=float(gain),
        val_gain_vs_chance=float(gain_chance),
        train_gain_after_onset=float(after),
        gap_late=float(gap_late),
        log_floor=float(floor),
    )


def _late_gap(train: np.ndarray, val: np.ndarray, direction: str) -> float:
    """Median over the second half of ``badness(val) - badness(train)`` (paired epochs)."""
    zt, _ = M.badness(train, direction=direction)
    zv, _ = M.badness(val, direction=direction)
    d = zv - zt
    d = d[d.shape[0] // 2 :]
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def _ratio(a: float, b: float) -> float:
    """A / b with 0/0 -> NaN and x/0 -> inf (for jitter ratios)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return float("nan")
    if b > 0:
        return a / b
    return math.inf if a > 0 else float("nan")


def _gain(train: np.ndarray, val: np.ndarray, direction: str) -> float:
    """How far validation got below where training started, in badness space.

    ``badness(train)[first] - min(badness(val))``: for a positive loss, the log of
    (first training loss / best validation loss). The first epoch's training loss stands
    for the untrained model's level, so this says how much of the problem was learned.
    """
    zt, _ = M.badness(train, direction=direction)
    zv, _ = M.badness(val, direction=direction)
    ft = M.finite(zt)
    fv = M.finite(zv)
    if ft.size == 0 or fv.size == 0:
        return float("nan")
    return float(ft[0] - np.min(fv))


def measure_batches(history: History, epoch_jitter: float) -> BatchMeasures | None:
    """Within-epoch spread and tail heaviness of the per-batch loss."""
    key = "loss" if "loss" in history.batch_series else next(iter(history.batch_series), None)
    if key is None:
        return None
    values = history.batch_series[key]
    n = values.shape[0]
    if n < 20:
        return None
    starts = history.batch_epoch_starts
    if starts.size == 0:
        starts = np.array([0], dtype=np.int64)
    spread = M.segment_spread(values, starts, log=True)
    fin = spread[np.isfinite(spread)]
    if fin.size == 0:
        return None
    half = fin[fin.size // 2 :] if fin.size >= 2 else fin
    late = float(np.median(half))
    early = float(np.median(fin[: max(1, fin.size // 4)]))
    # outlier batches: deviation of each batch's log loss from its own epoch's median, over
    # the second half of the epochs (early epochs fall steeply within the epoch)
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.where(values > 0, np.log(values), np.nan)
    lengths = np.diff(np.append(starts, n))
    med = _segment_medians(lv, starts, lengths)
    dev = lv - np.repeat(med, lengths)
    late_from = int(starts[starts.size // 2]) if starts.size >= 2 else 0
    dev_late = dev[late_from:]
    tail = M.tail_heaviness(np.exp(dev_late[np.isfinite(dev_late)]), log=True)
    scale = M.robust_sd(dev_late)
    finite_dev = dev_late[np.isfinite(dev_late)]
    share = float(np.mean(finite_dev > 5 * scale)) if scale > 0 and finite_dev.size else 0.0
    spe = float(n / max(starts.size, 1))
    ratio = late / epoch_jitter if epoch_jitter and epoch_jitter > 0 else float("inf")
    return BatchMeasures(
        key=key,
        n=int(n),
        spread=late,
        spread_early=early,
        tail=float(tail),
        spikes_share=share,
        epoch_jitter_ratio=float(ratio),
        steps_per_epoch=spe,
    )


def _segment_medians(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """NaN-aware median of each contiguous segment.

    Segments are grouped by length and each group is one 2-D ``nanmedian`` (epochs almost
    always share one or two lengths), so millions of batch values cost a few sorts.
    """
    out = np.full(starts.shape[0], np.nan)
    for length in np.unique(lengths):
        if length == 0:
            continue
        which = np.flatnonzero(lengths == length)
        idx = starts[which][:, None] + np.arange(length)[None, :]
        block = values[idx]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[which] = np.nanmedian(block, axis=1)
    return out


def measure(history: History) -> Measurements:
    """Compute all Measurements for a History."""
    notes: list[str] = []
    series = dict(history.epoch_series)
    bin_size = 1
    if history.n_epochs > MAX_POINTS:
        binned = {}
        for k, arr in series.items():
            binned[k], bin_size = M.bin_means(arr, max_points=MAX_POINTS)
        series = binned
        notes.append(
            f"{history.n_epochs:,} points were averaged in bins of {bin_size} before measuring"
        )
    n = next(iter(series.values())).shape[0] if series else 0
    window = M.default_window(n, fraction=WINDOW_FRACTION)
    facts = read_context(history.context, history)
    pairs = tuple(measure_pair(p, series, window, facts.chance_loss) for p in history.pairs())
    primary_pair = history.primary_pair()
    primary = None
    if primary_pair is not None:
        primary = next((p for p in pairs if p.name == primary_pair.name), None)
    epoch_jitter = primary.train.jitter if primary and primary.train else float("nan")
    batch = measure_batches(history, epoch_jitter) if history.batch_series else None
    lr = history.learning_rate()
    if lr is not None and bin_size > 1:
        lr, _ = M.bin_means(lr, max_points=MAX_POINTS)
    task = infer_task(pairs, facts)
    facts, inferred = infer_sample_counts(history, task, facts)
    notes.extend(inferred)
    m = Measurements(
        n_epochs=history.n_epochs,
        epochs=history.epochs,
        bin_size=bin_size,
        window=window,
        pairs=pairs,
        primary=primary,
        batch=batch,
        facts=facts,
        lr=lr,
        notes=tuple(notes),
        task=task,
    )
    return replace(m, fluctuation=fluctuation_cost(series, pairs, primary, m.epoch_at))


def infer_sample_counts(
    history: History, task: TaskInfo, facts: ContextFacts
) -> tuple[ContextFacts, list[str]]:
    """Training and validation sample counts read from a classifier's accuracy curves.

    Keras logs each epoch's accuracy as ``correct / total`` over every sample the epoch saw,
    so the values are fractions ``k/n`` (:func:`curvedoc.metrics.fraction_denominator`): the
    training accuracy's ``n`` is the training set, the validation accuracy's the validation
    set. Fills ``train_samples`` / ``val_samples`` only where no fact gave them, so a bare
    ``history.history`` gets the sample-count evidence a recording would have; the notes say
    where the numbers came from. Nothing is inferred from a batch-averaged accuracy (other
    loggers), which fits no denominator.
    """
    if task.kind != "classification" or not task.accuracy:
        return facts, []
    if history.source.format in PRINTED_FORMATS:
        return facts, []  # printed with 4 decimals: the fraction is lost
    pair = next((p for p in history.pairs() if p.name == task.accuracy), None)
    if pair is None:
        return facts, []
    series = {
        side: (key, np.asarray(history.epoch_series[key], dtype=float))
        for side, key in (("train_samples", pair.train), ("val_samples", pair.val))
        if key is not None and key in history.epoch_series
    }
    if series and _rounded_decimals(np.concatenate([v for _, v in series.values()])):
        return facts, []  # a logger that rounds to 3 decimals makes every accuracy k/1000
    found: dict[str, int] = {}
    notes: list[str] = []
    # a logger that prints four decimals (f"{acc:.4f}") makes every accuracy a multiple of
    # 1/10,000: a count is then believed only when its own fractions are that short (250 or
    # 400 samples: it divides 10,000), never 10,000 itself, the rounding's own step
    quantum = 10**PRINTED_DECIMALS
    four = bool(series) and _rounded_decimals(
        np.concatenate([v for _, v in series.values()]), PRINTED_DECIMALS
    )
    for side, (key, values) in series.items():
        n = M.fraction_denominator(values) if getattr(facts, side) is None else None
        if n is not None and four and (n >= quantum or quantum % n):
            continue
        if n is not None:
            found[side] = n
            notes.append(f"{side} = {n:,} read from the steps of {key} (1/{n:,}), not recorded")
    if not found:
        return facts, []
    return replace(facts, **found), notes


ROUNDED_DECIMALS = 3
"""Accuracies that all have this many decimals or fewer may have been rounded by the logger
(a custom ``print(round(acc, 3))``): their steps then say 1/1000, 1/100 or 1/10, not the
sample count, so no count is read from them. Keras, CSVLogger and TensorBoard write the
full float. A real count whose fractions are all that short (training and validation sets
both of 8, 10, 20, 25, 40, 50, ... samples) is given up with them."""


PRINTED_FORMATS = ("keras-log",)
"""Sources whose values were printed for people, rounded to four decimals (Keras' console
output): no sample count is read from their accuracies."""


PRINTED_DECIMALS = 4
"""Decimals a hand-written logger commonly prints (``f"{acc:.4f}"``): with every accuracy a
multiple of ``1e-4``, only a count that divides 10,000 (whose own fractions are that short)
is read; any other is the rounding's."""


def _rounded_decimals(values: np.ndarray, decimals: int = ROUNDED_DECIMALS) -> bool:
    """Whether every finite value is a whole multiple of ``10**-decimals``."""
    scale = 10**decimals
    v = values[np.isfinite(values)] * scale
    return bool(v.size) and bool(np.all(np.abs(v - np.round(v)) <= 1e-6 * scale))


def run_stats(m: Measurements) -> RunStats:
    """The typed measures a :class:`~curvedoc.report.Report` carries for comparisons."""

    def series(s: SeriesMeasures | None) -> SeriesStats | None:
        if s is None:
            return None
        return SeriesStats(
            key=s.key,
            log_scale=s.is_log,
            first=s.first,
            last=s.last,
            best=s.best,
            best_epoch=m.epoch_at(s.best_index) if s.best_index >= 0 else None,
            jitter=s.jitter,
            jitter_late=s.jitter_tail,
            noise_to_signal=s.nsr,
            improvement=s.improvement,
            spikes=tuple(e for e in (m.epoch_at(i) for i in s.spike_indices) if e is not None),
            nonfinite_epoch=m.epoch_at(s.nonfinite_index),
        )

    def pair(p: PairMeasures | None) -> PairStats | None:
        if p is None:
            return None
        return PairStats(
            name=p.name,
            direction=p.direction,
            train=series(p.train),
            val=series(p.val),
            gap_rel_final=p.gap_rel_final,
            onset_epoch=m.epoch_at(p.onset_index),
        )

    f = m.facts
    return RunStats(
        epochs=m.n_epochs,
        primary=pair(m.primary),
        accuracy=pair(m.accuracy_pair()),
        loss=f.loss,
        target_std=f.target_std,
        learning_rate=f.learning_rate,
        batch_size=f.batch_size,
    )


def summary_metrics(m: Measurements) -> dict[str, Any]:
    """The JSON ``metrics`` block: per-pair and per-batch numbers, context facts."""

    def series_dict(s: SeriesMeasures | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            "key": s.key,
            "first": s.first,
            "last": s.last,
            "best": s.best,
            "best_epoch": m.epoch_at(s.best_index) if s.best_index >= 0 else None,
            "log_scale": s.is_log,
            "jitter": s.jitter,
            "jitter_late": s.jitter_tail,
            "wiggle": s.wiggle,
            "noise_to_signal": s.nsr,
            "sign_change_rate": s.sign_change_rate,
            "residual_autocorr": s.resid_autocorr,
            "improvement": s.improvement,
            "slope": s.slope_all,
            "slope_late": s.slope_tail,
            "rise_from_best": s.rise,
            "plateau_epoch": m.epoch_at(s.plateau_index),
            "half_improvement_share": s.half_share,
            "nonfinite_epoch": m.epoch_at(s.nonfinite_index),
            "spikes": [m.epoch_at(i) for i in s.spike_indices],
        }

    out: dict[str, Any] = {
        "epochs": m.n_epochs,
        "window": m.window,
        "bin_size": m.bin_size,
        "pairs": {},
    }
    for p in m.pairs:
        out["pairs"][p.name] = {
            "direction": p.direction,
            "train": series_dict(p.train),
            "val": series_dict(p.val),
            "gap_final": p.gap_final,
            "gap_rel_final": p.gap_rel_final,
            "gap_rel_at_best": p.gap_rel_best,
            "gap_slope": p.gap_slope,
            "overfitting_onset_epoch": m.epoch_at(p.onset_index),
            "val_jitter_ratio": p.jitter_ratio,
            "val_wiggle_ratio": p.wiggle_ratio,
            "val_gain": p.val_gain,
            "val_gain_vs_chance": p.val_gain_vs_chance,
        }
    if m.batch is not None:
        b = m.batch
        out["batch"] = {
            "series": b.key,
            "batches": b.n,
            "steps_per_epoch": b.steps_per_epoch,
            "spread": b.spread,
            "spread_early": b.spread_early,
            "tail_heaviness": b.tail,
            "outlier_batch_share": b.spikes_share,
            "spread_to_epoch_jitter": b.epoch_jitter_ratio,
        }
    out["context"] = m.facts.to_dict()
    return out
