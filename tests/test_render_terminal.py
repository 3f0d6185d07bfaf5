"""Terminal report: verdict first, readable without colour, narrow, and when piped."""

from __future__ import annotations

import io
import re

import pytest
from conftest import fixture
from report_factory import HOSTILE, make_report

import curvedoc
from curvedoc.render.terminal import NARROW, render_terminal, render_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_order_verdict_then_causes_then_numbers() -> None:
    text = render_terminal(make_report(), width=100, color=False)
    verdict = text.index("PROBLEM")
    cause = text.index("1. Unscaled or insufficient data")
    evidence = text.index("input_max_abs=8760")
    fixes = text.index("fixes:")
    numbers = text.index("The run in numbers")
    assert verdict < cause < evidence < fixes < numbers
    assert "80% confidence" in text[verdict:cause]
    # the top fix is in the verdict box, before the details
    assert text.index("top fix:") < cause


def test_healthy_and_too_short_verdicts_are_words() -> None:
    healthy = render_terminal(make_report(healthy=True), width=100, color=False)
    assert "HEALTHY" in healthy and "PROBLEM" not in healthy
    assert "Observations (not problems)" in healthy
    short = render_terminal(make_report(healthy=True, too_short=True), width=100, color=False)
    assert "TOO SHORT" in short and "HEALTHY" not in short


def test_no_color_has_no_escape_codes_and_color_has_them() -> None:
    plain = render_terminal(make_report(), width=100, color=False)
    assert not ANSI.search(plain)
    coloured = render_terminal(make_report(), width=100, color=True)
    assert ANSI.search(coloured)
    # colour adds style, never meaning: the words are the same
    assert ANSI.sub("", coloured).split() == plain.split()


def test_names_from_the_data_print_as_themselves() -> None:
    text = render_terminal(make_report(), width=200, color=True)
    plain = ANSI.sub("", text)
    assert HOSTILE in plain  # "[bold]" was not swallowed as markup
    assert "reach 8,760 [red]" in plain


@pytest.mark.parametrize("width", [40, 60, NARROW - 1, 100])
def test_narrow_terminals_wrap_within_width(width: int) -> None:
    text = render_terminal(make_report(name="val_mean_absolute_error"), width=width, color=False)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    for needle in ("PROBLEM", "CD101", "CD308", "The run in numbers"):
        assert needle in text
    # every series is still in the numbers, whatever the width
    assert "val_val_mean_absolute_error" in "".join(text.split())


def test_narrow_numbers_become_lines_not_a_squeezed_table() -> None:
    text = render_terminal(make_report(name="loss"), width=50, color=False)
    numbers = text[text.index("The run in numbers") :]
    assert "• loss: first" in numbers
    assert "• val_loss: first" in numbers
    wide = render_terminal(make_report(name="loss"), width=120, color=False)
    assert "best (epoch)" in wide and "noise/signal" in wide


def test_piped_text_has_no_trailing_spaces() -> None:
    text = render_text(make_report(), width=90)
    assert all(line == line.rstrip() for line in text.splitlines())
    assert not ANSI.search(text)


def test_file_argument_receives_the_same_text() -> None:
    buf = io.StringIO()
    text = render_terminal(make_report(), width=80, color=False, file=buf)
    assert buf.getvalue() == text


def test_real_fixture_verdict_matches_report() -> None:
    path = fixture("unscaled_lstm_prices.curvedoc.json")
    report = curvedoc.diagnose(curvedoc.load(path))
    text = render_terminal(report, width=100, color=False)
    first_box = text.split("\n\n")[0]
    if report.healthy:
        assert "HEALTHY" in first_box or "TOO SHORT" in first_box
    else:
        assert "PROBLEM" in first_box
        assert report.causes[0].title in first_box
    for f in report.findings:
        assert f.code in text


def test_cli_no_color_piped(cli) -> None:
    path = fixture("lr_high_lstm.json")
    res = cli("analyze", path, "--no-color", "--width", "70")
    assert res.code == 0
    assert not ANSI.search(res.out)
    assert max(len(line) for line in res.out.splitlines()) <= 70
