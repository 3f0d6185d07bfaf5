"""Curve-shape measures and how the weight table standardises them, on known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from curvedoc.analysis import measure
from curvedoc.diagnosis import SHAPE_LEAD_MIN, shape_lead
from curvedoc.history import History, SourceInfo
from curvedoc.report import CATEGORIES
from curvedoc.shape import SHAPE_PREFIX, declared, shape_measures, slog
from curvedoc.weights import CLIP, WEIGHTS_PATH, WeightTable, load_weights, parse_weights


def _history(series: dict[str, list[float]]) -> History:
    n = len(next(iter(series.values())))
    return History(
        epochs=np.arange(n),
        epoch_series={k: np.asarray(v, dtype=float) for k, v in series.items()},
        source=SourceInfo(path="mem", format="keras-json"),
    )


def test_slog_known_values() -> None:
    # sign(x) * ln(1 + |x|): e - 1 -> 1, -(e^2 - 1) -> -2, 0 -> 0; NaN and inf -> 0
    assert slog(math.e - 1) == pytest.approx(1.0)
    assert slog(-(math.e**2 - 1)) == pytest.approx(-2.0)
    assert slog(0.0) == 0.0
    assert slog(float("nan")) == 0.0
    assert slog(float("inf")) == 0.0


def test_declared_names_are_unique_and_prefixed() -> None:
    names = [m.name for m in declared()]
    assert len(names) == len(set(names))
    assert all(n.startswith(SHAPE_PREFIX) for n in names)
    # 19 per side, 11 of the pair, 3 of the run
    assert len(names) == 19 * 2 + 11 + 3


def test_train_only_run_has_no_validation_measures() -> None:
    loss = list(np.exp(-np.linspace(0, 3, 20)) + 0.1)
    out = shape_measures(measure(_history({"loss": loss})))
    assert out[f"{SHAPE_PREFIX}run.has_val"] == 0.0
    assert not any(k.startswith(f"{SHAPE_PREFIX}val.") for k in out)
    assert not any(k.startswith(f"{SHAPE_PREFIX}pair.") for k in out)
    # a monotone decline is best at its last epoch: position 1
    assert out[f"{SHAPE_PREFIX}train.best_pos"] == pytest.approx(1.0)


def test_every_declared_measure_is_taken_on_a_pair() -> None:
    x = np.linspace(0, 3, 20)
    h = _history(
        {
            "loss": list(np.exp(-x) + 0.1),
            "val_loss": list(np.exp(-x) + 0.2 + 0.15 * x),
            "accuracy": list(0.5 + 0.4 * (1 - np.exp(-x))),
            "val_accuracy": list(0.5 + 0.35 * (1 - np.exp(-x))),
        }
    )
    out = shape_measures(measure(h))
    assert set(out) == {m.name for m in declared()}
    assert all(math.isfinite(v) for v in out.values())
    assert out[f"{SHAPE_PREFIX}run.classification"] == 1.0
    assert out[f"{SHAPE_PREFIX}run.regression"] == 0.0
    # validation bottoms out at x = ln(1 / 0.15) = 1.9 of 3, then climbs: best before last
    assert out[f"{SHAPE_PREFIX}val.best_pos"] < 1.0


def test_table_standardises_and_clips_shape_measures() -> None:
    name = f"{SHAPE_PREFIX}train.nsr"
    t = WeightTable(
        intercept=dict.fromkeys(CATEGORIES, 0.0),
        weights={name: {c: (1.0 if c == "data_noise" else 0.0) for c in CATEGORIES}},
        scaling={name: (2.0, 0.5)},
    )
    # (3 - 2) / 0.5 = 2 spreads
    assert t.value(name, 3.0) == pytest.approx(2.0)
    assert t.logits({name: 3.0})["data_noise"] == pytest.approx(2.0)
    # a value at the centre counts zero; a wild one counts at most CLIP spreads
    assert t.logits({name: 2.0})["data_noise"] == 0.0
    assert t.value(name, 1e9) == CLIP
    assert t.value(name, -1e9) == -CLIP
    # a finding's strength is not standardised
    assert t.value("CD301", 0.7) == 0.7
    # an absent measure counts zero, as a typical run's would
    assert t.logits({})["data_noise"] == 0.0


def test_scaling_round_trips_through_json() -> None:
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    table = parse_weights(data)
    again = parse_weights(json.loads(json.dumps(table.to_dict())))
    assert again.scaling.keys() == table.scaling.keys()
    for k, (centre, spread) in table.scaling.items():
        assert again.scaling[k] == pytest.approx((centre, spread), abs=1e-6)


def test_shipped_table_scales_every_weighted_shape_measure() -> None:
    table = load_weights()
    shape = [k for k in table.weights if k.startswith(SHAPE_PREFIX)]
    assert shape, "the shipped table weighs the shape measures"
    assert all(k in table.scaling and table.scaling[k][1] > 0 for k in shape)
    assert set(shape) <= {m.name for m in declared()}


def test_measures_do_not_change_with_the_loss_units() -> None:
    # every measure is taken in badness space (log units of a positive loss): the same
    # curves times 0.001 or times 7 give the same numbers
    x = np.linspace(0, 3, 25)
    rng = np.random.default_rng(0)
    loss = np.exp(-x) + 0.1 + 0.02 * rng.random(25)
    val = np.exp(-x) + 0.2 + 0.04 * x + 0.03 * rng.random(25)
    base = shape_measures(measure(_history({"loss": list(loss), "val_loss": list(val)})))
    for factor in (0.001, 7.0):
        scaled = _history({"loss": list(loss * factor), "val_loss": list(val * factor)})
        assert shape_measures(measure(scaled)) == pytest.approx(base, abs=1e-9)


def test_a_cause_without_findings_is_led_by_the_shape_measures_that_point_to_it() -> None:
    nsr = f"{SHAPE_PREFIX}train.nsr"
    bend = f"{SHAPE_PREFIX}train.half_share"
    t = WeightTable(
        intercept=dict.fromkeys(CATEGORIES, 0.0),
        weights={
            nsr: {c: (0.5 if c == "data_noise" else 0.0) for c in CATEGORIES},
            bend: {c: (-0.1 if c == "data_noise" else 0.0) for c in CATEGORIES},
        },
        scaling={nsr: (0.0, 1.0), bend: (0.0, 1.0)},
    )
    # nsr 2 spreads above the centre adds 0.5 * 2 = 1.0; the bend 3 below adds 0.3
    lead = shape_lead({nsr: 2.0, bend: -3.0}, "data_noise", t)
    assert lead.startswith("the curves' shape")
    assert "noise relative to the trend's movement, above the usual" in lead
    assert "made in the first half (bend of the curve), below the usual" in lead
    assert lead.index("noise relative") < lead.index("share of the improvement")
    # nothing adds SHAPE_LEAD_MIN: the generic sentence
    small = 0.9 * SHAPE_LEAD_MIN / 0.5
    assert (
        shape_lead({nsr: small}, "data_noise", t) == "the curves' pattern most often has this cause"
    )
    assert (
        shape_lead({nsr: 2.0}, "architecture", t) == "the curves' pattern most often has this cause"
    )
