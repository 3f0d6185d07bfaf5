"""Weights & Biases tables: a chart downloaded as CSV, and a run's history saved as CSV.

W&B is where many Keras runs are tracked, and its two table forms name columns their own
way:

* **A chart's CSV download** (the panel menu's *Export*, CSV): a ``Step`` column, then for
  every run and metric ``<run name> - <metric>`` and ``<run name> - <metric>__MIN`` /
  ``__MAX``, the range of the points the chart sampled (the value itself when nothing was
  sampled away).
* **The Keras callback's names** (``wandb.integration.keras.WandbMetricsLogger``): the epoch
  logs are ``epoch/loss``, ``epoch/val_loss``, ``epoch/learning_rate`` and the counter
  ``epoch/epoch``; per-batch logs are ``batch/*`` on rows of their own; ``_step``,
  ``_runtime`` and ``_timestamp`` are W&B's bookkeeping. ``run.history()`` saved with
  pandas keeps these names, and a chart export prefixes them with the run name.

:func:`wandb_table` turns either into the table a Keras ``CSVLogger`` would have written:
one run's epoch metrics under Keras' names, the epoch counter as ``epoch``. A table that is
neither comes back unchanged.
"""

from __future__ import annotations

import numpy as np

from curvedoc.errors import LoadError

RUN_SEPARATOR = " - "
"""Between the run's name and the metric in a chart export's column names."""
RANGE_SUFFIXES = ("__MIN", "__MAX")
"""A chart export's columns with the range of the sampled points beside each value."""
EPOCH_NAMESPACE = "epoch/"
"""``WandbMetricsLogger``'s prefix of the epoch logs."""
BATCH_NAMESPACE = "batch/"
"""...and of the per-batch logs."""
BOOKKEEPING = frozenset({"_runtime", "_timestamp"})
"""W&B's own columns of a run's history that are no metric (``_step`` is its step)."""


def wandb_table(
    header: list[str], table: dict[str, np.ndarray], path: str
) -> tuple[list[str], dict[str, np.ndarray], list[str]]:
    """``(header, table, notes)`` of a W&B table read as a Keras log; others unchanged.

    A chart export holding several runs is refused (exit 2, one line naming the runs):
    each is a history of its own, and a silent choice would diagnose the wrong one.
    """
    notes: list[str] = []
    header, table = _one_run(header, table, path, notes)
    header, table = _keras_namespace(header, table, notes)
    return header, table, notes


def _one_run(
    header: list[str], table: dict[str, np.ndarray], path: str, notes: list[str]
) -> tuple[list[str], dict[str, np.ndarray]]:
    """A chart export's columns without the run name and the sampled-range columns."""
    # the chart's x axis comes first (Step, or whatever key the chart plots against)
    metrics = header[1:] if header and RUN_SEPARATOR not in header[0] else header
    if not metrics or not all(RUN_SEPARATOR in h for h in metrics):
        return header, table
    split = {h: h.split(RUN_SEPARATOR, 1) for h in metrics}
    ranged = any(h.endswith(RANGE_SUFFIXES) for h in metrics)
    runs = list(dict.fromkeys(run for run, _ in split.values()))
    if not ranged and len(runs) > 1:
        return header, table  # "a - b" names of some other table, not W&B's
    if len(runs) > 1:
        listed = ", ".join(repr(r) for r in runs[:4]) + (" ..." if len(runs) > 4 else "")
        raise LoadError(
            path,
            f"a W&B chart export with {len(runs)} runs ({listed}): download the chart of one "
            "run, or name its columns with --train-col/--val-col",
        )
    dropped = {h for h in metrics if h.endswith(RANGE_SUFFIXES) and _unranged(h) in split}
    out_header = [h if h not in split else split[h][1] for h in header if h not in dropped]
    out = {(split[h][1] if h in split else h): v for h, v in table.items() if h not in dropped}
    if len(set(out_header)) != len(out_header):
        return header, table  # two runs' columns would merge: leave the names alone
    note = f"a W&B chart export of run {runs[0]!r}: its names read without the run"
    if dropped:
        note += ", the __MIN/__MAX columns (the range of the sampled points) left out"
    notes.append(note)
    return out_header, out


def _unranged(name: str) -> str:
    """A range column's value column: ``run - loss__MIN`` -> ``run - loss``."""
    return next(name[: -len(s)] for s in RANGE_SUFFIXES if name.endswith(s))


def _keras_namespace(
    header: list[str], table: dict[str, np.ndarray], notes: list[str]
) -> tuple[list[str], dict[str, np.ndarray]]:
    """``WandbMetricsLogger``'s ``epoch/*`` logs under Keras' names, one row per epoch."""
    epoch_keys = [h for h in header if h.startswith(EPOCH_NAMESPACE) and h != EPOCH_NAMESPACE]
    if not epoch_keys:
        return header, table
    plain = {h for h in header if not h.startswith((EPOCH_NAMESPACE, BATCH_NAMESPACE))}
    rename = {h: h[len(EPOCH_NAMESPACE) :] for h in epoch_keys}
    rename = {h: new for h, new in rename.items() if new not in plain}
    counted = "epoch/epoch" in rename  # the epoch counter is the x axis: the step is not
    dropped = [
        h
        for h in header
        if h.startswith(BATCH_NAMESPACE) or h in BOOKKEEPING or (counted and h == "_step")
    ]
    gone = set(dropped)
    out_header = [rename.get(h, h) for h in header if h not in gone]
    out = {rename.get(h, h): v for h, v in table.items() if h not in gone}
    # the batch logs sit on rows of their own: keep the rows an epoch log filled
    filled = [out[rename[h]] for h in rename if rename[h] != "epoch" and rename[h] in out]
    if filled:
        rows = np.zeros(len(filled[0]), dtype=bool)
        for col in filled:
            rows |= ~np.isnan(col)
        if not rows.all():
            out = {k: v[rows] for k, v in out.items()}
    note = "W&B's Keras logger names (epoch/loss, epoch/val_loss, ...) read as Keras' own"
    batch = [h for h in dropped if h.startswith(BATCH_NAMESPACE)]
    kept_out = []
    if batch:
        kept_out.append(
            f"{len(batch)} per-batch column(s) ({', '.join(batch[:3])}"
            + (" ..." if len(batch) > 3 else "")
            + ")"
        )
    own = [h for h in dropped if not h.startswith(BATCH_NAMESPACE)]
    if own:
        kept_out.append(f"W&B's bookkeeping ({', '.join(own)})")
    if kept_out:
        note += "; " + " and ".join(kept_out) + " left out"
    notes.append(note)
    return out_header, out
