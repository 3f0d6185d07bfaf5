"""Record a Keras training run for curvedoc: the :class:`CurveRecorder` callback.

This is the only curvedoc module that imports Keras. It writes the curvedoc history file
(``docs/history-format.md``, format version 1) after every epoch, atomically, and can
run the diagnosis while the model trains (``live=True``). See ``docs/recorder.md``.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import math
import os
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from curvedoc import __version__, names
from curvedoc.errors import MissingExtraError
from curvedoc.fileio import remove_stale_temporaries, write_text_atomic
from curvedoc.loaders.curvedoc_format import FORMAT_NAME, FORMAT_VERSION
from curvedoc.model_file import schedule_initial
from curvedoc.report import json_safe

try:
    import keras
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise MissingExtraError("keras", "keras", "curvedoc.keras.CurveRecorder") from _exc

__all__ = ["CurveRecorder", "FindingWarning", "RecorderWarning", "history_record", "save_history"]

WRITER = f"curvedoc {__version__} CurveRecorder"

STATS_MAX_ROWS = 100_000
"""Input/target statistics look at no more than this many rows (evenly spaced)."""
STATS_MAX_ELEMENTS = 5_000_000
"""... and no more than this many numbers, so a wide input stays cheap."""
STATS_MAX_FEATURES = 1024
"""Per-feature lists longer than this are cut (``"truncated": true`` says so)."""

_DEFAULT_CAPACITY = 256
_LAYER_KEYS = ("units", "dropout", "recurrent_dropout", "rate", "return_sequences")
_REGULARIZER_KEYS = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
)


class RecorderWarning(UserWarning):
    """Something went wrong in the recorder; training continues and nothing is lost."""


class FindingWarning(UserWarning):
    """The live diagnosis found a problem with the run (one warning per finding code)."""


# Recorders inside ``fit``: at interpreter exit (an uncaught exception, ``sys.exit``)
# their files are marked "interrupted". Weak, so a forgotten recorder is not kept alive.
_ACTIVE: weakref.WeakSet[CurveRecorder] = weakref.WeakSet()


@atexit.register
def _mark_interrupted_at_exit() -> None:  # pragma: no cover - runs at interpreter exit
    for recorder in list(_ACTIVE):
        with contextlib.suppress(Exception):
            recorder._finish("interrupted", warn=False)


def _guarded(hook: Callable[..., None]) -> Callable[..., None]:
    """Make a callback hook unable to raise into ``fit``: errors become one warning."""

    @functools.wraps(hook)
    def wrapper(self: CurveRecorder, *args: Any, **kwargs: Any) -> None:
        try:
            hook(self, *args, **kwargs)
        except Exception as exc:
            self._internal_error(hook.__name__, exc)

    return wrapper


class CurveRecorder(keras.callbacks.Callback):
    """Record a Keras run into a curvedoc history file that ``curvedoc analyze`` reads.

    After every epoch the recorder rewrites ``path`` atomically (temporary file, fsync,
    rename) with every epoch's logs (validation included), the learning rate, the true
    per-batch training loss and metrics, and the training context (optimizer, batch
    size, sample counts, parameter count, a layer summary, the loss, and input/target
    statistics when a sample is given). A crash or kill at any moment leaves the last
    complete epoch on disk.

    Keras 3 passes ``on_train_batch_end`` the running mean over the epoch so far; the
    recorder recovers each batch's own value exactly from successive running means
    weighted by the batch sizes (the smaller last batch included), doing the arithmetic
    once per epoch with numpy. Per batch it only stores the floats Keras already
    produced, and it is ``async_safe`` (on backends that dispatch callbacks in a thread).

    The recorder never raises into training: a failed write warns once
    (:class:`RecorderWarning`), keeps the record in memory and retries after the next
    epoch. Under ``tf.distribute`` multi-worker training (and multi-process JAX or
    torch) only the chief writes.

    Args:
        path: the history file to write (its directory is created when missing).
        data: optional sample of the training inputs (numpy array, list or dict of
            arrays for multi-input models). Per-feature min, max, mean and std are
            recorded as ``context.input_stats`` (from at most 100,000 evenly spaced
            rows), so the diagnosis can tell unscaled data for sure. Datasets and
            generators are never iterated: their statistics are skipped with a warning.
        targets: optional sample of the training targets; recorded the same way as
            ``context.target_stats`` (unscaled targets make an MSE loss huge).
        record_batches: record per-batch values (default True).
        overwrite: when False (the default) a run resumed with ``initial_epoch > 0``
            appends to the existing file, dropping its epochs ``>= initial_epoch``; when
            True every ``fit`` starts a new file. A run starting at epoch 0 always
            starts a new file.
        live: run the diagnosis on the in-memory record while training and warn
            (:class:`FindingWarning`) once per new warning/error finding, with its top
            fix. An epoch whose loss (or any metric) first turns NaN or infinite is
            diagnosed at once, warmup or not, so a run that diverges at its first epoch
            is reported (and, with ``on_finding="stop"``, stopped) there.
        warmup: live mode: first diagnosis once this many epochs are recorded.
        every: live mode: then every this many epochs.
        on_finding: live mode: ``"warn"`` (default) or ``"stop"``, which also stops
            training (``model.stop_training = True``) on an ``error`` finding such as
            divergence.

    Attributes:
        report: the latest live :class:`~curvedoc.report.Report`, or None.

    Example:
        Record a run, then diagnose it::

            import keras
            from curvedoc.keras import CurveRecorder

            model = keras.Sequential([keras.Input((20, 4)), keras.layers.LSTM(32),
                                      keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x_train, y_train, validation_split=0.2, epochs=50,
                      callbacks=[CurveRecorder("history.json", data=x_train,
                                               targets=y_train, live=True)])

        and in a shell: ``curvedoc analyze history.json``.
    """

    async_safe = True  # the per-batch hook only stores floats at their batch index

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        data: Any = None,
        targets: Any = None,
        record_batches: bool = True,
        overwrite: bool = False,
        live: bool = False,
        warmup: int = 5,
        every: int = 5,
        on_finding: str = "warn",
    ) -> None:
        super().__init__()
        if on_finding not in ("warn", "stop"):
            raise ValueError(f"on_finding must be 'warn' or 'stop', not {on_finding!r}")
        if int(warmup) < 1 or int(every) < 1:
            raise ValueError("warmup and every must be at least 1")
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        self.record_batches = bool(record_batches)
        self.overwrite = bool(overwrite)
        self.live = bool(live)
        self.warmup = int(warmup)
        self.every = int(every)
        self.on_finding = on_finding
        self.report: Any = None
        self._writer = WRITER
        self._input_stats = _sample_stats(data, "data")
        self._target_stats = _sample_stats(targets, "targets")
        self._lock = threading.Lock()
        self._prior: dict[str, Any] | None = None
        self._reset_run()

    # -- per-run state --------------------------------------------------------------------

    def _reset_run(self) -> None:
        self._running = False
        self._status = "running"
        self._epochs: list[int] = []
        self._epoch_logs: dict[str, list[float | None]] = {}
        self._segments: list[_Segment] = []
        self._context: dict[str, Any] = {}
        self._notes: dict[str, str] = {}
        self._spe = 1
        self._first_epoch: int | None = None
        self._chief = True
        self._write_warned = False
        self._internal_warned: set[str] = set()
        self._warned_codes: set[str] = set()
        self._nonfinite_seen = False
        # per-batch recording
        self._keys: list[str] | None = None
        self._cols: list[tuple[str, list[Any]]] | None = None
        self._cap = -1
        self._cap_hint = _DEFAULT_CAPACITY
        self._batch_size: int | None = None
        self._need_batch_size = False
        self._sizes_vary = False
        self._metric_map: dict[str, Any] | None = None
        self._kinds: dict[str, str] = {}
        self._recovered: set[str] = set()
        self._weighted: list[str] = []
        self._counts: dict[str, float] | None = None
        self._in_epoch = False
        self._train_counted = False
        self._val_counted = False

    # -- hooks ------------------------------------------------------------------------

    @_guarded
    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Reset the per-run state and collect the training context."""
        logs = logs or {}
        if self._epochs:
            self._prior = self.to_dict()
        self._reset_run()
        self._running = True
        _ACTIVE.add(self)
        self._chief = _is_chief()
        if self._chief:  # temporary files a killed writer left next to this history
            remove_stale_temporaries(self.path)
        model = self.model
        self._spe = _safe(lambda: max(1, int(getattr(model, "steps_per_execution", 1) or 1))) or 1
        steps = (self.params or {}).get("steps")
        if isinstance(steps, int) and steps > 0:
            self._cap_hint = steps
        self._need_batch_size = True
        self._context = self._collect_context(model)

    @_guarded
    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Note where the run starts (resuming when it is not epoch 0); new batch buffers."""
        logs = logs or {}
        if not self._running:  # a hand-driven callback list that skipped on_train_begin
            self.on_train_begin()
        if self._first_epoch is None:
            self._first_epoch = int(epoch)
            self._context["initial_epoch"] = int(epoch)
            if epoch > 0 and not self.overwrite:
                self._resume(int(epoch))
        self._counts = None
        self._in_epoch = True
        if self.record_batches:
            if self._keys is not None:
                cap = max(self._cap_hint, 1)
                self._cols = [(k, [None] * cap) for k in self._keys]
                self._cap = cap
            else:
                self._cols = None
                self._cap = -1

    def on_train_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Measure the batch size once, from the loss tracker after the first step."""
        if self._need_batch_size and batch > 0:
            self._measure_batch_size(batch)

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Store the running means Keras reports, at their batch index (no other work)."""
        logs = logs or {}
        cols = self._cols
        if cols is not None and batch < self._cap:
            try:
                for key, col in cols:
                    col[batch] = logs[key]
                return
            except Exception:
                pass
        self._batch_slow(batch, logs)

    @_guarded
    def on_test_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Read the training sample counts before validation inside ``fit`` resets them."""
        logs = logs or {}
        if self._in_epoch:
            self._snapshot_counts()

    @_guarded
    def on_test_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Note the validation sample count (validation inside ``fit``)."""
        logs = logs or {}
        if self._in_epoch and not self._val_counted:
            self._val_counted = True
            tracker = _loss_tracker(self.model)
            if tracker is not None:
                count = _read_scalar(tracker.count)
                if count > 0 and count == round(count):
                    self._context["val_samples"] = round(count)

    @_guarded
    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Add the epoch row and its batch values, diagnose when live, write the file."""
        logs = logs or {}
        if not self._running:
            return
        self._in_epoch = False
        self._snapshot_counts()
        if self._batch_size is None and (self.params or {}).get("steps") == 1:
            samples = (self._counts or {}).get("loss")  # one step per epoch: a full batch
            if samples and samples == round(samples):
                self._batch_size = round(samples)
                self._context["batch_size"] = self._batch_size
        if self.record_batches:
            self._close_segment(int(epoch))
        self._add_epoch_row(int(epoch), logs)
        if self.live:
            self._live_diagnosis(int(epoch))
        self._write()

    @_guarded
    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Write the final status: ``finished``, or ``stopped`` when a callback stopped."""
        logs = logs or {}
        stopped = bool(getattr(self.model, "stop_training", False))
        self._finish("stopped" if stopped else "finished")

    # -- public ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the record as the file holds it (strict JSON: ``"NaN"`` for NaN)."""
        return json.loads(self._render())

    # -- batch recording --------------------------------------------------------------

    def _batch_slow(self, batch: int, logs: Mapping[str, Any]) -> None:
        """First batch of a run, a batch past the buffers, or a key missing from logs."""
        try:
            if not (self.record_batches and self._running) or batch < 0:
                return
            with self._lock:
                if self._cols is None:
                    if self._keys is None:
                        self._keys = [str(k) for k in logs]
                    cap = max(self._cap_hint, batch + 1)
                    self._cols = [(k, [None] * cap) for k in self._keys]
                    self._cap = cap
                elif batch >= self._cap:
                    cap = max(batch + 1, 2 * self._cap)
                    for _, col in self._cols:  # in place: concurrent writers keep their list
                        col.extend([None] * (cap - len(col)))
                    self._cap = cap
            nan = math.nan
            for key, col in self._cols:
                col[batch] = logs.get(key, nan)
        except Exception as exc:
            self._internal_error("on_train_batch_end", exc)

    def _measure_batch_size(self, batch: int) -> None:
        self._need_batch_size = False
        try:
            tracker = _loss_tracker(self.model)
            if tracker is None:
                return
            count = _read_scalar(tracker.count)
            size = count / batch
            if size >= 1 and size == round(size):
                self._batch_size = round(size)
                self._context["batch_size"] = self._batch_size
            else:
                self._sizes_vary = True
        except Exception as exc:
            self._internal_error("on_train_batch_begin", exc)

    def _snapshot_counts(self) -> None:
        """Read each running-mean metric's sample count once per epoch (before validation)."""
        if self._counts is not None:
            return
        self._counts = {}
        model = self.model
        if self._metric_map is None:
            self._metric_map = _metric_map(model)
        for key, metric in self._metric_map.items():
            if _is_running_mean(metric):
                try:
                    self._counts[key] = _read_scalar(metric.count)
                except Exception:
                    continue
        samples = self._counts.get("loss")
        if samples and samples == round(samples) and not self._train_counted:
            self._train_counted = True
            self._context["train_samples"] = round(samples)

    def _classify(self, keys: list[str]) -> None:
        metric_map = self._metric_map or {}
        other: list[str] = []
        for key in keys:
            metric = metric_map.get(key)
            if metric is None:
                self._kinds[key] = "unknown"
            elif _is_running_mean(metric):
                self._kinds[key] = "mean"
            else:
                self._kinds[key] = "other"
                other.append(key)
        if other:
            self._notes["other"] = (
                f"Not recorded per batch: {', '.join(other)} (not a running mean of "
                "per-batch values, so a batch's own value cannot be recovered)."
            )

    def _close_segment(self, epoch: int) -> None:
        """Turn this epoch's running means into per-batch values (vectorised)."""
        cols = self._cols
        self._cols = None
        self._cap = -1
        if not cols:
            return
        if not self._kinds:
            self._classify([k for k, _ in cols])
        marker = cols[0][1]
        idx = [i for i, v in enumerate(marker) if v is not None]
        if not idx:
            return
        self._cap_hint = max(self._cap_hint, idx[-1] + 1)
        ends = np.asarray(idx, dtype=np.int64)
        counts = self._counts or {}
        samples = counts.get("loss")
        cum: np.ndarray | None = None
        if samples is not None and samples >= 1 and samples == round(samples):
            total = round(samples)
            size = self._batch_size
            if len(idx) == 1:
                cum = np.array([total], dtype=np.float64)
            elif size and not self._sizes_vary:
                # every report but the last covers full batches; the last holds the rest
                # (with steps_per_execution > 1 Keras may report an end step past the
                # epoch's last step, so only the samples decide)
                full = size * (ends + 1)
                if full[-2] < total <= full[-1]:
                    cum = np.minimum(full, total).astype(np.float64)
        exact = cum is not None
        if cum is None:
            cum = (ends + 1).astype(np.float64)
            self._notes["sizes"] = (
                "In some epochs the batch sizes could not be determined (the samples per "
                "epoch do not fit one fixed batch size): their batch values assume equal "
                "batch sizes and are approximate."
            )
        weights = np.diff(cum, prepend=0.0)
        series: dict[str, np.ndarray] = {}
        for key, col in cols:
            kind = self._kinds.get(key, "unknown")
            if kind == "other":
                continue
            raw = _floats([col[i] for i in idx])
            if kind == "unknown":
                series[key] = raw
                exact = False
                self._notes["unknown:" + key] = (
                    f"'{key}' is not one of the model's metrics (a custom train_step?): "
                    "recorded as Keras reported it, possibly a running mean."
                )
                continue
            count = counts.get(key)
            if exact and count is not None and abs(count - cum[-1]) > 0.5:
                if key not in self._recovered:  # weighted differently from the start
                    self._kinds[key] = "other"
                    self._weighted.append(key)
                    self._notes["weighted"] = (
                        f"Not recorded per batch: {', '.join(self._weighted)} (weighted "
                        "differently from the batch size: sample weights or masking)."
                    )
                    continue
                series[key] = np.full(len(idx), np.nan)
                self._notes["weights"] = (
                    "Some metrics were weighted differently from the batch size in some "
                    "epochs (sample weights or masking): their batch values there are NaN."
                )
                continue
            self._recovered.add(key)
            with np.errstate(all="ignore"):
                series[key] = np.diff(raw * cum, prepend=0.0) / weights
        sizes = weights.astype(np.int64) if exact else None
        self._segments.append(_Segment(epoch, len(idx), sizes, series, exact))

    # -- epochs -----------------------------------------------------------------------

    def _add_epoch_row(self, epoch: int, logs: Mapping[str, Any]) -> None:
        row = {str(k): _to_float(v) for k, v in logs.items()}
        if not any(names.is_learning_rate(k) for k in row):
            lr = _safe(lambda: _current_lr(self.model))
            if lr is not None:
                row["learning_rate"] = lr
        if self._epochs and epoch <= self._epochs[-1]:
            self._truncate_from(epoch)  # a resumed record's stale tail
        n = len(self._epochs)
        for key, value in row.items():
            col = self._epoch_logs.get(key)
            if col is None:
                col = self._epoch_logs[key] = [None] * n
            col.append(value)
        for col in self._epoch_logs.values():
            if len(col) < n + 1:
                col.append(None)
        self._epochs.append(epoch)

    def _truncate_from(self, epoch: int) -> None:
        keep = [i for i, e in enumerate(self._epochs) if e < epoch]
        self._epochs = [self._epochs[i] for i in keep]
        self._epoch_logs = {k: [v[i] for i in keep] for k, v in self._epoch_logs.items()}

    # -- resume -----------------------------------------------------------------------

    def _resume(self, initial_epoch: int) -> None:
        prior = self._read_existing()
        if prior is None:
            return
        epochs = prior.get("epochs")
        logs = prior.get("epoch_logs")
        if not isinstance(epochs, list) or not isinstance(logs, dict):
            return
        keep = [i for i, e in enumerate(epochs) if isinstance(e, int) and e < initial_epoch]
        self._epochs = [epochs[i] for i in keep]
        for key, values in logs.items():
            if isinstance(values, list) and len(values) == len(epochs):
                col = [_from_json(values[i]) for i in keep]
                if any(v is not None for v in col):
                    self._epoch_logs[str(key)] = col
        context = prior.get("context")
        if isinstance(context, dict):
            merged = dict(context)
            merged.update(self._context)
            self._context = merged
        batch = prior.get("batch")
        if isinstance(batch, dict):
            self._segments = _segments_from_json(batch, initial_epoch)
            note = batch.get("note")
            if isinstance(note, str) and note:
                self._notes["prior"] = note
            old_spe = batch.get("steps_per_execution")
            if isinstance(old_spe, int) and old_spe != self._spe:
                self._notes["prior_spe"] = (
                    f"Epochs before {initial_epoch} were recorded with "
                    f"steps_per_execution={old_spe}."
                )

    def _read_existing(self) -> dict[str, Any] | None:
        problem = None
        if os.path.exists(self.path):
            try:
                with open(self.path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if isinstance(data, dict) and data.get("format") == FORMAT_NAME:
                    return data
                problem = "it is not a curvedoc history file"
            except (OSError, ValueError) as exc:
                problem = f"it could not be read ({exc})"
        if self._prior is not None:  # this instance's own previous run, kept in memory
            return self._prior
        if problem is not None:
            self._warn(
                f"cannot append to {self.path}: {problem}; it will be overwritten by this run"
            )
        return None

    # -- live diagnosis ---------------------------------------------------------------

    def _live_diagnosis(self, epoch: int) -> None:
        n = len(self._epochs)
        if not (
            self._first_nonfinite() or (n >= self.warmup and not (n - self.warmup) % self.every)
        ):
            return
        try:
            import curvedoc
            from curvedoc.loaders.curvedoc_format import history_from_dict

            report = curvedoc.diagnose(history_from_dict(self.to_dict(), self.path))
        except Exception as exc:
            self._internal_error("live diagnosis", exc)
            return
        self.report = report
        stop = None
        for finding in report.findings:
            if finding.severity not in ("warning", "error"):
                continue
            if finding.severity == "error" and stop is None:
                stop = finding
            if finding.code in self._warned_codes:
                continue
            self._warned_codes.add(finding.code)
            if self._chief:
                fix = f" Try: {finding.fixes[0].text}" if finding.fixes else ""
                warnings.warn(
                    FindingWarning(
                        f"curvedoc [epoch {epoch}] {finding.code} ({finding.severity}): "
                        f"{finding.message}{fix}"
                    ),
                    stacklevel=2,
                )
        if stop is not None and self.on_finding == "stop":
            self.model.stop_training = True
            if self._chief:
                warnings.warn(
                    FindingWarning(
                        f"curvedoc: training stopped after epoch {epoch} on {stop.code}"
                    ),
                    stacklevel=2,
                )

    def _first_nonfinite(self) -> bool:
        """Whether the newest epoch is the first with a NaN or infinite metric value."""
        if self._nonfinite_seen:
            return False
        for key, col in self._epoch_logs.items():
            value = col[-1] if col else None
            if value is not None and not math.isfinite(value) and not names.is_learning_rate(key):
                self._nonfinite_seen = True
                return True
        return False

    # -- writing ----------------------------------------------------------------------

    def _finish(self, status: str, *, warn: bool = True) -> None:
        _ACTIVE.discard(self)
        if not self._running:
            return
        self._running = False
        self._status = status
        if self._epochs:
            self._write(warn=warn)

    def _write(self, *, warn: bool = True) -> None:
        if not self._chief or not self._epochs:
            return
        try:
            _atomic_write(self.path, self._render())
        except Exception as exc:
            if warn and not self._write_warned:
                self._write_warned = True
                self._warn(
                    f"could not write {self.path} ({type(exc).__name__}: {exc}); the "
                    "record is kept in memory and the write is retried after every epoch"
                )

    def _render(self) -> str:
        """Build the file's text from per-epoch pieces that are serialised once."""
        parts = [
            f'"format": "{FORMAT_NAME}"',
            f'"format_version": {FORMAT_VERSION}',
            f'"writer": {json.dumps(self._writer)}',
            f'"status": {json.dumps(self._status)}',
            f'"epochs": {json.dumps(self._epochs)}',
            '"epoch_logs": '
            + json.dumps(
                {k: [_json_number(v) for v in col] for k, col in self._epoch_logs.items()},
                allow_nan=False,
            ),
        ]
        if self._segments:
            parts.append('"batch": ' + self._render_batch())
        context = json_safe(self._context)
        parts.append('"context": ' + json.dumps(context, allow_nan=False))
        return "{" + ", ".join(parts) + "}\n"

    def _render_batch(self) -> str:
        segs = self._segments
        keys: list[str] = []
        for seg in segs:
            keys.extend(k for k in seg.series if k not in keys)
        exact = self._spe == 1 and all(s.exact for s in segs)
        notes = list(self._notes.values())
        if self._spe > 1:
            notes.insert(
                0,
                f"steps_per_execution={self._spe}: Keras reports to callbacks once per "
                "execution, so each value is the mean over one execution's batches "
                "(recovered from the running means), not a single batch's value.",
            )
        prior = self._notes.get("prior", "")
        notes = [n for n in notes if n == prior or n not in prior]  # a resumed file's note
        sizes = "null"
        if all(s.sizes is not None for s in segs):
            sizes = _join_arrays(s.sizes_text() for s in segs)
        series = ", ".join(
            f"{json.dumps(k)}: " + _join_arrays(s.text(k) for s in segs) for k in keys
        )
        return (
            "{"
            f'"exact": {json.dumps(exact)}, '
            f'"steps_per_execution": {self._spe}, '
            f'"note": {json.dumps(" ".join(notes) if notes else None)}, '
            f'"epochs": {json.dumps([s.epoch for s in segs])}, '
            f'"counts": {json.dumps([s.count for s in segs])}, '
            f'"sizes": {sizes}, '
            f'"series": {{{series}}}'
            "}"
        )

    # -- context ----------------------------------------------------------------------

    def _collect_context(self, model: Any) -> dict[str, Any]:
        params = self.params or {}
        ctx: dict[str, Any] = {
            "keras_version": keras.__version__,
            "backend": _safe(keras.backend.backend),
        }
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            config = _safe(optimizer.get_config) or {}
            ctx["optimizer"] = {"class": type(optimizer).__name__, "config": json_safe(config)}
            ctx["learning_rate"] = _safe(lambda: _current_lr(model))
            ctx["lr_schedule"] = _schedule_name(config)
        ctx["loss"] = _safe(lambda: _describe_loss(getattr(model, "loss", None)))
        ctx["steps_per_epoch"] = params.get("steps")
        ctx["epochs_planned"] = params.get("epochs")
        ctx["params"] = _safe(lambda: _param_counts(model))
        ctx["layers"] = _safe(lambda: _describe_layers(model))
        ctx["distributed"] = _safe(lambda: _distribution(model))
        ctx["input_stats"] = self._input_stats
        ctx["target_stats"] = self._target_stats
        return {k: v for k, v in ctx.items() if v is not None}

    # -- trouble ----------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        warnings.warn(RecorderWarning(f"curvedoc CurveRecorder: {message}"), stacklevel=3)

    def _internal_error(self, where: str, exc: BaseException) -> None:
        if where in self._internal_warned:
            return
        self._internal_warned.add(where)
        # warnings configured as errors must not reach fit either
        with contextlib.suppress(Exception):
            self._warn(f"{where} failed ({type(exc).__name__}: {exc}); training continues")


def save_history(
    history: Any,
    path: str | os.PathLike[str],
    *,
    model: Any = None,
    data: Any = None,
    targets: Any = None,
    batch_size: int | None = None,
    train_samples: int | None = None,
    val_samples: int | None = None,
    validation_split: float | None = None,
) -> str:
    """Write a finished ``model.fit`` as a curvedoc history file, with its context.

    For a run trained *without* :class:`CurveRecorder`: what ``fit`` returned still holds
    the model, so the facts the curves cannot show (optimizer, learning rate, loss,
    layers, parameter count, planned epochs, steps per epoch) are read from it, and the
    data's scale from ``data`` and ``targets`` as the recorder would record them. The file
    is the recorder's format without the per-batch values (which only a callback sees), so
    ``curvedoc analyze`` diagnoses the run as surely as a recorded one, where the curves
    alone would leave unscaled data or a far-off learning rate a guess.

    Args:
        history: the ``keras.callbacks.History`` that ``model.fit`` returned, or its
            ``.history`` dict (then pass ``model=``).
        path: the history file to write (atomically; its folder is created).
        model: the trained model, when ``history`` is a dict (a History knows its own).
        data: the training inputs, or a sample of them (per-feature statistics, as
            ``CurveRecorder(data=...)``).
        targets: the training targets, or a sample (``CurveRecorder(targets=...)``).
        batch_size: ``fit``'s ``batch_size`` (Keras' default is 32); a History does not
            keep it.
        train_samples: the number of training samples; taken from ``data`` when it is an
            array whose row count matches the steps per epoch at ``batch_size``.
        val_samples: the number of validation samples (a History does not keep it).
        validation_split: ``fit``'s ``validation_split``, with ``data`` the whole array
            that ``fit`` split: both sample counts are then computed as Keras splits
            (the first ``floor(n * (1 - split))`` rows train).

    Returns:
        The absolute path written.

    The learning rate is the one training started with: the first value of a logged
    ``learning_rate`` column, else a schedule's ``initial_learning_rate``, else the
    optimizer's rate now (unchanged by training unless a callback changed it, and such
    callbacks log the column). Raises ``TypeError`` when ``history`` holds no epoch logs
    and ``ValueError`` for a count that is not a positive whole number.

    Example::

        history = model.fit(x_train, y_train, validation_split=0.2, epochs=50)
        save_history(history, "history.json", data=x_train, targets=y_train,
                     batch_size=32)
    """
    rec = _recorder_of(
        history,
        path,
        model=model,
        data=data,
        targets=targets,
        batch_size=batch_size,
        train_samples=train_samples,
        val_samples=val_samples,
        validation_split=validation_split,
    )
    _atomic_write(rec.path, rec._render())
    return rec.path


def history_record(history: Any, *, model: Any = None) -> dict[str, Any]:
    """The curvedoc history record of a finished ``fit``, in memory (no file).

    What :func:`save_history` would write for ``history`` (a ``keras.callbacks.History``
    or its ``.history`` dict with ``model=``), without data statistics: ``curvedoc.load``
    and ``curvedoc.diagnose`` use it when handed a History in a notebook.
    """
    return json.loads(_recorder_of(history, "<keras History>", model=model)._render())


def _recorder_of(
    history: Any,
    path: str | os.PathLike[str],
    *,
    model: Any = None,
    data: Any = None,
    targets: Any = None,
    batch_size: int | None = None,
    train_samples: int | None = None,
    val_samples: int | None = None,
    validation_split: float | None = None,
) -> CurveRecorder:
    """A recorder holding a finished run's epochs and context (see :func:`save_history`)."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise TypeError(
            "save_history needs what model.fit returned (a keras History) or its .history dict"
        )
    counts = {"batch_size": batch_size, "train_samples": train_samples, "val_samples": val_samples}
    for key, value in counts.items():
        whole = isinstance(value, int) and not isinstance(value, bool)
        if value is not None and (not whole or value < 1):
            raise ValueError(f"{key} must be a positive whole number, not {value!r}")
    if validation_split is not None and not (0.0 < float(validation_split) < 1.0):
        raise ValueError(f"validation_split must be between 0 and 1, not {validation_split!r}")
    model = model if model is not None else getattr(history, "model", None)
    params = dict(getattr(history, "params", None) or {})
    epochs = [int(e) for e in (getattr(history, "epoch", None) or [])]
    length = max((len(v) for v in logs.values() if isinstance(v, (list, tuple))), default=0)
    if not length:
        raise TypeError("save_history: the history holds no per-epoch lists of values")
    if len(epochs) != length:
        epochs = list(range(length))
    rec = CurveRecorder(path, data=data, targets=targets, record_batches=False, overwrite=True)
    rec.params = params
    rec._context = rec._collect_context(model) if model is not None else {}
    columns = {str(k): list(v) for k, v in logs.items() if isinstance(v, (list, tuple))}
    logged = next((col for k, col in columns.items() if names.is_learning_rate(k)), [])
    rates = (_to_float(v) for v in logged)
    first_lr = next((x for x in rates if x is not None and math.isfinite(x)), None)
    initial = _initial_rate((rec._context.get("optimizer") or {}).get("config"))
    if first_lr is not None:
        rec._context["learning_rate"] = first_lr
    elif initial is not None:
        rec._context["learning_rate"] = initial
    steps = params.get("steps")
    rows = (rec._input_stats or {}).get("samples")  # the data's rows, counted for its stats
    if rows and validation_split is not None:
        split_at = math.floor(rows * (1.0 - float(validation_split)))  # as keras splits
        train_samples = train_samples or split_at
        val_samples = val_samples or rows - split_at
    elif (
        train_samples is None
        and rows
        and batch_size is not None
        and isinstance(steps, int)
        and -(-rows // batch_size) == steps
    ):
        train_samples = rows
    for key, value in (
        ("batch_size", batch_size),
        ("train_samples", train_samples),
        ("val_samples", val_samples),
    ):
        if value is not None:
            rec._context[key] = value
    rec._context["initial_epoch"] = epochs[0] if epochs else 0
    rec._writer = f"curvedoc {__version__} save_history"
    rec._epochs = list(epochs)
    rec._epoch_logs = {
        k: [_to_float(col[i]) if i < len(col) else None for i in range(len(epochs))]
        for k, col in columns.items()
    }
    rec._status = "finished"
    return rec


def _initial_rate(config: Any) -> float | None:
    """The first rate of the learning-rate schedule in an optimizer's config, if it has one.

    Read by :func:`curvedoc.model_file.schedule_initial`, as a saved model's is.
    """
    lr = _schedule_config(config) if isinstance(config, Mapping) else None
    value = schedule_initial(lr) if lr is not None else None
    return value if value is not None and math.isfinite(value) and value > 0 else None


class _Segment:
    """One epoch's batch values, serialised once (the file is rewritten every epoch)."""

    __slots__ = ("_sizes_text", "_text", "count", "epoch", "exact", "series", "sizes")

    def __init__(
        self,
        epoch: int,
        count: int,
        sizes: np.ndarray | None,
        series: dict[str, np.ndarray],
        exact: bool,
    ) -> None:
        self.epoch = epoch
        self.count = count
        self.sizes = sizes
        self.series = series
        self.exact = exact
        self._text: dict[str, str] = {}
        self._sizes_text: str | None = None

    def text(self, key: str) -> str:
        text = self._text.get(key)
        if text is None:
            values = self.series.get(key)
            text = _numbers_text(values) if values is not None else _nan_text(self.count)
            self._text[key] = text
        return text

    def sizes_text(self) -> str:
        if self._sizes_text is None:
            self._sizes_text = ", ".join(str(int(s)) for s in self.sizes)  # type: ignore[union-attr]
        return self._sizes_text


def _segments_from_json(batch: Mapping[str, Any], before: int) -> list[_Segment]:
    """Rebuild the batch segments of a file being appended to (epochs < ``before``)."""
    epochs, counts = batch.get("epochs"), batch.get("counts")
    series = batch.get("series")
    if not (isinstance(epochs, list) and isinstance(counts, list) and isinstance(series, dict)):
        return []
    sizes = batch.get("sizes")
    exact = batch.get("exact") is not False
    columns = {
        str(k): np.array([_nan_if_none(_from_json(x)) for x in v], dtype=np.float64)
        for k, v in series.items()
        if isinstance(v, list)
    }
    out: list[_Segment] = []
    start = 0
    for epoch, count in zip(epochs, counts, strict=False):
        if not isinstance(count, int) or count < 0:
            return []
        stop = start + count
        if isinstance(epoch, int) and epoch < before:
            seg_sizes = None
            if isinstance(sizes, list) and len(sizes) >= stop:
                seg_sizes = np.asarray(sizes[start:stop], dtype=np.int64)
            seg_series = {k: v[start:stop] for k, v in columns.items() if v.shape[0] >= stop}
            out.append(_Segment(epoch, count, seg_sizes, seg_series, exact))
        start = stop
    return out


# -- helpers: values --------------------------------------------------------------------


def _to_float(value: Any) -> float | None:
    """Cast a log value to float; None when it is not a number."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(arr.reshape(-1)[0]) if arr.size == 1 else None


def _floats(values: list[Any]) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.array([_nan_if_none(_to_float(v)) for v in values], dtype=np.float64)


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _json_number(value: float | None) -> float | str | None:
    if value is None or math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _from_json(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return None


def _numbers_text(values: np.ndarray) -> str:
    """Comma-separated strict-JSON numbers (non-finite values as strings)."""
    items = values.tolist()
    if np.isfinite(values).all():
        return ", ".join(map(repr, items))
    return ", ".join(json.dumps(_json_number(v)) for v in items)


def _nan_text(count: int) -> str:
    return ", ".join(['"NaN"'] * count)


def _join_arrays(chunks: Any) -> str:
    return "[" + ", ".join(c for c in chunks if c) + "]"


def _read_scalar(value: Any) -> float:
    """Read a scalar variable or tensor as a float (one device read)."""
    try:
        return float(value)  # keras.Variable, backend tensors and numpy all support this
    except (TypeError, ValueError):  # e.g. a tf.distribute SyncOnReadVariable
        return float(keras.ops.convert_to_numpy(value))


def _safe(fn: Callable[[], Any]) -> Any:
    """``fn()``, or None when it fails (context facts are best effort)."""
    try:
        return fn()
    except Exception:
        return None


# -- helpers: the model -----------------------------------------------------------------


def _loss_tracker(model: Any) -> Any:
    for metric in getattr(model, "metrics", ()):
        if getattr(metric, "name", None) == "loss" and _is_running_mean(metric):
            return metric
    return None


def _is_running_mean(metric: Any) -> bool:
    """Whether a metric is a Keras ``Mean`` reporting ``total / count`` (recoverable)."""
    mean = keras.metrics.Mean
    return isinstance(metric, mean) and type(metric).result is mean.result


def _metric_map(model: Any) -> dict[str, Any]:
    """Log key -> metric object, naming compiled metrics the way Keras names them."""
    out: dict[str, Any] = {}
    for metric in getattr(model, "metrics", ()):
        if hasattr(metric, "_flat_metrics"):
            named = _safe(lambda m=metric: _compile_metric_names(m))
            if named is None:
                named = {m.name: m for m in getattr(metric, "metrics", ())}
            for key, value in named.items():
                out.setdefault(key, value)
        else:
            out.setdefault(metric.name, metric)
    return out


def _compile_metric_names(compiled: Any) -> dict[str, Any]:
    # mirrors keras.src.trainers.compile_utils.CompileMetrics.result()
    out: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for mls in compiled._flat_metrics:
        if not mls:
            continue
        for m in mls.metrics:
            name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
            if name in seen:
                seen[name] += 1
                name = f"{name}_{seen[name] - 1}"
            else:
                seen[name] = 1
            out[name] = m
    for mls in compiled._flat_weighted_metrics:
        if not mls:
            continue
        for m in mls.metrics:
            name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
            if name in seen:
                name = f"weighted_{m.name}"
                if mls.output_name:
                    name = f"{mls.output_name}_{name}"
                if name in seen:
                    seen[name] += 1
                    name = f"{name}_{seen[name] - 1}"
                else:
                    seen[name] = 1
            else:
                seen[name] = 1
            out[name] = m
    return out


def _current_lr(model: Any) -> float | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    # a schedule is evaluated at the optimizer's step; LossScaleOptimizer delegates
    return _read_scalar(optimizer.learning_rate)


def _schedule_config(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The serialised ``LearningRateSchedule`` of an optimizer's config, or None."""
    inner = config.get("inner_optimizer")  # LossScaleOptimizer
    if isinstance(inner, Mapping) and isinstance(inner.get("config"), Mapping):
        config = inner["config"]
    lr = config.get("learning_rate")
    return lr if isinstance(lr, Mapping) and "class_name" in lr else None


def _schedule_name(config: Mapping[str, Any]) -> str | None:
    lr = _schedule_config(config)
    return str(lr["class_name"]) if lr is not None else None


def _describe_loss(loss: Any) -> str | None:
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    if isinstance(loss, Mapping):
        return ", ".join(f"{k}: {_describe_loss(v)}" for k, v in loss.items())
    if isinstance(loss, (list, tuple)):
        return ", ".join(str(_describe_loss(v)) for v in loss)
    if isinstance(loss, keras.losses.Loss):
        return type(loss).__name__
    return getattr(loss, "__name__", type(loss).__name__)


def _param_counts(model: Any) -> dict[str, int]:
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return {"total": int(model.count_params()), "trainable": trainable}


def _describe_layers(model: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for layer in getattr(model, "layers", ()):
        if isinstance(layer, keras.Model) and getattr(layer, "layers", None):
            out.extend(_describe_layers(layer))
        else:
            out.append(_describe_layer(layer))
    return out


def _describe_layer(layer: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"name": layer.name, "class": type(layer).__name__}
    info["params"] = _safe(lambda: int(layer.count_params())) or 0
    inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
    source = layer
    if isinstance(inner, keras.layers.Layer):  # Bidirectional, TimeDistributed
        info["wraps"] = type(inner).__name__
        source = inner
    config = _safe(source.get_config) or {}
    for key in _LAYER_KEYS:
        if key in config and isinstance(config[key], (int, float, bool)):
            info[key] = config[key]
    if "activation" in config:
        info["activation"] = _config_name(config["activation"])
    for key in _REGULARIZER_KEYS:
        if key in config:
            info[key] = _config_name(config[key])
    return info


def _config_name(value: Any) -> str | None:
    """``"relu"``, ``"L2(l2=0.01)"``: a short name for a serialised Keras object."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        name = value.get("class_name", "?")
        config = value.get("config")
        if isinstance(config, Mapping) and config:
            args = ", ".join(f"{k}={v}" for k, v in config.items() if k != "name")
            return f"{name}({args})"
        return str(name)
    return getattr(value, "__name__", type(value).__name__)


def _distribution(model: Any) -> dict[str, Any] | None:
    strategy = getattr(model, "distribute_strategy", None)
    if strategy is not None:
        name = type(strategy).__name__
        if not name.startswith("_Default"):
            return {"strategy": name, "replicas": int(strategy.num_replicas_in_sync)}
    dist = keras.distribution.distribution()
    if dist is not None:
        devices = getattr(getattr(dist, "device_mesh", None), "devices", None)
        replicas = int(np.size(devices)) if devices is not None else None
        return {"strategy": type(dist).__name__, "replicas": replicas}
    return None


def _is_chief(tf_config: str | None = None) -> bool:
    """Whether this process writes: the chief of a multi-worker run, or a lone process.

    ``TF_CONFIG`` (``tf.distribute`` multi-worker): the ``chief`` task, or worker 0 when
    the cluster has no chief; ``ps`` and ``evaluator`` tasks never write. Multi-process
    JAX and torch: process (rank) 0. ``tf_config`` overrides the environment variable.
    """
    raw = os.environ.get("TF_CONFIG", "") if tf_config is None else tf_config
    if raw:
        try:
            config = json.loads(raw)
        except ValueError:
            config = {}
        cluster = config.get("cluster") if isinstance(config, dict) else None
        task = config.get("task") if isinstance(config, dict) else None
        if isinstance(cluster, dict) and cluster and isinstance(task, dict) and task.get("type"):
            kind = task["type"]
            index = int(task.get("index", 0) or 0)
            if kind == "chief":
                return True
            if kind == "worker":
                return "chief" not in cluster and index == 0
            return False
    backend = _safe(keras.backend.backend)
    if backend == "jax":
        import jax

        return int(jax.process_index()) == 0
    if backend == "torch":
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank()) == 0
    return True


# -- helpers: files ---------------------------------------------------------------------


def _atomic_write(path: str, text: str) -> None:
    """Write the history file atomically, creating its folder first (see :mod:`curvedoc.fileio`)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    write_text_atomic(path, text)


# -- helpers: input statistics ----------------------------------------------------------


def _sample_stats(data: Any, what: str) -> dict[str, Any] | None:
    """Per-feature statistics of a data sample, or None (with a warning) when impossible."""
    if data is None:
        return None
    try:
        arrays = _as_arrays(data)
        if arrays is None:
            warnings.warn(
                RecorderWarning(
                    f"curvedoc CurveRecorder: {what} is a {type(data).__name__}, which is "
                    "never iterated: its statistics are skipped (pass a numpy sample, e.g. "
                    f"{what}=x_train[:10000])"
                ),
                stacklevel=3,
            )
            return None
        stats = [_array_stats(a) for a in arrays]
    except Exception as exc:
        warnings.warn(
            RecorderWarning(f"curvedoc CurveRecorder: statistics of {what} skipped ({exc})"),
            stacklevel=3,
        )
        return None
    first = dict(stats[0])
    if len(stats) > 1:
        first["inputs"] = stats
    return first


def _as_arrays(data: Any) -> list[np.ndarray] | None:
    """Return the arrays in ``data`` (one per input), or None for datasets and generators."""
    if isinstance(data, np.ndarray):
        return [data]
    if isinstance(data, Mapping):
        values = list(data.values())
        if values and all(_array_like(v) for v in values):
            return [np.asarray(v) for v in values]
        return None
    if isinstance(data, (list, tuple)):
        if data and all(hasattr(v, "shape") for v in data):
            return [np.asarray(v) for v in data]
        return [np.asarray(data)]
    if hasattr(data, "__array__") and not hasattr(data, "element_spec"):
        return [np.asarray(data)]
    return None


def _array_like(value: Any) -> bool:
    return isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__")


def _array_stats(arr: np.ndarray) -> dict[str, Any]:
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"dtype {arr.dtype} is not numeric")
    samples = int(arr.shape[0]) if arr.ndim else 1
    shape = [int(d) for d in arr.shape]
    features = int(arr.shape[-1]) if arr.ndim >= 2 else 1
    row = int(np.prod(arr.shape[1:])) if arr.ndim >= 1 else 1
    max_rows = max(1, min(STATS_MAX_ROWS, STATS_MAX_ELEMENTS // max(row, 1)))
    if samples > max_rows:
        arr = arr[np.linspace(0, samples - 1, max_rows).round().astype(np.int64)]
    flat = np.asarray(arr, dtype=np.float64).reshape(-1, features)
    finite = np.isfinite(flat)
    nonfinite = int(flat.size - np.count_nonzero(finite))
    if nonfinite:
        flat = np.where(finite, flat, np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        columns = {
            "min": np.nanmin(flat, axis=0) if flat.size else np.full(features, np.nan),
            "max": np.nanmax(flat, axis=0) if flat.size else np.full(features, np.nan),
            "mean": np.nanmean(flat, axis=0),
            "std": np.nanstd(flat, axis=0),
        }
    out: dict[str, Any] = {
        "samples": samples,
        "sampled": int(min(samples, max_rows)),
        "shape": shape,
        "features": features,
    }
    for key, values in columns.items():
        out[key] = [_json_number(float(v)) for v in values[:STATS_MAX_FEATURES]]
    out["nonfinite"] = nonfinite
    if features > STATS_MAX_FEATURES:
        out["truncated"] = True
    return out
