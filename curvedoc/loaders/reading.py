"""Reading an input file's bytes safely: bounded, streamed, decompressed, decoded.

Every input is read under a :class:`Limits`: a regular file larger than ``max_bytes`` is
refused before it is opened; a stream (a FIFO from ``<(zcat run.json.gz)``, a device) and
a gzip file are read in chunks and refused as soon as they pass the limit, never after,
so a gzip bomb or ``/dev/zero`` costs at most the limit in memory and time. gzip is
unwrapped (all members, as ``cat a.gz b.gz`` makes), a byte-order mark selects
UTF-8/16/32, BOM-less UTF-16 is recognised by its NUL bytes, and other binary data is
refused from its first bytes. The text is handed on as UTF-8 *bytes*
(:func:`read_utf8`), so a large file is never copied into a Python string just to be
parsed. Every OS-level problem becomes a one-line :class:`~curvedoc.errors.LoadError`.
"""

from __future__ import annotations

import codecs
import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from curvedoc.errors import LoadError, NotAHistoryError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_SERIES",
    "MAX_BYTES",
    "Buffer",
    "Limits",
    "decode_text",
    "format_size",
    "parse_size",
    "read_bytes",
    "read_utf8",
]

DEFAULT_MAX_BYTES = 2 * 1024**3
"""The most bytes curvedoc reads from one input (after decompression): 2 GiB.

Memory stays within about three times what is read, so the default keeps a run under
about 6 GiB; ``--max-bytes`` (``curvedoc.load(path, max_bytes=...)``) raises it."""

MAX_BYTES = DEFAULT_MAX_BYTES
"""Kept for callers of the first API; the limit in force is :attr:`Limits.max_bytes`."""

DEFAULT_MAX_SERIES = 10_000
"""The most series (CSV columns, JSON keys, TensorBoard tags) one run may hold.

A training history has tens of metrics, a large one a few hundred; a table with a
million columns is not a history, and diagnosing every column would take hours.
``--max-series`` raises it."""

CHUNK = 1 << 20
"""Streams and gzip members are read (and inflated) this many bytes at a time."""

Buffer = bytes | bytearray
"""The bytes of an input: a ``bytearray`` as read (parsers may mark it in place and put it
back), ``bytes`` for text handed in."""


@dataclass(frozen=True)
class Limits:
    """What curvedoc reads from one input before refusing it.

    Attributes:
        max_bytes: the most bytes read (after gzip decompression), default
            :data:`DEFAULT_MAX_BYTES`; the command line's ``--max-bytes``.
        max_series: the most series one run may hold, default :data:`DEFAULT_MAX_SERIES`;
            the command line's ``--max-series``.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_series: int = DEFAULT_MAX_SERIES

    def too_large(self, location: str, what: str) -> LoadError:
        """The one-line refusal of an input over :attr:`max_bytes`, naming the option."""
        return LoadError(
            location,
            f"{what} more than {format_size(self.max_bytes)}, the most curvedoc reads "
            "(raise the limit with --max-bytes)",
        )

    def too_many_series(self, location: str, what: str) -> LoadError:
        """The one-line refusal of a run over :attr:`max_series`, naming the option."""
        return LoadError(
            location,
            f"{what}: more than the {self.max_series:,} series curvedoc reads per run "
            "(raise the limit with --max-series)",
        )


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Read a size such as ``500M``, ``4G``, ``2GiB`` or ``1048576`` (binary units).

    >>> parse_size("64M"), parse_size("2GiB"), parse_size("1500")
    (67108864, 2147483648, 1500)

    Raises:
        ValueError: not a positive whole number of bytes with an optional unit.
    """
    t = text.strip().lower().replace("_", "")
    for suffix in ("ib", "b"):
        if t.endswith(suffix) and t[: -len(suffix)][-1:].isalpha():
            t = t[: -len(suffix)]
            break
    unit = t[-1:] if t[-1:].isalpha() else ""
    if unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size (use a number with K, M, G or T)")
    number = t[: len(t) - len(unit)]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (use a number with K, M, G or T)") from None
    size = int(value * _UNITS[unit])
    if size <= 0 or value != value:  # NaN compares unequal
        raise ValueError(f"{text!r} is not a positive size")
    return size


def format_size(n: int) -> str:
    """A byte count in the largest binary unit that keeps it readable.

    >>> format_size(2 * 1024**3), format_size(64 * 1024**2), format_size(1536), format_size(10)
    ('2 GiB', '64 MiB', '1.5 KiB', '10 bytes')
    """
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def read_bytes(path: Path, limits: Limits | None = None, location: str | None = None) -> Buffer:
    """Read a file's bytes, unwrapping gzip, with a LoadError for every OS-level problem.

    Regular files larger than ``limits.max_bytes`` are refused before they are opened.
    Other files (a FIFO from ``<(zcat run.json.gz)``, a character device) are read in
    chunks, stopping as soon as the first chunk is plainly binary or the total passes
    the limit, so ``/dev/zero`` or ``/dev/urandom`` cannot exhaust memory. gzip content
    is inflated chunk by chunk and refused the moment it passes the limit.
    """
    limits = limits or Limits()
    where = location if location is not None else str(path)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise LoadError(where, "is a directory")
        regular = stat.S_ISREG(st.st_mode)
        if regular and st.st_size > limits.max_bytes:
            raise limits.too_large(where, f"is {format_size(st.st_size)},")
        with path.open("rb") as fh:
            return _read_all(fh, where, limits, st.st_size if regular else None)
    except LoadError:
        raise
    except FileNotFoundError:
        raise LoadError(where, "no such file or directory") from None
    except IsADirectoryError:
        raise LoadError(where, "is a directory") from None
    except PermissionError:
        raise LoadError(where, "permission denied") from None
    except OSError as exc:
        raise LoadError(where, f"cannot be read ({exc.strerror or exc})") from None
    except MemoryError:
        raise LoadError(where, "is too large to read into memory") from None


def _read_all(fh: BinaryIO, where: str, limits: Limits, size: int | None) -> Buffer:
    """Read a whole file object, inflating gzip, within the limit.

    A regular file (``size`` known and checked) is read in one call, so its bytes are
    never copied; a stream is read in chunks.
    """
    if size is not None:
        first = fh.read(2)
        fh.seek(0)
        if first != b"\x1f\x8b":
            return _read_regular(fh, where, limits, size)
        first = b""
    else:
        first = fh.read(CHUNK)
    if size is not None or first[:2] == b"\x1f\x8b":
        try:
            return _gunzip_stream(fh, first, where, limits)
        except (OSError, EOFError, zlib.error):
            raise LoadError(where, "is a truncated or corrupt gzip file") from None
    if _plainly_binary(first):
        raise binary_error(where, first)
    out = bytearray(first)
    while block := fh.read(CHUNK):
        out += block
        if len(out) > limits.max_bytes:
            raise limits.too_large(where, "holds")
    return out


def _read_regular(fh: BinaryIO, where: str, limits: Limits, size: int) -> bytearray:
    """A regular file into one buffer of its size (mutable: parsers may mark it in place)."""
    data = bytearray(size)
    view = memoryview(data)
    filled = 0
    while filled < size:
        n = fh.readinto(view[filled:])
        if not n:
            break
        filled += n
    view.release()
    if filled < size:  # it shrank since its size was read
        del data[filled:]
    elif more := fh.read():  # it grew
        data += more
        if len(data) > limits.max_bytes:
            raise limits.too_large(where, "holds")
    return data


def _gunzip_stream(fh: BinaryIO, first: bytes, where: str, limits: Limits) -> bytearray:
    """Inflate every gzip member of a stream, chunk by chunk, stopping at the limit.

    Data after the last member that is not another member is ignored, as ``gzip -d``
    does with trailing garbage; a member cut short is an ``EOFError``.
    """
    out = bytearray()
    checked = False
    d = zlib.decompressobj(wbits=31)
    pending = first
    at_end = False
    while True:
        if not pending and not at_end:
            pending = fh.read(CHUNK)
            at_end = not pending
        if not pending:
            break
        while pending:
            room = limits.max_bytes + 1 - len(out)
            out += d.decompress(pending, room)
            if len(out) > limits.max_bytes:
                raise limits.too_large(where, "decompresses to")
            pending = d.unconsumed_tail
            if not checked and len(out) >= 4096:
                checked = True
                if _plainly_binary(bytes(out[:4096])):
                    raise binary_error(where, bytes(out[:8]))
            if d.eof:
                rest = d.unused_data
                while len(rest) < 2 and not at_end:
                    more = fh.read(CHUNK)
                    at_end = not more
                    rest += more
                if rest[:2] != b"\x1f\x8b":  # the end, or trailing garbage
                    return out
                d = zlib.decompressobj(wbits=31)
                pending = rest
    if not d.eof:
        raise EOFError("truncated gzip stream")
    return out


def _plainly_binary(head: bytes) -> bool:
    """Whether the first bytes of a stream can be neither gzip nor (BOM-marked) text."""
    if head[:2] == b"\x1f\x8b" or head.startswith(_BOMS):
        return False
    return b"\x00" in head[:4096] and _utf16_without_bom(head[:4096]) is None


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


_BOM_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_utf8(raw: Buffer, path: str) -> Buffer:
    """The input as valid UTF-8 bytes without a byte-order mark (see :func:`decode_text`).

    UTF-8 input is checked in place, without a copy (ASCII, the usual case, in one pass);
    a UTF-8 BOM is dropped; UTF-16/32 input is transcoded. The same refusals as
    :func:`decode_text`.
    """
    for bom, encoding in _BOM_ENCODINGS:
        if raw.startswith(bom):
            if encoding == "utf-8":
                body = raw[len(bom) :]
                _check_utf8(body, path, f"is not valid {encoding.upper()} text")
                return body
            try:
                return raw[len(bom) :].decode(encoding).encode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                raise LoadError(path, f"is not valid {encoding.upper()} text") from None
    if b"\x00" in raw[:4096]:
        encoding16 = _utf16_without_bom(bytes(raw[:4096]))
        if encoding16 is not None:
            try:
                return raw.decode(encoding16).encode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                pass
        raise binary_error(path, bytes(raw[:8]))
    _check_utf8(raw, path, None)
    return raw


_MODEL_HINT = "a saved Keras model goes with --model, beside the history it trained"


def binary_error(where: str, head: bytes) -> NotAHistoryError:
    """The refusal of a binary file, naming a saved model's formats when the bytes say so."""
    # the model reader's own signatures; imported here, on the error path only
    from curvedoc.model_file import HDF5_SIGNATURE, ZIP_SIGNATURES

    if head.startswith(HDF5_SIGNATURE):
        kind = "an HDF5 file (a .h5 model?)"
    elif head.startswith(ZIP_SIGNATURES):
        kind = "a zip archive (a .keras model?)"
    else:
        return NotAHistoryError(where, "is binary data, not a JSON or CSV history")
    return NotAHistoryError(where, f"is {kind}, not a JSON or CSV history ({_MODEL_HINT})")


def _check_utf8(raw: Buffer, path: str, problem: str | None) -> None:
    """Refuse bytes that are not UTF-8, decoding in bounded pieces (no full-size copy)."""
    if raw.isascii():
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    step = 16 * CHUNK
    for start in range(0, len(raw), step):
        try:
            decoder.decode(view[start : start + step], final=start + step >= len(raw))
        except UnicodeDecodeError as exc:
            if problem is not None:
                raise LoadError(path, problem) from None
            offset = start + exc.start
            raise LoadError(
                path, f"is binary data or not UTF-8 text (invalid byte at offset {offset})"
            ) from None


def decode_text(raw: Buffer, path: str) -> str:
    """Decode file bytes as text: a BOM selects UTF-8/UTF-16/UTF-32, else UTF-8.

    BOM-less UTF-16 is recognised by its pattern of NUL bytes. Other binary data (NUL
    bytes, invalid UTF-8) is refused.
    """
    for bom, encoding in _BOM_ENCODINGS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise LoadError(path, f"is not valid {encoding.upper()} text") from None
    if b"\x00" in raw[:4096]:
        encoding = _utf16_without_bom(bytes(raw[:4096]))
        if encoding is not None:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                pass
        raise binary_error(path, bytes(raw[:8]))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path, f"is binary data or not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(device, inode)`` of the file a path names (links followed), or None when missing."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino
