"""``benchmarks/label_ceiling.py``: the with-context ceiling the corpus labels allow."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from label_ceiling import SYMPTOMS, ceiling  # noqa: E402


def _row(category: str, label: str, kind: str, grade: str, *, curve: bool = False) -> dict:
    row = {
        "category": category,
        "label": label,
        "fault_kind": kind,
        "gradation": grade,
        "curve_visible": str(curve and label != "healthy"),
        "context_visible": str(label != "healthy"),
    }
    row.update({f"sym_{s}": "False" for s in SYMPTOMS})
    if curve:
        row["sym_oscillates"] = "True"
    return row


def test_the_oracle_takes_the_majority_of_each_setting_and_counts_what_it_costs() -> None:
    rows = [_row("healthy", "healthy", "healthy", "ref") for _ in range(10)]
    rows += [_row("hyper", "hyper", "lr_high", "x100", curve=True) for _ in range(4)]
    # batch 8: 3 runs hurt, 1 not (symptom-free): the oracle calls the group a fault
    rows += [_row("hyper", "hyper", "batch_small", "8") for _ in range(3)]
    rows += [_row("hyper", "healthy", "batch_small", "8")]
    # batch 16: 1 hurt, 3 not: called healthy, its fault lost
    rows += [_row("hyper", "hyper", "batch_small", "16")]
    rows += [_row("hyper", "healthy", "batch_small", "16") for _ in range(3)]
    c = ceiling(rows, budget=0.0)
    assert (c["context_visible"], c["curve_visible"], c["healthy"]) == (8, 4, 14)
    assert c["top1"] == pytest.approx(7 / 8)  # 4 curve-visible + 3 of batch 8
    assert c["alarms"] == pytest.approx(1 / 14)  # batch 8's unhurt run
    # with no false alarm allowed, only the curve-visible faults are left
    assert c["top1_in_budget"] == pytest.approx(4 / 8)
    assert ceiling(rows, budget=0.1)["top1_in_budget"] == pytest.approx(7 / 8)


def test_the_curve_oracle_pays_for_symptoms_healthy_runs_share() -> None:
    from label_ceiling import curve_ceiling

    rows = [_row("healthy", "healthy", "healthy", "ref") for _ in range(18)]
    slow = _row("healthy", "healthy", "healthy", "small")
    slow["sym_unconverged"] = "True"
    rows += [dict(slow), dict(slow)]  # two healthy recipes still falling at the end
    fault = _row("hyper", "hyper", "lr_low", "d10")
    fault["sym_unconverged"], fault["curve_visible"] = "True", "True"
    rows += [dict(fault) for _ in range(6)]
    rows += [_row("hyper", "hyper", "lr_high", "x100", curve=True) for _ in range(4)]
    c = curve_ceiling(rows, budget=0.05)  # one false alarm allowed of 20: not enough
    assert (c["faults"], c["healthy"], c["with_symptom"]) == (10, 20, 2)
    assert c["called_healthy"] == pytest.approx(6 / 10) and c["alarms"] == 0.0
    c = curve_ceiling(rows, budget=0.1)  # two allowed: the unconverged group is flagged
    assert c["called_healthy"] == 0.0 and c["alarms"] == pytest.approx(2 / 20)
