"""The diagnosis engine's parts with known answers: weights, features, task, cost, verdicts.

The weight-table arithmetic and the small engine functions are checked on hand-made
inputs whose answer is worked out in the comments; the behaviour on real runs is in
``test_diagnosis.py`` and the accuracy guard in ``test_accuracy_guard.py``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from curvedoc.analysis import TaskInfo, infer_task, measure
from curvedoc.context import ContextFacts, lr_range, read_context
from curvedoc.diagnosis import (
    AMBIGUOUS_MARGIN,
    diagnose,
    features_of,
    fluctuation_summary,
    questions_for,
    rank_causes,
)
from curvedoc.history import History, SourceInfo
from curvedoc.report import CATEGORIES, MIN_EPOCHS, Finding
from curvedoc.rules.registry import Against, all_rules
from curvedoc.weights import WEIGHTS_PATH, WeightTable, load_weights, parse_weights


def _table(weights: dict[str, dict[str, float]], intercept: dict[str, float] | None = None):
    return WeightTable(
        intercept={c: (intercept or {}).get(c, 0.0) for c in CATEGORIES},
        weights={k: {c: v.get(c, 0.0) for c in CATEGORIES} for k, v in weights.items()},
    )


def _finding(code: str, strength: float, severity: str = "warning") -> Finding:
    return Finding(
        code=code,
        name="x",
        category="hyperparameters",
        severity=severity,  # type: ignore[arg-type]
        message=f"message of {code}",
        strength=strength,
    )


def _history(series: dict[str, list[float]], context: dict | None = None) -> History:
    n = len(next(iter(series.values())))
    return History(
        epochs=np.arange(n),
        epoch_series={k: np.asarray(v, dtype=float) for k, v in series.items()},
        source=SourceInfo(path="mem", format="keras-json"),
        context=context or {},
    )


# -- the weight table -------------------------------------------------------------------------


def test_probabilities_are_the_softmax_of_intercept_plus_weighted_strengths() -> None:
    t = _table({"CD201": {"architecture": 2.0, "data_noise": 1.0}}, {"hyperparameters": 0.5})
    p = t.probabilities({"CD201": 0.5})
    # z = (0, 1.0, 0.5, 0.5) for (unscaled, architecture, hyperparameters, data_noise)
    z = np.array([0.0, 1.0, 0.5, 0.5])
    expected = np.exp(z) / np.exp(z).sum()
    assert [p[c] for c in CATEGORIES] == pytest.approx(expected.tolist())
    assert sum(p.values()) == pytest.approx(1.0)


def test_unknown_features_and_zero_strengths_count_nothing() -> None:
    t = _table({"CD201": {"architecture": 2.0}})
    base = t.probabilities({})
    assert t.probabilities({"CD999": 1.0, "CD201": 0.0}) == base
    assert all(v == pytest.approx(0.25) for v in base.values())


def test_the_shipped_table_parses_and_covers_every_rule() -> None:
    table = load_weights()
    data = json.loads(WEIGHTS_PATH.read_text())
    assert parse_weights(data).weights.keys() == table.weights.keys()
    assert {r.code for r in all_rules()} <= set(table.weights), "a rule without a weight row"
    assert table.meta.get("generated_by", "").startswith("benchmarks/fit_weights.py")


def test_a_table_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="not a curvedoc-weights"):
        parse_weights({"format": "x", "version": 1})


def test_features_take_each_rules_strongest_finding_and_its_evidence_against() -> None:
    f = features_of(
        [_finding("CD302", 0.4), _finding("CD302", 0.9, "info"), _finding("CD201", 0.3)],
        [("CD303", Against("hyperparameters", 0.75, "lr ok"))],
    )
    assert f == {"CD302": 0.9, "CD201": 0.3, "CD303:against": 1.0}


# -- ranking and questions ----------------------------------------------------------------------


def test_rank_causes_orders_by_probability_and_names_supporting_findings() -> None:
    t = _table(
        {
            "CD302": {"hyperparameters": 3.0, "architecture": 1.0},
            "CD201": {"architecture": 2.5},
            "CD303:against": {"hyperparameters": -1.0, "architecture": -0.5},
        }
    )
    findings = [_finding("CD302", 1.0), _finding("CD201", 1.0)]
    against = [("CD303", Against("hyperparameters", 0.75, "the learning rate is usual"))]
    causes, unc = rank_causes(findings, against, features_of(findings, against), ContextFacts(), t)
    # z: unscaled 0, architecture 3.0, hyperparameters 2.0 -> architecture first
    assert [c.category for c in causes][:2] == ["architecture", "hyperparameters"]
    assert causes[0].findings == ("CD201", "CD302")  # 2.5 before 1.0
    assert causes[1].against == ("the learning rate is usual",)
    # the note speaks of the learning rate: not shown under architecture, though it counts
    assert causes[0].against == ()
    assert causes[0].fixes, "a cause without findings of its own still gets fixes"
    p = t.probabilities(features_of(findings, against))
    assert causes[0].confidence == pytest.approx(p["architecture"])
    assert (unc is not None) == (p["architecture"] - p["hyperparameters"] < AMBIGUOUS_MARGIN)


def test_close_causes_ask_for_the_unknown_fact_that_splits_them() -> None:
    t = _table(
        {
            "CD302": {"hyperparameters": 1.0, "architecture": 1.0},
            "CD303": {"hyperparameters": 3.0},
            "CD203": {"architecture": 2.0},
        }
    )
    one = [_finding("CD302", 1.0)]
    _, unc = rank_causes(one, [], features_of(one, []), ContextFacts(), t)
    assert unc is not None and set(unc.between) == {"hyperparameters", "architecture"}
    facts = [q.fact for q in unc.questions]
    # CD303 (the learning rate) splits them by 3.0, CD203 (train_samples, params) by 2.0
    assert facts[0] == "learning_rate"
    assert len(facts) == 2
    # a fact already known is never asked for
    known = questions_for("hyperparameters", "architecture", ContextFacts(learning_rate=0.1), t)
    assert "learning_rate" not in [q.fact for q in known]


# -- task, chance level, learning-rate table ------------------------------------------------------


def _pairs(series: dict[str, list[float]], context: dict | None = None):
    m = measure(_history(series, context))
    return m.pairs, m.facts


def test_task_from_metric_names_and_recorded_loss() -> None:
    curve = [1.0, 0.8, 0.7, 0.6, 0.55, 0.5]
    acc = [0.5, 0.6, 0.7, 0.72, 0.75, 0.8]
    assert infer_task(*_pairs({"loss": curve, "accuracy": acc})).kind == "classification"
    assert infer_task(*_pairs({"loss": curve, "mae": curve})).kind == "regression"
    assert infer_task(*_pairs({"loss": curve})).kind == "unknown"
    ctx = {"loss": "mse", "layers": [{"class": "Dense", "units": 1, "activation": "linear"}]}
    assert infer_task(*_pairs({"loss": curve}, ctx)).kind == "regression"
    # a classifier trained with MSE is still a classifier: the accuracy metric says so
    assert infer_task(*_pairs({"loss": curve, "accuracy": acc}, ctx)).kind == "classification"


def test_chance_level_of_a_recorded_softmax_output() -> None:
    ctx = {
        "loss": "sparse_categorical_crossentropy",
        "layers": [
            {"class": "Dense", "units": 32, "activation": "relu"},
            {"class": "Dense", "units": 10, "activation": "softmax"},
        ],
    }
    task = infer_task(*_pairs({"loss": [2.3, 2.0, 1.5, 1.2, 1.0, 0.9]}, ctx))
    assert task == TaskInfo("classification", task.reason, 10, pytest.approx(math.log(10)), None)


def test_learning_rate_ranges_come_from_one_table() -> None:
    assert lr_range("Adam") == (1e-4, 3e-3)
    assert lr_range("SGD", momentum=0.9) == (1e-3, 1e-1)
    assert lr_range("SGD", momentum=0.0) == (1e-2, 3e-1)
    facts = read_context({"optimizer": {"class": "SGD", "config": {"momentum": 0.0}}})
    assert facts.lr_range == (1e-2, 3e-1)


# -- verdicts: too short, diverged at once, what the wiggle costs ----------------------------


def test_a_run_shorter_than_five_epochs_is_too_short_not_healthy() -> None:
    r = diagnose(_history({"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.85]}))
    assert MIN_EPOCHS == 5
    assert r.too_short and not r.healthy and r.causes == ()
    assert r.verdict().startswith("too short to judge")
    d = r.to_dict()
    assert d["healthy"] is False and d["too_short"] is True and d["causes"] == []


def test_a_loss_that_is_nan_from_the_first_epoch_diverged() -> None:
    nan = float("nan")
    r = diagnose(_history({"loss": [nan] * 8, "val_loss": [nan] * 8}))
    assert not r.healthy and not r.too_short
    assert r.causes[0].category == "hyperparameters"
    assert any(f.code == "CD301" and f.severity == "error" for f in r.findings)
    # and a short run that diverged is judged, not too short
    short = diagnose(_history({"loss": [1.0, float("inf")]}))
    assert not short.too_short and short.causes


def test_what_the_wiggle_costs() -> None:
    # validation best 0.5 at epoch 4, last 0.6: the last epoch is 20 % worse
    loss = [1.0, 0.8, 0.7, 0.6, 0.55, 0.5, 0.48, 0.46, 0.45, 0.44]
    val = [1.0, 0.8, 0.7, 0.6, 0.5, 0.52, 0.55, 0.57, 0.58, 0.6]
    m = measure(_history({"loss": loss, "val_loss": val}))
    fc = m.fluctuation
    assert fc.series == "val_loss" and fc.best == 0.5 and fc.best_epoch == 4 and fc.last == 0.6
    assert fc.cost == pytest.approx(0.2)
    s = fluctuation_summary(m, sick=False, too_short=False)
    assert s.harmful and s.summary.startswith("Harmful") and "20% worse" in s.summary
    # a run with no problem is told the cost is the final model's, not training's
    assert "not training's" in s.summary
    sick = fluctuation_summary(m, sick=True, too_short=False)
    assert sick.summary.startswith("Harmful: ") and "not training's" not in sick.summary
    steady = measure(_history({"loss": loss, "val_loss": loss}))
    assert not fluctuation_summary(steady, sick=False, too_short=False).harmful


def test_the_logs_tell_the_class_count_of_a_classifier_at_chance() -> None:
    # a 10-class classifier whose loss fell to ln 10 = 2.3026 and whose accuracy sits at 0.10
    loss = [3.1, 2.5, 2.32, 2.306, 2.304, 2.303, 2.303, 2.302, 2.303, 2.303]
    acc = [0.1, 0.11, 0.1, 0.099, 0.1, 0.1, 0.101, 0.1, 0.1, 0.1]
    m = measure(_history({"loss": loss, "val_loss": loss, "accuracy": acc, "val_accuracy": acc}))
    assert m.task.n_classes == 10 and m.task.chance_loss == pytest.approx(math.log(10))
    r = diagnose(_history({"loss": loss, "val_loss": loss, "accuracy": acc, "val_accuracy": acc}))
    assert not r.healthy and any(f.code == "CD313" for f in r.findings)
    # a classifier that learned is no such case
    good = [2.3, 1.2, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35]
    good_acc = [0.3, 0.6, 0.75, 0.8, 0.84, 0.86, 0.87, 0.88, 0.88, 0.89]
    hist = {"loss": good, "val_loss": good, "accuracy": good_acc, "val_accuracy": good_acc}
    assert measure(_history(hist)).task.n_classes is None


def test_a_classifier_answering_one_class_of_an_unbalanced_set_is_at_chance() -> None:
    # 6 classes, the largest 20 % of the validation set: a model answering that class sits
    # at accuracy 0.20 (1/6 + 3.3 points) with its loss on ln 6 = 1.7918
    loss = [1.9, 1.795, 1.792, 1.7919, 1.7918, 1.7918, 1.7919, 1.7918, 1.7918, 1.7918]
    acc = [0.17, 0.2, 0.19, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    hist = {"loss": loss, "val_loss": loss, "accuracy": acc, "val_accuracy": acc}
    assert measure(_history(hist)).task.n_classes == 6
    r = diagnose(_history(hist))
    assert not r.healthy and any(f.code == "CD313" for f in r.findings)
    # at 0.22 the accuracy is more than 30 % of 1/6 above it: no class count from the logs
    hist["val_accuracy"] = [0.17, 0.22, 0.19, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    assert measure(_history(hist)).task.n_classes is None
    # two classes: never more than five points above 1/2, however the classes split
    two = [0.75, 0.7, 0.695, 0.6932, 0.6931, 0.6931, 0.6932, 0.6931, 0.6931, 0.6931]
    for top, k in ((0.54, 2), (0.56, None)):
        a = [0.5, top, 0.52, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
        h2 = {"loss": two, "val_loss": two, "accuracy": a, "val_accuracy": a}
        assert measure(_history(h2)).task.n_classes == k


def test_a_classifier_that_only_learned_the_class_shares_is_at_chance() -> None:
    # 6 classes, the commonest 21 %: the validation loss starts on ln 6 = 1.7918 and drifts
    # to the entropy of the class shares (about 1.757, 2 % under ln 6) while the accuracy
    # stays at 0.21: neither the last nor the best value lies within 1 % of ln 6
    val = [1.794, 1.791, 1.785, 1.78, 1.775, 1.77, 1.766, 1.762, 1.759, 1.757]
    acc = [0.19, 0.18, 0.21, 0.21, 0.21, 0.21, 0.21, 0.21, 0.21, 0.21]
    train = [2.1, 1.9, 1.7, 1.5, 1.35, 1.2, 1.1, 1.0, 0.92, 0.85]
    hist = {"loss": train, "val_loss": val, "accuracy": acc, "val_accuracy": acc}
    assert measure(_history(hist)).task.n_classes == 6
    r = diagnose(_history(hist))
    assert not r.healthy and any(f.code == "CD313" for f in r.findings)
    # a model that started on ln 6 and then learned (more than 5 % below it) keeps no count,
    # even with the same low accuracy: the first value alone says only "untrained"
    learned = [1.794, 1.75, 1.7, 1.66, 1.63, 1.61, 1.6, 1.6, 1.59, 1.59]
    hist["val_loss"] = learned
    assert measure(_history(hist)).task.n_classes is None
    # ...but a curve that wandered off and came back to end on ln 6 is read from its last
    # value, even when that value equals the first one (found in review: the first-value
    # test must not veto the last-value one)
    back = [1.792, 1.7, 1.6, 1.55, 1.55, 1.6, 1.7, 1.75, 1.79, 1.792]
    hist["val_loss"] = back
    hist["val_accuracy"] = [0.2] * 10
    assert measure(_history(hist)).task.n_classes == 6


def test_a_classifier_whose_loss_blew_up_gets_its_class_count_only_from_a_chance_level() -> None:
    # found on a corpus run: a validation loss of 1e4 made exp() overflow. The last value
    # says nothing about the classes; the best one (2.3 = ln 10, the first epoch) with an
    # accuracy that never leaves 0.1 is guessing among 10
    loss = [2.3, 40.0, 900.0, 5e3, 1e4, 1e4, 1.2e4, 1e4]
    acc = [0.1, 0.1, 0.09, 0.1, 0.1, 0.1, 0.1, 0.1]
    hist = _history({"loss": loss, "val_loss": loss, "accuracy": acc, "val_accuracy": acc})
    assert measure(hist).task.n_classes == 10
    blown = [2.0, 40.0, 900.0, 5e3, 1e4, 1e4, 1.2e4, 1e4]  # no value at a ln K
    hist = _history({"loss": blown, "val_loss": blown, "accuracy": acc, "val_accuracy": acc})
    assert measure(hist).task.n_classes is None
    assert not diagnose(hist).healthy


def test_a_classifier_whose_loss_blew_up_is_not_called_unscaled_targets() -> None:
    # issue 9's third defect: accuracy columns and a loss blown up to 4.9e16 by the learning
    # rate; the squared-error scale rule (CD102) assumes a regression and must stay silent
    loss = [2.3, 8.0, 4.1e3, 9e9, 4.9e16, 4.9e16, 4.9e16, 4.9e16]
    acc = [0.11, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    hist = _history({"loss": loss, "val_loss": loss, "accuracy": acc, "val_accuracy": acc})
    report = diagnose(hist)
    assert measure(hist).task.kind == "classification"
    assert not any(f.code == "CD102" for f in report.findings)
    assert report.causes[0].category == "hyperparameters"


def test_input_outlier_z_is_the_median_feature_s_nearer_extreme_in_standard_deviations() -> None:
    # per feature min(max - mean, mean - min) / std: 3, 5 and 2; a constant feature has no
    # spread and is left out; the median of (2, 3, 5) is 3
    stats = {
        "min": [-3.0, 0.0, 5.0, 0.0],
        "max": [4.0, 30.0, 5.0, 2.0],
        "mean": [0.0, 10.0, 5.0, 1.0],
        "std": [1.0, 2.0, 0.0, 0.5],
    }
    assert read_context({"input_stats": stats}).input_outlier_z == 3.0
    even = {k: v[:2] for k, v in stats.items()}  # (3, 5): the mean of the middle two
    assert read_context({"input_stats": even}).input_outlier_z == 4.0
    assert read_context({}).input_outlier_z is None


def test_skewed_sparse_and_broken_feature_statistics_are_not_outliers() -> None:
    # a one-hot column present in 1 % of samples reaches 10 SDs above its mean, but its
    # minimum is 0.1 SD below it: one short side, as for any skewed feature
    p = 0.01
    sparse = {"min": [0.0], "max": [1.0], "mean": [p], "std": [math.sqrt(p * (1 - p))]}
    assert read_context({"input_stats": sparse}).input_outlier_z < 0.2
    # a non-finite entry drops its own feature, never shifts the others onto it
    shifted = {
        "min": [-1e6, -2.0, -2.0],
        "max": [1e6, 2.0, 2.0],
        "mean": [0.0, 0.0, 0.0],
        "std": ["Infinity", 1.0, 1.0],
    }
    assert read_context({"input_stats": shifted}).input_outlier_z == 2.0
    # lists of different lengths say nothing; an integer too large for a float is no crash
    ragged = {"min": [-1.0], "max": [1.0, 2.0], "mean": [0.0], "std": [1.0]}
    assert read_context({"input_stats": ragged}).input_outlier_z is None
    huge = {"min": [-(10**400)], "max": [10**400], "mean": [0], "std": [1]}
    assert read_context({"input_stats": huge}).input_outlier_z is None


def test_cause_only_rules_have_no_problem_weight() -> None:
    # CD405 reads recorded statistics that heavy-tailed data reaches by nature: it may rank
    # causes, never make a run sick alone
    from curvedoc.rules.registry import RULES
    from curvedoc.weights import load_weights

    table = load_weights()
    cause_only = [code for code, r in RULES.items() if not r.problem_evidence]
    assert "CD405" in cause_only
    for code in cause_only:
        assert table.problem_weights.get(code, 0.0) == 0.0
        assert table.problem_weights.get(code + ":against", 0.0) == 0.0
