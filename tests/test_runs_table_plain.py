"""The many-runs text table laid out by hand for big sweeps draws what rich draws.

Above ``PLAIN_TABLE_ROWS`` runs the summary table skips rich's per-cell layout (half a
minute for 9,000 runs); these tests force that path on a small sweep of the real Keras
fixtures and compare it, line for line, with rich's rendering of the same table, at
every width where the words of the verdicts fit on a line (narrower still, rich leaves a
blank line after a word it had to cut; the plain layout does not).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curvedoc.batch import Job, RunTable, analyse_one, display_names, rank
from curvedoc.render import terminal
from curvedoc.safe_text import escape_strings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def sweep() -> RunTable:
    """The real fixture runs, with names long enough to fold in a narrow terminal."""
    paths = sorted(str(p) for p in FIXTURES.glob("*.json") if ".curvedoc" not in p.name)
    assert len(paths) >= 8
    base, names = display_names(paths)
    summaries = []
    for i, (path, name) in enumerate(zip(paths, names, strict=True)):
        s = analyse_one(Job(index=i, path=path, name=name))
        if i % 3 == 0:
            s.name = f"a_rather_long_sweep_folder_name_{i}/" + s.name
        summaries.append(s)
    return escape_strings(RunTable(runs=tuple(rank(summaries)), base=base, sort="stability"))


@pytest.mark.parametrize("width", [160, 120, 100, 80, 72])
def test_the_plain_layout_is_rich_s_layout(sweep, monkeypatch, width):
    by_rich = terminal.render_runs_terminal(sweep, width=width, color=False)
    monkeypatch.setattr(terminal, "PLAIN_TABLE_ROWS", 0)
    by_hand = terminal.render_runs_terminal(sweep, width=width, color=False)
    assert by_hand == by_rich
    assert "┃" in by_hand and "╇" in by_hand


def test_fold_wraps_at_spaces_and_cuts_only_words_longer_than_a_line():
    fold = terminal._fold
    assert fold("hyperparameters (CD304, CD309, CD310)", 30) == [
        "hyperparameters (CD304, CD309,",
        "CD310)",
    ]
    assert fold("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert fold("ab cdefghij k", 4) == ["ab", "cdef", "ghij", "k"]
    assert fold("fits", 4) == ["fits"]


def test_colour_marks_each_verdict_and_only_adds_escape_codes(sweep, monkeypatch):
    monkeypatch.setattr(terminal, "PLAIN_TABLE_ROWS", 0)
    plain = terminal.render_runs_terminal(sweep, width=100, color=False)
    coloured = terminal.render_runs_terminal(sweep, width=100, color=True)
    stripped = "\n".join(line.rstrip() for line in ANSI.sub("", coloured).split("\n"))
    assert stripped == plain
    healthy = [s for s in sweep.analysed if s.healthy]
    sick = [s for s in sweep.analysed if not s.healthy]
    assert healthy and sick
    assert "\x1b[32mhealthy" in coloured
    assert "\x1b[33m" in coloured or "\x1b[31m" in coloured
