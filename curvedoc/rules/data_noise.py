"""Rules for the data-noise category: noisy labels, outliers, a validation set too small."""

from __future__ import annotations

import math
from collections.abc import Iterator

from curvedoc import fixes
from curvedoc.rules.architecture import MEMORISE_GAP, MEMORISE_TRAIN_DROP, memorising_share
from curvedoc.rules.common import (
    accuracy_steady,
    down,
    epoch_list,
    finite,
    log_pair,
    pct,
    primary,
    r4,
    ramp,
    rel,
    rise_visible,
    up,
)
from curvedoc.rules.hyperparameters import (
    STILL_FALLING,
    STILL_IMPROVING,
    STRAIGHT_BEND,
    STRAIGHT_MIN_DROP,
    still_falling,
)
from curvedoc.rules.registry import Hit, Outcome, RuleInput, rule

VAL_WIGGLE_RATIO = 4.0
"""Validation wiggle this many times the training wiggle means validation is the noisy side."""
VAL_WIGGLE_MIN = 0.15
"""...and at least this large (log units, about ±16 %) to matter from the curve alone."""
SMALL_VAL = 50
"""Validation samples below this give a loss whose sampling error alone is over ~20 %."""
TINY_VAL = 20
"""...and below this, with a wobbling validation curve, the validation signal is noise."""
BATCH_SPREAD_OUTLIERS = 1.5
"""Within-epoch spread of log batch losses (4.5x) that only outlier-laden batches reach."""
FLOOR_GAIN = math.log(2.5)
"""Validation never got 2.5x below the untrained level: most of the loss is irreducible."""
LEARNED_MIN = 0.1
"""Training that moved less than this (log units, 10 %) learned nothing (CD104)."""
MEMORISED = math.log(20.0)
"""A training loss that fell more than 20x is being memorised, not held up by a floor."""
NEAR_CHANCE = math.log(1.5)
"""Validation within 1.5x of the chance-level loss after a whole run."""
FLOOR_GAIN_ALONE = math.log(2.0)
"""Against the recorded chance level, a floor above half of it needs no further symptom."""
FLOOR_RISE = 0.10
"""A floor is a warning when validation then rose this much (log units, about 10 %): the
model memorising the noise. A climb of a few per cent after levelling off is what a noisy
validation curve does on a hard dataset too (as a warning, 3 % named 3 faults for 27 false
alarms on the broad corpus)."""
FLOOR_RISE_STEADY = 0.03
"""A smaller, smooth climb (3 %, at least :data:`FLOOR_RISE_OVER_WOBBLE` times the validation
curve's wobble around its trend) is noted as an info: early stopping would keep the best
epoch, but on hard data healthy runs climb like this too."""
FLOOR_RISE_OVER_WOBBLE = 5.0
"""How far a steady climb must stand above the curve's wobble (RMS around the trend)."""
FLOOR_WOBBLE = 0.05
"""... or when validation wobbles this much around its trend (±5 %)."""
INPUT_OUTLIER_Z = 10.0
"""Half of the input features have values this many standard deviations from their mean on
*both* sides. The most extreme of N Gaussian values lies near ``sqrt(2 ln N)`` SDs: 5.3 at a
million values, 6.4 at a billion; 10 on both sides is beyond any clean feature, and a skewed
or sparse feature (one short side) never gets there."""
INPUT_OUTLIER_Z_FULL = 25.0
"""...and a finding of full strength at this many."""
NEAR_STRAIGHT_BEND = 0.8
"""A training loss whose late slope is still 80 % or more of its early one (log units) has
not begun to settle. CD304 flags a straight decline at 60 % unless validation has levelled
off (a floor, not small steps); with validation levelled a stricter bend is asked for,
because a training curve that has only started to bend beside a flat validation curve is
also what a healthy run near its end looks like."""


@rule(
    code="CD401",
    name="noisy-validation",
    category="data_noise",
    severity="warning",
    measures=(
        "the recorded validation sample count; or the validation loss's wiggle around its "
        "trend (RMS, log units) against the training loss's"
    ),
    threshold=(
        f"fewer than {SMALL_VAL} validation samples are noted (the sampling error of a mean "
        "over n per-sample losses is about their spread / sqrt(n): over 20 % below 50), "
        f"fewer than {TINY_VAL} with a validation curve wiggling over 5 % are a problem; from "
        f"the curve alone, validation wiggle above {VAL_WIGGLE_MIN:g} (±16 %) and more than "
        f"{VAL_WIGGLE_RATIO:g}x the training wiggle: healthy runs with dropout or small "
        "batches stay under that (an info when the validation set has 500+ samples or a "
        "classifier's validation accuracy stays steady)"
    ),
)
def noisy_validation(inp: RuleInput) -> Iterator[Outcome]:
    """The validation loss jumps while the training loss is steady: the validation signal is noisy.

    What it detects:
        A validation loss that wiggles far more than the training loss around its trend,
        especially with a small recorded validation set.

    Why it matters:
        The validation loss is an estimate from a sample; with few (or noisy) samples it
        moves by chance from epoch to epoch and says little about the model. Decisions
        (early stopping, checkpoints) taken on it are taken on noise.

    Evidence:
        Validation and training jitter, their ratio, validation spikes, validation sample count.

    Suggested fixes:
        A larger validation set (10-20 % of the data); patience in EarlyStopping;
        judge a smoothed curve.

    Known limitations:
        Very small batches also make validation (the weights) jitter; the batch-size rule
        weighs that when the batch size is recorded.
    """
    p = primary(inp.m)
    f = inp.m.facts
    small_val = f.val_samples is not None and f.val_samples < SMALL_VAL
    if p is None or p.val is None:
        return
    va, tr = p.val, p.train
    vw = va.wiggle if va.is_log else float("nan")
    tw = tr.wiggle if tr is not None and tr.is_log else float("nan")
    ratio = p.wiggle_ratio
    if small_val:
        noisy = finite(vw) and vw > 0.05
        yield Hit(
            message=(
                f"the validation set has only {f.val_samples} samples"
                + (f": {va.key} wiggles {rel(vw)} around its trend" if noisy else "")
                + "; its loss moves with a handful of examples"
            ),
            severity="warning" if noisy and f.val_samples < TINY_VAL else "info",
            strength=ramp(SMALL_VAL - f.val_samples, 0, SMALL_VAL - 10) * 0.6
            + (0.4 if noisy else 0.0),
            evidence={
                "val_samples": f.val_samples,
                "threshold": SMALL_VAL,
                "val_wiggle": r4(vw),
                "train_wiggle": r4(tw),
            },
            series=(va.key,),
            epochs=epoch_list(inp.m, list(va.spike_indices)),
            fixes=(fixes.larger_validation(f), fixes.smooth_monitoring(f)),
            basis="context",
        )
    if va.n_finite < 8 or va.nonfinite_index is not None or not va.is_log:
        return
    if finite(vw) and vw > VAL_WIGGLE_MIN and finite(ratio) and ratio > VAL_WIGGLE_RATIO:
        big_val = f.val_samples is not None and f.val_samples >= 10 * SMALL_VAL
        # a classifier's validation loss near zero jumps while its accuracy holds: then the
        # validation signal (what it gets right) is steady
        big_val = big_val or accuracy_steady(inp.m, "val")
        yield Hit(
            message=(
                f"{va.key} wiggles {rel(vw)} around its trend while {tr.key if tr else 'training'} "
                f"moves {rel(tw)}: the validation signal is noisy"
            ),
            severity="warning" if not big_val else "info",
            strength=0.35 + 0.2 * ramp(vw, VAL_WIGGLE_MIN, 0.5),
            evidence={
                "val_wiggle": r4(vw),
                "train_wiggle": r4(tw),
                "ratio": r4(ratio),
                "threshold_ratio": VAL_WIGGLE_RATIO,
                "threshold_wiggle": VAL_WIGGLE_MIN,
                "val_samples": f.val_samples,
            },
            series=(va.key,),
            epochs=epoch_list(inp.m, list(va.spike_indices)),
            fixes=(fixes.larger_validation(f), fixes.smooth_monitoring(f)),
        )


@rule(
    code="CD402",
    name="outlier-batches",
    category="data_noise",
    severity="warning",
    measures=(
        "per-batch losses far above their epoch's level (share of batches beyond 5 robust "
        "SDs, upper-tail heaviness), or upward spikes of the epoch training loss"
    ),
    threshold=(
        f"with batch data and batches of more than 4: batch losses spreading more than "
        f"{BATCH_SPREAD_OUTLIERS:g} in log units (4.5x) within epochs, or over 0.5 % of batches "
        "beyond 5 robust SDs with an upper tail 3x normal; a mean over 16+ well-behaved "
        "samples varies by well under 2x between batches. Without batch data: two or more "
        "training-loss spikes above 50 % with a steady validation loss"
    ),
)
def outlier_batches(inp: RuleInput) -> Iterator[Outcome]:
    """A few batches have losses far above the rest: outliers in the training data.

    What it detects:
        Batch losses with a heavy upper tail (batches that contain an outlier sample), or
        isolated upward jumps of the epoch training loss while validation stays steady.

    Why it matters:
        A squared-error loss lets one outlier dominate a batch's gradient; the weights get
        yanked whenever that batch comes round and the curves jump.

    Evidence:
        Share of outlier batches, tail heaviness of log batch losses, training spikes.

    Suggested fixes:
        Find and clip or remove outliers; use the Huber loss; clip gradients.

    Known limitations:
        Needs per-batch losses for the strong form; a learning rate that is too high also
        produces spikes (weighed by the hyperparameter rules).
    """
    m = inp.m
    f = m.facts
    p = primary(m)
    b = m.batch
    tiny_batch = f.batch_size is not None and f.batch_size <= 4
    # a classifier's batch losses spread widely by nature once most samples are fitted
    # (a batch with one misclassified sample costs 100x one without): the spread test is
    # for regression losses, where an outlier target is what makes a batch expensive
    classifier = f.loss_kind == "crossentropy"
    if b is not None and finite(b.spread) and not tiny_batch and not classifier:
        heavy_tail = finite(b.tail) and b.tail > 5.0 and b.spikes_share > 0.005
        wide = b.spread > BATCH_SPREAD_OUTLIERS
        if wide or heavy_tail:
            strength = 0.6 + 0.3 * max(
                ramp(b.spread, BATCH_SPREAD_OUTLIERS, 3.0), ramp(b.tail, 5.0, 15.0)
            )
            what = (
                f"batch losses within an epoch spread {math.exp(b.spread):.0f}x "
                f"(log {b.spread:.2f})"
                if wide
                else f"{b.spikes_share:.1%} of batches sit far above their epoch's level"
            )
            yield Hit(
                message=f"{what}: a few samples dominate the loss; outliers in the training data",
                severity="warning",
                strength=strength,
                evidence={
                    "batch_spread": r4(b.spread),
                    "spread_threshold": BATCH_SPREAD_OUTLIERS,
                    "outlier_batch_share": r4(b.spikes_share),
                    "tail_heaviness": r4(b.tail),
                    "batch_size": f.batch_size,
                    "loss": f.loss,
                },
                series=(f"batch {b.key}",),
                fixes=(fixes.clean_outliers(f), fixes.huber_loss(f), fixes.clip_gradients(f)),
                basis="context",
            )
        return
    if p is None or p.train is None or not p.train.is_log:
        return
    tr, va = p.train, p.val
    big = [
        (i, j) for i, j in zip(tr.spike_indices, tr.spike_jumps, strict=True) if j > math.log(1.5)
    ]
    steady_val = va is None or (finite(va.wiggle) and va.wiggle < 0.1)
    if len(big) >= 2 and steady_val and not (finite(tr.rise) and tr.rise > 0.15):
        yield Hit(
            message=(
                f"{tr.key} jumps up {len(big)} times by up to {pct(max(j for _, j in big))} "
                "while validation stays steady: some training samples are outliers"
            ),
            severity="warning",
            strength=0.4,
            evidence={
                "train_spikes_over_50pct": len(big),
                "val_wiggle": r4(va.wiggle) if va else None,
            },
            series=(tr.key,),
            epochs=epoch_list(m, [i for i, _ in big]),
            fixes=(fixes.clean_outliers(f), fixes.huber_loss(f)),
        )


@rule(
    code="CD403",
    name="noise-floor",
    category="data_noise",
    severity="warning",
    measures=(
        "how far validation got below the untrained level (log of the chance-level loss "
        "over the best validation loss, from the recorded loss, output layer and target "
        "statistics; from the curve alone, the first epoch's training loss stands in), and "
        "whether validation has levelled off"
    ),
    threshold=(
        "the best validation loss stayed above 1/2.5 of the untrained level (log 0.92; for "
        "a regression, R^2 under 0.6) and validation is flat or rising at the end, training "
        "having moved at least 10 % (less is CD104) but not more than 20x (that is "
        "memorisation, CD201); a warning with a symptom (validation rising again by 10 %, "
        "a climb that gives back a fifth of its fall as plotted, or wobbling over ±5 %); "
        "an info for a smooth climb of 3 % (five times the curve's "
        "wobble), or when the recorded chance level puts the floor above half of it: "
        "a learnable signal takes the loss down by an order of "
        "magnitude; noisy labels or targets stop it early and high, but so does a dataset "
        "with little signal, and a smooth run converged to its floor is not a sick curve"
    ),
)
def noise_floor(inp: RuleInput) -> Iterator[Outcome]:
    """The loss stops falling early at a high level: the labels carry noise the model cannot learn.

    What it detects:
        A validation loss that never gets far below the level of an untrained model and
        levels off (often rising again as the model memorises the noise), while training
        keeps learning something.

    Why it matters:
        Noisy labels (or targets with large random error) set a floor under the loss; the
        model fits what it can, then chases noise: the curves wobble without improving, and
        a large model starts memorising the noise.

    Evidence:
        Validation gain (log of first training loss over best validation loss), late
        validation slope, training improvement, validation rise.

    Suggested fixes:
        Clean or relabel the data; label smoothing; a robust loss; smooth noisy inputs.

    Known limitations:
        A task that is hard by nature (or a model too small for it) levels off early too.
    """
    p = primary(inp.m)
    if p is None or p.train is None or p.val is None or not p.train.is_log or not p.val.is_log:
        return
    tr, va = p.train, p.val
    if tr.n_finite < 10 or va.n_finite < 6 or tr.nonfinite_index is not None:
        return
    imp = tr.improvement
    chance = finite(p.val_gain_vs_chance)
    gain = p.val_gain_vs_chance if chance else p.val_gain
    if not (finite(gain) and finite(imp)):
        return
    best_train = float(tr.best) if finite(tr.best) else float("nan")
    chance_loss = inp.m.facts.chance_loss
    below_chance = (
        chance
        and chance_loss is not None
        and best_train > 0
        and math.log(chance_loss / best_train) > LEARNED_MIN
    )
    # below LEARNED_MIN the loss never moved: CD104's case (no learning), not a floor
    learned_something = imp >= LEARNED_MIN or bool(below_chance)
    # near the chance level after a whole run, the pace does not matter: most of the loss
    # is not being learned
    near_chance = chance and gain < NEAR_CHANCE
    val_levelled = (finite(va.slope_tail) and va.slope_tail > -0.05) or near_chance
    train_steady = not (finite(tr.rise) and tr.rise > 0.15)
    memorised = imp > MEMORISED
    if not (gain < FLOOR_GAIN and learned_something and val_levelled and train_steady):
        return
    if memorised:
        return  # training fell 20x or more: capacity to memorise, the architecture rules' case
    # validation climbing back by 10 % is the model memorising the noise; a smooth climb
    # of a few per cent, well out of the curve's own wobble, is noted (info): on the broad
    # corpus it marks as many healthy runs on hard data as noisy ones (3 hits for 27 false
    # alarms as a warning)
    memorising = finite(p.val_rise) and p.val_rise > FLOOR_RISE and rise_visible(va)
    climbing = (
        finite(p.val_rise)
        and p.val_rise > FLOOR_RISE_STEADY
        and finite(va.wiggle)
        and p.val_rise > FLOOR_RISE_OVER_WOBBLE * va.wiggle
    )
    wobbling = finite(va.wiggle) and va.wiggle > FLOOR_WOBBLE
    # a floor measured against the recorded chance level stands on its own when it is low
    # enough; otherwise (or from the curve alone, where the first epoch stands in for the
    # untrained level) it takes a symptom: the model memorising noise, or a wobbling curve
    if not (memorising or climbing or wobbling or (chance and gain < FLOOR_GAIN_ALONE)):
        return
    f = inp.m.facts
    fx = [fixes.clean_labels(f), fixes.huber_loss(f), fixes.denoise_inputs(f)]
    if memorising or climbing:
        fx.append(fixes.early_stopping(f))
    reference = (
        f"the chance level ({fixes.fmt_num(f.chance_loss)})" if chance else "the starting loss"
    )
    yield Hit(
        message=(
            f"{va.key} got only {math.exp(gain):.1f}x below {reference} and levelled off"
            + (f", then rose {pct(p.val_rise)}" if memorising or climbing else "")
            + (f", wobbling {rel(va.wiggle)}" if wobbling else "")
            + ": a noise floor the model cannot learn below"
        ),
        # without a symptom the curves show a smooth run that converged to a high floor:
        # hard data, perhaps noisy labels, but not what a person calls a sick curve (and
        # datasets with little signal do this at their best recipe): noted for the weights
        severity="warning" if memorising or wobbling else "info",
        strength=0.45 + 0.2 * ramp(gain, FLOOR_GAIN, 0.2) + (0.1 if memorising else 0.0),
        evidence={
            "val_gain_log": r4(gain),
            "measured_against": "chance level" if chance else "first training loss",
            "threshold_log": r4(FLOOR_GAIN),
            "train_improvement_log": r4(imp),
            "val_slope_late_per_run": r4(va.slope_tail),
            "val_rise_log": r4(p.val_rise),
            "val_rise_share_of_fall": r4(va.rise_share),
            "val_wiggle": r4(va.wiggle),
        },
        series=(va.key, tr.key),
        fixes=tuple(fx),
    )


TRAIN_OVER_VAL = math.log(1.5)
"""A training loss 1.5x the validation loss (median over the second half) is noted."""
TRAIN_FAR_OVER_VAL = math.log(5.0)
"""...and 5x is a problem: dropout (0.1-0.3) and an easier validation split make healthy
runs reach 2-4x, never 5x."""
SMOOTH_TRAIN = 0.02
"""...or 1.5x when the training loss is smooth (jitter under ±2 %): dropout, the usual
innocent reason for a training loss above validation, makes it jitter from epoch to epoch
(its random masks), so a smooth training loss held above validation is the data."""
ACC_BELOW_VAL = 0.1
"""Training accuracy ten points below validation accuracy (second half)."""
TRAIN_KEPT = 0.1
"""...while the training loss kept a tenth of its first epoch or more: a learnable
training set falls further, and a training loss near zero sits above a smaller validation
loss only because dropout and regularisation add a small constant to it."""


@rule(
    code="CD404",
    name="train-above-validation",
    category="data_noise",
    severity="warning",
    measures=(
        "the ratio of the training to the validation loss over the second half of the run "
        "(median of the log ratio), and the training against the validation accuracy"
    ),
    threshold=(
        f"training loss {math.exp(TRAIN_FAR_OVER_VAL):g}x the validation loss or more while "
        f"it kept {TRAIN_KEPT:.0%} or more of its first epoch, or {math.exp(TRAIN_OVER_VAL):g}x "
        f"with a smooth training loss (jitter under {SMOOTH_TRAIN:g}), or training accuracy "
        f"{ACC_BELOW_VAL:.0%} below validation accuracy, without recorded dropout; "
        f"{math.exp(TRAIN_OVER_VAL):g}x is noted as an info (dropout and an easier validation "
        "split reach 2-4x, dropout on few input features 10x): a "
        "model scores better on data it never trained on only when the training data is "
        "harder than the validation data (noisy labels or outlier targets in the training "
        "split), or dropout handicaps training, or the validation split is easier"
    ),
)
def train_above_validation(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss sits persistently above the validation loss: the training data is noisy.

    What it detects:
        A training loss well above the validation loss for the whole second half of the
        run, or a training accuracy well below the validation accuracy.

    Why it matters:
        A model fits the data it trains on at least as well as data it never saw, unless
        the training data is harder: noisy labels or outlier targets in the training split
        (a clean validation split), which the model cannot learn and which dominate its
        loss. The training curve then sits high and flat above a lower validation curve.

    Evidence:
        The median training-over-validation loss ratio over the second half, the accuracy
        gap, and the recorded dropout.

    Suggested fixes:
        Find and clean noisy labels or outlier targets in the training data; a robust loss
        (Huber) for regression; label smoothing for classification.

    Known limitations:
        Heavy dropout or a training-time augmentation makes the training loss higher by
        design; so does a validation split that is easier than the training data.
    """
    m = inp.m
    p = primary(m)
    if p is None or p.train is None or p.val is None:
        return
    if not (p.train.is_log and p.val.is_log) or p.train.nonfinite_any or p.val.nonfinite_any:
        return
    f = m.facts
    threshold = TRAIN_OVER_VAL
    over = -p.gap_late if finite(p.gap_late) else float("nan")
    acc = m.accuracy_pair()
    acc_gap = float("nan")
    if acc is not None and acc.train is not None and acc.val is not None:
        acc_gap = -acc.gap_late if finite(acc.gap_late) else float("nan")
    kept = (
        finite(p.train.first)
        and p.train.first > 0
        and finite(p.train.last)
        and p.train.last / p.train.first >= TRAIN_KEPT
    )
    smooth = finite(p.train.jitter) and p.train.jitter < SMOOTH_TRAIN
    loss_hit = finite(over) and over > threshold and (kept or smooth)
    acc_hit = finite(acc_gap) and acc_gap > ACC_BELOW_VAL
    if not (loss_hit or acc_hit):
        return
    # recorded dropout alone can hold the training loss far above validation (dropping a
    # tenth of a single input feature does): then the ratio is evidence, not a verdict
    dropout = f.dropout is not None and f.dropout > 0
    far = ((loss_hit and (over > TRAIN_FAR_OVER_VAL or smooth)) or acc_hit) and not dropout
    parts = []
    if loss_hit:
        parts.append(
            f"{p.train.key} sits {math.exp(over):.1f}x above {p.val.key} over the second half"
        )
    if acc_hit and acc is not None and acc.train is not None and acc.val is not None:
        parts.append(f"{acc.train.key} is {acc_gap:.0%} below {acc.val.key}")
    yield Hit(
        message=" and ".join(parts)
        + ": the training data is harder than the validation data (noisy labels or outliers)",
        severity="warning" if far else "info",
        strength=max(
            ramp(over, threshold, math.log(10.0)) * 0.7 + (0.3 if loss_hit else 0.0),
            ramp(acc_gap, ACC_BELOW_VAL, 0.4) if acc_hit else 0.0,
        ),
        evidence={
            "train_over_val_log": r4(over),
            "threshold_log": r4(threshold),
            "accuracy_gap": r4(acc_gap),
            "train_last_over_first": r4(p.train.last / p.train.first)
            if finite(p.train.first) and p.train.first > 0
            else None,
            "dropout": f.dropout,
        },
        series=(p.train.key, p.val.key),
        fixes=(fixes.clean_labels(f), fixes.huber_loss(f), fixes.clean_outliers(f)),
    )


@rule(
    code="CD405",
    name="input-outliers",
    category="data_noise",
    severity="info",
    measures=(
        "recorded input statistics: per feature, how far both its minimum and its maximum lie "
        "from its mean in standard deviations (the nearer of the two); the median over features"
    ),
    threshold=(
        f"{INPUT_OUTLIER_Z:g} SDs or more for the median feature: the extreme of N Gaussian "
        "values lies near sqrt(2 ln N) SDs (6.4 at a billion values), so values this far out "
        "on both sides in most features are outliers or glitches, not the tail of the data "
        "(a skewed or sparse feature has one short side and stays below it). Cause evidence "
        "only: it never makes a run sick by itself, a network often trains through them"
    ),
    uses_context=True,
    problem_evidence=False,
)
def input_outliers(inp: RuleInput) -> Iterator[Outcome]:
    """Most input features hold values far outside their spread on both sides: input outliers.

    What it detects:
        Recorded per-feature input statistics (``CurveRecorder(data=...)``) in which the
        typical feature reaches ten or more standard deviations from its mean both below
        and above it.

    Why it matters:
        A sample with an input 30 SDs out drives every unit it feeds into saturation or
        into a huge activation; each batch that holds one pulls the weights hard, which
        shows as jumpy training and validation curves and a worse fit. Standardising does
        not remove them: the outlier stays 30 SDs out, and it stretches the scale of the
        rest of the data.

    Evidence:
        The median feature's distance in SDs and the threshold.

    Suggested fixes:
        Find the outlying samples (sensor glitches, unit mix-ups, sentinel values such as
        -999) and remove or clip them; scale with medians and quantiles instead of means.

    Known limitations:
        Needs the recorded input statistics. Outliers on one side only (a sentinel value)
        look like a skewed feature and are not seen; data whose tails are heavy on both
        sides by nature (returns, differences of counts) is taken for outliers, which is
        why it is cause evidence only and never decides whether a run is sick.
    """
    f = inp.m.facts
    z = f.input_outlier_z
    if z is None or not math.isfinite(z) or z < INPUT_OUTLIER_Z:
        return
    yield Hit(
        message=(
            f"the median input feature has values {z:.0f} standard deviations from its mean "
            "on both sides: outliers in the inputs"
        ),
        severity="info",
        strength=0.4 + 0.6 * ramp(z, INPUT_OUTLIER_Z, INPUT_OUTLIER_Z_FULL),
        evidence={"median_feature_z": r4(z), "threshold": INPUT_OUTLIER_Z},
        fixes=(fixes.clip_input_outliers(f), fixes.robust_scaling(f)),
        basis="context",
    )


@rule(
    code="CD406",
    name="training-keeps-falling",
    category="data_noise",
    severity="warning",
    measures=(
        "the training loss's bend (late slope over early slope, log units) and total fall, "
        "and whether the validation loss still falls at the end"
    ),
    threshold=(
        f"a training loss still falling at {NEAR_STRAIGHT_BEND:.0%} or more of its early pace "
        f"at the end (having fallen {STRAIGHT_MIN_DROP:g} or more in log units) beside a "
        "validation loss that no longer falls (its late slope above "
        f"{STILL_IMPROVING:g} per run length), unless CD209 already warns about the same "
        f"shape with a gap of {math.exp(MEMORISE_GAP):g}x: a straight line on a log "
        "axis never bends "
        "towards convergence, and with validation flat what it still learns is the training "
        "set's own particulars; not when the run ended before its planned epochs (EarlyStopping "
        "stopped it as validation stopped improving)"
    ),
)
def training_keeps_falling(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss falls without bending while validation has stopped improving.

    What it detects:
        A training loss that is still falling at nearly its early pace when the run ends (a
        straight line on a log axis: no bend towards a floor) beside a validation loss
        that has levelled off.

    Why it matters:
        The run has not converged, and the epochs it still spends do not help the task:
        once validation is flat, what a model keeps learning is the training set's own
        particulars, most often noisy labels or outlier targets (which a model can only
        memorise), or a training set too small for it. CD209 flags the same shape when a
        wide gap has already opened; this one flags it before the gap shows.

    Evidence:
        The training curve's early and late slopes and their ratio (the bend), its total
        fall, and the validation loss's late slope.

    Suggested fixes:
        Check the training labels and targets for noise and outliers (a robust loss such as
        Huber limits what outliers can pull); EarlyStopping(restore_best_weights=True); more
        training data or regularisation.

    Known limitations:
        A learning rate far too low also keeps training falling in a straight line; a
        validation curve that levelled at a floor the data sets is not told apart from one
        the model stopped improving on. The fitted weights weigh the causes.
    """
    p = log_pair(inp.m)
    if p is None or p.train is None or p.val is None:
        return
    tr, va = p.train, p.val
    bend = tr.bend
    if not (finite(bend) and bend >= NEAR_STRAIGHT_BEND):
        return
    if not (finite(tr.improvement) and tr.improvement >= STRAIGHT_MIN_DROP):
        return
    if not (finite(tr.slope_late) and tr.slope_late < STILL_FALLING):
        return
    # validation still falling, or falling as straight as training: CD304's case
    if still_falling(va) or (finite(va.bend) and va.bend >= STRAIGHT_BEND):
        return
    if not (finite(va.slope_tail) and va.slope_tail >= STILL_IMPROVING):
        return  # validation slowed but still falls: not levelled yet (CD309's info)
    if memorising_share(p) is not None:
        return  # a wide gap has opened: CD209 warns about this very shape
    g = p.gap_rel_final
    climbs = finite(va.rise) and va.rise > 0 and rise_visible(va)
    f = inp.m.facts
    if f.epochs_planned is not None and inp.m.n_epochs < f.epochs_planned:
        return  # EarlyStopping ended it when validation stopped improving: what it is for
    yield Hit(
        message=(
            f"{tr.key} is still falling at {bend:.0%} of its early pace at the end (a straight "
            f"line on a log axis) while {va.key} "
            + (f"climbs back {up(va.rise)} from its best" if climbs else "no longer falls")
            + (
                ": the run has not converged, and what it still learns is its training set's "
                "own particulars"
                if tr.improvement >= MEMORISE_TRAIN_DROP
                else ": the run has not converged (it fell only "
                f"{down(tr.improvement)} in all: the steps may be too small as well)"
            )
        ),
        severity="warning",
        strength=0.4 + 0.4 * ramp(bend, NEAR_STRAIGHT_BEND, 1.2),
        evidence={
            "train_bend": r4(bend),
            "bend_threshold": NEAR_STRAIGHT_BEND,
            "train_improvement_log": r4(tr.improvement),
            "train_slope_late_per_run": r4(tr.slope_late),
            "val_slope_late_per_run": r4(va.slope_late),
            "val_rise_log": r4(va.rise),
            "gap_final_log": r4(g),
        },
        series=(tr.key, va.key),
        fixes=(
            fixes.clean_labels(f),
            fixes.huber_loss(f),
            fixes.early_stopping(f),
            fixes.more_data(f),
        ),
    )
