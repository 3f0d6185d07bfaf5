"""From a History to a Report: measure, run every rule, decide sick or healthy, rank causes.

Two separate questions (``docs/diagnosis.md``):

1. **Sick or healthy.** A run is sick when any rule reports a warning or an error: each
   rule declares what it measures and the threshold at which what it sees is a problem.
   A run shorter than :data:`~curvedoc.report.MIN_EPOCHS` epochs without an error is
   *too short to judge*: not healthy, and without causes.
2. **Which cause.** For a sick run, every finding (info included) and every piece of
   evidence against feeds the fitted weight table (:mod:`curvedoc.weights`); the four
   categories are ranked by its probabilities, which are the causes' confidences.
"""

from __future__ import annotations

import math
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from curvedoc import metrics as M
from curvedoc.analysis import Measurements, measure, run_stats, summary_metrics
from curvedoc.context import ContextFacts, holds_only_facts
from curvedoc.fixes import CATEGORY_FIXES, DEFAULT_FIXES
from curvedoc.history import History
from curvedoc.report import (
    CATEGORIES,
    CATEGORY_TITLES,
    MIN_EPOCHS,
    SEVERITY_RANK,
    Category,
    Cause,
    Finding,
    Fix,
    Fluctuation,
    Question,
    Report,
    RuleError,
    Uncertainty,
)
from curvedoc.rules.registry import Against, Hit, RuleInput, all_rules, feeds_problem
from curvedoc.shape import DOCS as SHAPE_DOCS
from curvedoc.shape import shape_measures
from curvedoc.weights import AGAINST_SUFFIX, WeightTable, load_weights

MAX_FIXES_PER_CAUSE = 6
MIN_SHOWN = 0.1
"""Categories below this probability are not listed as causes (the top one always is)."""
AMBIGUOUS_MARGIN = 0.2
"""When the top two causes are closer than this, the report says the curves cannot tell
them apart and asks for the facts that would."""
QUESTION_MIN_SPLIT = 0.5
"""A fact is worth asking for when its findings' weights differ by this much between the
two candidates (it would move their odds by a factor of 1.6 or more)."""
NO_VALIDATION_NOTE = (
    "no validation series: overfitting, a validation plateau and validation noise cannot be "
    "seen, so what is said here is said of the training curve alone (weighed by the table "
    "fitted on runs without validation); fit with validation_split=0.2 (or "
    "validation_data=...) to see them"
)
"""The note of a run logged without validation (``model.fit`` with no validation data)."""
HARMFUL_COST = 0.1
"""A last epoch more than 10 % worse than the best one makes the wiggle costly."""
HARMFUL_ACCURACY = 0.02
"""...or a last validation accuracy two points below the best."""
PLOT_POINTS = 1500

Ask = tuple[str, str, tuple[str, ...], Callable[[ContextFacts], bool]]
HOW_TO_GIVE = (
    "record the run with curvedoc.keras.CurveRecorder (after fit: "
    "curvedoc.keras.save_history(history, path)), or give the fact: "
    "curvedoc analyze FILE --context {fact}=VALUE"
)
HOW_TO_GIVE_INPUT_SCALE = (
    "give the typical size of the largest input feature (about 1 when standardised): "
    "curvedoc analyze FILE --context input_scale=VALUE; or record the run with "
    "curvedoc.keras.CurveRecorder(path, data=x_train), which writes every feature's scale "
    "(after fit: curvedoc.keras.save_history(history, path, data=x_train))"
)
HOW_TO_GIVE_TARGET_SCALE = (
    "give the typical size of the targets (about 1 when standardised): "
    "curvedoc analyze FILE --context target_scale=VALUE; or record the run with "
    "curvedoc.keras.CurveRecorder(path, targets=y_train) (after fit: "
    "curvedoc.keras.save_history(history, path, targets=y_train))"
)
HOW_TO_GIVE_LAYERS = (
    "give the saved model (curvedoc analyze FILE --model model.keras), a context file with "
    "its layers (--context-file), or record with curvedoc.keras.CurveRecorder"
)
HOW_TO_GIVE_BY_FACT = {
    "input_stats": HOW_TO_GIVE_INPUT_SCALE,
    "target_stats": HOW_TO_GIVE_TARGET_SCALE,
    "layers": HOW_TO_GIVE_LAYERS,
}
FACTS_TO_ASK: tuple[Ask, ...] = (
    (
        "learning_rate",
        "What were the learning rate and the optimizer?",
        ("CD303", "CD305", "CD303:against"),
        lambda f: f.learning_rate is not None,
    ),
    (
        "batch_size",
        "What was the batch size?",
        ("CD306", "CD307"),
        lambda f: f.batch_size is not None,
    ),
    (
        "train_samples",
        "How many training samples were there?",
        ("CD103", "CD203"),
        lambda f: f.train_samples is not None,
    ),
    (
        "params",
        "How many parameters does the model have?",
        ("CD203", "CD207"),
        lambda f: f.params is not None,
    ),
    (
        "input_stats",
        "What scale are the inputs on (min, max, mean, std per feature)?",
        ("CD101", "CD101:against"),
        lambda f: f.input_rms_max is not None,
    ),
    (
        "target_stats",
        "What scale are the targets on?",
        ("CD102",),
        lambda f: f.target_rms is not None,
    ),
    (
        "val_samples",
        "How many validation samples were there?",
        ("CD401",),
        lambda f: f.val_samples is not None,
    ),
    (
        "loss",
        "Which loss and output activation were used?",
        ("CD205",),
        lambda f: f.loss is not None,
    ),
    (
        "layers",
        "Which layers and activations does the model have?",
        ("CD204", "CD206", "CD207"),
        lambda f: bool(f.layer_count),
    ),
)
"""Facts that can tell causes apart: the context key, the question, the findings that
read the fact, and whether the run's context already holds it."""


def diagnose(
    history: History, *, weights: WeightTable | None = None, curves: bool = True
) -> Report:
    """Diagnose a run: measured findings, ranked causes with fixes, and plot data.

    Args:
        history: a run from :func:`curvedoc.load` (or built in memory).
        weights: the evidence weights (default: the shipped, fitted table).
        curves: compute the plot data (``report.curves``); a summary of many runs that
            draws no plot leaves it out, which halves the time per run.

    Returns:
        A :class:`~curvedoc.report.Report`; ``report.healthy`` is true when no warning or
        error finding was made and the run is long enough to judge.
    """
    return diagnose_with_features(history, weights=weights, curves=curves)[0]


def diagnose_with_features(
    history: History, *, weights: WeightTable | None = None, curves: bool = True
) -> tuple[Report, dict[str, float]]:
    """:func:`diagnose`, also returning the weight table's inputs (:func:`features_of`).

    For the scripts that fit and measure the weights (``benchmarks/``).
    """
    # extreme but valid values (1e308) overflow in intermediate sums: the measures come out
    # inf/NaN and are handled; numpy's warnings about it would only be noise for the caller
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _diagnose(history, weights or load_weights(), curves)


def _diagnose(
    history: History, table: WeightTable, curves: bool = True
) -> tuple[Report, dict[str, float]]:
    """The body of :func:`diagnose`, run with numpy's floating-point warnings silenced."""
    m = measure(history)
    notes = list(history.source.notes) + list(m.notes)
    if not history.context:
        notes.append(
            "no training context recorded: the diagnosis uses the curves alone; record with "
            "curvedoc.keras.CurveRecorder for a surer diagnosis"
        )
    pairs = history.pairs()
    has_validation = not pairs or any(pair.val for pair in pairs)
    if not has_validation:
        notes.append(NO_VALIDATION_NOTE)
    # a run without validation is weighed by the table fitted on such runs
    table = table.for_run(has_validation)
    findings: list[Finding] = []
    against: list[tuple[str, Against]] = []
    errors: list[RuleError] = []
    inp = RuleInput(m=m, history=history)
    for r in all_rules():
        try:
            outcomes = list(r.check(inp))
        except Exception as exc:  # a crashing rule is reported, the rest still runs
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" ({tb[-1].name}:{tb[-1].lineno})" if tb else ""
            errors.append(RuleError(code=r.code, error=f"{type(exc).__name__}: {exc}{where}"))
            continue
        for o in outcomes:
            if isinstance(o, Against):
                against.append((r.code, o))
            elif isinstance(o, Hit):
                findings.append(
                    Finding(
                        code=r.code,
                        name=r.name,
                        category=o.category or r.category,
                        severity=o.severity,
                        message=o.message,
                        series=o.series,
                        epochs=tuple(int(e) for e in o.epochs),
                        evidence=dict(o.evidence),
                        strength=float(max(0.0, min(1.0, o.strength))),
                        fixes=o.fixes,
                        url=r.url,
                        basis=o.basis,
                    )
                )
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], -f.strength, f.code))
    # the findings, and the curve-shape measures the table weighs beside them
    features = {**features_of(findings, against), **shape_measures(m)}
    # a cause-only rule never decides whether the run is sick, whatever a table says
    problem = table.problem_probability({k: v for k, v in features.items() if feeds_problem(k)})
    warned = any(f.severity != "info" for f in findings)
    facts_only = holds_only_facts(history.context)
    threshold = table.threshold_for(context=bool(history.context), facts_only=facts_only)
    sick = warned or problem >= threshold
    too_short = m.too_short and not any(f.severity == "error" for f in findings)
    if sick and not warned and not too_short:
        kind = (
            "read from their curves alone"
            if not history.context
            else "with typed facts only"
            if facts_only
            else "with recorded context"
        )
        notes.append(
            f"no finding is a warning by itself: the fitted problem score over all the "
            f"evidence is {problem:.0%}, at or above its threshold {threshold:.0%} for runs "
            f"{kind}, so the run is called sick"
        )
    if too_short:
        notes.append(
            f"only {m.n_epochs} epoch(s): too short to judge the fluctuation (at least "
            f"{MIN_EPOCHS} are needed); nothing here says the run is healthy"
        )
    causes: list[Cause] = []
    uncertainty = None
    if sick and not too_short:
        causes, uncertainty = rank_causes(findings, against, features, m.facts, table)
    run = {
        **history.describe(),
        "context_recorded": bool(history.context),
        "too_short": too_short,
        "task": m.task.kind,
        "problem_probability": round(problem, 4),
        "problem_threshold": threshold,
    }
    report = Report(
        source_path=history.source.path,
        source_format=history.source.format,
        healthy=not causes and not too_short,
        causes=tuple(causes),
        findings=tuple(findings),
        metrics=summary_metrics(m),
        run=run,
        notes=tuple(notes),
        errors=tuple(errors),
        curves=plot_data(history, m, findings) if curves else {},
        too_short=too_short,
        task=m.task.to_dict(),
        fluctuation=fluctuation_summary(m, sick, too_short),
        uncertainty=uncertainty,
        stats=run_stats(m),
    )
    return report, features


def features_of(findings: list[Finding], against: list[tuple[str, Against]]) -> dict[str, float]:
    """The weight table's inputs: each rule's strongest finding, and its evidence against.

    ``{code: max strength}`` over every finding (info included: an info is evidence for a
    cause even when it is no problem by itself), and ``{code:against: 1}`` for each rule
    that gave evidence against a category.
    """
    out: dict[str, float] = {}
    for f in findings:
        out[f.code] = max(out.get(f.code, 0.0), f.strength)
    for code, _ in against:
        out[code + AGAINST_SUFFIX] = 1.0
    return out


def rank_causes(
    findings: list[Finding],
    against: list[tuple[str, Against]],
    features: dict[str, float],
    facts: ContextFacts,
    table: WeightTable,
) -> tuple[list[Cause], Uncertainty | None]:
    """Rank the four categories of a sick run by the weight table's probabilities.

    Each listed category carries the findings that add to its score (problems before
    observations, then largest contribution first), their fixes (or the category's usual
    first fixes when no finding of its own names one), and the evidence against it.
    Categories under :data:`MIN_SHOWN` are left out, the top one never. When the top two
    are within :data:`AMBIGUOUS_MARGIN`, an :class:`Uncertainty` names the facts that
    would tell them apart.
    """
    probs = table.probabilities(features)
    order = sorted(CATEGORIES, key=lambda c: -probs[c])
    causes: list[Cause] = []
    for rank, cat in enumerate(order):
        if rank > 0 and probs[cat] < MIN_SHOWN:
            continue
        support: list[tuple[float, Finding]] = []
        seen: set[str] = set()
        for f in findings:
            add = table.contribution(f.code, f.strength, cat)
            if add > 0 and f.code not in seen:
                seen.add(f.code)
                support.append((add, f))
        # problems first (a warning or an error leads the cause), then by contribution
        support.sort(key=lambda t: (-SEVERITY_RANK[t[1].severity], -t[0]))
        fixes: list[Fix] = []
        texts: set[str] = set()
        for _, f in support:
            for fx in f.fixes:
                if fx.text not in texts:
                    texts.add(fx.text)
                    fixes.append(fx)
        if not fixes:
            fixes = [make(facts) for make in DEFAULT_FIXES[cat]]
        else:  # the fixes that act on this category lead (a stable sort keeps the rest)
            own = {make(facts).text for make in CATEGORY_FIXES[cat]}
            fixes.sort(key=lambda fx: fx.text not in own)
            if fixes[0].text not in own:  # its findings name no fix of its own: the usual
                usual = [make(facts) for make in DEFAULT_FIXES[cat]]
                usual_texts = {u.text for u in usual}
                fixes = usual + [fx for fx in fixes if fx.text not in usual_texts]
        # a note speaks of its own category: shown there, when the table lets it count against
        notes = [
            a.reason
            for code, a in against
            if a.category == cat and table.contribution(code + AGAINST_SUFFIX, 1.0, cat) < 0
        ]
        lead = support[0][1].message if support else shape_lead(features, cat, table)
        causes.append(
            Cause(
                category=_cat(cat),
                confidence=max(0.01, min(0.99, probs[cat])),
                findings=tuple(f.code for _, f in support),
                fixes=tuple(fixes[:MAX_FIXES_PER_CAUSE]),
                summary=f"{CATEGORY_TITLES[cat]}: {lead}",
                against=tuple(dict.fromkeys(notes)),
            )
        )
    uncertainty = None
    if len(order) >= 2 and probs[order[0]] - probs[order[1]] < AMBIGUOUS_MARGIN:
        first, second = order[0], order[1]
        uncertainty = Uncertainty(
            between=(_cat(first), _cat(second)),
            margin=probs[first] - probs[second],
            questions=tuple(questions_for(first, second, facts, table)),
        )
    return causes, uncertainty


SHAPE_LEAD_MIN = 0.25
"""A shape measure is named as a cause's lead only when it adds at least this much to the
cause's log-odds (a quarter of a unit: odds x 1.3)."""


def shape_lead(features: dict[str, float], category: str, table: WeightTable) -> str:
    """The summary of a cause no finding supports: the shape measures that point to it.

    The one or two curve-shape measures (:mod:`curvedoc.shape`) that add most to the
    category's log-odds, each said as above or below the calibration runs' usual, so the
    report says what in the curves' shape the ranking read; a generic sentence when none
    adds :data:`SHAPE_LEAD_MIN`.
    """
    scored = []
    for name, raw in features.items():
        if name not in SHAPE_DOCS:
            continue
        add = table.contribution(name, raw, category)
        if add >= SHAPE_LEAD_MIN:
            z = table.value(name, raw)
            side = "above" if z > 0 else "below"
            scored.append((add, f"{SHAPE_DOCS[name]}, {side} the usual"))
    if not scored:
        return "the curves' pattern most often has this cause"
    scored.sort(key=lambda t: -t[0])
    return "the curves' shape (docs/rules.md): " + "; ".join(text for _, text in scored[:2])


def questions_for(
    first: str, second: str, facts: ContextFacts, table: WeightTable, limit: int = 2
) -> list[Question]:
    """The unknown facts whose findings' weights split two categories the most."""
    scored: list[tuple[float, Question]] = []
    for fact, question, features, known in FACTS_TO_ASK:
        if known(facts):
            continue
        split = max(
            (
                abs(table.contribution(name, 1.0, first) - table.contribution(name, 1.0, second))
                for name in features
            ),
            default=0.0,
        )
        if split >= QUESTION_MIN_SPLIT:
            how = HOW_TO_GIVE_BY_FACT.get(fact, HOW_TO_GIVE.format(fact=fact))
            scored.append((split, Question(fact, question, how)))
    scored.sort(key=lambda t: -t[0])
    return [q for _, q in scored[:limit]]


def fluctuation_summary(m: Measurements, sick: bool, too_short: bool) -> Fluctuation:
    """What the wiggle costs (``docs/diagnosis.md``): harmful or benign, in one sentence."""
    fc = m.fluctuation
    if too_short or fc.series is None:
        return Fluctuation(
            harmful=sick,
            summary="too short to say what the fluctuation costs"
            if too_short
            else "no finite curve to measure the fluctuation on",
        )
    parts: list[str] = []
    costly = math.isfinite(fc.cost) and fc.cost > HARMFUL_COST
    if math.isfinite(fc.cost) and fc.cost > 0.005:
        how = f"{fc.cost:.0%} worse" if math.isfinite(fc.cost) and fc.cost < 10 else "far worse"
        parts.append(
            f"the last epoch's {fc.series} is {how} than its best (epoch {fc.best_epoch}), which "
            "EarlyStopping(restore_best_weights=True) would have kept"
        )
    else:
        parts.append(f"{fc.series} ends at (or next to) its best")
    acc_costly = math.isfinite(fc.accuracy_cost) and fc.accuracy_cost > HARMFUL_ACCURACY
    if math.isfinite(fc.accuracy_cost) and fc.accuracy_cost > 0.005:
        parts.append(f"{fc.accuracy} ends {fc.accuracy_cost * 100:.1f} points below its best")
    if fc.noise_hides_trend:
        parts.append(
            "the wiggle is larger than the trend's movement over the last third, so single "
            "epochs cannot show whether it still improves"
        )
    harmful = sick or costly or acc_costly
    if costly or acc_costly:
        # a healthy run whose last epochs are worse than its best: the wiggle costs the
        # final model something, though training itself has no problem to fix
        tail = "" if sick else "; the cost is the final model's, not training's"
        summary = "Harmful: " + "; ".join(parts) + tail
    elif sick:  # the run has a problem, but not one the last epochs' wiggle adds to
        summary = "The wiggle itself costs little: " + "; ".join(parts)
    else:
        summary = "Benign: " + "; ".join(parts)
    return Fluctuation(
        harmful=harmful,
        summary=summary,
        series=fc.series,
        best=fc.best,
        best_epoch=fc.best_epoch,
        last=fc.last,
        cost=fc.cost,
        accuracy_cost=fc.accuracy_cost,
        noise_hides_trend=fc.noise_hides_trend,
    )


def _cat(c: str) -> Category:
    for k in CATEGORIES:
        if k == c:
            return k
    raise ValueError(c)  # pragma: no cover


def _clean(a: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), 7) for v in a.tolist()]


def plot_data(history: History, m: Measurements, findings: list[Finding]) -> dict[str, Any]:
    """Plot-ready series: values, trend, rolling band, marked epochs; downsampled when long."""
    epochs = history.epochs
    step = max(1, -(-epochs.shape[0] // PLOT_POINTS))
    out: dict[str, Any] = {
        "epochs": epochs[::step].tolist(),
        "pairs": [],
        "lr": None,
        "batch": None,
    }
    overfit = any(f.code == "CD201" for f in findings)
    for p in m.pairs:
        pair: dict[str, Any] = {"name": p.name, "direction": p.direction, "series": []}
        for s in (p.train, p.val):
            if s is None:
                continue
            y = history.epoch_series[s.key]
            if step > 1:
                y, _ = M.bin_means(y, max_points=PLOT_POINTS)
            w = min(m.window, max(1, int(np.isfinite(y).sum()) // 2 * 2 - 1)) or 1
            t = M.trend(y, window=w)
            sd = (
                np.sqrt(M.rolling_variance(y, window=w))
                if np.isfinite(y).sum() >= 3
                else np.full(y.shape, np.nan)
            )
            pair["series"].append(
                {
                    "key": s.key,
                    "role": "val" if s is p.val else "train",
                    "values": _clean(y),
                    "trend": _clean(t),
                    "band_low": _clean(t - sd),
                    "band_high": _clean(t + sd),
                    "spikes": [m.epoch_at(i) for i in s.spike_indices],
                }
            )
        # mark the onset only where the overfitting rule accepted it (a validation curve
        # that rose because the optimizer overshot is not "overfitting starts here")
        pair["onset"] = m.epoch_at(p.onset_index) if p is m.primary and overfit else None
        out["pairs"].append(pair)
    lr = history.learning_rate()
    if lr is not None:
        out["lr"] = _clean(lr[::step]) if step > 1 else _clean(lr)
    if history.batch_series:
        key = "loss" if "loss" in history.batch_series else next(iter(history.batch_series))
        b = history.batch_series[key]
        means, k = M.bin_means(b, max_points=PLOT_POINTS)
        x = (np.arange(means.shape[0]) * k + (k - 1) / 2.0) / max(
            history.n_batches / max(history.n_epochs, 1), 1e-9
        )
        out["batch"] = {
            "key": key,
            "x_epochs": _clean(x + (float(epochs[0]) if epochs.size else 0.0)),
            "values": _clean(means),
            "bin": k,
        }
        if k > 1:
            # the 10th-90th percentile band of each bin, so averaging does not hide the spread
            pad = (-b.shape[0]) % k
            blocks = np.concatenate([b, np.full(pad, np.nan)]).reshape(-1, k)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanpercentile(blocks, [10, 90], axis=1)
            out["batch"]["low"] = _clean(lo)
            out["batch"]["high"] = _clean(hi)
    return out
