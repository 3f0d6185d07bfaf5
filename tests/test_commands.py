"""The command layer: one module per subcommand, one error path, one output path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, CliResult

from curvedoc.cli import build_parser
from curvedoc.commands import COMMANDS
from curvedoc.commands.common import EXIT_ERROR, emit, error, one_line, text_style
from curvedoc.render import TextStyle, render

Cli = Callable[..., CliResult]


def test_every_command_module_declares_its_parts_and_is_in_the_parser() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for command in COMMANDS:
        assert command.NAME and command.HELP and callable(command.run)
        assert isinstance(command.ALIASES, tuple)
        assert command.NAME in help_text
        args = parser.parse_args([command.NAME, *(["x"] if command.NAME != "rules" else [])])
        assert args.run is command.run


def test_the_error_path_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert error("a\nb\x1b[31m: no such file") == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == "curvedoc: error: a\\nb\\x1b[31m: no such file\n"
    assert one_line("plain") == "plain"


def test_emit_writes_files_atomically_and_names_what_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emit("text", str(tmp_path / "r.txt"), what="report") is None
    assert (tmp_path / "r.txt").read_text() == "text"  # a file gets the text as rendered
    assert emit("out", None, what="report") is None
    assert capsys.readouterr().out == "out\n"  # stdout always ends with a newline
    code = emit("x", str(tmp_path / "missing" / "r.txt"), what="comparison")
    assert code == EXIT_ERROR
    assert "cannot write the comparison" in capsys.readouterr().err


def test_text_style_for_a_file_is_plain_and_100_wide() -> None:
    args = build_parser().parse_args(["analyze", "x", "-o", "r.txt", "--include-curves"])
    assert text_style(args) == TextStyle(width=100, color=False, include_curves=True)
    args = build_parser().parse_args(["analyze", "x", "--no-color", "--width", "60"])
    assert text_style(args) == TextStyle(width=60, color=False)


def test_many_runs_errors_go_through_the_same_escaping(cli: Cli, tmp_path: Path) -> None:
    res = cli("analyze", str(tmp_path / "no\nmatch*.json"))
    assert res.code == 2
    assert res.err.count("\n") == 1 and "no\\nmatch" in res.err


def test_render_names_what_it_cannot_render() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(object(), "pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nothing renders a object"):
        render(object(), "text")  # type: ignore[arg-type]


def test_one_renderer_for_every_result_and_format(cli: Cli, tmp_path: Path) -> None:
    """The CLI's outputs are what the one dispatcher renders (no second path)."""
    import curvedoc

    path = FIXTURES / "healthy_lstm_sine.json"
    report = curvedoc.diagnose(curvedoc.load(path))
    for fmt, suffix in (("json", "json"), ("markdown", "md"), ("html", "html")):
        out = tmp_path / f"r.{suffix}"
        assert cli("analyze", path, "-o", out).code == 0
        assert out.read_text(encoding="utf-8") == render(report, fmt)
