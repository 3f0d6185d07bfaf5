"""The diagnosis' accuracy on a frozen subset of the calibration corpus, guarded by CI.

``tests/data/accuracy_guard.json`` names up to eight runs of every (mode, label, fault
kind) stratum of the calibration split of ``fixtures/corpus2`` (faults visible in that
mode, healthy recipes and faults too mild to hurt, so runs near every threshold are in),
344 runs in all, chosen by a fixed hash of the run id, and the top-1 hits and false
alarms the shipped rules and weights made on it when the subset was written
(``python benchmarks/accuracy.py --split calibration --write-guard
tests/data/accuracy_guard.json``). A change to a threshold, a rule or the weights that
costs a correct diagnosis or adds a false alarm fails here; so does a missing run file.
The full numbers, on the held-out split too, come from ``benchmarks/accuracy.py``. Raising
``JITTER_HIGH`` from 0.15 to 0.30 fails here (it costs three correct curve-only diagnoses
of the calibration split); ``SMALL_BATCH`` is no longer a decision threshold (the fitted
weights weigh CD306's strength) and changing it changes no diagnosis.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "tests" / "data" / "accuracy_guard.json"
sys.path.insert(0, str(ROOT / "benchmarks"))

from accuracy import diagnose_modes, guard_counts  # noqa: E402


@pytest.fixture(scope="module")
def guard() -> dict:
    if not GUARD.exists():
        pytest.fail(f"{GUARD.relative_to(ROOT)} is missing: it is committed", pytrace=False)
    return json.loads(GUARD.read_text())


@pytest.fixture(scope="module")
def measured(guard: dict) -> dict[str, dict[str, int]]:
    corpus = ROOT / guard["corpus"]
    ids = sorted({r["run_id"] for r in guard["runs"]})
    missing = [i for i in ids if not (corpus / "runs" / f"{i}.json.gz").exists()]
    assert not missing, f"committed corpus runs are missing: {missing[:5]}"
    results = {i: diagnose_modes(str(corpus / "runs" / f"{i}.json.gz")) for i in ids}
    labels = {r["run_id"]: r["label"] for r in guard["runs"]}
    chosen = [(r["mode"], r["run_id"]) for r in guard["runs"]]
    return guard_counts(chosen, labels, results)


@pytest.mark.parametrize("mode", ["bare", "context"])
def test_no_correct_diagnosis_is_lost(guard: dict, measured: dict, mode: str) -> None:
    want, got = guard["expected"][mode], measured[mode]
    assert got["faults"] == want["faults"] and got["healthy"] == want["healthy"]
    assert got["top1"] >= want["top1"], (
        f"{mode}: top-1 fell from {want['top1']} to {got['top1']} of {want['faults']} faults"
    )


@pytest.mark.parametrize("mode", ["bare", "context"])
def test_no_false_alarm_is_added(guard: dict, measured: dict, mode: str) -> None:
    want, got = guard["expected"][mode], measured[mode]
    assert got["alarms"] <= want["alarms"], (
        f"{mode}: false alarms rose from {want['alarms']} to {got['alarms']} of "
        f"{want['healthy']} healthy runs"
    )


def test_the_subset_spans_every_category_and_mode(guard: dict) -> None:
    labels = {(r["mode"], r["label"]) for r in guard["runs"]}
    for mode in ("bare", "context"):
        for label in ("healthy", "unscaled_data", "architecture", "hyperparameters", "data_noise"):
            assert (mode, label) in labels, (mode, label)
