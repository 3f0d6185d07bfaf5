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
