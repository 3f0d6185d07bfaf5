"""Many runs at once: ``curvedoc analyze runs/`` (folders, several paths, globs).

The sweeps are built from the real fixtures (Keras JSON/CSV/recorder files, TensorBoard and
Lightning runs) copied into a temporary folder; each run's summary is checked against the
single-run analysis of the same file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, CliResult

import curvedoc
from curvedoc.batch import (
    JITTER_SCALE,
    collect_targets,
    is_multi_run,
    plan_workers,
    report_file_names,
    stability_of,
)

Cli = Callable[..., CliResult]

KERAS = ["healthy_lstm_sine", "lr_high_lstm", "healthy_gru_classify", "overfit_lstm_big"]


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A folder of runs in several formats, one per subfolder, plus one broken file."""
    root = tmp_path / "runs"
    for name in KERAS:
        (root / name).mkdir(parents=True)
        shutil.copy(FIXTURES / f"{name}.json", root / name / "history.json")
    shutil.copy(FIXTURES / "lr_low_gru.csv", root / "lr_low_gru.csv")
    shutil.copytree(FIXTURES / "tensorboard" / "keras_waveforms_batch", root / "tb_keras")
    shutil.copytree(FIXTURES / "lightning" / "sine_lstm", root / "lightning")
    (root / "broken").mkdir()
    (root / "broken" / "history.json").write_text('{"loss": [0.5, 0.4, ')  # truncated
    return root


def _single(path: Path) -> dict[str, object]:
    return curvedoc.diagnose(curvedoc.load(path)).to_dict()


def test_folder_of_runs_json_summary(cli: Cli, sweep: Path) -> None:
    res = cli("analyze", sweep, "--format", "json")
    assert res.code == 2  # one run could not be loaded; the others are still analysed
    out = json.loads(res.out)
    assert out["kind"] == "curvedoc-batch" and out["schema_version"] == 1
    runs = out["runs"]
    ok = [r for r in runs if r["status"] == "ok"]
    healthy = sum(1 for r in ok if r["healthy"])
    assert out["totals"] == {"runs": 8, "analysed": 7, "failed": 1, "healthy": healthy}
    assert [r["rank"] for r in ok] == list(range(1, 8))
    scores = [r["stability"] for r in ok]
    assert scores == sorted(scores, reverse=True)
    (bad,) = [r for r in runs if r["status"] == "error"]
    assert bad["name"] == "broken/history.json" and "truncated" in bad["error"]
    assert runs[-1] == bad  # failures come last
    assert "broken/history.json" in res.err and "truncated" in res.err
    # each summary agrees with the single-run analysis of the same path
    for r in ok:
        single = _single(Path(r["path"]))
        assert r["healthy"] == single["healthy"]
        assert r["format"] == single["source"]["format"]  # type: ignore[index]
        causes = single["causes"]
        if causes:
            assert r["top_category"] == causes[0]["category"]  # type: ignore[index]
            assert r["top_confidence"] == pytest.approx(causes[0]["confidence"], abs=1e-4)  # type: ignore[index]
        else:
            assert r["top_category"] is None
    formats = {r["name"]: r["format"] for r in ok}
    assert formats["tb_keras"] == "tensorboard-keras"
    assert formats["lightning/version_0/metrics.csv"] == "lightning-csv"
    assert formats["lr_low_gru.csv"] == "csv-logger"


def test_stability_score_follows_its_definition(sweep: Path) -> None:
    for name in ("healthy_lstm_sine", "lr_high_lstm"):
        path = sweep / name / "history.json"
        report = curvedoc.diagnose(curvedoc.load(path))
        pair = report.metrics["pairs"]["loss"]
        j = max(pair["train"]["jitter_late"], pair["val"]["jitter_late"])
        score, jitter, basis = stability_of(report)
        assert basis == "log"
        assert jitter == pytest.approx(j)
        assert score == pytest.approx(1 / (1 + j / JITTER_SCALE))
    healthy = stability_of(
        curvedoc.diagnose(curvedoc.load(sweep / "healthy_lstm_sine" / "history.json"))
    )[0]
    jumpy = stability_of(curvedoc.diagnose(curvedoc.load(sweep / "lr_high_lstm" / "history.json")))[
        0
    ]
    assert healthy is not None and jumpy is not None and jumpy < healthy


def test_a_diverged_run_scores_zero_and_ranks_last(cli: Cli, tmp_path: Path) -> None:
    real = json.loads((FIXTURES / "lr_high_lstm.json").read_text())
    blown = {k: v[:12] + [float("nan")] * 6 for k, v in real.items()}
    (tmp_path / "a.json").write_text(json.dumps(real))
    (tmp_path / "b.json").write_text(json.dumps(blown))  # NaN tokens, as json.dump writes
    res = cli("analyze", tmp_path, "-f", "json")
    assert res.code == 0, res.err
    runs = json.loads(res.out)["runs"]
    assert [r["name"] for r in runs] == ["a.json", "b.json"]
    assert runs[1]["stability"] == 0.0 and runs[1]["jitter_basis"] == "diverged"


def test_text_summary_table(cli: Cli, sweep: Path) -> None:
    res = cli("analyze", sweep, "--width", "160")
    assert res.code == 2
    text = res.out
    for name in KERAS:
        assert f"{name}/history.json" in text
    assert "failed to load (1):" in text and "broken/history.json" in text
    assert "stability = 1/(1 + J/0.05)" in text
    assert "1 of 8 runs could not be loaded" in res.err
    # the ranked rows come in stability order, the table is plain text without colour
    assert "\x1b[" not in text


def test_per_run_reports(cli: Cli, sweep: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    res = cli("analyze", sweep, "--format", "json", "--report-dir", out_dir)
    assert res.code == 2
    runs = json.loads(res.out)["runs"]
    written = sorted(p.name for p in out_dir.iterdir())
    assert len(written) == 7 and "healthy_lstm_sine__history.report.json" in written
    for r in runs:
        if r["status"] != "ok":
            assert r["report_path"] is None
            continue
        report = json.loads(Path(r["report_path"]).read_text())
        assert report["verdict"] == r["verdict"]
        assert report["source"]["path"] == r["path"]
    # markdown reports in the chosen format; scanning the folder later skips them
    md = tmp_path / "md"
    res = cli(
        "analyze",
        sweep / "healthy_lstm_sine",
        sweep / "lr_high_lstm",
        "-f",
        "markdown",
        "--report-dir",
        md,
    )
    assert res.code == 0, res.err
    assert sorted(p.suffix for p in md.iterdir()) == [".md", ".md"]
    assert not is_multi_run(md)  # reports are not runs


def test_sort_and_fail_on(cli: Cli, sweep: Path) -> None:
    shutil.rmtree(sweep / "broken")
    res = cli("analyze", sweep, "-f", "json", "--sort", "name")
    assert res.code == 0, res.err
    names = [r["name"] for r in json.loads(res.out)["runs"]]
    assert names == sorted(names)
    res = cli("analyze", sweep, "-f", "json", "--fail-on", "warning")
    assert res.code == 1  # lr_high and overfit runs have warnings


def test_glob_and_several_paths(cli: Cli, sweep: Path) -> None:
    res = cli("analyze", str(sweep / "*" / "history.json"), "-f", "json")
    names = sorted(r["name"] for r in json.loads(res.out)["runs"])
    assert names == sorted([f"{n}/history.json" for n in KERAS] + ["broken/history.json"])
    res = cli(
        "analyze", sweep / "lr_low_gru.csv", sweep / "tb_keras", sweep / "nope.json", "-f", "json"
    )
    assert res.code == 2
    runs = {r["name"]: r for r in json.loads(res.out)["runs"]}
    assert runs["nope.json"]["error"].endswith("no such file or directory")
    assert runs["tb_keras"]["status"] == "ok"
    res = cli("analyze", str(sweep / "nothing*"))
    assert res.code == 2 and res.out == ""
    assert res.err.strip().endswith("no file or directory matches this pattern")
    assert len(res.err.strip().splitlines()) == 1


def test_what_counts_as_several_runs(sweep: Path, tmp_path: Path) -> None:
    assert is_multi_run(sweep)
    assert is_multi_run(FIXTURES / "tensorboard")
    assert is_multi_run(Path(str(sweep / "*.csv")))  # a pattern the shell did not expand
    assert not is_multi_run(sweep / "tb_keras")  # one TensorBoard run (train/ + validation/)
    assert not is_multi_run(sweep / "lightning")  # one metrics.csv below
    assert not is_multi_run(sweep / "lr_low_gru.csv")
    assert not is_multi_run(tmp_path / "missing")
    targets = collect_targets(
        [str(sweep / "tb_keras"), str(sweep / "tb_keras/"), str(sweep / "x*")]
    )
    assert [t.problem for t in targets] == [None, "no file or directory matches this pattern"]


def test_a_single_tensorboard_run_gets_the_full_report(cli: Cli) -> None:
    res = cli("analyze", FIXTURES / "tensorboard" / "torch_sine", "-f", "json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert "findings" in out and "runs" not in out


def test_parallel_and_serial_give_the_same_summary(cli: Cli, tmp_path: Path) -> None:
    runs = FIXTURES / "corpus" / "runs"  # LSTM/GRU runs only: the split=heldout ones stay unseen
    sources = sorted([*runs.glob("*__lstm__*.json.gz"), *runs.glob("*__gru__*.json.gz")])[:40]
    assert len(sources) == 40
    for p in sources:
        shutil.copy(p, tmp_path / p.name)
    assert plan_workers(40, 2) == 2 and plan_workers(5, 8) == 1 and plan_workers(40, 1) == 1
    serial = cli("analyze", tmp_path, "-f", "json", "--jobs", "1")
    parallel = cli("analyze", tmp_path, "-f", "json", "--jobs", "2")
    assert serial.code == parallel.code == 0
    assert json.loads(serial.out) == json.loads(parallel.out)


def test_names_are_escaped_in_markdown_and_html(cli: Cli, tmp_path: Path) -> None:
    real = (FIXTURES / "healthy_lstm_sine.json").read_text()
    for name in ("a|b<i>.json", "c.json"):
        (tmp_path / name).write_text(real)
    md = cli("analyze", tmp_path, "-f", "markdown")
    assert "a\\|b\\<i\\>.json" in md.out
    page = cli("analyze", tmp_path, "-f", "html")
    assert "a|b&lt;i&gt;.json" in page.out and "<i>" not in page.out


def test_report_file_names_are_distinct() -> None:
    names = ["a/history.json", "a__history.json", "b/metrics.csv.gz", "tb/run"]
    assert report_file_names(names, "json") == [
        "a__history.report.json",
        "a__history-2.report.json",
        "b__metrics.report.json",
        "tb__run.report.json",
    ]
