"""Rules for the hyperparameters category: learning rate, batch size, epochs."""

from __future__ import annotations

import math
from collections.abc import Iterator

from curvedoc import fixes
from curvedoc.analysis import SeriesMeasures
from curvedoc.rules.common import (
    accuracy_steady,
    curve_trouble,
    epoch_list,
    finite,
    pct,
    primary,
    r4,
    ramp,
    rel,
)
from curvedoc.rules.registry import Against, Hit, Outcome, RuleInput, rule

# A Keras learning rate this many times above the top of the optimizer's typical range
# is "far too high" on its own; the curve decides whether it hurt.
LR_HIGH_FACTOR = 5.0
LR_LOW_FACTOR = 3.0
SMALL_BATCH = 4
"""Batch sizes at or below this make every step follow a handful of samples."""
JITTER_HIGH = 0.15
"""Late training-loss jitter (log units) above which the optimizer overshoots."""
RISE_HIGH = 0.15
"""A training loss ending this far (log units) above its best has regressed."""
SLOW_IMPROVEMENT = math.log(4.0)
"""A run whose loss fell less than 4x and is still falling at an undiminished pace is slow."""


def _lr_range(opt: str | None) -> tuple[float, float]:
    return fixes.lr_range(opt)


@rule(
    code="CD301",
    name="loss-diverged",
    category="hyperparameters",
    severity="error",
    measures="NaN/inf in the training loss, or a training loss that ends far above its best",
    threshold=(
        "any NaN/inf after a finite value; or the trend ending more than 10x (log 2.3) above "
        "its best: ordinary noise never multiplies the training loss tenfold"
    ),
)
def loss_diverged(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss blew up (NaN/inf) or climbed far above its best.

    What it detects:
        A NaN or infinite training loss after finite values, or a training-loss trend that
        ends more than ten times above its best value.

    Why it matters:
        Divergence means the optimizer's steps overshoot: the learning rate is too high for
        the loss landscape (often with exploding gradients in recurrent nets, or huge
        unscaled inputs/targets). Nothing after the blow-up is worth training.

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
    tr = p.train
    f = inp.m.facts
    fx = (fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.early_stopping(f))
    if tr.nonfinite_index is not None:
        e = inp.m.epoch_at(tr.nonfinite_index)
        yield Hit(
            message=f"{tr.key} became NaN/inf at epoch {e}: training diverged",
            severity="error",
            strength=0.85,
            evidence={"nonfinite_epoch": e, "last_finite": r4(tr.last)},
            series=(tr.key,),
            epochs=(e,) if e is not None else (),
            fixes=fx,
        )
        return
    if tr.is_log and finite(tr.rise) and tr.rise > math.log(10):
        yield Hit(
            message=(
                f"{tr.key} ended {math.exp(tr.rise):.0f}x above its best "
                f"(best {tr.best:.4g} at epoch {inp.m.epoch_at(tr.best_index)}): training diverged"
            ),
            severity="error",
            strength=0.8,
            evidence={
                "rise_log": r4(tr.rise),
                "threshold_log": r4(math.log(10)),
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
        "jitter of the epoch-averaged training loss around its trend (log units), its "
        "upward spikes, and how far it ends above its best"
    ),
    threshold=(
        "late-run jitter above 0.15 (about ±16 %), or ending more than 15 % above its best "
        "(log 0.15, and more than three times its own jitter), or ending above where it "
        "started (by more than 5 % and twice its jitter), or three upward spikes of "
        "more than 30 %: an epoch average over many batches moves smoothly when the step "
        "size fits (the noisiest healthy recipes, with dropout, RMSprop or batches of 8, "
        "reach about ±11 %), so steps this large mean overshooting; an info only when a "
        "classifier's training accuracy stays steady (wiggles under 2 points, ends within 3 "
        "of its best)"
    ),
)
def unstable_training_loss(inp: RuleInput) -> Iterator[Outcome]:
    """The training loss itself jumps up and down: the optimizer overshoots.

    What it detects:
        An epoch-averaged training loss that zig-zags around its trend, jumps up in
        spikes, or drifts back up after reaching its best.

    Why it matters:
        The training loss of an epoch is an average over every batch; with a step size that
        fits the problem it falls smoothly. When it bounces, the steps overshoot the minimum:
        most often the learning rate is too high (or, without momentum damping, the batch
        too small, or outliers dominate some batches).

    Evidence:
        Late-run jitter (robust spread of log-loss residuals), the upward spikes and their
        sizes, the rise from the best, the zig-zag rate (sign changes of successive
        differences) and residual autocorrelation.

    Suggested fixes:
        Lower the learning rate (or add ReduceLROnPlateau), clip gradients, use a decaying
        schedule.

    Known limitations:
        Outlier-laden batches can make the training loss jump too; the data-noise rules
        weigh that, using per-batch losses when recorded.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr = p.train
    if tr.nonfinite_index is not None or tr.n_finite < 6:
        return
    jit = tr.jitter_tail if finite(tr.jitter_tail) else tr.jitter
    big_spikes = [
        (i, j) for i, j in zip(tr.spike_indices, tr.spike_jumps, strict=True) if j > math.log(1.3)
    ]
    rise = tr.rise if finite(tr.rise) else 0.0
    noise = tr.jitter if finite(tr.jitter) else 0.0
    # net change over the run (trend at the end minus at the start): a training loss that
    # ends above where it started was made worse by the optimizer
    net = rise - tr.improvement if finite(tr.improvement) else 0.0
    worse_than_start = net > max(0.05, 2.0 * noise)
    # the best point of a noisy curve is low by chance: a rise within three robust SDs of
    # the curve's own jitter is not a regression
    if rise <= 3.0 * noise:
        rise = 0.0
    score = max(
        ramp(jit, JITTER_HIGH * 0.6, JITTER_HIGH * 2),
        ramp(rise, RISE_HIGH * 0.6, RISE_HIGH * 4),
        ramp(len(big_spikes), 1, 4) * 0.8,
        0.6 if worse_than_start else 0.0,
    )
    f = inp.m.facts
    warn = jit > JITTER_HIGH or rise > RISE_HIGH or len(big_spikes) >= 3 or worse_than_start
    # a classifier whose training accuracy holds steady is not overshooting: the jumps are
    # in the confidence of samples it already gets right
    steady_acc = accuracy_steady(inp.m, "train") and not worse_than_start
    if steady_acc:
        warn = False
    if score <= 0.2 and not warn:
        return
    severity = "warning" if warn else "info"
    parts = []
    if jit > JITTER_HIGH * 0.6:
        parts.append(f"jitters {rel(jit)} around its trend late in the run")
    if big_spikes:
        largest = max(j for _, j in big_spikes)
        parts.append(f"spikes up {len(big_spikes)} time(s) (largest {pct(largest)})")
    if worse_than_start:
        parts.append(f"ends {pct(net)} above where it started")
    elif rise > RISE_HIGH * 0.6:
        parts.append(f"ends {pct(rise)} above its best")
    msg = f"{tr.key} " + ", ".join(parts or ["is unsteady"]) + ": steps overshoot"
    yield Hit(
        message=msg,
        severity=severity,
        strength=0.35 + 0.45 * score,
        evidence={
            "jitter_late": r4(jit),
            "jitter_threshold": JITTER_HIGH,
            "rise_log": r4(rise),
            "rise_threshold": RISE_HIGH,
            "net_change_log": r4(net),
            "train_accuracy_steady": steady_acc,
            "spikes_over_30pct": len(big_spikes),
            "sign_change_rate": r4(tr.sign_change_rate),
            "residual_autocorr": r4(tr.resid_autocorr),
        },
        series=(tr.key,),
        epochs=epoch_list(inp.m, [i for i, _ in big_spikes]),
        fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f), fixes.warmup_or_schedule(f)),
    )


@rule(
    code="CD303",
    name="learning-rate-high",
    category="hyperparameters",
    severity="warning",
    measures="the recorded learning rate against the optimizer's typical range",
    threshold=(
        f"more than {LR_HIGH_FACTOR:g}x the top of the typical range (Adam/RMSprop 3e-3, "
        "SGD 0.1; when the optimizer was not recorded, 0.1): Keras defaults sit inside "
        "these ranges and recurrent nets rarely train well far above them"
    ),
    uses_context=True,
)
def learning_rate_high(inp: RuleInput) -> Iterator[Outcome]:
    """The recorded learning rate is far above what the optimizer usually tolerates.

    What it detects:
        A recorded (initial) learning rate several times above the top of the typical
        range for its optimizer.

    Why it matters:
        Too-large steps overshoot, so the loss bounces instead of settling; recurrent nets
        are especially sensitive (exploding gradients).

    Evidence:
        The learning rate, the optimizer, the typical range; whether the curve is unsteady.

    Suggested fixes:
        Lower the learning rate into the typical range; ReduceLROnPlateau; clipnorm.

    Known limitations:
        Needs the recorded context (CurveRecorder, or a ``learning_rate`` column). With a
        warm-up or decaying schedule the initial value may be deliberately high.
    """
    f = inp.m.facts
    if f.learning_rate is None or f.learning_rate <= 0:
        return
    lo, hi = _lr_range(f.optimizer)
    ratio = f.learning_rate / hi
    trouble = curve_trouble(inp.m)
    if ratio >= LR_HIGH_FACTOR:
        yield Hit(
            message=(
                f"learning_rate is {fixes.fmt_num(f.learning_rate)} with "
                f"{f.optimizer or 'an unrecorded optimizer'}, {ratio:.0f}x the top of its "
                f"typical range ({fixes.fmt_num(lo)}-{fixes.fmt_num(hi)})"
                + (f"; {trouble[0]}" if trouble else "")
            ),
            severity="warning" if trouble else "info",
            strength=0.8 if trouble else 0.3,
            evidence={
                "learning_rate": f.learning_rate,
                "optimizer": f.optimizer,
                "typical_max": hi,
                "ratio": r4(ratio),
                "curve_trouble": "; ".join(trouble) or None,
            },
            fixes=(fixes.lower_learning_rate(f), fixes.clip_gradients(f)),
            basis="context",
        )
    elif lo <= f.learning_rate <= hi:
        yield Against(
            "hyperparameters",
            0.75,
            f"learning_rate {fixes.fmt_num(f.learning_rate)} is within the usual range for "
            f"{f.optimizer or 'an unrecorded optimizer'}",
        )


@rule(
    code="CD304",
    name="slow-convergence",
    category="hyperparameters",
    severity="warning",
    measures=(
        "total improvement of the training loss (log units) and whether it is still falling "
        "at the same pace at the end"
    ),
    threshold=(
        "improved by less than 4x (log 1.39) over the run, half of it after the first third, "
        "while the last 30 % of the training and validation loss still falls at 60 % or more "
        "of the run's average pace: a well-set run makes most of its progress early and has "
        "most of it behind it by the end"
    ),
)
def slow_convergence(inp: RuleInput) -> Iterator[Outcome]:
    """The loss falls steadily but slowly and has not levelled off: the steps are too small.

    What it detects:
        A training loss that improved little over the whole run yet is still falling at
        nearly the same pace at the end: it has not converged.

    Why it matters:
        A learning rate far too low (or a batch so large that an epoch is one or two steps)
        makes progress linear and slow; the run ends long before the model is trained.

    Evidence:
        Total improvement (log of start over best), the slope over the whole run and over its
        last 30 % (log units per run length), the recorded learning rate and steps per epoch.

    Suggested fixes:
        Raise the learning rate; use smaller batches; train longer.

    Known limitations:
        A model that cannot fit the data at all (or saturating unscaled inputs) can also
        improve slowly; the unscaled-data rules look at the data scale.
    """
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    tr = p.train
    if tr.n_finite < 8 or tr.nonfinite_index is not None:
        return
    if not (finite(tr.slope_all) and finite(tr.slope_tail) and finite(tr.improvement)):
        return
    if not (_still_falling(tr) and tr.improvement < SLOW_IMPROVEMENT):
        return
    va = p.val
    if va is not None and va.is_log and va.n_finite >= 8 and not _still_falling(va):
        return  # validation levelled off: not slow steps but a floor (see CD403)
    f = inp.m.facts
    lo, hi = _lr_range(f.optimizer)
    low_lr = f.learning_rate is not None and f.learning_rate < lo / 3
    few_steps = f.steps_per_epoch is not None and f.steps_per_epoch <= 2
    # recorded settings that give normal step sizes contradict "the steps are too small"
    normal_steps = (
        f.learning_rate is not None
        and lo <= f.learning_rate <= hi
        and f.steps_per_epoch is not None
        and f.steps_per_epoch > 2
    )
    strength = 0.45 + 0.25 * ramp(tr.improvement, SLOW_IMPROVEMENT, 0.1)
    fx = [fixes.raise_learning_rate(f)]
    if few_steps:
        fx.insert(0, fixes.smaller_batch(f))
    fx.append(fixes.more_epochs(f))
    yield Hit(
        message=(
            f"{tr.key} fell only {pct(-tr.improvement)} over {tr.n} epochs and is still falling "
            "at the same pace: the steps are too small to converge"
        ),
        severity="info" if normal_steps else "warning",
        strength=min(0.9, strength + (0.2 if (low_lr or few_steps) else 0.0)),
        evidence={
            "improvement_log": r4(tr.improvement),
            "threshold_log": r4(SLOW_IMPROVEMENT),
            "slope_per_run": r4(tr.slope_all),
            "slope_late_per_run": r4(tr.slope_tail),
            "learning_rate": f.learning_rate,
            "steps_per_epoch": f.steps_per_epoch,
        },
        series=(tr.key,),
        fixes=tuple(fx),
    )


def _still_falling(s: SeriesMeasures) -> bool:
    """Whether a series falls at an undiminished pace: no fast start, still falling at the end.

    The late slope is at least 60 % of the whole run's, and half of the total improvement
    came after the first third of the run (an exponential start reaches it in a few
    epochs; a straight line at mid-run).
    """
    return (
        finite(s.slope_tail)
        and finite(s.slope_all)
        and s.slope_tail < -0.05
        and s.slope_tail <= 0.6 * s.slope_all
        and (not finite(s.half_share) or s.half_share > 1 / 3)
    )


@rule(
    code="CD305",
    name="learning-rate-low",
    category="hyperparameters",
    severity="warning",
    measures="the recorded learning rate against the optimizer's typical range",
    threshold=(
        f"more than {LR_LOW_FACTOR:g}x below the bottom of the typical range (Adam 1e-4); a "
        "warning when the loss also fell less than 4x"
    ),
    uses_context=True,
)
def learning_rate_low(inp: RuleInput) -> Iterator[Outcome]:
    """The recorded learning rate is far below the optimizer's typical range.

    What it detects:
        A recorded learning rate an order of magnitude below the typical range.

    Why it matters:
        Tiny steps make training slow; combined with slow convergence (CD304) this is the
        likely cause.

    Evidence:
        The learning rate, the optimizer and its typical range.

    Suggested fixes:
        Raise the learning rate into the typical range.

    Known limitations:
        Fine-tuning deliberately uses small learning rates.
    """
    f = inp.m.facts
    if f.learning_rate is None or f.learning_rate <= 0:
        return
    lo, hi = _lr_range(f.optimizer)
    if f.learning_rate >= lo / LR_LOW_FACTOR:
        return
    p = primary(inp.m)
    slow = (
        p is not None
        and p.train is not None
        and p.train.is_log
        and finite(p.train.improvement)
        and p.train.improvement < SLOW_IMPROVEMENT
    )
    yield Hit(
        message=(
            f"learning_rate is {fixes.fmt_num(f.learning_rate)} with "
            f"{f.optimizer or 'an unrecorded optimizer'}, far below its typical range "
            f"({fixes.fmt_num(lo)}-{fixes.fmt_num(hi)})"
            + ("; the loss barely moved" if slow else "")
        ),
        severity="warning" if slow else "info",
        strength=0.75 if slow else 0.3,
        evidence={"learning_rate": f.learning_rate, "typical_min": lo, "slow": slow},
        fixes=(fixes.raise_learning_rate(f),),
        basis="context",
    )


@rule(
    code="CD306",
    name="small-batch-noise",
    category="hyperparameters",
    severity="warning",
    measures="the recorded batch size, and the spread of per-batch losses within epochs",
    threshold=(
        "a recorded batch_size of 4 or less, a warning when the curves are troubled or the "
        "batch losses spread more than 1.0 in log units (2.7x) within epochs: gradient noise "
        "grows as 1/sqrt(batch size), and at 4 samples it is half the signal"
    ),
    uses_context=True,
)
def small_batch_noise(inp: RuleInput) -> Iterator[Outcome]:
    """Batches so small that every step follows a handful of samples.

    What it detects:
        A tiny recorded batch size together with unsteady curves, or per-batch losses that
        scatter widely within each epoch.

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
    if f.batch_size is None or f.batch_size > SMALL_BATCH:
        return
    trouble = curve_trouble(m)
    spread = m.batch.spread if m.batch is not None else float("nan")
    noisy_batches = finite(spread) and spread > 1.0
    hurt = bool(trouble) or noisy_batches
    yield Hit(
        message=(
            f"batch_size is {f.batch_size}: each step follows {f.batch_size} sample(s), so the "
            "weights jitter from step to step" + (f"; {trouble[0]}" if trouble else "")
        ),
        severity="warning" if hurt else "info",
        strength=0.75 if hurt else 0.3,
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
        "at most 2 steps per epoch while the loss fell less than 4x or is still falling at "
        "an undiminished pace: full-batch training takes one step per epoch, too few to "
        "converge in a normal number of epochs"
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
    f = inp.m.facts
    p = primary(inp.m)
    if p is None or p.train is None or not p.train.is_log:
        return
    steps = f.steps_per_epoch
    if steps is None and f.batch_size and f.train_samples:
        steps = math.ceil(f.train_samples / f.batch_size)
    if steps is None or steps > 2:
        return
    if f.train_samples is not None and f.train_samples < 100:
        return  # few steps because there is little data: CD103's case, not the batch size
    tr = p.train
    slow = (finite(tr.improvement) and tr.improvement < SLOW_IMPROVEMENT) or _still_falling(tr)
    yield Hit(
        message=(
            f"{steps} optimizer step(s) per epoch (batch_size {f.batch_size}"
            + (f" for {f.train_samples:,} samples" if f.train_samples else "")
            + ")"
            + (f": the loss fell only {pct(-tr.improvement)} in {tr.n} epochs" if slow else "")
        ),
        severity="warning" if slow else "info",
        strength=0.75 if slow else 0.3,
        evidence={
            "steps_per_epoch": steps,
            "batch_size": f.batch_size,
            "train_samples": f.train_samples,
            "improvement_log": r4(tr.improvement),
        },
        fixes=(fixes.smaller_batch(f), fixes.raise_learning_rate(f)),
        basis="context",
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
    if tr.nonfinite_index is not None:
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
    code="CD309",
    name="still-improving",
    category="hyperparameters",
    severity="info",
    measures="slope of the validation loss over the last 30 % of the run",
    threshold="still falling by more than 10 % per run length at the end",
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
    if s is None or not s.is_log or not finite(s.slope_tail) or s.nonfinite_index is not None:
        return
    if s.slope_tail < -0.1 and (not finite(s.rise) or s.rise < 0.02):
        yield Hit(
            message=f"{s.key} was still falling at the end ({pct(s.slope_tail)} per run length)",
            severity="info",
            strength=0.0,
            evidence={"slope_late_per_run": r4(s.slope_tail)},
            series=(s.key,),
            fixes=(fixes.more_epochs(inp.m.facts),),
        )
