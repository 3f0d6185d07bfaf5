r"""Source ``json-lines``: one JSON object per line, one line per epoch.

Keras documents this way of streaming the logs in the example of
``keras.callbacks.LambdaCallback`` ("Stream the epoch loss to a file in JSON format. The
file content is not well-formed JSON but rather has a JSON object per line.")::

    json_log = open("loss_log.json", mode="wt", buffering=1)
    LambdaCallback(
        on_epoch_end=lambda epoch, logs: json_log.write(
            json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\n"),
        on_train_end=lambda logs: json_log.close(),
    )

Each line is read as a per-epoch record, as ``[{...}, {...}]`` is by ``keras-json``. A
last line cut short (the log of a run that is still writing, or was killed) is left out
with a note; any other line that is not a JSON object is a one-line error naming it.
"""

from __future__ import annotations

import json
from typing import Any

from curvedoc.errors import LoadError
from curvedoc.history import History
from curvedoc.loaders.keras_json import history_from_series_object
from curvedoc.loaders.source import Form, Probe, Source


def _is_record(line: str) -> bool:
    """Whether a line is one complete JSON object of single values (one epoch's logs)."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(value, dict)
        and bool(value)
        and not any(isinstance(v, (list, dict)) for v in value.values())
    )


def sniff(probe: Probe) -> bool:
    """The first two lines of the head are each a complete object of single values.

    Decided from the head alone, before the text is parsed as one document: a
    pretty-printed or one-line JSON history never has two such lines at its start (and two
    ``history.history`` dumps appended to one file hold lists, so they stay an error).
    """
    if probe.is_dir or probe.syntax != "json" or not probe.head.startswith("{"):
        return False
    lines = [ln for ln in probe.head.splitlines()[:4] if ln.strip()][:2]
    return len(lines) == 2 and all(_is_record(ln) for ln in lines)


def load(probe: Probe) -> History:
    """Read every line as one epoch's record (see the module docstring)."""
    path = probe.location
    text = probe.text
    numbered = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
    rows: list[dict[str, Any]] = []
    for k, (line_no, line) in enumerate(numbered):
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            last = k == len(numbered) - 1
            if last and not text.endswith("\n"):
                # a note for the report, added by the registry with the other reading notes
                probe.notes.append(f"the last line ({line_no}) is incomplete: left out")
                break
            problem = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            raise LoadError(path, f"line {line_no} is not a JSON object ({problem})") from None
        if not isinstance(value, dict):
            raise LoadError(path, f"line {line_no} holds a {type(value).__name__}, not an object")
        rows.append(value)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    series = {k: [row.get(k) for row in rows] for k in keys}
    return history_from_series_object(series, path, "json-lines")


SOURCE = Source(
    name="json-lines",
    kind="file",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "JSON Lines, as Keras' `LambdaCallback` example streams the logs",
            'one JSON object per line: `{"epoch": 0, "loss": ...}`',
            "epoch series; a last line cut short (a run still writing) is left out (noted)",
            "json-lines",
        ),
    ),
)
