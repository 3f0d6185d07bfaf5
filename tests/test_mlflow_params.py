"""MLflow parameters and metric points to context and History (no MLflow needed)."""

from __future__ import annotations

import numpy as np
import pytest

from curvedoc.context import read_context
from curvedoc.mlflow_source import (
    MlflowSourceError,
    _history_from_metrics,
    context_from_params,
    params_from_summary,
)


def test_keras_autolog_params() -> None:
    params = {
        "batch_size": "32",
        "epochs": "20",
        "validation_split": "0.2",
        "steps_per_epoch": "None",
        "initial_epoch": "0",
        "optimizer_name": "rm_sprop",
        "optimizer_learning_rate": "0.0010000000474974513",
        "optimizer_clipnorm": "1.0",
        "optimizer_rho": "0.9",
    }
    ctx, notes = context_from_params(params)
    assert notes == []
    assert ctx["optimizer"] == {
        "class": "RMSprop",
        "config": {"learning_rate": 0.0010000000474974513, "clipnorm": 1.0, "rho": 0.9},
    }
    assert ctx["learning_rate"] == pytest.approx(1e-3)
    assert (ctx["batch_size"], ctx["epochs_planned"], ctx["initial_epoch"]) == (32, 20, 0)
    assert "steps_per_epoch" not in ctx
    facts = read_context(ctx)
    assert facts.optimizer == "RMSprop" and facts.clipping and facts.batch_size == 32


def test_tensorflow_autolog_params_with_a_schedule() -> None:
    schedule = str(
        {
            "module": "keras.optimizers.schedules",
            "class_name": "ExponentialDecay",
            "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9},
        }
    )
    ctx, _ = context_from_params({"opt_name": "SGD", "opt_learning_rate": schedule})
    assert ctx["optimizer"]["class"] == "SGD"
    assert ctx["learning_rate"] == 0.1 and ctx["lr_schedule"] == "ExponentialDecay"


def test_unknown_optimizer_is_kept_with_a_note() -> None:
    ctx, notes = context_from_params({"optimizer_name": "shampoo", "learning_rate": "nan"})
    assert ctx["optimizer"]["class"] == "shampoo" and "learning_rate" not in ctx
    assert notes and "shampoo" in notes[0]


def test_model_summary_counts() -> None:
    text = (
        'Model: "sequential"\n...\n Total params: 1,234,567 (4.71 MB)\n'
        " Trainable params: 1,234,000 (4.71 MB)\n Non-trainable params: 567 (2.21 KB)\n"
    )
    assert params_from_summary(text) == {"total": 1234567, "trainable": 1234000}
    assert params_from_summary("no table here") is None


def test_metric_points_to_history() -> None:
    points = {
        "loss": [(0, 10, 1.0), (1, 20, 0.8), (2, 30, 0.7), (1, 40, 0.75)],  # epoch 1 re-logged
        "val_loss": [(0, 11, 1.1), (2, 31, 0.9)],
        "validation_loss": [(0, 12, 1.1), (0, 32, 0.9)],
        "lr": [(0, 10, 0.01), (1, 20, 0.01), (2, 30, 0.005)],
    }
    history, notes = _history_from_metrics(points, "runs:/x")
    assert list(history.epochs) == [0, 1, 2]
    np.testing.assert_allclose(history.epoch_series["loss"], [1.0, 0.75, 0.7])
    np.testing.assert_allclose(history.epoch_series["val_loss"], [1.1, np.nan, 0.9])
    assert "validation_loss" not in history.epoch_series
    assert any("validation_loss dropped" in n for n in notes)
    assert any("loss: steps logged more than once" in n for n in notes)
    assert history.learning_rate() is not None


def test_runs_without_usable_metrics() -> None:
    with pytest.raises(MlflowSourceError, match="no metrics"):
        _history_from_metrics({}, "runs:/x")
    with pytest.raises(MlflowSourceError, match="finite"):
        _history_from_metrics({"loss": [(0, 1, float("nan"))]}, "runs:/x")
