"""Renderers: take a finished result and return text. They compute nothing and never print.

Every result curvedoc shows (one run's :class:`~curvedoc.report.Report`, a
:class:`~curvedoc.compare.Comparison`, the many-runs :class:`~curvedoc.batch.RunTable`)
goes through :func:`render`, the one place that maps a result and a format to its
renderer; :func:`resolve_format` is the one place that decides the format from the
command line. Renderer modules are imported only when used, so a JSON report never
loads rich or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import RunTable
    from curvedoc.compare import Comparison
    from curvedoc.report import Report

FORMATS = ("text", "json", "markdown", "html")
SUFFIXES = {
    ".txt": "text",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def format_for_path(path: str) -> str | None:
    """The report format implied by an output file's suffix, or None."""
    from pathlib import Path

    return SUFFIXES.get(Path(path).suffix.lower())


def resolve_format(fmt: str | None, output: str | None) -> tuple[str, str | None]:
    """The format to write: ``--format`` if given, else from ``-o``'s suffix, else text.

    Returns ``(format, problem)``; ``problem`` is a one-line error when ``-o`` names a file
    whose suffix says nothing and no ``--format`` was given.
    """
    if fmt is None and output:
        fmt = format_for_path(output)
        if fmt is None:
            return "text", (
                f"cannot tell the format from {output!r}: use .txt, .json, .md or .html, "
                "or --format"
            )
    return fmt or "text", None


@dataclass(frozen=True)
class TextStyle:
    """How the ``text`` format looks, and what the ``json`` format includes.

    Attributes:
        width: columns to wrap to; None means the terminal's width (80 when unknown).
        color: ANSI colours (for a terminal; never in a file).
        include_curves: JSON reports also carry the plot data.
    """

    width: int | None = None
    color: bool = False
    include_curves: bool = False


def render(result: Report | Comparison | RunTable, fmt: str, style: TextStyle | None = None) -> str:
    """Render any result in ``text``, ``json``, ``markdown`` or ``html``.

    Picklable through ``functools.partial`` (the many-runs workers render each run's
    report with it).

    Raises:
        ValueError: an unknown format, or a result of another type.
    """
    style = style or TextStyle()
    from curvedoc.report import Report

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt != "json":  # JSON escapes them itself, and keeps names exactly
        # names and paths come from the data: no control character reaches a terminal
        # (text, or Markdown and HTML read with cat or less)
        from curvedoc.safe_text import escape_strings

        result = escape_strings(result)
    if isinstance(result, Report):
        if fmt == "json":
            from curvedoc.render.json import render_json

            return render_json(result, include_curves=style.include_curves)
        if fmt == "markdown":
            from curvedoc.render.markdown import render_markdown

            return render_markdown(result)
        if fmt == "html":
            from curvedoc.render.html import render_html

            return render_html(result)
        from curvedoc.render.terminal import render_terminal

        return render_terminal(result, width=style.width, color=style.color)
    # imported only now: one run's report does not pay for the other results' modules
    from curvedoc.batch import RunTable
    from curvedoc.compare import Comparison

    if isinstance(result, Comparison):
        if fmt == "json":
            from curvedoc.render.json import render_comparison_json

            return render_comparison_json(result)
        if fmt == "markdown":
            from curvedoc.render.markdown import render_comparison_markdown

            return render_comparison_markdown(result)
        if fmt == "html":
            from curvedoc.render.html import render_comparison_html

            return render_comparison_html(result)
        from curvedoc.render.terminal import render_comparison_terminal

        return render_comparison_terminal(result, width=style.width, color=style.color)
    if isinstance(result, RunTable):
        if fmt == "json":
            from curvedoc.render.json import render_runs_json

            return render_runs_json(result)
        if fmt == "markdown":
            from curvedoc.render.markdown import render_runs_markdown

            return render_runs_markdown(result)
        if fmt == "html":
            from curvedoc.render.html import render_runs_html

            return render_runs_html(result)
        from curvedoc.render.terminal import render_runs_terminal

        return render_runs_terminal(result, width=style.width, color=style.color)
    raise ValueError(f"nothing renders a {type(result).__name__}")
