"""Generate the list of sources in ``docs/inputs.md`` from the registry.

``python -m curvedoc.loaders.docgen`` rewrites the part of ``docs/inputs.md`` between the
two markers below; ``--check`` only says whether it is stale. A test regenerates it and
fails when the committed file differs, so the list can never drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from curvedoc.loaders.registry import SOURCES
from curvedoc.loaders.source import Source

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "inputs.md"
BEGIN = (
    "<!-- sources: begin (generated from curvedoc/loaders/registry.py by "
    "`python -m curvedoc.loaders.docgen`; do not edit by hand) -->"
)
END = "<!-- sources: end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def sources_table(sources: tuple[Source, ...] = SOURCES) -> str:
    """The Markdown table of every source's forms, in the order the registry asks them."""
    lines = [
        "| # | source | input | recognised by | becomes | `source.format` |",
        "|--:|---|---|---|---|---|",
    ]
    for rank, source in enumerate(sources, 1):
        for i, form in enumerate(source.forms):
            first = i == 0
            fmt = f"`{form.format}`" if form.format else "(the run's own)"
            lines.append(
                f"| {rank if first else ''} | {f'`{source.name}`' if first else ''} | "
                f"{_cell(form.what)} | {_cell(form.recognised_by)} | {_cell(form.becomes)} | "
                f"{fmt} |"
            )
    return "\n".join(lines) + "\n"


def update(document: str) -> str:
    """The document with the text between the markers replaced by :func:`sources_table`."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"docs/inputs.md needs the markers {BEGIN!r} and {END!r}")
    return document[: start + len(BEGIN)] + "\n" + sources_table() + document[end:]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the sources table in docs/inputs.md (or check it with ``--check``)."""
    argv = sys.argv[1:] if argv is None else argv
    current = DOC_PATH.read_text(encoding="utf-8")
    text = update(current)
    if "--check" in argv:
        if current != text:
            print("docs/inputs.md is stale: run python -m curvedoc.loaders.docgen", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
