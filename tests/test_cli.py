"""The ``curvedoc`` command line: formats, ``-o``, ``--fail-on``, entry points, rules, explain.

Exit codes are the contract (ruff/pytest style): 0 analysed, 1 only when ``--fail-on`` is
given and reached, 2 for usage and input errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    FIXTURES,
    CliResult,
    diverged_history_dict,
    fixture_files,
    healthy_history_dict,
    run_cli_subprocess,
)

import curvedoc
from curvedoc.report import SEVERITY_RANK
from curvedoc.rules.registry import all_rules

Cli = Callable[..., CliResult]
Writer = Callable[[str, "str | bytes | object"], Path]

REAL_RUNS = [p for p in fixture_files("*.json") if p.parent == FIXTURES] + [
    p for p in fixture_files("*.csv") if p.parent == FIXTURES
]


@pytest.fixture
def run(write: Writer) -> Path:
    """A history file that analyses cleanly (a real fixture when there is one)."""
    real = FIXTURES / "healthy_lstm_sine.json"
    if real.exists():
        return real
    return write("healthy.json", healthy_history_dict())


# -- formats ----------------------------------------------------------------------------------


def test_json_format_is_one_strict_json_object(cli: Cli, run: Path) -> None:
    result = cli("analyze", run, "--format", "json")
    assert result.code == 0 and result.err == ""
    report = json.loads(result.out)  # the whole of stdout is one object
    assert report["schema_version"] == 1
    assert report["source"]["path"] == str(run)
    assert "curves" not in report
    with_curves = json.loads(cli("analyze", run, "--format", "json", "--include-curves").out)
    assert "curves" in with_curves


def test_text_format_has_no_colour_codes_when_piped(cli: Cli, run: Path) -> None:
    result = cli("analyze", run, "--format", "text")
    assert result.code == 0 and result.err == ""
    assert "\x1b[" not in result.out
    assert str(run) in result.out


def test_default_format_is_text(cli: Cli, run: Path) -> None:
    default = cli("analyze", run)
    assert default.code == 0
    assert not default.out.lstrip().startswith("{")
    assert "\x1b[" not in default.out  # NO_COLOR and a non-terminal stdout


def test_markdown_and_html_formats(cli: Cli, run: Path) -> None:
    md = cli("analyze", run, "--format", "markdown")
    assert md.code == 0 and md.out.startswith("#")
    html = cli("analyze", run, "-f", "html")
    assert html.code == 0 and "<html" in html.out.lower()
    assert html.out.rstrip().lower().endswith("</html>")


def test_analyse_is_an_alias(cli: Cli, run: Path) -> None:
    a = json.loads(cli("analyse", run, "--format", "json").out)
    b = json.loads(cli("analyze", run, "--format", "json").out)
    assert a == b


# -- -o FILE ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "check"),
    [
        (".json", lambda t: json.loads(t)["schema_version"] == 1),
        (".md", lambda t: t.startswith("#")),
        (".markdown", lambda t: t.startswith("#")),
        (".html", lambda t: "<html" in t.lower()),
        (".HTM", lambda t: "<html" in t.lower()),
        (".txt", lambda t: "\x1b[" not in t and not t.startswith("{")),
    ],
)
def test_output_file_format_comes_from_the_suffix(
    suffix: str, check: Callable[[str], bool], cli: Cli, run: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"report{suffix}"
    result = cli("analyze", run, "-o", out)
    assert result.code == 0
    assert result.out == ""
    assert len(result.err.splitlines()) == 1 and str(out) in result.err
    assert check(out.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_format_option_beats_the_suffix(cli: Cli, run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    assert cli("analyze", run, "-o", out, "--format", "json").code == 0
    assert json.loads(out.read_text())["schema_version"] == 1


def test_unknown_output_suffix_is_a_usage_error(cli: Cli, run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = cli("analyze", run, "-o", out)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and "report.pdf" in result.err
    assert not out.exists()


def test_unwritable_output_is_one_line_and_exit_2(cli: Cli, run: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "report.json"
    result = cli("analyze", run, "-o", out)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and str(out) in result.err


# -- --fail-on ------------------------------------------------------------------------------


def _worst(cli: Cli, path: Path) -> str:
    report = json.loads(cli("analyze", path, "--format", "json").out)
    worst = "info"
    for f in report["findings"]:
        if SEVERITY_RANK[f["severity"]] > SEVERITY_RANK[worst]:
            worst = f["severity"]
    return worst


def test_fail_on_error_is_reached_by_a_diverged_run(cli: Cli, write: Writer) -> None:
    path = write("diverged.json", diverged_history_dict())
    assert _worst(cli, path) == "error"
    assert cli("analyze", path, "--format", "json").code == 0  # no --fail-on: analysed
    assert cli("analyze", path, "--format", "json", "--fail-on", "error").code == 1
    assert cli("analyze", path, "--format", "json", "--fail-on", "warning").code == 1


def test_fail_on_is_not_reached_by_a_run_without_findings(cli: Cli, write: Writer) -> None:
    path = write("one.json", {"loss": [0.5], "val_loss": [0.6]})  # too short: no findings
    assert _worst(cli, path) == "info"
    for level in ("warning", "error"):
        result = cli("analyze", path, "--fail-on", level)
        assert result.code == 0 and result.out  # the report is still printed


def test_fail_on_follows_the_worst_finding_of_real_runs(cli: Cli) -> None:
    """On every real fixture the exit code is 1 exactly when --fail-on is reached."""
    seen: dict[str, set[int]] = {"warning": set(), "error": set()}
    for path in REAL_RUNS:
        worst = _worst(cli, path)
        for level in ("warning", "error"):
            code = cli("analyze", path, "--format", "json", "--fail-on", level).code
            expected = 1 if SEVERITY_RANK[worst] >= SEVERITY_RANK[level] else 0
            assert code == expected, (path.name, worst, level)
            seen[level].add(code)
    # the fixtures hold both a run with a warning and a run without one
    assert seen["warning"] == {0, 1}


def test_fail_on_with_an_output_file(cli: Cli, write: Writer, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = cli(
        "analyze", write("d.json", diverged_history_dict()), "-o", out, "--fail-on", "error"
    )
    assert result.code == 1 and out.read_text().startswith("#")


def test_fail_on_rejects_other_levels(cli: Cli, run: Path) -> None:
    result = cli("analyze", run, "--fail-on", "info")
    assert result.code == 2 and result.out == "" and len(result.err.splitlines()) == 1


# -- entry points, version, rules, explain ---------------------------------------------------


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"curvedoc {curvedoc.__version__}"


def test_python_dash_m_curvedoc(run: Path) -> None:
    version = run_cli_subprocess("--version")
    assert version.code == 0 and version.out.strip() == f"curvedoc {curvedoc.__version__}"
    result = run_cli_subprocess("analyze", str(run), "--format", "json")
    assert result.code == 0 and result.err == ""
    assert json.loads(result.out)["source"]["path"] == str(run)


def test_console_script(run: Path) -> None:
    script = Path(sys.executable).parent / "curvedoc"
    if not script.exists():
        found = shutil.which("curvedoc")
        if found is None:
            pytest.skip("the curvedoc console script is not installed")
        script = Path(found)
    proc = subprocess.run(
        [str(script), "analyze", str(run), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema_version"] == 1


def test_no_command_prints_usage_to_stderr(cli: Cli) -> None:
    result = cli()
    assert result.code == 2 and result.out == ""
    assert "usage" in result.err.lower()


def test_help_exits_0(cli: Cli) -> None:
    result = cli("analyze", "--help")
    assert result.code == 0 and "--fail-on" in result.out


def test_rules_lists_every_rule(cli: Cli) -> None:
    result = cli("rules")
    assert result.code == 0 and result.err == ""
    codes = [r.code for r in all_rules()]
    assert codes, "no rules registered"
    for code in codes:
        assert code in result.out


def test_explain_a_rule_by_code_and_by_name(cli: Cli) -> None:
    by_code = cli("explain", "CD301")
    assert by_code.code == 0 and by_code.err == ""
    rule = next(r for r in all_rules() if r.code == "CD301")
    assert "CD301" in by_code.out and rule.name in by_code.out
    by_name = cli("explain", rule.name)
    assert by_name.code == 0 and by_name.out == by_code.out


def test_explain_an_unknown_code_is_exit_2(cli: Cli) -> None:
    result = cli("explain", "CD999")
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and "CD999" in result.err


def test_an_internal_error_is_one_line_not_a_traceback(
    cli: Cli, run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a later stage still gives one line (and exit 2), never a traceback."""
    import curvedoc.diagnosis

    def broken(history: object) -> object:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(curvedoc.diagnosis, "diagnose", broken)
    result = cli("analyze", run)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1
    assert "internal error" in result.err and "ZeroDivisionError: boom" in result.err
    monkeypatch.setenv("CURVEDOC_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        from curvedoc.cli import main

        main(["analyze", str(run)])
