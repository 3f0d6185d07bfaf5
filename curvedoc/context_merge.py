"""Context facts from several places, merged onto a run, with where each one came from.

A run's ``context`` can come from the history file itself (``recorded``: what
:class:`curvedoc.keras.CurveRecorder` wrote), an MLflow run's parameters, a sidecar file
next to the history, a saved model (``--model``), a context file (``--context-file``) and
the command line (``--context KEY=VALUE``). :func:`apply_context` layers new fragments
over what a :class:`~curvedoc.history.History` already holds, by the precedence of
:data:`curvedoc.context_input.SOURCES`, and keeps ``history.context_sources`` (key ->
source) and ``history.context_origins`` (source -> file or run) up to date, so the report
can say which fact came from where (``run.context_sources`` in the JSON report).

:func:`command_fragments` reads the three command-line sources once, before any run is
loaded, so a bad fact or a corrupt model file is a one-line error before any work.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence

from curvedoc.context_input import (
    ContextFragment,
    fragment,
    load_context_file,
    merge_context,
    parse_context_args,
)
from curvedoc.history import History

__all__ = ["apply_context", "command_fragments", "fragments_of"]


def fragments_of(history: History) -> list[ContextFragment]:
    """The history's current context as fragments, one per source that gave keys."""
    groups: dict[str, dict[str, object]] = {}
    for key, value in history.context.items():
        groups.setdefault(history.context_sources.get(key, "recorded"), {})[key] = value
    return [
        fragment(source, values, origin=history.context_origins.get(source))
        for source, values in groups.items()
    ]


def apply_context(history: History, fragments: Iterable[ContextFragment]) -> History:
    """Merge context fragments onto the history (in place) and return it.

    A stronger source replaces a weaker one's key as a whole
    (:func:`curvedoc.context_input.merge_context`). The fragments' own notes (a layer
    whose parameters could not be counted, say) are added to the history's source notes.
    """
    new = [f for f in fragments if f.values or f.notes]
    if not new:
        return history
    merged = merge_context([*fragments_of(history), *new])
    history.context = merged.context
    history.context_sources = {k: s for k, s in merged.provenance.items() if s != "recorded"}
    used = set(merged.provenance.values())
    origins = {**history.context_origins}
    for frag in new:
        if frag.origin and frag.values:
            origins[frag.source] = frag.origin
    history.context_origins = {s: o for s, o in origins.items() if s in used}
    if merged.notes:
        notes = tuple(n for n in merged.notes if n not in history.source.notes)
        history.source = dataclasses.replace(history.source, notes=(*history.source.notes, *notes))
    return history


def command_fragments(
    facts: Sequence[str] = (),
    context_file: str | os.PathLike[str] | None = None,
    model: str | os.PathLike[str] | None = None,
) -> tuple[ContextFragment, ...]:
    """The fragments of ``--context KEY=VALUE``, ``--context-file FILE`` and ``--model FILE``.

    Raises a :class:`~curvedoc.errors.CurvedocError` (one line) for an unknown key, a bad
    value, an unreadable context file, or a file that is not a Keras model.
    """
    out: list[ContextFragment] = []
    given = parse_context_args(facts) if facts else {}
    if model is not None:
        from curvedoc.model_file import read_model_file

        out.append(read_model_file(model).fragment())
    if context_file is not None:
        values = load_context_file(context_file)
        out.append(fragment("context-file", values, origin=os.fspath(context_file)))
    if given:
        out.append(fragment("--context", given))
    return tuple(out)
