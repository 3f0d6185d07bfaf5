"""PyTorch Lightning ``CSVLogger`` files (``metrics.csv``).

The fixtures are real ``Trainer.fit`` runs (``fixtures/make_torch_fixtures.py``); the
expected values are computed here from the file with the csv module, independently of
curvedoc's parser.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, CliResult

import curvedoc
from curvedoc.loaders.lightning import looks_like_lightning
from curvedoc.loaders.parsing import parse_table

Writer = Callable[[str, object], Path]
Cli = Callable[..., CliResult]

SINE = FIXTURES / "lightning" / "sine_lstm" / "version_0" / "metrics.csv"
WAVES = FIXTURES / "lightning" / "waveforms_lstm" / "version_0" / "metrics.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _column(rows: list[dict[str, str]], name: str) -> list[tuple[int, int, float]]:
    """(epoch, step, value) of the rows where ``name`` has a value."""
    return [
        (int(r["epoch"]) if r["epoch"] else -1, int(r["step"]), float(r[name]))
        for r in rows
        if r[name] != ""
    ]


def test_epoch_and_step_series_of_a_real_regression_run() -> None:
    rows = _rows(SINE)
    h = curvedoc.load(SINE)
    assert h.source.format == "lightning-csv"
    epoch_loss = _column(rows, "train_loss_epoch")
    assert h.epochs.tolist() == [e for e, _, _ in epoch_loss] == list(range(12))
    np.testing.assert_allclose(h.epoch_series["loss"], [v for *_, v in epoch_loss])
    np.testing.assert_allclose(
        h.epoch_series["val_loss"], [v for *_, v in _column(rows, "val_loss")]
    )
    np.testing.assert_allclose(h.epoch_series["val_mae"], [v for *_, v in _column(rows, "val_mae")])
    steps = _column(rows, "train_loss_step")
    np.testing.assert_allclose(h.batch_series["loss"], [v for *_, v in steps])
    assert h.batch_steps.tolist() == [s for _, s, _ in steps]
    assert h.batch_epoch_index().tolist() == [e for e, _, _ in steps]
    assert h.context["steps_per_epoch"] == 15  # 480 samples / batch 32
    assert [p.name for p in h.pairs()] == ["loss", "mae"]


def test_slash_names_step_only_training_and_the_learning_rate_monitor() -> None:
    rows = _rows(WAVES)
    h = curvedoc.load(WAVES)
    assert set(h.epoch_series) == {"loss", "acc", "val_loss", "val_acc", "learning_rate"}
    np.testing.assert_allclose(
        h.epoch_series["val_loss"], [v for *_, v in _column(rows, "valid/loss")]
    )
    np.testing.assert_allclose(h.epoch_series["acc"], [v for *_, v in _column(rows, "train/acc")])
    # train/loss is logged per step only: the per-epoch loss is the mean of its logged steps
    by_epoch: dict[int, list[float]] = defaultdict(list)
    for e, _, v in _column(rows, "train/loss"):
        by_epoch[e].append(v)
    np.testing.assert_allclose(h.epoch_series["loss"], [np.mean(by_epoch[e]) for e in range(12)])
    assert any("mean of its logged steps" in n for n in h.source.notes)
    # LearningRateMonitor rows have no epoch: each belongs to the epoch it starts
    # (StepLR halves the rate every 4 epochs)
    np.testing.assert_allclose(
        h.epoch_series["learning_rate"], [0.01] * 4 + [0.005] * 4 + [0.0025] * 4
    )
    acc = next(p for p in h.pairs() if p.name == "accuracy")
    assert (acc.train, acc.val, acc.direction) == ("acc", "val_acc", "higher")


@pytest.mark.parametrize("val_name", ["valid_loss", "val/loss", "validation_loss", "val_loss"])
def test_validation_name_spellings(write: Writer, val_name: str) -> None:
    text = SINE.read_text().replace("val_loss", val_name, 1)
    h = curvedoc.load(write("metrics.csv", text))
    np.testing.assert_allclose(
        h.epoch_series["val_loss"], curvedoc.load(SINE).epoch_series["val_loss"]
    )


def test_detection_by_content() -> None:
    for path in (SINE, WAVES):
        assert looks_like_lightning(*parse_table(path.read_text(), str(path)))
    keras_csvs = sorted(FIXTURES.glob("*.csv"))
    assert keras_csvs, "the Keras CSVLogger fixtures are missing"
    for path in keras_csvs:
        assert not looks_like_lightning(*parse_table(path.read_text(), str(path))), path
        assert curvedoc.load(path).source.format == "csv-logger"


def test_a_dense_table_with_epoch_and_step_is_not_lightning(write: Writer) -> None:
    h = curvedoc.load(write("t.csv", "epoch,step,loss,val_loss\n0,10,1.0,1.1\n1,20,0.8,0.9\n"))
    assert h.source.format != "lightning-csv"


def test_cli_on_the_lightning_version_folder(cli: Cli) -> None:
    # sine_lstm/ holds one run (version_0/metrics.csv): it is analysed as that run
    res = cli("analyze", SINE.parent.parent, "--format", "json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["source"] == {"path": str(SINE), "format": "lightning-csv"}
    loss = out["metrics"]["pairs"]["loss"]
    assert loss["train"]["last"] == pytest.approx(_column(_rows(SINE), "train_loss_epoch")[-1][2])
    assert out["run"]["batches"] == len(_column(_rows(SINE), "train_loss_step"))


def test_empty_metric_columns_are_an_error(cli: Cli, write: Writer) -> None:
    path = write("m.csv", "epoch,step,train_loss_step,val_loss\n0,4,,\n0,9,,\n")
    with pytest.raises(curvedoc.LoadError, match="every metric cell is empty"):
        curvedoc.load(path)
    res = cli("analyze", path)
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1
