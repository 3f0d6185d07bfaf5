"""TensorBoard log directories: Keras' callback, PyTorch, tensorboardX, Lightning.

The fixtures in ``fixtures/tensorboard/`` come from real training runs
(``fixtures/make_tensorboard_fixture.py``, ``fixtures/make_torch_fixtures.py``); what the
loader reads is checked against what the same runs recorded independently
(``fixtures/tensorboard_reference/``: CurveRecorder files, the values the loops logged) and
against Lightning's CSVLogger of the same ``fit``. A few damaged or unusual files are
written here with tensorboard's own record writer.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, ROOT, CliResult

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders.tensorboard import find_runs, interpret_tag, is_tensorboard_run

pytest.importorskip("tensorboard")

TB = FIXTURES / "tensorboard"
REF = FIXTURES / "tensorboard_reference"
Cli = Callable[..., CliResult]


def _f32(values: object) -> np.ndarray:
    """Values as TensorBoard stores them (float32), back in float64."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


# -- Keras' TensorBoard callback -----------------------------------------------------------


def test_keras_batch_logs_match_the_recorder_of_the_same_fit() -> None:
    h = curvedoc.load(TB / "keras_waveforms_batch")
    ref = curvedoc.load(REF / "keras_waveforms_batch.curvedoc.json")
    assert h.source.format == "tensorboard-keras"
    assert h.epochs.tolist() == ref.epochs.tolist()
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"):
        np.testing.assert_allclose(h.epoch_series[key], _f32(ref.epoch_series[key]), rtol=1e-6)
    # batch_* are running means; the loader recovers each batch's own value
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(h.batch_series[key], ref.batch_series[key], rtol=1e-4, atol=1e-6)
    assert h.batch_epoch_starts.tolist() == ref.batch_epoch_starts.tolist()
    assert h.batch_epochs.tolist() == ref.batch_epochs.tolist()
    assert h.context["steps_per_epoch"] == ref.context["steps_per_epoch"] == 10
    assert any("running means" in n for n in h.source.notes)


def test_keras_epoch_logs_with_validation_every_other_epoch() -> None:
    h = curvedoc.load(TB / "keras_sine_lr_high")
    ref = curvedoc.load(REF / "keras_sine_lr_high.curvedoc.json")
    assert h.n_batches == 0
    assert h.epochs.tolist() == ref.epochs.tolist() == list(range(16))
    val = h.epoch_series["val_loss"]
    assert np.isnan(val[0::2]).all() and np.isfinite(val[1::2]).all()
    np.testing.assert_allclose(val, _f32(ref.epoch_series["val_loss"]), rtol=1e-6)
    np.testing.assert_allclose(h.epoch_series["loss"], _f32(ref.epoch_series["loss"]), rtol=1e-6)
    assert "epoch_steps_per_second" not in h.epoch_series
    assert "steps_per_second" not in h.epoch_series


def test_keras_logging_every_n_batches(tmp_path: Path) -> None:
    """``update_freq=5``: the same run with only every fifth batch summary kept."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    from curvedoc.loaders.tensorboard import _records

    run = tmp_path / "every5"
    shutil.copytree(TB / "keras_waveforms_batch", run)
    (train,) = (run / "train").glob("events*")
    records = [r for r in _records(train.read_bytes()) if isinstance(r, bytes)]
    with train.open("wb") as fh:
        w = RecordWriter(fh)
        for rec in records:
            ev = event_pb2.Event.FromString(rec)
            tags = [v.tag for v in ev.summary.value]
            if any(t.startswith("batch_") for t in tags) and ev.step % 5:
                continue  # Keras writes batch summaries only when step % update_freq == 0
            w.write(rec)
    h = curvedoc.load(run)
    ref = curvedoc.load(REF / "keras_waveforms_batch.curvedoc.json")
    assert h.batch_steps.tolist() == list(range(5, 121, 5))
    # each value is now the mean of the five batches since the previous one
    for key in ("loss", "accuracy"):
        blocks = ref.batch_series[key].reshape(-1, 5).mean(axis=1)
        np.testing.assert_allclose(h.batch_series[key], blocks, rtol=1e-4, atol=1e-6)
    assert h.batch_epoch_starts.tolist() == list(range(0, 24, 2))
    assert any("mean of the batches since the previous one" in n for n in h.source.notes)


def test_a_keras_run_is_diagnosed_like_its_recorder_file() -> None:
    tb = curvedoc.diagnose(curvedoc.load(TB / "keras_sine_lr_high"))
    ref = curvedoc.diagnose(curvedoc.load(REF / "keras_sine_lr_high.curvedoc.json"))
    a, b = tb.metrics["pairs"]["loss"], ref.metrics["pairs"]["loss"]
    for side in ("train", "val"):
        assert a[side]["best_epoch"] == b[side]["best_epoch"]
        assert a[side]["jitter"] == pytest.approx(b[side]["jitter"], rel=1e-3)


# -- PyTorch, tensorboardX, Lightning ------------------------------------------------------


def test_pytorch_summarywriter_simple_values() -> None:
    h = curvedoc.load(TB / "torch_sine")
    ref = json.loads((REF / "torch_sine.json").read_text())
    assert h.source.format == "tensorboard"
    np.testing.assert_allclose(h.batch_series["loss"], _f32(ref["step_loss"]), rtol=1e-7)
    np.testing.assert_allclose(h.epoch_series["val_loss"], _f32(ref["val_loss"]), rtol=1e-7)
    assert h.epochs.tolist() == ref["val_step"]  # Loss/val was logged at the epoch number
    spe = len(ref["step_loss"]) // len(ref["val_loss"])
    expected = _f32(ref["step_loss"]).reshape(-1, spe).mean(axis=1)
    np.testing.assert_allclose(h.epoch_series["loss"], expected, rtol=1e-9)
    assert h.context["steps_per_epoch"] == spe
    assert any("mean of its logged steps" in n for n in h.source.notes)


def test_tensorboardx_values_logged_at_global_steps() -> None:
    h = curvedoc.load(TB / "tensorboardx_sine")
    ref = json.loads((REF / "tensorboardx_sine.json").read_text())
    assert h.epochs.tolist() == list(range(len(ref["val_loss"])))
    np.testing.assert_allclose(h.epoch_series["val_loss"], _f32(ref["val_loss"]), rtol=1e-7)
    # the epoch boundaries come from the global steps the validation was logged at
    ends = np.asarray(ref["val_step"])
    assert h.batch_epoch_starts.tolist() == [0, *(ends[:-1] + 1).tolist()]


def test_lightning_tensorboard_logger_agrees_with_its_csv_logger() -> None:
    """One Trainer.fit logged to both loggers: the two readings must be the same run."""
    tb = curvedoc.load(TB / "lightning_sine")  # the run is in version_0/ below
    csv = curvedoc.load(FIXTURES / "lightning" / "sine_lstm" / "version_0" / "metrics.csv")
    assert tb.epochs.tolist() == csv.epochs.tolist()
    for key in ("loss", "val_loss", "val_mae"):
        np.testing.assert_allclose(tb.epoch_series[key], csv.epoch_series[key], rtol=1e-6)
    np.testing.assert_allclose(tb.batch_series["loss"], csv.batch_series["loss"], rtol=1e-6)
    assert tb.batch_steps.tolist() == csv.batch_steps.tolist()
    assert tb.batch_epoch_starts.tolist() == csv.batch_epoch_starts.tolist()
    assert tb.context == csv.context == {"steps_per_epoch": 15}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("Loss/train", ("loss", False, "unknown")),
        ("Loss/val", ("loss", True, "unknown")),
        ("val/acc", ("acc", True, "unknown")),
        ("Accuracy/validation", ("accuracy", True, "unknown")),
        ("train_loss_step", ("loss", False, "step")),
        ("train_loss_epoch", ("loss", False, "epoch")),
        ("valid-loss", ("loss", True, "unknown")),
        ("Loss_test/Loss", ("loss", True, "unknown")),  # add_scalars writes a subfolder
        ("lr-Adam", ("learning_rate", False, "unknown")),
        ("mean_absolute_error", ("mean_absolute_error", False, "unknown")),
    ],
)
def test_tag_names(tag: str, expected: tuple[str, bool, str]) -> None:
    assert interpret_tag(tag) == expected


# -- layout, damage, no reservoir sampling -------------------------------------------------


def _write_events(
    path: Path, points: list[tuple[str, int, float]], *, tensor: bool = False
) -> None:
    """An event file as tensorboard's writers produce it (file_version first)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter
    from tensorboard.util import tensor_util

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        w = RecordWriter(fh)
        w.write(
            event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString()
        )
        for tag, step, value in points:
            if tensor:
                v = summary_pb2.Summary.Value(
                    tag=tag, tensor=tensor_util.make_tensor_proto(np.float32(value))
                )
                v.metadata.plugin_data.plugin_name = "scalars"
            else:
                v = summary_pb2.Summary.Value(tag=tag, simple_value=value)
            ev = event_pb2.Event(
                step=step, wall_time=time.time(), summary=summary_pb2.Summary(value=[v])
            )
            w.write(ev.SerializeToString())


def _real_steps() -> list[float]:
    return json.loads((REF / "torch_sine.json").read_text())["step_loss"]


def test_every_point_is_kept(tmp_path: Path) -> None:
    # TensorBoard's EventAccumulator keeps a reservoir of 1,000 scalars per tag by default
    steps = (_real_steps() * 40)[:6000]
    _write_events(
        tmp_path / "run" / "events.out.tfevents.1.host",
        [("loss", i, v) for i, v in enumerate(steps)],
    )
    h = curvedoc.load(tmp_path / "run")
    assert h.n_epochs == 6000
    np.testing.assert_allclose(h.epoch_series["loss"], _f32(steps))
    assert h.epochs.tolist() == list(range(6000))


def test_tensor_scalars_outside_keras_folders(tmp_path: Path) -> None:
    vals = _real_steps()[:40]
    _write_events(
        tmp_path / "r" / "events.out.tfevents.2.h",
        [("train/loss", i, v) for i, v in enumerate(vals)],
        tensor=True,
    )
    h = curvedoc.load(tmp_path / "r")
    np.testing.assert_allclose(h.epoch_series["loss"], _f32(vals))


def test_a_restarted_run_keeps_the_later_values(tmp_path: Path) -> None:
    vals = _real_steps()[:12]
    first = [("val_loss", e, v) for e, v in enumerate(vals[:8])]
    again = [("val_loss", e, v * 0.5) for e, v in enumerate(vals[5:12], start=5)]
    _write_events(tmp_path / "r" / "events.out.tfevents.3.h", first + again)
    h = curvedoc.load(tmp_path / "r")
    expected = _f32(vals[:5] + [v * 0.5 for v in vals[5:12]])
    np.testing.assert_allclose(h.epoch_series["val_loss"], expected, rtol=1e-6)
    assert any("restarted" in n for n in h.source.notes)


def test_a_file_cut_short_is_read_up_to_the_cut(tmp_path: Path) -> None:
    run = tmp_path / "cut"
    shutil.copytree(TB / "torch_sine", run)
    (event,) = run.glob("events*")
    data = event.read_bytes()
    event.write_bytes(data[: len(data) * 2 // 3])  # a writer still busy, or a crash
    h = curvedoc.load(run)
    full = curvedoc.load(TB / "torch_sine")
    assert 0 < h.n_batches < full.n_batches
    np.testing.assert_allclose(h.batch_series["loss"], full.batch_series["loss"][: h.n_batches])
    n_val = int(np.isfinite(h.epoch_series["val_loss"]).sum())
    assert 0 < n_val < 10
    np.testing.assert_allclose(
        h.epoch_series["val_loss"][:n_val], full.epoch_series["val_loss"][:n_val]
    )
    assert any("ends in the middle of a record" in n for n in h.source.notes)


def test_a_damaged_record_header_stops_reading_there(tmp_path: Path) -> None:
    vals = _real_steps()[:50]
    event = tmp_path / "r" / "events.out.tfevents.5.h"
    _write_events(event, [("loss", i, v) for i, v in enumerate(vals)])
    data = bytearray(event.read_bytes())
    pos = 0
    for _ in range(31):  # walk the framing: the file_version record, then 30 scalars
        pos += 16 + int.from_bytes(data[pos : pos + 8], "little")
    data[pos] ^= 0x01  # damage the length field of the 31st scalar
    event.write_bytes(bytes(data))
    h = curvedoc.load(tmp_path / "r")
    np.testing.assert_allclose(h.epoch_series["loss"], _f32(vals[:30]))
    assert any("damaged record header" in n for n in h.source.notes)


def test_module_doctests() -> None:
    import doctest

    import curvedoc.loaders.tensorboard as tb

    assert doctest.testmod(tb).failed == 0


def test_a_last_epoch_without_validation_still_gets_its_batches(tmp_path: Path) -> None:
    ref = json.loads((REF / "torch_sine.json").read_text())
    steps, val = ref["step_loss"], ref["val_loss"]
    points = [("Loss/train", i, v) for i, v in enumerate(steps)]
    points += [("Loss/val", e, v) for e, v in enumerate(val[:-1])]  # killed before the last
    _write_events(tmp_path / "r" / "events.out.tfevents.4.h", points)
    h = curvedoc.load(tmp_path / "r")
    assert h.epochs.tolist() == list(range(10))
    assert np.isnan(h.epoch_series["val_loss"][-1])
    assert h.batch_epoch_starts.tolist() == list(range(0, 150, 15))
    assert h.epoch_series["loss"][-1] == pytest.approx(np.mean(_f32(steps[-15:])))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: (d / "events.out.tfevents.9.h").write_bytes(
                b"not an event file at all\n" * 3
            ),
            "not a TensorBoard event file",
        ),
        (lambda d: (d / "events.out.tfevents.9.h").write_bytes(b""), "no scalar summaries"),
        (lambda d: _write_events(d / "events.out.tfevents.9.h", []), "no scalar summaries"),
        (
            lambda d: (d / "notes.txt").write_text("hello"),
            "no TensorBoard event files or history files",
        ),
        (lambda d: None, "is an empty directory"),
    ],
)
def test_bad_directories_are_one_line_errors(
    cli: Cli, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    d = tmp_path / "logs"
    d.mkdir()
    make(d)
    with pytest.raises(LoadError, match=message):
        curvedoc.load(d)
    res = cli("analyze", d)
    assert res.code == 2 and res.out == ""
    assert len(res.err.strip().splitlines()) == 1 and message in res.err


def test_run_discovery() -> None:
    assert is_tensorboard_run(TB / "keras_waveforms_batch")  # train/ and validation/
    assert is_tensorboard_run(TB / "torch_sine")  # events in the folder
    assert not is_tensorboard_run(TB / "lightning_sine")  # events one level down
    names = [p.relative_to(TB).as_posix() for p in find_runs(TB)]
    assert names == [
        "keras_sine_lr_high",
        "keras_waveforms_batch",
        "lightning_sine/version_0",
        "tensorboardx_sine",
        "torch_sine",
    ]
    with pytest.raises(LoadError, match="holds 5 runs"):
        curvedoc.load(TB)


# -- no TensorFlow, and a clear message without the extra ----------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_reading_tensorboard_logs_never_imports_tensorflow() -> None:
    code = (
        "import sys\n"
        "from curvedoc.cli import main\n"
        f"for run in {[str(TB / 'keras_waveforms_batch'), str(TB / 'torch_sine')]!r}:\n"
        "    assert main(['analyze', run, '--format', 'json']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'torch', 'jax'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_without_the_tensorboard_package_the_error_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['tensorboard'] = None  # as if it were not installed\n"
        "from curvedoc.cli import main\n"
        f"sys.exit(main(['analyze', {str(TB / 'torch_sine')!r}]))\n"
    )
    proc = _python(code)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "pip install 'curvedoc[tensorboard]'" in lines[0]


def test_event_files_read_in_small_blocks_give_the_same_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Blocks smaller than one record: every record straddles a block boundary."""
    import curvedoc.loaders.tensorboard as tb

    runs = sorted(p for p in (FIXTURES / "tensorboard").iterdir() if p.is_dir())
    before = [_history_key(curvedoc.load(r)) for r in runs]
    for block in (13, 200):
        monkeypatch.setattr(tb, "READ_BLOCK", block)
        assert [_history_key(curvedoc.load(r)) for r in runs] == before


def _history_key(h: curvedoc.History) -> object:
    return (
        h.epochs.tolist(),
        {k: v.tobytes() for k, v in h.epoch_series.items()},
        {k: v.tobytes() for k, v in h.batch_series.items()},
        h.source.notes,
    )


def test_long_records_are_stepped_over_unread() -> None:
    from tensorboard.summary.writer.record_writer import RecordWriter

    import curvedoc.loaders.tensorboard as tb

    buf = io.BytesIO()
    writer = RecordWriter(buf)
    writer.write(b"a" * 10)
    writer.write(b"b" * (tb.MAX_SCALAR_RECORD + 1))
    writer.write(b"c" * 10)
    data = buf.getvalue()
    items = list(tb.read_records(io.BytesIO(data), len(data)))
    assert items == [b"a" * 10, b"", b"c" * 10]
