"""Column options end to end: ``--train-col``, ``--val-col``, ``--x-col``, ``--metric-name``.

Inputs are real training logs with their columns renamed or laid out the way other tools
write them; expected values come from the same files read without column options.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, CliResult

import curvedoc

Writer = Callable[[str, object], Path]
Cli = Callable[..., CliResult]

KERAS_JSON = FIXTURES / "healthy_lstm_sine.json"
KERAS_CSV = FIXTURES / "healthy_lstm_sine.csv"
CLASSIFY_JSON = FIXTURES / "healthy_gru_classify.json"
LIGHTNING_CSV = FIXTURES / "lightning" / "sine_lstm" / "version_0" / "metrics.csv"


def _keras() -> dict[str, list[float]]:
    return json.loads(KERAS_JSON.read_text())


def _renamed_csv(mapping: dict[str, str]) -> str:
    """The real CSVLogger file with its header renamed (values untouched)."""
    rows = list(csv.reader(io.StringIO(KERAS_CSV.read_text())))
    rows[0] = [mapping.get(h, h) for h in rows[0]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_json_object_with_custom_keys(write: Writer) -> None:
    real = _keras()
    n = len(real["loss"])
    path = write(
        "custom.json",
        {
            "iteration": list(range(100, 100 + n)),
            "train_mse": real["loss"],
            "valid_mse": real["val_loss"],
            "lr": [1e-3] * n,
        },
    )
    h = curvedoc.load(path, train_col="train_mse", val_col="valid_mse", x_col="iteration")
    assert list(h.epoch_series) == ["loss", "val_loss"]
    np.testing.assert_allclose(h.epoch_series["loss"], real["loss"])
    np.testing.assert_allclose(h.epoch_series["val_loss"], real["val_loss"])
    assert h.epochs.tolist() == list(range(100, 100 + n))
    assert h.source.format == "json-columns"


def test_json_records_and_wrapped_history(write: Writer) -> None:
    real = _keras()
    records = [
        {"ep": i, "trn": a, "val": b}
        for i, (a, b) in enumerate(zip(real["loss"], real["val_loss"], strict=True))
    ]
    h = curvedoc.load(write("records.json", records), train_col="trn", val_col="val", x_col="ep")
    np.testing.assert_allclose(h.epoch_series["val_loss"], real["val_loss"])
    wrapped = write("wrapped.json", {"history": {"a": real["loss"]}, "params": {"epochs": 30}})
    h = curvedoc.load(wrapped, train_col="a")
    np.testing.assert_allclose(h.epoch_series["loss"], real["loss"])
    assert "val_loss" not in h.epoch_series


def test_csv_with_renamed_columns_matches_the_csvlogger_reading(write: Writer) -> None:
    reference = curvedoc.load(KERAS_CSV)
    text = _renamed_csv({"epoch": "iter", "loss": "train_mse", "val_loss": "holdout_mse"})
    h = curvedoc.load(
        write("renamed.csv", text), train_col="train_mse", val_col="holdout_mse", x_col="iter"
    )
    np.testing.assert_allclose(h.epoch_series["loss"], reference.epoch_series["loss"])
    np.testing.assert_allclose(h.epoch_series["val_loss"], reference.epoch_series["val_loss"])
    assert h.epochs.tolist() == reference.epochs.tolist()
    assert h.source.format == "csv-columns"


def test_metric_name_sets_the_series_names_and_direction(write: Writer) -> None:
    real = json.loads(CLASSIFY_JSON.read_text())
    path = write("acc.json", {"train_acc": real["accuracy"], "test_acc": real["val_accuracy"]})
    h = curvedoc.load(path, train_col="train_acc", val_col="test_acc", name="accuracy")
    assert list(h.epoch_series) == ["accuracy", "val_accuracy"]
    (pair,) = h.pairs()
    assert pair.direction == "higher"
    report = curvedoc.diagnose(h)
    assert report.metrics["pairs"]["accuracy"]["val"]["best"] == pytest.approx(
        max(real["val_accuracy"])
    )


def test_lightning_sparse_rows_merge_on_the_x_column() -> None:
    # the Lightning reader and the column options must agree on a real metrics.csv
    auto = curvedoc.load(LIGHTNING_CSV)
    h = curvedoc.load(
        LIGHTNING_CSV, train_col="train_loss_epoch", val_col="val_loss", x_col="epoch"
    )
    np.testing.assert_allclose(h.epoch_series["loss"], auto.epoch_series["loss"])
    np.testing.assert_allclose(h.epoch_series["val_loss"], auto.epoch_series["val_loss"])
    assert h.epochs.tolist() == auto.epochs.tolist()
    assert h.source.notes == ()  # one value per epoch in each column: nothing was averaged


def test_only_a_validation_column(write: Writer) -> None:
    real = _keras()
    h = curvedoc.load(write("v.json", {"holdout": real["val_loss"]}), val_col="holdout")
    assert list(h.epoch_series) == ["val_loss"]
    assert h.pairs()[0].train is None


def test_cli_end_to_end_json_report(cli: Cli, write: Writer) -> None:
    real = _keras()
    path = write("c.json", {"step": list(range(len(real["loss"]))), "tr": real["loss"]})
    res = cli("analyze", path, "--train-col", "tr", "--x-col", "step", "--format", "json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["source"]["format"] == "json-columns"
    assert out["metrics"]["pairs"]["loss"]["train"]["first"] == pytest.approx(real["loss"][0])
    assert out["metrics"]["pairs"]["loss"]["train"]["last"] == pytest.approx(real["loss"][-1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--train-col", "nope"), "'nope'"),
        (("--val-col", "nope"), "'nope'"),
        (("--train-col", "train_mse", "--x-col", "nope"), "--x-col 'nope'"),
        (("--x-col", "iter"), "--train-col or --val-col"),
    ],
)
def test_cli_bad_column_options_are_one_line_errors(
    cli: Cli, write: Writer, args: tuple[str, ...], message: str
) -> None:
    for name, content in (
        ("bad.csv", _renamed_csv({"epoch": "iter", "loss": "train_mse"})),
        ("bad.json", {"iter": [0, 1, 2], "train_mse": [3.0, 2.0, 1.0]}),
    ):
        res = cli("analyze", write(name, content), *args)
        assert res.code == 2, (name, res)
        assert res.out == ""
        assert len(res.err.strip().splitlines()) == 1
        assert name in res.err and message in res.err, res.err
        assert "Traceback" not in res.err


def test_column_options_on_a_tensorboard_run_are_refused(cli: Cli) -> None:
    run = FIXTURES / "tensorboard" / "torch_sine"
    res = cli("analyze", run, "--train-col", "Loss/train")
    assert res.code == 2
    assert "TensorBoard" in res.err and len(res.err.strip().splitlines()) == 1


def test_column_options_apply_to_every_run_of_a_folder(cli: Cli, write: Writer) -> None:
    real = _keras()
    write("sweep/a/log.json", {"tr": real["loss"], "va": real["val_loss"]})
    b = write("sweep/b/log.json", {"tr": real["loss"][:20], "va": real["val_loss"][:20]})
    res = cli("analyze", b.parent.parent, "--train-col", "tr", "--val-col", "va", "-f", "json")
    assert res.code == 0, res.err
    runs = json.loads(res.out)["runs"]
    assert sorted(r["epochs"] for r in runs) == [20, len(real["loss"])]
    assert all(r["status"] == "ok" and r["format"] == "json-columns" for r in runs)


def test_fractional_x_values_are_not_merged_into_whole_numbers(write: Writer) -> None:
    # loggers that count epochs in fractions (0.25, 0.5, ...) must not have rows averaged
    real = _keras()["loss"][:8]
    lines = ["progress,train_loss"] + [f"{(i + 1) / 4},{v!r}" for i, v in enumerate(real)]
    h = curvedoc.load(
        write("frac.csv", "\n".join(lines) + "\n"), train_col="train_loss", x_col="progress"
    )
    np.testing.assert_allclose(h.epoch_series["loss"], real)
    assert h.epochs.tolist() == list(range(8))
    assert any("not whole numbers" in n for n in h.source.notes)


def test_repeated_x_values_are_averaged_and_said_so(write: Writer) -> None:
    real = _keras()["loss"][:6]
    lines = ["ep,l"] + [f"{i // 2},{v!r}" for i, v in enumerate(real)]
    h = curvedoc.load(write("rep.csv", "\n".join(lines) + "\n"), train_col="l", x_col="ep")
    np.testing.assert_allclose(h.epoch_series["loss"], np.asarray(real).reshape(3, 2).mean(axis=1))
    assert any("averaged" in n for n in h.source.notes)


def test_an_infinite_value_stays_a_divergence(cli: Cli, write: Writer) -> None:
    real = _keras()["loss"][:12]
    cells = [repr(v) for v in real[:9]] + ["inf", "inf", "inf"]
    lines = ["it,l"] + [f"{i},{c}" for i, c in enumerate(cells)]
    path = write("inf.csv", "\n".join(lines) + "\n")
    h = curvedoc.load(path, train_col="l", x_col="it")
    assert np.isinf(h.epoch_series["loss"][9:]).all()
    res = cli("analyze", path, "--train-col", "l", "--x-col", "it", "-f", "json")
    pair = json.loads(res.out)["metrics"]["pairs"]["loss"]
    assert pair["train"]["nonfinite_epoch"] == 9
