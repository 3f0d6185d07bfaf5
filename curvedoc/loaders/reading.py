"""Reading an input file's bytes and decoding them to text, safely.

gzip is unwrapped (all members, with a limit on the inflated size), a byte-order mark
selects UTF-8/16/32, BOM-less UTF-16 is recognised by its NUL bytes, and other binary data
is refused. Every OS-level problem becomes a one-line :class:`~curvedoc.errors.LoadError`.
"""

from __future__ import annotations

import codecs
import stat
import zlib
from pathlib import Path

from curvedoc.errors import LoadError

__all__ = ["MAX_BYTES", "decode_text", "read_bytes"]

MAX_BYTES = 2 * 1024**3
"""Files larger than this are refused rather than risk exhausting memory."""


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
