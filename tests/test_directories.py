"""Source ``folder``: a directory that holds exactly one run somewhere below it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import fixture

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import Probe, detect
from curvedoc.loaders.directories import SOURCE, discover_runs


def test_a_folder_with_one_history_file_reads_it_with_the_same_options(tmp_path: Path) -> None:
    run = tmp_path / "exp" / "version_0"
    run.mkdir(parents=True)
    shutil.copy(fixture("healthy_lstm_sine.csv"), run / "metrics.csv")
    assert detect(Probe(str(tmp_path / "exp"))) is SOURCE
    h = curvedoc.load(tmp_path / "exp")
    assert h.source.format == "csv-logger" and h.source.path == str(run / "metrics.csv")
    picked = curvedoc.load(tmp_path / "exp", train_col="loss", val_col="val_loss")
    assert picked.source.format == "csv-columns"


def test_a_folder_with_one_tensorboard_run_reads_it(tmp_path: Path) -> None:
    shutil.copytree(fixture("tensorboard/torch_sine"), tmp_path / "logs" / "run1")
    assert detect(Probe(str(tmp_path / "logs"))) is SOURCE
    assert curvedoc.load(tmp_path / "logs").source.format == "tensorboard"
    # a TensorBoard run itself belongs to the tensorboard source, asked first
    assert detect(Probe(str(tmp_path / "logs" / "run1"))).name == "tensorboard"


@pytest.mark.parametrize(
    ("layout", "problem"),
    [
        ({}, "is an empty directory"),
        ({"notes.txt": "hi"}, "is a directory with no TensorBoard event files or history files"),
        ({"a.json": '{"loss": [1]}', "b/c.csv": "loss\n1\n"}, "holds 2 runs"),
    ],
)
def test_folders_that_hold_no_run_or_several(
    tmp_path: Path, layout: dict[str, str], problem: str
) -> None:
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(LoadError, match=problem):
        curvedoc.load(tmp_path)


def test_a_scan_skips_reports_hidden_entries_and_bulky_folders(tmp_path: Path) -> None:
    for name in ("run.json", "run.report.json", ".hidden.json", ".git/x.json", "a/b.csv.gz"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert discover_runs(tmp_path) == [tmp_path / "a" / "b.csv.gz", tmp_path / "run.json"]


def test_a_scan_lists_what_it_passes_over_and_opens_no_special_file(tmp_path: Path) -> None:
    import json
    import os

    from curvedoc.loaders.directories import scan

    root = tmp_path / "runs"
    (root / "a").mkdir(parents=True)
    (root / "a" / "h.json").write_text(json.dumps({"loss": [1.0, 0.5]}))
    (root / "a" / "h.context.json").write_text("{}")
    (root / "a" / ".h.json.0123456789ab.tmp").write_text("{")
    (root / "a" / ".DS_Store").write_text("")  # hidden: neither a run nor listed
    (root / "README.md").write_text("notes")
    (root / "h.report.json").write_text("{}")
    (root / "a" / "up").symlink_to("..", target_is_directory=True)  # a loop
    (root / "same.json").symlink_to(root / "a" / "h.json")
    (root / "dangling.json").symlink_to(root / "missing.json")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.csv")
    found = scan(root)
    assert [p.relative_to(root).as_posix() for p in found.runs] == ["a/h.json"]
    reasons = {Path(s.path).relative_to(root).as_posix(): s.reason for s in found.skipped}
    expected = {
        "a/h.context.json": "a run's context file",
        "a/.h.json.0123456789ab.tmp": "a temporary file left by a writer that was stopped",
        "README.md": "not a history file (by its name)",
        "h.report.json": "a curvedoc report",
        "same.json": "the same file as another run found",
    }
    if hasattr(os, "mkfifo"):
        expected["pipe.csv"] = "a FIFO (named pipe), not a file: never opened"
    assert reasons == expected
