"""The options ``analyze`` and ``compare`` share for facts the curves cannot show, and MLflow.

``--context KEY=VALUE`` (repeatable), ``--context-file FILE`` and ``--model FILE`` give a
run's training context (``docs/inputs.md``, "Context"); ``--tracking-uri`` names the MLflow
tracking store that ``runs:/<id>`` and ``--experiment`` read. Nothing here is heavy (the
key list is standard-library code); the readers are imported when the options are used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from curvedoc.context_input import CONTEXT_KEYS

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.context_input import ContextFragment

CONTEXT_KEYS_HELP = ", ".join(CONTEXT_KEYS)


def add_context_arguments(parser: argparse.ArgumentParser, *, many: str) -> None:
    """``--context``, ``--context-file``, ``--model``; ``many`` says whom they apply to."""
    group = parser.add_argument_group(
        "training context (facts the curves cannot show; see docs/inputs.md)",
        f"Given facts override what the history, a sidecar <stem>.context.json or an MLflow "
        f"run holds; {many}.",
    )
    group.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"a training fact, repeatable; keys: {CONTEXT_KEYS_HELP}",
    )
    group.add_argument(
        "--context-file",
        metavar="FILE",
        help="a JSON or TOML file of facts (the same keys, plus layers)",
    )
    group.add_argument(
        "--model",
        metavar="FILE",
        help="the saved Keras model (.keras, or .h5 with the h5 extra): optimizer, learning "
        "rate, loss, layers and parameter count, read without Keras",
    )


def add_tracking_argument(parser: argparse.ArgumentParser) -> None:
    """``--tracking-uri``: the MLflow store of ``runs:/<id>`` (else ``MLFLOW_TRACKING_URI``)."""
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow tracking store for runs:/RUN_ID (default: MLFLOW_TRACKING_URI)",
    )


def context_fragments(args: argparse.Namespace) -> tuple[ContextFragment, ...]:
    """Read the context options once (a :class:`~curvedoc.errors.CurvedocError` if wrong)."""
    facts = list(getattr(args, "context", None) or ())
    context_file = getattr(args, "context_file", None)
    model = getattr(args, "model", None)
    if not facts and context_file is None and model is None:
        return ()
    from curvedoc.context_merge import command_fragments

    return command_fragments(facts, context_file, model)


@contextlib.contextmanager
def tracking_store(uri: str | None) -> Iterator[None]:
    """Set ``MLFLOW_TRACKING_URI`` to ``--tracking-uri`` while a command runs.

    Through the environment, the worker processes of a many-runs analysis read the same
    store; the previous value is restored afterwards.
    """
    if not uri:
        yield
        return
    old = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old
