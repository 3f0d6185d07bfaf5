"""Healthy runs whose learning rate changes are healthy runs.

Real Keras runs with ``ReduceLROnPlateau``, a step decay and a cosine decay
(``fixtures/make_schedule_fixture.py``): their curves fall in steps or flatten as the rate
decays, which is the schedule working, not a symptom. Each is read as recorded, as its
``history.history`` (with Keras' ``learning_rate`` column) and with that column removed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fixture

import curvedoc
from curvedoc.diagnosis import diagnose

RUNS = ("sine_plateau", "waveforms_step", "sine_cosine")


@pytest.mark.parametrize("name", RUNS)
def test_a_scheduled_healthy_run_is_healthy_in_every_form(name: str, tmp_path: Path) -> None:
    recorded = fixture(f"schedules/{name}.curvedoc.json")
    history = fixture(f"schedules/{name}.json")
    logs = json.loads(history.read_text(encoding="utf-8"))
    assert len(set(logs["learning_rate"])) > 1  # the rate did change
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({k: v for k, v in logs.items() if k != "learning_rate"}))
    for path in (recorded, history, bare):
        report = diagnose(curvedoc.load(path))
        assert report.healthy, (path.name, [f.code for f in report.findings])
        assert all(f.severity == "info" for f in report.findings)
    # where the rate was logged, the diagnosis knows it moved
    assert diagnose(curvedoc.load(history)).metrics["context"]["lr_varies"] is True


def test_jumps_of_warm_restarts_are_the_schedules_when_the_rate_was_logged(
    tmp_path: Path,
) -> None:
    # the waveforms LSTM with warm restarts (cosine from 0.01 to 1e-4, restarted every 6
    # epochs): validation jumps at each restart (0.63 -> 0.92 at epoch 14)
    history = fixture("schedules/waveforms_restarts.json")
    for path in (fixture("schedules/waveforms_restarts.curvedoc.json"), history):
        report = diagnose(curvedoc.load(path))
        assert report.healthy
        swing = [f for f in report.findings if f.code == "CD316"]
        assert [f.severity for f in swing] == ["info"]
        assert swing[0].evidence["learning_rate_raised"] is True
        assert "raised again" in swing[0].message
    # without the rate, the same swings are all the curves show: still a warning
    logs = json.loads(history.read_text(encoding="utf-8"))
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({k: v for k, v in logs.items() if k != "learning_rate"}))
    report = diagnose(curvedoc.load(bare))
    assert [f.severity for f in report.findings if f.code == "CD316"] == ["warning"]
