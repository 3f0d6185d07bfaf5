r"""Text from the data made harmless for a terminal: control characters shown escaped.

Metric names, file names and notes come from files curvedoc did not write. In plain text
(the terminal report, the many-runs table, progress lines, stderr) a name holding
``\x1b[2J`` would clear the screen, ``\x1b]0;...\x07`` retitle the window, ``\r`` or
``\b`` overwrite what was printed, and bidirectional overrides (U+202E) reorder it.
:func:`printable` shows every such character as its Python escape (``\x1b``); HTML,
Markdown and JSON escape in their own way. :func:`escape_strings` applies it to every
string of a finished result (a frozen dataclass tree) before the text renderer sees it,
so no renderer can forget one.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = ["escape_strings", "printable"]

T = TypeVar("T")

_KEEP = frozenset("\n\t")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _unsafe(c: str) -> bool:
    if c in _KEEP:
        return False
    return unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI


def printable(text: str, *, keep_newlines: bool = True) -> str:
    r"""``text`` with control characters and bidirectional overrides shown escaped.

    Control characters are C0, DEL and C1 (and lone surrogates); newlines and tabs are
    kept unless ``keep_newlines`` is False.

    >>> printable("loss\x1b[2J\x07")
    'loss\\x1b[2J\\x07'
    >>> printable("a\nb"), printable("a\nb", keep_newlines=False)
    ('a\nb', 'a\\nb')
    """
    if text.isprintable() and not (_BIDI & set(text)):
        return text
    out = []
    for c in text:
        if _unsafe(c) or (not keep_newlines and c in _KEEP):
            out.append(c.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(c)
    return "".join(out)


def escape_strings(value: T) -> T:
    """A copy of a result with :func:`printable` applied to every string in it.

    Walks dataclasses (rebuilt with :func:`dataclasses.replace`), mappings (keys too),
    lists and tuples; everything else is returned as it is. Values that need no escaping
    are returned unchanged, so an ordinary result costs one walk and no copies.
    """
    return _walk(value)  # type: ignore[no-any-return]


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _walk(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, Mapping):
        items = [(_walk(k), _walk(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)):
            return value
        rebuilt = dict(items)
        return MappingProxyType(rebuilt) if isinstance(value, MappingProxyType) else rebuilt
    if isinstance(value, (list, tuple)):
        items = [_walk(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, tuple) else items
    return value
