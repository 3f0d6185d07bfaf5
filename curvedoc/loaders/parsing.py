"""Parsing an input into the structures sources recognise: JSON values and CSV tables.

Both parsers turn every failure into a one-line :class:`~curvedoc.errors.LoadError` that
names the line (and column) at fault, and both work in time linear in the input and in
memory bounded by it:

* JSON (:func:`parse_json_bytes`): a small document is parsed by the standard library,
  exactly as it always was. In a large one, every long list of numbers is parsed straight
  into a float64 array (:class:`~curvedoc.loaders.series.ParsedNumbers`), a chunk at a
  time, by msgspec when it is installed (bit for bit the standard library's values, several
  times faster) and by the standard library otherwise; only the rest of the document, a
  few bytes once the lists are out, goes through ``json.loads``. No Python object per
  value outlives the chunk it was parsed in.
* CSV (:func:`parse_table_bytes`): the header is checked before the body is touched (a
  header of a million columns, or of duplicated names, is refused at once), and the body
  is parsed a block of lines at a time into float columns.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.loaders.reading import DEFAULT_MAX_SERIES, Buffer
from curvedoc.loaders.series import NAN_TOKENS, ParsedNumbers, safe_float, value_of_token

try:  # the fast parser (a runtime dependency); the standard library stands in without it
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - exercised by a test that hides msgspec
    _msgspec = None  # type: ignore[assignment]

__all__ = [
    "looks_like_json_scalar",
    "parse_json",
    "parse_json_bytes",
    "parse_table",
    "parse_table_bytes",
]

FAST_JSON_MIN = 1 << 20
"""Documents shorter than this (bytes) are parsed by ``json.loads`` whole, as always."""

SPAN_MIN = 1 << 16
"""Lists of numbers at least this long (bytes) in a large document become arrays."""

CHUNK = 1 << 20
"""A long list of numbers is parsed this many bytes at a time."""

_PLACEHOLDER = "\x00curvedoc-numbers#"
_PLACEHOLDER_JSON = b'"\\u0000curvedoc-numbers#'


def parse_json(text: str, path: str) -> tuple[Any, list[str]]:
    r"""``json.loads`` with every failure turned into a one-line LoadError.

    Also returns notes on what was tolerated: keys that appear twice in one object (the
    last value wins, as in ``json.loads``). Lone UTF-16 surrogates (a ``\ud800`` escape
    with no partner), which no output encoding can print, are replaced by U+FFFD.
    """
    return _parse_json_text(text, path, None)


def _parse_json_text(text: str, path: str, where: _Origin | None) -> tuple[Any, list[str]]:
    """:func:`parse_json`; ``where`` maps positions in ``text`` back to the input's lines."""
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
        line, column = (exc.lineno, exc.colno) if where is None else where.line_col(text, exc.pos)
        if exc.pos >= len(text.rstrip()) - 1:
            raise LoadError(
                path, f"JSON is truncated (ends at line {line} before it is complete)"
            ) from None
        raise LoadError(
            path, f"is not valid JSON ({exc.msg} at line {line}, column {column})"
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
    """Parse CSV text into its header and float columns (see :func:`parse_table_bytes`)."""
    return parse_table_bytes(text.encode("utf-8", "surrogatepass"), path)


NO_HEADER = (
    "CSV has no header row naming its columns (numbers alone do not say what they measure: "
    "put the names on the first line, e.g. loss,val_loss)"
)

TABLE_BLOCK = 1 << 20
"""The body of a table is parsed this many bytes (whole lines) at a time."""

_HEADER_LINE_MAX = 1 << 20
"""How far past the header line to look for a second line (the no-header check)."""


def parse_table_bytes(
    raw: Buffer, path: str, *, max_series: int = DEFAULT_MAX_SERIES
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Parse CSV (UTF-8 bytes) into its header and float columns (NaN for missing cells).

    The delimiter is the commonest of ``,``, ``;`` and tab in the first line (a table of
    numbers separated by spaces under a header of names is read too: :func:`_spaced_table`).
    Raises LoadError for a missing header, a header naming a column twice or more than
    ``max_series`` columns (both found before the body is read), ragged rows (naming the
    line) and cells that are neither numbers nor missing-value spellings (naming line
    and column). Lines are what ``str.splitlines`` splits at; the body is read in blocks
    of whole lines (the whole text at once when it quotes fields, which may span lines),
    so memory stays within the text plus its columns.
    """
    start, first_end = _header_span(raw)
    if start < 0:
        raise LoadError(path, "is empty")
    start, first_end = _after_comments(raw, start, first_end)
    if start < 0:
        raise LoadError(path, "holds only comment lines")
    header_line = 1 + _lines_before(raw, start)
    spaced = _spaced_table(raw, start, first_end)
    if spaced is not None:  # the rewritten text starts at the header; lines keep their numbers
        raw, start = spaced, 0
        first_end = _line_end(raw, start)
    delimiter = max((b",", b";", b"\t"), key=lambda d: raw.count(d, start, first_end))
    delim = delimiter.decode()
    fields = raw.count(delimiter, start, first_end) + 1
    if fields - 1 > max_series and raw.find(b'"', start, first_end) < 0:
        # refused by its count alone: a million names would cost a Python string each
        raise _too_many_columns(path, fields, max_series)
    first = bytes(raw[start:first_end]).decode("utf-8", "surrogatepass")
    more = bool(bytes(raw[first_end : first_end + _HEADER_LINE_MAX]).strip()) or (
        len(raw) > first_end + _HEADER_LINE_MAX
    )
    if fields == 1 and more and _is_number(first.strip()):
        raise LoadError(path, NO_HEADER)
    blocks = _blocks(raw, start, header_line)
    state = _TableState(path, delim, quoted=raw.find(b'"', start) >= 0)
    state.capacity = max(1, raw.count(b"\n", start) + 1)
    for block, line_offset in blocks:
        state.feed(block, line_offset, max_series)
    return state.finish()


def _header_span(raw: Buffer) -> tuple[int, int]:
    """Start and end (exclusive) of the first line holding more than whitespace."""
    return _header_span_from(raw, 0)


COMMENT = b"#"
"""Lines before the header that start with this are comments (a logger's banner, the
settings of the run): skipped."""
_COMMENT_LINES_MAX = 1000
"""At most this many leading comment lines are looked through for the header."""


def _after_comments(raw: Buffer, start: int, end: int) -> tuple[int, int]:
    """The header line's span once leading ``#`` comment lines are passed over.

    ``np.savetxt(f, a, delimiter=",", header="loss,val_loss")`` writes its header as a
    comment (``# loss,val_loss``): when the first line after the comments holds only
    numbers and the last comment has as many fields, that comment is the header (the span
    then starts after its ``#``). ``(-1, -1)`` when nothing but comments is there.
    """
    last: tuple[int, int] | None = None
    for _ in range(_COMMENT_LINES_MAX):
        line = bytes(raw[start : min(end, start + 4096)]).lstrip()
        if not line.startswith(COMMENT):
            break
        last = (start, end)
        start, end = _header_span_from(raw, end + 1)
        if start < 0:
            return -1, -1
    if last is None or end - start > _HEADER_LINE_MAX or last[1] - last[0] > _HEADER_LINE_MAX:
        return start, end  # (a line of a megabyte or more is no np.savetxt header)
    first = bytes(raw[start:end]).decode("utf-8", "replace")
    comment = bytes(raw[last[0] : last[1]]).decode("utf-8", "replace").lstrip()[1:]
    for delim in (",", ";", "\t", None):  # None: runs of spaces (np.savetxt's default)
        cells = first.split(delim)
        if len(cells) > 1 and all(_is_number(c.strip()) for c in cells):
            names = comment.split(delim)
            if len(names) == len(cells) and not any(_is_number(n.strip()) for n in names):
                hash_at = bytes(raw[last[0] : last[1]]).index(COMMENT)
                return last[0] + hash_at + 1, last[1]
    return start, end


def _spaced_table(raw: Buffer, start: int, first_end: int) -> bytes | None:
    """A table whose fields are separated by spaces, rewritten with commas; else None.

    ``np.savetxt(f, a, header="loss val_loss")`` separates its fields with one space, and
    a hand-written logger may pad them into aligned columns. Taken as such only when the
    header line holds no comma, semicolon or tab and splits at spaces into two or more
    names, none of them a number, and the next line into as many numbers; then every line
    is rewritten with one comma between its fields (a copy of the text, made by two regular
    expression passes, never a Python object per line).
    """
    header = bytes(raw[start:first_end])
    if first_end - start > _HEADER_LINE_MAX or any(d in header for d in (b",", b";", b"\t")):
        return None
    names = header.decode("utf-8", "replace").split()
    if len(names) < 2 or any(_is_number(n) for n in names):
        return None
    row_start, row_end = _header_span_from(raw, first_end + 1)
    if row_start < 0 or row_end - row_start > _HEADER_LINE_MAX:
        return None
    cells = bytes(raw[row_start:row_end]).decode("utf-8", "replace").split()
    if len(cells) != len(names) or not all(_is_number(c) for c in cells):
        return None
    body = _EDGE_SPACES.sub(b"", bytes(raw[start:]))  # two passes, no object per line
    return _INNER_SPACES.sub(b",", body)


_EDGE_SPACES = re.compile(rb"^[ \t]+|[ \t]+(?=\r?$)", re.MULTILINE)
_INNER_SPACES = re.compile(rb"[ \t]+")


def _header_span_from(raw: Buffer, pos: int) -> tuple[int, int]:
    """:func:`_header_span` of the text from ``pos`` on (absolute offsets)."""
    n = len(raw)
    while pos < n:
        end = _line_end(raw, pos)
        if bytes(raw[pos : min(end, pos + 4096)]).strip() or (
            end - pos > 4096 and bytes(raw[pos:end]).strip()
        ):
            return pos, end
        pos = end + 1
    return -1, -1


def _line_end(raw: Buffer, pos: int) -> int:
    """Where the line starting at ``pos`` ends (its CR or LF, or the end of the text)."""
    nl = raw.find(b"\n", pos)
    cr = raw.find(b"\r", pos, nl if nl >= 0 else len(raw))
    if cr >= 0:
        return cr
    return nl if nl >= 0 else len(raw)


def _lines_before(raw: Buffer, start: int) -> int:
    """How many whole lines come before ``start`` (as ``str.splitlines`` counts them).

    A ``start`` inside a line (just after a comment's ``#``) does not count that line.
    """
    before = bytes(raw[:start]).decode("utf-8", "surrogatepass")
    return len(before.splitlines()) - (bool(before) and not before.endswith(("\n", "\r")))


def _blocks(raw: Buffer, start: int, line: int) -> Iterator[tuple[str, int]]:
    """The text from the header line on, in blocks of whole lines.

    Each block comes with the number of its first line (counting lines as
    ``str.splitlines`` does, from 1); ``line`` is the header line's.
    """
    quoted = raw.find(b'"', start) >= 0
    pos = start
    n = len(raw)
    while pos < n:
        end = n if quoted else raw.find(b"\n", min(pos + TABLE_BLOCK, n))
        end = n if end < 0 else end + 1
        block = bytes(raw[pos:end]).decode("utf-8", "surrogatepass")
        yield block, line
        line += len(block.splitlines())
        pos = end


def _too_many_columns(path: str, fields: int, max_series: int) -> LoadError:
    return LoadError(
        path,
        f"CSV header has {fields:,} columns: more than the {max_series:,} series curvedoc "
        "reads per run (raise the limit with --max-series)",
    )


X_COLUMNS = ("epoch", "epochs")
"""Column names that hold a table's epoch numbers."""
STEP_COLUMNS = ("step", "global_step", "steps", "_step")
"""Column names that hold its step numbers (the x axis when there is no epoch column;
``_step`` is W&B's)."""
MAX_TEXT_COLUMNS = 2
"""Columns of text a training log may hold beside its numbers (a time, a run name)."""
TEXT_LOG_AXES = ("epoch", "step", "global_step")
"""The x columns of a training log whose text columns may be skipped."""


class _TableState:
    """A table being parsed block by block: the header, then float columns.

    Columns are filled in place (arrays grown by doubling, trimmed at the end), so the
    table never exists twice. A block of plain rows (no quotes, no blank or repeated header
    lines, every row as wide as the header) goes the fast way: the csv module splits it,
    numpy converts whole columns; any other block, or a cell that does not convert, is
    parsed row by row with the full rules and messages.
    """

    def __init__(self, path: str, delimiter: str, quoted: bool) -> None:
        self.path = path
        self.delimiter = delimiter
        self.quoted = quoted
        self.header: list[str] | None = None
        self.width = 0
        self.columns: dict[str, np.ndarray] = {}
        self.rows = 0
        self.bad: dict[str, tuple[str, int]] = {}
        """Columns with a cell that is no number: the message and the cell's line."""
        self.text: dict[str, str] = {}
        """Columns that hold text from the first row on (a time of day, a run name): the
        message about their first cell. Skipped when the table reads as a training log
        (:meth:`_text_is_skippable`)."""
        self.first_body_line = -1

    def feed(self, block: str, first_line: int, max_series: int) -> None:
        """Parse one block of whole lines (the first holds the header)."""
        lines = block.splitlines()
        try:
            rows = list(csv.reader(lines, delimiter=self.delimiter))
        except csv.Error as exc:
            raise LoadError(self.path, f"is not valid CSV ({exc})") from None
        if self.header is None:
            numbered = self._numbered(rows, first_line)
            head = next(numbered, None)
            if head is None:
                return
            self._set_header(head[1], max_series)
            skip = head[0] - first_line + 1
            rows, first_line = rows[skip:], head[0] + 1
        if not rows:
            return
        plain = not self.quoted and self._plain(rows, lines[-len(rows) :])
        if plain and self._add(rows, range(first_line, first_line + len(rows)), fast=True):
            return
        self._feed_rows(rows, first_line)  # a repeated header, or a bad cell: the full rules

    @staticmethod
    def _numbered(rows: list[list[str]], first_line: int) -> Iterator[tuple[int, list[str]]]:
        return ((first_line + i, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r))

    def _plain(self, rows: list[list[str]], lines: list[str]) -> bool:
        """Every row as wide as the header, and no blank line among them."""
        if set(map(len, rows)) != {self.width}:
            return False
        bare = "\n".join(lines).replace(self.delimiter, "").splitlines()
        return "" not in map(str.strip, bare)

    def _feed_rows(self, rows: list[list[str]], first_line: int) -> None:
        """Parse rows one by one: blank rows, trailing delimiters, repeated headers."""
        assert self.header is not None
        header, width = self.header, self.width
        body: list[list[str]] = []
        body_lines: list[int] = []
        h0 = header[0]
        for line_no, row in self._numbered(rows, first_line):
            if len(row) == width + 1 and not row[-1].strip():
                row = row[:-1]  # a trailing delimiter
            if row and row[0].strip() == h0 and [c.strip() for c in row] == header:
                continue  # a header repeated by concatenated or appended files
            if len(row) != width:
                raise LoadError(
                    self.path, f"line {line_no} has {len(row)} fields, the header has {width}"
                )
            body.append(row)
            body_lines.append(line_no)
        if body:
            self._add(body, body_lines)

    def _add(self, body: list[list[str]], body_lines: Sequence[int], *, fast: bool = False) -> bool:
        """Convert rows of the right width into floats and append them to the columns.

        A cell that is no number is not raised at once: as when the whole table is parsed
        in one piece, a ragged row anywhere comes first, and then the first column (in
        header order) holding a bad cell, at its first bad line (:meth:`finish`). With
        ``fast``, nothing is kept or recorded when a cell does not convert (False is
        returned, and the block is parsed row by row instead).
        """
        assert self.header is not None
        cols = list(zip(*body, strict=True))
        converted: list[tuple[str, np.ndarray]] = []
        first = self.first_body_line if self.rows else body_lines[0]
        for j, name in enumerate(self.header):
            if not name or name in self.bad or name in self.text:
                continue  # unnamed (a trailing delimiter), or already known to be bad
            try:
                converted.append(
                    (
                        name,
                        _column_to_float(
                            cols[j],
                            name,
                            self.path,
                            body_lines,
                            decimal_comma=self.delimiter != ",",
                        ),
                    )
                )
            except _BadCell as exc:
                if fast:
                    return False
                if exc.line == first:  # text from the first row on: a column of text
                    self.text[name] = exc.problem
                    self.columns.pop(name, None)
                else:
                    self.bad[name] = (exc.problem, exc.line)
        if not self.rows:
            self.first_body_line = body_lines[0]
        n = len(body)
        self.rows += n
        if self.bad:
            return True  # the table will be refused: keep no more values
        for name, values in converted:
            column = self.columns[name]
            if self.rows > column.shape[0]:
                grown = np.empty(max(2 * column.shape[0], self.rows), dtype=np.float64)
                grown[: self.rows - n] = column[: self.rows - n]
                self.columns[name] = column = grown
            column[self.rows - n : self.rows] = values
        return True

    def _text_is_skippable(self) -> bool:
        """A training log with a few text columns beside its numbers.

        Text is skipped only when the table reads as a training log: an ``epoch`` or
        ``step`` column of whole numbers that never decrease, a numeric loss column, and at
        most :data:`MAX_TEXT_COLUMNS` text columns, none named like a metric (fastai's
        ``time`` as ``00:01``, a timestamp, a run name). A sweep table (one row per run, an
        ``epochs`` setting), a data table or a loss written as ``tensor(0.9)`` stays refused.
        """
        from curvedoc import names

        if len(self.text) > MAX_TEXT_COLUMNS:
            return False
        if any(names.direction(h) != "unknown" for h in self.text):
            return False
        axis = next((h for h in self.columns if h.lower() in TEXT_LOG_AXES), None)
        if axis is None:
            return False
        x = self.columns[axis][: self.rows]
        x = x[np.isfinite(x)]
        if x.size == 0 or np.any(x != np.round(x)) or np.any(np.diff(x) < 0):
            return False
        return any(names.is_loss_like(h) for h in self.columns)

    def _set_header(self, cells: list[str], max_series: int) -> None:
        header = [h.strip() for h in cells]
        while len(header) > 1 and not header[-1]:
            header.pop()  # a trailing delimiter names no column
        if all(_is_number(h) for h in header if h):
            raise LoadError(self.path, NO_HEADER)
        named = [h for h in header if h]
        counts = Counter(named)
        if len(counts) != len(named):
            dup = next(h for h in named if counts[h] > 1)
            raise LoadError(self.path, f"CSV header names the column {dup!r} twice")
        if len(named) > max_series + 1:  # one of them may be the x axis
            raise _too_many_columns(self.path, len(header), max_series)
        self.header = header
        self.width = len(header)
        self.columns = {h: np.empty(self.capacity, dtype=np.float64) for h in named}

    capacity = 1024
    """Rows each column starts with room for (set from the line count before parsing)."""

    def finish(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """The header and the columns, once every block is in."""
        if self.header is None:
            raise LoadError(self.path, "is empty")
        if not self.rows:
            raise LoadError(self.path, "CSV has a header but no rows")
        refused = bool(self.text) and not self._text_is_skippable()
        for name in self.header:
            if name in self.text and refused:
                problem = self.text[name]
                if self.width == 1:  # one column and text in it: not a table at all
                    raise NotAHistoryError(
                        self.path, f"is neither JSON nor a CSV table ({problem})"
                    )
                # text from the first row and no metric beside it: data, not a log
                raise NotAHistoryError(
                    self.path, f"is a table of text, not a training log ({problem})"
                )
            if name in self.bad:
                raise LoadError(self.path, self.bad[name][0])
        n = self.rows
        columns = {
            name: column[:n] if column.shape[0] == n else column[:n].copy()
            for name, column in self.columns.items()
        }
        return self.header, columns


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _BadCell(LoadError):
    """A cell that is neither a number nor a missing-value spelling, and its line."""

    def __init__(self, path: str, problem: str, line: int) -> None:
        super().__init__(path, problem)
        self.line = line


_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d*,\d+(?:[eE][-+]?\d+)?\s*")
"""A number written with a decimal comma (``0,0312``), as spreadsheets in most of Europe
save CSV, with ``;`` between the fields."""


def _column_to_float(
    cells: tuple[str, ...],
    name: str,
    path: str,
    body_lines: Sequence[int],
    *,
    decimal_comma: bool = False,
) -> np.ndarray:
    """Convert one column's cells to float64; a LoadError names the first bad cell's line.

    With ``decimal_comma`` (a table whose fields are not separated by commas), a column
    whose cells are numbers written with a decimal comma (``0,0312``) is read as such.
    """
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    cleaned = ["nan" if c.strip() in NAN_TOKENS else c for c in cells]
    try:
        return np.array(cleaned, dtype=np.float64)
    except ValueError:
        pass
    if decimal_comma and any(_DECIMAL_COMMA.fullmatch(c) for c in cleaned):
        dotted = [c.replace(",", ".") if _DECIMAL_COMMA.fullmatch(c) else c for c in cleaned]
        try:
            return np.array(dotted, dtype=np.float64)
        except ValueError:
            pass
    for i, c in enumerate(cleaned):
        if not _is_number(c):
            shown = c if len(c) <= 30 else c[:29] + "…"
            raise _BadCell(
                path,
                f"line {body_lines[i]}, column {name!r}: {shown!r} is not a number",
                body_lines[i],
            ) from None
    # every cell is a number to Python even where numpy's parser balked (e.g. "1_000")
    return np.array([float(c) for c in cleaned], dtype=np.float64)


# ------------------------------------------------------------------------------------------
# Large JSON documents: number lists straight into arrays
# ------------------------------------------------------------------------------------------


class _Origin:
    """Maps positions in a skeleton (lists taken out) back to lines of the whole input."""

    def __init__(self, raw: Buffer) -> None:
        self.raw = raw
        self.cuts: list[tuple[int, int]] = []  # (skeleton byte offset, bytes removed before)

    def line_col(self, text: str, pos: int) -> tuple[int, int]:
        """Line and column (1-based, columns in characters) in the input of ``text[pos]``."""
        at = len(text[:pos].encode("utf-8", "surrogatepass"))
        removed = 0
        for offset, total in self.cuts:
            if offset <= at:
                removed = total
        at += removed
        raw = self.raw
        line = raw.count(b"\n", 0, at) + 1
        start = raw.rfind(b"\n", 0, at) + 1
        column = len(bytes(raw[start:at]).decode("utf-8", "replace")) + 1
        return line, column


def parse_json_bytes(raw: Buffer, path: str) -> tuple[Any, list[str]]:
    """Parse JSON from UTF-8 bytes; long number lists become ``ParsedNumbers`` arrays.

    A document under :data:`FAST_JSON_MIN` bytes is :func:`parse_json` of its text. In a
    larger one, every list of at least :data:`SPAN_MIN` bytes that holds nothing but
    numbers, ``null`` and NaN/infinity spellings is parsed into an array a chunk at a time
    (see the module docstring) and replaced, in the text the standard library then parses,
    by a placeholder. Placed where a series sits (a key of the top object, or of its
    ``history``, ``epoch_logs``, ``batch`` or ``batch.series`` object) an array stays an
    array; anywhere else the list is given back as the standard library would have parsed
    it. Values are identical either way; error messages name the line of the input.
    """
    if len(raw) < FAST_JSON_MIN or raw.find(_PLACEHOLDER_JSON) >= 0:
        return parse_json(raw.decode("utf-8", "surrogatepass"), path)
    origin = _Origin(raw)
    pieces: list[bytes] = []
    arrays: list[tuple[ParsedNumbers, int, int]] = []
    pos = 0
    skeleton_len = 0
    removed = 0
    for a, b in _number_spans(raw):
        parsed = _parse_number_list(raw, a, b)
        if parsed is None:
            continue
        end = min(b + 1, len(raw))  # a list cut short runs to the end of the input
        piece = bytes(raw[pos:a])
        token = f'"\\u0000curvedoc-numbers#{len(arrays)}"'.encode()
        pieces += (piece, token)
        skeleton_len += len(piece) + len(token)
        removed += (end - a) - len(token)
        origin.cuts.append((skeleton_len, removed))
        arrays.append((parsed, a, b))
        pos = end
    if not arrays:
        return parse_json(raw.decode("utf-8", "surrogatepass"), path)
    pieces.append(bytes(raw[pos:]))
    skeleton = b"".join(pieces).decode("utf-8", "surrogatepass")
    del pieces
    data, notes = _parse_json_text(skeleton, path, origin)
    used: list[int] = []
    try:
        data = _put_back(data, (), arrays, raw, used)
    except _Misplaced:  # the input spells a placeholder itself: parse the whole text
        return parse_json(raw.decode("utf-8", "surrogatepass"), path)
    if sorted(used) != list(range(len(arrays))):
        return parse_json(raw.decode("utf-8", "surrogatepass"), path)
    return data, notes


class _Misplaced(Exception):
    """A placeholder turned up where a whole list cannot have been (inside a string)."""


def _put_back(
    value: Any,
    where: tuple[str | int, ...],
    arrays: list[tuple[ParsedNumbers, int, int]],
    raw: Buffer,
    used: list[int],
) -> Any:
    """Replace placeholders by their arrays (series positions) or lists (elsewhere)."""
    if isinstance(value, str):
        if value.startswith(_PLACEHOLDER):
            try:
                k = int(value[len(_PLACEHOLDER) :])
                parsed, a, b = arrays[k]
            except (ValueError, IndexError):
                raise _Misplaced from None
            used.append(k)
            if _is_series_position(where):
                return parsed
            return json.loads(bytes(raw[a : b + 1]).decode("utf-8", "surrogatepass"))
        if _PLACEHOLDER in value:
            raise _Misplaced
        return value
    if isinstance(value, dict):
        return {k: _put_back(v, (*where, k), arrays, raw, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_put_back(v, (*where, i), arrays, raw, used) for i, v in enumerate(value)]
    return value


_SERIES_PARENTS = frozenset({"history", "epoch_logs", "batch"})


def _is_series_position(where: tuple[str | int, ...]) -> bool:
    """Whether a list at this path is a series some source reads with ``to_series``."""
    if not where:
        return True
    if not all(isinstance(p, str) for p in where):
        return False
    if len(where) == 1:
        return True
    if len(where) == 2:
        return where[0] in _SERIES_PARENTS
    return len(where) == 3 and where[0] == "batch" and where[1] == "series"


_NUMBER_BYTES = b"0123456789+-.eE, \t\r\n"
_TOKEN_LETTERS = frozenset(b'NaInfityulA"')


def _number_spans(raw: Buffer) -> Iterator[tuple[int, int]]:
    """Where the long lists of numbers are: ``(start, end)`` of their ``[`` and ``]``.

    Every innermost list at least :data:`SPAN_MIN` bytes long, outside any string, whose
    bytes can only be numbers, ``null`` and NaN/infinity spellings. A last list never
    closed (the file was cut short) comes last with ``end`` the length of the input: it
    is taken out too, so that the standard library reports the cut at the end of a short
    skeleton rather than after building every number of a large document.
    """
    pos = 0
    n = len(raw)
    counted = 0  # quotes are counted up to here
    in_string = False
    while True:
        b = raw.find(b"]", pos)
        if b < 0:
            a = raw.rfind(b"[", pos)
            if a >= 0 and n - a >= SPAN_MIN and _numbers_only(raw, a + 1, n, strict=True):
                in_string ^= _real_quotes(raw, counted, a) % 2 == 1
                if not in_string:
                    yield a, n
            return
        a = raw.rfind(b"[", pos, b)
        if a >= 0 and b - a >= SPAN_MIN and _numbers_only(raw, a + 1, b):
            in_string ^= _real_quotes(raw, counted, a) % 2 == 1
            counted = a
            if not in_string:
                yield a, b
        pos = b + 1


def _real_quotes(raw: Buffer, lo: int, hi: int) -> int:
    """How many ``"`` in ``raw[lo:hi]`` are not escaped (by an odd run of backslashes)."""
    total = raw.count(b'"', lo, hi)
    if not total:
        return 0
    at = raw.find(b"\\", lo, hi)
    while at >= 0:
        end = at
        while end < hi and raw[end] == 0x5C:
            end += 1
        if (end - at) % 2 == 1 and end < hi and raw[end] == 0x22:
            total -= 1
        at = raw.find(b"\\", end, hi)
    return total


def _numbers_only(raw: Buffer, start: int, end: int, *, strict: bool = False) -> bool:
    """Whether ``raw[start:end]`` can be a list of numbers.

    No object, key, nested list or escape in it (each a fast ``find``); with ``strict``,
    also no byte other than those of numbers and NaN/infinity/null spellings. Lists that
    pass the quick check and still hold something else are refused by the chunk parser.
    """
    for sep in (b"{", b"}", b":", b"[", b"\\"):
        if raw.find(sep, start, end) >= 0:
            return False
    if not strict:
        return True
    step = 8 * CHUNK
    for lo in range(start, end, step):
        rest = bytes(raw[lo : min(end, lo + step)]).translate(None, _NUMBER_BYTES)
        if rest and not set(rest) <= _TOKEN_LETTERS:
            return False
    return True


_DECODERS = (
    (_msgspec.json.Decoder(list[float]), _msgspec.json.Decoder(list[float | None]))
    if _msgspec is not None
    else ()
)
"""msgspec decoders for a chunk: plain numbers first (the common case, and faster), then
numbers and nulls."""


def _parse_number_list(raw: Buffer, a: int, b: int) -> ParsedNumbers | None:
    """The list ``raw[a..b]`` parsed into float64 a chunk at a time.

    None when it is not a plain list of numbers: the standard library then parses it, and
    reports its errors.
    """
    parts: list[np.ndarray] = []
    written = False
    cut = b >= len(raw)  # never closed: its last number may be followed by a comma
    start = a + 1
    while start <= b:
        stop = b
        if start + CHUNK < b:
            c = raw.find(b",", start + CHUNK, b)
            stop = b if c < 0 else c
        if isinstance(raw, bytearray) and stop < len(raw):
            part = _parse_in_place(raw, start - 1, stop)
        else:
            piece = bytes(raw[start:stop])
            if cut and stop == b:
                piece = piece.rstrip()
                piece = piece[:-1] if piece.endswith(b",") else piece
            part = _parse_chunk(b"[" + piece + b"]")
        if part is None or (stop < b and part[0].shape[0] == 0):
            return None
        parts.append(part[0])
        written = written or part[1]
        start = stop + 1
    values = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return ParsedNumbers(values, written)


def _parse_in_place(raw: bytearray, lo: int, hi: int) -> tuple[np.ndarray, bool] | None:
    """Parse ``raw[lo+1:hi]`` as a list without copying it.

    The separators around it (``[`` or ``,`` at ``lo``, ``,`` or ``]`` at ``hi``) are
    turned into brackets for the parse and put back after it.
    """
    saved = raw[lo], raw[hi]
    raw[lo], raw[hi] = 0x5B, 0x5D
    view = memoryview(raw)
    try:
        return _parse_chunk(view[lo : hi + 1])
    finally:
        view.release()
        raw[lo], raw[hi] = saved


def _parse_chunk(chunk: bytes | memoryview) -> tuple[np.ndarray, bool] | None:
    """One chunk ``[n1, n2, ...]`` as floats, and whether NaN/infinity was written in it."""
    for decoder in _DECODERS:
        try:
            return np.array(decoder.decode(chunk), dtype=np.float64), False
        except (_msgspec.DecodeError, ValueError, TypeError):
            continue  # nulls (next decoder), NaN/Infinity literals, numbers out of range
    try:
        values = json.loads(bytes(chunk))
    except (ValueError, RecursionError):
        return None
    if not isinstance(values, list):
        return None
    written = False
    converted: list[float | int | None] = []
    for v in values:
        parsed = value_of_token(v)
        if parsed is None:
            return None
        converted.append(parsed[0])
        written = written or parsed[1]
    try:
        return np.array(converted, dtype=np.float64), written
    except (OverflowError, ValueError, TypeError):
        return np.array([safe_float(v) for v in converted], dtype=np.float64), written


PYTHON_REPR_MAX_BYTES = 64 << 20
"""A printed dict is converted to JSON only up to this size (the conversion copies it)."""
_REPR_TOKEN = re.compile(
    rb"'([^'\\\n]{0,1000})'"
    rb"|\bnp\.\w{1,20}\(([^()]{0,100})\)"
    rb"|(?<![\w.])(nan|-inf|inf|None|True|False)\b"
)
_REPR_WORDS = {
    b"nan": b"NaN",
    b"inf": b"Infinity",
    b"-inf": b"-Infinity",
    b"None": b"null",
    b"True": b"true",
    b"False": b"false",
}


def python_repr_as_json(raw: Buffer) -> bytes | None:
    """A dict printed by Python, as JSON bytes; None when the text is not one.

    ``f.write(str(history.history))`` writes single-quoted keys, ``nan`` and, with numpy
    2, ``np.float64(0.5)``. Only a text that starts with ``{'`` (a printed dict with string
    keys) and is at most :data:`PYTHON_REPR_MAX_BYTES` is converted: quoted names become
    JSON strings, ``nan``/``inf``/``None``/``True``/``False`` their JSON spellings, and
    ``np.float64(0.5)`` its number. Lists, numbers and nesting are written alike.
    """
    head = bytes(raw[:64]).lstrip()
    if not head.startswith(b"{'") or len(raw) > PYTHON_REPR_MAX_BYTES:
        return None

    def sub(m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:
            return json.dumps(m.group(1).decode("utf-8", "replace")).encode()
        if m.group(2) is not None:
            inner = m.group(2).strip()
            return _REPR_WORDS.get(inner, inner)
        return _REPR_WORDS[m.group(3)]

    return _REPR_TOKEN.sub(sub, bytes(raw))
