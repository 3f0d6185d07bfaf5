"""Rules for the architecture category: a model too large or unregularised for its data."""

from __future__ import annotations

import math
from collections.abc import Iterator

from curvedoc import fixes
from curvedoc.analysis import Measurements, PairMeasures
from curvedoc.rules.common import (
    HOLDS_NOTE,
    VISIBLE_RISE,
    curve_trouble,
    curve_troubles,
    decisions_hold,
    finite,
    log_pair,
    pct,
    primary,
    r4,
    ramp,
    rise_visible,
    up,
)
from curvedoc.rules.hyperparameters import STRAIGHT_BEND
from curvedoc.rules.registry import Against, Hit, Outcome, RuleInput, rule

FEW_SAMPLES = 100
"""Below this many training samples the data, not the model, is what is small (CD103)."""
PARAMS_PER_SAMPLE_HIGH = 200.0
"""Trainable parameters per training sample above which a recurrent model is oversized."""
VAL_RISE = 0.2
"""Validation ending this far (log units, about 22 %) above its best is overfitting worth
acting on; smaller end-of-run drifts are reported as info."""
TRAIN_RISE_MAX = 0.1
"""...provided training did not itself regress by more than this (then it is the optimizer)."""
GAP_EXTREME = math.log(30.0)
"""Validation loss 30x the training loss: memorisation, even if validation drifts up a little."""
TRAIN_GAIN_AFTER = 0.1
"""...and training fell at least 10 % (log 0.1) after the onset."""
LEARNED = math.log(2.5)
"""...and validation first got at least 2.5x below the starting loss (else: a noise floor)."""
ACCURACY_GIVEN_BACK = 0.05
"""A classifier whose validation accuracy trend ends five points or more below its best (and
more than twice its own wiggle) has lost decisions, not only confidence: what
``EarlyStopping(restore_best_weights=True)`` would have kept is then worth acting on, however
little the validation loss rose."""


def accuracy_given_back(m: Measurements) -> float:
    """How far a classifier's validation accuracy trend ended below its best (accuracy units).

    The sustained rise of the accuracy's badness (its best-to-end drop, on the trend, so one
    unlucky epoch does not count), kept only when it exceeds twice the curve's own wiggle.
    NaN for regressions, runs without validation accuracy, or a drop inside the noise.
    """
    p = m.accuracy_pair()
    va = None if p is None else p.val
    if va is None or va.n_finite < 6 or not finite(va.rise):
        return float("nan")
    noise = 2.0 * va.wiggle if finite(va.wiggle) else 0.0
    return va.rise if va.rise > noise else float("nan")


@rule(
    code="CD201",
    name="overfitting",
    category="architecture",
    severity="warning",
    measures=(
        "validation loss rising from its best while the training loss keeps falling "
        "(trends, log units), and the onset epoch"
    ),
    threshold=(
        "validation ends more than 22 % above its best (log 0.2), and more than twice its "
        "own wiggle (the low point of a noisy curve is low by chance), while training fell at "
        "least 10 % after that point and did not itself regress, after validation first fell "
        "at least 2.5x below the starting loss; smaller rises (5-22 %), a climb that gives "
        "back less than a fifth of the fall before the best on the linear plot (a flat tail), "
        "or a run EarlyStopping ended, are info: runs without early stopping routinely "
        "drift up a little at the end, "
        f"unless a classifier's validation accuracy gave back {ACCURACY_GIVEN_BACK:.0%} or more "
        "(and more than twice its wiggle) from its best: lost decisions, not only confidence"
    ),
)
def overfitting(inp: RuleInput) -> Iterator[Outcome]:
    """Validation gets worse while training keeps getting better: the model memorises.

    What it detects:
        The epoch where the validation loss trend stops improving while the training loss
        trend still improves, and how far validation has risen since.

    Why it matters:
        From that epoch on the model learns the training set's particulars, not the
        pattern: the validation curve turns up and usually grows noisier. A model with too
        much capacity for the data and no regularisation does this early.

    Evidence:
        Onset epoch, validation rise from its best (log units), the train/validation gap at
        the best epoch and at the end, the gap's slope.

    Suggested fixes:
        EarlyStopping(restore_best_weights=True); dropout and recurrent_dropout; a smaller
        model; weight decay; more data.

    Known limitations:
        Label noise produces the same shape once the model starts memorising the noise;
        the data-noise rules weigh that.
    """
    p = primary(inp.m)
    if p is None or p.train is None or p.val is None or p.onset_index is None:
        return
    va, tr = p.val, p.train
    rise = va.rise
    if not finite(rise) or not va.is_log or rise <= 0.05:
        return
    # the minimum of a noisy curve sits low by chance: the rise must stand out of the noise
    noise = 2.0 * va.wiggle if finite(va.wiggle) else 0.0
    if rise <= noise:
        return
    if finite(tr.rise) and tr.rise > TRAIN_RISE_MAX:
        return  # training itself regressed: an optimizer problem, not memorisation (CD302)
    gain = p.val_gain_vs_chance if finite(p.val_gain_vs_chance) else p.val_gain
    if finite(gain) and gain < LEARNED:
        return  # validation never got far below the untrained level: a noise floor (CD403)
    if not finite(p.train_gain_after_onset) or p.train_gain_after_onset < TRAIN_GAIN_AFTER:
        return  # training did not really improve after the onset: not memorisation
    m = inp.m
    onset_epoch = m.epoch_at(p.onset_index)
    n = m.n_epochs
    rel_onset = (p.onset_index * m.bin_size) / max(n - 1, 1)
    f = m.facts
    stopped_early = f.epochs_planned is not None and n < f.epochs_planned
    early = rel_onset < 0.6
    acc_lost = accuracy_given_back(m)
    decisions_lost = finite(acc_lost) and acc_lost >= ACCURACY_GIVEN_BACK
    worth_acting = (rise > max(VAL_RISE, noise) and rise_visible(va)) or decisions_lost
    severity = "warning" if worth_acting and not stopped_early else "info"
    strength = 0.4 + 0.35 * ramp(rise, VAL_RISE, 0.6) + 0.15 * (1.0 if early else 0.0)
    fx = [fixes.early_stopping(f), fixes.dropout(f), fixes.smaller_model(f), fixes.weight_decay(f)]
    note = " (training stopped early, so EarlyStopping likely caught it)" if stopped_early else ""
    yield Hit(
        message=(
            f"{va.key} bottomed out at epoch {onset_epoch} and ended {pct(rise)} above its best "
            f"while {tr.key} kept falling: the model overfits"
            + (
                f"; validation accuracy gave back {acc_lost:.0%} from its best"
                if decisions_lost
                else ""
            )
            + note
        ),
        severity=severity,
        strength=min(strength, 0.9),
        evidence={
            "onset_epoch": onset_epoch,
            "onset_share_of_run": r4(rel_onset),
            "val_rise_log": r4(rise),
            "threshold_log": VAL_RISE,
            "val_accuracy_given_back": r4(acc_lost),
            "val_rise_share_of_fall": r4(va.rise_share),
            "val_gain_log": r4(p.val_gain),
            "train_gain_after_onset_log": r4(p.train_gain_after_onset),
            "gap_at_best_log": r4(p.gap_rel_best),
            "gap_final_log": r4(p.gap_rel_final),
            "stopped_early": stopped_early,
        },
        series=(va.key, tr.key),
        epochs=(onset_epoch,) if onset_epoch is not None else (),
        fixes=tuple(fx),
    )


@rule(
    code="CD202",
    name="generalisation-gap",
    category="architecture",
    severity="warning",
    measures="final validation/training loss ratio (log) and its growth over the second half",
    threshold=(
        "the gap still growing and either validation loss ending more than 3x the training "
        "loss with validation more than 22 % off its best (as CD201), or more than 30x with "
        "validation more than 5 % off its best, the rise in both cases more than twice the "
        "validation curve's own wiggle (at 3x, a climb that shows on the plot: a fifth of the "
        "fall before the best): a classifier that fits its training set "
        "perfectly can end with a large ratio and still be fine while its validation loss "
        "holds, but not at 30x and rising; below CD201's rise, info when a classifier's "
        "validation accuracy holds near its best (over-confidence that costs no accuracy)"
    ),
)
def generalisation_gap(inp: RuleInput) -> Iterator[Outcome]:
    """Validation loss ends far above training loss and the gap keeps widening.

    What it detects:
        A large and growing ratio between the validation and training loss trends.

    Why it matters:
        The model fits the training data much better than unseen data: capacity beyond what
        the data supports (or too little data for the model).

    Evidence:
        Final gap (log ratio), gap at the best validation epoch, gap slope.

    Suggested fixes:
        Regularise (dropout, weight decay), shrink the model, stop early, get more data.

    Known limitations:
        Train metrics computed with dropout active and validation without can show a gap of
        the other sign; a distribution shift between splits also makes a gap.
    """
    p = primary(inp.m)
    if p is None or p.train is None or p.val is None or not p.val.is_log:
        return
    g, slope = p.gap_rel_final, p.gap_slope
    if not (finite(g) and finite(slope) and finite(p.val_rise)):
        return
    # as in CD201, the low point of a noisy validation curve is low by chance
    noise = 2.0 * p.val.wiggle if finite(p.val.wiggle) else 0.0
    moderate = g > math.log(3.0) and p.val_rise > max(VAL_RISE, noise)
    extreme = g > GAP_EXTREME and p.val_rise > max(0.05, noise)
    if slope > 0 and (moderate or extreme):
        f = inp.m.facts
        # a rise CD201 would call overfitting stays a warning; below it, a classifier
        # whose accuracy holds is only growing over-confident
        holds = p.val_rise <= max(VAL_RISE, noise) and decisions_hold(inp.m)
        # a moderate gap whose validation climb does not show on the plot is drift
        flat_tail = not extreme and not rise_visible(p.val)
        yield Hit(
            message=(
                f"{p.val.key} ends {math.exp(g):.1f}x {p.train.key}, the gap is still growing and "
                f"validation is {pct(p.val_rise)} off its best{HOLDS_NOTE if holds else ''}"
            ),
            severity="info" if holds or flat_tail else "warning",
            strength=0.3 + 0.3 * ramp(g, math.log(3), math.log(30)),
            evidence={
                "gap_final_log": r4(g),
                "threshold_log": r4(math.log(3.0)),
                "gap_slope": r4(slope),
                "val_rise_log": r4(p.val_rise),
                "val_rise_share_of_fall": r4(p.val.rise_share),
            },
            series=(p.val.key, p.train.key),
            fixes=(fixes.dropout(f), fixes.smaller_model(f), fixes.early_stopping(f)),
        )


MEMORISE_TRAIN_DROP = math.log(2.0)
"""...having fallen at least 2x over the run: a training loss that is really learning."""
MEMORISE_VAL_SHARE = 1.0 / 3.0
"""Validation's late slope at most a third of training's: what training still learns does
not carry over to unseen data."""
MEMORISE_GAP = math.log(2.0)
"""...with validation already ending 2x or more above training: the gap is visible, not a
matter of dropout-on-training-only offsets."""


def memorising_share(p: PairMeasures) -> float | None:
    """CD209's shape: validation's late slope as a share of training's, or None.

    Read on a :func:`~curvedoc.rules.common.log_pair`: the share when training falls in a
    straight line (bend :data:`STRAIGHT_BEND` or more, :data:`MEMORISE_TRAIN_DROP` in
    all), validation ends :data:`MEMORISE_GAP` or more above it and falls at most
    :data:`MEMORISE_VAL_SHARE` as fast; None when the run does not have that shape. CD406
    reads it to leave the shape to CD209.
    """
    tr, va = p.train, p.val
    if tr is None or va is None:
        return None
    bend = tr.bend
    if not (finite(bend) and finite(tr.slope_late) and finite(va.slope_late)):
        return None
    if not finite(tr.improvement) or tr.improvement < MEMORISE_TRAIN_DROP:
        return None
    if bend < STRAIGHT_BEND or tr.slope_late >= 0:
        return None
    g = p.gap_rel_final
    if not finite(g) or g < MEMORISE_GAP:
        return None
    share = va.slope_late / tr.slope_late  # both falling: share < 1; validation rising: < 0
    return share if share <= MEMORISE_VAL_SHARE else None


@rule(
    code="CD209",
    name="validation-stalls",
    category="architecture",
    severity="warning",
    measures=(
        "the late slopes (log units per run length) of the training and validation losses, "
        "the training curve's bend, and the final validation/training loss ratio"
    ),
    threshold=(
        f"training falling as a straight line on a log axis (late slope {STRAIGHT_BEND:.0%} or "
        f"more of the early one, {math.exp(MEMORISE_TRAIN_DROP):g}x down in all) while "
        f"validation falls at most {MEMORISE_VAL_SHARE:.2g} as fast at the end and already "
        f"ends {math.exp(MEMORISE_GAP):g}x or more above training: the model keeps learning "
        "its training set and not the task; a run that levels off together, or a validation "
        "curve that keeps pace, is not flagged"
    ),
)
def validation_stalls(inp: RuleInput) -> Iterator[Outcome]:
    """Training keeps falling in a straight line while validation has levelled off.

    What it detects:
        A training loss that never bends towards a floor (it is still falling at its early
        pace at the end) beside a validation loss that stopped improving, so the gap between
        them widens every epoch.

    Why it matters:
        What the model still learns is the training set's particulars: a network with more
        capacity than the data supports, or too few training samples for the model. Before
        the validation loss turns up (CD201) it stalls; more epochs only widen the gap.

    Evidence:
        Late slopes of both losses, the training curve's bend, the final ratio.

    Suggested fixes:
        More training data or augmentation; dropout or weight decay; a smaller model;
        EarlyStopping(restore_best_weights=True).

    Known limitations:
        Training metrics computed with dropout active sit above validation and hide the gap;
        a validation set drawn from another distribution stalls for its own reasons.
    """
    p = log_pair(inp.m)
    share = memorising_share(p) if p is not None else None
    if p is None or share is None:
        return
    tr, va = p.train, p.val
    if tr is None or va is None:  # log_pair guarantees both sides; this tells the type checker
        return
    bend = tr.bend
    g = p.gap_rel_final
    f = inp.m.facts
    yield Hit(
        message=(
            f"{tr.key} is still falling in a straight line (no bend towards a floor) while "
            f"{va.key} has levelled off and ends {math.exp(g):.1f}x above it: the model keeps "
            "learning its training set, not the task"
        ),
        severity="warning",
        strength=0.4 + 0.4 * ramp(g, MEMORISE_GAP, math.log(10.0)),
        evidence={
            "train_bend": r4(bend),
            "bend_threshold": STRAIGHT_BEND,
            "train_slope_late_per_run": r4(tr.slope_late),
            "val_slope_late_per_run": r4(va.slope_late),
            "val_share_of_train_slope": r4(share),
            "gap_final_log": r4(g),
        },
        series=(tr.key, va.key),
        fixes=(
            fixes.more_data(f),
            fixes.dropout(f),
            fixes.smaller_model(f),
            fixes.early_stopping(f),
        ),
    )


@rule(
    code="CD203",
    name="oversized-model",
    category="architecture",
    severity="warning",
    measures="trainable parameters per training sample, and regularisation in the layer summary",
    threshold=(
        f"more than {PARAMS_PER_SAMPLE_HIGH:g} parameters per training sample, noted (the "
        "fitted problem score weighs it with the curves), a warning when the model has no "
        "dropout or regulariser and the validation curve turns up, on a training set of at "
        f"least {FEW_SAMPLES} samples (below that the data is what is small, CD103); rough "
        "but scale-free: networks that generalise usually have well under that"
    ),
    uses_context=True,
)
def oversized_model(inp: RuleInput) -> Iterator[Outcome]:
    """The model has far more parameters than the data can pin down, and no regularisation.

    What it detects:
        Trainable parameters per training sample far above what recurrent models that
        generalise use, with no dropout, recurrent_dropout or weight regulariser.

    Why it matters:
        Capacity far beyond the data lets the model memorise; training becomes erratic and
        validation worsens.

    Evidence:
        Parameter count, training samples, recurrent layers and units, dropout.

    Suggested fixes:
        Fewer units or layers; dropout and recurrent_dropout; EarlyStopping.

    Known limitations:
        Needs the recorded context. Parameter counts are a rough guide; a large but
        well-regularised model can be fine.
    """
    f = inp.m.facts
    sps = f.samples_per_param
    if sps is None or f.params is None or f.train_samples is None:
        return
    if f.train_samples < FEW_SAMPLES:
        return  # with this little data any model is large per sample: CD103's case
    per_sample = 1.0 / sps
    p = primary(inp.m)
    overfits = (
        p is not None and p.onset_index is not None and finite(p.val_rise) and p.val_rise > 0.05
    )
    unregularised = not f.dropout and not f.regularized
    # an oversized, unregularised model explains other visible trouble too (a validation
    # curve that wobbles, a loss that barely improves): a warning then, weaker than overfitting
    trouble = curve_trouble(inp.m) if unregularised else []
    if per_sample > PARAMS_PER_SAMPLE_HIGH:
        severity = "warning" if overfits and unregularised else "info"
        size = ramp(math.log10(per_sample), math.log10(PARAMS_PER_SAMPLE_HIGH), 4.0)
        strength = 0.3 + 0.4 * size + (0.3 if unregularised else 0.0)
        yield Hit(
            message=(
                f"{fixes.fmt_num(f.params)} trainable parameters for {f.train_samples:,} training "
                f"samples ({per_sample:,.0f} per sample)"
                + (", no dropout or regulariser" if unregularised else "")
                + (f"; {trouble[0]}" if trouble and not overfits else "")
            ),
            severity=severity,
            strength=strength,
            evidence={
                "params": f.params,
                "train_samples": f.train_samples,
                "params_per_sample": r4(per_sample),
                "threshold": PARAMS_PER_SAMPLE_HIGH,
                "dropout": f.dropout,
                "regularized": f.regularized,
                "recurrent_units": ",".join(str(u) for u in f.recurrent_units) or None,
                "curve_trouble": "; ".join(trouble) or None,
            },
            fixes=(fixes.smaller_model(f), fixes.dropout(f), fixes.early_stopping(f)),
            basis="context",
        )
    elif per_sample < 5 and (f.dropout or f.regularized):
        yield Against(
            "architecture",
            0.7,
            f"{per_sample:.1f} parameters per sample and regularisation present: "
            "the model is not oversized",
        )


@rule(
    code="CD204",
    name="no-regularisation",
    category="architecture",
    severity="info",
    measures="dropout / recurrent_dropout / regularisers in the recorded layer summary",
    threshold="a recurrent model with none of them, reported when the curves overfit",
    uses_context=True,
)
def no_regularisation(inp: RuleInput) -> Iterator[Outcome]:
    """A recurrent model with no dropout, recurrent_dropout or weight regulariser.

    What it detects:
        Recurrent layers and no regularisation anywhere in the recorded layer summary,
        while the validation curve turns up.

    Why it matters:
        Without regularisation a recurrent net fits noise readily; dropout and
        recurrent_dropout are the standard remedy.

    Evidence:
        The layer summary.

    Suggested fixes:
        dropout / recurrent_dropout 0.2-0.3, a Dropout layer before the head, weight decay.

    Known limitations:
        Needs the recorded context; informational on its own.
    """
    f = inp.m.facts
    p = primary(inp.m)
    if not f.recurrent_layers or f.dropout or f.regularized or p is None or p.onset_index is None:
        return
    yield Hit(
        message=f"{f.recurrent_layers} recurrent layer(s) without dropout or regularisation",
        severity="info",
        strength=0.2,
        evidence={"recurrent_layers": f.recurrent_layers, "dropout": f.dropout},
        fixes=(fixes.dropout(f),),
        basis="context",
    )


SQUASHING_OUTPUTS = frozenset({"sigmoid", "softmax", "tanh", "relu", "hard_sigmoid", "softplus"})
"""Output activations whose range cannot hold standardised regression targets."""
PROBABILITY_OUTPUTS = frozenset({"softmax", "sigmoid"})
"""Output activations that make probabilities, as a cross-entropy without logits expects."""


@rule(
    code="CD205",
    name="loss-does-not-fit-task",
    category="architecture",
    severity="warning",
    measures=(
        "the recorded loss and output layer against the task: a squared error on a "
        "classifier, a cross-entropy fed by an output that makes no probabilities, a "
        "regression output that cannot reach the targets"
    ),
    threshold=(
        "a cross-entropy fed by an output that makes no probabilities, or a regression output "
        "that cannot reach its targets, is a problem on its own (the loss's gradient points "
        "the wrong way or is capped); a squared error on a classifier is noted (it learns, "
        "slowly), and the fitted problem score weighs it with the curves"
    ),
    uses_context=True,
)
def loss_does_not_fit_task(inp: RuleInput) -> Iterator[Outcome]:
    """The loss or the output layer does not fit the task.

    What it detects:
        A classifier (an accuracy-type metric, or a softmax/sigmoid output over several
        units) trained with a mean squared error; a cross-entropy given raw scores (a
        linear output) where it expects probabilities; a regression whose output activation
        (sigmoid, relu, softmax) cannot produce its standardised targets.

    Why it matters:
        The loss is what the model learns from. A squared error on class probabilities has
        tiny, flattening gradients; a cross-entropy on raw scores clips them into
        meaningless probabilities (the loss stalls, jumps or turns NaN); a squashing output
        caps what a regression can predict, so the loss stops at a floor.

    Evidence:
        The recorded loss, the output layer's activation and units, the task and why it
        was inferred.

    Suggested fixes:
        Softmax (or sigmoid) output with a cross-entropy for classes, or a linear output
        with ``from_logits=True``; a linear output with MSE for numbers.

    Known limitations:
        Needs the recorded context (the loss name and the layer summary). A loss object
        built with ``from_logits=True`` is recorded by its class name only.
    """
    f = inp.m.facts
    task = inp.m.task
    if f.loss_kind is None or f.output_activation is None:
        return
    out = f.output_activation.lower()
    problem = None
    structural = True
    fix = fixes.loss_for_task(f)
    if task.kind == "classification" and f.loss_kind == "squared":
        problem = f"a classifier trained with {f.loss} (a squared error)"
        structural = False  # it learns, slowly: the score weighs it with the curves
    elif f.loss_kind == "crossentropy" and out not in PROBABILITY_OUTPUTS:
        problem = f"{f.loss} given a {out} output (raw scores, not probabilities)"
    elif (
        task.kind == "regression"
        and f.loss_kind in ("squared", "absolute", "robust")
        and out in SQUASHING_OUTPUTS
    ):
        problem = f"a regression with a {out} output, which cannot reach the targets"
        fix = fixes.linear_output(f)
    if problem is None:
        return
    trouble = curve_trouble(inp.m)
    yield Hit(
        message=problem + (f"; {trouble[0]}" if trouble else ""),
        severity="warning" if structural else "info",
        strength=1.0 if structural else 0.6,
        evidence={
            "loss": f.loss,
            "output_activation": out,
            "n_classes": f.n_classes,
            "task": task.kind,
            "curve_trouble": "; ".join(trouble) or None,
        },
        fixes=(fix,),
        basis="context",
    )


SATURATING = frozenset({"sigmoid", "tanh", "hard_sigmoid", "softsign"})
"""Activations whose gradient vanishes for large inputs."""
SATURATING_LAYERS = 4
"""Hidden layers with saturating activations at or above which gradients vanish."""


@rule(
    code="CD206",
    name="saturating-activations",
    category="architecture",
    severity="info",
    measures="the activations of the recorded hidden Dense and convolutional layers",
    threshold=(
        f"{SATURATING_LAYERS} or more hidden layers with sigmoid or tanh: each multiplies the "
        "gradient by at most 0.25 (sigmoid) or 1 and far less once saturated, so a deep "
        "stack learns slowly or not at all; noted, and the fitted problem score weighs it "
        "with the curves"
    ),
    uses_context=True,
)
def saturating_activations(inp: RuleInput) -> Iterator[Outcome]:
    """A deep stack of sigmoid or tanh layers: the gradient vanishes on its way back.

    What it detects:
        Four or more hidden Dense or convolutional layers with a saturating activation.

    Why it matters:
        Backpropagation multiplies the gradient by each layer's activation slope; sigmoid
        slopes are at most 0.25, so a deep sigmoid stack passes almost nothing to its first
        layers: the loss sits on a plateau, then creeps.

    Evidence:
        The hidden activations in order; whether the loss barely moved or crept.

    Suggested fixes:
        relu (or gelu) with he_normal initialisation; BatchNormalization; fewer layers.

    Known limitations:
        Needs the recorded layer summary; recurrent layers' internal sigmoids and tanh are
        not counted (gates need them).
    """
    f = inp.m.facts
    n = sum(a in SATURATING for a in f.hidden_activations)
    if n < SATURATING_LAYERS:
        return
    trouble = curve_trouble(inp.m)
    yield Hit(
        message=f"{n} hidden layers use sigmoid/tanh activations"
        + (f"; {trouble[0]}" if trouble else ""),
        severity="info",
        strength=ramp(n, SATURATING_LAYERS - 1, SATURATING_LAYERS + 2),
        evidence={
            "saturating_layers": n,
            "threshold": SATURATING_LAYERS,
            "activations": ",".join(f.hidden_activations),
            "curve_trouble": "; ".join(trouble) or None,
        },
        fixes=(fixes.relu_activations(f),),
        basis="context",
    )


TINY_WIDTH = 4
"""A hidden layer this narrow (units or filters) is a bottleneck few patterns pass."""


@rule(
    code="CD207",
    name="model-too-small",
    category="architecture",
    severity="warning",
    measures="the narrowest recorded hidden layer (units or filters)",
    threshold=(
        f"a hidden layer of {TINY_WIDTH} units or fewer: a warning when the loss levels off "
        "high (it barely fell, fell as a straight line, or validation never got 2.5x below "
        "the untrained level), else noted for the fitted problem score: a handful of units "
        "can represent only the coarsest pattern"
    ),
    uses_context=True,
)
def model_too_small(inp: RuleInput) -> Iterator[Outcome]:
    """A hidden layer so narrow that the model cannot represent the pattern.

    What it detects:
        A recorded hidden layer of four units (or filters) or fewer.

    Why it matters:
        Every signal passes through the narrowest layer; with a handful of units the model
        underfits: both losses level off early at a high value and stay close together.

    Evidence:
        The narrowest width, the parameter count, and whether the loss levelled off high.

    Suggested fixes:
        32-128 units per layer.

    Known limitations:
        Needs the recorded layer summary; a deliberate bottleneck (an autoencoder) is
        narrow by design.
    """
    f = inp.m.facts
    if f.min_units is None or f.min_units > TINY_WIDTH:
        return
    kinds = {k for k, _ in curve_troubles(inp.m)}
    p = primary(inp.m)
    floor = False
    if p is not None and p.val is not None:
        gain = p.val_gain_vs_chance if finite(p.val_gain_vs_chance) else p.val_gain
        floor = finite(gain) and gain < LEARNED
    hurt = bool(kinds & {"little_improvement", "straight"}) or floor
    yield Hit(
        message=f"the narrowest hidden layer has {f.min_units} unit(s)"
        + ("; the loss levels off high" if hurt else ""),
        severity="warning" if hurt else "info",
        strength=ramp(TINY_WIDTH + 1 - f.min_units, 0, TINY_WIDTH),
        evidence={"min_units": f.min_units, "threshold": TINY_WIDTH, "params": f.params},
        fixes=(fixes.wider_model(f),),
        basis="context",
    )


@rule(
    code="CD208",
    name="validation-rises",
    category="architecture",
    severity="warning",
    measures="how far the validation loss's trend ends above its best (log units)",
    threshold=(
        f"more than {up(VAL_RISE)} above its best (log {VAL_RISE:g}) and more than twice "
        "its own wiggle, the best lying before the last fifth of the run: whatever the "
        "training loss did, a validation loss that climbs back for good means the model got "
        f"worse on unseen data; a warning when the climb gives back {VISIBLE_RISE:.0%} or more "
        "of the fall before the best in the loss's own units (it shows on the linear plot), "
        "an info for a drift along a flat tail"
    ),
)
def validation_rises(inp: RuleInput) -> Iterator[Outcome]:
    """The validation loss climbs back up after its best and stays up.

    What it detects:
        A validation loss whose trend ends well above its best value, for any reason.

    Why it matters:
        The model stopped getting better on data it does not train on and got worse. With
        the training loss still falling this is overfitting (CD201); with a training loss
        that regressed too it is an optimizer that lost its way; with a high floor it is
        a model memorising noise. Either way the last epochs' weights are worse than the
        best ones.

    Evidence:
        The rise of the validation trend from its best, its wiggle, the best epoch.

    Suggested fixes:
        EarlyStopping(restore_best_weights=True); then the fix for the cause the other
        findings point at.

    Known limitations:
        A validation set of a handful of samples rises and falls by chance; the noisy-
        validation rule weighs that.
    """
    p = primary(inp.m)
    if p is None or p.val is None or not p.val.is_log or p.val.nonfinite_any:
        return
    va = p.val
    if va.n_finite < 5 or not finite(va.rise):
        return
    noise = 2.0 * va.wiggle if finite(va.wiggle) else 0.0
    m = inp.m
    late_best = va.best_index >= 0.8 * max(va.n - 1, 1)
    if va.rise <= max(VAL_RISE, noise) or late_best:
        return
    f = m.facts
    visible = rise_visible(va)
    yield Hit(
        message=(
            f"{va.key} ended {pct(va.rise)} above its best (epoch {m.epoch_at(va.best_index)}) "
            + (
                "and stayed there: the model got worse on unseen data"
                if visible
                else f"but gave back only {va.rise_share:.0%} of its fall: a drift that "
                "EarlyStopping(restore_best_weights=True) takes care of"
            )
        ),
        severity="warning" if visible else "info",
        strength=ramp(va.rise, VAL_RISE, 1.0),
        evidence={
            "val_rise_log": r4(va.rise),
            "threshold_log": VAL_RISE,
            "val_wiggle": r4(va.wiggle),
            "val_rise_share_of_fall": r4(va.rise_share),
            "visible_share_threshold": VISIBLE_RISE,
            "best_epoch": m.epoch_at(va.best_index),
        },
        series=(va.key,),
        epochs=(m.epoch_at(va.best_index) or 0,),
        fixes=(fixes.early_stopping(f), fixes.lower_learning_rate(f), fixes.dropout(f)),
    )
