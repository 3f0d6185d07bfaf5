"""Shared test helpers: where fixtures live, running the CLI, writing small input files.

Kept small and generic on purpose; anything specific to one test module stays there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


def fixture(relative: str) -> Path:
    """A committed fixture under ``fixtures/``; a missing one fails loudly, never skips.

    The fixtures are committed (``fixtures/make_fixtures.py`` regenerates them), so a
    missing one is a broken checkout, and a test that skipped over it would pass silently.
    """
    path = FIXTURES / relative
    if not path.exists():
        pytest.fail(
            f"the committed fixture fixtures/{relative} is missing: restore it "
            f"(git checkout -- fixtures/{relative}) or regenerate fixtures/",
            pytrace=False,
        )
    return path


def fixture_files(pattern: str) -> list[Path]:
    """Real-run fixtures under ``fixtures/`` matching a glob (recursively), sorted.

    Fails (at collection, for a parametrisation) when nothing matches, rather than letting
    the tests over them vanish.
    """
    found = sorted(p for p in FIXTURES.rglob(pattern) if p.is_file())
    if not found:
        pytest.fail(f"no committed fixture under fixtures/ matches {pattern!r}", pytrace=False)
    return found


@dataclass(frozen=True)
class CliResult:
    """What one CLI invocation did."""

    code: int
    out: str
    err: str


def run_cli_subprocess(*args: str, cwd: Path | None = None, timeout: float = 120) -> CliResult:
    """Run ``python -m curvedoc ARGS`` in a fresh interpreter (as a user would)."""
    env = {k: v for k, v in os.environ.items() if k != "CURVEDOC_DEBUG"}
    env["NO_COLOR"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "curvedoc", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``curvedoc.cli.main([...])`` in process and capture its exit code and output."""
    from curvedoc.cli import main

    monkeypatch.delenv("CURVEDOC_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(*args: str | os.PathLike[str]) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        code = main([os.fspath(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes | object], Path]:
    """Write a file under tmp_path: bytes as is, str as UTF-8, anything else as JSON."""

    def _write(name: str, content: str | bytes | object) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")
        return path

    return _write


def decaying_loss(
    n: int = 40, *, start: float = 1.0, rate: float = 0.08, noise: float = 0.03, seed: int = 0
) -> np.ndarray:
    """A positive, falling, mildly noisy loss curve (a plausible healthy training loss)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    return start * (0.1 + np.exp(-rate * t)) * np.exp(noise * rng.standard_normal(n))


def healthy_history_dict(n: int = 40, seed: int = 0) -> dict[str, list[float]]:
    """A ``history.history``-shaped dict whose curves should read as healthy."""
    loss = decaying_loss(n, seed=seed)
    val = decaying_loss(n, start=1.05, seed=seed + 1)
    return {"loss": loss.tolist(), "val_loss": val.tolist()}


def diverged_history_dict(n: int = 30, blow_up: int = 20) -> dict[str, list[float]]:
    """A history whose training loss turns NaN at ``blow_up`` and stays NaN (divergence)."""
    h = healthy_history_dict(n)
    for key in h:
        h[key][blow_up:] = [float("nan")] * (n - blow_up)
    return h
