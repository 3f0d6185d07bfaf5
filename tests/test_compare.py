"""``curvedoc compare``: same metrics side by side, honest verdicts, exit codes."""

from __future__ import annotations

import json
import math

import pytest
from conftest import fixture
from report_factory import synthetic_history

import curvedoc
from curvedoc.compare import (
    JITTER_FLOOR,
    change_threshold,
    comparable_units,
    compare_reports,
    run_metrics,
    unique_labels,
)
from curvedoc.render.html import render_comparison_html
from curvedoc.render.markdown import render_comparison_markdown
from curvedoc.render.terminal import render_comparison_terminal


def report(**kw):
    return curvedoc.diagnose(synthetic_history(**kw))


def verdict(base, other):
    return compare_reports([base, other], ["base", "other"]).verdicts[0]


def test_threshold_shrinks_with_epochs_to_the_tolerance() -> None:
    short, long = change_threshold(40, 40), change_threshold(5000, 5000)
    assert short > long
    assert long == pytest.approx(math.log1p(0.25))
    assert change_threshold(5000, 5000, tolerance=0.5) == pytest.approx(math.log1p(0.5))


def test_noisier_validation_is_worse_and_the_reverse_is_better() -> None:
    calm = report(n=200, noise=0.02, seed=1)
    noisy = report(n=200, noise=0.02, val_noise=0.12, seed=2)
    assert verdict(calm, noisy).aspect("fluctuation").outcome == "worse"
    assert verdict(noisy, calm).aspect("fluctuation").outcome == "better"


def test_another_seed_of_the_same_setup_is_same() -> None:
    outcomes = [
        verdict(report(n=60, noise=0.05, seed=s), report(n=60, noise=0.05, seed=s + 1))
        .aspect("fluctuation")
        .outcome
        for s in range(0, 20, 2)
    ]
    assert outcomes.count("same") >= 8, outcomes


def test_scaling_the_loss_changes_no_fluctuation_verdict_and_blocks_loss_claims() -> None:
    a = report(n=80, noise=0.04, seed=5)
    scaled = report(n=80, noise=0.04, seed=5, scale=1e6)
    v = verdict(a, scaled)
    fl = v.aspect("fluctuation")
    assert fl.outcome == "same"
    assert fl.measures["jitter_ratio"] == pytest.approx(1.0, rel=1e-6)
    assert v.aspect("final validation loss").outcome == "not comparable"
    assert v.aspect("best validation loss").outcome == "not comparable"
    assert "different" in v.aspect("final validation loss").detail or "apart" in (
        v.aspect("final validation loss").detail
    )


def test_lower_final_loss_in_the_same_units_is_better() -> None:
    a = report(n=60, noise=0.01, seed=6)
    b = report(n=60, noise=0.01, seed=6, scale=0.6)  # 40 % lower everywhere, same units
    v = verdict(a, b)
    assert v.aspect("final validation loss").outcome == "better"
    assert verdict(b, a).aspect("final validation loss").outcome == "worse"


def test_a_run_that_did_not_learn_has_no_fluctuation_to_compare() -> None:
    from curvedoc.history import History, SourceInfo

    flat = History(
        epochs=range(30),
        epoch_series={
            "loss": [1e6 * (1 - 1e-5 * e) for e in range(30)],
            "val_loss": [1.1e6 * (1 - 1e-5 * e) for e in range(30)],
        },
        source=SourceInfo("flat", "synthetic"),
    )
    v = verdict(curvedoc.diagnose(flat), report(n=30))
    assert v.aspect("fluctuation").outcome == "not comparable"
    assert "barely learned" in v.aspect("fluctuation").detail


def test_steady_values_below_the_floor_are_not_changes() -> None:
    a = report(n=400, noise=0.0005, seed=7)
    b = report(n=400, noise=0.002, seed=8)
    ra, rb = run_metrics(a, "a"), run_metrics(b, "b")
    assert ra.val_jitter is not None and rb.val_jitter is not None
    assert ra.val_jitter < JITTER_FLOOR and rb.val_jitter < JITTER_FLOOR
    assert verdict(a, b).aspect("fluctuation").outcome == "same"


def test_recorded_target_scale_decides_units() -> None:
    raw = fixture("unscaled_lstm_prices.curvedoc.json")
    scaled = fixture("healthy_lstm_sine.curvedoc.json")
    a = run_metrics(curvedoc.diagnose(curvedoc.load(raw)), "raw")
    b = run_metrics(curvedoc.diagnose(curvedoc.load(scaled)), "scaled")
    ok, why = comparable_units(a, b)
    assert not ok and "target" in why
    assert comparable_units(a, a)[0]


def test_rows_are_the_same_metrics_for_every_run() -> None:
    cmp = compare_reports([report(seed=1), report(seed=2), report(seed=3)])
    keys = [r.key for r in cmp.rows]
    for needed in (
        "diagnosis",
        "final_val",
        "best_val",
        "train_jitter",
        "val_jitter",
        "val_nsr",
        "spikes",
        "gap",
        "onset",
    ):
        assert needed in keys
    assert all(len(r.values) == 3 for r in cmp.rows)
    assert len(cmp.verdicts) == 2


def test_unique_labels() -> None:
    assert unique_labels(["x/a.json", "y/b.csv"]) == ["a", "b"]
    assert unique_labels(["x/run.json", "y/run.json"]) == ["1:run", "2:run"]


def test_renderers_escape_and_agree() -> None:
    hostile = "<script>x</script>|[bold]"
    a = curvedoc.diagnose(synthetic_history(name=hostile, path="a<b>.json", seed=1))
    b = curvedoc.diagnose(synthetic_history(name=hostile, path="b.json", seed=2, val_noise=0.2))
    cmp = compare_reports([a, b])
    html = render_comparison_html(cmp)
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    md = render_comparison_markdown(cmp)
    assert "<script>" not in md
    text = render_comparison_terminal(cmp, width=100, color=False)
    assert "[bold]" in text
    outcome = cmp.verdicts[0].aspect("fluctuation").outcome
    for out in (html, md, text.lower()):
        assert outcome in out.lower()


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def two_runs(write):
    from conftest import healthy_history_dict

    calm = write("calm.json", healthy_history_dict(n=60, seed=1))
    noisy_hist = healthy_history_dict(n=60, seed=2)
    noisy_hist["val_loss"] = [
        v * (1.6 if i % 2 else 0.6) for i, v in enumerate(noisy_hist["val_loss"])
    ]
    noisy = write("noisy.json", noisy_hist)
    return calm, noisy


def test_cli_compare_text_and_json(cli, two_runs) -> None:
    calm, noisy = two_runs
    res = cli("compare", calm, noisy, "--width", "100")
    assert res.code == 0, res.err
    assert "noisy vs calm" in res.out and "Side by side" in res.out
    res = cli("compare", calm, noisy, "--format", "json")
    data = json.loads(res.out)
    assert data["kind"] == "comparison" and data["baseline"] == "calm"
    fl = next(a for a in data["verdicts"][0]["aspects"] if a["aspect"] == "fluctuation")
    assert fl["outcome"] == "worse"


def test_cli_fail_on_worse(cli, two_runs) -> None:
    calm, noisy = two_runs
    assert cli("compare", calm, noisy, "--fail-on", "worse").code == 1
    assert cli("compare", noisy, calm, "--fail-on", "worse").code == 0


def test_cli_writes_files_by_suffix(cli, two_runs, tmp_path) -> None:
    calm, noisy = two_runs
    for name, marker in (("cmp.md", "## curvedoc compare"), ("cmp.html", "<!doctype html>")):
        out = tmp_path / name
        res = cli("compare", calm, noisy, "-o", out)
        assert res.code == 0
        assert out.read_text(encoding="utf-8").startswith(marker)
        assert "wrote" in res.err


@pytest.mark.parametrize(
    "args",
    [
        ("ONE",),
        ("ONE", "missing.json"),
        ("ONE", "ONE", "-o", "out.xyz"),
        ("ONE", "ONE", "--tolerance", "-1"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(cli, two_runs, args, tmp_path) -> None:
    calm, _ = two_runs
    argv = [
        str(calm) if a == "ONE" else str(tmp_path / a) if a.endswith((".json", ".xyz")) else a
        for a in args
    ]
    res = cli("compare", *argv)
    assert res.code == 2
    assert res.err.count("\n") == 1 and res.err.startswith("curvedoc: error:")
    assert "Traceback" not in res.err
