r"""Source ``keras-log``: what ``model.fit`` printed, saved to a file.

Many runs leave nothing but their console output: ``python train.py > train.log``, a
notebook's cell output pasted into a file, a cluster job's stdout. Keras prints one block
per epoch::

    Epoch 3/20
    47/47 [=========] - 1s 12ms/step - loss: 0.4213 - accuracy: 0.8410 - val_loss: 0.4630

(Keras 2 with ``verbose=1``; ``verbose=2`` prints ``47/47 - 1s - loss: ...``; Keras 3
draws its bar with ``━`` and may colour it with terminal escapes). With ``verbose=1`` the
bar is redrawn in place (carriage returns or backspaces), so a file holds every redraw;
the last one of an epoch carries the epoch's values, the validation ones included.

Read here: each ``Epoch k/N`` line starts epoch ``k - 1`` (Keras counts from 1 on screen,
from 0 in its logs); the last redraw of that epoch's bar (a line that starts with the step
counter ``n/N``) holds its values, the `` - name: value`` fields. ``N`` becomes the
context's ``epochs_planned`` and the bar's step count its ``steps_per_epoch``; Keras 2's
``Train on 1000 samples, validate on 200 samples`` gives ``train_samples`` and
``val_samples``. Anything else (warnings, logging lines, callback messages such as
``Epoch 5: val_loss improved from ...``, prints) is ignored, and so is a bar that counts
other steps or drops keys the epoch's bar had (``model.evaluate`` after the last epoch),
with a note. An epoch whose block holds no values (a run killed during it) is left out
with a note. When the epoch counter starts again (a second fit, a fold of a
cross-validation), the last fit is the run read, with a note; a resumed fit counts on
(``Epoch 11/20``) and joins the one before.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders.keras_json import history_from_series_object
from curvedoc.loaders.series import ParsedNumbers
from curvedoc.loaders.source import Form, Probe, Source

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
"""Terminal escapes (colours, cursor moves, window titles) that Keras 3's bar may print."""
_EPOCH = re.compile(r"^[ \t]*Epoch (\d{1,9})/(\d{1,9})[ \t]*$")
_EPOCH_HEAD = re.compile(r"(?m)^[ \t]*(?:\x1b\[[0-9;]*m)*Epoch \d{1,9}/\d{1,9}[ \t]*\r?$")
_BAR = re.compile(r"^[ \t]*(?:(\d{1,12})/(\d{1,12})\b|-[ \t])")
"""How a line of the epoch's values starts: the step counter ``47/47`` (or ``- `` for
TensorFlow 1's ``verbose=2``); a logging line (a timestamp first) never does."""
_FIELD = re.compile(
    r" - ([A-Za-z_][\w/.\-]{0,200}): "
    r"([-+]?(?:\d{1,40}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][-+]?\d{1,4})?|[-+]?(?i:nan|inf))"
    r"(?= - |[ \t]*$)"
)
"""One `` - name: value`` field whose value is a number (bounded: linear on any line)."""
_SAMPLES = re.compile(r"Train on (\d{1,12}) samples(?:, validate on (\d{1,12}) samples)?")
_LINE = re.compile(rb"[^\n\r\x08]+")
"""A line, or one redraw of a progress bar (carriage returns and backspaces end one)."""


def _lines(raw: Any) -> Iterator[str]:
    """The lines that may matter, decoded one at a time, terminal escapes removed.

    The bytes are scanned in place, so the text never exists as a second, wider string.
    """
    for m in _LINE.finditer(raw):
        b = m.group()
        if b" - " not in b and b"Epoch" not in b and b"Train on" not in b:
            continue
        line = b.decode("utf-8", "replace")
        yield _ANSI.sub("", line) if "\x1b" in line else line


def _fields(line: str, limit: int) -> dict[str, float]:
    """The numeric `` - name: value`` fields of one line (at most ``limit`` names)."""
    out: dict[str, float] = {}
    for m in _FIELD.finditer(line):
        out[m.group(1)] = float(m.group(2))
        if len(out) > limit:
            break
    return out


def sniff(probe: Probe) -> bool:
    """The head has an ``Epoch k/N`` line and a line of `` - name: number`` fields.

    Asked before the JSON sources: a log may begin with a printed dict or a ``[time]``
    stamp, and no JSON document holds a line that is only ``Epoch k/N``.
    """
    if probe.is_dir:
        return False
    head = probe.head
    if "Epoch" not in head or not _EPOCH_HEAD.search(head):
        return False
    return any(
        _BAR.match(line) and _fields(line, 8) for line in _lines(head.encode("utf-8", "replace"))
    )


MAX_NOTED = 5
"""Epoch numbers a note lists before it says how many more there were."""


def load(probe: Probe) -> History:
    """Read every epoch's printed values (see the module docstring).

    The file's bytes are scanned in place and the values go straight into typed arrays
    (8 bytes a value): memory stays within the file's size plus its series.
    """
    path = probe.location
    max_series = probe.limits.max_series
    epochs = array("q")
    columns: dict[str, array] = {}
    context: dict[str, Any] = {}
    current: int | None = None
    values: dict[str, float] = {}
    steps_of_epoch: int | None = None
    steps = 0
    incomplete: list[int] = []
    n_incomplete = 0
    ignored = 0
    fits = 1
    printed_nonfinite: set[str] = set()

    def close() -> None:
        nonlocal n_incomplete, steps
        if current is None:
            return
        if not values:
            n_incomplete += 1
            if len(incomplete) < MAX_NOTED:
                incomplete.append(current + 1)
            return
        for key in values:
            if key not in columns:
                if len(columns) >= max_series:
                    raise probe.limits.too_many_series(path, "prints more metrics")
                columns[key] = array("d", [math.nan]) * len(epochs)
        epochs.append(current)
        for key, column in columns.items():
            value = values.get(key, math.nan)
            if key in values and not math.isfinite(value):
                printed_nonfinite.add(key)  # Keras printed nan or inf: the run blew up
            column.append(value)

    for line in _lines(probe.raw):
        m = _EPOCH.match(line)
        if m:
            k = int(m.group(1))
            if k < 1:
                continue
            close()
            if epochs and k - 1 <= epochs[-1]:
                # the counter went back: another fit (a fold, a second model) starts; the
                # last one is the run (a resumed fit counts on: Epoch 11/20)
                fits += 1
                epochs = array("q")
                columns.clear()
                printed_nonfinite.clear()
                steps, n_incomplete, incomplete = 0, 0, []
            current, values, steps_of_epoch = k - 1, {}, None
            context["epochs_planned"] = int(m.group(2))
            continue
        if current is None:
            s = _SAMPLES.search(line)
            if s:
                context["train_samples"] = int(s.group(1))
                if s.group(2):
                    context["val_samples"] = int(s.group(2))
            continue
        bar = _BAR.match(line)
        if bar is None:
            continue  # a logging line, a callback's message
        fields = _fields(line, max_series)
        if not fields:
            continue
        if len(fields) > max_series:
            raise probe.limits.too_many_series(path, "prints more metrics")
        total = int(bar.group(2)) if bar.group(2) else None
        if steps_of_epoch is None:
            steps_of_epoch = total
        # a later redraw of the same bar carries at least the keys before it (validation
        # values join at the end); model.evaluate's bar counts other steps and has no
        # validation keys: its values are not the epoch's
        if (total is not None and steps_of_epoch is not None and total != steps_of_epoch) or (
            values and not set(values) <= set(fields)
        ):
            ignored += 1
            continue
        values = fields
        if total is not None and bar.group(1) == bar.group(2):
            steps = max(steps, total)
    close()
    if not epochs:
        raise LoadError(path, "holds Keras 'Epoch k/N' lines but no epoch's values")
    if steps:
        context["steps_per_epoch"] = steps
    series = {
        k: ParsedNumbers(np.frombuffer(v, dtype=np.float64), k in printed_nonfinite)
        for k, v in columns.items()
    }
    axis = ParsedNumbers(np.frombuffer(epochs, dtype=np.int64).astype(np.float64), False)
    history = history_from_series_object(series, path, "keras-log", epochs=axis, context=context)
    if fits > 1:
        probe.notes.append(
            f"the file holds {fits} fits (the epoch counter starts again): the last one is read"
        )
    if n_incomplete:
        listed = ", ".join(str(k) for k in incomplete)
        more = (
            f" and {n_incomplete - len(incomplete):,} more"
            if n_incomplete > len(incomplete)
            else ""
        )
        probe.notes.append(
            f"epoch(s) {listed}{more} printed no values (the run stopped during them): left out"
        )
    if ignored:
        probe.notes.append(
            f"{ignored:,} line(s) of values that are not an epoch's (model.evaluate, another "
            "bar) were ignored"
        )
    return history


SOURCE = Source(
    name="keras-log",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "what `model.fit` printed (`python train.py > train.log`, a notebook's output)",
            "`Epoch k/N` lines followed by ` - loss: ...` fields",
            "each epoch's last printed values; `N`, the steps and Keras 2's sample counts as "
            "context",
            "keras-log",
        ),
    ),
)
