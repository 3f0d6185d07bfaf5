"""Merging context onto a run (``curvedoc.context_merge``) and sidecars on every load."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture

import curvedoc
from curvedoc.context_input import ContextInputError, fragment
from curvedoc.context_merge import apply_context, command_fragments, fragments_of
from curvedoc.history import History, SourceInfo


def _history(context: dict[str, object] | None = None) -> History:
    return History(
        epochs=np.arange(3),
        epoch_series={"loss": np.array([1.0, 0.5, 0.25])},
        source=SourceInfo(path="run.json", format="curvedoc", notes=("loaded",)),
        context=dict(context or {}),
    )


def test_layers_by_precedence_and_keeps_provenance_across_calls() -> None:
    h = _history({"optimizer": {"class": "Adam", "config": {"clipnorm": 1.0}}, "batch_size": 32})
    apply_context(h, [fragment("sidecar", {"batch_size": 16, "train_samples": 900}, "a.json")])
    assert h.context_provenance() == {
        "optimizer": "recorded",
        "batch_size": "sidecar",
        "train_samples": "sidecar",
    }
    # a second call (the command line after the loader) sees the sidecar's facts as such:
    # --context beats the sidecar, and the sidecar still beats what was recorded
    apply_context(
        h,
        [
            fragment("--context", {"optimizer": {"class": "SGD"}}),
            fragment("model", {"batch_size": 8, "loss": "mse"}, "m.keras", ["a note"]),
        ],
    )
    assert h.context["optimizer"] == {"class": "SGD"}  # replaced as a whole
    assert h.context["batch_size"] == 8  # model > sidecar
    assert h.context_provenance() == {
        "optimizer": "--context",
        "batch_size": "model",
        "train_samples": "sidecar",
        "loss": "model",
    }
    assert h.context_origins == {"sidecar": "a.json", "model": "m.keras"}
    assert h.source.notes == ("loaded", "model: a note")
    assert {f.source for f in fragments_of(h)} == {"--context", "model", "sidecar"}


def test_nothing_to_apply_leaves_the_history_alone() -> None:
    h = _history({"batch_size": 32})
    assert apply_context(h, []) is h and apply_context(h, [fragment("sidecar", {})]) is h
    assert h.context_sources == {} and h.context_origins == {}


def test_an_overridden_source_loses_its_origin() -> None:
    h = _history()
    apply_context(h, [fragment("sidecar", {"batch_size": 16}, "a.json")])
    apply_context(h, [fragment("--context", {"batch_size": 8})])
    assert h.context_origins == {}


def test_command_fragments_check_everything_before_any_run(tmp_path: Path) -> None:
    assert command_fragments() == ()
    (tmp_path / "f.toml").write_text("batch_size = 16\n")
    frags = command_fragments(["batch_size=8"], tmp_path / "f.toml")
    assert [(f.source, dict(f.values)) for f in frags] == [
        ("context-file", {"batch_size": 16}),
        ("--context", {"batch_size": 8}),
    ]
    with pytest.raises(ContextInputError, match="unknown key 'lr'"):
        command_fragments(["lr=1"], tmp_path / "f.toml")


def test_load_picks_up_the_sidecar_of_files_gz_and_folders(tmp_path: Path) -> None:
    raw = fixture("healthy_lstm_sine.json").read_bytes()
    (tmp_path / "run.json.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "run.context.json").write_text(json.dumps({"batch_size": 32}))
    h = curvedoc.load(tmp_path / "run.json.gz")
    assert h.context == {"batch_size": 32}
    assert h.context_origins == {"sidecar": str(tmp_path / "run.context.json")}
    assert any("read context from" in n and "batch_size" in n for n in h.source.notes)
    assert curvedoc.load(tmp_path / "run.json.gz", sidecar=False).context == {}
    # a folder holding one run: the run's sidecar, then the folder's own beside it
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(fixture("healthy_lstm_sine.csv"), folder / "metrics.csv")
    (folder / "metrics.context.json").write_text('{"batch_size": 64, "optimizer": "adam"}')
    (tmp_path / "logs.context.json").write_text('{"batch_size": 128}')
    h = curvedoc.load(folder)
    assert h.context == {"batch_size": 128, "optimizer": {"class": "Adam"}}
    # a sidecar is never a run of its own, and never its own sidecar
    with pytest.raises(curvedoc.LoadError):
        curvedoc.load(tmp_path / "run.context.json")
