"""``curvedoc.keras.save_history``: a run trained without the recorder, saved after ``fit``.

Real ``model.fit`` runs (tiny models, TensorFlow backend). The saved file must hold the
context the recorder would have recorded for the same run, key by key, and diagnose as the
recorder's file does without its per-batch values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import curvedoc  # noqa: E402
from curvedoc.keras import CurveRecorder, save_history  # noqa: E402

pytestmark = pytest.mark.keras


def windows(n: int = 500, scale: float = 900.0, offset: float = 4000.0, seed: int = 0):
    """Sliding windows of a noisy sine on a raw scale (prices around 4,000), next value."""
    rng = np.random.default_rng(seed)
    s = np.sin(np.arange(n + 12) * 0.07) + 0.1 * rng.standard_normal(n + 12)
    x = np.stack([s[i : i + 12] for i in range(n)])[..., None] * scale + offset
    y = s[12 : n + 12] * scale + offset
    return x.astype("float32"), y.astype("float32")


def lstm(optimizer="adam"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 1)), keras.layers.LSTM(8), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def sick(report) -> tuple[list[str], list[str]]:
    return (
        [c.category for c in report.causes],
        sorted(f.code for f in report.findings if f.severity != "info"),
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One real fit on unscaled data, recorded by CurveRecorder and saved by save_history."""
    d = tmp_path_factory.mktemp("save_history")
    x, y = windows()
    model = lstm()
    rec = CurveRecorder(d / "recorded.json", data=x, targets=y)
    history = model.fit(
        x, y, validation_split=0.2, batch_size=32, epochs=8, verbose=0, callbacks=[rec]
    )
    written = save_history(
        history, d / "saved.json", data=x, targets=y, batch_size=32, validation_split=0.2
    )
    (d / "bare.json").write_text(json.dumps(history.history))
    return d, Path(written), history


def test_the_saved_context_is_the_recorded_context(both):
    d, saved, history = both
    recorded = json.loads((d / "recorded.json").read_text())
    data = json.loads(saved.read_text())
    assert saved == d / "saved.json" and saved.is_absolute()
    assert data["format"] == "curvedoc-history" and data["status"] == "finished"
    assert "save_history" in data["writer"]
    assert "batch" not in data  # only a callback sees the batches
    assert data["context"] == recorded["context"]  # every key, the data statistics included
    assert data["context"]["train_samples"] == 400 and data["context"]["val_samples"] == 100
    assert data["epochs"] == recorded["epochs"] == list(range(8))
    for key, values in history.history.items():
        assert data["epoch_logs"][key] == pytest.approx(values)
        assert recorded["epoch_logs"][key] == pytest.approx(values)


def test_it_diagnoses_as_the_recorded_file_without_its_batches(both):
    d, saved, _ = both
    recorded = json.loads((d / "recorded.json").read_text())
    del recorded["batch"]
    (d / "recorded_epochs.json").write_text(json.dumps(recorded))
    from_recorder = curvedoc.diagnose(curvedoc.load(d / "recorded_epochs.json"))
    from_saved = curvedoc.diagnose(curvedoc.load(saved))
    assert sick(from_saved) == sick(from_recorder)
    assert [round(c.confidence, 6) for c in from_saved.causes] == [
        round(c.confidence, 6) for c in from_recorder.causes
    ]


def test_the_data_statistics_name_what_the_curves_only_suggest(both):
    """Inputs and targets around 4,000: the statistics show it; ``history.history`` cannot."""
    d, saved, _ = both
    with_context = curvedoc.diagnose(curvedoc.load(saved))
    curves_only = curvedoc.diagnose(curvedoc.load(d / "bare.json"))
    assert with_context.causes[0].category == "unscaled_data"
    scale_findings = {"CD101", "CD102"}
    assert scale_findings & set(sick(with_context)[1])
    assert not scale_findings & set(sick(curves_only)[1])


def test_a_schedule_gives_its_initial_rate(tmp_path):
    x, y = windows(n=120, scale=1.0, offset=0.0)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)
    model = lstm(keras.optimizers.Adam(schedule))
    history = model.fit(x, y, batch_size=40, epochs=3, verbose=0)
    path = save_history(history, tmp_path / "h.json", batch_size=40, data=x)
    ctx = json.loads(Path(path).read_text())["context"]
    assert ctx["learning_rate"] == pytest.approx(0.01)  # not the decayed rate at the end
    assert ctx["lr_schedule"] == "ExponentialDecay"
    assert ctx["train_samples"] == 120  # 3 steps of 40: the data's rows are the training set
    assert ctx["steps_per_epoch"] == 3 and ctx["epochs_planned"] == 3


def test_a_logged_learning_rate_column_gives_the_starting_rate(tmp_path):
    x, y = windows(n=80, scale=1.0, offset=0.0)
    model = lstm(keras.optimizers.SGD(0.05))
    drop = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.05 / (epoch + 1))
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[drop])
    assert "learning_rate" in history.history
    path = save_history(history, tmp_path / "h.json")
    data = json.loads(Path(path).read_text())
    assert data["context"]["learning_rate"] == pytest.approx(0.05)
    assert data["epoch_logs"]["learning_rate"] == pytest.approx([0.05, 0.025, 0.05 / 3])


def test_a_history_dict_with_its_model(tmp_path):
    x, y = windows(n=64, scale=1.0, offset=0.0)
    model = lstm()
    history = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0)
    path = save_history(history.history, tmp_path / "sub" / "h.json", model=model)
    data = json.loads(Path(path).read_text())
    assert data["context"]["optimizer"]["class"] == "Adam"
    assert data["context"]["params"]["total"] == model.count_params()
    assert data["context"]["learning_rate"] == pytest.approx(0.001)  # Adam's default
    assert set(data["epoch_logs"]) == {"loss", "val_loss"}
    assert curvedoc.load(path).n_epochs == 2


@pytest.mark.parametrize(
    ("history", "kwargs", "error"),
    [
        ({}, {}, TypeError),
        ({"loss": [1.0, 0.5]}, {"batch_size": 0}, ValueError),
        ({"loss": [1.0, 0.5]}, {"val_samples": 2.5}, ValueError),
        ({"loss": [1.0, 0.5]}, {"validation_split": 1.0}, ValueError),
        ("not a history", {}, TypeError),
        ({"loss": 0.5}, {}, TypeError),
    ],
)
def test_what_is_not_a_history_is_refused_before_anything_is_written(
    tmp_path, history, kwargs, error
):
    with pytest.raises(error):
        save_history(history, tmp_path / "h.json", **kwargs)
    assert not (tmp_path / "h.json").exists()


def test_the_history_fit_returns_is_diagnosed_in_memory_with_its_model(both, tmp_path):
    """In a notebook: ``curvedoc.diagnose(history)``, the model's facts included."""
    _, _, history = both
    saved = save_history(history, tmp_path / "plain.json")  # no data: what the History holds
    in_memory = curvedoc.load(history)
    from_file = curvedoc.load(saved)
    assert in_memory.context == from_file.context
    assert in_memory.context["optimizer"]["class"] == "Adam"
    assert in_memory.source.path == "<keras History>"
    assert sick(curvedoc.diagnose(history)) == sick(curvedoc.diagnose(from_file))
    # its .history dict alone: the curves, no context
    as_dict = curvedoc.load(history.history)
    assert as_dict.context == {} and as_dict.n_epochs == 8
    assert sick(curvedoc.diagnose(history.history)) == sick(curvedoc.diagnose(as_dict))


def test_what_is_neither_a_path_nor_a_history_is_a_load_error():
    with pytest.raises(curvedoc.LoadError, match=r"History model\.fit returns"):
        curvedoc.diagnose(42)
    with pytest.raises(curvedoc.LoadError):
        curvedoc.load({"learning_rate": "fast"})
