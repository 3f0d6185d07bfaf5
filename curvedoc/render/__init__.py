"""Renderers: take a finished Report and return text. They compute nothing."""

from __future__ import annotations

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
