"""CurveRecorder inside real ``model.fit`` runs (tiny models; TensorFlow backend)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from curvedoc.keras import CurveRecorder, RecorderWarning  # noqa: E402

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
WORKER_1 = '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": %d}}'


def strict_load(path):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=refuse)


def regression_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))).astype("float32")
    return x, y


def dense_model(lr=0.05, **compile_kwargs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )
    model.compile(keras.optimizers.SGD(lr), "mse", metrics=["mae"], **compile_kwargs)
    return model


class Reference(keras.callbacks.Callback):
    """Independent per-batch values, read synchronously.

    * ``tracker``: differences of the loss tracker's own running total and count;
    * ``direct``: the batch's loss and MAE computed from the model's weights just before
      the step (inputs in order: fit with ``shuffle=False``).
    """

    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def on_train_begin(self, logs=None):
        self.tracker, self.direct = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.prev = (0.0, 0.0)

    def on_train_batch_begin(self, batch, logs=None):
        lo = batch * self.batch_size
        xb, yb = self.x[lo : lo + self.batch_size], self.y[lo : lo + self.batch_size]
        pred = keras.ops.convert_to_numpy(self.model(xb, training=False)).astype(np.float64)
        err = pred - yb
        self.direct.append((float(np.mean(err**2)), float(np.mean(np.abs(err)))))

    def on_train_batch_end(self, batch, logs=None):
        tracker = self.model.metrics[0]
        total, count = float(tracker.total), float(tracker.count)
        self.tracker.append((total - self.prev[0]) / (count - self.prev[1]))
        self.prev = (total, count)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One recorded run, shared: 100 samples, 80 for training in batches 32, 32, 16."""
    path = tmp_path_factory.mktemp("fit") / "history.json"
    x, y = regression_data()
    model = dense_model()
    ref = Reference(x[:80], y[:80], 32)
    rec = CurveRecorder(path, data=x, targets=y)
    model.fit(
        x,
        y,
        batch_size=32,
        epochs=6,
        validation_split=0.2,
        shuffle=False,
        verbose=0,
        callbacks=[rec, ref],
    )
    return path, ref


def test_exact_batch_losses_against_independent_references(recorded):
    path, ref = recorded
    data = strict_load(path)
    batch = data["batch"]
    assert batch["exact"] is True
    assert batch["counts"] == [3] * 6
    assert batch["sizes"] == [32, 32, 16] * 6  # the smaller last batch
    loss = np.array(batch["series"]["loss"])
    np.testing.assert_allclose(loss, ref.tracker, rtol=1e-5)
    direct = np.array(ref.direct)
    np.testing.assert_allclose(loss, direct[:, 0], rtol=1e-4)
    np.testing.assert_allclose(batch["series"]["mae"], direct[:, 1], rtol=1e-4)
    # the running mean Keras passes to callbacks differs visibly from the batch value
    sizes = np.array(batch["sizes"][:3])
    assert abs(np.average(loss[:3], weights=sizes) - data["epoch_logs"]["loss"][0]) < 1e-5
    assert not np.allclose(loss[:3], np.cumsum(loss[:3] * sizes) / np.cumsum(sizes))


def test_epoch_logs_and_context(recorded):
    path, _ = recorded
    data = strict_load(path)
    assert data["format"] == "curvedoc-history" and data["format_version"] == 1
    assert data["status"] == "finished"
    assert data["epochs"] == list(range(6))
    logs = data["epoch_logs"]
    assert {"loss", "mae", "val_loss", "val_mae", "learning_rate"} <= set(logs)
    assert logs["learning_rate"] == pytest.approx([0.05] * 6)
    ctx = data["context"]
    assert ctx["batch_size"] == 32
    assert ctx["steps_per_epoch"] == 3
    assert ctx["train_samples"] == 80 and ctx["val_samples"] == 20
    assert ctx["epochs_planned"] == 6 and ctx["initial_epoch"] == 0
    assert ctx["params"] == {"total": 21, "trainable": 21}
    assert ctx["optimizer"]["class"] == "SGD"
    assert ctx["loss"] == "mse"
    assert ctx["backend"] == keras.backend.backend()
    assert [layer["units"] for layer in ctx["layers"]] == [4, 1]
    assert ctx["input_stats"]["features"] == 3 and ctx["target_stats"]["samples"] == 100


def test_recorded_run_analysed_end_to_end_by_the_cli(recorded, capsys):
    cli = pytest.importorskip("curvedoc.cli")
    import curvedoc

    path, _ = recorded
    history = curvedoc.load(str(path))
    assert history.n_batches == 18 and history.context["batch_size"] == 32
    assert cli.main(["analyze", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source"]["format"] == "curvedoc"
    assert report["run"]


def test_recurrent_context_schedule_and_loss_scaling(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(40, 5, 2)).astype("float32") * 100
    y = x[:, -1, :1]
    model = keras.Sequential(
        [
            keras.Input((5, 2)),
            keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)),
            keras.layers.LSTM(
                4,
                dropout=0.2,
                recurrent_dropout=0.1,
                kernel_regularizer=keras.regularizers.L2(0.01),
            ),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)
    model.compile(keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(schedule)), "mae")
    path = tmp_path / "h.json"
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[CurveRecorder(path, data=x)])
    data = strict_load(path)
    ctx = data["context"]
    layers = {layer["class"]: layer for layer in ctx["layers"]}
    assert layers["Bidirectional"]["wraps"] == "LSTM" and layers["Bidirectional"]["units"] == 3
    lstm = layers["LSTM"]
    assert (lstm["units"], lstm["dropout"], lstm["recurrent_dropout"]) == (4, 0.2, 0.1)
    assert lstm["kernel_regularizer"].startswith("L2(") and lstm["recurrent_regularizer"] is None
    assert "BatchNormalization" in layers
    assert ctx["optimizer"]["class"] == "LossScaleOptimizer"
    assert ctx["lr_schedule"] == "ExponentialDecay"
    # the schedule evaluated at the step count ending each epoch (4 and 8 steps)
    np.testing.assert_allclose(data["epoch_logs"]["learning_rate"], [0.0025, 0.000625], rtol=1e-5)
    assert ctx["input_stats"]["features"] == 2 and ctx["input_stats"]["std"][0] > 10


def test_resume_with_initial_epoch_appends(tmp_path):
    path = tmp_path / "h.json"
    x, y = regression_data(64)
    model = dense_model()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[CurveRecorder(path)])
    first = strict_load(path)
    model.fit(
        x, y, batch_size=16, epochs=5, initial_epoch=3, verbose=0, callbacks=[CurveRecorder(path)]
    )
    data = strict_load(path)
    assert data["epochs"] == [0, 1, 2, 3, 4]
    assert data["epoch_logs"]["loss"][:3] == first["epoch_logs"]["loss"]
    assert data["batch"]["epochs"] == [0, 1, 2, 3, 4]
    assert len(data["batch"]["series"]["loss"]) == 20
    assert data["batch"]["series"]["loss"][:12] == first["batch"]["series"]["loss"]
    assert data["context"]["initial_epoch"] == 3
    # and a fresh run from epoch 0 starts over
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[CurveRecorder(path)])
    assert strict_load(path)["epochs"] == [0]


def test_steps_per_execution_is_flagged_inexact(tmp_path):
    path = tmp_path / "h.json"
    x, y = regression_data(50)
    model = dense_model(steps_per_execution=2)
    ref = Reference(x, y, 8)
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[CurveRecorder(path), ref],
    )
    batch = strict_load(path)["batch"]
    assert batch["exact"] is False
    assert batch["steps_per_execution"] == 2
    assert "steps_per_execution=2" in batch["note"]
    assert batch["counts"] == [4, 4]  # 7 batches: executions of 2, 2, 2 and 1
    assert batch["sizes"] == [16, 16, 16, 2] * 2
    np.testing.assert_allclose(batch["series"]["loss"], ref.tracker, rtol=1e-5)


def test_only_the_chief_writes(tmp_path, monkeypatch):
    x, y = regression_data(32)
    model = dense_model()
    monkeypatch.setenv("TF_CONFIG", WORKER_1 % 1)
    worker = tmp_path / "worker.json"
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[CurveRecorder(worker)])
    assert not worker.exists()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("TF_CONFIG", WORKER_1 % 0)
    chief = tmp_path / "chief.json"
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[CurveRecorder(chief)])
    assert strict_load(chief)["epochs"] == [0, 1]


def test_unwritable_path_warns_once_and_training_completes(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    x, y = regression_data(32)
    model = dense_model()
    rec = CurveRecorder(blocker / "h.json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[rec])
    assert len(history.history["loss"]) == 3
    ours = [w for w in caught if issubclass(w.category, RecorderWarning)]
    assert len(ours) == 1 and "could not write" in str(ours[0].message)
    assert rec.to_dict()["epochs"] == [0, 1, 2]


def test_live_diagnosis_stops_a_diverging_run(tmp_path):
    pytest.importorskip("curvedoc.diagnosis")
    from curvedoc.keras import FindingWarning

    x, y = regression_data(64)
    model = dense_model(lr=5.0)  # diverges to inf/NaN within a few epochs
    rec = CurveRecorder(tmp_path / "h.json", live=True, warmup=5, every=1, on_finding="stop")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y * 100, batch_size=16, epochs=40, verbose=0, callbacks=[rec])
    assert not [w for w in caught if issubclass(w.category, RecorderWarning)]
    assert any(issubclass(w.category, FindingWarning) for w in caught)
    assert len(history.history["loss"]) < 40
    assert strict_load(tmp_path / "h.json")["status"] == "stopped"
    assert any(f.severity == "error" for f in rec.report.findings)


KILL_SCRIPT = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, {root!r})
import numpy as np, keras
from curvedoc.keras import CurveRecorder
x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
y = x[:, :1] * 2
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
print("ready", flush=True)
model.fit(x, y, batch_size=4, epochs=100000, verbose=0, callbacks=[CurveRecorder({path!r})])
"""


@pytest.mark.slow
def test_sigkill_mid_training_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "h.json"
    script = KILL_SCRIPT.format(root=str(ROOT), path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if path.exists() and len(strict_load(path)["epochs"]) >= 5:
                break
            time.sleep(0.05)
        time.sleep(0.137)  # somewhere inside an epoch or a write
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    data = strict_load(path)
    n = len(data["epochs"])
    assert n >= 5 and data["epochs"] == list(range(n))
    assert data["status"] == "running"
    assert all(len(v) == n for v in data["epoch_logs"].values())
    assert data["batch"]["counts"] == [16] * n
    assert len(data["batch"]["series"]["loss"]) == 16 * n
    # at most an unfinished temporary file beside it, never a second history
    assert all(p.name == "h.json" or p.name.endswith(".tmp") for p in tmp_path.iterdir())


JAX_SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
import numpy as np, keras
from curvedoc.keras import CurveRecorder
assert keras.backend.backend() == "jax"
x = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
# the recorder alone: keras dispatches its batch hook asynchronously on JAX
model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[CurveRecorder({path!r})])
print(json.dumps(json.load(open({path!r}))))
"""


@pytest.mark.slow
def test_jax_backend(tmp_path):
    try:
        import jax  # noqa: F401
    except ImportError:
        pytest.skip("jax is not installed")
    path = tmp_path / "h.json"
    env = dict(os.environ, KERAS_BACKEND="jax")
    out = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT.format(root=str(ROOT), path=str(path))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["context"]["backend"] == "jax"
    batch = data["batch"]
    assert batch["exact"] is True and batch["sizes"] == [32, 32, 32, 4] * 3
    loss, sizes = np.array(batch["series"]["loss"]), np.array(batch["sizes"])
    for e in range(3):
        seg = slice(4 * e, 4 * e + 4)
        epoch_loss = np.average(loss[seg], weights=sizes[seg])
        assert epoch_loss == pytest.approx(data["epoch_logs"]["loss"][e], rel=1e-5)


MIRRORED_SCRIPT = """
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, {root!r})
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np, keras
from curvedoc.keras import CurveRecorder
x = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
y = x[:, :1] * 2
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
class Tracker(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.values = []
    def on_epoch_begin(self, epoch, logs=None):
        self.prev = (0.0, 0.0)
    def on_train_batch_end(self, batch, logs=None):
        t = self.model.metrics[0]
        total = float(keras.ops.convert_to_numpy(t.total))
        count = float(keras.ops.convert_to_numpy(t.count))
        self.values.append((total - self.prev[0]) / (count - self.prev[1]))
        self.prev = (total, count)
ref = Tracker()
model.fit(x, y, batch_size=32, epochs=2, shuffle=False, validation_split=0.2, verbose=0,
          callbacks=[CurveRecorder({path!r}), ref])
print(json.dumps(ref.values))
"""


@pytest.mark.slow
def test_mirrored_strategy_two_replicas(tmp_path):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.distribute needs the TensorFlow backend")
    path = tmp_path / "h.json"
    out = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    reference = json.loads(out.stdout.strip().splitlines()[-1])
    data = strict_load(path)
    assert data["context"]["distributed"] == {"strategy": "MirroredStrategy", "replicas": 2}
    assert data["context"]["batch_size"] == 32  # the global batch
    assert data["context"]["train_samples"] == 80 and data["context"]["val_samples"] == 20
    assert data["batch"]["exact"] is True
    assert data["batch"]["sizes"] == [32, 32, 16] * 2
    np.testing.assert_allclose(data["batch"]["series"]["loss"], reference, rtol=1e-5)


def test_a_run_that_diverges_at_once_is_stopped_at_its_first_epoch(tmp_path):
    """SGD at an absurd rate: the loss is NaN/inf from epoch 0; live + stop ends it there."""
    from curvedoc.cli import main

    x, y = regression_data()
    model = dense_model(lr=1e12)
    path = tmp_path / "h.json"
    rec = CurveRecorder(path, live=True, on_finding="stop")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        hist = model.fit(x, y, batch_size=10, epochs=20, verbose=0, callbacks=[rec])
    assert len(hist.epoch) == 1, hist.history  # stopped after the first epoch
    data = strict_load(path)
    assert data["epochs"] == [0] and data["status"] == "stopped"
    assert data["epoch_logs"]["loss"][0] in ("NaN", "Infinity")
    assert rec.report is not None
    assert any(f.code == "CD301" and f.severity == "error" for f in rec.report.findings)
    # analysed offline too: a divergence, not "no finite value"
    out = tmp_path / "r.json"
    assert main(["analyze", str(path), "-o", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert any(f["code"] == "CD301" and f["severity"] == "error" for f in report["findings"])


HOLD_SCRIPT = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as curvedoc.fileio's writer does
os.write(fd, b'{"format": "curvedoc-history", "epoch')  # half written
print("holding", flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_killed_writers_temporary_file_is_removed_by_the_next_run(tmp_path):
    path = tmp_path / "h.json"
    leftover = tmp_path / ".h.json.0123456789ab.tmp"
    other = tmp_path / ".other.json.0123456789ab.tmp"  # another history's: not ours
    other.write_text("x")
    link = tmp_path / ".h.json.aaaaaaaaaaaa.tmp"  # a link named like ours: never followed
    link.symlink_to(other)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(leftover)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        x, y = regression_data()
        dense_model().fit(x, y, epochs=1, verbose=0, callbacks=[CurveRecorder(path)])
        assert leftover.exists()  # its writer is alive and holds it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        dense_model().fit(x, y, epochs=1, verbose=0, callbacks=[CurveRecorder(path)])
    finally:
        proc.kill()
        proc.wait()
    assert not leftover.exists()
    assert other.exists() and link.is_symlink()
    assert strict_load(path)["status"] == "finished"
