"""Evidence weights: how much each finding counts for each cause, read from a data file.

Rules are *detectors*: each finding carries a strength in 0..1 (how clearly its pattern is
present). How much a finding counts for each of the four cause categories is not set by
hand: ``benchmarks/fit_weights.py`` fits it on the labelled calibration corpus (a
multinomial logistic regression over the findings, as SpamAssassin fits one score per
hand-written rule) and writes ``curvedoc/weights.json``. This module only reads that
table; the runtime stays numpy-free here and never imports scikit-learn.

For a sick run with findings ``f`` (strength ``s_f``) and pieces of evidence against
``a``, the score of category ``c`` is::

    z_c = b_c + sum_f w[f.code][c] * s_f + sum_a w[a.code + ":against"][c]

and the cause probabilities are ``softmax(z)`` over the four categories. The table is
versioned; a key the table does not know counts zero.

Shape measures (:mod:`curvedoc.shape`, features named ``shape.*``) are graded numbers,
not strengths: the table holds a centre and a spread for each (``scaling``, taken on the
calibration runs) and weighs ``clip((x - centre) / spread, -3, 3)``; a measure the run does
not have counts zero, as a typical run's would.

The table also holds a fitted *problem score*, ``P(problem) = sigmoid(h_0 + sum h[f] x_f)``
over the same inputs, and the threshold above which it calls a run sick even when no rule
reported a warning: how far a combination of weak evidence (a learning rate 10x its usual
range with a slightly unsteady curve, say) counts, tuned to a stated false-alarm rate on
healthy calibration runs: one threshold for runs read from their curves alone and one for
runs with recorded context (:meth:`WeightTable.threshold_for`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from curvedoc.report import CATEGORIES

WEIGHTS_PATH = Path(__file__).with_name("weights.json")
WEIGHTS_FORMAT = "curvedoc-weights"
WEIGHTS_VERSION = 1
CLIP = 3.0
"""A standardised shape measure counts at most this many spreads from the centre."""
AGAINST_SUFFIX = ":against"
"""Feature name of a rule's evidence against: ``CD303:against``."""


@dataclass(frozen=True)
class WeightTable:
    """The fitted table: an intercept and a weight per (feature, category).

    Attributes:
        intercept: per category.
        weights: feature name (a rule code, or ``CODE:against``) -> category -> weight.
        meta: how the table was made (script, corpus, regularisation, date, numbers).
    """

    intercept: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]
    meta: Mapping[str, Any] = field(default_factory=dict)
    problem_intercept: float = -20.0
    problem_weights: Mapping[str, float] = field(default_factory=dict)
    problem_threshold: float = 1.0
    """A problem score at or above this calls a run sick (1.0: never, as in the prior)."""
    problem_threshold_curves: float | None = None
    """The threshold for a run with no recorded context (the curves alone), when the table
    has its own for them (None: :attr:`problem_threshold` serves every run). The same score
    separates sick from healthy differently with and without the context's evidence, so
    each kind of run gets the threshold fitted on runs like it (see :meth:`threshold_for`)."""
    problem_threshold_facts: float | None = None
    """The threshold for a run whose context holds typed facts only (the optimizer, the
    learning rate, the batch size, sample and parameter counts, with none of the recorder's
    data statistics, scale facts or layers: :func:`curvedoc.context.holds_only_facts`);
    None: the context's threshold serves it. Such a run has less evidence against a cause
    than a recorded one, and its score separates sick from healthy differently again."""
    scaling: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Shape measure -> (centre, spread) for standardising it (module docstring)."""
    train_only: WeightTable | None = None
    """The table for runs logged without any validation curve, fitted on such runs alone
    (``fit_weights.py --train-only``): what a training curve means without its validation
    twin differs, and runs with validation keep their own table unchanged."""

    def for_run(self, has_validation: bool) -> WeightTable:
        """The table to use for a run: :attr:`train_only` when it has no validation."""
        if not has_validation and self.train_only is not None:
            return self.train_only
        return self

    def threshold_for(self, context: bool, facts_only: bool = False) -> float:
        """The problem threshold for a run with (``context``) or without recorded context.

        All are chosen by the same rule in ``benchmarks/fit_weights.py`` (the lowest score
        that adds at most 2 % false alarms on healthy calibration runs no warning flagged),
        once on the runs read from their curves alone, once on the runs with their
        recorded context and once on the runs with only the typed facts (``facts_only``):
        a single threshold for all would be too strict for some and too loose for others.
        """
        if not context and self.problem_threshold_curves is not None:
            return self.problem_threshold_curves
        if context and facts_only and self.problem_threshold_facts is not None:
            return self.problem_threshold_facts
        return self.problem_threshold

    def value(self, name: str, raw: float) -> float:
        """The number the weights multiply: a strength as is, a shape measure standardised."""
        sc = self.scaling.get(name)
        if sc is None:
            return float(raw)
        centre, spread = sc
        z = (float(raw) - centre) / spread if spread > 0 else 0.0
        if not math.isfinite(z):
            return 0.0
        return max(-CLIP, min(CLIP, z))

    def problem_probability(self, features: Mapping[str, float]) -> float:
        """``P(problem)``: the fitted probability that the run has a fault worth fixing."""
        z = self.problem_intercept + sum(
            self.problem_weights.get(k, 0.0) * self.value(k, v) for k, v in features.items()
        )
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def logits(self, features: Mapping[str, float]) -> dict[str, float]:
        """``z_c`` for every category (see the module docstring)."""
        z = {c: float(self.intercept.get(c, 0.0)) for c in CATEGORIES}
        for name, value in features.items():
            row = self.weights.get(name)
            if row is None:
                continue
            x = self.value(name, value)
            if not x:
                continue
            for c in CATEGORIES:
                z[c] += float(row.get(c, 0.0)) * x
        return z

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        """Softmax of :meth:`logits` over the four categories (sums to 1)."""
        z = self.logits(features)
        top = max(z.values())
        e = {c: math.exp(v - top) for c, v in z.items()}
        total = sum(e.values())
        return {c: v / total for c, v in e.items()}

    def contribution(self, name: str, value: float, category: str) -> float:
        """How much one feature adds to one category's score."""
        row = self.weights.get(name)
        return float(row.get(category, 0.0)) * self.value(name, value) if row else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to ``weights.json``."""
        return {
            "format": WEIGHTS_FORMAT,
            "version": WEIGHTS_VERSION,
            "categories": list(CATEGORIES),
            "meta": dict(self.meta),
            "intercept": {c: round(float(self.intercept.get(c, 0.0)), 6) for c in CATEGORIES},
            "weights": {
                k: {c: round(float(v.get(c, 0.0)), 6) for c in CATEGORIES}
                for k, v in sorted(self.weights.items())
            },
            "problem": {
                "intercept": round(self.problem_intercept, 6),
                "threshold": round(self.problem_threshold, 6),
                **(
                    {"threshold_curves": round(self.problem_threshold_curves, 6)}
                    if self.problem_threshold_curves is not None
                    else {}
                ),
                **(
                    {"threshold_facts": round(self.problem_threshold_facts, 6)}
                    if self.problem_threshold_facts is not None
                    else {}
                ),
                "weights": {k: round(float(v), 6) for k, v in sorted(self.problem_weights.items())},
            },
            "scaling": {
                k: [round(float(c), 6), round(float(s), 6)]
                for k, (c, s) in sorted(self.scaling.items())
            },
            **({"train_only": self.train_only.to_dict()} if self.train_only is not None else {}),
        }


def parse_weights(data: Mapping[str, Any]) -> WeightTable:
    """Check and read a weights object (``ValueError`` with the reason when it is not one)."""
    if data.get("format") != WEIGHTS_FORMAT or data.get("version") != WEIGHTS_VERSION:
        raise ValueError(f"not a {WEIGHTS_FORMAT} version {WEIGHTS_VERSION} table")
    if list(data.get("categories", [])) != list(CATEGORIES):
        raise ValueError("the table's categories differ from curvedoc's")
    intercept = {c: float(data["intercept"][c]) for c in CATEGORIES}
    weights = {
        str(k): MappingProxyType({c: float(v.get(c, 0.0)) for c in CATEGORIES})
        for k, v in data["weights"].items()
    }
    problem = data.get("problem") or {}
    train_only = data.get("train_only")
    return WeightTable(
        MappingProxyType(intercept),
        MappingProxyType(weights),
        MappingProxyType(dict(data["meta"])),
        problem_intercept=float(problem.get("intercept", -20.0)),
        problem_weights=MappingProxyType(
            {str(k): float(v) for k, v in (problem.get("weights") or {}).items()}
        ),
        problem_threshold=float(problem.get("threshold", 1.0)),
        problem_threshold_curves=(
            float(problem["threshold_curves"]) if "threshold_curves" in problem else None
        ),
        problem_threshold_facts=(
            float(problem["threshold_facts"]) if "threshold_facts" in problem else None
        ),
        scaling=MappingProxyType(
            {str(k): (float(v[0]), float(v[1])) for k, v in (data.get("scaling") or {}).items()}
        ),
        train_only=parse_weights(train_only) if isinstance(train_only, Mapping) else None,
    )


@lru_cache(maxsize=1)
def load_weights(path: str | None = None) -> WeightTable:
    """The shipped weight table (cached)."""
    p = Path(path) if path else WEIGHTS_PATH
    return parse_weights(json.loads(p.read_text(encoding="utf-8")))
