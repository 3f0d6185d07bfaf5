"""Source ``keras-json``: Keras ``history.history`` dumps, saved History objects, records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders import Probe, detect, load_text
from curvedoc.loaders.keras_json import SOURCE

Writer = Callable[[str, "str | bytes | object"], Path]


def _series_equal(a: History, b: History, keys: list[str]) -> None:
    for k in keys:
        np.testing.assert_array_equal(a.epoch_series[k], b.epoch_series[k], err_msg=k)


def test_any_json_object_or_list_not_taken_before_is_read_here(write: Writer) -> None:
    for content in ({"loss": [1, 0.5]}, [{"loss": 1}], {"format": "something-else", "x": [1]}):
        assert detect(Probe(str(write("h.json", content)))) is SOURCE
    assert not SOURCE.sniff(Probe(str(write("h.csv", "loss\n1\n"))))
    assert not SOURCE.sniff(Probe(str(fixture("tensorboard/torch_sine"))))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "JSON is an empty list, not a training history"),
        ("[1, 2]", "JSON is a list; expected an object of metric series"),
        ("{}", "JSON object is empty: no metric series"),
        ('{"epoch": [0, 1]}', "has no metric series (only an epoch axis)"),
    ],
)
def test_shapes_that_are_no_history_get_one_line_errors(text: str, problem: str) -> None:
    with pytest.raises(LoadError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_text(text, "x.json")


def test_wrapped_history_with_epoch_and_params(write: Writer) -> None:
    name = "healthy_lstm_sine"
    raw = json.loads(fixture(f"{name}.json").read_text())
    n = len(raw["loss"])
    wrapped = {
        "history": raw,
        "epoch": list(range(10, 10 + n)),  # a run resumed with initial_epoch=10
        "params": {"verbose": 1, "epochs": 10 + n, "steps": 47},
    }
    h = curvedoc.load(write("wrapped.json", wrapped))
    assert h.source.format == "keras-history"
    assert h.epochs.tolist() == list(range(10, 10 + n))
    assert h.context == {"epochs_planned": 10 + n, "steps_per_epoch": 47}
    _series_equal(h, curvedoc.load(fixture(f"{name}.json")), list(raw))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pandas DataFrame.to_json() (orient="columns"), the epoch column included
        (
            '{"epoch": {"0": 0, "1": 1, "2": 2}, "loss": {"0": 1.0, "2": 0.25, "1": 0.5}}',
            [1, 0.5, 0.25],
        ),
        # records (orient="records")
        (
            '[{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}]',
            [1, 0.5, 0.25],
        ),
        # pandas orient="split" and orient="index" (rows keyed by their index)
        (
            '{"columns": ["loss"], "index": [0, 1, 2], "data": [[1.0], [0.5], [0.25]]}',
            [1, 0.5, 0.25],
        ),
        ('{"1": {"loss": 0.5}, "0": {"loss": 1.0}, "2": {"loss": 0.25}}', [1, 0.5, 0.25]),
        # numbers saved as strings (json.dump(..., default=str) of numpy floats)
        ('{"loss": ["1.0", "0.5", " 0.25 "]}', [1, 0.5, 0.25]),
        ('{"loss": [1, 0.5, 0.25], "epoch": [0, 1, 2]}', [1, 0.5, 0.25]),
    ],
)
def test_other_json_shapes(text: str, expected: list[float]) -> None:
    h = load_text(text, "x.json")
    assert h.epoch_series["loss"].tolist() == expected
    assert h.epochs.tolist() == [0, 1, 2]
    assert list(h.epoch_series) == ["loss"]  # the epoch axis is not a metric


def test_repeated_or_unordered_epochs_in_json(write: Writer) -> None:
    h = curvedoc.load(write("h.json", {"epoch": [0, 1, 2, 1, 2, 3], "loss": [6, 5, 4, 3, 2, 1]}))
    assert h.epochs.tolist() == [0, 1, 2, 3]
    assert h.epoch_series["loss"].tolist() == [6.0, 3.0, 2.0, 1.0]
    h = curvedoc.load(write("h.json", {"epoch": [2, 0, 1], "loss": [3, 1, 2]}))
    assert h.epochs.tolist() == [0, 1, 2] and h.epoch_series["loss"].tolist() == [1, 2, 3]
    assert any("sorted by epoch" in n for n in h.source.notes)


def test_a_dict_printed_by_python_reads_as_its_json(tmp_path: Path) -> None:
    # a real run's history.history written with f.write(str(...)), numpy 2 scalars too
    run = curvedoc.load(fixture("lr_high_lstm.json"))
    hist = {k: [float(x) for x in v] for k, v in run.epoch_series.items()}
    hist["loss"][-1] = float("nan")
    printed = tmp_path / "history.txt"
    printed.write_text(str(hist))
    h = curvedoc.load(printed)
    assert h.source.format == "python-repr"
    assert any("printed by Python" in n for n in h.source.notes)
    np.testing.assert_array_equal(h.epoch_series["val_loss"], run.epoch_series["val_loss"])
    assert np.isnan(h.epoch_series["loss"][-1])
    numpy2 = tmp_path / "history_np.txt"
    numpy2.write_text(str({k: [np.float64(x) for x in v] for k, v in hist.items()}))
    np.testing.assert_array_equal(
        curvedoc.load(numpy2).epoch_series["val_loss"], run.epoch_series["val_loss"]
    )
    # anything else that is not JSON keeps the JSON error
    bad = tmp_path / "bad.txt"
    bad.write_text("{'loss': [1, 2], 'x': foo}")
    with pytest.raises(LoadError, match="not valid JSON"):
        curvedoc.load(bad)


def test_a_history_a_script_kept_nested_reads_as_keras_names(write: Writer) -> None:
    # a real classifier's curves (the waveforms LSTM recorded with CurveRecorder) as a
    # hand-written loop keeps them: {"train": {...}, "val": {...}}, or Keras' dict wrapped
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    e = {k: [float(x) for x in v] for k, v in rec.epoch_series.items()}
    nested = {
        "train": {"loss": e["loss"], "acc": e["accuracy"]},
        "val": {"loss": e["val_loss"], "acc": e["val_accuracy"]},
    }
    h = curvedoc.load(write("nested.json", nested))
    assert [(p.name, p.train, p.val) for p in h.pairs()] == [
        ("loss", "train_loss", "val_loss"),
        ("accuracy", "train_acc", "val_acc"),
    ]
    np.testing.assert_array_equal(h.epoch_series["val_loss"], rec.epoch_series["val_loss"])
    assert "nested training and validation series" in h.source.notes[0]
    wrapped = curvedoc.load(write("wrapped.json", {"metrics": {"loss": e["loss"]}}))
    assert list(wrapped.epoch_series) == ["loss"] and "'metrics'" in wrapped.source.notes[0]
    # lists under keys with no metric among them are a settings file, as before
    with pytest.raises(LoadError):
        curvedoc.load(write("cfg.json", {"model": {"units": [64, 32]}}))
    # outer keys that are not training or validation words: not guessed
    with pytest.raises(LoadError):
        curvedoc.load(write("two.json", {"run_a": {"loss": [1.0]}, "run_b": {"loss": [2.0]}}))
