"""What a source is, and what it is shown when asked "can you read this?".

A *source* (:class:`Source`) is one input format: a module under ``curvedoc/loaders/``
that declares how it recognises its input (``sniff``) and how it reads it (``load``),
and the shapes it documents (``forms``, listed in ``docs/inputs.md``). The registry
(:mod:`curvedoc.loaders.registry`) asks every source, in a declared priority order, about
one :class:`Probe`.

A :class:`Probe` is the input as detection sees it, computed on demand and at most once:
the location as given (a path, or a URI such as ``runs:/<id>`` that is no file at all),
whether it is a directory, the decoded text, a bounded *head* of it, and the text parsed
as JSON or as a CSV table. A cheap check comes first in every ``sniff`` (the location, the
directory flag, the head), so a source that cannot read the input never pays for a full
parse, and a parse that fails raises its one-line error once, wherever it is first asked.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.loaders.parsing import (
    looks_like_json_scalar,
    parse_json_bytes,
    parse_table_bytes,
    python_repr_as_json,
)
from curvedoc.loaders.reading import Buffer, Limits, read_bytes, read_utf8

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from curvedoc.history import History

__all__ = ["HEAD_CHARS", "ColumnOptions", "Form", "Limits", "Probe", "Source", "SourceKind"]

HEAD_CHARS = 64 * 1024
"""How much of the text :attr:`Probe.head` holds: enough to recognise any format by."""

SCALAR_CHECK_BYTES = 1 << 20
"""Only a text this short is tried as one JSON scalar (``3``, ``"x"``): a larger file that
starts like a number is a table, and parsing a gigabyte to learn so is not worth it."""

SourceKind = Literal["uri", "directory", "file"]
"""What a source reads: a URI (answered from the location alone, asked before anything
touches the file system), a directory, or a file (or a stream such as a FIFO)."""

_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")


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

    def as_options(self) -> dict[str, str | None]:
        """The keyword arguments of ``curvedoc.load`` that give these choices."""
        return {
            "train_col": self.train_col,
            "val_col": self.val_col,
            "x_col": self.x_col,
            "name": self.name,
        }


class Probe:
    """One input as detection sees it; every step is computed on first use and kept.

    Args:
        location: the path or URI exactly as given (messages name it as given).
        options: the caller's column options.
        load_nested: reads another location through the registry with the same options;
            sources that hold runs (a folder of one run) use it.
        text: already-decoded content (``curvedoc.loaders.load_text``): the input is then
            a file that is never read from disk.
        limits: how much is read, and how many series a run may hold (:class:`Limits`).

    Every property may raise :class:`~curvedoc.errors.LoadError` with the one-line message
    of its step (missing path, unreadable or binary file, empty file, invalid JSON, bad
    CSV cell); detection lets it propagate, so the first step that fails names the problem.
    """

    def __init__(
        self,
        location: str,
        options: ColumnOptions | None = None,
        *,
        load_nested: Callable[[str], History] | None = None,
        text: str | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.location = location
        self.options = options or ColumnOptions()
        self.limits = limits or Limits()
        self.notes: list[str] = []
        """What reading tolerated (duplicate JSON keys); the registry adds it to the History."""
        self.python_repr = False
        """The JSON was a dict printed by Python, converted (:attr:`json`)."""
        self._load_nested = load_nested
        if text is not None:
            self.__dict__["is_dir"] = False
            self.__dict__["text"] = text

    def __repr__(self) -> str:
        return f"Probe({self.location!r})"

    @property
    def path(self) -> Path:
        """The location as a file-system path (meaningless for a URI)."""
        return Path(self.location)

    @cached_property
    def scheme(self) -> str | None:
        """The URI scheme (``runs`` for ``runs:/<id>``), or None for a path.

        One letter before the colon is a Windows drive (``C:/runs``), not a scheme.
        """
        m = _URI.match(self.location)
        return m.group(1).lower() if m else None

    @cached_property
    def is_dir(self) -> bool:
        """Whether the location is a directory (following symlinks); a LoadError if missing."""
        try:
            return stat.S_ISDIR(self.path.stat().st_mode)
        except FileNotFoundError:
            raise LoadError(self.location, "no such file or directory") from None
        except NotADirectoryError:
            raise LoadError(
                self.location, "no such file or directory (a parent is not a directory)"
            ) from None
        except PermissionError:
            raise LoadError(self.location, "permission denied") from None
        except OSError as exc:
            raise LoadError(self.location, f"cannot be read ({exc.strerror or exc})") from None

    @cached_property
    def binary(self) -> Buffer:
        """The whole content as bytes, gzip unwrapped, whatever it holds (a pickle too).

        Read within :attr:`limits`; :attr:`raw` checks these same bytes to be text, so a
        text input is read once.
        """
        if "text" in self.__dict__:
            return self.__dict__["text"].encode("utf-8", "surrogatepass")
        return read_bytes(self.path, self.limits, self.location)

    @cached_property
    def raw(self) -> Buffer:
        """The whole content as UTF-8 bytes: gzip unwrapped, the encoding from its BOM.

        Read within :attr:`limits` (see :mod:`curvedoc.loaders.reading`) and checked to be
        text; the parsers work on these bytes, so a large input is never also held as a
        Python string.
        """
        if "text" in self.__dict__:
            return self.__dict__["text"].encode("utf-8", "surrogatepass")
        text = read_utf8(self.binary, self.location)
        self.__dict__.pop("binary", None)  # a BOM dropped or UTF-16 transcoded: one copy kept
        return text

    @cached_property
    def text(self) -> str:
        """The whole content as text (decoded from :attr:`raw` on first use)."""
        return self.raw.decode("utf-8", "surrogatepass")

    @cached_property
    def head(self) -> str:
        """The first :data:`HEAD_CHARS` characters after any leading whitespace.

        Enough to tell JSON from CSV, or to spot a header or a tag, before any full parse;
        decoded from the first bytes alone. A LoadError when the input is empty (or only
        whitespace).
        """
        raw = self.raw
        window = 4 * HEAD_CHARS
        start = 0
        while start < len(raw):
            piece = bytes(raw[start : start + window]).decode("utf-8", "ignore").lstrip()
            if piece:
                return piece[:HEAD_CHARS]
            start += window
        raise LoadError(self.location, "is empty")

    @cached_property
    def syntax(self) -> Literal["json", "csv"]:
        """``json`` for an object or a list, ``csv`` for anything else that is text.

        A text that is one JSON value but neither an object nor a list (``3``, ``"x"``)
        is refused here, before any source could take it for a one-column table.
        """
        if self.head[0] in "{[":
            return "json"
        if (
            self.head[0] in '"0123456789-tfnNI'
            and len(self.raw) <= SCALAR_CHECK_BYTES
            and looks_like_json_scalar(self.text.lstrip())
        ):
            raise NotAHistoryError(
                self.location, "JSON holds a single value, not a training history"
            )
        return "csv"

    @cached_property
    def json(self) -> Any:
        """The content parsed as JSON (duplicate keys: the last wins, and a note says so).

        Long lists of numbers come back as
        :class:`~curvedoc.loaders.series.ParsedNumbers` (parsed straight into arrays; see
        :func:`~curvedoc.loaders.parsing.parse_json_bytes`).
        """
        try:
            data, notes = parse_json_bytes(self.raw, self.location)
        except LoadError as exc:
            converted = python_repr_as_json(self.raw)
            if converted is None:
                raise
            try:
                data, notes = parse_json_bytes(converted, self.location)
            except LoadError:
                raise exc from None  # not a printed dict either: the JSON error stands
            self.python_repr = True
            notes = ["read as a dict printed by Python (str(history.history)), not JSON", *notes]
        self.notes.extend(notes)
        return data

    @cached_property
    def table(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """The content parsed as a CSV table: its header and one float column per name."""
        return parse_table_bytes(self.raw, self.location, max_series=self.limits.max_series)

    def load_nested(self, location: str) -> History:
        """Read another location (a run inside this one) through the registry."""
        if self._load_nested is None:
            raise LoadError(self.location, "holds another run, but no registry was given")
        return self._load_nested(location)


@dataclass(frozen=True)
class Form:
    """One documented shape of a source's input: a row of the table in ``docs/inputs.md``.

    Attributes:
        what: the input people have (``json.dump(history.history, f)``).
        recognised_by: what tells it apart.
        becomes: what curvedoc reads from it.
        format: the ``source.format`` the report names (None: the inner run's own).
    """

    what: str
    recognised_by: str
    becomes: str
    format: str | None


@dataclass(frozen=True)
class Source:
    """One input format: how it is recognised and how it is read.

    Attributes:
        name: stable kebab-case name (``keras-json``).
        kind: what it reads (see :data:`SourceKind`).
        sniff: whether this source reads the probe's input. Cheap checks first; it may
            look at the parsed structure, and may raise the LoadError of a step that fails.
        load: read the input into a History (a LoadError naming what is wrong otherwise).
        forms: the shapes it documents, most common first.
    """

    name: str
    kind: SourceKind
    sniff: Callable[[Probe], bool]
    load: Callable[[Probe], History]
    forms: tuple[Form, ...]

    @property
    def formats(self) -> tuple[str, ...]:
        """The ``source.format`` values this source's histories carry."""
        return tuple(dict.fromkeys(f.format for f in self.forms if f.format is not None))
