"""The one atomic writer (:func:`curvedoc.fileio.write_text_atomic`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from curvedoc import fileio
from curvedoc.fileio import write_text_atomic


def test_writes_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    write_text_atomic(path, "first ✓\n")
    write_text_atomic(str(path), "second\n")
    assert path.read_text(encoding="utf-8") == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_ordinary_permissions_from_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


def test_data_is_fsynced_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        fileio.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1]
    )
    write_text_atomic(tmp_path / "h.json", "{}")
    assert calls[:2] == ["fsync", "replace"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.json"
    path.write_text("old")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]


def test_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "no" / "such" / "file.txt", "x")
