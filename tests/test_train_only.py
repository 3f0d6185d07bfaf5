"""Runs logged without validation are weighed by their own fitted table; others are not."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import curvedoc
from curvedoc.diagnosis import diagnose
from curvedoc.history import History, SourceInfo
from curvedoc.report import CATEGORIES
from curvedoc.weights import WEIGHTS_PATH, WeightTable, load_weights, parse_weights

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _without_validation(h: History) -> History:
    series = {k: v for k, v in h.epoch_series.items() if not k.startswith("val_")}
    return History(
        epochs=h.epochs, epoch_series=series, source=SourceInfo(path="t", format="keras-json")
    )


def test_shipped_table_has_a_train_only_table() -> None:
    table = load_weights()
    assert table.train_only is not None
    assert table.train_only.train_only is None
    assert 0.0 < table.train_only.problem_threshold < 1.0
    assert table.train_only.meta.get("generated_by", "").endswith("--train-only")


def test_train_only_table_round_trips_through_json() -> None:
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    table = parse_weights(data)
    again = parse_weights(json.loads(json.dumps(table.to_dict())))
    assert again.train_only is not None and table.train_only is not None
    assert again.train_only.problem_threshold == table.train_only.problem_threshold
    assert again.train_only.weights.keys() == table.train_only.weights.keys()
    for k, row in table.train_only.weights.items():
        assert dict(again.train_only.weights[k]) == pytest.approx(dict(row), abs=1e-6)


def test_for_run_picks_the_train_only_table_only_without_validation() -> None:
    inner = WeightTable(intercept=dict.fromkeys(CATEGORIES, 1.0), weights={})
    outer = WeightTable(intercept=dict.fromkeys(CATEGORIES, 0.0), weights={}, train_only=inner)
    assert outer.for_run(has_validation=True) is outer
    assert outer.for_run(has_validation=False) is inner
    # a table without a train-only part serves every run
    assert inner.for_run(has_validation=False) is inner


def test_a_real_run_without_validation_is_scored_by_the_train_only_table() -> None:
    table = load_weights()
    assert table.train_only is not None
    h = curvedoc.load(FIX / "lr_high_lstm.json")
    with_val = diagnose(h)
    without = diagnose(_without_validation(h))
    assert with_val.run["problem_threshold"] == pytest.approx(
        table.threshold_for(context=bool(h.context))
    )
    assert without.run["problem_threshold"] == pytest.approx(table.train_only.problem_threshold)
    # the learning rate far too high shows in the training curve alone: still sick, and
    # the cause is read from the training curve by the train-only weights
    assert not without.healthy
    assert without.causes[0].category == "hyperparameters"


def test_the_shipped_table_has_a_threshold_for_the_curves_alone_and_one_with_context() -> None:
    table = load_weights()
    assert table.problem_threshold_curves is not None
    assert 0.0 < table.threshold_for(context=False) < 1.0
    assert 0.0 < table.threshold_for(context=True) < 1.0
    again = parse_weights(json.loads(json.dumps(table.to_dict())))
    assert again.problem_threshold_curves == pytest.approx(table.problem_threshold_curves)
    # a table without the second threshold (an older file, the train-only table) uses its
    # one threshold for every run
    assert table.train_only is not None
    assert table.train_only.threshold_for(context=False) == table.train_only.problem_threshold


def test_a_run_is_judged_by_the_threshold_for_its_kind() -> None:
    """Known answer: a table whose problem score is 0.7 for every run (intercept only),
    with threshold 0.9 for runs with recorded context and 0.5 for the curves alone. A real
    healthy run with its recorded context stays healthy; the same curves without the
    context are called sick by the score alone."""
    table = WeightTable(
        intercept=dict.fromkeys(CATEGORIES, 0.0),
        weights={},
        problem_intercept=math.log(0.7 / 0.3),
        problem_threshold=0.9,
        problem_threshold_curves=0.5,
    )
    recorded = curvedoc.load(FIX / "healthy_lstm_sine.curvedoc.json")
    assert recorded.context
    bare = History(
        epochs=recorded.epochs,
        epoch_series=dict(recorded.epoch_series),
        source=SourceInfo(path="t", format="keras-json"),
    )
    with_context = diagnose(recorded, weights=table)
    curves_alone = diagnose(bare, weights=table)
    assert not [f for f in with_context.findings if f.severity != "info"]
    assert with_context.run["problem_probability"] == pytest.approx(0.7, abs=1e-4)
    assert with_context.run["problem_threshold"] == 0.9 and with_context.healthy
    assert curves_alone.run["problem_threshold"] == 0.5 and not curves_alone.healthy
    # the report says why a run with no warning is sick, and with which threshold
    said = [n for n in curves_alone.notes if "problem score" in n]
    assert said == [
        "no finding is a warning by itself: the fitted problem score over all the evidence "
        "is 70%, at or above its threshold 50% for runs read from their curves alone, so the "
        "run is called sick"
    ]
    assert not [n for n in with_context.notes if "problem score" in n]


def test_runs_with_typed_facts_only_get_their_own_threshold() -> None:
    """Known answer: the problem score is 0.7 for every run (intercept only); the threshold
    is 0.9 with recorded context, 0.5 for the curves alone and 0.6 for typed facts only. The
    same real healthy run is healthy with its recorded context, and sick with only the
    facts a person would type, by the score alone."""
    from curvedoc.context import holds_only_facts
    from curvedoc.context_input import fragment
    from curvedoc.context_merge import apply_context

    table = WeightTable(
        intercept=dict.fromkeys(CATEGORIES, 0.0),
        weights={},
        problem_intercept=math.log(0.7 / 0.3),
        problem_threshold=0.9,
        problem_threshold_curves=0.5,
        problem_threshold_facts=0.6,
    )
    recorded = curvedoc.load(FIX / "healthy_lstm_sine.curvedoc.json")
    assert not holds_only_facts(recorded.context)  # layers and data statistics
    bare = History(
        epochs=recorded.epochs,
        epoch_series=dict(recorded.epoch_series),
        source=SourceInfo(path="t", format="keras-json"),
    )
    facts = {"optimizer": "Adam", "learning_rate": 1e-3, "batch_size": 32}
    typed = apply_context(bare, [fragment("--context", facts)])
    assert holds_only_facts(typed.context)
    assert not holds_only_facts({}) and not holds_only_facts({**facts, "input_scale": 1.0})
    with_context = diagnose(recorded, weights=table)
    with_facts = diagnose(typed, weights=table)
    assert with_context.run["problem_threshold"] == 0.9 and with_context.healthy
    assert with_facts.run["problem_threshold"] == 0.6 and not with_facts.healthy
    assert any("threshold 60% for runs with typed facts only" in n for n in with_facts.notes)
    # the threshold survives a round trip through the table's JSON
    again = parse_weights(json.loads(json.dumps(table.to_dict())))
    assert again.problem_threshold_facts == pytest.approx(0.6)
    assert again.threshold_for(context=True, facts_only=True) == pytest.approx(0.6)
    assert again.threshold_for(context=True) == pytest.approx(0.9)
