"""Source ``curvedoc``: curvedoc's own history file (``docs/history-format.md``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import fixture

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import Probe, detect
from curvedoc.loaders.curvedoc_format import FORMAT_NAME, SOURCE

Writer = Callable[[str, "str | bytes | object"], Path]


def test_recognised_by_its_format_tag_only(write: Writer) -> None:
    assert detect(Probe(str(fixture("healthy_lstm_sine.curvedoc.json")))) is SOURCE
    tagged = write("t.json", {"format": FORMAT_NAME, "epoch_logs": {"loss": [1, 0.5]}})
    assert detect(Probe(str(tagged))) is SOURCE
    other = write("o.json", {"format": "other", "loss": [1, 0.5]})
    assert detect(Probe(str(other))).name == "keras-json"
    assert not SOURCE.sniff(Probe(str(write("l.json", [{"format": FORMAT_NAME}]))))


def test_a_tagged_file_that_breaks_the_format_says_what_is_wrong(write: Writer) -> None:
    path = write("bad.json", {"format": FORMAT_NAME, "epoch_logs": [1, 2]})
    with pytest.raises(LoadError, match="curvedoc history has no 'epoch_logs' object"):
        curvedoc.load(path)


def test_curvedoc_format_written_by_hand_per_the_docs(write: Writer) -> None:
    """The example of docs/history-format.md, filled in, loads as documented."""
    doc = {
        "format": "curvedoc-history",
        "format_version": 1,
        "writer": "a test",
        "status": "running",
        "epochs": [0, 1, 2],
        "epoch_logs": {
            "loss": [0.91, 0.52, 0.47],
            "val_loss": [0.95, None, 0.50],
            "learning_rate": [0.001, 0.001, 0.0005],
            "mae": ["NaN", 0.5, "Infinity"],
        },
        "batch": {
            "exact": False,
            "steps_per_execution": 2,
            "note": "values are means over 2 batches",
            "epochs": [0, 1, 2],
            "counts": [2, 0, 3],
            "sizes": None,
            "series": {"loss": [1.2, 1.1, 0.6, 0.5, 0.4], "mae": [1, 1, 1, 1, 1]},
        },
        "context": {"batch_size": 32, "optimizer": {"class": "Adam", "config": {}}},
        "a_future_key": {"ignored": True},
    }
    h = curvedoc.load(write("run.curvedoc.json", doc))
    assert h.source.format == "curvedoc"
    assert h.epochs.tolist() == [0, 1, 2]
    assert math.isnan(h.epoch_series["val_loss"][1])
    assert math.isnan(h.epoch_series["mae"][0]) and h.epoch_series["mae"][2] == math.inf
    assert h.learning_rate().tolist() == [0.001, 0.001, 0.0005]  # type: ignore[union-attr]
    assert h.batch_series["loss"].tolist() == [1.2, 1.1, 0.6, 0.5, 0.4]
    # the empty segment of epoch 1 is dropped: epochs 0 and 2 start at 0 and 2
    assert h.batch_epoch_starts.tolist() == [0, 2]
    assert h.batch_epochs.tolist() == [0, 2]
    assert h.batch_epoch_index().tolist() == [0, 0, 2, 2, 2]
    assert h.context["batch_size"] == 32 and h.context["batch_exact"] is False
    assert "values are means over 2 batches" in h.source.notes
    assert any("still going" in n for n in h.source.notes)


def test_curvedoc_format_from_a_newer_version_is_read_with_a_note(write: Writer) -> None:
    doc = {"format": "curvedoc-history", "format_version": 7, "epoch_logs": {"loss": [1, 0.5]}}
    h = curvedoc.load(write("future.json", doc))
    assert h.epoch_series["loss"].tolist() == [1.0, 0.5]
    assert any("format version 7" in n for n in h.source.notes)
