"""Weights & Biases tables: a chart's CSV download and a run's history saved as CSV.

The fixtures lay out real recorded Keras runs in W&B's two layouts
(``fixtures/make_wandb_fixture.py``): every value comes from the recorded run, so what the
loader reads can be checked against it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from conftest import CliResult, fixture

import curvedoc
from curvedoc.diagnosis import diagnose

RECORDED = "keras_log/waveforms_classify.curvedoc.json"


def test_a_run_history_reads_as_the_recorded_epoch_logs() -> None:
    rec = curvedoc.load(fixture(RECORDED))
    h = curvedoc.load(fixture("wandb/waveforms_history.csv"))
    assert h.source.format == "wandb-csv"
    # one row per epoch: the batch rows between them are left out, the counter is the axis
    assert h.epochs.tolist() == rec.epochs.tolist()
    assert set(h.epoch_series) == set(rec.epoch_series)
    for key, values in rec.epoch_series.items():
        np.testing.assert_allclose(h.epoch_series[key], values)
    assert [p.name for p in h.pairs()] == ["accuracy", "loss"]
    note = " ".join(h.source.notes)
    assert "W&B" in note and "4 per-batch column(s)" in note and "_runtime" in note


def test_a_chart_download_reads_as_the_runs_own_names_and_diagnoses_the_same(
    tmp_path: Path,
) -> None:
    rec = curvedoc.load(fixture(RECORDED))
    h = curvedoc.load(fixture("wandb/waveforms_chart.csv"))
    assert list(h.epoch_series) == ["loss", "val_loss"]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(h.epoch_series[key], rec.epoch_series[key])
    assert "'waveforms-lstm-3'" in h.source.notes[0] and "__MIN/__MAX" in h.source.notes[0]
    # the same two curves saved as history.history: the same diagnosis, nothing lost
    plain = tmp_path / "history.json"
    plain.write_text(
        json.dumps({k: [float(x) for x in rec.epoch_series[k]] for k in ("loss", "val_loss")})
    )
    a, b = diagnose(curvedoc.load(plain)), diagnose(h)
    assert [(c.category, c.confidence) for c in a.causes] == [
        (c.category, c.confidence) for c in b.causes
    ]
    assert [f.code for f in a.findings] == [f.code for f in b.findings]


def test_a_chart_of_several_runs_is_refused_with_the_runs_named(
    cli: Callable[..., CliResult],
) -> None:
    r = cli("analyze", fixture("wandb/two_runs_chart.csv"))
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1
    assert "2 runs" in lines[0] and "'waveforms-lstm-3'" in lines[0]
    assert "'sine-lstm-lr-high'" in lines[0] and "--train-col" in lines[0]


def test_other_tables_with_dashes_in_their_names_are_left_alone(tmp_path: Path) -> None:
    # a hand-made table whose columns happen to hold " - ": not a W&B export
    path = tmp_path / "log.csv"
    path.write_text("epoch,model a - loss,model b - loss\n0,1.0,2.0\n1,0.5,1.5\n2,0.4,1.2\n")
    h = curvedoc.load(path)
    assert h.source.format == "csv-logger"
    assert list(h.epoch_series) == ["model a - loss", "model b - loss"]


def test_a_chart_plotted_against_the_epoch_counter_reads_it_as_the_epoch(
    tmp_path: Path,
) -> None:
    # the same chart with its x axis set to epoch/epoch: W&B writes that key first
    text = fixture("wandb/waveforms_chart.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.split(",", 1) for line in text]
    rows = [["epoch/epoch", rows[0][1]]] + [[str(i), r[1]] for i, r in enumerate(rows[1:])]
    path = tmp_path / "chart.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    h = curvedoc.load(path)
    rec = curvedoc.load(fixture(RECORDED))
    assert h.source.format == "wandb-csv"
    assert h.epochs.tolist() == rec.epochs.tolist()
    np.testing.assert_allclose(h.epoch_series["val_loss"], rec.epoch_series["val_loss"])
