"""Rules for the hyperparameters category: learning rate, batch size, epochs."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from curvedoc import fixes
from curvedoc import metrics as M
from curvedoc.analysis import Measurements, SeriesMeasures
from curvedoc.rules.common import (
    VISIBLE_RISE,
    accuracy_steady,
    curve_trouble,
    curve_troubles,
    decisions_hold,
    down,
    epoch_list,
    finite,
    pct,
    primary,
    r4,
    ramp,
    rel,
    up,
)
from curvedoc.rules.registry import Against, Hit, Outcome, RuleInput, rule
from curvedoc.rules.unscaled_data import NO_LEARNING, NO_LEARNING_EPOCHS, NOT_FALLING

DIVERGED_RISE = math.log(10.0)
"""A training-loss trend ending 10x above its best has diverged: noise never does that."""
LR_EXTREME_FACTOR = 30.0
"""A recorded learning rate this many times the top of its optimizer's range is a problem on
its own; above the range, the fitted problem score weighs it with the curves."""
LR_WITH_SYMPTOM = 3.0
"""A recorded learning rate this many times outside its optimizer's range *and* the curve
symptom such a rate causes (trouble for a high rate, a slow straight decline for a low one)
is a problem: the setting and the curves tell the same story. Inside this factor, a rate is
too close to the range's edge for the usual ranges to tell (they span about 3x)."""
LR_LOW_EXTREME = 10.0
"""A recorded learning rate this many times below the bottom of the range is a problem on its
own; below the range, the fitted problem score weighs it with the curves."""
SMALL_BATCH = 4
"""Batch sizes at or below this make every step follow a handful of samples."""
NOISY_BATCH = 16
"""Batch sizes at or below this add visible gradient noise (an info, naming the cause)."""
FEW_STEPS = 2
"""Optimizer steps per epoch at or below which an epoch is one or two updates."""
JITTER_HIGH = 0.15
"""Late training-loss jitter (log units, about ±16 %) above which the optimizer overshoots."""
RISE_HIGH = 0.15
"""A training loss ending this far (log units) above its best has regressed."""
SPIKE_JUMP = math.log(1.3)
"""Upward spikes of more than 30 % count towards an unstable training loss."""
SPIKES_MANY = 3
"""...and this many of them are not chance."""
OSC_SHARE_HIGH = 0.5
"""A wiggle half as large as everything the curve improved dominates the curve."""
OSC_MIN = 0.05
"""...provided the wiggle itself is visible (log units, about ±5 %)."""
NET_UP = 0.05
"""A training loss ending 5 % above its first epoch (and above twice its jitter) got worse."""
VAL_NET_UP = math.log(1.1)
"""Validation ending 10 % above its first epoch while training barely improved."""
TRAIN_BARELY = math.log(1.5)
"""...training having fallen less than 1.5x."""
SLOW_IMPROVEMENT = math.log(4.0)
"""A run whose loss fell less than 4x and is still falling at an undiminished pace is slow."""
STRAIGHT_BEND = 0.6
"""A late slope 60 % or more of the early one: a straight line on a log axis, no bend."""
STRAIGHT_MIN_DROP = 0.1
"""...on a curve that fell at least 10 % (log 0.1) in all."""
STILL_FALLING = -0.05
"""A late slope below this (log units per run length) is still falling."""
STILL_IMPROVING = -0.1
"""Validation falling more than 10 % per run length at the end is still improving."""
VAL_CREEPING = -0.02
"""A loss that barely moved (CD304) is unconverged, not at a floor, while validation still
falls at 2 % per run length or more at the end: a validation curve that stopped moving says
the model reached what the data allows within the first epoch."""
FLAT_ACCURACY = 0.01
"""An accuracy that moves less than one point over the run predicts one class throughout."""
CHANCE_MARGIN = 0.02
"""An accuracy within two points of 1/K (K classes) is guessing."""
NEAR_CHANCE_LOSS = 0.95
"""A best validation loss at 95 % or more of the chance-level loss learned nothing."""
MEMORISED_GAP = math.log(3.0)
"""A training loss that jumps while validation ends within 3x of it speaks against the
model's size: an oversized or too-deep net that jumps like this has memorised, its
validation loss ending many times above its training loss (on the examined corpus the
median log gap was 4.1 for oversized and 2.5 for too-deep models, 0.6 for learning rates
too high)."""
DEAD_LOSS_DROP = math.log(1 / 0.9)
"""A training loss that never gets 10 % below its second epoch's value learned nothing
after its first epoch (a model still learning, even one already near perfect, keeps
dividing its loss)."""
TRAIN_ACCURACY_MOVED = 0.05
"""A training accuracy that moved five points or more over the run: the model's decisions
changed, so a flat validation accuracy is a plateau (often a perfect one), not one class
answered throughout."""
BENIGN_JITTER = 0.03
"""Jitter above this (log units, ±3 %) is wiggle worth naming a cause for, even when benign."""
VAL_STALL_EPOCHS = 8
"""Epochs a validation loss needs before "it never improved after its first epoch" can be
said of it."""
VAL_STALL_WIGGLE = 0.03
"""A validation loss wiggling more than ±3 % around its trend..."""
VAL_STALL_SHARE = 2.0
"""...that got less than twice that wiggle below its second epoch's value in the rest of
the run has only wobbled since its first epoch: whatever the model learned, it learned in
one epoch, and every later epoch moved it around without improving it. A healthy curve keeps
dividing its loss after the first epoch, by far more than it wobbles (the drop is measured
to the lowest single value, so noise alone lowers it by about one wiggle)."""
END_CLIMB = math.log(2.0)
"""A loss whose last two epochs each rose, doubling within its last three epochs and ending
twice or more its best, is climbing away at the end of the run: a run that settles never
doubles its loss in its last epochs, and a single bad epoch is not two rises in a row."""


@rule(
    code="CD301",
    name="loss-diverged",
    category="hyperparameters",
    severity="error",
    measures="NaN/inf in the loss curves, or a training loss that ends far above its best",
    threshold=(
        "any NaN/inf in the training loss (the first epoch included) or a validation loss "
        f"that turns NaN/inf for good; or the trend ending more than "
        f"{math.exp(DIVERGED_RISE):.0f}x above its best: ordinary noise never multiplies "
        "the training loss tenfold"
    ),
)
def loss_diverged(inp: RuleInput) -> Iterator[Outcome]:
    """The loss blew up (NaN/inf) or climbed far above its best.

    What it detects:
        A NaN or infinite training loss anywhere, the first epoch included (a run that
        diverged at once never shows a finite value), a validation loss that turns NaN or
        infinite for good, or a training-loss trend that ends more than ten times above its
        best value.

    Why it matters:
        Divergence means the optimizer's steps overshoot: the learning rate is too high for
        the loss landscape (often with exploding gradients in recurrent nets, or huge
        unscaled inputs/targets), or the output and loss do not fit (log of a negative
        "probability"). Nothing after the blow-up is worth training.

    Evidence:
        The first non-finite epoch, or the ratio of the final trend to the best value.

    Suggested fixes:
        Lower the learning rate, clip gradients (``clipnorm=1.0``), check the data for
        unscaled values or NaN; stop training on NaN (``keras.callbacks.TerminateOnNaN``).

    Known limitations:
        A NaN that the data itself put in the loss (a NaN target) looks the same.
    """
    p = primary(inp.m)
    if p is None or p.train is None:
        return
    tr, va = p.train, p.val
    f = inp.m.facts
    fx = (fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.early_stopping(f))
    for s in (tr, va):
        if s is None or not s.nonfinite_any:
            continue
        e = inp.m.epoch_at(s.nonfinite_index)
        at_once = s.n_finite == 0
        yield Hit(
            message=(
                f"{s.key} is NaN/inf from the first epoch: training diverged at once"
                if at_once
                else f"{s.key} became NaN/inf at epoch {e}: training diverged"
            ),
            severity="error",
            strength=1.0,
            evidence={
                "nonfinite_epoch": e,
                "finite_values": s.n_finite,
                "last_finite": r4(s.last),
            },
            series=(s.key,),
            epochs=(e,) if e is not None else (),
            fixes=fx,
        )
        return
    if tr.is_log and finite(tr.rise) and tr.rise > DIVERGED_RISE:
        yield Hit(
            message=(
                f"{tr.key} ended {math.exp(tr.rise):.0f}x above its best "
                f"(best {tr.best:.4g} at epoch {inp.m.epoch_at(tr.best_index)}): training diverged"
            ),
            severity="error",
            strength=0.5 + 0.5 * ramp(tr.rise, DIVERGED_RISE, 3 * DIVERGED_RISE),
            evidence={
                "rise_log": r4(tr.rise),
                "threshold_log": r4(DIVERGED_RISE),
                "best": r4(tr.best),
            },
            series=(tr.key,),
            epochs=(inp.m.epoch_at(tr.best_index) or 0,),
            fixes=fx,
        )


@rule(
    code="CD302",
    name="unstable-training-loss",
    category="hyperparameters",
    severity="warning",
    measures=(
        "jitter of the epoch-averaged training loss around its trend (log units), the wiggle "
        "against the total improvement, upward spikes, and how far it ends above its best"
    ),
    threshold=(
        f"late-run jitter above {JITTER_HIGH:g} (about {rel(JITTER_HIGH)}), or a wiggle of "
        f"over {OSC_MIN:g} that is more than {OSC_SHARE_HIGH:.0%} of everything the curve "
        f"improved, or ending more than {up(RISE_HIGH)} above its best (and more than three "
        f"times its own jitter), or {SPIKES_MANY} upward spikes of more than "
        f"{up(SPIKE_JUMP)}: an epoch average over many batches moves smoothly when the step "
        "size fits (the noisiest healthy recipes, with dropout, RMSprop or batches of 8, "
        "reach about ±11 %), so steps this large mean overshooting; an info only when a "
        "classifier's training accuracy stays steady (wiggles under 2 points, ends within 3 "
        "of its best)"
    ),
)
def unstable_training_loss(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss itself jumps up and down: the optimizer overshoots.

    What it detects:
        An epoch-averaged training loss that zig-zags around its trend, oscillates by a
        large share of everything it improved, jumps up in spikes, or drifts back up after
        reaching its best.

    Why it matters:
        The training loss of an epoch is an average over every batch; with a step size that
        fits the problem it falls smoothly. When it bounces, the steps overshoot the minimum:
        most often the learning rate is too high (or, without momentum damping, the batch
        too small, or outliers dominate some batches).

    Evidence:
        Late-run jitter (robust spread of log-loss residuals), the wiggle as a share of the
        improvement, the upward spikes and their sizes, the rise from the best, the zig-zag
        rate (sign changes of successive differences) and residual autocorrelation.
        Evidence against an architecture cause when validation ends within 3x of the
        training loss (:data:`MEMORISED_GAP`): an oversized model that jumps has memorised.

    Suggested fixes:
        Lower the learning rate (or add ReduceLROnPlateau), clip gradients, use a decaying
        schedule.

    Known limitations:
        Outlier-laden batches and an oversized model can make the training loss jump too;
        the weights of the other categories weigh that, and per-batch losses tell outliers
        apart when recorded.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr = p.train
    if tr.nonfinite_any or tr.n_finite < 6:
        return
    jit = tr.jitter_tail if finite(tr.jitter_tail) else tr.jitter
    big_spikes = [
        (i, j) for i, j in zip(tr.spike_indices, tr.spike_jumps, strict=True) if j > SPIKE_JUMP
    ]
    rise = tr.rise if finite(tr.rise) else 0.0
    noise = tr.jitter if finite(tr.jitter) else 0.0
    # the best point of a noisy curve is low by chance: a rise within three robust SDs of
    # the curve's own jitter is not a regression
    if rise <= 3.0 * noise:
        rise = 0.0
    osc = tr.osc_share if finite(tr.osc_share) else 0.0
    oscillating = osc > OSC_SHARE_HIGH and finite(tr.wiggle) and tr.wiggle > OSC_MIN
    score = max(
        ramp(jit, JITTER_HIGH * 0.6, JITTER_HIGH * 2),
        ramp(rise, RISE_HIGH * 0.6, RISE_HIGH * 4),
        ramp(len(big_spikes), 1, SPIKES_MANY + 1) * 0.8,
        ramp(osc, OSC_SHARE_HIGH * 0.6, 2 * OSC_SHARE_HIGH) if tr.wiggle > OSC_MIN else 0.0,
    )
    warn = jit > JITTER_HIGH or rise > RISE_HIGH or len(big_spikes) >= SPIKES_MANY or oscillating
    # a classifier whose training accuracy holds steady is not overshooting: the jumps are
    # in the confidence of samples it already gets right
    steady_acc = accuracy_steady(inp.m, "train")
    if steady_acc:
        warn = False
    if score <= 0.2 and not warn:
        return
    parts = []
    if jit > JITTER_HIGH * 0.6:
        parts.append(f"jitters {rel(jit)} around its trend late in the run")
    if oscillating and not parts:
        parts.append(f"swings {rel(tr.wiggle)}, {osc:.0%} of everything it improved")
    if big_spikes:
        largest = max(j for _, j in big_spikes)
        parts.append(f"spikes up {len(big_spikes)} time(s) (largest {pct(largest)})")
    if rise > RISE_HIGH * 0.6:
        parts.append(f"ends {pct(rise)} above its best")
    msg = f"{tr.key} " + ", ".join(parts or ["is unsteady"]) + ": steps overshoot"
    f = inp.m.facts
    yield Hit(
        message=msg,
        severity="warning" if warn else "info",
        strength=0.35 + 0.65 * score,
        evidence={
            "jitter_late": r4(jit),
            "jitter_threshold": JITTER_HIGH,
            "wiggle_share_of_improvement": r4(osc),
            "rise_log": r4(rise),
            "rise_threshold": RISE_HIGH,
            "train_accuracy_steady": steady_acc,
            "spikes_over_30pct": len(big_spikes),
            "sign_change_rate": r4(tr.sign_change_rate),
            "residual_autocorr": r4(tr.resid_autocorr),
        },
        series=(tr.key,),
        epochs=epoch_list(inp.m, [i for i, _ in big_spikes]),
        fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.warmup_or_schedule(f)),
    )
    if finite(p.gap_rel_final) and p.gap_rel_final < MEMORISED_GAP:
        yield Against(
            "architecture",
            0.5,
            f"{p.val.key if p.val else 'validation'} ends within {math.exp(MEMORISED_GAP):g}x "
            f"of {tr.key}: a model too large for its data that jumps like this has memorised "
            "the training set, and this one has not",
        )


@rule(
    code="CD312",
    name="loss-ends-above-start",
    category="hyperparameters",
    severity="warning",
    measures=(
        "the last three epochs (median) of the training loss against its first epoch; of "
        "the validation loss against its first epoch while training barely improved"
    ),
    threshold=(
        f"training ending more than {up(NET_UP)} above its first epoch (and above twice its "
        f"jitter); or validation ending {up(VAL_NET_UP)} above its first epoch while "
        f"training fell less than {math.exp(TRAIN_BARELY):g}x: training makes a loss lower, "
        "so a run that ends worse than it began was made worse by its own updates"
    ),
)
def loss_ends_above_start(inp: RuleInput) -> Iterator[Outcome]:
    """The loss ends above where it started: the updates made the model worse.

    What it detects:
        A training loss whose last epochs sit above its first epoch, or a validation loss
        that rose from the first epoch on while the training loss hardly moved.

    Why it matters:
        Every update is meant to lower the training loss. When the run ends worse than it
        began, the steps overshoot and undo what was learned: the learning rate is too high
        for the problem (or the output layer and the loss do not fit, so the loss cannot
        fall at all).

    Evidence:
        The net change of the training (or validation) loss in log units, its jitter, and
        how much training improved.

    Suggested fixes:
        Lower the learning rate 10x; clip gradients; check that the loss fits the output
        layer.

    Known limitations:
        A first epoch that is already unusually good (a warm start) makes any later noise
        look like a rise.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr, va = p.train, p.val
    if tr.nonfinite_any or tr.n_finite < 5 or not finite(tr.net):
        return
    f = inp.m.facts
    fx = (fixes.lower_learning_rate(f), fixes.clip_gradients(f))
    noise = tr.jitter if finite(tr.jitter) else 0.0
    if tr.net > max(NET_UP, 2.0 * noise):
        yield Hit(
            message=f"{tr.key} ends {pct(tr.net)} above where it started: updates made it worse",
            severity="warning",
            strength=0.5 + 0.5 * ramp(tr.net, NET_UP, math.log(3.0)),
            evidence={"net_change_log": r4(tr.net), "threshold_log": NET_UP, "jitter": r4(noise)},
            series=(tr.key,),
            fixes=fx,
        )
        return
    if va is None or not va.is_log or va.nonfinite_any or not finite(va.net):
        return
    barely = finite(tr.improvement) and tr.improvement < TRAIN_BARELY
    if barely and va.net > VAL_NET_UP:
        yield Hit(
            message=(
                f"{va.key} ends {pct(va.net)} above where it started while {tr.key} fell only "
                f"{down(tr.improvement)}: the model got worse on unseen data from the start"
            ),
            severity="warning",
            strength=0.4 + 0.4 * ramp(va.net, VAL_NET_UP, math.log(3.0)),
            evidence={
                "val_net_change_log": r4(va.net),
                "threshold_log": r4(VAL_NET_UP),
                "train_improvement_log": r4(tr.improvement),
            },
            series=(va.key, tr.key),
            fixes=fx,
        )


@rule(
    code="CD303",
    name="learning-rate-high",
    category="hyperparameters",
    severity="warning",
    measures="the recorded learning rate against the optimizer's typical range",
    threshold=(
        f"{LR_EXTREME_FACTOR:g}x the top of the typical range or more (Adam/RMSprop 3e-3, SGD "
        "with momentum 0.1, plain SGD 0.3; when the optimizer was not recorded, 0.1): Keras "
        "defaults sit inside these ranges and networks do not train that far above them; "
        f"{LR_WITH_SYMPTOM:g}x or more with trouble in the curves (jitter, a rise, a stall); "
        "any other rate above the range is noted, and the fitted problem score weighs it "
        "with the curves"
    ),
    uses_context=True,
)
def learning_rate_high(inp: RuleInput) -> Iterator[Outcome]:
    """The recorded learning rate is above what the optimizer usually tolerates.

    What it detects:
        A recorded (initial) learning rate above the top of the typical range for its
        optimizer; a warning when far above it.

    Why it matters:
        Too-large steps overshoot, so the loss bounces instead of settling; recurrent nets
        are especially sensitive (exploding gradients).

    Evidence:
        The learning rate, the optimizer, the typical range; whether the curve is unsteady.

    Suggested fixes:
        Lower the learning rate into the typical range; ReduceLROnPlateau; clipnorm.

    Known limitations:
        Needs the recorded context (CurveRecorder, a ``learning_rate`` column, or a given
        fact). With a warm-up or decaying schedule the initial value may be deliberately
        high.
    """
    f = inp.m.facts
    if f.learning_rate is None or f.learning_rate <= 0:
        return
    lo, hi = f.lr_range
    ratio = f.learning_rate / hi
    if lo <= f.learning_rate <= hi:
        yield Against(
            "hyperparameters",
            0.75,
            f"learning_rate {fixes.fmt_num(f.learning_rate)} is within the usual range for "
            f"{f.optimizer or 'an unrecorded optimizer'}",
        )
        return
    if ratio <= 1.0:
        return
    trouble = curve_trouble(inp.m)
    yield Hit(
        message=(
            f"learning_rate is {fixes.fmt_num(f.learning_rate)} with "
            f"{f.optimizer or 'an unrecorded optimizer'}, {ratio:.0f}x the top of its "
            f"typical range ({fixes.fmt_num(lo)}-{fixes.fmt_num(hi)})"
            + (f"; {trouble[0]}" if trouble else "")
        ),
        severity=(
            "warning"
            if ratio >= LR_EXTREME_FACTOR or (ratio >= LR_WITH_SYMPTOM and trouble)
            else "info"
        ),
        strength=ramp(math.log10(ratio), 0.0, math.log10(LR_EXTREME_FACTOR)),
        evidence={
            "learning_rate": f.learning_rate,
            "optimizer": f.optimizer,
            "typical_max": hi,
            "ratio": r4(ratio),
            "threshold_ratio": LR_EXTREME_FACTOR,
            "curve_trouble": "; ".join(trouble) or None,
        },
        fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f)),
        basis="context",
    )


@rule(
    code="CD304",
    name="slow-convergence",
    category="hyperparameters",
    severity="warning",
    measures=(
        "the shape of the training loss's decline: its slope over the last third against "
        "the first third (log units), and its total improvement"
    ),
    threshold=(
        f"a straight line on a log axis (the late slope {STRAIGHT_BEND:.0%} or more of the "
        f"early one, having fallen at least {STRAIGHT_MIN_DROP:g} in log units), or a decline "
        f"of less than {math.exp(SLOW_IMPROVEMENT):g}x still falling at the run's average "
        "pace at the end, with validation not levelled off; or, over "
        f"{NO_LEARNING_EPOCHS} epochs or more, less than {down(NO_LEARNING)} in all and still "
        "creeping down (flat is CD104): a well-set run makes most of its progress early and "
        "bends towards a floor"
    ),
)
def slow_convergence(inp: RuleInput) -> Iterator[Outcome]:
    """The loss falls steadily but slowly and never bends towards a floor: the steps are too small.

    What it detects:
        A training loss that falls as a straight line on a log axis (no fast start, no
        levelling off), or that improved little over the whole run yet is still falling at
        the same pace at the end, or that has moved less than 10 % in eight epochs or more
        and still creeps down (a model that has barely started; CD104 takes the flat case).

    Why it matters:
        A learning rate far too low (plain SGD at a low rate, a schedule that starts tiny,
        or a batch so large that an epoch is one or two steps) makes progress linear and
        slow; the run ends long before the model is trained.

    Evidence:
        Early and late slopes (log units per run length) and their ratio, the total
        improvement, the recorded learning rate and steps per epoch.

    Suggested fixes:
        Raise the learning rate (or add momentum to SGD); use smaller batches; train longer.

    Known limitations:
        A model that cannot fit the data (saturating activations or inputs) also improves
        slowly; the weights of the other categories weigh that.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr = p.train
    if tr.n_finite < 6 or tr.nonfinite_any:
        return
    if not (finite(tr.slope_all) and finite(tr.slope_tail) and finite(tr.improvement)):
        return
    bend = tr.bend
    straight = (
        finite(bend)
        and bend >= STRAIGHT_BEND
        and tr.improvement >= STRAIGHT_MIN_DROP
        and finite(tr.slope_late)
        and tr.slope_late < STILL_FALLING
    )
    slow = still_falling(tr) and tr.improvement < SLOW_IMPROVEMENT
    # moved less than CD104's 10 % over a run long enough to show it, yet still creeping
    # down (CD104 takes the flat case): the model has barely started, whatever validation
    # does, and a loss within 10 % of where it started is no converged run
    barely = (
        tr.n_finite >= NO_LEARNING_EPOCHS
        and tr.improvement < NO_LEARNING
        and tr.slope_tail <= NOT_FALLING
    )
    if not (straight or slow or barely):
        return
    va = p.val
    levelled = va is not None and va.is_log and va.n_finite >= 6 and not falls_at_the_end(va)
    creeping = barely and va is not None and finite(va.slope_tail) and va.slope_tail <= VAL_CREEPING
    # validation levelled off: a floor, not small steps, unless it falls straight too, or
    # still creeps down under a training loss that has barely moved
    if levelled and not (finite(va.bend) and va.bend >= STRAIGHT_BEND) and not creeping:
        return
    f = inp.m.facts
    lo, hi = f.lr_range
    low_lr = f.learning_rate is not None and f.learning_rate < lo
    few_steps = f.steps_per_epoch is not None and f.steps_per_epoch <= FEW_STEPS
    # recorded settings that give normal step sizes contradict "the steps are too small"
    normal_steps = (
        f.learning_rate is not None
        and lo <= f.learning_rate <= hi
        and f.steps_per_epoch is not None
        and f.steps_per_epoch > FEW_STEPS
    )
    strength = max(
        ramp(bend, STRAIGHT_BEND, 1.0) if straight else 0.0,
        0.5 + 0.5 * ramp(tr.improvement, SLOW_IMPROVEMENT, 0.1) if slow else 0.0,
        0.5 + 0.5 * ramp(tr.improvement, NO_LEARNING, 0.0) if barely else 0.0,
    )
    fx = [fixes.raise_learning_rate(f)]
    if f.optimizer and f.optimizer.lower() == "sgd" and (f.momentum or 0.0) < 0.5:
        fx.insert(0, fixes.sgd_momentum(f))
    if few_steps:
        fx.insert(0, fixes.smaller_batch(f))
    fx.append(fixes.more_epochs(f))
    if straight:
        shape = "falls as a straight line on a log axis and never bends towards a floor"
    elif slow:
        shape = f"fell only {down(tr.improvement)} and is still falling at the same pace"
    else:
        shape = (
            f"fell only {down(tr.improvement)}, still within {down(NO_LEARNING)} of where it "
            "started,"
        )

    yield Hit(
        message=f"{tr.key} {shape} over {tr.n} epochs: the steps are too small to converge",
        severity="info" if normal_steps else "warning",
        strength=max(0.3, strength) + (0.0 if not (low_lr or few_steps) else 0.2),
        evidence={
            "improvement_log": r4(tr.improvement),
            "slope_early_per_run": r4(tr.slope_early),
            "slope_late_per_run": r4(tr.slope_late),
            "bend": r4(bend),
            "bend_threshold": STRAIGHT_BEND,
            "slope_tail_per_run": r4(tr.slope_tail),
            "barely_moved_threshold_log": NO_LEARNING if barely else None,
            "learning_rate": f.learning_rate,
            "steps_per_epoch": f.steps_per_epoch,
        },
        series=(tr.key,),
        fixes=tuple(fx),
    )


def still_falling(s: SeriesMeasures) -> bool:
    """Whether a series falls at an undiminished pace: no fast start, still falling at the end.

    The late slope is at least 60 % of the whole run's, and half of the total improvement
    came after the first third of the run (an exponential start reaches it in a few
    epochs; a straight line at mid-run).
    """
    return (
        finite(s.slope_tail)
        and finite(s.slope_all)
        and s.slope_tail < STILL_FALLING
        and s.slope_tail <= STRAIGHT_BEND * s.slope_all
        and (not finite(s.half_share) or s.half_share > 1 / 3)
    )


def falls_at_the_end(s: SeriesMeasures) -> bool:
    """Whether a series is still falling at the end at 60 % or more of its average pace.

    Not levelled off: :func:`still_falling` without its "no fast start" part, since a
    validation loss that dropped fast early and still falls steadily has reached no floor.
    """
    return (
        finite(s.slope_tail)
        and finite(s.slope_all)
        and s.slope_tail < STILL_FALLING
        and s.slope_tail <= STRAIGHT_BEND * s.slope_all
    )


@rule(
    code="CD305",
    name="learning-rate-low",
    category="hyperparameters",
    severity="warning",
    measures="the recorded learning rate (and SGD momentum) against the optimizer's typical range",
    threshold=(
        f"{LR_LOW_EXTREME:g}x below the bottom of the typical range or more (Adam 1e-4, SGD "
        "with momentum 1e-3, plain SGD 1e-2, Adadelta 0.1): steps that small cannot train "
        f"in a normal number of epochs; {LR_WITH_SYMPTOM:g}x below or more when the loss "
        "barely moved or fell as a straight line on a log axis; any other rate below the "
        "range is noted, and the fitted problem score weighs it with the curves"
    ),
    uses_context=True,
)
def learning_rate_low(inp: RuleInput) -> Iterator[Outcome]:
    """The recorded learning rate is far below the optimizer's typical range.

    What it detects:
        A recorded learning rate several times below the typical range of its optimizer
        (plain SGD without momentum needs rates about ten times higher than with it).

    Why it matters:
        Tiny steps make training slow; combined with slow convergence (CD304) this is the
        likely cause.

    Evidence:
        The learning rate, the optimizer, its momentum and typical range.

    Suggested fixes:
        Raise the learning rate into the typical range (or add momentum to SGD).

    Known limitations:
        Fine-tuning deliberately uses small learning rates.
    """
    f = inp.m.facts
    if f.learning_rate is None or f.learning_rate <= 0:
        return
    lo, hi = f.lr_range
    if f.learning_rate >= lo:
        return
    ratio = lo / f.learning_rate
    kinds = {k for k, _ in curve_troubles(inp.m)}
    slow = bool(kinds & {"little_improvement", "straight"})
    warn = ratio >= LR_LOW_EXTREME or (ratio >= LR_WITH_SYMPTOM and slow)
    fx = [fixes.raise_learning_rate(f)]
    if f.optimizer and f.optimizer.lower() == "sgd" and (f.momentum or 0.0) < 0.5:
        fx.insert(0, fixes.sgd_momentum(f))
    yield Hit(
        message=(
            f"learning_rate is {fixes.fmt_num(f.learning_rate)} with "
            f"{f.optimizer or 'an unrecorded optimizer'}, {ratio:.0f}x below its typical range "
            f"({fixes.fmt_num(lo)}-{fixes.fmt_num(hi)})"
            + ("; the loss barely moved" if slow else "")
        ),
        severity="warning" if warn else "info",
        strength=ramp(math.log10(ratio), 0.0, 2.0),
        evidence={
            "learning_rate": f.learning_rate,
            "typical_min": lo,
            "ratio": r4(ratio),
            "threshold_ratio": LR_LOW_EXTREME,
            "momentum": f.momentum,
            "slow": slow,
        },
        fixes=tuple(fx),
        basis="context",
    )


@rule(
    code="CD306",
    name="small-batch-noise",
    category="hyperparameters",
    severity="info",
    measures="the recorded batch size, and the spread of per-batch losses within epochs",
    threshold=(
        f"a recorded batch_size of {NOISY_BATCH} or less, noted with a strength that grows as "
        f"the batch shrinks (full at 2): gradient noise grows as 1/sqrt(batch size), and at "
        f"{SMALL_BATCH} samples it is half the signal; tiny batches often still train well, so "
        "the fitted problem score weighs them with the curves"
    ),
    uses_context=True,
)
def small_batch_noise(inp: RuleInput) -> Iterator[Outcome]:
    """Batches so small that every step follows a handful of samples.

    What it detects:
        A tiny recorded batch size together with unsteady curves, or per-batch losses that
        scatter widely within each epoch; small batches (16 or less) are noted.

    Why it matters:
        Gradient noise grows as the batch shrinks; with a handful of samples per step the
        weights jitter from batch to batch and the validation loss with them.

    Evidence:
        The batch size, steps per epoch, the within-epoch spread of log batch losses, the
        epoch-level jitter of training and validation loss.

    Suggested fixes:
        Larger batches (32-128), possibly with a proportionally larger learning rate; a
        decaying learning rate.

    Known limitations:
        Within-epoch spread also reflects how different the samples are; heterogeneous data
        spreads even with large batches.
    """
    f = inp.m.facts
    m = inp.m
    if f.batch_size is None or f.batch_size > NOISY_BATCH:
        return
    trouble = curve_trouble(m)
    spread = m.batch.spread if m.batch is not None else float("nan")
    yield Hit(
        message=(
            f"batch_size is {f.batch_size}: each step follows {f.batch_size} sample(s), so the "
            "weights jitter from step to step" + (f"; {trouble[0]}" if trouble else "")
        ),
        severity="info",
        strength=ramp(math.log2(NOISY_BATCH / max(f.batch_size, 1)), 0.0, 3.0),
        evidence={
            "batch_size": f.batch_size,
            "threshold": SMALL_BATCH,
            "steps_per_epoch": f.steps_per_epoch,
            "batch_spread": r4(spread),
            "curve_trouble": "; ".join(trouble) or None,
        },
        fixes=(fixes.larger_batch(f), fixes.warmup_or_schedule(f)),
        basis="context",
    )


@rule(
    code="CD307",
    name="large-batch-few-steps",
    category="hyperparameters",
    severity="warning",
    measures="steps per epoch (or batch size against training samples) with slow progress",
    threshold=(
        f"at most {FEW_STEPS} steps per epoch while the loss fell less than "
        f"{math.exp(SLOW_IMPROVEMENT):g}x or is still falling at an undiminished pace: "
        "full-batch training takes one step per epoch, too few to converge in a normal "
        "number of epochs"
    ),
    uses_context=True,
)
def large_batch_few_steps(inp: RuleInput) -> Iterator[Outcome]:
    """Batches so large that an epoch is one or two optimizer steps.

    What it detects:
        One or two gradient steps per epoch (a batch as large as the training set) while
        the loss has improved little.

    Why it matters:
        Each epoch moves the weights once or twice; with a normal learning rate the run
        needs hundreds of epochs. Very large batches also tend to generalise worse.

    Evidence:
        Steps per epoch, batch size, training samples, total improvement.

    Suggested fixes:
        Batch size 32-128; or raise the learning rate with the batch.

    Known limitations:
        Needs the recorded context.
    """
    from curvedoc.rules.unscaled_data import FEW_SAMPLES

    f = inp.m.facts
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    steps = f.steps_per_epoch
    if steps is None and f.batch_size and f.train_samples:
        steps = math.ceil(f.train_samples / f.batch_size)
    if steps is None or steps > FEW_STEPS:
        return
    if f.train_samples is not None and f.train_samples < FEW_SAMPLES:
        return  # few steps because there is little data: CD103's case, not the batch size
    tr = p.train
    slow = (finite(tr.improvement) and tr.improvement < SLOW_IMPROVEMENT) or still_falling(tr)
    yield Hit(
        message=(
            f"{steps} optimizer step(s) per epoch (batch_size {f.batch_size}"
            + (f" for {f.train_samples:,} samples" if f.train_samples else "")
            + ")"
            + (f": the loss fell only {down(tr.improvement)} in {tr.n} epochs" if slow else "")
        ),
        severity="warning" if slow else "info",
        strength=0.8 if slow else 0.4,
        evidence={
            "steps_per_epoch": steps,
            "batch_size": f.batch_size,
            "train_samples": f.train_samples,
            "improvement_log": r4(tr.improvement),
        },
        fixes=(fixes.smaller_batch(f), fixes.raise_learning_rate(f)),
        basis="context",
    )


def _no_learning_after_first(m: Measurements) -> bool:
    """The training loss never got :data:`DEAD_LOSS_DROP` below its second epoch's value."""
    p = primary(m)
    tr = p.train if p is not None else None
    return (
        tr is not None
        and tr.is_log
        and finite(tr.drop_after_first)
        and tr.drop_after_first < DEAD_LOSS_DROP
    )


def _loss_of_one_class(m: Measurements, accuracy: float) -> bool:
    """The best validation loss is no better than answering one class at this accuracy.

    At or above :data:`NEAR_CHANCE_LOSS` of :func:`curvedoc.metrics.one_class_entropy`:
    a linear model that learned its task in the first epoch and then settled repeats its
    accuracy too, but its loss sits far below what a constant answer scores.
    """
    p = primary(m)
    v = p.val if p is not None else None
    floor = M.one_class_entropy(accuracy)
    return (
        v is not None
        and v.is_log
        and finite(v.best)
        and finite(floor)
        and floor > 0
        and v.best >= NEAR_CHANCE_LOSS * floor
    )


@rule(
    code="CD313",
    name="stuck-at-chance",
    category="hyperparameters",
    severity="warning",
    measures=(
        "a classifier's validation accuracy (flat, or at 1/K for K known classes) and its "
        "best validation loss against the chance-level loss ln K"
    ),
    threshold=(
        f"validation accuracy moving less than {FLAT_ACCURACY:g} over the whole run while the "
        f"training accuracy moved less than {TRAIN_ACCURACY_MOVED:g} (else it is a plateau, "
        "often a perfect one), or from the second epoch on (the first moves even a dead "
        "model's accuracy, to the class frequencies) while the training loss never got "
        f"{1 - math.exp(-DEAD_LOSS_DROP):.0%} below its second epoch's value, or "
        f"ending within {CHANCE_MARGIN:g} of 1/K, or the best validation loss at "
        f"{NEAR_CHANCE_LOSS:.0%} or more of ln K: a model that answers one class (or guesses) "
        "throughout learned nothing, whatever its loss did in the first epoch"
    ),
)
def stuck_at_chance(inp: RuleInput) -> Iterator[Outcome]:
    """A classifier stuck at the chance level: it answers one class or guesses throughout.

    What it detects:
        A validation accuracy that never moves (the model predicts the same class for
        every input) or sits at 1/K, or a validation loss that never gets below the loss of
        a model that learned nothing (ln K for K classes).

    Why it matters:
        The model learned nothing: its loss may have fallen in the first epoch (to the
        class frequencies), but it cannot tell the classes apart. The usual reasons are a
        learning rate far too high (the weights are thrown into saturation) or far too low,
        unscaled inputs that saturate the units, and an output layer that does not fit the
        loss.

    Evidence:
        The accuracy's range over the run, its best and last values, the chance level and
        the best validation loss.

    Suggested fixes:
        Lower (or raise) the learning rate, scale the inputs, check the output layer and the
        loss.

    Known limitations:
        A task where one class dominates can look stuck when the model is merely poor; the
        chance level of an unbalanced problem is below ln K.
    """
    m = inp.m
    if m.task.kind != "classification":
        return
    acc = next(
        (p for p in m.pairs if p.name == m.task.accuracy and p.val is not None),
        None,
    )
    k = m.task.n_classes
    parts: list[str] = []
    strength = 0.0
    evidence: dict[str, float | int | str | None] = {"n_classes": k}
    if acc is not None and acc.val is not None and acc.val.n_finite >= 5:
        va = acc.val
        tra = acc.train
        # a model that answers one class throughout has a flat training accuracy too
        learned = tra is not None and finite(tra.spread) and tra.spread >= TRAIN_ACCURACY_MOVED
        flat = finite(va.spread) and va.spread < FLAT_ACCURACY and not learned
        # the first epoch moves even a dead model's accuracy (to the class frequencies);
        # from then on it repeats one value while neither accuracy nor loss improves
        dead = (
            not flat
            and finite(va.spread_after_first)
            and va.spread_after_first < FLAT_ACCURACY
            and va.n_finite >= 5
            and (
                tra is None
                or not finite(tra.spread_after_first)
                or tra.spread_after_first < TRAIN_ACCURACY_MOVED
            )
            and _no_learning_after_first(m)
            and _loss_of_one_class(m, va.last / 100.0 if va.last > 1.0 else va.last)
        )
        at_chance = k is not None and finite(va.best) and va.best <= 1.0 / k + CHANCE_MARGIN
        evidence.update(accuracy_range=r4(va.spread), best_accuracy=r4(va.best))
        if flat:
            parts.append(f"{va.key} stays at {va.last:.3g} for {va.n} epochs (one class answered)")
            strength = 1.0
        elif dead:
            parts.append(
                f"{va.key} stays at {va.last:.3g} from the second epoch on and the training "
                "loss stops falling (one class answered)"
            )
            strength = 1.0
        elif at_chance:
            parts.append(f"{va.key} never gets above {va.best:.3g}, the 1/{k} of guessing")
            strength = 0.9
    p = primary(m)
    chance = m.task.chance_loss
    if (
        not parts
        and chance
        and p is not None
        and p.val is not None
        and p.val.is_log
        and p.val.n_finite >= 5
        and finite(p.val.best)
        and p.val.best >= NEAR_CHANCE_LOSS * chance
    ):
        parts.append(
            f"{p.val.key} never gets below {p.val.best:.3g}, the chance level ln {k} = {chance:.3g}"
        )
        strength = 0.8
        evidence.update(best_val_loss=r4(p.val.best), chance_loss=r4(chance))
    if not parts:
        return
    f = m.facts
    yield Hit(
        message=parts[0] + ": the classifier learned nothing",
        severity="warning",
        strength=strength,
        evidence=evidence,
        series=tuple(s for s in (m.task.accuracy and f"val_{m.task.accuracy}",) if s),
        fixes=(fixes.lower_learning_rate(f), fixes.scale_features(f), fixes.loss_for_task(f)),
    )


@rule(
    code="CD308",
    name="ordinary-noise",
    category="hyperparameters",
    severity="info",
    measures="jitter of the loss curves against the run's total improvement",
    threshold="reported for every converging run: this is the noise SGD always has",
)
def ordinary_noise(inp: RuleInput) -> Iterator[Outcome]:
    """The size of the run's ordinary noise, for the record (never a problem by itself).

    What it detects:
        How much the training and validation losses wiggle around their trends, next to how
        much they improved.

    Why it matters:
        Stochastic gradient descent always wiggles; a small bump is normal. Knowing its size
        helps judge whether a change made the run steadier (``curvedoc compare``).

    Evidence:
        Jitter (robust spread around the trend) and noise-to-signal ratio of each loss.

    Suggested fixes:
        None needed.

    Known limitations:
        Informational only.
    """
    p = primary(inp.m)
    if p is None or p.train is None or inp.m.too_short:
        return
    tr, va = p.train, p.val
    if tr.nonfinite_any:
        return
    parts = [f"{tr.key} {rel(tr.jitter) if tr.is_log else f'±{tr.jitter:.3g}'}"]
    if va is not None and finite(va.jitter):
        parts.append(f"{va.key} {rel(va.jitter) if va.is_log else f'±{va.jitter:.3g}'}")
    yield Hit(
        message="noise around the trend: " + ", ".join(parts),
        severity="info",
        strength=0.0,
        evidence={
            "train_jitter": r4(tr.jitter),
            "train_noise_to_signal": r4(tr.nsr),
            "val_jitter": r4(va.jitter) if va else None,
            "val_noise_to_signal": r4(va.nsr) if va else None,
        },
        series=tuple(s.key for s in (tr, va) if s is not None),
    )


@rule(
    code="CD310",
    name="benign-noise-cause",
    category="hyperparameters",
    severity="info",
    measures=(
        "the jitter of the loss curves, with the recorded batch size, learning rate, "
        "dropout and validation size that explain it"
    ),
    threshold=(
        f"jitter above {BENIGN_JITTER:g} ({rel(BENIGN_JITTER)}) of the training or validation "
        "loss: visible wiggle that deserves a named cause even when it does no harm"
    ),
)
def benign_noise_cause(inp: RuleInput) -> Iterator[Outcome]:
    """Visible but harmless wiggle, and what causes it.

    What it detects:
        A loss that wiggles visibly around its trend, and the recorded settings that make
        it do so: small batches, a learning rate near the top of its range, dropout, a
        small validation set; from the curves alone, which side wiggles (training: gradient
        noise; validation: the sample of validation data).

    Why it matters:
        Wiggle that does not stop the run converging costs little, but people still want
        to know where it comes from and whether to act; reporting it as an info with its
        cause answers that without raising an alarm.

    Evidence:
        Training and validation jitter, and the recorded settings.

    Suggested fixes:
        None needed; for a smoother curve, larger batches or a decaying learning rate.

    Known limitations:
        Informational only; the causes named are the recorded settings that usually produce
        such wiggle, not a measurement of each one's share.
    """
    p = primary(inp.m)
    if p is None or p.train is None or inp.m.too_short:
        return
    tr, va = p.train, p.val
    if tr.nonfinite_any or not tr.is_log:
        return
    tj = tr.jitter if finite(tr.jitter) else 0.0
    vj = va.jitter if va is not None and va.is_log and finite(va.jitter) else 0.0
    if max(tj, vj) <= BENIGN_JITTER:
        return
    f = inp.m.facts
    causes = []
    if f.batch_size is not None and f.batch_size <= NOISY_BATCH:
        causes.append(f"small batches ({f.batch_size})")
    hi = f.lr_range[1]
    if f.learning_rate is not None and f.learning_rate >= hi / 2:
        causes.append(
            f"a learning rate near the top of its range ({fixes.fmt_num(f.learning_rate)})"
        )
    if f.dropout:
        causes.append(f"dropout ({f.dropout:g})")
    if vj > 1.5 * tj and f.val_samples is not None and f.val_samples < 1000:
        causes.append(f"a validation set of {f.val_samples:,} samples")
    if not causes:
        causes.append(
            "sampling noise of the validation set"
            if vj > 1.5 * tj
            else "gradient noise of minibatches"
        )
    yield Hit(
        message=(
            f"the loss wiggles {rel(max(tj, vj))} around its trend; likely from "
            + ", ".join(causes)
        ),
        severity="info",
        strength=ramp(max(tj, vj), BENIGN_JITTER, JITTER_HIGH),
        evidence={"train_jitter": r4(tj), "val_jitter": r4(vj), "threshold": BENIGN_JITTER},
        series=tuple(s.key for s in (tr, va) if s is not None),
        fixes=(fixes.larger_batch(f), fixes.warmup_or_schedule(f)),
    )


@rule(
    code="CD309",
    name="still-improving",
    category="hyperparameters",
    severity="info",
    measures="slope of the validation loss over the last 30 % of the run",
    threshold=f"still falling by more than {-STILL_IMPROVING:.0%} per run length at the end",
)
def still_improving(inp: RuleInput) -> Iterator[Outcome]:
    """Validation was still improving when training stopped: more epochs may help.

    What it detects:
        A validation (or training) loss whose trend still falls over the last 30 % of the run.

    Why it matters:
        The run stopped before converging; the final numbers understate what the model can do.

    Evidence:
        The late slope (log units per run length).

    Suggested fixes:
        Train longer with EarlyStopping as a guard.

    Known limitations:
        Informational: a short run is not a fluctuation problem.
    """
    p = primary(inp.m)
    if p is None or inp.m.too_short:
        return
    s = p.val if p.val is not None and p.val.n_finite >= 6 else p.train
    if s is None or not s.is_log or not finite(s.slope_tail) or s.nonfinite_any:
        return
    if s.slope_tail < STILL_IMPROVING and (not finite(s.rise) or s.rise < 0.02):
        yield Hit(
            message=f"{s.key} was still falling at the end ({pct(s.slope_tail)} per run length)",
            severity="info",
            strength=ramp(-s.slope_tail, -STILL_IMPROVING, 1.0),
            evidence={"slope_late_per_run": r4(s.slope_tail)},
            series=(s.key,),
            fixes=(fixes.more_epochs(inp.m.facts),),
        )


SHORT_RUN = 12
"""A run of this many epochs or fewer is short: Keras tutorials train for 10-50 epochs, and a
curve still plunging after a dozen is a run that ended before it converged."""
MID_DESCENT_SHARE = 0.5
"""The end-of-run pace (log units per run length) at half or more of the total improvement:
one more run length at that pace would bring half as much again."""
MID_DESCENT_PER_EPOCH = 0.08
"""...and at least 0.08 log units (about 8 %) per epoch: each further epoch would still have
paid visibly. Slower ends of short runs (tiny batches stopped at 10 epochs that had nearly
levelled) were, on the examined corpus, as good as their full-length twins."""


@rule(
    code="CD311",
    name="stopped-mid-descent",
    category="hyperparameters",
    severity="warning",
    measures=(
        "the run's length in epochs and the validation loss's slope over the last 30 % of the "
        "run (log units per run length) as a share of its total improvement"
    ),
    threshold=(
        f"a run of {SHORT_RUN} epochs or fewer whose validation (else training) loss still "
        f"falls at the end at {MID_DESCENT_SHARE:.0%} or more of its total improvement per "
        f"run length and by {MID_DESCENT_PER_EPOCH:g} log units (about 8 %) or more per "
        "epoch, not ended by EarlyStopping: the model stopped half trained; longer runs "
        "that are still improving are CD309's info"
    ),
)
def stopped_mid_descent(inp: RuleInput) -> Iterator[Outcome]:
    """A short run that ended while its loss was still plunging: too few epochs.

    What it detects:
        A run of a dozen epochs or fewer whose validation loss falls as fast at the end as
        it did on average: no levelling off at all before training stopped.

    Why it matters:
        The final model is whatever the optimizer reached when the epochs ran out, not what
        the model can do; its numbers understate the model, and the curve says nothing yet
        about overfitting or a floor.

    Evidence:
        Epochs, the late slope, the total improvement and their ratio.

    Suggested fixes:
        Train for more epochs with EarlyStopping(restore_best_weights=True) as a guard.

    Known limitations:
        A deliberately short run (a smoke test, a fine-tuning pass) is flagged too.
    """
    m = inp.m
    p = primary(m)
    if p is None or m.too_short or m.n_epochs > SHORT_RUN:
        return
    f = m.facts
    if f.epochs_planned is not None and m.n_epochs < f.epochs_planned:
        return  # EarlyStopping (or the user) ended it: the curve had levelled by its test
    s = p.val if p.val is not None and p.val.n_finite >= 5 else p.train
    if s is None or not s.is_log or s.nonfinite_any or s.n_finite < 5:
        return
    if not (finite(s.slope_tail) and finite(s.improvement)) or s.improvement < 0.1:
        return
    if finite(s.rise) and s.rise >= 0.02:
        return
    share = -s.slope_tail / s.improvement
    per_epoch = -s.slope_tail / max(s.n - 1, 1)
    if share < MID_DESCENT_SHARE or per_epoch < MID_DESCENT_PER_EPOCH:
        return
    yield Hit(
        message=(
            f"{s.key} was still falling steeply when the run ended after {m.n_epochs} epochs "
            f"({pct(-s.slope_tail)} per run length, {share:.0%} of all it gained): too few epochs"
        ),
        severity="warning",
        strength=0.5 + 0.5 * ramp(share, MID_DESCENT_SHARE, 1.5),
        evidence={
            "epochs": m.n_epochs,
            "short_run_epochs": SHORT_RUN,
            "slope_late_per_run": r4(s.slope_tail),
            "improvement_log": r4(s.improvement),
            "pace_share": r4(share),
            "pace_per_epoch_log": r4(per_epoch),
            "threshold_share": MID_DESCENT_SHARE,
        },
        series=(s.key,),
        fixes=(fixes.more_epochs(f),),
    )


FROZEN_SPREAD = 1e-4
"""A loss whose values vary by less than this share of their level has stopped changing."""
FROZEN_SHARE = 0.4
"""...over at least this share of the run (and at least 5 epochs)."""
FROZEN_MIN_EPOCHS = 5


@rule(
    code="CD314",
    name="loss-frozen",
    category="hyperparameters",
    severity="warning",
    measures=(
        "how much the training loss varies over the end of the run: the longest final stretch "
        "whose values stay within a relative spread of 1e-4"
    ),
    threshold=(
        f"the last {FROZEN_SHARE:.0%} of the run (and at least {FROZEN_MIN_EPOCHS} epochs) with "
        f"a relative spread under {FROZEN_SPREAD:g}: minibatch training never repeats a loss "
        "to four digits epoch after epoch unless the weights stopped moving"
    ),
)
def loss_frozen(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss stopped changing altogether: the gradients are zero.

    What it detects:
        A training loss that repeats the same value, to four digits, for the last part of
        the run.

    Why it matters:
        Stochastic training always moves the loss a little from epoch to epoch. A loss that
        is frozen means the weights no longer change: a step too large threw the network
        into a dead region (ReLU units that never fire again, saturated sigmoids), or the
        inputs saturate every unit from the start. Training longer cannot help.

    Evidence:
        The frozen value, from which epoch, and the loss before it.

    Suggested fixes:
        Lower the learning rate (the usual cause is a blow-up in the first steps), clip
        gradients, scale the inputs, use a leaky activation.

    Known limitations:
        A learning rate of exactly zero (a schedule that ended) freezes the loss too.
    """
    history = inp.history
    p = primary(inp.m)
    if p is None or p.train is None or p.train.nonfinite_any:
        return
    y = history.epoch_series[p.train.key]
    y = y[np.isfinite(y)]
    n = y.shape[0]
    need = max(FROZEN_MIN_EPOCHS, math.ceil(FROZEN_SHARE * n))
    if n < need or n < FROZEN_MIN_EPOCHS:
        return
    tail = y[-need:]
    level = float(np.max(np.abs(tail)))
    if level <= 0 or (float(np.max(tail)) - float(np.min(tail))) > FROZEN_SPREAD * level:
        return
    # how long it has been frozen
    k = need
    while k < n and abs(float(y[-k - 1]) - float(tail[-1])) <= FROZEN_SPREAD * level:
        k += 1
    start = int(history.epochs[-k]) if k <= history.epochs.shape[0] else None
    f = inp.m.facts
    yield Hit(
        message=(
            f"{p.train.key} stays at {tail[-1]:.6g} for the last {k} epochs: the weights "
            "stopped moving (dead or saturated units)"
        ),
        severity="warning",
        strength=1.0,
        evidence={"frozen_value": float(tail[-1]), "frozen_epochs": k, "threshold": FROZEN_SPREAD},
        series=(p.train.key,),
        epochs=(start,) if start is not None else (),
        fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.scale_features(f)),
    )


LATE_START_BEND = 1.5
"""A late slope one and a half times the early one: the curve sat still, then fell."""
BLOWUP_DROP = math.log(100.0)
"""A first epoch a hundred times above the second: the loss exploded inside epoch 0."""


@rule(
    code="CD315",
    name="curve-shape",
    category="hyperparameters",
    severity="info",
    measures=(
        "two shapes of the training loss: a late start (its last third falls 1.5x faster "
        "than its first third) and a first-epoch blow-up (the first epoch 100x above the "
        "second)"
    ),
    threshold=(
        f"late start: late slope at least {LATE_START_BEND:g}x the early one, having fallen "
        f"at least {STRAIGHT_MIN_DROP:g} in log units; blow-up: the first epoch "
        f"{math.exp(BLOWUP_DROP):.0f}x above the second. Observations only: they feed the "
        "weights (a late start is typical of saturating activations and of tiny steps, a "
        "blow-up of a learning rate too high or raw targets)"
    ),
)
def curve_shape(inp: RuleInput) -> Iterator[Outcome]:
    """Shapes of the training loss that say something about the cause, never a verdict.

    What it detects:
        A loss that sat nearly still at first and only later fell faster (a late start),
        and a loss whose first epoch is a hundred times above the second (it exploded
        inside the first epoch and recovered).

    Why it matters:
        A late start is how vanishing gradients (saturated sigmoid or tanh stacks) and
        tiny steps look: the model needs many epochs to find its way out of a plateau. A
        first-epoch blow-up means the first steps were far too large for the loss
        (a learning rate too high, or targets in raw units that the output had to reach).

    Evidence:
        The early and late slopes and their ratio; the first and second epoch's losses.

    Suggested fixes:
        None by itself; the causes it points at carry theirs.

    Known limitations:
        Informational: the weights decide how much it counts.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log or p.train.nonfinite_any:
        return
    tr = p.train
    f = inp.m.facts
    y = inp.history.epoch_series[tr.key]
    y = y[np.isfinite(y)]
    if y.shape[0] >= 3 and y[1] > 0 and y[0] / y[1] >= math.exp(BLOWUP_DROP):
        yield Hit(
            message=(
                f"{tr.key} starts at {y[0]:.3g} and is {y[1]:.3g} one epoch later: it exploded "
                "inside the first epoch"
            ),
            severity="info",
            strength=ramp(math.log(y[0] / y[1]), BLOWUP_DROP, 2 * BLOWUP_DROP),
            evidence={"first": float(y[0]), "second": float(y[1])},
            series=(tr.key,),
            fixes=(fixes.lower_learning_rate(f), fixes.scale_targets(f)),
        )
    bend = tr.bend
    if finite(bend) and bend >= LATE_START_BEND and tr.improvement >= STRAIGHT_MIN_DROP:
        yield Hit(
            message=f"{tr.key} sat nearly still at first and fell faster later (a late start)",
            severity="info",
            strength=ramp(bend, LATE_START_BEND, 4.0),
            evidence={"bend": r4(bend), "slope_early_per_run": r4(tr.slope_early)},
            series=(tr.key,),
            fixes=(fixes.relu_activations(f), fixes.raise_learning_rate(f)),
        )


VAL_SWING = 0.15
"""A validation loss wiggling by more than this (log units, about ±16 %)..."""
VAL_SWING_SHARE = 0.3
"""...that is more than 30 % of everything it improved, swings visibly on any plot."""
VAL_ACC_SWING = 0.04
"""A validation accuracy wiggling by four points (RMS around its trend) swings visibly."""


@rule(
    code="CD316",
    name="unsteady-validation",
    category="hyperparameters",
    severity="warning",
    measures=(
        "the validation loss's wiggle around its trend against what it improved, and the "
        "validation accuracy's wiggle (RMS, accuracy points)"
    ),
    threshold=(
        f"a validation loss wiggling more than {rel(VAL_SWING)} and by more than "
        f"{VAL_SWING_SHARE:.0%} of its improvement, or a validation accuracy wiggling "
        f"{VAL_ACC_SWING * 100:.0f} points: healthy runs stay under a tenth of that share and "
        "under two and a half points, whatever their batch size; or, over "
        f"{VAL_STALL_EPOCHS} epochs or more, a validation loss wiggling more than "
        f"{rel(VAL_STALL_WIGGLE)} that got less than {VAL_STALL_SHARE:g}x that wiggle below "
        "its second epoch's value: it learned in the first epoch and has only wobbled (or "
        "climbed) since; "
        "an info when the logged "
        "learning rate was raised again during the run (warm restarts, cyclic rates), whose "
        "rises make the curves jump on purpose"
    ),
)
def unsteady_validation(inp: RuleInput) -> Iterator[Outcome]:
    """The validation curve swings from epoch to epoch by a large share of its progress.

    What it detects:
        A validation loss (or accuracy) that jumps up and down around its trend by much of
        what it improved over the run, whatever the training loss does; or a validation
        loss that stopped improving after its first epoch and has only wobbled since.

    Why it matters:
        The model's weights swing from epoch to epoch: each epoch's weights are a different
        model on unseen data. Steps too large (a learning rate too high, tiny batches) are
        the usual reason; a validation set of a handful of samples makes its loss swing
        too. Whichever epoch training stops at is a lottery.

    Evidence:
        The validation wiggle, its share of the improvement, the validation accuracy's
        wiggle.

    Suggested fixes:
        Lower the learning rate (or decay it), larger batches, EarlyStopping with
        restore_best_weights=True; a larger validation set.

    Known limitations:
        The curves alone cannot tell weights that swing from a validation sample that is
        too small; the recorded validation size and batch size tell them apart.
    """
    m = inp.m
    p = primary(m)
    if p is None or p.val is None or p.val.nonfinite_any or p.val.n_finite < 6:
        return
    va = p.val
    share = va.osc_share if finite(va.osc_share) else 0.0
    loss_swings = (
        va.is_log and finite(va.wiggle) and va.wiggle > VAL_SWING and share > VAL_SWING_SHARE
    )
    acc = m.accuracy_pair()
    acc_wiggle = (
        acc.val.wiggle
        if acc is not None and acc.val is not None and acc.val.n_finite >= 6
        else float("nan")
    )
    acc_swings = finite(acc_wiggle) and acc_wiggle > VAL_ACC_SWING
    # level since its second reading: it did not climb away either (a rise is CD208's)
    stalled = (
        va.is_log
        and m.bin_size == 1
        and va.n_finite >= VAL_STALL_EPOCHS
        and finite(va.wiggle)
        and va.wiggle > VAL_STALL_WIGGLE
        and finite(va.drop_after_first)
        and va.drop_after_first < VAL_STALL_SHARE * va.wiggle
    )
    climbed = stalled and finite(va.rise) and va.rise > VAL_STALL_SHARE * va.wiggle
    since = None
    if stalled:
        raw = np.asarray(inp.history.epoch_series.get(va.key, ()), dtype=float)
        idx = np.flatnonzero(np.isfinite(raw))
        since = m.epoch_at(int(idx[1])) if idx.size >= 2 else None
    if not (loss_swings or acc_swings or stalled):
        return
    parts = []
    if loss_swings:
        parts.append(f"{va.key} swings {rel(va.wiggle)}, {share:.0%} of what it improved")
    elif stalled:
        when = f"epoch {since}" if since is not None else "its second reading"
        parts.append(
            f"{va.key} has not improved since {when} (it got {down(va.drop_after_first)} "
            "lower at best) and "
            + (f"has climbed {up(va.rise)} since" if climbed else f"only wobbles {rel(va.wiggle)}")
        )
    if acc_swings and acc is not None and acc.val is not None:
        parts.append(f"{acc.val.key} swings by {acc_wiggle * 100:.1f} points")
    f = m.facts
    # a schedule that raises the rate again (warm restarts, cyclic rates) makes the curves
    # jump each time on purpose: noted, the swings are the schedule's
    scheduled = f.lr_raised
    yield Hit(
        message=" and ".join(parts)
        + (
            ": the logged learning rate was raised again during the run (warm restarts or a "
            "cyclic schedule), and each rise makes the curves jump"
            if scheduled
            else ": each epoch's weights are a different model"
        ),
        severity="info" if scheduled else "warning",
        strength=max(
            ramp(share, VAL_SWING_SHARE, 1.0) if loss_swings else 0.0,
            ramp(acc_wiggle, VAL_ACC_SWING, 0.1) if acc_swings else 0.0,
            0.5 if stalled else 0.0,
            0.3,
        ),
        evidence={
            "val_wiggle": r4(va.wiggle),
            "wiggle_share_of_improvement": r4(share),
            "val_drop_after_second_reading_log": r4(va.drop_after_first),
            "stalled_after_first_epoch": stalled,
            "stalled_since_epoch": since,
            "threshold_stall_wiggle": VAL_STALL_WIGGLE,
            "threshold_stall_share": VAL_STALL_SHARE,
            "threshold_stall_epochs": VAL_STALL_EPOCHS,
            "val_accuracy_wiggle": r4(acc_wiggle),
            "threshold_wiggle": VAL_SWING,
            "threshold_share": VAL_SWING_SHARE,
            "threshold_accuracy": VAL_ACC_SWING,
            "learning_rate_raised": scheduled,
        },
        series=tuple(
            k for k in (va.key, acc.val.key if acc is not None and acc.val else None) if k
        ),
        epochs=epoch_list(m, list(va.spike_indices)),
        fixes=(fixes.lower_learning_rate(f), fixes.larger_batch(f), fixes.early_stopping(f)),
    )


BLOWUP_RATIO = 10.0
"""The first epoch's mean training loss 10x or more above both the validation loss measured
after it and the next epochs' training losses: the first steps blew the loss up. A healthy
first epoch that learns fast averages in its untrained start too, but stays within a few
times the loss it ends at."""


@rule(
    code="CD317",
    name="first-epoch-blowup",
    category="hyperparameters",
    severity="info",
    measures=(
        "the first epoch's training loss against the validation loss after it and against "
        "the median training loss of epochs 2-4 (both as ratios)"
    ),
    threshold=(
        f"both ratios {BLOWUP_RATIO:g}x or more: the average over the first epoch's batches "
        "holds losses far above anything the model returns to, the mark of steps that threw "
        "the weights far off at the start; a training loss that stays far above validation "
        "all run (outliers, CD404) is excluded by the second ratio. Evidence for the cause, "
        "noted: on its own the run may recover"
    ),
)
def first_epoch_blowup(inp: RuleInput) -> Iterator[Outcome]:
    """The first epoch's training loss is far above everything after it: the first steps blew up.

    What it detects:
        A first-epoch training loss (the mean over its batches) ten or more times the
        validation loss measured at the end of that epoch and the training losses of the
        epochs after it.

    Why it matters:
        Steps too large for the untrained network throw the loss up by orders of magnitude
        in the first batches; the model may recover, or land with dead or saturated units
        and a loss frozen at the chance level. Either way the learning rate is too high for
        the start of training.

    Evidence:
        The first training loss, the first validation loss, the median of epochs 2-4.

    Suggested fixes:
        Lower the learning rate, or warm it up over the first epochs; clip gradients.

    Known limitations:
        Needs a validation loss and four epochs; a loss with unscaled inputs can blow up in
        the first steps too, which the scale rules weigh.
    """
    p = primary(inp.m)
    if p is None or p.train is None or p.val is None or not p.train.is_log:
        return
    t = inp.history.epoch_series.get(p.train.key)
    v = inp.history.epoch_series.get(p.val.key)
    if t is None or v is None:
        return
    t = np.asarray(t[:4], dtype=float)  # only the first epochs are read
    v = np.asarray(v[:1], dtype=float)
    if t.size < 4 or v.size < 1:
        return
    t0, v0 = float(t[0]), float(v[0])
    nxt = t[1:4][np.isfinite(t[1:4])]
    if not (math.isfinite(t0) and math.isfinite(v0) and t0 > 0 and v0 > 0 and nxt.size):
        return
    t_next = float(np.median(nxt))
    if t_next <= 0:
        return
    over_val, over_next = t0 / v0, t0 / t_next
    if over_val < BLOWUP_RATIO or over_next < BLOWUP_RATIO:
        return
    f = inp.m.facts
    ratio = min(over_val, over_next)
    yield Hit(
        message=(
            f"the first epoch's {p.train.key} ({fixes.fmt_num(t0)}) is {over_val:.0f}x the "
            f"{p.val.key} after it and {over_next:.0f}x the next epochs': the first steps blew "
            "the loss up"
        ),
        severity="info",
        strength=ramp(math.log10(ratio), 1.0, 3.0),
        evidence={
            "first_train_loss": r4(t0),
            "first_val_loss": r4(v0),
            "train_epochs_2_to_4_median": r4(t_next),
            "ratio_over_val": r4(over_val),
            "ratio_over_next": r4(over_next),
            "threshold_ratio": BLOWUP_RATIO,
        },
        series=(p.train.key,),
        epochs=(inp.m.epoch_at(0) or 0,),
        fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f)),
    )


@rule(
    code="CD318",
    name="loss-climbs-at-end",
    category="hyperparameters",
    severity="warning",
    measures=(
        "the last three epochs of the training and validation losses: whether each of the "
        "last two rose, and how far the last lies above the curve's best (log units)"
    ),
    threshold=(
        "the last two epochs each higher than the one before, the last "
        f"{math.exp(END_CLIMB):g}x or more above both the value three epochs earlier and the "
        "best: a run that settles never doubles "
        "its loss in its final epochs, and one bad epoch is not two rises in a row (the "
        "trend-based measures of CD301 and CD302 smooth over the last epochs, so they miss a "
        "climb that only starts there); the climb must also exceed three times the curve's "
        "own jitter, show on the plot and, for a classifier, move its accuracy; not on a "
        "training loss CD301 or CD302 already flags, nor on curves logged every few epochs or "
        "longer than 2,000 epochs"
    ),
)
def loss_climbs_at_end(inp: RuleInput) -> Iterator[Outcome]:
    """The loss climbs away in the last epochs of the run: training is blowing up as it ends.

    What it detects:
        A training or validation loss whose last two epochs each rose, the last ending at
        twice its best or more and twice the value three epochs before: a blow-up that
        begins just before the run stops.

    Why it matters:
        The weights the run ends with are far worse than the ones it had a few epochs
        earlier: the steps began to overshoot (a learning rate that is too high for the
        late, sharper part of the loss surface, exploding gradients) and the next epochs
        would diverge. Measures that follow the curve's trend smooth such a late climb
        away, but it is what anyone sees at the right edge of the plot.

    Evidence:
        The last three values, the best value and the ratio of the last to the best.

    Suggested fixes:
        Lower the learning rate (or decay it), clip gradients; keep the best weights with
        EarlyStopping(restore_best_weights=True).

    Known limitations:
        A validation set of a handful of samples can rise twice by chance; the recorded
        validation size tells that apart.
    """
    m = inp.m
    p = primary(m)
    # a curve of over 2,000 epochs is measured in bins: its last epochs are not read one by
    # one, and three of them say nothing about a run that long
    if p is None or m.bin_size > 1:
        return
    f = m.facts
    floor = p.log_floor  # the floor the side's jitter was measured with
    for side in (p.train, p.val):
        if side is None or not side.is_log or side.nonfinite_any or side.n_finite < 6:
            continue
        if side is p.train and accuracy_steady(m, "train"):
            continue  # a near-zero loss that moves while the decisions hold
        if side is p.val and decisions_hold(m):
            continue  # a climb that costs a classifier no accuracy
        if side is p.train and (
            side.rise > DIVERGED_RISE or (side.rise > RISE_HIGH and side.rise > 3.0 * side.jitter)
        ):
            continue  # CD301 or CD302 already reads the climb from the trend
        raw = np.asarray(inp.history.epoch_series.get(side.key, ()), dtype=float)
        idx = np.flatnonzero(np.isfinite(raw))
        if idx.size < 6 or np.any(raw[idx] <= 0):
            continue
        if np.any(np.diff(idx[-4:]) != 1):
            continue  # logged every few epochs: its last readings are not consecutive epochs
        tail = raw[idx[-4:]] + floor
        z = np.log(tail)  # only the tail and the best are read: no log of a long curve
        best = float(np.min(raw[idx])) + floor
        climb = float(z[-1] - math.log(best))
        recent = float(z[-1] - z[0])
        # two rises in a row, doubling the loss within three epochs: a steady climb over many
        # epochs is a validation rise or a regression (CD208, CD302), not a blow-up; and
        # standing out from the curve's own epoch-to-epoch noise: a validation loss that
        # wobbles by a factor of three rises twice in a row by chance
        noise = 3.0 * side.jitter if finite(side.jitter) else 0.0
        if not (z[-1] > z[-2] > z[-3] and recent >= max(END_CLIMB, noise)):
            continue
        if climb < END_CLIMB:
            continue
        # on the validation side the last value must show on the ordinary linear plot: a
        # fifth of the fall before the best given back (the last value itself, not a
        # windowed median as rise_visible uses: the climb is in the last epochs)
        b = int(idx[np.argmin(raw[idx])])
        top = float(np.nanmax(raw[: b + 1]))
        fall = top - float(raw[b])
        gave_back = float(raw[idx[-1]]) - float(raw[b])
        if side is p.val and fall > 0 and gave_back < VISIBLE_RISE * fall:
            continue
        epochs = inp.history.epochs
        last = [int(epochs[i]) for i in idx[-2:]] if len(epochs) == raw.size else []
        yield Hit(
            message=(
                f"{side.key} climbs in each of the last two epochs, {math.exp(recent):.1f}x in "
                f"three epochs, and ends {math.exp(climb):.1f}x above its best: the run is "
                "blowing up as it ends"
            ),
            severity="warning",
            strength=0.4 + 0.6 * ramp(climb, END_CLIMB, math.log(10.0)),
            evidence={
                "last_four": [r4(float(v)) for v in raw[idx[-4:]]],
                "best": r4(float(np.min(raw[idx]))),
                "ratio_last_to_best": r4(math.exp(climb)),
                "ratio_over_last_three_epochs": r4(math.exp(recent)),
                "jitter_log": r4(side.jitter),
                "threshold_ratio": math.exp(END_CLIMB),
            },
            series=(side.key,),
            epochs=tuple(last),
            fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.early_stopping(f)),
        )
        return
