"""Progress on long work: drawn on stderr only for people, silent everywhere else."""

from __future__ import annotations

import io

import pytest

from curvedoc.progress import Progress, progress_enabled, track


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_enabled_only_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CURVEDOC_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress_enabled(FakeTTY())
    assert not progress_enabled(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not progress_enabled(FakeTTY())


def test_environment_forces_it_on_or_off(monkeypatch) -> None:
    monkeypatch.setenv("CURVEDOC_PROGRESS", "0")
    assert not progress_enabled(FakeTTY())
    monkeypatch.setenv("CURVEDOC_PROGRESS", "1")
    assert progress_enabled(io.StringIO())


def test_silent_when_stderr_is_not_a_terminal(capsys, monkeypatch) -> None:
    monkeypatch.delenv("CURVEDOC_PROGRESS", raising=False)
    items = list(track(range(5), "work", delay=0))
    assert items == [0, 1, 2, 3, 4]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_counts_and_totals() -> None:
    with Progress("reading", total=10, enabled=False) as p:
        p.advance(3)
        p.advance()
        p.update(description="parsing", total=20)
    assert p.completed == 4 and p.total == 20 and p.description == "parsing"


def test_shown_bar_writes_to_stderr_only(capsys) -> None:
    with Progress("crunching", total=3, enabled=True, delay=0) as p:
        for _ in range(3):
            p.advance()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert p._bar is None  # stopped and removed


def test_delay_keeps_quick_work_silent() -> None:
    with Progress("quick", total=2, enabled=True, delay=60) as p:
        p.advance(2)
        assert p._bar is None


def test_bad_unit() -> None:
    with pytest.raises(ValueError, match="unit"):
        Progress("x", unit="furlongs")
