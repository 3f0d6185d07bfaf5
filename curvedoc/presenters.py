"""Showing data objects without the data modules importing a renderer.

``Report.to_markdown()`` and ``Report._repr_html_()`` (Jupyter) are documented API, but
:mod:`curvedoc.report` holds data only and must not depend on :mod:`curvedoc.render`
(the renderers depend on it). So the two methods ask this small table for a presenter by
name, and the package root (``curvedoc/__init__.py``, which Python runs before any
submodule) registers the renderers' functions here, importing them only when first
called. The dependency then points one way: render -> report, and root -> render.

Standard library only and nothing imported: it costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Presenter = Callable[[Any], str]

REPORT_MARKDOWN = "report-markdown"
"""Name of the presenter behind ``Report.to_markdown()``."""
REPORT_HTML = "report-html"
"""Name of the presenter behind ``Report._repr_html_()`` (an HTML fragment)."""

_presenters: dict[str, Presenter] = {}


def register_presenter(name: str, presenter: Presenter) -> None:
    """Make ``presenter(obj) -> str`` the one used for ``name`` (a later call replaces it)."""
    _presenters[name] = presenter


def present(name: str, obj: object) -> str:
    """Show ``obj`` with the presenter registered under ``name``.

    Raises:
        LookupError: nothing is registered under ``name`` (a bug: the package root
            registers every presenter the data classes use).
    """
    try:
        presenter = _presenters[name]
    except KeyError:
        raise LookupError(f"no presenter registered for {name!r}") from None
    return presenter(obj)
