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


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    link = tmp_path / "latest.txt"
    link.symlink_to(target.name)
    write_text_atomic(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_never_replaces_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    with pytest.raises(fileio.UnsafeTargetError, match="FIFO"):
        write_text_atomic(fifo, "x")
    with pytest.raises(fileio.UnsafeTargetError, match="directory"):
        write_text_atomic(tmp_path, "x")
    link = tmp_path / "to_fifo.txt"
    link.symlink_to(fifo)
    with pytest.raises(fileio.UnsafeTargetError, match="FIFO"):
        write_text_atomic(link, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "to_fifo.txt"]


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("holding", flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(fileio.fcntl is None, reason="flock")
def test_stale_temporaries_are_removed_only_when_no_writer_holds_them(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    target = tmp_path / "h.json"
    dead = tmp_path / ".h.json.0123456789ab.tmp"
    dead.write_text("{half")
    held = tmp_path / ".h.json.aaaaaaaaaaaa.tmp"
    others = [
        tmp_path / ".g.json.0123456789ab.tmp",  # another file's
        tmp_path / ".h.json.0123.tmp",  # not the writer's pattern
        tmp_path / "h.json.0123456789ab.tmp",  # not hidden
    ]
    for p in others:
        p.write_text("x")
    link = tmp_path / ".h.json.bbbbbbbbbbbb.tmp"
    link.symlink_to(others[0])
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(held)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        assert fileio.remove_stale_temporaries(target) == [str(dead)]
        assert held.exists()
        proc.send_signal(signal.SIGKILL)  # the kernel drops its lock
        proc.wait(timeout=30)
        assert fileio.remove_stale_temporaries(target) == [str(held)]
    finally:
        proc.kill()
        proc.wait()
    assert all(p.exists() for p in others) and link.is_symlink()
    assert fileio.is_temporary_name(dead.name) and not fileio.is_temporary_name("h.json")
