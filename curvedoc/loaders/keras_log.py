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
from 0 in its logs); the last `` - name: value`` fields printed before the next epoch
are that epoch's logs. ``N`` becomes the context's ``epochs_planned`` and the bar's step
count its ``steps_per_epoch``; Keras 2's ``Train on 1000 samples, validate on 200
samples`` gives ``train_samples`` and ``val_samples``. Anything else in the file (warnings,
callback messages such as ``Epoch 5: val_loss improved from ...``, prints) is ignored. An
epoch whose block holds no values (a run killed during it) is left out with a note; a
``fit`` called again in the same file (epochs counting from 1 again) keeps the later
values of each epoch, as a resumed CSVLogger does.
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
_EPOCH = re.compile(r"^\s*Epoch (\d{1,9})/(\d{1,9})\s*$")
_EPOCH_HEAD = re.compile(r"(?m)^\s*(?:\x1b\[[0-9;]*m)*Epoch \d{1,9}/\d{1,9}\s*$")
_FIELD = re.compile(r"^([A-Za-z_][\w/.\-]{0,200}): (\S+)$")
_STEPS = re.compile(r"^\s*(\d{1,12})/(\d{1,12})\b")
_SAMPLES = re.compile(r"Train on (\d{1,12}) samples(?:, validate on (\d{1,12}) samples)?")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf)$", re.I)


_LINE = re.compile(r"[^\n\r\x08]+")
"""A line, or one redraw of a progress bar (carriage returns and backspaces end one)."""


def _lines(text: str) -> Iterator[str]:
    """The text's lines, each without terminal escapes, one at a time (no copy of the text)."""
    for m in _LINE.finditer(text):
        line = m.group()
        yield _ANSI.sub("", line) if "\x1b" in line else line


def _fields(line: str) -> dict[str, float]:
    """The `` - name: value`` fields of one line whose value is a number."""
    out: dict[str, float] = {}
    for part in line.split(" - ")[1:]:
        m = _FIELD.match(part.strip())
        if m and _NUMBER.match(m.group(2)):
            out[m.group(1)] = float(m.group(2))
    return out


def sniff(probe: Probe) -> bool:
    """Text (not JSON) whose head has an ``Epoch k/N`` line and a `` - name: number`` field."""
    if probe.is_dir or probe.syntax != "csv":
        return False
    head = probe.head
    if not _EPOCH_HEAD.search(head):
        return False
    return any(" - " in line and _fields(line) for line in _lines(head))


def load(probe: Probe) -> History:
    """Read every epoch's last printed values (see the module docstring).

    The values go straight into typed arrays (8 bytes a value), so memory stays below the
    text's own size whatever the number of epochs.
    """
    path = probe.location
    max_series = probe.limits.max_series
    epochs = array("q")
    columns: dict[str, array] = {}
    context: dict[str, Any] = {}
    current: int | None = None
    values: dict[str, float] = {}
    steps = 0
    incomplete: list[int] = []
    printed_nonfinite: set[str] = set()

    def close() -> None:
        if current is None:
            return
        if not values:
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

    for line in _lines(probe.text):
        m = _EPOCH.match(line)
        if m:
            close()
            current, values = int(m.group(1)) - 1, {}
            planned = int(m.group(2))
            if planned > 0:
                context["epochs_planned"] = planned
            continue
        if current is None:
            s = _SAMPLES.search(line)
            if s:
                context["train_samples"] = int(s.group(1))
                if s.group(2):
                    context["val_samples"] = int(s.group(2))
            continue
        if " - " not in line:
            continue
        fields = _fields(line)
        if fields:
            values = fields  # the last redraw of the bar holds the epoch's values
            st = _STEPS.match(line)
            if st and st.group(1) == st.group(2):
                steps = max(steps, int(st.group(2)))
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
    if incomplete:
        listed = ", ".join(str(k) for k in incomplete[:5]) + (" ..." if len(incomplete) > 5 else "")
        probe.notes.append(
            f"epoch(s) {listed} printed no values (the run stopped during them): left out"
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
