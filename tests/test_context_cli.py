"""Context on the command line: ``--context``, ``--context-file``, sidecars and ``--model``.

The facts reach the diagnosis (``metrics.context``), the report says where each came from
(``run.context_sources``, the ``context:`` line), precedence is the documented one, and
every mistake is exit 2 with one line. The model files are real: built and saved with
Keras here (``.keras`` and legacy ``.h5``), read back by curvedoc without Keras.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, CliResult, fixture

from curvedoc.context_input import CONTEXT_KEYS

Cli = Callable[..., CliResult]

SCHEMA = json.loads((ROOT / "curvedoc" / "schema" / "report.schema.json").read_text("utf-8"))

LR_HIGH = "lr_high_lstm.csv"
"""An LSTM trained with Adam at 0.3, batch 32, 1,486/394 samples, 4,385 parameters."""


@pytest.fixture
def run_csv(tmp_path: Path) -> Path:
    path = tmp_path / "training.csv"
    shutil.copy(fixture(LR_HIGH), path)
    return path


def _json(result: CliResult) -> dict[str, Any]:
    assert result.code == 0, result.err
    doc: dict[str, Any] = json.loads(result.out)
    jsonschema.validate(doc, SCHEMA)
    return doc


def _one_line_error(result: CliResult) -> str:
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("curvedoc: error: ")
    return lines[0]


# -- --context ------------------------------------------------------------------------------


def test_context_facts_reach_the_diagnosis_and_say_where_they_came_from(
    cli: Cli, run_csv: Path
) -> None:
    bare = _json(cli("analyze", run_csv, "--format", "json"))
    assert bare["metrics"]["context"]["known"] is False
    assert bare["run"]["context_sources"] == {} and bare["run"]["context_origins"] == {}
    doc = _json(
        cli(
            "analyze",
            run_csv,
            "--format",
            "json",
            *("--context", "optimizer=ADAM", "--context", "learning_rate=3e-1"),
            *("--context", "batch_size=32", "--context", "train_samples=1,486"),
            *("--context", "val_samples=394", "--context", "params=4385"),
        )
    )
    facts = doc["metrics"]["context"]
    assert facts["optimizer"] == "Adam" and facts["learning_rate"] == pytest.approx(0.3)
    assert (facts["batch_size"], facts["train_samples"], facts["val_samples"]) == (32, 1486, 394)
    assert facts["params"] == 4385
    assert set(doc["run"]["context_sources"].values()) == {"--context"}
    assert doc["run"]["context_recorded"] is True
    assert doc["causes"][0]["category"] == "hyperparameters"
    assert "CD303" in doc["causes"][0]["findings"]  # the learning rate, given as a fact
    text = cli("analyze", run_csv, "--context", "learning_rate=0.3", "--width", "200")
    assert text.code == 0
    assert "context: learning_rate from --context" in text.out


def test_task_given_as_a_fact_reaches_the_task_inference(cli: Cli, run_csv: Path) -> None:
    doc = _json(cli("analyze", run_csv, "--format", "json", "--context", "task=Classification"))
    assert doc["task"]["kind"] == "classification"
    assert doc["task"]["reason"] == "given as a fact"
    assert doc["metrics"]["context"]["task"] == "classification"


SCALED_UP = ROOT / "fixtures" / "corpus2" / "runs" / "sine__lstm__x_scale_1000__s1.json.gz"
"""A real LSTM run whose inputs were multiplied by 1,000 (recorded RMS 1,414): its curves
alone look like an ordinary run."""


def test_scale_facts_show_what_only_the_data_could(cli: Cli, tmp_path: Path) -> None:
    from curvedoc import load, names

    recorded = load(SCALED_UP)
    logs = {
        k: [float(v) for v in a]
        for k, a in recorded.epoch_series.items()
        if not names.is_learning_rate(k)
    }
    path = tmp_path / "history.json"
    path.write_text(json.dumps(logs))
    bare = _json(cli("analyze", path, "--format", "json"))
    assert not any(c["category"] == "unscaled_data" for c in bare["causes"][:1])
    doc = _json(cli("analyze", path, "--format", "json", "--context", "input_scale=1.41e3"))
    assert doc["causes"][0]["category"] == "unscaled_data"
    assert "CD101" in doc["causes"][0]["findings"]
    assert doc["metrics"]["context"]["input_rms_max"] == pytest.approx(1410)
    assert doc["run"]["context_sources"] == {"input_scale": "--context"}
    scaled = _json(cli("analyze", path, "--format", "json", "--context", "input_scale=1"))
    assert not any(f["code"] == "CD101" and f["severity"] != "info" for f in scaled["findings"])


@pytest.mark.parametrize(
    ("fact", "says"),
    [
        ("lr=0.1", "--context: unknown key 'lr' (did you mean 'learning_rate'?); valid keys"),
        ("batch_size=abc", "--context batch_size=abc: a positive whole number is needed"),
        ("learning_rate=-1", "--context learning_rate=-1: a positive number is needed"),
        ("optimizer=adamx", "'adamx' is not a Keras optimizer"),
        ("task=ranking", "the task is classification or regression"),
        ("batch_size", "expected KEY=VALUE"),
        ("batch_size=", "no value given"),
        ("input_scale=0", "--context input_scale=0: a positive number is needed"),
        ("target_scale=big", "--context target_scale=big: a positive number is needed"),
    ],
)
def test_a_wrong_fact_is_a_usage_error_listing_the_valid_keys(
    cli: Cli, run_csv: Path, fact: str, says: str
) -> None:
    line = _one_line_error(cli("analyze", run_csv, "--context", fact))
    assert says in line
    assert "valid keys: " + ", ".join(CONTEXT_KEYS) in line


def test_compare_takes_the_same_facts_for_every_run(cli: Cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    shutil.copy(fixture(LR_HIGH), a)
    shutil.copy(fixture("healthy_lstm_sine.csv"), b)
    result = cli("compare", a, b, "--format", "json", "--context", "batch_size=32")
    assert result.code == 0, result.err
    assert json.loads(result.out)["runs"]
    line = _one_line_error(cli("compare", a, b, "--context", "batchsize=32"))
    assert "unknown key 'batchsize'" in line and "valid keys:" in line


# -- --context-file and sidecars ---------------------------------------------------------------


def test_context_file_json_and_toml(cli: Cli, run_csv: Path, tmp_path: Path) -> None:
    (tmp_path / "facts.json").write_text(
        json.dumps({"optimizer": "sgd", "learning_rate": 0.3, "batch_size": 16})
    )
    (tmp_path / "facts.toml").write_text(
        'optimizer = "RMSprop"\nlearning_rate = 0.002\nloss = "MeanSquaredError"\n\n'
        '[[layers]]\nclass = "LSTM"\nunits = 32\ndropout = 0.2\n\n'
        '[[layers]]\nclass = "Dense"\nunits = 1\n'
    )
    doc = _json(cli("analyze", run_csv, "-f", "json", "--context-file", tmp_path / "facts.json"))
    assert doc["metrics"]["context"]["optimizer"] == "SGD"
    assert doc["metrics"]["context"]["batch_size"] == 16
    assert doc["run"]["context_origins"] == {"context-file": str(tmp_path / "facts.json")}
    doc = _json(
        cli(
            "analyze",
            run_csv,
            "-f",
            "json",
            *("--context-file", tmp_path / "facts.toml", "--context", "learning_rate=0.01"),
        )
    )
    facts, sources = doc["metrics"]["context"], doc["run"]["context_sources"]
    assert facts["optimizer"] == "RMSprop" and facts["loss"] == "mean_squared_error"
    assert facts["recurrent_layers"] == 1 and facts["dropout"] == pytest.approx(0.2)
    assert facts["learning_rate"] == pytest.approx(0.01)  # --context beats the file
    assert sources == {
        "optimizer": "context-file",
        "learning_rate": "--context",
        "loss": "context-file",
        "layers": "context-file",
    }


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("bad.json", "{", "not valid JSON"),
        ("bad.toml", "x = ", "not valid TOML"),
        ("keys.json", '{"lr": 0.1}', "key 'lr' (did you mean 'learning_rate'?); valid keys:"),
        ("value.json", '{"batch_size": -3}', "batch_size = -3"),
        ("list.json", "[1, 2]", "must hold an object of facts"),
    ],
)
def test_a_bad_context_file_is_one_line(
    cli: Cli, run_csv: Path, tmp_path: Path, name: str, content: str, says: str
) -> None:
    (tmp_path / name).write_text(content)
    line = _one_line_error(cli("analyze", run_csv, "--context-file", tmp_path / name))
    assert str(tmp_path / name) in line and says in line


def test_a_missing_context_file_is_one_line(cli: Cli, run_csv: Path, tmp_path: Path) -> None:
    line = _one_line_error(cli("analyze", run_csv, "--context-file", tmp_path / "nope.json"))
    assert "nope.json: cannot be read" in line


def test_a_sidecar_is_picked_up_noted_and_overridden(
    cli: Cli, run_csv: Path, tmp_path: Path
) -> None:
    sidecar = tmp_path / "training.context.json"
    sidecar.write_text(json.dumps({"learning_rate": 0.3, "batch_size": 32, "train_samples": 1486}))
    doc = _json(cli("analyze", run_csv, "-f", "json", "--context", "batch_size=64"))
    assert doc["metrics"]["context"]["learning_rate"] == pytest.approx(0.3)
    assert doc["metrics"]["context"]["batch_size"] == 64
    assert doc["run"]["context_sources"] == {
        "learning_rate": "sidecar",
        "batch_size": "--context",
        "train_samples": "sidecar",
    }
    assert doc["run"]["context_origins"] == {"sidecar": str(sidecar)}
    assert any(n.startswith(f"read context from {sidecar}") for n in doc["notes"])
    md = cli("analyze", run_csv, "--format", "markdown", "--context", "batch_size=64")
    assert md.code == 0
    assert "context: batch\\_size from --context; learning\\_rate, train\\_samples from" in md.out
    # gzip-compressed and JSON histories share the stem; a bad sidecar is one line
    sidecar.write_text('{"batch_size": 0}')
    line = _one_line_error(cli("analyze", run_csv))
    assert str(sidecar) in line and "batch_size = 0" in line


def test_a_folder_scan_never_takes_a_sidecar_for_a_run(cli: Cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(fixture(LR_HIGH), runs / "a.csv")
    (runs / "a.context.json").write_text('{"learning_rate": 0.3, "optimizer": "adam"}')
    one = _json(cli("analyze", runs, "--format", "json"))  # one run, not two
    assert one["run"]["context_sources"] == {"learning_rate": "sidecar", "optimizer": "sidecar"}
    shutil.copy(fixture("healthy_lstm_sine.csv"), runs / "b.csv")
    table = cli("analyze", runs, "--format", "json", "--context", "batch_size=32")
    assert table.code == 0, table.err
    doc = json.loads(table.out)
    assert sorted(r["name"] for r in doc["runs"]) == ["a.csv", "b.csv"]
    assert (doc["totals"]["runs"], doc["totals"]["failed"]) == (2, 0)
    reports = tmp_path / "reports"
    result = cli(
        "analyze", runs, "--report-dir", reports, "--format", "json", "--context", "batch_size=32"
    )
    assert result.code == 0
    a = json.loads((reports / "a.report.json").read_text())
    assert a["run"]["context_sources"]["batch_size"] == "--context"
    assert a["run"]["context_sources"]["learning_rate"] == "sidecar"


# -- --model -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The fixture's model, saved compiled and untrained as .keras and .h5 (with Keras)."""
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    import warnings

    root = tmp_path_factory.mktemp("models")
    model = keras.Sequential(
        [keras.Input((24, 1)), keras.layers.LSTM(32), keras.layers.Dense(1)], name="prices"
    )
    model.compile(keras.optimizers.Adam(0.3), "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(root / "model.keras")
        model.save(root / "model.h5")
    bn = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    bn.compile(keras.optimizers.SGD(0.01, momentum=0.9), "mae")
    bn.save(root / "bn.keras")
    trainable = sum(int(w.numpy().size) for w in bn.trainable_weights)
    return {
        "keras": root / "model.keras",
        "h5": root / "model.h5",
        "params": int(model.count_params()),
        "bn": root / "bn.keras",
        "bn_total": int(bn.count_params()),
        "bn_trainable": trainable,
    }


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["keras", "h5"])
def test_a_saved_model_gives_its_facts(
    cli: Cli, run_csv: Path, models: dict[str, Any], kind: str
) -> None:
    doc = _json(cli("analyze", run_csv, "--format", "json", "--model", models[kind]))
    facts = doc["metrics"]["context"]
    assert facts["optimizer"] == "Adam" and facts["learning_rate"] == pytest.approx(0.3)
    assert facts["loss"] == "mse" and facts["params"] == models["params"] == 4385
    assert facts["recurrent_layers"] == 1 and facts["recurrent_units"] == [32]
    assert doc["run"]["context_origins"] == {"model": str(models[kind])}
    assert set(doc["run"]["context_sources"].values()) == {"model"}
    assert "CD303" in doc["causes"][0]["findings"]
    text = cli("analyze", run_csv, "--model", models[kind], "--width", "200")
    assert f"optimizer, learning_rate, loss, params, layers from --model {models[kind]}" in text.out


@pytest.mark.keras
def test_model_then_context_file_then_context(
    cli: Cli, run_csv: Path, models: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "f.json").write_text('{"learning_rate": 0.01, "batch_size": 8}')
    (tmp_path / "training.context.json").write_text('{"loss": "mae", "optimizer": "sgd"}')
    doc = _json(
        cli(
            "analyze",
            run_csv,
            "-f",
            "json",
            *("--model", models["keras"], "--context-file", tmp_path / "f.json"),
            *("--context", "batch_size=4"),
        )
    )
    sources, facts = doc["run"]["context_sources"], doc["metrics"]["context"]
    assert sources["optimizer"] == "model" and facts["optimizer"] == "Adam"  # model > sidecar
    assert sources["loss"] == "model" and facts["loss"] == "mse"
    assert sources["learning_rate"] == "context-file" and facts["learning_rate"] == 0.01
    assert sources["batch_size"] == "--context" and facts["batch_size"] == 4
    assert set(doc["run"]["context_origins"]) == {"model", "context-file"}  # sidecar outvoted


@pytest.mark.keras
def test_params_from_the_model_and_from_context_agree(
    cli: Cli, run_csv: Path, models: dict[str, Any]
) -> None:
    """``params`` is the total count; a model file also knows the trainable part.

    Without non-trainable weights both ways give the diagnosis the same number; with
    batch normalisation the model file's trainable count is used, and a stated
    ``params`` replaces it as a whole.
    """
    by_model = _json(cli("analyze", run_csv, "-f", "json", "--model", models["keras"]))
    by_fact = _json(cli("analyze", run_csv, "-f", "json", "--context", "params=4385"))
    assert by_model["metrics"]["context"]["params"] == by_fact["metrics"]["context"]["params"]
    bn = _json(cli("analyze", run_csv, "-f", "json", "--model", models["bn"]))
    assert models["bn_trainable"] < models["bn_total"]
    assert bn["metrics"]["context"]["params"] == models["bn_trainable"]
    assert bn["metrics"]["context"]["momentum"] == pytest.approx(0.9)
    stated = _json(
        cli("analyze", run_csv, "-f", "json", "--model", models["bn"], "--context", "params=1000")
    )
    assert stated["metrics"]["context"]["params"] == 1000


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a model at all", "is not a Keras model"),
        (b"PK\x03\x04 truncated zip", "corrupt or truncated"),
        (b"\x89HDF\r\n\x1a\n" + b"\x00" * 64, "corrupt or unreadable HDF5"),
    ],
)
def test_a_file_that_is_not_a_model_is_one_line(
    cli: Cli, run_csv: Path, tmp_path: Path, content: bytes, says: str
) -> None:
    bad = tmp_path / "bad.keras"
    bad.write_bytes(content)
    line = _one_line_error(cli("analyze", run_csv, "--model", bad))
    assert str(bad) in line and says in line


def test_a_missing_or_directory_model_is_one_line(cli: Cli, run_csv: Path, tmp_path: Path) -> None:
    assert "cannot be read" in _one_line_error(
        cli("analyze", run_csv, "--model", tmp_path / "none.keras")
    )
    assert "is a directory" in _one_line_error(cli("analyze", run_csv, "--model", tmp_path))


def test_the_model_is_read_before_any_run_is_loaded(cli: Cli, tmp_path: Path) -> None:
    """A bad --model is reported even when the history would fail too (options first)."""
    (tmp_path / "m.keras").write_bytes(b"junk")
    line = _one_line_error(
        cli("analyze", tmp_path / "missing.csv", "--model", tmp_path / "m.keras")
    )
    assert "m.keras" in line
