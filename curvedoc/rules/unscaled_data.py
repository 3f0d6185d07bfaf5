"""Rules for the unscaled-data category: unscaled features or targets, too little data."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from curvedoc import fixes, names
from curvedoc.report import MIN_EPOCHS
from curvedoc.rules.common import curve_trouble, down, finite, primary, r4, ramp
from curvedoc.rules.registry import Against, Hit, Outcome, RuleInput, rule

INPUT_RMS = 4.0
"""A feature whose root-mean-square value exceeds this is not scaled: a standardised feature
has RMS 1 and a min-max scaled one at most 1, whatever its outliers."""
INPUT_SCALE_RATIO = 20.0
"""Features whose RMS values differ by more than this are not on a common scale."""
SCALE_EXTREME = 100.0
"""Inputs or targets with an RMS (or feature scales differing) this far beyond a standard
scale are a problem on their own; between, the fitted problem score weighs them with the
curves."""
TARGET_RMS = 4.0
"""Regression targets with an RMS above this are not scaled (same reasoning as inputs)."""
SQUARED_LOSS_LARGE = 50.0
"""A squared-error loss starting above this implies targets on a scale of ~7 or more."""
FEW_SAMPLES = 100
"""Training samples below this are too few for a neural network to learn a stable pattern."""
FEW_SAMPLES_NOTE = 300
"""...and below this the sample count is noted (an info) as evidence of insufficient data."""
NO_LEARNING = 0.1
"""A training loss that moved less than this (log units, 10 %) learned nothing."""
NOT_FALLING = -0.05
"""...and is not falling at the end (late slope above this, log units per run length)."""
NO_LEARNING_EPOCHS = 8
"""Runs shorter than this cannot show a loss that never moved."""
LEARNED_LITTLE = math.log(2.0)
"""A training loss that fell less than 2x is noted (an info) as learning little."""


def _squared_loss(inp: RuleInput) -> tuple[bool, str]:
    """Whether the loss is a squared error (from context or metric names), and why we think so."""
    f = inp.m.facts
    if f.loss_kind is not None:
        return f.loss_kind == "squared", f"the compiled loss is {f.loss}"
    keys = list(inp.history.epoch_series)
    if any(names.is_squared_error(k) for k in keys):
        return True, "an MSE metric is logged"
    return False, ""


@rule(
    code="CD101",
    name="unscaled-inputs",
    category="unscaled_data",
    severity="warning",
    measures="recorded per-feature input statistics (RMS value sqrt(mean^2 + std^2) per feature)",
    threshold=(
        f"a feature's root-mean-square value above {INPUT_RMS:g}, or feature RMS values "
        f"differing more than {INPUT_SCALE_RATIO:g}x, is noted (the fitted problem score "
        f"weighs it with the curves); an RMS of {SCALE_EXTREME:g} or more (scales differing "
        f"{SCALE_EXTREME**2:g}x) is a problem on its own: a standardised feature has RMS 1 "
        "and a min-max scaled one at most 1, whatever its outliers; tanh/sigmoid gates and "
        "softmax logits saturate on large inputs"
    ),
    uses_context=True,
)
def unscaled_inputs(inp: RuleInput) -> Iterator[Outcome]:
    """The input features are not scaled.

    What it detects:
        Recorded input statistics (``CurveRecorder(path, data=x_train)``) showing values
        far outside a standardised range, or features on wildly different scales.

    Why it matters:
        LSTM and GRU gates are sigmoids and tanh: large inputs saturate them, gradients
        vanish or explode, and features with large values dominate the updates. The loss
        stalls or jumps.

    Evidence:
        The largest per-feature RMS value, the ratio of the largest to the smallest, and
        the largest absolute input value.

    Suggested fixes:
        Standardise or min-max scale every feature, fitting the scaler on the training split
        only; or a Normalization layer adapted on the training data.

    Known limitations:
        Needs recorded input statistics. Integer-coded categorical inputs fed to an
        Embedding layer are large by design.
    """
    f = inp.m.facts
    if f.input_rms_max is None:
        return
    big = f.input_rms_max > INPUT_RMS
    ratio = f.input_rms_ratio if f.input_rms_ratio is not None else 1.0
    mixed = ratio > INPUT_SCALE_RATIO
    if not (big or mixed):
        yield Against("unscaled_data", 0.6, "the recorded inputs are on a standard scale")
        return
    size = max(
        ramp(math.log10(f.input_rms_max), math.log10(INPUT_RMS), 2.5),
        ramp(math.log10(ratio), 1.3, 3.0),
    )
    parts = []
    if big:
        parts.append(f"input features have values around {fixes.fmt_num(f.input_rms_max)} (RMS)")
    if mixed:
        parts.append(f"feature scales differ {fixes.fmt_num(ratio)}x")
    yield Hit(
        message=" and ".join(parts) + ": the features are not scaled",
        severity="warning"
        if f.input_rms_max >= SCALE_EXTREME or ratio >= SCALE_EXTREME**2
        else "info",
        strength=0.2 + 0.8 * size,
        evidence={
            "input_rms_max": r4(f.input_rms_max),
            "threshold_rms": INPUT_RMS,
            "feature_rms_ratio": r4(ratio),
            "threshold_ratio": INPUT_SCALE_RATIO,
            "input_max_abs": r4(f.input_max_abs),
        },
        fixes=(fixes.scale_features(f), fixes.normalization_layer(f), fixes.scale_targets(f)),
        basis="context",
    )


@rule(
    code="CD102",
    name="unscaled-targets",
    category="unscaled_data",
    severity="warning",
    measures="recorded target statistics, or the magnitude of a squared-error loss",
    threshold=(
        f"recorded targets with an RMS of {SCALE_EXTREME:g} or more; an RMS above "
        f"{TARGET_RMS:g}, or a squared-error loss starting above {SQUARED_LOSS_LARGE:g} "
        f"(targets on a scale of about {math.sqrt(SQUARED_LOSS_LARGE):.0f} or more), is noted "
        "and the fitted problem score weighs it with the curves (a model can learn raw "
        "targets well): with scaled targets an MSE starts near the target variance, about 1; "
        "never for a classifier"
    ),
)
def unscaled_targets(inp: RuleInput) -> Iterator[Outcome]:
    """The regression targets are not scaled: the squared-error loss is huge.

    What it detects:
        Recorded target statistics far from unit scale, or (with no context) a
        squared-error loss whose magnitude can only come from targets in the tens, hundreds
        or thousands.

    Why it matters:
        The output layer must reach large values through small weight steps, so training
        is slow; the squared error of large targets makes gradients huge and uneven and the
        loss jumps. Any error in a high-magnitude target dominates the loss.

    Evidence:
        Target max |y| and standard deviation, the loss at the first and best epoch, the
        loss function.

    Suggested fixes:
        Scale the targets (fit on training data), inverse-transform predictions; scale the
        inputs too.

    Known limitations:
        Without a recorded loss name, the loss is taken for a squared error only when an
        MSE metric is logged or its size leaves no other reading (above 1,000). Never
        applied to a classifier (an accuracy-type metric or a cross-entropy loss), whose
        loss can only be huge because training diverged.
    """
    f = inp.m.facts
    p = primary(inp.m)
    if inp.m.task.kind == "classification":
        return  # a classifier's loss is no squared error, whatever size it reaches
    squared, why = _squared_loss(inp)
    regression = f.loss_kind in (None, "squared", "absolute", "robust")
    if f.target_rms is not None and regression:
        if f.target_rms > TARGET_RMS:
            yield Hit(
                message=(
                    f"targets have values around {fixes.fmt_num(f.target_rms)} (RMS)"
                    + (f" while the loss is {f.loss}" if f.loss else "")
                    + ": scale them and inverse-transform predictions"
                ),
                severity="warning" if f.target_rms >= SCALE_EXTREME else "info",
                strength=0.2 + 0.8 * ramp(math.log10(f.target_rms), math.log10(TARGET_RMS), 3.0),
                evidence={
                    "target_rms": r4(f.target_rms),
                    "target_max_abs": r4(f.target_max_abs),
                    "threshold_rms": TARGET_RMS,
                    "loss": f.loss,
                },
                fixes=(fixes.scale_targets(f), fixes.scale_features(f)),
                basis="context",
            )
            return
        if f.input_rms_max is not None and f.input_rms_max <= INPUT_RMS:
            return
    if p is None or p.train is None or not finite(p.train.first):
        return
    start = max(p.train.first, p.val.first if p.val is not None and finite(p.val.first) else 0.0)
    if not squared and start > 1000 and f.loss_kind is None:
        squared, why = True, "no other common loss reaches this size"
    if squared and start > SQUARED_LOSS_LARGE:
        yield Hit(
            message=(
                f"the squared-error loss starts at {fixes.fmt_num(start)} ({why}): the targets "
                f"are on a scale of about {fixes.fmt_num(math.sqrt(start))}, not scaled"
            ),
            severity="info",
            strength=0.45 + 0.4 * ramp(math.log10(start), math.log10(SQUARED_LOSS_LARGE), 4.0),
            evidence={
                "first_loss": r4(start),
                "threshold": SQUARED_LOSS_LARGE,
                "implied_target_scale": r4(math.sqrt(start)),
                "reason": why,
            },
            series=(p.train.key,),
            fixes=(fixes.scale_targets(f), fixes.scale_features(f)),
        )


@rule(
    code="CD103",
    name="too-little-data",
    category="unscaled_data",
    severity="warning",
    measures="recorded training sample count, with the curves' overfitting or noise",
    threshold=(
        f"fewer than {FEW_SAMPLES} training samples: with fewer sequences than a small "
        "recurrent net has units per gate, chance patterns are as likely as real ones; "
        f"under {FEW_SAMPLES_NOTE} is noted as an info"
    ),
    uses_context=True,
)
def too_little_data(inp: RuleInput) -> Iterator[Outcome]:
    """Too few training samples for the model to learn a stable pattern.

    What it detects:
        A recorded training set of fewer than 100 samples.

    Why it matters:
        With few sequences the model overfits early or bounces between explanations that
        do not hold across the data; more (or better windowed) data steadies training.

    Evidence:
        The training sample count, and what in the curves went wrong.

    Suggested fixes:
        More data, overlapping windows, augmentation; a smaller model; EarlyStopping.

    Known limitations:
        Needs the recorded context.
    """
    f = inp.m.facts
    n = f.train_samples
    if n is None:
        return
    if n < FEW_SAMPLES_NOTE and n >= FEW_SAMPLES:
        yield Hit(
            message=f"{n:,} training samples: little data for a neural network",
            severity="info",
            strength=ramp(FEW_SAMPLES_NOTE - n, 0, FEW_SAMPLES_NOTE - FEW_SAMPLES) * 0.5,
            evidence={"train_samples": n, "threshold": FEW_SAMPLES},
            fixes=(fixes.more_data(f),),
            basis="context",
        )
    if n < FEW_SAMPLES:
        trouble = curve_trouble(inp.m)
        yield Hit(
            message=(
                f"only {n:,} training samples: too few for a neural network to learn a stable "
                "pattern" + (f"; {trouble[0]}" if trouble else "")
            ),
            severity="warning",
            strength=0.5 + 0.5 * ramp(FEW_SAMPLES - n, 0, FEW_SAMPLES * 0.6),
            evidence={
                "train_samples": n,
                "threshold": FEW_SAMPLES,
                "curve_trouble": "; ".join(trouble) or None,
            },
            fixes=(fixes.more_data(f), fixes.smaller_model(f), fixes.early_stopping(f)),
            basis="context",
        )
    elif n >= 10 * FEW_SAMPLES and f.input_rms_max is not None and f.input_rms_max <= INPUT_RMS:
        yield Against("unscaled_data", 0.8, f"{n:,} training samples on scaled inputs")


@rule(
    code="CD104",
    name="no-learning",
    category="unscaled_data",
    severity="warning",
    measures="total improvement and late slope of the training loss (log units)",
    threshold=(
        f"the training loss fell less than {down(NO_LEARNING)} (log {NO_LEARNING:g}) over at "
        f"least {NO_LEARNING_EPOCHS} epochs and is not falling at the end (late slope above "
        f"{NOT_FALLING:g} per run): the model predicts a constant; saturated units from "
        f"unscaled inputs are the usual reason; less than {math.exp(LEARNED_LITTLE):g}x is "
        "noted"
    ),
)
def no_learning(inp: RuleInput) -> Iterator[Outcome]:
    """The loss never moved: the model learned nothing.

    What it detects:
        A training loss that stays within 10 % of its starting level for the whole run and
        is flat at the end.

    Why it matters:
        A recurrent net that cannot move its loss at all is usually saturated: raw inputs
        in the hundreds or thousands push LSTM/GRU gates to 0 or 1, gradients vanish, and the
        network falls back on predicting the mean. (A learning rate far too low moves the
        loss slowly but steadily, and is told apart by its slope.)

    Evidence:
        Total improvement and late slope of the training loss.

    Suggested fixes:
        Scale the inputs (and targets); check the data pipeline (are the labels aligned
        with the inputs?); then the learning rate.

    Known limitations:
        From the curve alone, a learning rate far too low and outliers that dominate a
        squared-error loss flatten it too; the fitted weights spread this finding over
        those categories, and recorded context (input statistics, learning rate, per-batch
        losses) tells them apart.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr = p.train
    if tr.n_finite < NO_LEARNING_EPOCHS or tr.nonfinite_any:
        return
    if not (finite(tr.improvement) and finite(tr.slope_tail)):
        return
    if (
        tr.improvement < NO_LEARNING
        and tr.slope_tail > NOT_FALLING
        and (not finite(tr.rise) or tr.rise < NO_LEARNING)
    ):
        f = inp.m.facts
        yield Hit(
            message=(
                f"{tr.key} moved only {down(tr.improvement)} in {tr.n} epochs and is flat: the "
                "model learned nothing"
            ),
            severity="warning",
            strength=0.5 + 0.5 * ramp(tr.improvement, NO_LEARNING, 0.0),
            evidence={
                "improvement_log": r4(tr.improvement),
                "threshold_log": NO_LEARNING,
                "slope_late_per_run": r4(tr.slope_tail),
            },
            series=(tr.key,),
            fixes=(fixes.scale_features(f), fixes.raise_learning_rate(f), fixes.clean_outliers(f)),
        )
    elif tr.improvement < LEARNED_LITTLE:
        # not "nothing", but little: evidence for the weights, no verdict by itself
        f = inp.m.facts
        yield Hit(
            message=f"{tr.key} fell only {down(tr.improvement)} over the run",
            severity="info",
            strength=0.5 * ramp(tr.improvement, LEARNED_LITTLE, NO_LEARNING),
            evidence={"improvement_log": r4(tr.improvement), "threshold_log": r4(LEARNED_LITTLE)},
            series=(tr.key,),
            fixes=(fixes.scale_features(f), fixes.raise_learning_rate(f)),
        )


UNKNOWN_K_CHANCE = math.log(1000.0)
"""Without a known class count, the chance level of any classifier with up to 1,000 classes."""
ABOVE_CHANCE = 2.0
"""A first-epoch loss at twice the chance level: confidently wrong, far worse than guessing."""
LEARNED_SHARE = 0.15
"""Share of the way from its first epoch's accuracy to a perfect one that a classifier
covers when it learns anything at all.

Raw inputs slow a classifier but seldom stop it: once the optimizer has shrunk the huge
first-epoch logits, its accuracy climbs. A learning rate that blew the weights up leaves
dead or saturated units behind, and the accuracy stays where the first epoch left it. On
the examined corpus's classifiers whose loss started far above chance, 18 of the 21 runs
with a learning rate far too high won at most 11 % of the way (the others 23 % and more),
and 29 of the 33 runs on raw inputs at least 27 % (the other 4, on two datasets, never
learned either). 15 % sits in that gap."""


@rule(
    code="CD105",
    name="loss-above-chance",
    category="unscaled_data",
    severity="warning",
    measures=(
        "a classifier's first-epoch training loss against the chance level ln K (ln 1000 when "
        "K is unknown)"
    ),
    threshold=(
        f"{ABOVE_CHANCE:g}x the chance level or more: a classifier that merely guessed would "
        "score ln K; a loss far above it means confidently wrong answers from huge logits, "
        "the mark of raw inputs in the hundreds or thousands (or of a learning rate that "
        "blew the weights up in the first steps)"
    ),
)
def loss_above_chance(inp: RuleInput) -> Iterator[Outcome]:
    """A classifier whose loss starts far above what guessing would score: its logits are huge.

    What it detects:
        A classifier (an accuracy-type metric, or a recorded cross-entropy) whose first
        epoch's training loss is at least twice the chance-level loss ln K.

    Why it matters:
        Guessing uniformly over K classes costs ln K. A loss far above that means the model
        is confidently wrong: its logits are enormous, which raw, unscaled inputs produce
        (every weight multiplies values in the hundreds), and which saturates every unit so
        that training crawls or jumps.

    Evidence:
        The first training loss, the chance level and whether K is known. Evidence
        against unscaled data: a classifier that never learned afterwards, its accuracy
        (every logged accuracy-type metric, training and validation) never 15 % of the way
        from its first epoch's value to perfect. A model on raw inputs still learns once its
        logits shrink; one whose weights a learning rate far too high blew up stays dead.

    Suggested fixes:
        Scale the inputs (divide images by 255, standardise features); then check the
        learning rate.

    Known limitations:
        A learning rate far too high can blow the logits up within the first epoch too;
        the evidence against (a classifier that never learned) and the weights of the
        hyperparameter findings weigh that. A loss that is not a cross-entropy (a hinge, a
        custom loss) has another scale.
    """
    m = inp.m
    if m.task.kind != "classification":
        return
    p = primary(m)
    if p is None or p.train is None or not p.train.is_log or not finite(p.train.first):
        return
    if m.facts.loss_kind not in (None, "crossentropy"):
        return  # a squared error on a classifier has another scale (CD205's case)
    chance = m.task.chance_loss or UNKNOWN_K_CHANCE
    ratio = p.train.first / chance
    if ratio < ABOVE_CHANCE:
        return
    yield Hit(
        message=(
            f"{p.train.key} starts at {p.train.first:.3g}, {ratio:.1f}x the chance level "
            f"{chance:.3g}: the classifier is confidently wrong (huge logits)"
        ),
        severity="warning",
        strength=ramp(math.log(ratio), math.log(ABOVE_CHANCE), math.log(20.0)) * 0.5 + 0.5,
        evidence={
            "first_loss": r4(p.train.first),
            "chance_loss": r4(chance),
            "ratio": r4(ratio),
            "threshold_ratio": ABOVE_CHANCE,
            "n_classes": m.task.n_classes,
        },
        series=(p.train.key,),
        fixes=(fixes.scale_features(m.facts), fixes.lower_learning_rate(m.facts)),
    )
    gain = accuracy_gain(inp)
    if gain is not None and gain[0] < LEARNED_SHARE:
        share, key = gain
        yield Against(
            "unscaled_data",
            0.5,
            f"{key} never got {LEARNED_SHARE:.0%} of the way from its first epoch's value to "
            f"perfect (best {max(share, 0.0):.0%}): the model never learned, as after a learning "
            "rate that blew the weights up (raw inputs slow a classifier down, but it still "
            "learns)",
        )


def accuracy_gain(inp: RuleInput) -> tuple[float, str] | None:
    """How far a classifier's accuracy ever got from its first epoch's value towards perfect.

    For every logged accuracy-type series (a higher-is-better metric whose name holds
    ``acc``, training and validation): ``(max(later) - first) / (top - first)``, with
    ``first`` its first finite value, ``later`` the finite values after it and ``top`` 1
    (100 for a series logged in percent). Returns the largest share and its series' key;
    None without such a series with at least :data:`~curvedoc.report.MIN_EPOCHS` finite
    epochs.
    """
    best: tuple[float, str] | None = None
    for pair in inp.m.pairs:
        if pair.direction != "higher" or "acc" not in pair.name.lower():
            continue
        for side in (pair.train, pair.val):
            y = inp.history.epoch_series.get(side.key) if side is not None else None
            if y is None:
                continue
            fin = y[np.isfinite(y)]
            if fin.size < MIN_EPOCHS:  # too short to judge, as a whole run would be
                continue
            top = 100.0 if float(fin.max()) > 1.0 else 1.0
            room = top - float(fin[0])
            share = (float(fin[1:].max()) - float(fin[0])) / room if room > 0 else 0.0
            if best is None or share > best[0]:
                best = (share, side.key)
    return best
