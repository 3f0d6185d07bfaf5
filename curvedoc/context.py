"""Facts read from a run's recorded context (optimizer, batch size, model, data scale).

The recorder writes a free-form ``context`` object (``docs/history-format.md``); other
sources carry a little (CSVLogger none, a wrapped Keras history its ``params``). This
module reads whatever is there, defensively (any key may be missing or odd), into one
typed :class:`ContextFacts` that rules can rely on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.history import History

RECURRENT_CLASSES = frozenset(
    {
        "LSTM",
        "GRU",
        "SimpleRNN",
        "RNN",
        "Bidirectional",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "CuDNNLSTM",
        "CuDNNGRU",
    }
)
NORM_CLASSES = frozenset(
    {"BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"}
)
DROPOUT_CLASSES = frozenset(
    {
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "GaussianDropout",
        "AlphaDropout",
        "GaussianNoise",
    }
)
SQUARED_LOSSES = frozenset(
    {"mse", "mean_squared_error", "meansquarederror", "msle", "mean_squared_logarithmic_error"}
)
ABS_LOSSES = frozenset({"mae", "mean_absolute_error", "meanabsoluteerror"})
ROBUST_LOSSES = frozenset(
    {"huber", "huber_loss", "logcosh", "log_cosh", "mae", "mean_absolute_error"}
)


LR_RANGES: dict[str, tuple[float, float]] = {
    "adam": (1e-4, 3e-3),
    "adamw": (1e-4, 3e-3),
    "nadam": (1e-4, 3e-3),
    "adamax": (1e-4, 3e-3),
    "rmsprop": (1e-4, 3e-3),
    "adagrad": (1e-3, 5e-2),
    "adadelta": (1e-1, 1.0),
    "sgd": (1e-3, 1e-1),
    "sgd-plain": (1e-2, 3e-1),
    "lion": (3e-5, 3e-4),
}
"""Typical good learning rates per optimizer (Keras defaults and common practice): the one
table every rule and fix reads. ``sgd`` is SGD with momentum (0.9 multiplies the step about
tenfold); ``sgd-plain`` is SGD without momentum, which needs rates ten times higher."""
ANY_OPTIMIZER_LR = (1e-4, 1e-1)
"""The range to judge a learning rate by when the optimizer was not recorded: from Adam's
low end to SGD's high end, so no common optimizer's normal value is called extreme."""
PLAIN_MOMENTUM = 0.5
"""SGD with momentum below this is judged by the plain-SGD range."""


def lr_range(optimizer: str | None, momentum: float | None = None) -> tuple[float, float]:
    """Typical learning-rate range of an optimizer (:data:`ANY_OPTIMIZER_LR` if unknown).

    >>> lr_range("Adam"), lr_range("SGD", momentum=0.0), lr_range(None)
    ((0.0001, 0.003), (0.01, 0.3), (0.0001, 0.1))
    """
    if optimizer is None:
        return ANY_OPTIMIZER_LR
    key = optimizer.lower()
    if key == "sgd" and momentum is not None and momentum < PLAIN_MOMENTUM:
        key = "sgd-plain"
    return LR_RANGES.get(key, ANY_OPTIMIZER_LR)


LR_RAISED = 2.0
"""A logged learning rate that climbs to this multiple of its lowest value so far was raised
on purpose (warm restarts, cyclic rates, a warm-up)."""


@dataclass(frozen=True)
class ContextFacts:
    """Typed facts about the training setup; None where unknown."""

    known: bool = False
    optimizer: str | None = None
    momentum: float | None = None
    learning_rate: float | None = None
    lr_schedule: str | None = None
    lr_varies: bool = False
    lr_raised: bool = False
    """The logged learning rate rose to twice its lowest value so far at least once (warm
    restarts, a cyclic schedule, a warm-up): a schedule that makes the curves jump on purpose."""
    clipping: bool = False
    loss: str | None = None
    loss_kind: str | None = None
    batch_size: int | None = None
    steps_per_epoch: int | None = None
    epochs_planned: int | None = None
    train_samples: int | None = None
    val_samples: int | None = None
    params: int | None = None
    recurrent_layers: int | None = None
    recurrent_units: tuple[int, ...] = ()
    layer_count: int | None = None
    dropout: float | None = None
    regularized: bool | None = None
    normalized: bool | None = None
    input_max_abs: float | None = None
    input_rms_max: float | None = None
    input_rms_ratio: float | None = None
    input_max_std: float | None = None
    input_min_std: float | None = None
    input_scale_ratio: float | None = None
    input_features: int | None = None
    input_outlier_z: float | None = None
    """Median over input features of how far both extremes lie from the mean, in SDs."""
    target_max_abs: float | None = None
    target_rms: float | None = None
    target_std: float | None = None
    target_mean_abs: float | None = None
    chance_loss: float | None = None
    task: str | None = None
    """``classification`` or ``regression`` when given as a fact (never guessed here)."""
    n_classes: int | None = None
    """Classes of the recorded output layer (2 for one sigmoid unit), for a classifier."""
    output_activation: str | None = None
    """Activation of the recorded output layer (``softmax``, ``sigmoid``, ``linear``)."""
    hidden_activations: tuple[str, ...] = ()
    """Activations of the recorded hidden Dense and convolutional layers, in order."""
    min_units: int | None = None
    """The narrowest hidden layer (units or filters), output layer excluded."""

    @property
    def lr_range(self) -> tuple[float, float]:
        """The typical learning-rate range of the recorded optimizer (:func:`lr_range`)."""
        return lr_range(self.optimizer, self.momentum)

    @property
    def samples_per_param(self) -> float | None:
        """Training samples per trainable parameter (small means a large model for the data)."""
        if self.train_samples and self.params:
            return self.train_samples / self.params
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (tuples as lists, plus derived ratios).

        Every field is a scalar or a tuple of scalars, so a shallow copy is the deep one
        ``dataclasses.asdict`` makes, at a tenth of its cost (it runs once per analysed run).
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["recurrent_units"] = list(self.recurrent_units)
        d["samples_per_param"] = self.samples_per_param
        return d


def _finite(v: int | float | str) -> float | None:
    """``float(v)`` when that is a finite number (an int too large for a float is not)."""
    try:
        f = float(v)
    except (ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, str)):
        return _finite(v)
    if isinstance(v, Mapping):
        # a serialised schedule: {"class_name": ..., "config": {"initial_learning_rate": ...}}
        cfg = v.get("config") if isinstance(v.get("config"), Mapping) else v
        for key in ("initial_learning_rate", "learning_rate", "value"):
            if key in cfg:
                return _num(cfg[key])
    return None


def _int(v: Any) -> int | None:
    f = _num(v)
    if f is None or f < 0:
        return None
    return int(f)


def _floats(v: Any) -> list[float]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = _finite(v)
        return [f] if f is not None else []
    if isinstance(v, Sequence) and not isinstance(v, str):
        out: list[float] = []
        for x in v:
            out.extend(_floats(x))
        return out
    return []


@dataclass(frozen=True)
class _Stats:
    max_abs: float | None = None
    max_std: float | None = None
    min_std: float | None = None
    mean_abs: float | None = None
    rms_max: float | None = None
    rms_ratio: float | None = None
    variance: float | None = None
    features: int | None = None
    z_median: float | None = None


def _stats(raw: Any) -> _Stats:
    """Summaries of a recorded per-feature statistics object (``input_stats``).

    ``rms`` of a feature is ``sqrt(mean**2 + std**2)``, its root-mean-square value: 1 for a
    standardised feature, at most 1 for a min-max scaled one, whatever the outliers.
    ``z_median``: see :func:`_outlier_z`.
    """
    if not isinstance(raw, Mapping):
        return _Stats()
    mins = _floats(raw.get("min"))
    maxs = _floats(raw.get("max"))
    stds = _floats(raw.get("std"))
    means = _floats(raw.get("mean"))
    max_abs = max((abs(x) for x in mins + maxs), default=None)
    max_std = max(stds, default=None)
    positive_stds = [s for s in stds if s > 0]
    min_std = min(positive_stds, default=None)
    mean_abs = max((abs(x) for x in means), default=None)
    rms = [math.hypot(m, s) for m, s in zip(means, stds, strict=False)]
    rms_pos = [r for r in rms if r > 0]
    rms_max = max(rms_pos, default=None)
    rms_ratio = rms_max / min(rms_pos) if rms_pos else None
    variance = sum(s * s for s in stds) / len(stds) if stds else None
    features = _int(raw.get("features")) or (len(stds) or None)
    return _Stats(
        max_abs, max_std, min_std, mean_abs, rms_max, rms_ratio, variance, features, _outlier_z(raw)
    )


def _column(v: Any) -> list[float] | None:
    """A flat list of per-feature numbers, position for position.

    An entry that is missing or not a finite number becomes NaN; None when ``v`` is not a
    flat list.
    """
    if not isinstance(v, Sequence) or isinstance(v, str):
        return None
    out: list[float] = []
    for x in v:
        f = _finite(x) if isinstance(x, (int, float, str)) and not isinstance(x, bool) else None
        out.append(math.nan if f is None else f)
    return out


def _outlier_z(raw: Mapping[str, Any]) -> float | None:
    """Median over features of how far *both* extremes lie from the mean, in SDs.

    Per feature ``min(max - mean, mean - min) / std``: outliers on both sides of the bulk
    (glitches, spikes) make it large; a skewed feature (counts, prices, durations) or a sparse
    one (a one-hot column, a pixel that is almost always 0) has one short side and stays
    near or below 1, however far its long tail reaches. The median over features, so that a
    few odd features do not decide it. Features whose statistics are missing, non-finite or
    without spread are left out; None when the four lists differ in length or none is left.
    """
    cols = [_column(raw.get(k)) for k in ("min", "max", "mean", "std")]
    if any(c is None for c in cols) or len({len(c) for c in cols if c is not None}) != 1:
        return None
    z: list[float] = []
    for lo, hi, m, sd in zip(*cols, strict=True):  # type: ignore[arg-type]
        if not (sd > 0 and math.isfinite(lo + hi + m)):
            continue
        v = min(hi - m, m - lo) / sd
        if math.isfinite(v) and v >= 0:
            z.append(v)
    if not z:
        return None
    z.sort()
    return z[(len(z) - 1) // 2] / 2 + z[len(z) // 2] / 2


def _typed_scale(stats: _Stats, typed: Any) -> _Stats:
    """Recorded statistics with a typed scale fact (``input_scale``, ``target_scale``) over them.

    A person who knows "the inputs are raw prices around 2,000" gives the largest feature's
    typical absolute size: its root mean square, which is what the scale rules read
    (``rms_max``), and the size the messages quote (``max_abs``). Given facts override
    recorded ones; the spread between features stays unknown unless it was recorded.
    """
    value = _num(typed)
    if value is None or not math.isfinite(value) or value <= 0:
        return stats
    return replace(stats, rms_max=value, max_abs=value)


def _layer_facts(
    layers: Any,
) -> tuple[int | None, tuple[int, ...], int | None, float | None, bool | None, bool | None]:
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        return None, (), None, None, None, None
    recurrent = 0
    units: list[int] = []
    dropout = 0.0
    regularized = False
    normalized = False
    count = 0
    for layer in layers:
        if not isinstance(layer, Mapping):
            continue
        count += 1
        cls = str(layer.get("class", ""))
        inner = layer.get("layer") if isinstance(layer.get("layer"), Mapping) else None
        # the recorder writes a wrapper (Bidirectional, TimeDistributed) as the wrapped
        # layer's fields plus "wraps": its class; other writers may nest a "layer" object
        wrapped = str(layer.get("wraps") or (inner or {}).get("class") or "")
        if cls in RECURRENT_CLASSES or wrapped in RECURRENT_CLASSES:
            recurrent += 1
            u = _int(
                layer.get("units") if layer.get("units") is not None else (inner or {}).get("units")
            )
            if u:
                units.append(u)
        for key in ("dropout", "recurrent_dropout"):
            d = _num(layer.get(key))
            if d:
                dropout = max(dropout, d)
        if cls in DROPOUT_CLASSES:
            d = _num(layer.get("rate"))
            dropout = max(dropout, d if d is not None else 0.1)
        for key in (
            "kernel_regularizer",
            "recurrent_regularizer",
            "bias_regularizer",
            "activity_regularizer",
        ):
            if layer.get(key):
                regularized = True
        if cls in NORM_CLASSES:
            normalized = True
    return recurrent, tuple(units), count, dropout, regularized, normalized


def chance_loss(kind: str | None, loss: str | None, layers: Any, target: _Stats) -> float | None:
    """The loss of a model that learned nothing but the average answer.

    Predicting the mean target scores the targets' variance under a squared error (about
    their standard deviation under an absolute one); predicting uniform classes scores
    log K under cross-entropy over K classes (log 2 for one sigmoid unit). A run's best
    validation loss against this level says how much of the problem was learnable. None
    when the facts are missing.
    """
    if kind == "crossentropy":
        units = None
        if isinstance(layers, Sequence) and not isinstance(layers, str):
            for layer in reversed(list(layers)):
                if isinstance(layer, Mapping) and _int(layer.get("units")):
                    units = _int(layer.get("units"))
                    break
        name = (loss or "").lower()
        if "binary" in name or units == 1:
            return math.log(2.0)
        if units and units > 1:
            return math.log(units)
        return None
    if kind == "squared" and target.variance:
        return target.variance
    if kind == "absolute" and target.variance:
        return math.sqrt(target.variance)
    return None


def loss_kind(loss: str | None) -> str | None:
    """``squared``, ``absolute``, ``robust``, ``crossentropy`` or None for a loss name."""
    if not loss:
        return None
    key = loss.lower().replace(" ", "")
    if key in SQUARED_LOSSES:
        return "squared"
    if key in ABS_LOSSES:
        return "absolute"
    if key in ROBUST_LOSSES or "huber" in key or "logcosh" in key:
        return "robust"
    if "crossentropy" in key or "hinge" in key:
        return "crossentropy"
    return None


BEYOND_FACTS = ("layers", "input_stats", "target_stats", "input_scale", "target_scale")
"""Context keys that say more than the typed facts: the model's layers and the data's
scale, as the recorder records them (or a saved model and the scale facts give them)."""


def holds_only_facts(context: Mapping[str, Any]) -> bool:
    """Whether a non-empty context holds typed facts only, none of :data:`BEYOND_FACTS`.

    Typed facts are the optimizer, the learning rate, the batch size, sample and parameter
    counts, the loss and the like. Such a run is weighed with its own problem threshold
    (:meth:`curvedoc.weights.WeightTable.threshold_for`): without the layers and the data's
    scale there is less evidence against a cause than in a recorded context.
    """
    return bool(context) and not any(context.get(k) is not None for k in BEYOND_FACTS)


def read_context(context: Mapping[str, Any], history: History | None = None) -> ContextFacts:
    """Read the recorded context into :class:`ContextFacts` (missing keys stay None)."""
    if not isinstance(context, Mapping):
        context = {}
    opt = context.get("optimizer")
    opt_name: str | None = None
    clipping = False
    momentum: float | None = None
    lr = _num(context.get("learning_rate"))
    schedule = context.get("lr_schedule") if isinstance(context.get("lr_schedule"), str) else None
    if isinstance(opt, Mapping):
        opt_name = str(opt.get("class") or opt.get("name") or "") or None
        cfg = opt.get("config") if isinstance(opt.get("config"), Mapping) else {}
        if lr is None:
            lr = _num(cfg.get("learning_rate"))
        if isinstance(cfg.get("learning_rate"), Mapping) and schedule is None:
            schedule = str(cfg["learning_rate"].get("class_name") or "schedule")
        clipping = any(_num(cfg.get(k)) for k in ("clipnorm", "clipvalue", "global_clipnorm"))
        momentum = _num(cfg.get("momentum"))
    elif isinstance(opt, str):
        opt_name = opt
    if momentum is None:
        momentum = _num(context.get("momentum"))  # given as a fact (--context momentum=0)
    lr_varies = lr_raised = False
    if history is not None:
        lr_series = history.learning_rate()
        if lr_series is not None:
            f = lr_series[np.isfinite(lr_series)]
            if f.size:
                if lr is None:
                    lr = float(f[0])
                lr_varies = bool(f.max() > f.min() * 1.0001)
                lowest = np.minimum.accumulate(f)
                lr_raised = bool(f.size > 1 and np.any(f[1:] > LR_RAISED * lowest[:-1]))
    loss = context.get("loss")
    loss_name = str(loss) if isinstance(loss, (str, int, float)) else None
    if isinstance(loss, Mapping):
        loss_name = str(loss.get("class") or loss.get("name") or "") or None
    recurrent, units, count, dropout, regularized, normalized = _layer_facts(context.get("layers"))
    out_act, hidden_acts, min_units, out_units = _activation_facts(context.get("layers"))
    kind = loss_kind(loss_name)
    n_classes = None
    if out_units is not None and (kind == "crossentropy" or out_act in ("softmax", "sigmoid")):
        n_classes = 2 if out_units == 1 else out_units
    task = context.get("task") if context.get("task") in ("classification", "regression") else None
    ins = _typed_scale(_stats(context.get("input_stats")), context.get("input_scale"))
    tgs = _typed_scale(_stats(context.get("target_stats")), context.get("target_scale"))
    in_max, in_max_std, in_min_std, in_features = (
        ins.max_abs,
        ins.max_std,
        ins.min_std,
        ins.features,
    )
    t_max, t_std, t_mean = tgs.max_abs, tgs.max_std, tgs.mean_abs
    ratio = in_max_std / in_min_std if in_max_std and in_min_std else None
    params = context.get("params")
    n_params = None
    if isinstance(params, Mapping):
        n_params = _int(params.get("trainable")) or _int(params.get("total"))
    else:
        n_params = _int(params)
    batch_size = _int(context.get("batch_size"))
    steps = _int(context.get("steps_per_epoch"))
    train_samples = _int(context.get("train_samples"))
    if batch_size is None and steps == 1 and train_samples:
        batch_size = train_samples  # one step per epoch: the batch is the training set
    known = any(
        v is not None
        for v in (
            opt_name,
            lr,
            batch_size,
            train_samples,
            n_params,
            recurrent,
            in_max,
            t_max,
            loss_name,
        )
    )
    return ContextFacts(
        known=known,
        optimizer=opt_name,
        momentum=momentum,
        learning_rate=lr,
        lr_schedule=schedule,
        lr_varies=lr_varies,
        lr_raised=lr_raised,
        clipping=clipping,
        loss=loss_name,
        loss_kind=loss_kind(loss_name),
        batch_size=batch_size,
        steps_per_epoch=steps,
        epochs_planned=_int(context.get("epochs_planned")),
        train_samples=train_samples,
        val_samples=_int(context.get("val_samples")),
        params=n_params,
        recurrent_layers=recurrent,
        recurrent_units=units,
        layer_count=count,
        dropout=dropout,
        regularized=regularized,
        normalized=normalized,
        input_max_abs=in_max,
        input_rms_max=ins.rms_max,
        input_rms_ratio=ins.rms_ratio,
        input_max_std=in_max_std,
        input_min_std=in_min_std,
        input_scale_ratio=ratio,
        input_features=in_features,
        input_outlier_z=ins.z_median,
        target_max_abs=t_max,
        target_rms=tgs.rms_max,
        chance_loss=chance_loss(loss_kind(loss_name), loss_name, context.get("layers"), tgs),
        target_std=t_std,
        target_mean_abs=t_mean,
        task=task,
        n_classes=n_classes,
        output_activation=out_act,
        hidden_activations=hidden_acts,
        min_units=min_units,
    )


HIDDEN_CLASSES = frozenset(
    {
        "Dense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "SeparableConv1D",
        "SeparableConv2D",
        "DepthwiseConv2D",
        "Conv1DTranspose",
        "Conv2DTranspose",
    }
)
"""Layer classes whose ``activation`` is a hidden non-linearity (the last one is the output)."""


def _activation_facts(
    layers: Any,
) -> tuple[str | None, tuple[str, ...], int | None, int | None]:
    """``(output activation, hidden activations, narrowest hidden width, output units)``.

    The output layer is the last layer with ``units``; hidden activations are those of
    the Dense and convolutional layers before it, an ``Activation`` layer replacing the
    activation of the layer before it. Widths count ``units`` and ``filters``.
    """
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        return None, (), None, None
    items = [x for x in layers if isinstance(x, Mapping)]
    out_i = None
    for i in range(len(items) - 1, -1, -1):
        if _int(items[i].get("units")):
            out_i = i
            break
    if out_i is None:
        return None, (), None, None
    out = items[out_i]
    out_act = str(out.get("activation") or "linear")
    for later in items[out_i + 1 :]:
        if later.get("class") == "Activation" and later.get("activation"):
            out_act = str(later["activation"])
    acts: list[str] = []
    widths: list[int] = []
    for x in items[:out_i]:
        cls = str(x.get("class", ""))
        if cls == "Activation" and acts and x.get("activation"):
            acts[-1] = str(x["activation"])
        elif cls in HIDDEN_CLASSES:
            acts.append(str(x.get("activation") or "linear"))
        width = _int(x.get("units")) or _int(x.get("filters"))
        if width:
            widths.append(width)
    return out_act, tuple(acts), (min(widths) if widths else None), _int(out.get("units"))
