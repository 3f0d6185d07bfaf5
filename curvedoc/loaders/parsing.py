"""Parsing decoded text into the structures sources recognise: JSON values and CSV tables.

Both parsers turn every failure into a one-line :class:`~curvedoc.errors.LoadError` that
names the line (and column) at fault.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.loaders.series import NAN_TOKENS

__all__ = ["looks_like_json_scalar", "parse_json", "parse_table"]


def parse_json(text: str, path: str) -> tuple[Any, list[str]]:
    r"""``json.loads`` with every failure turned into a one-line LoadError.

    Also returns notes on what was tolerated: keys that appear twice in one object (the
    last value wins, as in ``json.loads``). Lone UTF-16 surrogates (a ``\ud800`` escape
    with no partner), which no output encoding can print, are replaced by U+FFFD.
    """
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen and key not in duplicates:
                    duplicates.append(key)
                seen.add(key)
        return obj

    try:
        data: Any = json.loads(text, object_pairs_hook=pairs_hook)
    except RecursionError:
        raise LoadError(path, "JSON is nested too deeply to be a training history") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) - 1:
            raise LoadError(
                path, f"JSON is truncated (ends at line {exc.lineno} before it is complete)"
            ) from None
        raise LoadError(
            path, f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        raise LoadError(path, f"is not usable JSON ({_first_line(str(exc))})") from None
    if _SURROGATE_ESCAPE.search(text):
        data = _scrub_surrogates(data)
    notes = [
        f"the key {_scrub_surrogates(key)!r} appears more than once in one JSON object: "
        "the last value is used"
        for key in duplicates
    ]
    return data, notes


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub_surrogates(value: Any) -> Any:
    """Replace lone surrogates in every string (keys included) by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scrub_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_scrub_surrogates(k): _scrub_surrogates(v) for k, v in value.items()}
    return value


def _first_line(text: str, limit: int = 80) -> str:
    line = text.splitlines()[0] if text else text
    return line if len(line) <= limit else line[: limit - 1] + "…"


def looks_like_json_scalar(text: str) -> bool:
    """Whether the whole text is one JSON value that is not an object or a list."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def parse_table(text: str, path: str) -> tuple[list[str], dict[str, np.ndarray]]:
    """Parse CSV text into its header and float columns (NaN for missing cells).

    Raises LoadError for a missing header, ragged rows (naming the line) and cells that
    are neither numbers nor missing-value spellings (naming line and column).
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise LoadError(path, "is empty")
    delimiter = max((",", ";", "\t"), key=first.count)
    if first.count(delimiter) == 0 and len(lines) > 1 and _is_number(first.strip()):
        raise LoadError(path, "CSV has no header row naming its columns")
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise LoadError(path, f"is not valid CSV ({exc})") from None
    # drop blank lines but remember original line numbers for messages
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise LoadError(path, "is empty")
    _, header = numbered[0]
    header = [h.strip() for h in header]
    while len(header) > 1 and not header[-1]:
        header.pop()  # a trailing delimiter names no column
    if all(_is_number(h) for h in header if h):
        raise LoadError(path, "CSV has no header row naming its columns")
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        dup = next(h for h in named if named.count(h) > 1)
        raise LoadError(path, f"CSV header names the column {dup!r} twice")
    width = len(header)
    body: list[list[str]] = []
    body_lines: list[int] = []
    for line_no, row in numbered[1:]:
        if len(row) == width + 1 and not row[-1].strip():
            row = row[:-1]  # a trailing delimiter
        if [c.strip() for c in row] == header:
            continue  # a header repeated by concatenated or appended files
        if len(row) != width:
            raise LoadError(path, f"line {line_no} has {len(row)} fields, the header has {width}")
        body.append(row)
        body_lines.append(line_no)
    if not body:
        raise LoadError(path, "CSV has a header but no rows")
    columns: dict[str, np.ndarray] = {}
    cols = list(zip(*body, strict=True))
    for j, name in enumerate(header):
        if not name:
            continue  # an unnamed column (e.g. a trailing delimiter) carries no metric
        try:
            columns[name] = _column_to_float(cols[j], name, path, body_lines)
        except LoadError as exc:
            if width == 1:
                # one column and text in it: this is not a table at all
                raise LoadError(path, f"is neither JSON nor a CSV table ({exc.problem})") from None
            raise
    return header, columns


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column_to_float(
    cells: tuple[str, ...], name: str, path: str, body_lines: list[int]
) -> np.ndarray:
    """Convert one column's cells to float64; a LoadError names the first bad cell's line."""
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    cleaned = ["nan" if c.strip() in NAN_TOKENS else c for c in cells]
    try:
        return np.array(cleaned, dtype=np.float64)
    except ValueError:
        pass
    for i, c in enumerate(cleaned):
        if not _is_number(c):
            shown = c if len(c) <= 30 else c[:29] + "…"
            raise LoadError(
                path, f"line {body_lines[i]}, column {name!r}: {shown!r} is not a number"
            ) from None
    # every cell is a number to Python even where numpy's parser balked (e.g. "1_000")
    return np.array([float(c) for c in cleaned], dtype=np.float64)
