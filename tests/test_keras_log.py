"""Source ``keras-log``: what ``model.fit`` printed, read back as a history.

The fixtures are real Keras 3 runs whose console output was saved
(``fixtures/make_keras_log_fixture.py``), each recorded beside it with ``CurveRecorder``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import fixture

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import Probe, detect
from curvedoc.loaders.keras_log import SOURCE

RUNS = ("sine_lr_high", "waveforms_classify")


@pytest.mark.parametrize("name", RUNS)
def test_the_printed_values_are_the_recorded_ones(name: str) -> None:
    log = curvedoc.load(fixture(f"keras_log/{name}.log"))
    rec = curvedoc.load(fixture(f"keras_log/{name}.curvedoc.json"))
    assert log.source.format == "keras-log"
    assert log.epochs.tolist() == rec.epochs.tolist()
    assert set(log.epoch_series) == set(rec.epoch_series) - {"learning_rate"}
    for key, printed in log.epoch_series.items():
        # Keras prints four decimals (or four after the point in e-notation)
        np.testing.assert_allclose(printed, rec.epoch_series[key], rtol=0.01, atol=6e-5)
    assert log.context["epochs_planned"] == rec.n_epochs
    assert log.context["steps_per_epoch"] == rec.context["steps_per_epoch"]


def test_a_progress_bar_redrawn_in_place_keeps_each_epochs_last_values() -> None:
    # verbose=1: carriage returns, backspaces and colour escapes; the running averages of
    # the redraws before the last are not the epoch's values
    raw = fixture("keras_log/sine_lr_high.log").read_bytes()
    assert b"\r" in raw and b"\x08" in raw and b"\x1b[" in raw
    log = curvedoc.load(fixture("keras_log/sine_lr_high.log"))
    assert not np.isnan(log.epoch_series["val_loss"]).any()


def test_only_console_output_is_taken(tmp_path: Path) -> None:
    assert detect(Probe(str(fixture("keras_log/waveforms_classify.log")))) is SOURCE
    csv = tmp_path / "h.csv"
    csv.write_text("epoch,loss\n0,1.0\n1,0.5\n")
    assert detect(Probe(str(csv))) is not SOURCE
    bare = tmp_path / "notes.txt"
    bare.write_text("Epoch 1/3\nsomething happened\n")
    assert not SOURCE.sniff(Probe(str(bare)))


def test_an_epoch_cut_short_is_left_out_with_a_note(tmp_path: Path) -> None:
    text = fixture("keras_log/waveforms_classify.log").read_text(encoding="utf-8")
    cut = tmp_path / "killed.log"
    cut.write_text(text + "Epoch 13/12\n")  # the run was killed as epoch 13 began
    h = curvedoc.load(cut)
    assert h.n_epochs == 12
    assert any("13 printed no values" in n for n in h.source.notes)


def test_a_second_fit_in_the_same_file_is_the_run_read(tmp_path: Path) -> None:
    first = fixture("keras_log/waveforms_classify.log").read_text(encoding="utf-8")
    second = fixture("keras_log/sine_lr_high.log").read_text(encoding="utf-8")
    both = tmp_path / "two.log"
    both.write_text(first + second)
    h = curvedoc.load(both)
    sine = curvedoc.load(fixture("keras_log/sine_lr_high.log"))
    assert h.n_epochs == 14 and "accuracy" not in h.epoch_series
    np.testing.assert_array_equal(h.epoch_series["loss"], sine.epoch_series["loss"])
    assert any("2 fits" in n for n in h.source.notes)


def test_keras_2_output_with_its_sample_counts(tmp_path: Path) -> None:
    # the real classifier's values in the layout Keras 2 printed (verbose=1, a finished bar)
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    s = rec.epoch_series
    lines = ["Train on 640 samples, validate on 400 samples"]
    for i in range(rec.n_epochs):
        lines += [
            f"Epoch {i + 1}/{rec.n_epochs}",
            f"640/640 [==============================] - 1s 2ms/sample - loss: {s['loss'][i]:.4f}"
            f" - accuracy: {s['accuracy'][i]:.4f} - val_loss: {s['val_loss'][i]:.4f}"
            f" - val_accuracy: {s['val_accuracy'][i]:.4f}",
        ]
    path = tmp_path / "keras2.log"
    path.write_text("\n".join(lines) + "\n")
    h = curvedoc.load(path)
    assert h.context["train_samples"] == 640 and h.context["val_samples"] == 400
    np.testing.assert_allclose(h.epoch_series["val_loss"], s["val_loss"], atol=6e-5)


def test_epoch_lines_without_numbers_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "short.log"
    path.write_text("Epoch 1/2\n - loss: 0.5\n")
    h = curvedoc.load(path)  # one field after " - " is an epoch's values
    assert h.epoch_series["loss"].tolist() == [0.5]
    bad = tmp_path / "bad.log"
    bad.write_text("Epoch 1/2\n - loss: x\nEpoch 2/2\n - loss: y\n")
    with pytest.raises(LoadError):
        curvedoc.load(bad)


def test_model_evaluate_after_the_fit_is_not_an_epoch(tmp_path: Path) -> None:
    # the commonest notebook cell: fit, then evaluate on the test set (its own bar)
    text = fixture("keras_log/waveforms_classify.log").read_text(encoding="utf-8")
    path = tmp_path / "fit_then_eval.log"
    path.write_text(text + "313/313 - 1s - 3ms/step - accuracy: 0.9100 - loss: 2.3000\n")
    h = curvedoc.load(path)
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    np.testing.assert_allclose(h.epoch_series["loss"], rec.epoch_series["loss"], atol=6e-5)
    assert h.context["steps_per_epoch"] == rec.context["steps_per_epoch"]
    assert any("model.evaluate" in n for n in h.source.notes)


def test_logging_lines_and_a_printed_config_around_the_bars(tmp_path: Path) -> None:
    text = fixture("keras_log/waveforms_classify.log").read_text(encoding="utf-8")
    lines = text.splitlines()
    noisy = ["{'units': 16, 'lr': 0.003}", "[2026-12-01 10:00:00] INFO - start - lr: 0.003"]
    for line in lines:
        noisy.append(line)
        if line.startswith("Epoch"):
            noisy.append("2026-12-01 10:00:01,000 - train - INFO - loss: 99.0")
    path = tmp_path / "noisy.log"
    path.write_text("\n".join(noisy) + "\n")
    h = curvedoc.load(path)
    assert h.source.format == "keras-log"  # a log beginning with "{" is no JSON
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    np.testing.assert_allclose(h.epoch_series["loss"], rec.epoch_series["loss"], atol=6e-5)
