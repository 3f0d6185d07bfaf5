"""The one in-memory model of a training run, whatever file it came from.

Every loader produces a :class:`History`; everything downstream (metrics, rules,
renderers) reads only this. Series are float64 numpy arrays with NaN where a value is
missing (validation run every k epochs, a ``NA`` cell, a ``null``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curvedoc import names


@dataclass(frozen=True)
class SourceInfo:
    """Where a History came from.

    Attributes:
        path: the file or directory that was read.
        format: the detected format (``keras-json``, ``csv-logger``, ``curvedoc``, ...).
        notes: things the loader noticed and the report should mention (e.g. a resumed
            CSVLogger file whose repeated epochs were replaced by their later values).
    """

    path: str
    format: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricPair:
    """A metric and its validation twin (``loss`` / ``val_loss``), as found in a History.

    Attributes:
        name: the canonical base name (``accuracy`` for ``acc``).
        train: key of the training series in ``epoch_series``, or None.
        val: key of the validation series, or None.
        direction: ``lower``, ``higher`` or ``unknown`` (which way is better).
    """

    name: str
    train: str | None
    val: str | None
    direction: names.Direction


@dataclass
class History:
    """A training run: per-epoch series, optional per-batch series, context and source.

    Attributes:
        epochs: absolute epoch index of each row (0-based, as Keras counts; a run resumed
            with ``initial_epoch=10`` starts at 10).
        epoch_series: metric name -> float64 array aligned with ``epochs``.
        batch_series: metric name -> float64 array, one value per training batch (step),
            in order; empty when the source has no batch data.
        batch_steps: global step index of each batch value.
        batch_epoch_starts: offset in the batch arrays where each recorded epoch starts;
            ``batch_epochs[i]`` is the epoch whose batches start at
            ``batch_epoch_starts[i]``.
        batch_epochs: the epoch of each batch segment.
        context: training facts when known (see ``docs/history-format.md``).
        source: where the run was read from.
        context_sources: where each top-level ``context`` key came from when it was not
            the history file itself (``--context``, ``context-file``, ``sidecar``,
            ``model``, ``mlflow``: :data:`curvedoc.context_input.SOURCES`); a key not
            listed here was recorded in the file.
        context_origins: context source -> the file or run it came from (a sidecar's
            path, a model file, ``runs:/<id>``).
    """

    epochs: np.ndarray
    epoch_series: dict[str, np.ndarray]
    source: SourceInfo
    context: dict[str, Any] = field(default_factory=dict)
    batch_series: dict[str, np.ndarray] = field(default_factory=dict)
    batch_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    batch_epoch_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    batch_epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    context_sources: dict[str, str] = field(default_factory=dict)
    context_origins: dict[str, str] = field(default_factory=dict)
    _pairs_memo: tuple[tuple[str, ...], tuple[MetricPair, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The last :meth:`pairs` result and the series names it was made from."""

    def __post_init__(self) -> None:
        self.epochs = np.asarray(self.epochs, dtype=np.int64)
        n = self.epochs.shape[0]
        for key, arr in list(self.epoch_series.items()):
            arr = np.asarray(arr, dtype=np.float64)
            if arr.shape != (n,):
                raise ValueError(
                    f"epoch series {key!r} has {arr.shape[0] if arr.ndim else 0} values "
                    f"for {n} epochs"
                )
            self.epoch_series[key] = arr
        m = None
        for key, arr in list(self.batch_series.items()):
            arr = np.asarray(arr, dtype=np.float64)
            if arr.ndim != 1 or (m is not None and arr.shape[0] != m):
                raise ValueError(f"batch series {key!r} is not aligned with the other batch series")
            m = arr.shape[0]
            self.batch_series[key] = arr
        if m is not None and self.batch_steps.shape[0] != m:
            self.batch_steps = np.arange(m, dtype=np.int64)
        self.batch_epoch_starts = np.asarray(self.batch_epoch_starts, dtype=np.int64)
        self.batch_epochs = np.asarray(self.batch_epochs, dtype=np.int64)
        if self.batch_epoch_starts.shape != self.batch_epochs.shape:
            raise ValueError("batch_epoch_starts and batch_epochs must have the same length")
        if self.batch_epoch_starts.size and (
            self.batch_epoch_starts[0] != 0 or np.any(np.diff(self.batch_epoch_starts) < 0)
        ):
            raise ValueError("batch_epoch_starts must start at 0 and never decrease")

    # -- shape -------------------------------------------------------------------------

    @property
    def n_epochs(self) -> int:
        """Number of epoch rows."""
        return int(self.epochs.shape[0])

    @property
    def n_batches(self) -> int:
        """Number of recorded batch values (0 when there is no batch data)."""
        for arr in self.batch_series.values():
            return int(arr.shape[0])
        return 0

    def metric_keys(self) -> list[str]:
        """Epoch series that are model metrics (learning-rate logs excluded), in file order."""
        return [k for k in self.epoch_series if not names.is_learning_rate(k)]

    def learning_rate(self) -> np.ndarray | None:
        """Return the per-epoch learning rate when the source logged it, else None."""
        for key in self.epoch_series:
            if names.is_learning_rate(key):
                return self.epoch_series[key]
        return None

    def pairs(self) -> list[MetricPair]:
        """Train/validation pairs for every metric, in file order.

        Series pair by :func:`curvedoc.names.pair_base`: the metric without its training or
        validation marker, in any case, Keras 2 aliases resolved (``acc`` with ``val_acc``,
        ``train_loss`` with ``valid_loss``, ``Loss`` with ``Val_Loss``). When a log has two
        candidates for one side, Keras' own name wins (``loss`` before ``train_loss``,
        ``val_loss`` before ``test_loss``; :func:`~curvedoc.names.validation_rank`) and the
        other forms a pair of its own under its own name. A series with no twin forms a pair
        with the other side None. A pair is named by the canonical name its series share
        (``accuracy`` for ``acc``), in lower case when their spellings differ or when it is a
        known metric (``Loss`` alone is the pair ``loss``; the series keeps its name).
        """
        keys = self.metric_keys()
        memo = self._pairs_memo
        if memo is not None and memo[0] == tuple(keys):
            return list(memo[1])  # the pairing depends on the names alone
        best: dict[tuple[str, bool], tuple[int, str]] = {}
        for key in keys:
            is_val, _ = names.split_validation(key)
            rank = names.validation_rank(key) if is_val else names.train_rank(key)
            side = (names.pair_base(key), is_val)
            if side not in best or rank < best[side][0]:
                best[side] = (rank, key)
        order: list[str] = []
        sides: dict[str, dict[bool, str]] = {}
        spellings: dict[str, set[str]] = {}
        for key in keys:
            is_val, _ = names.split_validation(key)
            base = names.pair_base(key)
            slot = base if best[(base, is_val)][1] == key else "\0" + key  # its own pair
            if slot not in sides:
                order.append(slot)
                sides[slot] = {}
                spellings[slot] = set()
            sides[slot][is_val] = key
            spellings[slot].add(names.canonical(key))
        out: list[MetricPair] = []
        for slot in order:
            train, val = sides[slot].get(False), sides[slot].get(True)
            if slot.startswith("\0"):
                name = slot[1:]
            elif len(spellings[slot]) > 1:
                name = slot  # two spellings met: the lower-case base names the pair
            else:
                (only,) = spellings[slot]
                name = slot if only != slot and names.direction(slot) != "unknown" else only
            out.append(
                MetricPair(
                    name=name,
                    train=train,
                    val=val,
                    direction=names.direction(train or val or name),
                )
            )
        self._pairs_memo = (tuple(keys), tuple(out))
        return out

    def primary_pair(self) -> MetricPair | None:
        """Return the pair the diagnosis leads with: the loss if present, else the first pair."""
        pairs = self.pairs()
        for pair in pairs:
            if pair.name == "loss":
                return pair
        for pair in pairs:
            if names.is_loss_like(pair.name):
                return pair
        return pairs[0] if pairs else None

    def batch_epoch_index(self) -> np.ndarray:
        """Epoch of every batch value (vectorised expansion of the epoch boundaries)."""
        n = self.n_batches
        if n == 0 or self.batch_epoch_starts.size == 0:
            return np.zeros(n, dtype=np.int64)
        counts = np.diff(np.append(self.batch_epoch_starts, n))
        return np.repeat(self.batch_epochs, counts)

    def context_provenance(self) -> dict[str, str]:
        """Every top-level ``context`` key -> where it came from (``recorded`` by default)."""
        return {key: self.context_sources.get(key, "recorded") for key in self.context}

    def describe(self) -> dict[str, Any]:
        """Summarise the run for JSON: epochs, series names, batch count, source, context."""
        return {
            "epochs": self.n_epochs,
            "first_epoch": int(self.epochs[0]) if self.n_epochs else None,
            "series": list(self.epoch_series),
            "batch_series": list(self.batch_series),
            "batches": self.n_batches,
            "source": {"path": self.source.path, "format": self.source.format},
            "context_sources": self.context_provenance(),
            "context_origins": dict(self.context_origins),
        }
