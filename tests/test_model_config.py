"""Model files made by hand (no Keras): legacy Keras 2 configs, corrupt and non-model files."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from curvedoc import model_file
from curvedoc.errors import LoadError, MissingExtraError
from curvedoc.model_file import (
    ModelFileError,
    count_params,
    read_model_file,
    supported_layers,
)

h5py = pytest.importorskip("h5py")

# what tf.keras 2.x wrote: batch_input_shape, list-style inbound nodes, "Custom>Adam"
KERAS2_SEQUENTIAL = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 10, 3], "name": "lstm_input"},
            },
            {
                "class_name": "LSTM",
                "config": {"name": "lstm", "units": 32, "use_bias": True, "dropout": 0.1},
            },
            {"class_name": "Dense", "config": {"name": "dense", "units": 1, "use_bias": True}},
        ],
    },
}
KERAS2_SEQUENTIAL_TOTAL = 4 * (32 * (3 + 32) + 32) + 33

KERAS2_FIRST_LAYER_SHAPE = {
    "class_name": "Sequential",
    "config": {
        "name": "s",
        "layers": [
            {
                "class_name": "Conv1D",
                "config": {
                    "name": "c",
                    "batch_input_shape": [None, 20, 2],
                    "filters": 4,
                    "kernel_size": [3],
                    "strides": [1],
                    "padding": "valid",
                    "dilation_rate": [1],
                    "use_bias": True,
                },
            },
            {"class_name": "Flatten", "config": {"name": "f"}},
            {"class_name": "Dense", "config": {"name": "d", "units": 2}},
        ],
    },
}
KERAS2_FIRST_LAYER_TOTAL = (3 * 2 * 4 + 4) + (18 * 4 * 2 + 2)

KERAS2_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "name": "a",
                "config": {"batch_input_shape": [None, 8], "name": "a"},
                "inbound_nodes": [],
            },
            {
                "class_name": "InputLayer",
                "name": "b",
                "config": {"batch_input_shape": [None, 5], "name": "b"},
                "inbound_nodes": [],
            },
            {
                "class_name": "Dense",
                "name": "da",
                "config": {"name": "da", "units": 4},
                "inbound_nodes": [[["a", 0, 0, {}]]],
            },
            {
                "class_name": "Concatenate",
                "name": "cat",
                "config": {"name": "cat", "axis": -1},
                "inbound_nodes": [[["da", 0, 0, {}], ["b", 0, 0, {}]]],
            },
            {
                "class_name": "BatchNormalization",
                "name": "bn",
                "config": {"name": "bn", "axis": [1], "center": True, "scale": False},
                "inbound_nodes": [[["cat", 0, 0, {}]]],
            },
            {
                "class_name": "Dense",
                "name": "out",
                "config": {"name": "out", "units": 2, "trainable": False},
                "inbound_nodes": [[["bn", 0, 0, {}]]],
            },
        ],
        "input_layers": [["a", 0, 0], ["b", 0, 0]],
        "output_layers": [["out", 0, 0]],
    },
}
# dense 8*4+4; bn over 9 features: beta 9 + moving mean/var 18; frozen out 9*2+2
KERAS2_FUNCTIONAL_TOTAL = 36 + 27 + 20
KERAS2_FUNCTIONAL_TRAINABLE = 36 + 9

TRAINING_CONFIG = {
    "loss": "mse",
    "metrics": None,
    "optimizer_config": {
        "class_name": "Custom>Adam",
        "config": {"name": "Adam", "learning_rate": 0.001, "is_legacy_optimizer": False},
    },
}


def write_h5(path: Path, config: Any, training: Any = TRAINING_CONFIG) -> Path:
    with h5py.File(path, "w") as fh:
        fh.attrs["keras_version"] = "2.15.0"
        fh.attrs["backend"] = "tensorflow"
        fh.attrs["model_config"] = json.dumps(config)
        if training is not None:
            fh.attrs["training_config"] = json.dumps(training)
    return path


def write_keras(path: Path, config: Any, *, metadata: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if metadata:
            zf.writestr("metadata.json", json.dumps({"keras_version": "3.1.0"}))
        zf.writestr("config.json", config if isinstance(config, str) else json.dumps(config))
        zf.writestr("model.weights.h5", b"\0" * 64)
    return path


@pytest.mark.parametrize(
    ("config", "total", "trainable"),
    [
        (KERAS2_SEQUENTIAL, KERAS2_SEQUENTIAL_TOTAL, KERAS2_SEQUENTIAL_TOTAL),
        (KERAS2_FIRST_LAYER_SHAPE, KERAS2_FIRST_LAYER_TOTAL, KERAS2_FIRST_LAYER_TOTAL),
        (KERAS2_FUNCTIONAL, KERAS2_FUNCTIONAL_TOTAL, KERAS2_FUNCTIONAL_TRAINABLE),
    ],
    ids=["sequential", "first-layer-shape", "functional"],
)
def test_keras2_configs(tmp_path: Path, config: Any, total: int, trainable: int) -> None:
    counted = count_params(config)
    assert (counted.total, counted.trainable) == (total, trainable)
    facts = read_model_file(write_h5(tmp_path / "m.h5", config))
    assert facts.format == "h5" and facts.keras_version == "2.15.0"
    assert facts.params.total == total
    assert facts.context["optimizer"]["class"] == "Adam"
    assert facts.context["learning_rate"] == 0.001 and facts.context["loss"] == "mse"


def test_same_config_in_a_keras_zip(tmp_path: Path) -> None:
    config = {**KERAS2_SEQUENTIAL, "compile_config": {"optimizer": "rmsprop", "loss": "mae"}}
    facts = read_model_file(write_keras(tmp_path / "weird-name.bin", config))
    assert facts.format == "keras" and facts.keras_version == "3.1.0"
    assert facts.params.total == KERAS2_SEQUENTIAL_TOTAL
    assert facts.context["optimizer"] == {"class": "RMSprop"} and facts.context["loss"] == "mae"


def test_schedules_and_loss_scaling() -> None:
    from curvedoc.model_file import _optimizer_facts

    piecewise = {
        "class_name": "SGD",
        "config": {
            "learning_rate": {
                "class_name": "PiecewiseConstantDecay",
                "config": {"boundaries": [10], "values": [0.1, 0.01]},
            }
        },
    }
    assert _optimizer_facts(piecewise)["learning_rate"] == 0.1
    assert _optimizer_facts(piecewise)["lr_schedule"] == "PiecewiseConstantDecay"
    scaled = {
        "class_name": "LossScaleOptimizer",
        "config": {"inner_optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.002}}},
    }
    assert _optimizer_facts(scaled)["optimizer"]["class"] == "Adam"
    assert _optimizer_facts(scaled)["learning_rate"] == 0.002
    old = {"class_name": "RMSprop", "config": {"lr": 0.01}}
    assert _optimizer_facts(old)["learning_rate"] == 0.01


def test_unknown_class_and_unknown_shape_give_none() -> None:
    config = json.loads(json.dumps(KERAS2_SEQUENTIAL))
    config["config"]["layers"].insert(2, {"class_name": "MyAttention", "config": {"name": "mine"}})
    counted = count_params(config)
    assert counted.total is None and counted.trainable is None
    assert any("'mine' (MyAttention)" in note for note in counted.notes)
    # the Dense after it has no saved input shape: also uncounted, never guessed
    assert [c.total for c in counted.layers] == [4 * (32 * 35 + 32), None, None]
    no_input = {
        "class_name": "Sequential",
        "config": {"layers": [{"class_name": "Dense", "config": {"units": 3}}]},
    }
    assert count_params(no_input).total is None


def test_supported_layers_lists_the_rules() -> None:
    names = supported_layers()
    for cls in ("Dense", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "Conv1D", "Conv2D"):
        assert cls in names
    assert "Embedding" in names and "BatchNormalization" in names and "Lambda" not in names


# -- files that are not models ----------------------------------------------------------


def _one_line(exc: BaseException, path: Path) -> None:
    message = str(exc)
    assert "\n" not in message and message.startswith(str(path))
    assert isinstance(exc, LoadError)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello, I am text", "is not a Keras model"),
        ("empty.keras", b"", "is not a Keras model"),
        ("history.json", b'{"loss": [1, 2]}', "is not a Keras model"),
    ],
)
def test_not_a_model(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_truncated_archive(tmp_path: Path) -> None:
    good = write_keras(tmp_path / "good.keras", KERAS2_SEQUENTIAL)
    raw = good.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 10, 30):
        path = tmp_path / f"cut{cut}.keras"
        path.write_bytes(raw[:cut])
        with pytest.raises(ModelFileError, match="corrupt or truncated") as info:
            read_model_file(path)
        _one_line(info.value, path)


def test_corrupted_member_bytes(tmp_path: Path) -> None:
    path = tmp_path / "flip.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("config.json", json.dumps(KERAS2_SEQUENTIAL))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"Sequential")
    raw[at : at + 3] = b"XYZ"  # same length, wrong CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="corrupt") as info:
        read_model_file(path)
    _one_line(info.value, path)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{not json", "config.json is not valid JSON"),
        ("[1, 2, 3]", "config.json is not a JSON object"),
        ('{"weights": "yes"}', "holds no Keras model config"),
    ],
)
def test_archive_with_a_bad_config(tmp_path: Path, config: str, message: str) -> None:
    path = write_keras(tmp_path / "bad.keras", config)
    with pytest.raises(ModelFileError, match=message) as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_zip_without_config(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "x")
    with pytest.raises(ModelFileError, match=r"without config\.json") as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_oversized_config_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_keras(tmp_path / "big.keras", {**KERAS2_SEQUENTIAL, "pad": "x" * 5000})
    monkeypatch.setattr(model_file, "MAX_CONFIG_BYTES", 1000)
    with pytest.raises(ModelFileError, match="more than curvedoc reads") as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.keras"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("config.json", "w", force_zip64=True) as fh,
    ):
        for _ in range(65):
            fh.write(b" " * (1 << 20))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(ModelFileError, match="declares 68 MB") as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_hdf5_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as fh:
        fh["x"] = [1, 2, 3]
    with pytest.raises(ModelFileError, match="without a Keras model_config") as info:
        read_model_file(path)
    _one_line(info.value, path)
    bad = write_h5(tmp_path / "bad.h5", KERAS2_SEQUENTIAL)
    with h5py.File(bad, "a") as fh:
        fh.attrs["model_config"] = "{broken"
    with pytest.raises(ModelFileError, match="model_config is not valid JSON"):
        read_model_file(bad)


def test_truncated_hdf5(tmp_path: Path) -> None:
    good = write_h5(tmp_path / "good.h5", KERAS2_SEQUENTIAL)
    raw = good.read_bytes()
    path = tmp_path / "cut.h5"
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(ModelFileError, match="corrupt or unreadable HDF5") as info:
        read_model_file(path)
    _one_line(info.value, path)


def test_missing_h5py_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_h5(tmp_path / "m.h5", KERAS2_SEQUENTIAL)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(MissingExtraError) as info:
        read_model_file(path)
    assert "pip install 'curvedoc[h5]'" in str(info.value) and "\n" not in str(info.value)


def test_directories_and_missing_files(tmp_path: Path) -> None:
    saved = tmp_path / "exported"
    saved.mkdir()
    (saved / "saved_model.pb").write_bytes(b"")
    with pytest.raises(ModelFileError, match="SavedModel directory"):
        read_model_file(saved)
    with pytest.raises(ModelFileError, match="is a directory"):
        read_model_file(tmp_path)
    with pytest.raises(ModelFileError, match="cannot be read"):
        read_model_file(tmp_path / "absent.keras")
