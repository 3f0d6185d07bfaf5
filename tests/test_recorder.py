"""CurveRecorder driven hook by hook with made-up logs (fast; no model.fit)."""

from __future__ import annotations

import json
import os
import random
import threading
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import curvedoc  # noqa: E402
from curvedoc import keras as ck  # noqa: E402
from curvedoc.keras import CurveRecorder, FindingWarning, RecorderWarning, _is_chief  # noqa: E402
from curvedoc.report import Finding, Fix, Report  # noqa: E402


class FakeModel:
    """Just enough of a keras.Model for the recorder, with a real loss tracker."""

    def __init__(self, *, spe=1, optimizer=None, metrics=()):
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.extra = list(metrics)
        self.optimizer = optimizer if optimizer is not None else keras.optimizers.SGD(0.1)
        self.steps_per_execution = spe
        self.stop_training = False
        self.loss = "mse"
        self.layers = []
        self.trainable_weights = []

    @property
    def metrics(self):
        return [self.loss_tracker, *self.extra]

    def count_params(self):
        return 0


def strict_load(path):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token}")

    with open(path, encoding="utf-8") as fh:
        return json.loads(fh.read(), parse_constant=refuse)


def start(rec, model, *, steps=None, epochs=10):
    rec.set_model(model)
    rec.set_params({"verbose": 0, "epochs": epochs, "steps": steps})
    rec.on_train_begin()


def run_epoch(rec, model, epoch, sizes, losses, *, logs=None, metric_values=None):
    """Feed one epoch the way Keras does: running means weighted by batch size."""
    rec.on_epoch_begin(epoch)
    for m in model.metrics:
        m.reset_state()
    for b, (n, loss) in enumerate(zip(sizes, losses, strict=True)):
        rec.on_train_batch_begin(b)
        model.loss_tracker.update_state(loss, sample_weight=n)
        batch_logs = {"loss": float(model.loss_tracker.result())}
        for metric, values in (metric_values or {}).items():
            metric.update_state(np.full(n, values[b], dtype="float32"))
            batch_logs[metric.name] = float(metric.result())
        rec.on_train_batch_end(b, batch_logs)
    epoch_logs = {"loss": float(model.loss_tracker.result())}
    epoch_logs.update(logs or {})
    rec.on_epoch_end(epoch, epoch_logs)


def test_recovers_each_batch_value_including_a_partial_last_batch(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=4)
    rng = np.random.default_rng(1)
    truth = []
    for epoch in range(3):
        losses = rng.uniform(0.5, 3.0, size=4).astype("float32").tolist()
        truth.extend(losses)
        run_epoch(rec, model, epoch, [32, 32, 32, 5], losses, logs={"val_loss": 1.0})
    rec.on_train_end()

    data = strict_load(path)
    batch = data["batch"]
    assert batch["exact"] is True
    assert batch["note"] is None
    assert batch["epochs"] == [0, 1, 2]
    assert batch["counts"] == [4, 4, 4]
    assert batch["sizes"] == [32, 32, 32, 5] * 3
    np.testing.assert_allclose(batch["series"]["loss"], truth, rtol=1e-5)
    # the running mean itself would be far off for the small last batch
    assert data["context"]["batch_size"] == 32
    assert data["context"]["train_samples"] == 101
    assert data["status"] == "finished"
    assert data["epochs"] == [0, 1, 2]


def test_metrics_recovered_and_non_mean_metrics_left_out(tmp_path):
    mae = keras.metrics.Mean(name="mae")
    rmse = keras.metrics.RootMeanSquaredError(name="rmse")  # result is sqrt(total/count)
    model = FakeModel(metrics=[mae, rmse])
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=3)
    rec.on_epoch_begin(0)
    for m in model.metrics:
        m.reset_state()
    for b, (n, v) in enumerate([(10, 1.0), (10, 3.0), (4, 6.0)]):
        rec.on_train_batch_begin(b)
        model.loss_tracker.update_state(v, sample_weight=n)
        mae.update_state(np.full(n, 2 * v, dtype="float32"))
        rmse.update_state(np.zeros((n, 1)), np.full((n, 1), v))
        logs = {k.name: float(k.result()) for k in model.metrics}
        rec.on_train_batch_end(b, logs)
    rec.on_epoch_end(0, {"loss": float(model.loss_tracker.result())})
    batch = rec.to_dict()["batch"]
    np.testing.assert_allclose(batch["series"]["loss"], [1.0, 3.0, 6.0], rtol=1e-6)
    np.testing.assert_allclose(batch["series"]["mae"], [2.0, 6.0, 12.0], rtol=1e-6)
    assert "rmse" not in batch["series"]
    assert "rmse" in batch["note"]
    assert batch["exact"] is True


def test_metric_weighted_differently_is_left_out_not_guessed(tmp_path):
    weighted = keras.metrics.Mean(name="wmae")  # sample weights: count != samples
    later = keras.metrics.Mean(name="later")  # weighted like the loss, then not
    model = FakeModel(metrics=[weighted, later])
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=2)
    for epoch in range(2):
        rec.on_epoch_begin(epoch)
        for m in model.metrics:
            m.reset_state()
        for b, (n, v) in enumerate([(8, 1.0), (8, 2.0)]):
            rec.on_train_batch_begin(b)
            model.loss_tracker.update_state(v, sample_weight=n)
            weighted.update_state(np.full(n, v), sample_weight=np.full(n, 0.5))
            later.update_state(np.full(n, v), sample_weight=np.full(n, 1.0 + epoch))
            logs = {m.name: float(m.result()) for m in model.metrics}
            rec.on_train_batch_end(b, logs)
        rec.on_epoch_end(epoch, {"loss": 1.5})
    batch = rec.to_dict()["batch"]
    assert "wmae" not in batch["series"]
    assert "Not recorded per batch: wmae (weighted differently" in batch["note"]
    assert batch["series"]["later"][:2] == [1.0, 2.0]
    assert batch["series"]["later"][2:] == ["NaN", "NaN"]
    np.testing.assert_allclose(batch["series"]["loss"], [1.0, 2.0, 1.0, 2.0])
    assert batch["exact"] is True


def test_varying_batch_sizes_are_flagged_approximate(tmp_path):
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=3)
    # the first step measures batch_size 32, but 52 samples in 3 steps need more than 64
    run_epoch(rec, model, 0, [32, 10, 10], [1.0, 2.0, 3.0])
    batch = rec.to_dict()["batch"]
    assert batch["exact"] is False
    assert batch["sizes"] is None
    assert "approximate" in batch["note"]


def test_steps_per_execution_records_execution_means(tmp_path):
    model = FakeModel(spe=4)
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=10)
    rec.on_epoch_begin(0)
    sizes = [16] * 9 + [7]
    losses = np.arange(1, 11, dtype=float)
    begin = 0
    for end in (3, 7, 9):
        rec.on_train_batch_begin(begin)
        for step in range(begin, end + 1):
            model.loss_tracker.update_state(losses[step], sample_weight=sizes[step])
        rec.on_train_batch_end(end, {"loss": float(model.loss_tracker.result())})
        begin = end + 1
    rec.on_epoch_end(0, {"loss": float(model.loss_tracker.result())})
    batch = rec.to_dict()["batch"]
    assert batch["exact"] is False
    assert batch["steps_per_execution"] == 4
    assert "steps_per_execution=4" in batch["note"]
    assert batch["counts"] == [3]
    assert batch["sizes"] == [64, 64, 23]
    expected = [
        np.average(losses[0:4], weights=sizes[0:4]),
        np.average(losses[4:8], weights=sizes[4:8]),
        np.average(losses[8:10], weights=sizes[8:10]),
    ]
    np.testing.assert_allclose(batch["series"]["loss"], expected, rtol=1e-6)


def test_non_finite_values_keep_the_file_strict_json(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=2)
    run_epoch(rec, model, 0, [4, 4], [1.0, 2.0], logs={"val_loss": float("inf")})
    run_epoch(rec, model, 1, [4, 4], [float("nan"), 1.0], logs={"val_loss": float("-inf")})
    data = strict_load(path)
    assert data["epoch_logs"]["val_loss"] == ["Infinity", "-Infinity"]
    assert data["epoch_logs"]["loss"][1] == "NaN"
    assert data["batch"]["series"]["loss"][2:] == ["NaN", "NaN"]


def test_epoch_keys_appearing_later_are_aligned_with_nulls(tmp_path):
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json", record_batches=False)
    start(rec, model)
    rec.on_epoch_begin(0)
    rec.on_epoch_end(0, {"loss": 1.0})
    rec.on_epoch_begin(1)
    rec.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7, "note": "text"})
    logs = rec.to_dict()["epoch_logs"]
    assert logs["loss"] == [1.0, 0.5]
    assert logs["val_loss"] == [None, 0.7]
    assert logs["note"] == [None, None]
    assert "batch" not in rec.to_dict()


def test_learning_rate_from_optimizer_schedule_and_logs(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(schedule))
    model = FakeModel(optimizer=opt)
    rec = CurveRecorder(tmp_path / "h.json", record_batches=False)
    start(rec, model)
    rec.on_epoch_begin(0)
    opt.iterations.assign(2)
    rec.on_epoch_end(0, {"loss": 1.0})
    rec.on_epoch_begin(1)
    rec.on_epoch_end(1, {"loss": 1.0, "learning_rate": 0.123})  # e.g. ReduceLROnPlateau
    data = rec.to_dict()
    np.testing.assert_allclose(data["epoch_logs"]["learning_rate"], [0.025, 0.123], rtol=1e-6)
    ctx = data["context"]
    assert ctx["lr_schedule"] == "ExponentialDecay"
    assert ctx["optimizer"]["class"] == "LossScaleOptimizer"
    assert ctx["learning_rate"] == pytest.approx(0.1)


def test_write_is_atomic_and_a_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    run_epoch(rec, model, 0, [4], [1.0])
    before = path.read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(ck.os, "replace", broken_replace)
    with pytest.warns(RecorderWarning, match="could not write") as caught:
        run_epoch(rec, model, 1, [4], [2.0])
        run_epoch(rec, model, 2, [4], [3.0])
    assert len([w for w in caught if issubclass(w.category, RecorderWarning)]) == 1
    assert path.read_text() == before  # the old complete file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]  # no temporary left behind
    assert rec.to_dict()["epochs"] == [0, 1, 2]  # kept in memory
    monkeypatch.undo()
    run_epoch(rec, model, 3, [4], [4.0])  # retried and now written
    assert strict_load(path)["epochs"] == [0, 1, 2, 3]


def test_unwritable_path_warns_once_and_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    model = FakeModel()
    rec = CurveRecorder(blocker / "h.json")  # a directory that is a file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start(rec, model, steps=1)
        for epoch in range(3):
            run_epoch(rec, model, epoch, [4], [1.0])
        rec.on_train_end()
    msgs = [str(w.message) for w in caught if issubclass(w.category, RecorderWarning)]
    assert len(msgs) == 1 and "could not write" in msgs[0]
    assert rec.to_dict()["status"] == "finished"


def test_hooks_never_raise_into_training(tmp_path):
    class Broken(FakeModel):
        @property
        def metrics(self):
            raise RuntimeError("boom")

    model = Broken()
    rec = CurveRecorder(tmp_path / "h.json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start(rec, model, steps=2)
        rec.on_epoch_begin(0)
        rec.on_train_batch_begin(0)
        rec.on_train_batch_end(0, {"loss": 1.0})
        rec.on_train_batch_begin(1)
        rec.on_train_batch_end(1, {"loss": 2.0})
        rec.on_test_begin()
        rec.on_epoch_end(0, {"loss": 1.5})
        rec.on_train_end()
    assert any(issubclass(w.category, RecorderWarning) for w in caught)
    assert strict_load(tmp_path / "h.json")["epoch_logs"]["loss"] == [1.5]


def test_batch_ends_from_several_threads_in_any_order(tmp_path):
    # async dispatch (JAX, torch) runs on_train_batch_end in a thread pool
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=None)  # unknown length: the buffers must grow
    rec.on_epoch_begin(0)
    rec.on_train_batch_begin(0)
    rec.on_train_batch_begin(1)  # no count yet: batch size stays unknown
    n, truth, logs = 8, np.linspace(1, 2, 600), []
    total = 0.0
    for b, v in enumerate(truth):
        total += v * n
        logs.append((b, {"loss": total / ((b + 1) * n)}))
    order = logs[:]
    random.Random(0).shuffle(order)
    chunks = [order[i::4] for i in range(4)]
    threads = [
        threading.Thread(target=lambda c=c: [rec.on_train_batch_end(b, lg) for b, lg in c])
        for c in chunks
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    model.loss_tracker.update_state(0.0, sample_weight=n * len(truth))
    rec.on_epoch_end(0, {"loss": 1.5})
    batch = rec.to_dict()["batch"]
    assert batch["counts"] == [600]
    np.testing.assert_allclose(batch["series"]["loss"], truth, rtol=1e-9)


def test_resume_appends_and_drops_the_stale_tail(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    first = CurveRecorder(path)
    start(first, model, steps=2)
    for epoch in range(5):
        run_epoch(first, model, epoch, [4, 4], [1.0 + epoch, 2.0], logs={"val_loss": 9.0})
    # killed during epoch 5; the last checkpoint was after epoch 2 -> initial_epoch=3
    second = CurveRecorder(path)
    start(second, model, steps=2)
    run_epoch(second, model, 3, [4, 4], [7.0, 8.0], logs={"val_loss": 1.0})
    second.on_train_end()
    data = strict_load(path)
    assert data["epochs"] == [0, 1, 2, 3]
    assert data["epoch_logs"]["val_loss"] == [9.0, 9.0, 9.0, 1.0]
    assert data["batch"]["epochs"] == [0, 1, 2, 3]
    assert data["batch"]["counts"] == [2, 2, 2, 2]
    np.testing.assert_allclose(data["batch"]["series"]["loss"][-4:], [3.0, 2.0, 7.0, 8.0])
    assert data["batch"]["sizes"] == [4] * 8
    assert data["context"]["initial_epoch"] == 3


def test_overwrite_and_fresh_runs_start_a_new_file(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    for epoch in range(3):
        run_epoch(rec, model, epoch, [4], [1.0])
    over = CurveRecorder(path, overwrite=True)
    start(over, model, steps=1)
    run_epoch(over, model, 3, [4], [1.0])
    assert strict_load(path)["epochs"] == [3]
    fresh = CurveRecorder(path)
    start(fresh, model, steps=1)
    run_epoch(fresh, model, 0, [4], [1.0])
    assert strict_load(path)["epochs"] == [0]


def test_reused_instance_resumes_from_memory_when_the_file_is_gone(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    run_epoch(rec, model, 0, [4], [1.0])
    run_epoch(rec, model, 1, [4], [2.0])
    rec.on_train_end()
    os.unlink(path)
    start(rec, model, steps=1)  # a second fit(initial_epoch=2) with the same callback
    run_epoch(rec, model, 2, [4], [3.0])
    assert strict_load(path)["epochs"] == [0, 1, 2]


def test_resume_over_a_foreign_file_warns_and_overwrites(tmp_path):
    path = tmp_path / "h.json"
    path.write_text('{"loss": [1, 2]}')
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    with pytest.warns(RecorderWarning, match="cannot append"):
        run_epoch(rec, model, 4, [4], [1.0])
    assert strict_load(path)["epochs"] == [4]


@pytest.mark.parametrize(
    ("config", "chief"),
    [
        (None, True),
        ("", True),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}', True),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}', False),
        (
            '{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker", '
            '"index": 0}}',
            False,
        ),
        ('{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "chief"}}', True),
        (
            '{"cluster": {"worker": ["a:1"], "evaluator": ["e:1"]}, "task": {"type": "evaluator"}}',
            False,
        ),
        (
            '{"cluster": {"worker": ["a:1"], "ps": ["p:1"]}, "task": {"type": "ps", "index": 0}}',
            False,
        ),
        ("not json", True),
    ],
)
def test_is_chief(config, chief, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if config is not None:
        monkeypatch.setenv("TF_CONFIG", config)
    assert _is_chief() is chief


def test_non_chief_worker_records_but_never_writes(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "TF_CONFIG",
        '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}',
    )
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    run_epoch(rec, model, 0, [4], [1.0])
    rec.on_train_end()
    assert not path.exists()
    assert rec.to_dict()["epochs"] == [0]


def test_interrupted_status_at_interpreter_exit(tmp_path):
    path = tmp_path / "h.json"
    model = FakeModel()
    rec = CurveRecorder(path)
    start(rec, model, steps=1)
    run_epoch(rec, model, 0, [4], [1.0])
    assert strict_load(path)["status"] == "running"
    ck._mark_interrupted_at_exit()  # what atexit runs when fit died with an exception
    assert strict_load(path)["status"] == "interrupted"


def test_stopped_status(tmp_path):
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=1)
    run_epoch(rec, model, 0, [4], [1.0])
    model.stop_training = True
    rec.on_train_end()
    assert strict_load(tmp_path / "h.json")["status"] == "stopped"


# -- input statistics -----------------------------------------------------------------


def test_input_and_target_stats(tmp_path):
    x = np.stack([np.arange(10.0), 1000 * np.ones(10)], axis=1)
    x[3, 0] = np.nan
    y = np.arange(10.0)
    rec = CurveRecorder(tmp_path / "h.json", data=x, targets=y)
    start(rec, FakeModel())
    ctx = rec._context
    stats = ctx["input_stats"]
    assert stats["samples"] == 10 and stats["features"] == 2 and stats["shape"] == [10, 2]
    assert stats["min"] == [0.0, 1000.0] and stats["max"] == [9.0, 1000.0]
    assert stats["mean"][0] == pytest.approx(np.nanmean(x[:, 0]))
    assert stats["std"][1] == 0.0
    assert stats["nonfinite"] == 1
    assert ctx["target_stats"]["features"] == 1
    assert ctx["target_stats"]["mean"] == [4.5]


def test_stats_sample_large_data_and_handle_multi_input(tmp_path, monkeypatch):
    monkeypatch.setattr(ck, "STATS_MAX_ROWS", 100)
    a = np.arange(10_000, dtype="float32")[:, None, None] * np.ones((1, 3, 2), "float32")
    b = np.zeros((10_000, 4))
    rec = CurveRecorder(tmp_path / "h.json", data=[a, b])
    stats = rec._input_stats
    assert stats["samples"] == 10_000 and stats["sampled"] == 100
    assert stats["shape"] == [10_000, 3, 2] and stats["features"] == 2
    assert stats["min"] == [0.0, 0.0] and stats["max"] == [9999.0, 9999.0]  # ends kept
    assert [s["features"] for s in stats["inputs"]] == [2, 4]
    d = CurveRecorder(tmp_path / "h.json", data={"a": b})._input_stats
    assert d["features"] == 4


def test_datasets_and_generators_are_never_iterated(tmp_path):
    touched = []

    def gen():
        touched.append(1)
        yield np.zeros((2, 2))

    with pytest.warns(RecorderWarning, match="never iterated"):
        rec = CurveRecorder(tmp_path / "h.json", data=gen())
    assert rec._input_stats is None and not touched


# -- live diagnosis -------------------------------------------------------------------


def fake_report(*findings):
    return Report(
        source_path="x",
        source_format="curvedoc",
        healthy=not findings,
        causes=(),
        findings=findings,
        metrics={},
        run={},
    )


def finding(code, severity):
    return Finding(
        code=code,
        name="n",
        category="hyperparameters",
        severity=severity,
        message=f"{code} happened.",
        fixes=(Fix(f"fix {code}"),),
    )


def test_live_diagnosis_warns_once_per_finding_and_stops_on_error(tmp_path, monkeypatch):
    seen_epochs = []

    def diagnose(history):
        seen_epochs.append(int(history.epochs[-1]))
        found = [finding("CD201", "warning"), finding("CD001", "info")]
        if len(seen_epochs) >= 2:
            found.append(finding("CD202", "error"))
        return fake_report(*found)

    monkeypatch.setattr(curvedoc, "diagnose", diagnose, raising=False)
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json", live=True, warmup=3, every=2, on_finding="stop")
    start(rec, model, steps=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        epoch = 0
        while not model.stop_training and epoch < 20:
            run_epoch(rec, model, epoch, [4], [1.0])
            epoch += 1
    assert seen_epochs == [2, 4]  # after 3 epochs, then every 2
    msgs = [str(w.message) for w in caught if issubclass(w.category, FindingWarning)]
    assert sum("CD201" in m for m in msgs) == 1
    assert not any("CD001" in m for m in msgs)  # info findings are not warnings
    assert any("CD202" in m and "fix CD202" in m for m in msgs)
    assert epoch == 5 and model.stop_training
    assert rec.report is not None


def test_live_diagnosis_failure_never_reaches_training(tmp_path, monkeypatch):
    def diagnose(history):
        raise RuntimeError("rule crashed")

    monkeypatch.setattr(curvedoc, "diagnose", diagnose, raising=False)
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json", live=True, warmup=1, every=1)
    start(rec, model, steps=1)
    with pytest.warns(RecorderWarning, match="live diagnosis failed"):
        run_epoch(rec, model, 0, [4], [1.0])
        run_epoch(rec, model, 1, [4], [1.0])
    assert strict_load(tmp_path / "h.json")["epochs"] == [0, 1]


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="on_finding"):
        CurveRecorder(tmp_path / "h.json", on_finding="explode")
    with pytest.raises(ValueError, match="warmup"):
        CurveRecorder(tmp_path / "h.json", warmup=0)


def test_one_batch_per_epoch_gives_the_batch_size(tmp_path):
    model = FakeModel()
    rec = CurveRecorder(tmp_path / "h.json")
    start(rec, model, steps=1)  # batch_size="full": no second step to measure from
    run_epoch(rec, model, 0, [250], [1.0])
    data = rec.to_dict()
    assert data["context"]["batch_size"] == 250
    assert data["batch"]["sizes"] == [250] and data["batch"]["exact"] is True
