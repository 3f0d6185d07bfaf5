"""Source ``mlflow``: an MLflow run, ``runs:/<run id>``, read through MLflow's own client.

The curves are the run's per-epoch metric histories, the context its logged parameters
(and its logged Keras model, read without Keras): :func:`curvedoc.mlflow_source.read_run`
does the reading; this module plugs it into the registry. The tracking store is
``MLFLOW_TRACKING_URI`` (``curvedoc analyze --tracking-uri URI`` sets it for the command)
or the one a Python caller set with ``mlflow.set_tracking_uri``; with neither, the load
is a one-line error rather than MLflow's default, which would create an empty store in
the working directory. ``mlflow`` is an optional extra, imported only here.
"""

from __future__ import annotations

import dataclasses
import os

from curvedoc.errors import LoadError, MissingExtraError
from curvedoc.history import History
from curvedoc.loaders.source import Form, Probe, Source

__all__ = ["SOURCE", "tracking_uri"]

NO_STORE = (
    "no MLflow tracking store is set: pass --tracking-uri URI or set MLFLOW_TRACKING_URI "
    "(sqlite:///mlflow.db, http://host:5000, or a local mlruns directory)"
)


def tracking_uri(location: str) -> str:
    """The tracking store to read from (see the module docstring), or a one-line error."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    try:
        import mlflow
    except ImportError:
        raise MissingExtraError("mlflow", "mlflow", "reading MLflow runs") from None
    if mlflow.is_tracking_uri_set():
        return str(mlflow.get_tracking_uri())
    raise LoadError(location, NO_STORE)


def sniff(probe: Probe) -> bool:
    """``runs:/...``, from the location alone."""
    return probe.scheme == "runs"


def load(probe: Probe) -> History:
    """Read the run: metric histories as curves, parameters and logged model as context."""
    from curvedoc.mlflow_source import parse_run_uri, read_run

    run_id = parse_run_uri(probe.location)
    if run_id is None:
        raise LoadError(
            probe.location,
            "is not a run: give runs:/<run id> (a path inside a run's artifacts is not a history)",
        )
    run = read_run(run_id, tracking_uri(probe.location))
    history = run.history
    history.context_sources = dict.fromkeys(history.context, "mlflow")
    history.context_origins = {"mlflow": run.context.origin or probe.location}
    if not history.context:
        history.context_origins = {}
    notes = tuple(f"mlflow: {n}" for n in run.context.notes)
    if notes:
        history.source = dataclasses.replace(history.source, notes=(*history.source.notes, *notes))
    return history


SOURCE = Source(
    name="mlflow",
    kind="uri",
    sniff=sniff,
    load=load,
    forms=(
        Form(
            "an MLflow run, as `mlflow.keras.autolog()` / `mlflow.tensorflow.autolog()` "
            "log it (`mlflow` extra)",
            "`runs:/<run id>`; the store from `--tracking-uri` or `MLFLOW_TRACKING_URI`",
            "per-epoch metric histories; logged parameters and the logged model as context",
            "mlflow",
        ),
    ),
)
