"""Markdown report: verdict and top fix first, tables that names from the data cannot break."""

from __future__ import annotations

import re

import pytest
from conftest import fixture
from report_factory import make_report

import curvedoc
from curvedoc.render.markdown import fmt_jitter, fmt_number, md_code, md_escape, render_markdown

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def tables(text: str) -> list[list[str]]:
    """Groups of consecutive lines that start with a pipe."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def test_verdict_and_top_fix_come_first() -> None:
    md = render_markdown(make_report())
    verdict = md.index("**Verdict: Unscaled or insufficient data** (80% confidence)")
    top_fix = md.index("**Top fix:**")
    assert verdict < top_fix < md.index("### Causes") < md.index("### The run in numbers")
    # the top fix's code is a fenced block right after it
    after = md[top_fix:]
    assert "python\nfrom sklearn.preprocessing import StandardScaler" in after


def test_tables_keep_their_shape_with_hostile_names() -> None:
    md = render_markdown(make_report())
    found = tables(md)
    assert len(found) == 3  # causes, findings, numbers
    for table in found:
        widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
        assert len(widths) == 1, table
    assert "<script>" not in md
    assert "\\<script\\>" in md


def test_code_fence_is_longer_than_backticks_in_the_code() -> None:
    md = render_markdown(make_report())
    # the fix code contains ``` so its fence must be at least four backticks
    lines = [line.strip() for line in md.splitlines()]
    opens = [line for line in lines if line == "````python"]
    closes = [line for line in lines if line == "````"]
    assert opens and len(opens) == len(closes)
    assert "```python" not in lines  # no three-backtick fence the code could close


def test_healthy_and_too_short() -> None:
    assert "**Verdict: healthy**" in render_markdown(make_report(healthy=True))
    short = render_markdown(make_report(healthy=True, too_short=True))
    assert "too short to judge" in short


def test_report_to_markdown_is_the_renderer() -> None:
    report = make_report()
    assert report.to_markdown() == render_markdown(report)


def test_source_path_with_backticks_stays_inline_code() -> None:
    assert md_code("a`b") == "`` a`b ``"
    assert md_code("plain.json") == "`plain.json`"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "–"), (float("nan"), "–"), (float("inf"), "inf"), (1.5e-5, "1.5e-05"), (12, "12")],
)
def test_fmt_number(value: object, text: str) -> None:
    assert fmt_number(value) == text


def test_fmt_jitter_is_relative_only_on_log_scale() -> None:
    assert fmt_jitter(0.0953, True) == "±10.0%"  # exp(0.0953) - 1 = 10 %
    assert fmt_jitter(0.0953, False) == "±0.0953"


def test_md_escape_neutralises_markdown() -> None:
    out = md_escape("**a**|[b](c)\n# d")
    assert "\n" not in out
    assert not UNESCAPED_PIPE.search(out)
    assert "\\*\\*a\\*\\*" in out and "\\#" in out


def test_real_fixture_markdown(tmp_path, cli) -> None:
    path = fixture("overfit_lstm_big.json")
    report = curvedoc.diagnose(curvedoc.load(path))
    md = render_markdown(report)
    for f in report.findings:
        assert f.code in md
    out = tmp_path / "report.md"
    res = cli("analyze", path, "-o", out)
    assert res.code == 0
    assert out.read_text(encoding="utf-8") == md


def test_number_formatting_doctests() -> None:
    """The shared number formatters (curvedoc.formatting) keep their documented answers."""
    import doctest

    import curvedoc.formatting

    result = doctest.testmod(curvedoc.formatting)
    assert result.failed == 0 and result.attempted > 0
