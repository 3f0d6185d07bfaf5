"""A context file next to a history (``<stem>.context.json``), picked up on its own.

A person who trained a run without :class:`curvedoc.keras.CurveRecorder` can write what
they know (``{"learning_rate": 0.001, "batch_size": 32}``, the keys of ``--context``,
plus ``layers``) into ``run.context.json`` beside ``run.csv``; every load of the run then
carries those facts (``curvedoc.load``, ``analyze``, ``compare``, folders of runs), and
the report notes the file it read. :func:`curvedoc.context_input.sidecar_path` says which
file belongs to which history; a folder scan never takes a sidecar for a run
(:func:`curvedoc.loaders.directories.is_history_file`).
"""

from __future__ import annotations

import dataclasses

from curvedoc.context_input import fragment, load_context_file, sidecar_path
from curvedoc.context_merge import apply_context
from curvedoc.history import History

__all__ = ["attach_sidecar"]


def attach_sidecar(history: History, location: str) -> History:
    """Merge the sidecar context file of ``location`` onto the history, if there is one.

    Its facts override what the history file recorded (a person wrote them for this run)
    and are overridden by ``--model``, ``--context-file`` and ``--context``. A sidecar
    that is not valid is a one-line :class:`~curvedoc.context_input.ContextInputError`.
    """
    path = sidecar_path(location)
    if path is None:
        return history
    values = load_context_file(path)
    apply_context(history, [fragment("sidecar", values, origin=str(path))])
    facts = ", ".join(values) if values else "no facts"
    note = f"read context from {path} (found next to the run): {facts}"
    history.source = dataclasses.replace(history.source, notes=(*history.source.notes, note))
    return history
