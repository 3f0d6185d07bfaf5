"""``--context KEY=VALUE`` facts, context files, sidecar discovery and merging (no Keras)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curvedoc.context import read_context
from curvedoc.context_input import (
    CONTEXT_KEYS,
    ContextInputError,
    fragment,
    load_context_file,
    merge_context,
    normalize_loss,
    normalize_optimizer,
    parse_context_args,
    parse_fact,
    sidecar_path,
)
from curvedoc.errors import CurvedocError, UsageError


def test_facts_parse_into_the_recorders_shape() -> None:
    ctx = parse_context_args(
        [
            "optimizer=ADAM",
            "learning_rate=1e-3",
            "batch_size=32",
            "train_samples=10_000",
            "val_samples=2,000",
            "params=1.2e6",
            "loss=MeanSquaredError",
            "epochs_planned=50",
            "task=Regression",
        ]
    )
    assert ctx == {
        "optimizer": {"class": "Adam"},
        "learning_rate": 0.001,
        "batch_size": 32,
        "train_samples": 10000,
        "val_samples": 2000,
        "params": {"total": 1200000},
        "loss": "mean_squared_error",
        "epochs_planned": 50,
        "task": "regression",
    }
    facts = read_context(ctx)
    assert facts.known
    assert (facts.optimizer, facts.learning_rate, facts.batch_size) == ("Adam", 0.001, 32)
    assert (facts.train_samples, facts.val_samples, facts.params) == (10000, 2000, 1200000)
    assert facts.loss_kind == "squared" and facts.epochs_planned == 50
    assert facts.samples_per_param == pytest.approx(10000 / 1.2e6)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("adam", "Adam"),
        ("sgd", "SGD"),
        ("RmsProp", "RMSprop"),
        ("adamw", "AdamW"),
        ("NADAM", "Nadam"),
    ],
)
def test_optimizer_names_normalise(typed: str, name: str) -> None:
    assert normalize_optimizer(typed) == name
    assert parse_fact(f"optimizer={typed}") == ("optimizer", {"class": name})


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("mse", "mse"),
        ("MAE", "mae"),
        ("BinaryCrossentropy", "binary_crossentropy"),
        ("sparse-categorical-crossentropy", "sparse_categorical_crossentropy"),
        ("Huber", "huber"),
        ("logcosh", "logcosh"),
    ],
)
def test_loss_names_normalise(typed: str, name: str) -> None:
    assert normalize_loss(typed) == name


def test_later_value_of_a_repeated_key_wins() -> None:
    assert parse_context_args(["batch_size=16", "batch_size=64"]) == {"batch_size": 64}


@pytest.mark.parametrize(
    ("item", "fragment_of_message"),
    [
        ("lr=0.1", "unknown key 'lr'"),
        ("batch_size", "expected KEY=VALUE"),
        ("batch_size=", "no value given"),
        ("batch_size=0", "positive whole number"),
        ("batch_size=3.5", "positive whole number"),
        ("batch_size=true", "positive whole number"),
        ("learning_rate=-0.1", "positive number"),
        ("learning_rate=nan", "positive number"),
        ("learning_rate=fast", "positive number"),
        ("optimizer=adma", "not a Keras optimizer"),
        ("loss=crossentropy_of_doom", "not a Keras loss"),
        ("task=ranking", "classification or regression"),
        ("params=-5", "positive whole number"),
    ],
)
def test_bad_facts_are_one_line_usage_errors(item: str, fragment_of_message: str) -> None:
    with pytest.raises(ContextInputError) as info:
        parse_fact(item)
    message = str(info.value)
    assert fragment_of_message in message
    assert "\n" not in message
    assert "valid keys: " + ", ".join(CONTEXT_KEYS) in message
    assert isinstance(info.value, UsageError) and isinstance(info.value, CurvedocError)


def test_context_file_json_and_toml(tmp_path: Path) -> None:
    layers = [
        {"class": "LSTM", "units": 32, "dropout": 0.2, "return_sequences": False},
        {"class": "Dense", "units": 1, "activation": "linear", "kernel_regularizer": None},
    ]
    js = tmp_path / "ctx.json"
    js.write_text(json.dumps({"optimizer": "sgd", "learning_rate": 0.05, "layers": layers}))
    got = load_context_file(js)
    assert got == {"optimizer": {"class": "SGD"}, "learning_rate": 0.05, "layers": layers}
    facts = read_context(got)
    assert facts.recurrent_units == (32,) and facts.dropout == pytest.approx(0.2)

    toml = tmp_path / "ctx.toml"
    toml.write_text(
        'optimizer = "Adam"\nlearning_rate = 3e-4\nbatch_size = 64\ntask = "classification"\n'
        '[[layers]]\nclass = "GRU"\nunits = 16\n[[layers]]\nclass = "Dense"\nunits = 3\n'
    )
    got = load_context_file(toml)
    assert got["optimizer"] == {"class": "Adam"} and got["batch_size"] == 64
    assert got["task"] == "classification"
    assert [layer["class"] for layer in got["layers"]] == ["GRU", "Dense"]


def test_context_file_accepts_a_copied_context_object(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps({"context": {"optimizer": {"class": "Adam"}, "params": {"total": 10}}})
    )
    assert load_context_file(path) == {"optimizer": {"class": "Adam"}, "params": {"total": 10}}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", '{"batch": 3}', "unknown key 'batch'"),
        ("a.json", '{"batch_size": "lots"}', "positive whole number"),
        ("a.json", '{"batch_size": true}', "positive whole number"),
        ("a.json", "[1, 2]", "must hold an object"),
        ("a.json", "{nope", "not valid JSON"),
        ("a.toml", "batch_size = = 3", "not valid TOML"),
        ("a.json", '{"layers": {"class": "Dense"}}', "must be a list"),
        ("a.json", '{"layers": [{"units": 3}]}', "has no 'class'"),
        ("a.json", '{"layers": [{"class": "Dense", "colour": 3}]}', "unknown key 'colour'"),
        ("a.json", '{"layers": [{"class": "Dropout", "rate": 1.5}]}', "[0, 1)"),
        ("a.json", '{"layers": [{"class": "LSTM", "return_sequences": "yes"}]}', "true or false"),
    ],
)
def test_bad_context_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ContextInputError) as info:
        load_context_file(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_binary_context_files(tmp_path: Path) -> None:
    with pytest.raises(ContextInputError, match="cannot be read"):
        load_context_file(tmp_path / "absent.json")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ContextInputError, match="not UTF-8"):
        load_context_file(binary)


@pytest.mark.parametrize(
    ("history", "sidecar"),
    [
        ("run.json", "run.context.json"),
        ("run.csv", "run.context.json"),
        ("run.json.gz", "run.context.json"),
        ("run.CSV.GZ", "run.context.json"),
        ("run.curvedoc.json", "run.curvedoc.context.json"),
        ("history", "history.context.json"),
    ],
)
def test_sidecar_next_to_the_history(tmp_path: Path, history: str, sidecar: str) -> None:
    hist = tmp_path / history
    hist.write_text("{}")
    assert sidecar_path(hist) is None
    (tmp_path / sidecar).write_text("{}")
    assert sidecar_path(hist) == tmp_path / sidecar


def test_sidecar_of_a_directory_and_of_a_context_file(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (tmp_path / "logs.context.json").write_text("{}")
    assert sidecar_path(logs) == tmp_path / "logs.context.json"
    assert sidecar_path(tmp_path / "logs.context.json") is None


def test_merge_order_and_provenance() -> None:
    recorded = fragment(
        "recorded",
        {
            "optimizer": {"class": "Adam", "config": {"clipnorm": 1.0}},
            "batch_size": 32,
            "loss": "mse",
        },
    )
    model = fragment(
        "model", {"params": {"total": 100, "trainable": 90}, "loss": "mae"}, origin="m.keras"
    )
    side = fragment("sidecar", {"batch_size": 64, "val_samples": None}, origin="run.context.json")
    given = fragment("--context", {"optimizer": {"class": "SGD"}, "learning_rate": 0.1})
    merged = merge_context([given, model, side, recorded])  # any order in, precedence out
    assert merged.context == {
        "optimizer": {"class": "SGD"},
        "batch_size": 64,
        "loss": "mae",
        "params": {"total": 100, "trainable": 90},
        "learning_rate": 0.1,
    }
    assert merged.provenance == {
        "optimizer": "--context",
        "batch_size": "sidecar",
        "loss": "model",
        "params": "model",
        "learning_rate": "--context",
    }
    assert merged.origins == {"model": "m.keras", "sidecar": "run.context.json"}
    assert merged.sources_used() == ["sidecar", "model", "--context"]
    assert read_context(merged.context).optimizer == "SGD"
    assert read_context(merged.context).clipping is False


def test_context_file_beats_model_and_context_beats_file() -> None:
    merged = merge_context(
        [
            fragment("context-file", {"batch_size": 8, "loss": "mse"}, origin="c.toml"),
            fragment("model", {"loss": "huber"}),
            fragment("--context", {"batch_size": 4}),
        ]
    )
    assert merged.context == {"loss": "mse", "batch_size": 4}
    assert merged.provenance == {"loss": "context-file", "batch_size": "--context"}


def test_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown context source"):
        fragment("guess", {})
