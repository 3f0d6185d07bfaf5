"""Runs logged without validation are weighed by their own fitted table; others are not."""

from __future__ import annotations

import json
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
    assert with_val.run["problem_threshold"] == pytest.approx(table.problem_threshold)
    assert without.run["problem_threshold"] == pytest.approx(table.train_only.problem_threshold)
    # the learning rate far too high shows in the training curve alone: still sick, and
    # the cause is read from the training curve by the train-only weights
    assert not without.healthy
    assert without.causes[0].category == "hyperparameters"
