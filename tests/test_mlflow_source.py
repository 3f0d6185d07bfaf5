"""MLflow runs as a source: real Keras fits under MLflow autolog, read back. No mocks.

One subprocess trains three tiny models under autolog (so autolog's patching of
``keras.Model.fit`` never touches this test process): ``mlflow.keras.autolog()`` into a
SQLite store and into a local ``mlflow server`` that the fixture starts on a free
loopback port, and ``mlflow.tensorflow.autolog()`` into the SQLite store.
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
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("keras")

import curvedoc  # noqa: E402
from curvedoc.context import read_context  # noqa: E402
from curvedoc.errors import MissingExtraError  # noqa: E402
from curvedoc.mlflow_source import (  # noqa: E402
    MlflowSourceError,
    get_client,
    list_runs,
    log_report,
    parse_run_uri,
    read_run,
)

pytestmark = [pytest.mark.keras, pytest.mark.slow]

EPOCHS = 4

TRAIN = textwrap.dedent(
    """
    import json, sys, time, urllib.request, warnings
    warnings.simplefilter("ignore")
    import numpy as np, keras, mlflow, mlflow.keras, mlflow.tensorflow

    out = {}

    def fit(uri, experiment, artifacts, flavour, optimizer, name, **autolog):
        mlflow.set_tracking_uri(uri)
        if mlflow.get_experiment_by_name(experiment) is None:
            mlflow.create_experiment(experiment, artifact_location=artifacts)
        mlflow.set_experiment(experiment)
        flavour.autolog(silent=True, log_datasets=False, **autolog)
        keras.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(96, 3)).astype("float32")
        y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32"))
        model = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)]
        )
        model.compile(optimizer, "mse", metrics=["mae"])
        with mlflow.start_run(run_name=name) as run:
            hist = model.fit(
                x, y, epochs=%(epochs)d, batch_size=16, validation_split=0.25, verbose=0
            )
        flavour.autolog(disable=True)
        out[name] = {
            "run_id": run.info.run_id,
            "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
            "params": int(model.count_params()),
        }

    def wait_for(url, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("mlflow server not ready")

    sqlite_uri, sqlite_artifacts, server_uri = sys.argv[1:4]
    fit(sqlite_uri, "curvedoc-sqlite", sqlite_artifacts, mlflow.keras,
        keras.optimizers.Adam(0.01, clipnorm=1.0), "keras-sqlite")
    fit(sqlite_uri, "curvedoc-sqlite", sqlite_artifacts, mlflow.tensorflow,
        keras.optimizers.SGD(0.05), "tf-sqlite", log_models=False, checkpoint=False)
    wait_for(server_uri)
    fit(server_uri, "curvedoc-server", None, mlflow.keras,
        keras.optimizers.RMSprop(0.002), "keras-server")
    print("RESULT " + json.dumps(out))
    """
) % {"epochs": EPOCHS}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/health", timeout=2) as resp,
        ):
            if resp.status == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"mlflow server not ready after {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process this test started, and its children (its own session), by its id."""
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
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Start an ``mlflow server`` and, meanwhile, train under autolog; yield the run ids.

    The server (a free loopback port, its own SQLite store and artifact directory) is
    stopped afterwards. Model logging's pip-requirements inference (a subprocess that
    loads the model again, ~15 s) is cut short by MLflow's own timeout setting.
    """
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    server = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(
        KERAS_BACKEND="tensorflow",
        TF_CPP_MIN_LOG_LEVEL="3",
        MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT="1",
    )
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", "1"),
            *("--backend-store-uri", f"sqlite:///{root / 'server.db'}"),
            *("--artifacts-destination", str(root / "server-artifacts")),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        env=env,
        start_new_session=True,
    )
    try:
        sqlite_uri = f"sqlite:///{root / 'mlflow.db'}"
        train = subprocess.run(
            [sys.executable, "-c", TRAIN, sqlite_uri, str(root / "artifacts"), server],
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            timeout=480,
        )
        lines = [line for line in train.stdout.splitlines() if line.startswith("RESULT ")]
        if train.returncode != 0 or not lines:
            log.flush()
            server_log = (root / "server.log").read_text(errors="replace")[-1500:]
            pytest.fail(f"training failed:\n{train.stderr[-3000:]}\nserver:\n{server_log}")
        _wait_ready(server, proc, timeout=30)
        result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
        result["sqlite"] = sqlite_uri
        result["server"] = server
        yield result
    finally:
        _stop(proc)
        log.close()


def _check_curves(history: curvedoc.History, want: dict[str, list[float]]) -> None:
    assert list(history.epochs) == list(range(EPOCHS))
    assert set(history.epoch_series) == set(want)
    for key, values in want.items():
        np.testing.assert_allclose(history.epoch_series[key], values, rtol=1e-6)
    assert history.source.format == "mlflow"


def test_keras_autolog_run_from_sqlite(runs: dict[str, Any]) -> None:
    want = runs["keras-sqlite"]
    run = read_run(f"runs:/{want['run_id']}", runs["sqlite"])
    _check_curves(run.history, want["history"])
    assert any("validation_loss" in note for note in run.history.source.notes)
    assert run.ref.name == "keras-sqlite" and run.ref.status == "FINISHED"
    ctx = run.context.values
    assert run.context.source == "mlflow" and run.context.origin == f"runs:/{want['run_id']}"
    assert ctx["optimizer"]["class"] == "Adam"
    assert ctx["optimizer"]["config"]["clipnorm"] == 1.0
    assert ctx["learning_rate"] == pytest.approx(0.01, rel=1e-6)
    assert (ctx["batch_size"], ctx["epochs_planned"]) == (16, EPOCHS)
    # from the logged model (MLflow 3 logged model, read without Keras)
    assert ctx["loss"] == "mse"
    assert ctx["params"]["total"] == want["params"]
    assert [layer["class"] for layer in ctx["layers"]] == ["Dense", "Dense"]
    facts = read_context(run.history.context)
    assert facts.optimizer == "Adam" and facts.clipping and facts.batch_size == 16
    assert facts.params == want["params"] and facts.loss_kind == "squared"


def test_tensorflow_autolog_params(runs: dict[str, Any]) -> None:
    want = runs["tf-sqlite"]
    run = read_run(want["run_id"], runs["sqlite"], read_model=False)
    _check_curves(run.history, want["history"])
    assert "opt_name" in run.params
    ctx = run.context.values
    assert ctx["optimizer"]["class"] == "SGD"
    assert ctx["learning_rate"] == pytest.approx(0.05, rel=1e-6)
    assert ctx["batch_size"] == 16
    assert ctx["params"] == {"total": want["params"], "trainable": want["params"]}  # summary


def test_experiment_lists_its_runs(runs: dict[str, Any]) -> None:
    refs = list_runs("curvedoc-sqlite", runs["sqlite"])
    assert {r.run_id for r in refs} == {runs["keras-sqlite"]["run_id"], runs["tf-sqlite"]["run_id"]}
    assert refs[0].name == "tf-sqlite"  # newest first
    assert refs[0].uri == f"runs:/{refs[0].run_id}"
    with pytest.raises(MlflowSourceError, match="experiment 'nope': does not exist") as info:
        list_runs("nope", runs["sqlite"])
    assert "\n" not in str(info.value)


def test_missing_run_is_one_line(runs: dict[str, Any]) -> None:
    with pytest.raises(MlflowSourceError, match="runs:/0000deadbeef: not found") as info:
        read_run("runs:/0000deadbeef", runs["sqlite"])
    assert "\n" not in str(info.value)


def test_tracking_uri_from_the_environment(
    runs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", runs["sqlite"])
    assert get_client().tracking_uri == runs["sqlite"]
    run = read_run(runs["keras-sqlite"]["run_id"], read_model=False)
    assert run.history.n_epochs == EPOCHS


def test_verdict_written_back_to_sqlite(runs: dict[str, Any]) -> None:
    run_id = runs["keras-sqlite"]["run_id"]
    run = read_run(run_id, runs["sqlite"], read_model=False)
    report = curvedoc.diagnose(run.history)
    tags = log_report(run_id, report, runs["sqlite"], html="<html>report</html>")
    client = get_client(runs["sqlite"])
    stored = client.get_run(run_id).data.tags
    for key, value in tags.items():
        assert stored[key] == value
    assert stored["curvedoc.healthy"] in ("true", "false")
    assert stored["curvedoc.verdict"] == report.to_dict()["verdict"]
    assert "curvedoc.top_cause" in stored
    assert "curvedoc-report.html" in [a.path for a in client.list_artifacts(run_id)]
    found = client.search_runs(
        [client.get_run(run_id).info.experiment_id],
        filter_string=f"tags.`curvedoc.healthy` = '{stored['curvedoc.healthy']}'",
    )
    assert run_id in [r.info.run_id for r in found]


def test_tracking_server_round_trip(runs: dict[str, Any]) -> None:
    want = runs["keras-server"]
    run = read_run(want["run_id"], runs["server"])
    _check_curves(run.history, want["history"])
    ctx = run.context.values
    assert ctx["optimizer"]["class"] == "RMSprop"
    assert ctx["learning_rate"] == pytest.approx(0.002, rel=1e-6)
    assert ctx["loss"] == "mse" and ctx["params"]["total"] == want["params"]
    refs = list_runs("curvedoc-server", runs["server"])
    assert [r.run_id for r in refs] == [want["run_id"]]
    report = curvedoc.diagnose(run.history)
    log_report(want["run_id"], report, runs["server"], html="<html>r</html>")
    client = get_client(runs["server"])
    assert client.get_run(want["run_id"]).data.tags["curvedoc.healthy"] in ("true", "false")
    assert "curvedoc-report.html" in [a.path for a in client.list_artifacts(want["run_id"])]


def test_unreachable_server_is_one_line() -> None:
    port = _free_port()
    env_keys = ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT")
    old = {k: os.environ.get(k) for k in env_keys}
    os.environ.update({"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"})
    try:
        with pytest.raises(MlflowSourceError) as info:
            read_run("abc123", f"http://127.0.0.1:{port}")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert "\n" not in str(info.value) and str(info.value).startswith("runs:/abc123")


def test_run_uri_parsing() -> None:
    assert parse_run_uri("runs:/abc123") == "abc123"
    assert parse_run_uri("runs:/abc123/") == "abc123"
    assert parse_run_uri("runs:/abc/model") is None
    assert parse_run_uri("run.json") is None


def test_missing_mlflow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(MissingExtraError) as info:
        get_client("sqlite:///x.db")
    assert str(info.value) == (
        "reading MLflow runs needs the 'mlflow' package: pip install 'curvedoc[mlflow]'"
    )


def test_write_back_needs_a_run(runs: dict[str, Any]) -> None:
    report = curvedoc.diagnose(read_run(runs["keras-sqlite"]["run_id"], runs["sqlite"]).history)
    with pytest.raises(MlflowSourceError, match="could not be logged"):
        log_report("0000deadbeef", report, runs["sqlite"])
