"""curvedoc: diagnose fluctuating training curves.

Record a Keras run with :class:`curvedoc.keras.CurveRecorder`, then::

    import curvedoc
    history = curvedoc.load("history.json")
    report = curvedoc.diagnose(history)

or, right after ``history = model.fit(...)`` in a notebook, ``curvedoc.diagnose(history)``.

``import curvedoc`` stays light: it never imports TensorFlow, Keras, torch or jax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from curvedoc import presenters as _presenters

__all__ = ["History", "LoadError", "Report", "__version__", "diagnose", "load"]

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.errors import LoadError
    from curvedoc.history import History
    from curvedoc.loaders import load
    from curvedoc.report import Report

_LAZY = {
    "load": ("curvedoc.loaders", "load"),
    "History": ("curvedoc.history", "History"),
    "Report": ("curvedoc.report", "Report"),
    "LoadError": ("curvedoc.errors", "LoadError"),
}


def diagnose(history: Any, **kwargs: Any) -> Report:
    """Diagnose a run: :func:`curvedoc.diagnosis.diagnose` on anything :func:`load` reads.

    ``history`` is a :class:`History`, a path, or, in a notebook right after training,
    the ``History`` that ``model.fit`` returned (its model's facts come along) or its
    ``.history`` dict. Keyword arguments go to :func:`curvedoc.diagnosis.diagnose`
    (``weights=``, ``curves=``).
    """
    from curvedoc.diagnosis import diagnose as run
    from curvedoc.history import History

    if not isinstance(history, History):
        from curvedoc.loaders import load

        history = load(history)
    return run(history, **kwargs)


def _report_markdown(report: Report) -> str:
    from curvedoc.render.markdown import render_markdown

    return render_markdown(report)


def _report_html(report: Report) -> str:
    from curvedoc.render.html import render_html_fragment

    return render_html_fragment(report)


# the package root wires the data to its renderers (see curvedoc/presenters.py)
_presenters.register_presenter(_presenters.REPORT_MARKDOWN, _report_markdown)
_presenters.register_presenter(_presenters.REPORT_HTML, _report_html)


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import curvedoc`` costs almost nothing."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'curvedoc' has no attribute {name!r}")
