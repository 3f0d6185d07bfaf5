"""curvedoc.history: the one in-memory model every loader produces."""

from __future__ import annotations

import numpy as np
import pytest

from curvedoc.history import History, MetricPair, SourceInfo

SRC = SourceInfo(path="run.json", format="keras-json")


def make(series: dict[str, list[float]], **kwargs: object) -> History:
    n = len(next(iter(series.values())))
    return History(epochs=np.arange(n), epoch_series=dict(series), source=SRC, **kwargs)  # type: ignore[arg-type]


def test_series_become_float64_arrays_and_epochs_int64() -> None:
    h = History(epochs=[3, 4, 5], epoch_series={"loss": [1, 2, 3]}, source=SRC)  # type: ignore[arg-type]
    assert h.epochs.dtype == np.int64 and h.epochs.tolist() == [3, 4, 5]
    assert h.epoch_series["loss"].dtype == np.float64
    assert h.n_epochs == 3 and h.n_batches == 0
    assert h.batch_epoch_index().tolist() == []


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="'val_loss' has 2 values for 3 epochs"):
        History(
            epochs=np.arange(3), epoch_series={"loss": [1, 2, 3], "val_loss": [1, 2]}, source=SRC
        )


def test_pairs_train_with_validation_in_file_order() -> None:
    h = make(
        {
            "loss": [1.0, 0.5],
            "acc": [0.5, 0.6],
            "val_loss": [1.1, 0.6],
            "val_acc": [0.4, 0.5],
            "my_metric": [3.0, 2.0],
            "val_only": [1.0, 1.0],
            "lr": [0.1, 0.1],
        }
    )
    assert h.pairs() == [
        MetricPair("loss", "loss", "val_loss", "lower"),
        MetricPair("accuracy", "acc", "val_acc", "higher"),  # Keras 2 names kept
        MetricPair("my_metric", "my_metric", None, "unknown"),
        MetricPair("only", None, "val_only", "unknown"),
    ]
    assert "lr" not in h.metric_keys()
    assert h.learning_rate() is not None and h.learning_rate().tolist() == [0.1, 0.1]  # type: ignore[union-attr]
    assert h.primary_pair() == h.pairs()[0]


def test_primary_pair_prefers_loss_then_a_loss_like_series() -> None:
    h = make({"accuracy": [0.5], "decoder_loss": [1.0], "val_decoder_loss": [1.0]})
    primary = h.primary_pair()
    assert primary is not None and primary.name == "decoder_loss"
    assert make({"auc": [0.5], "mae": [1.0]}).primary_pair().name == "auc"  # type: ignore[union-attr]
    assert make({"lr": [0.1]}).primary_pair() is None
    assert make({"lr": [0.1]}).learning_rate() is not None


def test_batch_series_and_epoch_boundaries() -> None:
    h = make(
        {"loss": [1.0, 0.8, 0.7]},
        batch_series={"loss": np.arange(7.0), "mae": np.arange(7.0)},
        batch_epoch_starts=np.array([0, 3, 5]),
        batch_epochs=np.array([0, 1, 2]),
    )
    assert h.n_batches == 7
    assert h.batch_steps.tolist() == list(range(7))  # defaulted to 0..n-1
    assert h.batch_epoch_index().tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_misaligned_batch_data_is_refused() -> None:
    with pytest.raises(ValueError, match="not aligned"):
        make({"loss": [1.0]}, batch_series={"loss": np.arange(3.0), "mae": np.arange(4.0)})
    with pytest.raises(ValueError, match="same length"):
        make(
            {"loss": [1.0]},
            batch_series={"loss": np.arange(3.0)},
            batch_epoch_starts=np.array([0, 1]),
            batch_epochs=np.array([0]),
        )
    with pytest.raises(ValueError, match="start at 0"):
        make(
            {"loss": [1.0]},
            batch_series={"loss": np.arange(3.0)},
            batch_epoch_starts=np.array([1]),
            batch_epochs=np.array([0]),
        )


def test_describe_is_json_ready() -> None:
    import json

    h = History(epochs=np.array([10, 11]), epoch_series={"loss": [1.0, 0.5]}, source=SRC)
    d = h.describe()
    assert json.loads(json.dumps(d)) == {
        "epochs": 2,
        "first_epoch": 10,
        "series": ["loss"],
        "batch_series": [],
        "batches": 0,
        "source": {"path": "run.json", "format": "keras-json"},
        "context_sources": {},
        "context_origins": {},
    }


def test_describe_says_where_each_context_fact_came_from() -> None:
    h = History(
        epochs=np.array([0, 1]),
        epoch_series={"loss": [1.0, 0.5]},
        source=SRC,
        context={"batch_size": 32, "optimizer": {"class": "Adam"}, "loss": "mse"},
        context_sources={"optimizer": "model", "loss": "--context", "gone": "sidecar"},
        context_origins={"model": "m.keras"},
    )
    d = h.describe()
    # keys not listed were recorded in the file; a listed key no longer in context is not shown
    assert d["context_sources"] == {
        "batch_size": "recorded",
        "optimizer": "model",
        "loss": "--context",
    }
    assert d["context_origins"] == {"model": "m.keras"}
