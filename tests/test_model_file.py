"""Reading real saved Keras models (``.keras`` and ``.h5``) without Keras.

Each model is built and saved with Keras here; :func:`curvedoc.model_file.read_model_file`
must find the same parameter count as ``model.count_params()``, the same trainable count,
the compiled optimizer, learning rate and loss, and the layer summary the recorder writes.
"""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from curvedoc.context import read_context  # noqa: E402
from curvedoc.keras import _describe_layers  # noqa: E402
from curvedoc.model_file import ModelFileError, read_model_file  # noqa: E402

pytestmark = [pytest.mark.keras, pytest.mark.slow]

L = keras.layers


def _dense() -> Any:
    model = keras.Sequential(
        [
            keras.Input((8,)),
            L.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
            L.Dropout(0.2),
            L.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(1e-3), "mse", metrics=["mae"])
    return model, ("Adam", 1e-3, "mse")


def _lstm() -> Any:
    model = keras.Sequential(
        [
            keras.Input((10, 3)),
            L.LSTM(12, return_sequences=True, dropout=0.1, recurrent_dropout=0.2),
            L.LSTM(6),
            L.Dense(1),
        ]
    )
    model.compile(keras.optimizers.RMSprop(0.002), "mae")
    return model, ("RMSprop", 0.002, "mae")


def _gru() -> Any:
    model = keras.Sequential(
        [
            keras.Input((7, 5)),
            L.GRU(9, return_sequences=True),
            L.GRU(4, reset_after=False, use_bias=True),
            L.Dense(2, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9), keras.losses.Huber())
    return model, ("SGD", 0.05, "Huber")


def _simple_rnn() -> Any:
    model = keras.Sequential(
        [keras.Input((6, 4)), L.SimpleRNN(10, activation="relu"), L.Dense(3, activation="softmax")]
    )
    model.compile(keras.optimizers.Nadam(0.0005), "sparse_categorical_crossentropy")
    return model, ("Nadam", 0.0005, "sparse_categorical_crossentropy")


def _bidirectional() -> Any:
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 100, 0.9)
    model = keras.Sequential(
        [
            keras.Input((12, 4)),
            L.Bidirectional(L.LSTM(8, return_sequences=True, dropout=0.3)),
            L.Bidirectional(L.GRU(4), merge_mode="sum"),
            L.Dense(3, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.AdamW(schedule), "categorical_crossentropy")
    return model, ("AdamW", 0.01, "categorical_crossentropy")


def _conv1d() -> Any:
    model = keras.Sequential(
        [
            keras.Input((32, 2)),
            L.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="relu"),
            L.MaxPooling1D(2),
            L.Conv1D(4, 5, strides=2),
            L.AveragePooling1D(3, strides=1, padding="same"),
            L.Conv1D(6, 3, padding="same", groups=2),
            L.GlobalAveragePooling1D(),
            L.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adagrad(0.02), "mean_squared_error")
    return model, ("Adagrad", 0.02, "mean_squared_error")


def _conv2d() -> Any:
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            L.Conv2D(8, 3, padding="same", activation="relu"),
            L.BatchNormalization(),
            L.MaxPooling2D(),
            L.Conv2D(16, (3, 5), strides=2, use_bias=False),
            L.AveragePooling2D(2, padding="same"),
            L.Flatten(),
            L.Dropout(0.5),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(3e-4), "sparse_categorical_crossentropy")
    return model, ("Adam", 3e-4, "sparse_categorical_crossentropy")


def _embedding() -> Any:
    model = keras.Sequential(
        [
            keras.Input((20,), dtype="int32"),
            L.Embedding(100, 16),
            L.SpatialDropout1D(0.1),
            L.LSTM(8),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.Adam(0.001), "binary_crossentropy", metrics=["accuracy"])
    return model, ("Adam", 0.001, "binary_crossentropy")


def _convs_misc() -> Any:
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            L.ZeroPadding2D(((1, 2), (0, 1))),
            L.DepthwiseConv2D(3, depth_multiplier=2),
            L.SeparableConv2D(5, 3, padding="same"),
            L.Conv2DTranspose(4, 3, strides=2),
            L.Cropping2D(((1, 0), (2, 1))),
            L.UpSampling2D(2),
            L.GlobalMaxPooling2D(keepdims=True),
            L.Reshape((-1, 4)),
            L.Permute((2, 1)),
            L.Flatten(),
            L.RepeatVector(3),
            L.Conv1D(2, 1),
            L.LayerNormalization(),
            L.GroupNormalization(groups=2),
            L.PReLU(),
            L.Flatten(),
            L.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adamax(0.004), keras.losses.MeanAbsoluteError())
    return model, ("Adamax", 0.004, "MeanAbsoluteError")


def _functional() -> Any:
    a = keras.Input((10, 6), name="series")
    b = keras.Input((5,), name="static")
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(0).normal(size=(50, 5)).astype("float32"))
    shared = L.Dense(6, activation="tanh", name="shared")
    x = L.TimeDistributed(L.Dense(6))(a)
    x = L.MultiHeadAttention(2, 3, name="attn")(x, x)
    x = L.LayerNormalization()(L.Add()([x, shared(a)]))
    x = L.Bidirectional(L.LSTM(4, recurrent_dropout=0.1))(x)
    frozen = L.Dense(4, name="frozen")
    frozen.trainable = False
    y = frozen(norm(b))
    y = shared(L.Dense(6)(L.Concatenate()([y, y])))
    head = keras.Sequential([L.Dense(5, activation="relu"), L.BatchNormalization()], name="head")
    out = L.Dense(1)(head(L.Concatenate()([x, y])))
    model = keras.Model([a, b], out)
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model, ("SGD", 0.01, "mse")


def _attention() -> Any:
    # the third held-out's LSTM with attention, and the other two attention layers' options
    seq = keras.Input((12, 3))
    h = L.LSTM(8, return_sequences=True)(seq)
    last = L.Cropping1D((11, 0))(h)
    ctx = L.Attention()([last, h])
    scaled = L.Attention(use_scale=True, score_mode="concat")([last, h])
    add = L.AdditiveAttention()([last, h])
    plain = L.AdditiveAttention(use_scale=False)([h, h])
    x = L.Concatenate()([ctx, scaled, add, last])
    x = L.Flatten()(x)
    y = L.GlobalAveragePooling1D()(plain)
    out = L.Dense(1)(L.Concatenate()([x, y]))
    model = keras.Model(seq, out)
    model.compile(keras.optimizers.Adam(0.002), "mse")
    return model, ("Adam", 0.002, "mse")


MODELS = {
    "dense": _dense,
    "lstm": _lstm,
    "gru": _gru,
    "simple_rnn": _simple_rnn,
    "bidirectional": _bidirectional,
    "conv1d": _conv1d,
    "conv2d": _conv2d,
    "embedding": _embedding,
    "convs_misc": _convs_misc,
    "functional": _functional,
    "attention": _attention,
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every model built once, saved as .keras and .h5, with what Keras says about it."""
    out: dict[str, dict[str, Any]] = {}
    root = tmp_path_factory.mktemp("models")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, build in MODELS.items():
            keras.utils.set_random_seed(0)
            model, (opt, lr, loss) = build()
            paths = {"keras": root / f"{name}.keras", "h5": root / f"{name}.h5"}
            model.save(paths["keras"])
            model.save(paths["h5"])
            out[name] = {
                "paths": paths,
                "total": int(model.count_params()),
                "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
                "layers": _describe_layers(model),
                "optimizer": opt,
                "lr": lr,
                "loss": loss,
            }
    return out


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_counts_match_keras(saved: dict[str, dict[str, Any]], name: str, fmt: str) -> None:
    want = saved[name]
    facts = read_model_file(want["paths"][fmt])
    assert facts.format == fmt
    assert facts.params.notes == ()
    assert facts.params.total == want["total"]
    assert facts.params.trainable == want["trainable"]
    assert facts.context["params"] == {"total": want["total"], "trainable": want["trainable"]}
    layers = [
        {k: v for k, v in layer.items() if k != "filters"} for layer in facts.context["layers"]
    ]
    assert layers == want["layers"]
    assert sum(layer["params"] for layer in facts.context["layers"]) == want["total"]


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_compile_facts(saved: dict[str, dict[str, Any]], name: str, fmt: str) -> None:
    want = saved[name]
    facts = read_model_file(want["paths"][fmt])
    assert facts.keras_version == keras.__version__
    ctx = facts.context
    assert ctx["optimizer"]["class"] == want["optimizer"]
    assert ctx["learning_rate"] == pytest.approx(want["lr"], rel=1e-6)
    assert ctx["loss"] == want["loss"]
    read = read_context(ctx)
    assert read.optimizer == want["optimizer"]
    assert read.learning_rate == pytest.approx(want["lr"], rel=1e-6)
    assert read.params == want["trainable"]
    assert read.layer_count == len(want["layers"])
    if name == "bidirectional":
        assert ctx["lr_schedule"] == "ExponentialDecay"
        assert read.lr_schedule == "ExponentialDecay"
        assert read.recurrent_layers == 2 and read.recurrent_units == (8, 4)
        assert read.dropout == pytest.approx(0.3)
    if name == "lstm":
        assert read.recurrent_units == (12, 6)
        assert read.dropout == pytest.approx(0.2)
    if name == "dense":
        assert read.regularized is True
        assert ctx["layers"][0]["kernel_regularizer"] == "L2(l2=0.01)"
    if name == "conv2d":
        assert read.normalized is True
        assert [layer.get("filters") for layer in ctx["layers"][:4:3]] == [8, 16]


def test_fragment_carries_the_file(saved: dict[str, dict[str, Any]]) -> None:
    facts = read_model_file(saved["dense"]["paths"]["keras"])
    frag = facts.fragment()
    assert frag.source == "model" and frag.origin == str(saved["dense"]["paths"]["keras"])
    assert frag.values["optimizer"]["class"] == "Adam"


def test_unknown_layer_gives_no_total(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.Lambda(lambda t: t * 2), L.Dense(1)])
    model.compile("adam", "mse")
    path = tmp_path / "lambda.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    facts = read_model_file(path)
    assert facts.params.total is None and "params" not in facts.context
    assert any("Lambda" in note and "not counted" in note for note in facts.notes)
    # the layers around it are still counted (Keras saved their input shapes)
    counted = {c.cls: c.total for c in facts.params.layers}
    assert counted["Lambda"] is None and facts.params.layers[-1].total == 4


def test_uncompiled_model(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), L.Dense(3)])
    path = tmp_path / "plain.keras"
    model.save(path)
    facts = read_model_file(path)
    assert facts.params.total == 15
    assert "optimizer" not in facts.context and "loss" not in facts.context
    assert any("without a compile config" in n for n in facts.notes)


def test_weights_only_h5_is_not_a_model(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), L.Dense(3)])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with pytest.raises(ModelFileError) as info:
        read_model_file(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_reading_a_model_never_imports_a_framework(saved: dict[str, dict[str, Any]]) -> None:
    from test_import_light import _run

    paths = [str(saved["functional"]["paths"]["keras"]), str(saved["functional"]["paths"]["h5"])]
    result = _run(
        textwrap.dedent(
            f"""
            from curvedoc.model_file import read_model_file
            totals = [read_model_file(p).params.total for p in {paths!r}]
            report(totals=totals)
            """
        )
    )
    assert result["attempts"] == [] and result["loaded"] == []
    assert result["totals"] == [saved["functional"]["total"]] * 2


def test_context_is_json(saved: dict[str, dict[str, Any]]) -> None:
    facts = read_model_file(saved["bidirectional"]["paths"]["keras"])
    assert json.loads(json.dumps(facts.context, allow_nan=False)) == facts.context
