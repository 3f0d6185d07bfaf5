"""Curve-shape measures: graded evidence that the weight table reads beside the findings.

A rule turns a measure into a finding at a threshold: below it, the measure says nothing.
Much of what tells causes apart sits below the thresholds, though: how fast the loss
falls at first, how straight its decline is, how far validation sits from training, how jagged
the curve is. The weight table therefore also reads a fixed set of the measures that the
rules already compute (:mod:`curvedoc.analysis`), on the primary train/validation pair,
each as a number rather than a yes or no. ``benchmarks/fit_weights.py`` fits how much each
counts for each cause (and for the problem score), shrunk about eleven times harder
towards zero than a finding's weight: a measure must earn its weight across datasets.

Measured leave-one-split-out on the nine examined corpus splits (each split's datasets and
model families unseen by the fit), curve-only cause top-1 went from 71.5 % (findings only)
to 74.2 % with this set (``docs/diagnosis.md``, steps 28 and 31).

Every measure is scale-free: taken in badness space (log units for a positive loss), a
loss in other units (x 0.001, x 7) gives the same numbers, so the same curves in other
units get the same diagnosis; the level of the loss is left to the rules that read units
on purpose (CD101, CD102). Levels (the first loss, the range) were tried as measures too
and added little across splits (75.7 % with them, 75.3 % without). Each value is
compressed before it is weighed: ``slog(x) = sign(x) * ln(1 + |x|)`` keeps the sign and
tames heavy tails. The run's length is not a measure: the corpus's recipes set it (6
epochs for the too-few-epochs fault, 40-60 for the tables), and runs of hundreds of epochs
lie far outside it (with the length, 75.3 %; without, 74.0 % across splits, a price paid
for not reading the corpus's recipes into users' runs).

The table then centres and scales each one by its spread on the calibration runs and
clips it to three spreads (:class:`curvedoc.weights.WeightTable`), so no single odd curve
can outvote the findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from curvedoc.analysis import Measurements, SeriesMeasures

SHAPE_PREFIX = "shape."
"""Weight-table feature names of the shape measures start with this: ``shape.train.nsr``."""


@dataclass(frozen=True)
class ShapeMeasure:
    """One declared shape measure: its feature name and what it says."""

    name: str
    doc: str


SERIES_MEASURES: tuple[tuple[str, str], ...] = (
    ("jitter", "epoch-to-epoch jitter around the trend"),
    ("jitter_tail", "jitter over the last part of the run"),
    ("wiggle", "amplitude of the wiggle around the smoothed curve"),
    ("nsr", "noise relative to the trend's movement"),
    ("sign_change_rate", "share of epochs where the step changes direction (zig-zag)"),
    ("resid_autocorr", "lag-1 autocorrelation of the residuals (slow swings against noise)"),
    ("improvement", "how far the curve fell from its start to its best"),
    ("slope_all", "trend slope over the whole run"),
    ("slope_tail", "trend slope over the tail"),
    ("rise", "climb of the end above the best"),
    ("half_share", "share of the improvement made in the first half (bend of the curve)"),
    ("net", "end minus start: above zero the run ended worse than it began"),
    ("slope_early", "slope over the first third"),
    ("slope_late", "slope over the last third"),
    ("drop_after_first", "learning done after the first epoch"),
    ("rise_share", "end's climb above the best as a share of the fall before it"),
    ("best_pos", "where the best epoch lies, 0 (first) to 1 (last)"),
    ("plateau_pos", "where the curve stops improving, 0 to 1 (1: never)"),
    ("spike_share", "spikes per epoch"),
)
"""Per side of the primary pair (``train`` and ``val``): attribute (or derived name), doc."""

PAIR_MEASURES: tuple[tuple[str, str], ...] = (
    ("gap_rel_final", "the end gap relative to the training level"),
    ("gap_rel_best", "the gap at the best validation epoch, relative"),
    ("gap_slope", "how fast the gap widens"),
    ("gap_late", "the gap over the last epochs"),
    ("val_rise", "validation's climb after its minimum"),
    ("jitter_ratio", "validation jitter over training jitter"),
    ("wiggle_ratio", "validation wiggle over training wiggle"),
    ("val_gain", "how much validation improved"),
    ("val_gain_vs_chance", "validation's improvement over the untrained level"),
    ("train_gain_after_onset", "training improvement after validation turned"),
    ("onset_pos", "where overfitting starts, 0 to 1 (1: never)"),
)
"""Of the primary train/validation pair."""

RUN_MEASURES: tuple[tuple[str, str], ...] = (
    ("has_val", "1 when the run logged a validation curve"),
    ("classification", "1 when the task is inferred as classification"),
    ("regression", "1 when the task is inferred as regression"),
)
"""Of the run as a whole."""


def declared() -> tuple[ShapeMeasure, ...]:
    """Every shape measure the table may weigh, in a fixed order (for docs and fitting)."""
    out = [
        ShapeMeasure(f"{SHAPE_PREFIX}{side}.{attr}", f"{label}: {doc}")
        for side, label in (("train", "training"), ("val", "validation"))
        for attr, doc in SERIES_MEASURES
    ]
    out += [ShapeMeasure(f"{SHAPE_PREFIX}pair.{a}", d) for a, d in PAIR_MEASURES]
    out += [ShapeMeasure(f"{SHAPE_PREFIX}run.{a}", d) for a, d in RUN_MEASURES]
    return tuple(out)


DOCS: dict[str, str] = {m.name: m.doc for m in declared()}
"""What each shape measure says, by feature name (the report's words for it)."""


def slog(x: float) -> float:
    """``sign(x) * ln(1 + |x|)``; 0 for NaN or inf (a measure that could not be taken)."""
    x = float(x)
    if not math.isfinite(x):
        return 0.0
    return math.copysign(math.log1p(abs(x)), x)


def _position(index: int | None, n: int) -> float:
    """An epoch index as a position 0..1 in a run of ``n`` epochs; 1 when None (never)."""
    if index is None:
        return 1.0
    return index / max(n - 1, 1)


def _series(side: str, s: SeriesMeasures) -> dict[str, float]:
    out: dict[str, float] = {}
    for attr, _ in SERIES_MEASURES:
        if attr == "best_pos":
            v = _position(s.best_index, s.n)
        elif attr == "plateau_pos":
            v = _position(s.plateau_index, s.n)
        elif attr == "spike_share":
            v = len(s.spike_indices) / max(s.n, 1)
        else:
            v = slog(getattr(s, attr))
        out[f"{SHAPE_PREFIX}{side}.{attr}"] = v
    return out


def shape_measures(m: Measurements) -> dict[str, float]:
    """The declared shape measures of a run (``{}`` without a primary training curve).

    Measures of a side or pair the run does not have are left out (they count zero after
    centring: "as a typical run"); ``shape.run.has_val`` says whether validation exists.
    """
    p = m.primary
    if p is None or p.train is None:
        return {}
    out = _series("train", p.train)
    if p.val is not None:
        out.update(_series("val", p.val))
        for attr, _ in PAIR_MEASURES:
            if attr == "onset_pos":
                v = _position(p.onset_index, m.n_epochs)
            else:
                v = slog(getattr(p, attr))
            out[f"{SHAPE_PREFIX}pair.{attr}"] = v
    out[f"{SHAPE_PREFIX}run.has_val"] = 1.0 if p.val is not None else 0.0
    out[f"{SHAPE_PREFIX}run.classification"] = 1.0 if m.task.kind == "classification" else 0.0
    out[f"{SHAPE_PREFIX}run.regression"] = 1.0 if m.task.kind == "regression" else 0.0
    return out
