"""Source ``mlflow`` and the command line: ``runs:/ID``, ``--experiment``, ``--log-to-mlflow``.

Real MLflow stores, no mocks: a SQLite store in a temporary directory, and one local
``mlflow server`` on a loopback port that a test starts and stops. The runs are written
with MLflow's own client the way ``mlflow.keras.autolog()`` writes them (one metric
point per epoch with ``step`` = epoch, the ``optimizer_*`` and ``fit`` parameters, a
``model_summary.txt``); a real Keras fit under autolog is read back in
``tests/test_mlflow_source.py``. A missing ``mlflow`` is simulated in a fresh interpreter
whose imports of it fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, CliResult, fixture

mlflow = pytest.importorskip("mlflow")

from mlflow.entities import Metric, Param  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

from curvedoc.loaders import Probe, detect  # noqa: E402

Cli = Callable[..., CliResult]

SUMMARY = 'Model: "sequential"\n Total params: 4,385 (17.13 KB)\n Trainable params: 4,385\n'


def _log_run(
    client: Any, experiment_id: str, name: str, history_file: str | None, params: dict[str, str]
) -> str:
    """One run as Keras autolog leaves it (``history_file`` None: a run with no metrics)."""
    run = client.create_run(experiment_id, run_name=name)
    run_id: str = run.info.run_id
    metrics: list[Any] = []
    if history_file is not None:
        history = json.loads(fixture(history_file).read_text())
        now = int(time.time() * 1000)
        for key, values in history.items():
            metrics += [Metric(key, float(v), now + i, i) for i, v in enumerate(values)]
        # Keras autolog also logs validation_<m> copies without an epoch (all at step 0)
        val = history["val_loss"]
        metrics += [Metric("validation_loss", float(v), now + i, 0) for i, v in enumerate(val)]
    client.log_batch(run_id, metrics=metrics, params=[Param(k, v) for k, v in params.items()])
    if history_file is not None:
        client.log_text(run_id, SUMMARY, "model_summary.txt")
    client.set_terminated(run_id)
    return run_id


ADAM_HIGH = {
    "optimizer_name": "adam",
    "optimizer_learning_rate": "0.30000001192092896",
    "optimizer_clipnorm": "None",
    "batch_size": "32",
    "epochs": "30",
}


def _fill(client: Any, experiment: str, artifacts: Path | None = None) -> dict[str, str]:
    """Three runs of a new experiment (artifacts under ``artifacts``, else the store's own)."""
    location = artifacts.as_uri() if artifacts is not None else None
    exp = client.create_experiment(experiment, artifact_location=location)
    return {
        "high": _log_run(client, exp, "lr-high", "lr_high_lstm.json", ADAM_HIGH),
        "sine": _log_run(
            client,
            exp,
            "sine",
            "healthy_lstm_sine.json",
            {"opt_name": "Adam", "opt_learning_rate": "0.001", "batch_size": "32"},
        ),
        "empty": _log_run(client, exp, "crashed", None, {"batch_size": "32"}),
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mlflow-cli")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    ids = _fill(client, "sweep", root / "artifacts")
    return {"uri": uri, "client": client, "ids": ids, "root": root}


@pytest.fixture(autouse=True)
def nothing_left_in_the_working_directory() -> Iterator[None]:
    """MLflow's defaults write ./mlruns or ./mlflow.db: no test may leave them behind."""
    before = {p.name for p in Path.cwd().iterdir()}
    yield
    assert {"mlruns", "mlflow.db"} & ({p.name for p in Path.cwd().iterdir()} - before) == set()


@pytest.fixture
def no_store_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No tracking URI anywhere, in an empty working directory."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(result: CliResult) -> dict[str, Any]:
    assert result.code == 0, result.err
    doc: dict[str, Any] = json.loads(result.out)
    return doc


def _one_line_error(result: CliResult) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("curvedoc: error: ")
    return lines[0]


# -- the source ---------------------------------------------------------------------------------


def test_runs_uri_is_the_mlflow_source_from_its_location() -> None:
    assert detect(Probe("runs:/0123abcd")).name == "mlflow"
    assert detect(Probe("runs:/0123abcd/model")).name == "mlflow"  # and says it is no run


def test_a_run_is_read_with_its_parameters_as_context(cli: Cli, store: dict[str, Any]) -> None:
    run_id = store["ids"]["high"]
    doc = _json(cli("analyze", f"runs:/{run_id}", "--tracking-uri", store["uri"], "-f", "json"))
    assert doc["source"] == {"path": f"runs:/{run_id}", "format": "mlflow"}
    assert doc["run"]["series"] == ["loss", "val_loss"]  # validation_loss copies dropped
    assert doc["run"]["epochs"] == 30
    facts = doc["metrics"]["context"]
    assert facts["optimizer"] == "Adam" and facts["learning_rate"] == pytest.approx(0.3)
    assert (facts["batch_size"], facts["epochs_planned"], facts["params"]) == (32, 30, 4385)
    assert set(doc["run"]["context_sources"].values()) == {"mlflow"}
    assert doc["run"]["context_origins"] == {"mlflow": f"runs:/{run_id}"}
    assert "CD303" in doc["causes"][0]["findings"]
    assert "MLFLOW_TRACKING_URI" not in os.environ  # --tracking-uri was set for the command only


def test_the_store_from_the_environment_and_given_facts_on_top(
    cli: Cli, store: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    run = f"runs:/{store['ids']['high']}"
    doc = _json(cli("analyze", run, "-f", "json", "--context", "learning_rate=0.001"))
    assert doc["metrics"]["context"]["learning_rate"] == 0.001
    assert doc["run"]["context_sources"]["learning_rate"] == "--context"
    assert doc["run"]["context_sources"]["optimizer"] == "mlflow"
    text = cli("analyze", run, "--context", "train_samples=1486", "--width", "300")
    assert text.code == 0
    assert "context: train_samples from --context; optimizer, learning_rate" in text.out
    assert f"from MLflow {run}" in text.out


def test_an_experiment_is_a_ranked_table_with_an_error_row(cli: Cli, store: dict[str, Any]) -> None:
    result = cli("analyze", "--experiment", "sweep", "--tracking-uri", store["uri"], "-f", "json")
    assert result.code == 2  # one run could not be read
    doc = json.loads(result.out)
    assert doc["base"] == "MLflow experiment 'sweep'"
    assert doc["totals"]["runs"] == 3 and doc["totals"]["failed"] == 1
    ids = store["ids"]
    ok = [r for r in doc["runs"] if r["status"] == "ok"]
    assert sorted(r["path"] for r in ok) == sorted([f"runs:/{ids['high']}", f"runs:/{ids['sine']}"])
    assert [r["rank"] for r in ok] == [1, 2]
    assert {r["name"] for r in ok} == {f"lr-high-{ids['high'][:8]}", f"sine-{ids['sine'][:8]}"}
    bad = doc["runs"][-1]
    assert bad["path"] == f"runs:/{ids['empty']}" and "has no metrics" in bad["error"]
    assert result.err.count("\n") == 1 and "has no metrics" in result.err
    text = cli("analyze", "--experiment", "sweep", "--tracking-uri", store["uri"], "--width", "150")
    assert "3 runs under MLflow experiment 'sweep' (2 analysed, 1 failed" in text.out


def test_log_to_mlflow_sets_tags_and_logs_the_html_report(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("mlflow-log")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    ids = _fill(client, "logged", root / "artifacts")
    result = cli("analyze", f"runs:/{ids['high']}", "--tracking-uri", uri, "--log-to-mlflow")
    assert result.code == 0, result.err
    assert f"logged the verdict to runs:/{ids['high']}" in result.err
    tags = client.get_run(ids["high"]).data.tags
    assert tags["curvedoc.healthy"] == "false"
    assert tags["curvedoc.top_cause"] == "hyperparameters"
    assert 0 < float(tags["curvedoc.confidence"]) <= 1
    assert tags["curvedoc.verdict"].startswith("Hyperparameters")
    assert [a.path for a in client.list_artifacts(ids["high"])] == [
        "curvedoc-report.html",
        "model_summary.txt",
    ]
    html = Path(client.download_artifacts(ids["high"], "curvedoc-report.html", str(root)))
    assert html.read_text().lower().startswith("<!doctype html>")
    # every run of an experiment; the run that could not be read gets no tags
    table = cli("analyze", "--experiment", "logged", "--tracking-uri", uri, "--log-to-mlflow")
    assert table.code == 2  # the empty run
    assert "logged 2 verdicts" in table.err
    assert "curvedoc.healthy" in client.get_run(ids["sine"]).data.tags
    assert "curvedoc.healthy" not in client.get_run(ids["empty"]).data.tags
    found = client.search_runs(
        [client.get_experiment_by_name("logged").experiment_id],
        filter_string="tags.`curvedoc.top_cause` = 'hyperparameters'",
    )
    assert ids["high"] in {r.info.run_id for r in found}


def test_several_runs_uris_are_a_table(cli: Cli, store: dict[str, Any]) -> None:
    ids = store["ids"]
    runs = [f"runs:/{ids['high']}", f"runs:/{ids['sine']}"]
    doc = _json(cli("analyze", *runs, "--tracking-uri", store["uri"], "-f", "json"))
    assert doc["base"] == "" and sorted(r["name"] for r in doc["runs"]) == sorted(runs)
    assert doc["totals"]["analysed"] == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["x.json", "--log-to-mlflow"], "--log-to-mlflow writes the verdict to MLflow runs"),
        (["x.json", "--experiment", "sweep"], "give PATHs or --experiment NAME, not both"),
        ([], "a PATH is needed"),
        (["--experiment", " "], "--experiment needs the name"),
        (["runs:/0123abcd"], "runs:/0123abcd: no MLflow tracking store is set"),
        (["--experiment", "sweep"], "experiment 'sweep': no MLflow tracking store is set"),
        (["runs:/0123abcd/model"], "runs:/0123abcd/model: is not a run"),
    ],
)
def test_usage_errors_are_one_line_and_create_no_store(
    cli: Cli, no_store_env: Path, args: list[str], says: str
) -> None:
    line = _one_line_error(cli("analyze", *args))
    assert says in line
    assert list(no_store_env.iterdir()) == []  # no mlflow.db, no mlruns/


def test_a_missing_run_or_experiment_is_one_line(cli: Cli, store: dict[str, Any]) -> None:
    line = _one_line_error(cli("analyze", "runs:/0000deadbeef", "--tracking-uri", store["uri"]))
    assert "runs:/0000deadbeef: not found" in line
    line = _one_line_error(cli("analyze", "--experiment", "nope", "--tracking-uri", store["uri"]))
    assert "experiment 'nope': does not exist" in line


# -- without mlflow, and without TensorFlow ------------------------------------------------------

BLOCK = textwrap.dedent(
    """
    import sys

    BLOCKED = {blocked!r}

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked by the test: {{name}}")
            return None

    sys.meta_path.insert(0, Block())
    from curvedoc.cli import main
    code = main(sys.argv[1:])
    print("HEAVY", sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED), file=sys.stderr)
    sys.exit(code)
    """
)


def _run_blocked(
    blocked: tuple[str, ...], *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "CURVEDOC_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", BLOCK.format(blocked=blocked), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=180,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["runs:/0123abcd", "--tracking-uri", "sqlite:///mlflow.db"],
        ["runs:/0123abcd"],
        ["--experiment", "sweep", "--tracking-uri", "sqlite:///mlflow.db"],
    ],
)
def test_without_mlflow_one_line_names_the_extra(tmp_path: Path, args: list[str]) -> None:
    proc = _run_blocked(("mlflow",), "analyze", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("HEAVY")]
    assert lines == [
        "curvedoc: error: reading MLflow runs needs the 'mlflow' package: "
        "pip install 'curvedoc[mlflow]'"
    ]
    assert list(tmp_path.iterdir()) == []


def test_reading_a_run_imports_no_deep_learning_framework(store: dict[str, Any]) -> None:
    heavy = ("tensorflow", "keras", "torch", "jax", "tf_keras")
    run = f"runs:/{store['ids']['high']}"
    proc = _run_blocked(
        heavy, "analyze", run, "--tracking-uri", store["uri"], "-f", "json", cwd=store["root"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["source"]["format"] == "mlflow"
    assert "HEAVY []" in proc.stderr


# -- a tracking server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server this test started, and its workers (its own session), by its id."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local ``mlflow server`` on a free loopback port, stopped afterwards."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", "1"),
            *("--backend-store-uri", f"sqlite:///{root / 'server.db'}"),
            *("--artifacts-destination", str(root / "artifacts")),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited: {(root / 'server.log').read_text()[-1500:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/health", timeout=2) as resp,
            ):
                if resp.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail("mlflow server not ready after 180 s")
            time.sleep(0.3)
        yield url
    finally:
        _stop(proc)
        log.close()


@pytest.mark.slow
def test_a_run_on_a_tracking_server(cli: Cli, server: str) -> None:
    client = MlflowClient(server)
    ids = _fill(client, "served")
    run = f"runs:/{ids['high']}"
    result = cli("analyze", run, "--tracking-uri", server, "--log-to-mlflow", "-f", "json")
    doc = _json(result)
    assert doc["source"]["format"] == "mlflow"
    assert doc["metrics"]["context"]["batch_size"] == 32
    tags = client.get_run(ids["high"]).data.tags
    assert tags["curvedoc.top_cause"] == doc["causes"][0]["category"]
    assert "curvedoc-report.html" in [a.path for a in client.list_artifacts(ids["high"])]
