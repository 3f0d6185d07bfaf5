"""Source ``tensorboard``: log directories of Keras' ``TensorBoard``, PyTorch, tensorboardX.

Event files are read with the ``tensorboard`` package's protocol buffers
(``tensorboard.compat.proto.event_pb2``) and ``tensorboard.util.tensor_util``, never with
TensorFlow. TensorBoard's own readers (``EventAccumulator``, ``event_file_loader``) go
through ``tensorboard.compat.tf``, which imports TensorFlow whenever it is installed (seconds
of start-up in every process), so the TFRecord framing is read here instead: each record is
``uint64 length | uint32 masked CRC32C of the length | data | uint32 masked CRC32C of the
data`` (CRC-32C, Castagnoli; ``masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8``, as the
TFRecord format documents). Files are streamed a few MiB at a time, never read whole, and
both CRCs are checked on every record, a batch of records at a time with numpy: a damaged
length stops reading that file there (the rest cannot be framed; noted), a damaged data
CRC skips that one record and reading goes on (noted, naming the record). Records longer
than :data:`MAX_SCALAR_RECORD` (images, histograms, graphs: never a scalar) are stepped
over unparsed. The event files of one run together may hold at most ``--max-bytes``.
Values go straight into typed arrays, not lists of Python numbers. Every scalar point is
kept: no reservoir sampling.

What becomes what (the mapping; ``tests/test_tensorboard.py`` checks it on real runs):

Keras 3 (``keras.callbacks.TensorBoard``; ``train/`` and ``validation/`` subdirectories,
scalars stored as 0-d tensors):

* ``train/epoch_<m>`` -> epoch series ``<m>`` (``epoch_learning_rate`` -> ``learning_rate``);
* ``validation/epoch_<m>`` -> epoch series ``val_<m>``;
* ``train/batch_<m>`` (``update_freq="batch"`` or an integer) -> batch series ``<m>``. Keras
  logs the running mean over the epoch so far; when the last value of each epoch equals
  that epoch's ``epoch_<m>`` (checked), each batch's own value is recovered as
  ``k*m_k - (k-1)*m_(k-1)`` (equal batch sizes assumed; with ``update_freq=N`` each value
  becomes the mean of the N batches since the previous one);
* ``validation/evaluation_<m>_vs_iterations`` -> not a series: its steps are the iteration
  count at the end of each validated epoch, which places the epoch boundaries;
* ``*steps_per_second`` -> ignored (throughput, not training);
* other scalars (a user's own ``tf.summary.scalar``), there or elsewhere, are read as below.

Other writers (PyTorch ``SummaryWriter.add_scalar``, tensorboardX, Lightning's
``TensorBoardLogger``; ``simple_value`` scalars, usually in one directory): the
subdirectory and the tag are split into words at ``/ _ - .`` and spaces;

* a word ``val``, ``valid``, ``validation``, ``eval``, ``evaluation``, ``test`` or ``dev``
  makes it a validation series, ``train``/``training`` a training one (the default);
* a word ``step``, ``steps``, ``batch``, ``iter`` or ``iteration`` makes it per step, a word
  ``epoch`` per epoch; otherwise a series with more than twice as many points as the
  shortest series is per step, the others per epoch;
* the remaining words, lower-cased and joined by ``_``, name the metric: ``Loss/train`` ->
  ``loss``, ``Loss/val`` -> ``val_loss``, ``val/acc`` -> ``val_acc``,
  ``train_loss_step`` -> per-step ``loss``, ``Accuracy/validation`` -> ``val_accuracy``;
  learning-rate tags (``lr``, ``lr-Adam``, ``learning rate``) -> ``learning_rate``;
* a tag named ``epoch`` (Lightning logs one) maps global steps to epochs.

Per-epoch values are placed on epoch rows: their steps are the epoch numbers, unless they
are global steps (they reach far beyond the number of epochs while per-step series exist,
or an ``epoch`` tag maps them), in which case they mark epoch ends. A training metric logged
only per step gets a per-epoch series too: the mean of each epoch's steps (noted). Epoch
boundaries of per-step values come from the ``epoch`` tag, from the global steps that end
each epoch, or from an even split of the steps over the epochs (one more epoch allowed,
for a last epoch whose validation was never written); otherwise they are unknown (noted).
A run with only per-step series is analysed with each logged step as one row. A step
logged twice keeps its later value (a restarted run, noted when the steps go back).
"""

from __future__ import annotations

import io
import os
import re
import struct
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from curvedoc.errors import LoadError, MissingExtraError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders.reading import Limits, format_size
from curvedoc.loaders.source import Form, Probe, Source

__all__ = [
    "SOURCE",
    "TaggedSeries",
    "event_files",
    "find_runs",
    "has_event_files",
    "history_from_series",
    "interpret_tag",
    "is_event_file",
    "is_tensorboard_run",
    "load_tensorboard",
]

KERAS_SPLITS = frozenset({"train", "validation"})
"""Subdirectories Keras' TensorBoard callback writes."""

VAL_WORDS = frozenset({"val", "valid", "validation", "eval", "evaluation", "test", "dev"})
TRAIN_WORDS = frozenset({"train", "training", "trn"})
STEP_WORDS = frozenset({"step", "steps", "batch", "batches", "iter", "iters", "iteration"})
EPOCH_WORDS = frozenset({"epoch", "epochs"})
SKIP_TAGS = frozenset({"steps_per_second", "batch_steps_per_second", "epoch_steps_per_second"})
AXIS_TAGS = frozenset({"epoch"})
"""A tag that is exactly one of these holds the epoch number at each step (Lightning)."""

MAX_DEPTH = 6
"""How deep :func:`find_runs` looks below the directory it is given."""

_HEADER = struct.Struct("<QI")
_RUNNING_MEAN_RTOL = 1e-4

MAX_SCALAR_RECORD = 64 * 1024
"""Records longer than this are stepped over unparsed (a scalar event is ~100 bytes)."""

READ_BLOCK = 4 << 20
"""Event files are read this many bytes at a time."""


def is_event_file(path: Path | os.DirEntry[str]) -> bool:
    """Whether a file name is a TensorBoard event file (``events.out.tfevents.*``).

    A regular file (links followed): a FIFO or a device with that name is never opened.
    Takes a path, or an entry of a listing already made (``os.scandir``).
    """
    if "tfevents" not in path.name:
        return False
    try:
        return path.is_file()
    except OSError:  # a listing's entry may raise where a path says False
        return False


def has_event_files(path: Path) -> bool:
    """Whether a directory holds event files directly."""
    try:
        return any(is_event_file(p) for p in path.iterdir())
    except OSError:
        return False


def event_files(run: Path) -> list[Path]:
    """Every event file of one run (in it and its subdirectories, a few levels deep)."""
    out: list[Path] = []
    for folder in _event_dirs(run):
        try:
            out.extend(sorted(p for p in folder.iterdir() if is_event_file(p)))
        except OSError:
            continue
    return out


def _event_dirs(run: Path) -> list[Path]:
    """List the run directory and its subdirectories (any depth) that hold event files."""
    return list(_walk_event_dirs(run, MAX_DEPTH))


def _walk_event_dirs(path: Path, depth: int) -> Iterator[Path]:
    if has_event_files(path):
        yield path
    if depth <= 0:
        return
    try:
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return
    for child in children:
        yield from _walk_event_dirs(child, depth - 1)


def is_tensorboard_run(path: Path, entries: Sequence[os.DirEntry[str]] | None = None) -> bool:
    """Whether a directory is one TensorBoard run.

    It is when it holds event files itself (PyTorch, tensorboardX), or when a ``train`` or
    ``validation`` subdirectory does (Keras). ``entries``: the directory's listing, when
    the caller has made it already (a folder scan), so it is not listed a second time.
    """
    if entries is None:
        if not path.is_dir():
            return False
        if has_event_files(path):
            return True
        return any(has_event_files(path / split) for split in KERAS_SPLITS)
    if any(is_event_file(entry) for entry in entries):
        return True
    names = {entry.name for entry in entries}
    return any(has_event_files(path / split) for split in KERAS_SPLITS if split in names)


def _find_run_roots(path: Path, *, depth: int) -> list[Path]:
    if is_tensorboard_run(path):
        return [path]
    if depth <= 0:
        return []
    try:
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    out: list[Path] = []
    for child in children:
        out.extend(_find_run_roots(child, depth=depth - 1))
    return out


def find_runs(path: Path, *, depth: int = MAX_DEPTH) -> list[Path]:
    """Every TensorBoard run at or below ``path`` (a run's own subdirectories are not runs)."""
    return _find_run_roots(path, depth=depth)


# ------------------------------------------------------------------------------------------
# Reading event files
# ------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """One (subdirectory, tag) stream of scalar points, in the order written.

    Steps and values are typed arrays (8 bytes a point), never lists of Python numbers.
    """

    folder: str
    tag: str
    steps: array[int] = field(default_factory=lambda: array("q"))
    values: array[float] = field(default_factory=lambda: array("d"))


def _protos() -> tuple[Any, Any, Any]:
    try:
        from tensorboard.compat.proto import event_pb2, types_pb2
        from tensorboard.util import tensor_util
    except ImportError:
        raise MissingExtraError("tensorboard", "tensorboard", "reading TensorBoard logs") from None
    return event_pb2, types_pb2, tensor_util


def _crc32c_table() -> np.ndarray:
    """Build the CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table."""
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> np.uint32(1)) ^ np.uint32(0x82F63B78), t >> np.uint32(1))
    return t.astype(np.uint32)


_CRC_TABLE = _crc32c_table()


def masked_crc32c(rows: np.ndarray) -> np.ndarray:
    """TFRecord's masked CRC-32C of each row of a ``(n, k)`` uint8 array, vectorised.

    ``crc = crc32c(row)``, then ``((crc >> 15) | (crc << 17)) + 0xA282EAD8`` modulo 2**32.
    For the standard check input ``123456789``, CRC-32C is ``0xe3069283``:

    >>> hex(int(masked_crc32c(np.frombuffer(b"123456789", np.uint8)[None, :])[0]))
    '0xc78ab0e5'
    """
    crc = np.full(rows.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    for j in range(rows.shape[1]):
        crc = _CRC_TABLE[(crc ^ rows[:, j]) & np.uint32(0xFF)] ^ (crc >> np.uint32(8))
    crc ^= np.uint32(0xFFFFFFFF)
    return ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(0xA282EAD8)


def _records(data: bytes) -> Iterator[bytes | str]:
    """Yield the records of in-memory TFRecord data.

    A str as the last item says why reading stopped (see :func:`read_records`, which this
    wraps; records that fail their data CRC are left out).
    """
    for item in read_records(io.BytesIO(data), len(data)):
        if isinstance(item, _Stop):
            yield item.problem
            return
        if isinstance(item, bytes):
            yield item


@dataclass(frozen=True)
class _Stop:
    """Why reading a file stopped before its end (it cannot be framed any further)."""

    problem: str


@dataclass(frozen=True)
class _Skipped:
    """A record whose data fails its CRC (``index`` counts from 0), skipped."""

    index: int
    offset: int


def read_records(fh: BinaryIO, size: int) -> Iterator[bytes | _Skipped | _Stop]:
    """Stream the records of a TFRecord file, checking both CRCs of every record.

    Yields each record's data (records longer than :data:`MAX_SCALAR_RECORD` as ``b""``,
    stepped over unread), a :class:`_Skipped` for a record whose data CRC fails, and a
    :class:`_Stop` last when the framing breaks (a damaged header, or a file cut short).
    The file is read :data:`READ_BLOCK` bytes at a time; the CRCs of a block's records are
    checked together with numpy. A length field is trusted to read further only after
    its own CRC checked, so a damaged (or sparse, all-zero) file costs one header.
    """
    buf = fh.read(READ_BLOCK)
    base = 0  # file offset of buf[0]
    index = 0
    while True:
        pos = 0
        batch: list[tuple[int, int]] = []  # (start in buf, length) of whole records
        stop: _Stop | None = None
        step_over: int | None = None  # file offset just past a long record
        while True:
            if len(buf) - pos < 12:
                if base + len(buf) >= size and pos < len(buf):
                    stop = _Stop(f"ends in the middle of a record header at byte {base + pos}")
                break  # the end, or more to read
            length = _HEADER.unpack_from(buf, pos)[0]
            end = pos + 16 + length
            if not batch and not _header_ok(buf, pos):
                # a block's first header is checked alone, so a damaged or all-zero
                # file stops here instead of framing a block of bogus records
                stop = _Stop(f"has a damaged record header at byte {base + pos}")
                break
            if end <= len(buf):
                batch.append((pos, length))
                pos = end
                continue
            if not _header_ok(buf, pos):
                stop = _Stop(f"has a damaged record header at byte {base + pos}")
            elif base + end > size:
                stop = _Stop(
                    f"ends in the middle of a record at byte {base + pos} (still being written?)"
                )
            elif length > MAX_SCALAR_RECORD:
                step_over = base + end
            break  # (otherwise a record runs on into the next block)
        items, bad = _check_batch(buf, batch)
        for k, (start, _) in enumerate(batch):
            if k == bad:
                yield _Stop(f"has a damaged record header at byte {base + start}")
                return
            item = items[k]
            yield _Skipped(index, base + start) if item is None else item
            index += 1
        if stop is not None:
            yield stop
            return
        if step_over is not None:
            fh.seek(step_over)
            yield b""
            index += 1
            base, buf = step_over, b""
        else:
            base, buf = base + pos, buf[pos:]
        if base >= size and not buf:
            return
        more = fh.read(READ_BLOCK)
        if not more:  # shorter than its size said: cut while being read
            if buf:
                yield _Stop(f"ends in the middle of a record at byte {base} (still being written?)")
            return
        buf += more


def _header_ok(buf: bytes, pos: int) -> bool:
    """Whether the length field at ``pos`` matches its masked CRC."""
    raw = np.frombuffer(buf, dtype=np.uint8, count=12, offset=pos)
    stored = int(raw[8:12].copy().view("<u4")[0])
    return int(masked_crc32c(raw[None, :8])[0]) == stored


def _check_batch(buf: bytes, batch: list[tuple[int, int]]) -> tuple[list[bytes | None], int]:
    """Check the CRCs of whole records in ``buf``.

    Returns each record's data (None where its data CRC fails) and the index of the first
    damaged header (-1 when none is).
    """
    if not batch:
        return [], -1
    raw = np.frombuffer(buf, dtype=np.uint8)
    starts = np.fromiter((p for p, _ in batch), dtype=np.int64, count=len(batch))
    lengths = np.fromiter((n for _, n in batch), dtype=np.int64, count=len(batch))
    headers = raw[starts[:, None] + np.arange(8)]
    stored = raw[starts[:, None] + np.arange(8, 12)].copy().view("<u4").reshape(-1)
    damaged = np.flatnonzero(masked_crc32c(headers) != stored)
    bad = int(damaged[0]) if damaged.size else -1
    ok = np.ones(len(batch), dtype=bool)
    check = np.flatnonzero(lengths <= MAX_SCALAR_RECORD)
    for length in np.unique(lengths[check]):
        sel = check[lengths[check] == length]
        data_at = starts[sel] + 12
        rows = raw[data_at[:, None] + np.arange(int(length))]
        crc = raw[(data_at + length)[:, None] + np.arange(4)].copy().view("<u4").reshape(-1)
        ok[sel] = masked_crc32c(rows) == crc
    items: list[bytes | None] = []
    for k, (start, length) in enumerate(batch):
        if length > MAX_SCALAR_RECORD:
            items.append(b"")
        else:
            items.append(buf[start + 12 : start + 12 + length] if ok[k] else None)
    return items, bad


class _ScalarDecoder:
    """Turn ``Summary.Value`` protos into floats (``simple_value`` or 0-d numeric tensors)."""

    def __init__(self, types_pb2: Any, tensor_util: Any) -> None:
        self.tensor_util = tensor_util
        t = types_pb2
        self.float_fields = {
            t.DT_FLOAT: "float_val",
            t.DT_DOUBLE: "double_val",
            t.DT_HALF: "half_val",
            t.DT_BFLOAT16: "half_val",
            t.DT_INT32: "int_val",
            t.DT_INT64: "int64_val",
        }
        self.content = {
            t.DT_FLOAT: "<f4",
            t.DT_DOUBLE: "<f8",
            t.DT_INT32: "<i4",
            t.DT_INT64: "<i8",
            t.DT_HALF: "<f2",
        }
        self.half = {t.DT_HALF, t.DT_BFLOAT16}

    def value(self, v: Any) -> float | None:
        """Return the scalar a summary value holds, or None when it is not a numeric scalar."""
        kind = v.WhichOneof("value")
        if kind == "simple_value":
            return float(v.simple_value)
        if kind != "tensor":
            return None
        tensor = v.tensor
        size = 1
        for dim in tensor.tensor_shape.dim:
            size *= dim.size
        if size != 1:
            return None
        dtype = tensor.dtype
        if tensor.tensor_content:
            fmt = self.content.get(dtype)
            if fmt is not None and len(tensor.tensor_content) == np.dtype(fmt).itemsize:
                return float(np.frombuffer(tensor.tensor_content, dtype=fmt)[0])
        elif dtype in self.float_fields and dtype not in self.half:
            field = getattr(tensor, self.float_fields[dtype])
            if len(field) == 1:
                return float(field[0])
        try:
            arr = self.tensor_util.make_ndarray(tensor)
        except Exception:  # an exotic dtype the stub cannot decode: not a scalar we want
            return None
        if arr.size == 1 and arr.dtype.kind in "fiub":
            return float(arr.reshape(-1)[0])
        return None


def _read_run(run: Path, limits: Limits | None = None) -> tuple[list[_Raw], list[str]]:
    """Every scalar stream of a run, and notes on files that ended early or had damaged records."""
    limits = limits or Limits()
    event_pb2, types_pb2, tensor_util = _protos()
    decoder = _ScalarDecoder(types_pb2, tensor_util)
    streams: dict[tuple[str, str], _Raw] = {}
    skip: set[tuple[str, str]] = set()
    notes: list[str] = []
    files: list[tuple[str, Path, int]] = []
    for folder in _event_dirs(run):
        rel = folder.relative_to(run).as_posix()
        rel = "" if rel == "." else rel
        for file in sorted(p for p in folder.iterdir() if is_event_file(p)):
            try:
                size = file.stat().st_size
            except OSError as exc:
                raise LoadError(str(file), f"cannot be read ({exc.strerror or exc})") from None
            files.append((rel, file, size))
    total = sum(size for _, _, size in files)
    if total > limits.max_bytes:
        raise limits.too_large(str(run), f"holds {format_size(total)} of event files,")
    if not files:
        raise LoadError(str(run), "is a directory with no TensorBoard event files")
    for rel, file, size in files:
        try:
            fh = file.open("rb")
        except OSError as exc:
            raise LoadError(str(file), f"cannot be read ({exc.strerror or exc})") from None
        name = file.relative_to(run)
        first = True
        skipped: list[_Skipped] = []
        with fh:
            for rec in read_records(fh, size):
                if isinstance(rec, _Stop):
                    if first:
                        raise LoadError(
                            str(file), f"is not a TensorBoard event file ({rec.problem})"
                        )
                    notes.append(f"{name} {rec.problem}: read up to there")
                    break
                if isinstance(rec, _Skipped):
                    skipped.append(rec)
                    continue
                if not rec:
                    first = False  # a long record that framed correctly
                    continue
                try:
                    event = event_pb2.Event.FromString(rec)
                except Exception:  # protobuf's DecodeError; its class differs by backend
                    if first:
                        raise LoadError(
                            str(file), "is not a TensorBoard event file (a record does not parse)"
                        ) from None
                    notes.append(f"{name} has a damaged record: read up to there")
                    break
                first = False
                if not event.HasField("summary"):
                    continue
                for v in event.summary.value:
                    key = (rel, v.tag)
                    if key in skip:
                        continue
                    plugin = v.metadata.plugin_data.plugin_name
                    if plugin and plugin != "scalars":
                        skip.add(key)
                        continue
                    x = decoder.value(v)
                    if x is None:
                        continue
                    raw = streams.get(key)
                    if raw is None:
                        if len(streams) >= limits.max_series:
                            raise limits.too_many_series(
                                str(run), f"logs more than {limits.max_series:,} scalar tags"
                            )
                        raw = streams[key] = _Raw(rel, v.tag)
                    raw.steps.append(int(event.step))
                    raw.values.append(x)
        if skipped:
            first_bad = skipped[0]
            more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
            notes.append(
                f"{name}: record {first_bad.index} (at byte {first_bad.offset}){more} "
                "failed its checksum (damaged data): skipped"
            )
    return list(streams.values()), notes


# ------------------------------------------------------------------------------------------
# From streams to a History
# ------------------------------------------------------------------------------------------


@dataclass
class TaggedSeries:
    """A logged scalar series with its meaning: metric, train/validation, epoch or step level.

    Attributes:
        name: metric name without a validation prefix (``loss``, ``accuracy``).
        val: whether it is the validation side.
        level: ``"epoch"``, ``"step"`` or ``"unknown"`` (decided from point counts).
        steps: the x value of each point, sorted and unique (global step or epoch).
        values: float64 values.
        source: the tag or column it came from (for notes).
        running_mean: Keras' ``batch_*`` running means over the epoch so far.
    """

    name: str
    val: bool
    level: str  # "epoch", "step" or "unknown"
    steps: np.ndarray
    values: np.ndarray
    source: str
    running_mean: bool = False

    @property
    def key(self) -> str:
        """The History key: ``name``, or ``val_name`` for the validation side."""
        return f"val_{self.name}" if self.val else self.name


def _dedupe(raw: _Raw) -> tuple[np.ndarray, np.ndarray, bool]:
    """Order points by step; a repeated step keeps its last-written value.

    Returns the steps, the values, and whether the steps ever went back (a run restarted
    from an earlier checkpoint into the same directory, as TensorBoard itself detects).
    """
    steps = (
        np.frombuffer(raw.steps, dtype=np.int64).copy()
        if isinstance(raw.steps, array)
        else (np.asarray(raw.steps, dtype=np.int64))
    )
    values = (
        np.frombuffer(raw.values, dtype=np.float64).copy()
        if isinstance(raw.values, array)
        else np.asarray(raw.values, dtype=np.float64)
    )
    if steps.size < 2:
        return steps, values, False
    diff = np.diff(steps)
    if bool(np.all(diff > 0)):
        return steps, values, False
    rev = steps[::-1]
    uniq, first_in_rev = np.unique(rev, return_index=True)
    keep = steps.size - 1 - first_in_rev
    return uniq, values[keep], bool(np.any(diff < 0))


_SPLIT = re.compile(r"[/_\-.\s]+")


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


def _keras_series(raw: _Raw, steps: np.ndarray, values: np.ndarray) -> TaggedSeries | None:
    folder, tag = raw.folder, raw.tag
    if tag in SKIP_TAGS or tag.endswith("steps_per_second"):
        return None
    if tag.startswith("epoch_") and folder in KERAS_SPLITS:
        return TaggedSeries(
            tag[6:], folder == "validation", "epoch", steps, values, f"{folder}/{tag}"
        )
    if tag.startswith("batch_") and folder == "train":
        return TaggedSeries(
            tag[6:], False, "step", steps, values, f"{folder}/{tag}", running_mean=True
        )
    return None


def interpret_tag(text: str) -> tuple[str, bool, str]:
    """Read a logger's tag or column name as ``(metric, is_validation, level)``.

    ``level`` is ``"step"``, ``"epoch"`` or ``"unknown"`` (see the module docstring).
    Learning-rate tags (``lr``, ``lr-Adam``, ``learning_rate``) become ``learning_rate``.

    >>> interpret_tag("Loss/val"), interpret_tag("train_loss_step")
    (('loss', True, 'unknown'), ('loss', False, 'step'))
    >>> interpret_tag("lr-Adam")
    ('learning_rate', False, 'unknown')
    """
    words = _words(text)
    val = any(w in VAL_WORDS for w in words)
    level = "unknown"
    if any(w in STEP_WORDS for w in words):
        level = "step"
    elif any(w in EPOCH_WORDS for w in words):
        level = "epoch"
    rest: list[str] = []
    for w in words:
        if w in VAL_WORDS or w in TRAIN_WORDS or w in STEP_WORDS or w in EPOCH_WORDS:
            continue
        if w not in rest:
            rest.append(w)
    if "lr" in rest or ("learning" in rest and "rate" in rest):
        return "learning_rate", False, level
    return "_".join(rest) or "loss", val, level


def _generic_series(raw: _Raw, steps: np.ndarray, values: np.ndarray) -> TaggedSeries | None:
    if raw.tag in SKIP_TAGS or raw.tag.endswith("steps_per_second"):
        return None
    text = f"{raw.folder}/{raw.tag}" if raw.folder else raw.tag
    if not _words(text):
        return None
    name, val, level = interpret_tag(text)
    return TaggedSeries(name, val, level, steps, values, text)


def _segments(epoch_of_batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment starts and their epochs from the epoch label of every batch."""
    if epoch_of_batch.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(np.diff(epoch_of_batch)) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    return starts, epoch_of_batch[starts].astype(np.int64)


def _undo_running_mean(values: np.ndarray, starts: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Recover per-batch values from running means over the epoch (equal batch sizes).

    ``values[i]`` is ``m_k``, the mean of the first ``k = k[i]`` batches of its epoch. The
    batches since the previous logged value (``k'`` batches in) average
    ``(k*m_k - k'*m_k') / (k - k')``; with every batch logged that is batch ``k`` itself,
    ``k*m_k - (k-1)*m_(k-1)``. Vectorised over all epochs (segments start at ``starts``).

    >>> _undo_running_mean(np.array([4.0, 3.0, 2.0, 5.0, 4.0]), np.array([0, 3]),
    ...                    np.array([1, 2, 3, 1, 2])).tolist()
    [4.0, 2.0, 0.0, 5.0, 3.0]
    """
    total = k * values
    prev_total = np.empty_like(total)
    prev_k = np.empty_like(k)
    prev_total[0], prev_k[0] = 0.0, 0
    prev_total[1:], prev_k[1:] = total[:-1], k[:-1]
    prev_total[starts], prev_k[starts] = 0.0, 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total - prev_total) / (k - prev_k)


def _batch_counts(
    batch_steps: np.ndarray, starts: np.ndarray, epoch_ends: dict[str, np.ndarray]
) -> np.ndarray | None:
    """How many batches of its epoch each logged value covers, or None when unknown.

    Every batch logged (``update_freq="batch"``): 1, 2, 3, ... within each epoch. Logged
    every N batches (``update_freq=N``): the step minus the iteration count at the end of
    the previous epoch, which Keras' ``evaluation_*_vs_iterations`` records when every
    epoch is validated.
    """
    n = batch_steps.size
    seg = np.repeat(np.arange(starts.size), np.diff(np.append(starts, n)))
    if n and bool(np.all(np.diff(batch_steps) == 1)):
        return np.arange(n) - starts[seg] + 1
    ends = next(iter(epoch_ends.values()), None)
    if ends is None or ends.size not in (starts.size, starts.size - 1):
        return None
    base = np.append(0, ends)[: starts.size]
    k = batch_steps - base[seg]
    return k if bool(np.all(k > 0)) else None


def sniff(probe: Probe) -> bool:
    """A directory that is one TensorBoard run (:func:`is_tensorboard_run`)."""
    return probe.is_dir and is_tensorboard_run(probe.path)


def load(probe: Probe) -> History:
    """Read the run; column options are refused (TensorBoard tags are mapped by name)."""
    if probe.options.active():
        raise LoadError(
            str(probe.path),
            "is a TensorBoard log: --train-col, --val-col and --x-col apply to CSV and JSON "
            "files (TensorBoard tags are mapped by their names)",
        )
    return load_tensorboard(probe.path, probe.limits)


def load_tensorboard(path: Path, limits: Limits | None = None) -> History:
    """Read one TensorBoard run directory as a History (see the module docstring)."""
    streams, notes = _read_run(path, limits)
    if not streams:
        raise LoadError(str(path), "TensorBoard event files hold no scalar summaries")
    keras_style = any(
        s.folder in KERAS_SPLITS and s.tag.startswith(("epoch_", "batch_")) for s in streams
    )
    series: list[TaggedSeries] = []
    epoch_ends: dict[str, np.ndarray] = {}
    axis: tuple[np.ndarray, np.ndarray] | None = None
    restarted: list[str] = []
    for raw in streams:
        steps, values, went_back = _dedupe(raw)
        if keras_style and raw.folder == "validation" and raw.tag.startswith("evaluation_"):
            epoch_ends[raw.tag] = steps
            continue
        if not keras_style and raw.tag.lower() in AXIS_TAGS:
            axis = (steps, values)
            continue
        s = _keras_series(raw, steps, values) if keras_style else None
        if s is None:  # user scalars, also inside Keras folders, by their names
            s = _generic_series(raw, steps, values)
        if s is not None and s.steps.size:
            series.append(s)
            if went_back:
                restarted.append(s.source)
    if restarted:
        notes.append(
            f"{', '.join(restarted)} repeat steps (a restarted run): the later values are used"
        )
    if not series:
        raise LoadError(str(path), "TensorBoard event files hold no training scalars")
    fmt = "tensorboard-keras" if keras_style else "tensorboard"
    return history_from_series(
        str(path), series, fmt=fmt, notes=notes, axis=axis, epoch_ends=epoch_ends
    )


def history_from_series(
    path: str,
    series: list[TaggedSeries],
    *,
    fmt: str,
    notes: list[str],
    axis: tuple[np.ndarray, np.ndarray] | None = None,
    epoch_ends: dict[str, np.ndarray] | None = None,
) -> History:
    """Build a History from logger series whose meaning is known (or partly known).

    Shared by the TensorBoard and Lightning loaders. ``series`` steps are sorted and
    unique; ``axis`` maps global steps to epochs (``(steps, epochs)``, sorted by step) when
    the source logs the epoch; ``epoch_ends`` holds, per name, the global step at the end
    of each epoch (Keras' ``evaluation_*_vs_iterations``).
    """
    series = _unique_keys(series, notes)
    _infer_levels(series)
    epoch_level = [s for s in series if s.level == "epoch"]
    step_level = [s for s in series if s.level == "step"]
    if not epoch_level:
        return _steps_only(path, step_level, notes, fmt)
    return _build(path, epoch_level, step_level, epoch_ends or {}, axis, notes, fmt)


def _unique_keys(series: list[TaggedSeries], notes: list[str]) -> list[TaggedSeries]:
    """Keep the first series for each (key, level); later clashes keep their source tag."""
    seen: set[tuple[str, str]] = set()
    out: list[TaggedSeries] = []
    for s in series:
        ident = (s.key, s.level)
        if ident in seen:
            alt = "_".join(_words(s.source)) or s.source
            notes.append(f"{s.source} maps to {s.key!r} like an earlier tag: kept as {alt!r}")
            s.name, s.val = alt, False
        seen.add((s.key, s.level))
        out.append(s)
    return out


def _infer_levels(series: list[TaggedSeries]) -> None:
    """Per-step or per-epoch for series whose tag does not say (by their point counts)."""
    unknown = [s for s in series if s.level == "unknown"]
    if not unknown:
        return
    epoch_counts = [s.steps.size for s in series if s.level == "epoch"]
    shortest = min([s.steps.size for s in series] + epoch_counts)
    for s in unknown:
        s.level = "step" if s.steps.size > 2 * max(shortest, 1) else "epoch"


def _steps_only(path: str, step_level: list[TaggedSeries], notes: list[str], fmt: str) -> History:
    """Only per-step scalars: each logged step is one row of the curve."""
    primary = _primary(step_level)
    x = primary.steps
    series = {s.key: _reindex(s, x) for s in step_level}
    notes.append("no per-epoch scalars: each logged step is one row of the curve")
    return History(epochs=x, epoch_series=series, source=SourceInfo(path, fmt, tuple(notes)))


def _primary(series: list[TaggedSeries]) -> TaggedSeries:
    for s in series:
        if s.name == "loss" and not s.val:
            return s
    for s in series:
        if not s.val:
            return s
    return series[0]


def _reindex(s: TaggedSeries, x: np.ndarray) -> np.ndarray:
    """Values of ``s`` at steps ``x`` (NaN where ``s`` has no point)."""
    if s.steps.shape == x.shape and np.array_equal(s.steps, x):
        return s.values
    out = np.full(x.shape[0], np.nan)
    pos = np.searchsorted(s.steps, x)
    pos = np.minimum(pos, max(s.steps.size - 1, 0))
    hit = s.steps[pos] == x if s.steps.size else np.zeros(x.shape[0], dtype=bool)
    out[hit] = s.values[pos[hit]]
    return out


def _build(
    path: str,
    epoch_level: list[TaggedSeries],
    step_level: list[TaggedSeries],
    epoch_ends: dict[str, np.ndarray],
    axis: tuple[np.ndarray, np.ndarray] | None,
    notes: list[str],
    fmt: str,
) -> History:
    batch_steps = _primary(step_level).steps if step_level else np.zeros(0, dtype=np.int64)
    all_epoch_steps = np.unique(np.concatenate([s.steps for s in epoch_level]))
    ends: np.ndarray | None = None
    if axis is not None:
        # an "epoch" tag: the epoch number at each global step
        ax_steps, ax_epochs = axis

        def to_epoch(steps: np.ndarray) -> np.ndarray:
            i = np.searchsorted(ax_steps, steps, side="right") - 1
            return ax_epochs[np.clip(i, 0, ax_epochs.size - 1)].astype(np.int64)

        for s in epoch_level:
            s.steps = to_epoch(s.steps)
            s.steps, s.values, _ = _dedupe(
                _Raw("", "", array("q", s.steps.tobytes()), array("d", s.values.tobytes()))
            )
        batch_epoch = to_epoch(batch_steps)
        # an epoch with only per-step values (validation skipped) is still a row
        epochs = np.unique(np.concatenate([s.steps for s in epoch_level] + [batch_epoch]))
    else:
        global_scale = (
            batch_steps.size > 0
            and all_epoch_steps.size > 1
            and all_epoch_steps[-1] > 2 * all_epoch_steps.size
        )
        if global_scale:
            # per-epoch values logged at the global step that ends each epoch
            ends = all_epoch_steps
            epochs = np.arange(ends.size, dtype=np.int64)
            for s in epoch_level:
                s.steps = np.searchsorted(ends, s.steps)
            notes.append("per-epoch scalars are logged at global steps: epochs numbered from 0")
        else:
            epochs = all_epoch_steps
        batch_epoch = _batch_epochs(batch_steps, epochs, ends, epoch_ends, notes)
        if batch_epoch is not None:
            epochs = np.union1d(epochs, batch_epoch)
    series = {s.key: _reindex(s, epochs) for s in epoch_level}
    history_kwargs: dict[str, Any] = {}
    context: dict[str, Any] = {}
    if step_level and batch_steps.size:
        starts, seg_epochs = (
            _segments(batch_epoch)
            if batch_epoch is not None
            else (
                np.array([0], dtype=np.int64),
                np.array([int(epochs[0])], dtype=np.int64),
            )
        )
        batch = {}
        undone: list[str] = []
        counts = _batch_counts(batch_steps, starts, epoch_ends) if batch_epoch is not None else None
        for s in step_level:
            values = _reindex(s, batch_steps)
            if s.running_mean and batch_epoch is not None:
                values = _maybe_undo_running_mean(
                    s, values, starts, seg_epochs, epochs, series, counts, notes, undone
                )
            batch[s.name] = values
        if undone:
            every = (
                ""
                if counts is None or np.all(np.diff(batch_steps) == 1)
                else (": each value is the mean of the batches since the previous one")
            )
            notes.append(
                f"per-batch {', '.join(undone)} recovered from Keras' running means over each "
                f"epoch (equal batch sizes assumed: a smaller last batch is approximate){every}"
            )
        history_kwargs = {
            "batch_series": batch,
            "batch_steps": batch_steps,
            "batch_epoch_starts": starts,
            "batch_epochs": seg_epochs,
        }
        if batch_epoch is not None:
            # global steps between the first logged steps of successive epochs
            per_epoch = np.diff(batch_steps[starts])
            if per_epoch.size and np.all(per_epoch == per_epoch[0]) and per_epoch[0] > 0:
                context["steps_per_epoch"] = int(per_epoch[0])
            _epoch_means_from_steps(step_level, batch, starts, seg_epochs, epochs, series, notes)
    return History(
        epochs=epochs,
        epoch_series=series,
        source=SourceInfo(path, fmt, tuple(notes)),
        context=context,
        **history_kwargs,
    )


def _batch_epochs(
    batch_steps: np.ndarray,
    epochs: np.ndarray,
    ends: np.ndarray | None,
    epoch_ends: dict[str, np.ndarray],
    notes: list[str],
) -> np.ndarray | None:
    """Return the epoch of every per-step point, or None when it cannot be placed."""
    n, n_ep = batch_steps.size, epochs.size
    if n == 0:
        return None
    if ends is None:
        # Keras: the iteration count at the end of each validated epoch
        keras_ends = next(iter(epoch_ends.values()), None)
        if keras_ends is not None and keras_ends.size == n_ep:
            ends = keras_ends
    # steps after the last known epoch end belong to an epoch that has no per-epoch
    # value yet (a run cut short, or validation of the last epoch not written)
    following = np.append(epochs, epochs[-1] + 1) if n_ep else np.zeros(1, dtype=np.int64)
    if ends is not None and ends.size == n_ep:
        i = np.searchsorted(ends, batch_steps, side="left")
        return following[np.minimum(i, n_ep)]
    for n_seg in (n_ep, n_ep + 1):
        if n_seg and n % n_seg == 0:
            return np.repeat(following[:n_seg], n // n_seg)
    notes.append(
        f"{n} per-step values do not split evenly over {n_ep} epochs: epoch boundaries unknown"
    )
    return None


def _rows_of(epochs: np.ndarray, seg_epochs: np.ndarray) -> np.ndarray:
    """Row index in ``epochs`` of each segment's epoch (-1 where the epoch has no row)."""
    if epochs.size == 0:
        return np.full(seg_epochs.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(epochs, seg_epochs), epochs.size - 1)
    return np.where(epochs[pos] == seg_epochs, pos, -1)


def _maybe_undo_running_mean(
    s: TaggedSeries,
    values: np.ndarray,
    starts: np.ndarray,
    seg_epochs: np.ndarray,
    epochs: np.ndarray,
    epoch_series: dict[str, np.ndarray],
    counts: np.ndarray | None,
    notes: list[str],
    undone: list[str],
) -> np.ndarray:
    """Recover per-batch values from Keras' running means, when the data confirm them.

    Keras' ``batch_<m>`` is the mean of the epoch so far, so its last value in each epoch
    equals ``epoch_<m>`` of that epoch. When that holds for at least 80% of the epochs the
    running means are undone (and the name added to ``undone``); otherwise the values are
    kept as logged, with a note.
    """
    epoch_vals = epoch_series.get(s.name)
    if epoch_vals is None or starts.size == 0:
        return values
    last = np.append(starts[1:], values.shape[0]) - 1
    rows = _rows_of(epochs, seg_epochs)
    ok = rows >= 0
    logged = epoch_vals[rows[ok]]
    end_mean = values[last[ok]]
    both = np.isfinite(logged) & np.isfinite(end_mean)
    if not np.any(both):
        return values
    close = np.isclose(end_mean[both], logged[both], rtol=_RUNNING_MEAN_RTOL, atol=0.0)
    if close.mean() < 0.8:
        notes.append(
            f"batch_{s.name} does not end each epoch at epoch_{s.name}: kept as logged "
            "(possibly running means)"
        )
        return values
    if counts is None:
        notes.append(
            f"batch_{s.name} is logged every few batches and the epoch boundaries are not "
            "known exactly: kept as Keras' running means"
        )
        return values
    undone.append(s.name)
    return _undo_running_mean(values, starts, counts)


def _epoch_means_from_steps(
    step_level: list[TaggedSeries],
    batch: dict[str, np.ndarray],
    starts: np.ndarray,
    seg_epochs: np.ndarray,
    epochs: np.ndarray,
    series: dict[str, np.ndarray],
    notes: list[str],
) -> None:
    """Add a per-epoch training series from the step values when none was logged per epoch."""
    for s in step_level:
        if s.val or s.key in series:
            continue
        values = batch[s.name]
        ok = np.isfinite(values)
        sums = np.add.reduceat(np.where(ok, values, 0.0), starts)
        counts = np.add.reduceat(ok.astype(np.float64), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / counts, np.nan)
        out = np.full(epochs.size, np.nan)
        rows = _rows_of(epochs, seg_epochs)
        out[rows[rows >= 0]] = means[rows >= 0]
        series[s.key] = out
        notes.append(f"{s.key} per epoch is the mean of its logged steps ({s.source})")


SOURCE = Source(
    name="tensorboard",
    kind="directory",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "Keras `TensorBoard` callback log directory",
            "event files in its `train/` / `validation/`, with `epoch_*` tags",
            "epoch and batch series (below)",
            "tensorboard-keras",
        ),
        Form(
            "PyTorch `SummaryWriter`, tensorboardX, Lightning `TensorBoardLogger`",
            "event files in the directory",
            "series named from their tags (below)",
            "tensorboard",
        ),
    ),
)
