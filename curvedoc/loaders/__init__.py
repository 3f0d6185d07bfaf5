"""Turn any supported file into one :class:`~curvedoc.history.History`.

The format is chosen by content, not by extension: gzip is unwrapped, a byte-order mark
picks the text encoding, then JSON (Keras ``history.history``, wrapped histories,
pandas records, curvedoc's own file) or CSV (Keras CSVLogger, PyTorch Lightning,
any table) is parsed. Directories are read as TensorBoard log directories.

Every problem becomes a :class:`~curvedoc.errors.LoadError` whose message names the path
and what is wrong, in one line.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
import re
import stat
import zlib
from pathlib import Path
from typing import Any

from curvedoc.errors import LoadError
from curvedoc.history import History

__all__ = ["ColumnOptions", "decode_text", "load", "load_text", "read_bytes"]

MAX_BYTES = 2 * 1024**3
"""Files larger than this are refused rather than risk exhausting memory."""


class ColumnOptions:
    """Column choices for tables and JSON objects that are not in a known shape.

    Attributes:
        train_col: name of the training series (e.g. ``train_loss``).
        val_col: name of the validation series.
        x_col: name of the column holding the x axis (epoch or step).
        name: the metric name to report them under (default ``loss``).
    """

    def __init__(
        self,
        train_col: str | None = None,
        val_col: str | None = None,
        x_col: str | None = None,
        name: str | None = None,
    ) -> None:
        self.train_col = train_col
        self.val_col = val_col
        self.x_col = x_col
        self.name = name

    def active(self) -> bool:
        """Whether any column option was given."""
        return any(v is not None for v in (self.train_col, self.val_col, self.x_col))


def read_bytes(path: Path) -> bytes:
    """Read a file's bytes, unwrapping gzip, with a LoadError for every OS-level problem.

    Regular files are refused when larger than :data:`MAX_BYTES`. Other files (a FIFO
    from ``<(zcat run.json.gz)``, a character device) are read in chunks, stopping as soon
    as the first chunk is plainly binary or the total passes :data:`MAX_BYTES`, so
    ``/dev/zero`` or ``/dev/urandom`` cannot exhaust memory.
    """
    try:
        st = path.stat()
        if stat.S_ISREG(st.st_mode):
            if st.st_size > MAX_BYTES:
                raise LoadError(
                    str(path), f"file is {st.st_size / 1e9:.1f} GB, larger than curvedoc reads"
                )
            with path.open("rb") as fh:
                raw = fh.read()
        else:
            raw = _read_stream(path)
    except LoadError:
        raise
    except FileNotFoundError:
        raise LoadError(str(path), "no such file or directory") from None
    except IsADirectoryError:
        raise LoadError(str(path), "is a directory") from None
    except PermissionError:
        raise LoadError(str(path), "permission denied") from None
    except OSError as exc:
        raise LoadError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    except MemoryError:
        raise LoadError(str(path), "is too large to read into memory") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = _gunzip(raw)
        except (OSError, EOFError, zlib.error):
            raise LoadError(str(path), "is a truncated or corrupt gzip file") from None
        if raw is None:
            raise LoadError(str(path), f"decompresses to more than {MAX_BYTES / 1e9:.0f} GB")
    return raw


def _read_stream(path: Path, chunk: int = 1 << 20) -> bytes:
    """Read a non-regular file in chunks, refusing binary or oversized content early."""
    parts: list[bytes] = []
    total = 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            if not parts and _plainly_binary(block):
                raise LoadError(str(path), "is binary data, not a JSON or CSV history")
            parts.append(block)
            total += len(block)
            if total > MAX_BYTES:
                raise LoadError(str(path), "holds more data than curvedoc reads")
    return b"".join(parts)


def _plainly_binary(head: bytes) -> bool:
    """Whether the first bytes of a stream can be neither gzip nor (BOM-marked) text."""
    if head[:2] == b"\x1f\x8b" or head.startswith(_BOMS):
        return False
    return b"\x00" in head[:4096] and _utf16_without_bom(head[:4096]) is None


def _gunzip(raw: bytes) -> bytes | None:
    """Decompress gzip data (all members), or None when it inflates past MAX_BYTES."""
    d = zlib.decompressobj(wbits=31)
    out = [d.decompress(raw, MAX_BYTES + 1)]
    size = len(out[0])
    if d.unconsumed_tail or size > MAX_BYTES:
        return None
    rest = d.unused_data
    if not d.eof:
        raise EOFError("truncated gzip stream")
    while rest[:2] == b"\x1f\x8b":  # concatenated members, as `cat a.gz b.gz` makes
        d = zlib.decompressobj(wbits=31)
        part = d.decompress(rest, MAX_BYTES + 1 - size)
        if d.unconsumed_tail:
            return None
        if not d.eof:
            raise EOFError("truncated gzip stream")
        out.append(part)
        size += len(part)
        rest = d.unused_data
    return b"".join(out)


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32 BOMs start alike


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes look like BOM-less UTF-16 text, else None.

    ASCII text in UTF-16 has a NUL in every other byte and printable bytes in between;
    random binary data or a run of NUL bytes does not.
    """
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    for zeros, chars, encoding in ((1, 0, "utf-16-le"), (0, 1, "utf-16-be")):
        z = sample[zeros::2]
        c = sample[chars::2]
        if z.count(0) > 0.9 * half and c.count(0) < 0.1 * half:
            printable = sum(1 for b in c if 32 <= b < 127 or b in (9, 10, 13))
            if printable > 0.9 * len(c):
                return encoding
    return None


def decode_text(raw: bytes, path: str) -> str:
    """Decode file bytes as text: a BOM selects UTF-8/UTF-16/UTF-32, else UTF-8.

    BOM-less UTF-16 is recognised by its pattern of NUL bytes. Other binary data (NUL
    bytes, invalid UTF-8) is refused.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise LoadError(path, f"is not valid {encoding.upper()} text") from None
    if b"\x00" in raw[:4096]:
        encoding = _utf16_without_bom(raw[:4096])
        if encoding is not None:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                pass
        raise LoadError(path, "is binary data, not a JSON or CSV history")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path, f"is binary data or not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None


def load_text(text: str, path: str, columns: ColumnOptions | None = None) -> History:
    """Parse already-decoded text (JSON or CSV, by content) into a History."""
    stripped = text.lstrip()
    if not stripped:
        raise LoadError(path, "is empty")
    if stripped[0] in "{[":
        data, notes = parse_json(text, path)
        from curvedoc.loaders.json_formats import history_from_json

        history = history_from_json(data, path, columns)
        if notes:
            history.source = dataclasses.replace(
                history.source, notes=(*notes, *history.source.notes)
            )
        return history
    if stripped[0] in '"0123456789-tfnNI' and _looks_like_json_scalar(stripped):
        raise LoadError(path, "JSON holds a single value, not a training history")
    from curvedoc.loaders.csv_formats import history_from_csv

    return history_from_csv(text, path, columns)


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


def _looks_like_json_scalar(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def load(path: str | os.PathLike[str], **options: str | None) -> History:
    """Read a training history from a file or a TensorBoard log directory.

    Args:
        path: a Keras ``history.history`` JSON dump, a wrapped history JSON, a CSVLogger or
            other CSV file, curvedoc's own history file (optionally gzip-compressed), or a
            TensorBoard log directory.
        **options: column choices for unusual tables (``train_col``, ``val_col``,
            ``x_col``, ``name``); see :class:`ColumnOptions`.

    Returns:
        The run as a :class:`~curvedoc.history.History`.

    Raises:
        LoadError: the path is missing or is not a readable history; the message says why.
    """
    columns = ColumnOptions(**options)
    name = os.fspath(path)
    if not name:
        raise LoadError("''", "is an empty path")
    if "\x00" in name:
        raise LoadError(repr(name), "is not a valid path (it contains a NUL byte)")
    p = Path(name)
    try:
        is_dir = stat.S_ISDIR(p.stat().st_mode)
    except FileNotFoundError:
        raise LoadError(name, "no such file or directory") from None
    except NotADirectoryError:
        raise LoadError(name, "no such file or directory (a parent is not a directory)") from None
    except PermissionError:
        raise LoadError(name, "permission denied") from None
    except OSError as exc:
        raise LoadError(name, f"cannot be read ({exc.strerror or exc})") from None
    if is_dir:
        from curvedoc.loaders.directories import load_directory

        return load_directory(p, columns)
    raw = read_bytes(p)
    text = decode_text(raw, name)
    return load_text(text, name, columns)
