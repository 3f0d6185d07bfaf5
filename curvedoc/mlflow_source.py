"""MLflow runs as a source of curves and context, and as a place to write the verdict.

Teams that train with ``mlflow.keras.autolog()`` or ``mlflow.tensorflow.autolog()`` keep
every run in a tracking store. What autolog writes (checked with MLflow 3.17 and Keras
3.15 on the TensorFlow backend):

* metrics, once per epoch with ``step`` = the 0-based epoch: every key of Keras' epoch
  ``logs`` (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``, ``mae``, ...). The
  Keras flavour also logs ``validation_<metric>`` from ``on_test_end`` with no step (all
  at step 0): copies of the ``val_`` series, which are dropped here;
* parameters: ``fit``'s arguments (``batch_size``, ``epochs``, ``validation_split``,
  ``initial_epoch``, ``steps_per_epoch``, ...) and the optimizer's config with a prefix:
  ``optimizer_name``, ``optimizer_learning_rate``, ``optimizer_clipnorm``, ... for
  ``mlflow.keras.autolog``, ``opt_name``, ``opt_learning_rate``, ... for
  ``mlflow.tensorflow.autolog``;
* artifacts: ``model_summary.txt`` (``model.summary()``: the parameter counts), and the
  model itself (``data/model.keras``; a "logged model" of the run in MLflow 3, the run
  artifact ``model/data/model.keras`` in MLflow 2). The loss is only in the model's
  compile config, so the model is read (without Keras, by :mod:`curvedoc.model_file`)
  when it is not larger than :data:`MAX_MODEL_BYTES`.

Everything goes through MLflow's own client, so any backend works: a local directory,
SQLite or another database, a tracking server. ``mlflow`` is an optional extra
(``pip install 'curvedoc[mlflow]'``), imported only inside these functions.
"""

from __future__ import annotations

import ast
import math
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from curvedoc import names
from curvedoc.context_input import ContextFragment, fragment, normalize_optimizer
from curvedoc.errors import LoadError, MissingExtraError
from curvedoc.history import History, SourceInfo

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.report import Report

__all__ = [
    "MAX_MODEL_BYTES",
    "MlflowRun",
    "MlflowSourceError",
    "RunRef",
    "context_from_params",
    "get_client",
    "list_runs",
    "log_report",
    "parse_run_uri",
    "read_run",
]

MAX_MODEL_BYTES = 256 * 1024**2
"""A logged model larger than this is not downloaded (only its config would be read)."""

RUN_URI = re.compile(r"^runs:/([0-9A-Za-z_\-]+)/?$")

TAG_PREFIX = "curvedoc."


class MlflowSourceError(LoadError):
    """An MLflow run or experiment could not be read (one line naming it)."""


def _import_mlflow() -> Any:
    try:
        import mlflow
        import mlflow.tracking
    except ImportError:
        raise MissingExtraError("mlflow", "mlflow", "reading MLflow runs") from None
    return mlflow


def parse_run_uri(text: str) -> str | None:
    """The run id of ``runs:/RUN_ID`` (a trailing slash allowed), or None for other text.

    >>> parse_run_uri("runs:/0123abcd"), parse_run_uri("history.json")
    ('0123abcd', None)
    """
    match = RUN_URI.match(text.strip())
    return match.group(1) if match else None


def get_client(tracking_uri: str | None = None) -> Any:
    """An ``MlflowClient`` for ``tracking_uri``, else ``MLFLOW_TRACKING_URI``.

    With neither, MLflow's own default applies (``./mlruns`` or what the installed
    version uses), exactly as ``mlflow`` itself would behave.
    """
    mlflow = _import_mlflow()
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or None
    return mlflow.tracking.MlflowClient(tracking_uri=uri)


def _where(client: Any) -> str:
    uri = getattr(client, "tracking_uri", None) or getattr(client, "_tracking_uri", None)
    return f" in {uri}" if uri else ""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= 200 else first[:199] + "…"


# -- params -> context --------------------------------------------------------------------


def _literal(raw: str) -> Any:
    """A logged parameter's value: MLflow stores ``str(value)`` (``"None"``, ``"0.9"``)."""
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return raw


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value > 0:
        return int(value)
    return None


def _positive_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) and f > 0 else None


_OPT_PREFIXES = ("optimizer_", "opt_")
_LR_KEYS = ("optimizer_learning_rate", "opt_learning_rate", "learning_rate", "lr")
_INT_PARAMS = {
    "batch_size": "batch_size",
    "epochs": "epochs_planned",
    "steps_per_epoch": "steps_per_epoch",
}


def context_from_params(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A context fragment (and notes) from an MLflow run's logged parameters.

    ``optimizer_name``/``opt_name`` (``"adam"``) becomes ``{"class": "Adam", "config":
    {...}}`` with the other ``optimizer_*``/``opt_*`` parameters as its config (so
    ``clipnorm`` is seen); ``optimizer_learning_rate``, ``opt_learning_rate``,
    ``learning_rate`` or ``lr`` the learning rate (a schedule's initial rate when a
    schedule was logged); ``batch_size``, ``epochs`` (as ``epochs_planned``),
    ``steps_per_epoch`` and ``initial_epoch`` as they are. Values MLflow stored as
    ``"None"`` are absent.
    """
    ctx: dict[str, Any] = {}
    notes: list[str] = []
    values = {str(k): _literal(str(v)) for k, v in params.items()}
    opt_name = values.get("optimizer_name", values.get("opt_name"))
    if isinstance(opt_name, str) and opt_name:
        try:
            cls = normalize_optimizer(opt_name)
        except ValueError:
            cls = opt_name
            notes.append(f"optimizer {opt_name!r} is not a Keras optimizer curvedoc knows")
        config: dict[str, Any] = {}
        for key, value in values.items():
            for prefix in _OPT_PREFIXES:
                if key.startswith(prefix) and key != prefix + "name":
                    config[key[len(prefix) :]] = value
        ctx["optimizer"] = {"class": cls, "config": config}
    for key in _LR_KEYS:
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, Mapping):  # a serialised LearningRateSchedule
            from curvedoc.model_file import schedule_initial

            lr = schedule_initial(value)
            ctx["lr_schedule"] = str(value.get("class_name") or "schedule")
        else:
            lr = _positive_float(value)
        if lr is not None:
            ctx["learning_rate"] = lr
            break
    for key, target in _INT_PARAMS.items():
        n = _positive_int(values.get(key))
        if n is not None:
            ctx[target] = n
    initial = values.get("initial_epoch")
    if isinstance(initial, int) and not isinstance(initial, bool) and initial >= 0:
        ctx["initial_epoch"] = initial
    return ctx, notes


_SUMMARY_PARAMS = re.compile(r"^\s*(Total|Trainable) params:\s*([\d,]+)", re.MULTILINE)


def params_from_summary(text: str) -> dict[str, int] | None:
    """``{"total": ..., "trainable": ...}`` from a Keras ``model.summary()`` text."""
    found = {kind.lower(): int(n.replace(",", "")) for kind, n in _SUMMARY_PARAMS.findall(text)}
    if "total" not in found:
        return None
    return {
        "total": found["total"],
        **({"trainable": found["trainable"]} if "trainable" in found else {}),
    }


# -- metrics -> History ------------------------------------------------------------------


def _history_from_metrics(
    histories: Mapping[str, list[tuple[int, int, float]]], path: str
) -> tuple[History, list[str]]:
    """Build a History from ``key -> [(step, timestamp, value), ...]``.

    The steps are the epochs (autolog logs with ``step=epoch``). A step logged twice
    keeps its later value (a resumed run re-logs the epochs it redid). A series whose
    values all sit on one step while it has several (Keras autolog's
    ``validation_<metric>``) is not per-epoch: it is dropped when its ``val_`` twin is
    there, else kept as its last value.
    """
    notes: list[str] = []
    per_epoch: dict[str, dict[int, float]] = {}
    dropped: list[str] = []
    for key, points in histories.items():
        steps = {p[0] for p in points}
        if len(points) > 1 and len(steps) == 1 and key.startswith("validation_"):
            twin = "val_" + key[len("validation_") :]
            if twin in histories:
                dropped.append(key)
                continue
        by_step: dict[int, tuple[int, float]] = {}
        for step, ts, value in points:
            if step not in by_step or ts >= by_step[step][0]:
                by_step[step] = (ts, value)
        if len(by_step) < len(points) and len(steps) > 1:
            notes.append(f"{key}: steps logged more than once keep their latest value")
        per_epoch[key] = {s: v for s, (_ts, v) in by_step.items()}
    if dropped:
        notes.append(
            f"{', '.join(sorted(dropped))} dropped: MLflow's Keras autolog logs these copies of "
            "the val_ series without an epoch"
        )
    if not per_epoch:
        raise MlflowSourceError(path, "the run has no metrics (was autolog on during fit?)")
    epochs = sorted({s for series in per_epoch.values() for s in series})
    index = {s: i for i, s in enumerate(epochs)}
    series: dict[str, np.ndarray] = {}
    for key, values in per_epoch.items():
        arr = np.full(len(epochs), np.nan)
        for step, value in values.items():
            arr[index[step]] = value
        series[key] = arr
    metrics = [k for k in series if not names.is_learning_rate(k)]
    if not any(np.isfinite(series[k]).any() for k in metrics):
        raise MlflowSourceError(path, "no metric of the run holds a finite value")
    history = History(
        epochs=np.asarray(epochs, dtype=np.int64),
        epoch_series=series,
        source=SourceInfo(path=path, format="mlflow", notes=tuple(notes)),
    )
    return history, notes


# -- reading a run -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunRef:
    """One run of an experiment, as listed (nothing downloaded yet).

    Attributes:
        run_id: MLflow's run id.
        name: the run's name (``mlflow.runName``).
        status: ``FINISHED``, ``RUNNING``, ``FAILED``, ``KILLED``, ...
        experiment_id: the experiment it belongs to.
        start_time: milliseconds since the epoch, when known.
    """

    run_id: str
    name: str | None
    status: str | None
    experiment_id: str
    start_time: int | None = None

    @property
    def uri(self) -> str:
        """``runs:/RUN_ID``."""
        return f"runs:/{self.run_id}"


@dataclass(frozen=True)
class MlflowRun:
    """A run read back: its curves, its context and where they came from.

    Attributes:
        ref: which run.
        history: the metric histories as a History (its ``context`` holds the same facts
            as ``context``, so ``curvedoc.diagnose(run.history)`` uses them).
        context: the facts from the run's parameters and logged model, as an ``mlflow``
            context fragment for :func:`curvedoc.context_input.merge_context`.
        params: the raw logged parameters.
    """

    ref: RunRef
    history: History
    context: ContextFragment
    params: dict[str, str]


def _ref(run: Any) -> RunRef:
    info = run.info
    return RunRef(
        run_id=info.run_id,
        name=getattr(info, "run_name", None) or run.data.tags.get("mlflow.runName"),
        status=getattr(info, "status", None),
        experiment_id=str(info.experiment_id),
        start_time=getattr(info, "start_time", None),
    )


def read_run(
    run_id: str,
    tracking_uri: str | None = None,
    *,
    client: Any = None,
    read_model: bool = True,
) -> MlflowRun:
    """Read one MLflow run: metric histories as curves, parameters (and model) as context.

    ``run_id`` may also be ``runs:/RUN_ID``. With ``read_model``, the run's logged Keras
    model (when there is one, up to :data:`MAX_MODEL_BYTES`) is downloaded to a temporary
    directory and its config read for the loss, the layers and the parameter count;
    otherwise ``model_summary.txt`` gives the parameter count alone.
    Raises :class:`MlflowSourceError` when the run cannot be found or read.
    """
    run_id = parse_run_uri(run_id) or run_id.strip()
    path = f"runs:/{run_id}"
    client = client if client is not None else get_client(tracking_uri)
    mlflow = _import_mlflow()
    try:
        run = client.get_run(run_id)
    except mlflow.exceptions.MlflowException as exc:
        raise MlflowSourceError(path, f"not found{_where(client)} ({_one_line(exc)})") from None
    except Exception as exc:  # network, database: MLflow raises many kinds
        raise MlflowSourceError(
            path, f"cannot be read{_where(client)} ({_one_line(exc)})"
        ) from None
    ref = _ref(run)
    try:
        histories: dict[str, list[tuple[int, int, float]]] = {}
        for key in sorted(run.data.metrics):
            points = client.get_metric_history(run_id, key)
            histories[key] = [(int(m.step), int(m.timestamp), float(m.value)) for m in points]
    except Exception as exc:
        raise MlflowSourceError(
            path, f"metric histories cannot be read ({_one_line(exc)})"
        ) from None
    history, _notes = _history_from_metrics(histories, path)
    params = {str(k): str(v) for k, v in run.data.params.items()}
    ctx, notes = context_from_params(params)
    model_ctx, model_notes = _model_context(client, run, read_model)
    for key, value in model_ctx.items():
        ctx.setdefault(key, value)
    notes.extend(model_notes)
    history.context = dict(ctx)
    frag = fragment("mlflow", ctx, origin=path, notes=notes)
    return MlflowRun(ref=ref, history=history, context=frag, params=params)


def _model_context(client: Any, run: Any, read_model: bool) -> tuple[dict[str, Any], list[str]]:
    """Facts from the run's logged model, or its model summary; never fails the run."""
    notes: list[str] = []
    run_id = run.info.run_id
    if read_model:
        try:
            with tempfile.TemporaryDirectory(prefix="curvedoc-mlflow-") as tmp:
                local = _download_model(client, run, Path(tmp))
                if local is not None:
                    from curvedoc.model_file import ModelFileError, read_model_file

                    try:
                        facts = read_model_file(local)
                    except (ModelFileError, MissingExtraError) as exc:
                        notes.append(f"the logged model was not read ({exc})")
                    else:
                        notes.extend(facts.notes)
                        return dict(facts.context), notes
        except Exception as exc:  # an artifact store that will not answer: curves still count
            notes.append(f"the logged model was not read ({_one_line(exc)})")
    try:
        names_ = [a.path for a in client.list_artifacts(run_id)]
        if "model_summary.txt" in names_:
            text = Path(client.download_artifacts(run_id, "model_summary.txt")).read_text(
                encoding="utf-8", errors="replace"
            )
            counts = params_from_summary(text)
            if counts:
                return {"params": counts}, notes
    except Exception as exc:
        notes.append(f"model_summary.txt was not read ({_one_line(exc)})")
    return {}, notes


def _download_model(client: Any, run: Any, into: Path) -> Path | None:
    """Download the run's ``model.keras`` (MLflow 3 logged model or MLflow 2 artifact)."""
    run_id = run.info.run_id
    search = getattr(client, "search_logged_models", None)
    if search is not None:
        models = search(
            experiment_ids=[str(run.info.experiment_id)],
            filter_string=f"source_run_id = '{run_id}'",
        )
        for model in models:
            files = {f.path: f for f in client.list_logged_model_artifacts(model.model_id, "data")}
            info = files.get("data/model.keras")
            if info is None:
                continue
            if info.file_size and info.file_size > MAX_MODEL_BYTES:
                return None
            import mlflow.artifacts

            uri = f"{model.artifact_location.rstrip('/')}/data/model.keras"
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(into), tracking_uri=client.tracking_uri
            )
            return Path(local)
    files = {f.path: f for f in client.list_artifacts(run_id, "model/data")}
    info = files.get("model/data/model.keras")
    if info is None or (info.file_size and info.file_size > MAX_MODEL_BYTES):
        return None
    return Path(client.download_artifacts(run_id, "model/data/model.keras", str(into)))


# -- experiments -------------------------------------------------------------------------


def list_runs(
    experiment: str,
    tracking_uri: str | None = None,
    *,
    client: Any = None,
    max_runs: int = 10_000,
) -> list[RunRef]:
    """Every run of the experiment named ``experiment`` (newest first).

    Raises :class:`MlflowSourceError` when there is no experiment of that name.
    """
    client = client if client is not None else get_client(tracking_uri)
    where = f"experiment {experiment!r}"
    try:
        exp = client.get_experiment_by_name(experiment)
    except Exception as exc:
        raise MlflowSourceError(
            where, f"cannot be read{_where(client)} ({_one_line(exc)})"
        ) from None
    if exp is None:
        raise MlflowSourceError(where, f"does not exist{_where(client)}")
    refs: list[RunRef] = []
    token = None
    try:
        while len(refs) < max_runs:
            page = client.search_runs(
                [exp.experiment_id],
                max_results=min(1000, max_runs - len(refs)),
                order_by=["attributes.start_time DESC"],
                page_token=token,
            )
            refs.extend(_ref(run) for run in page)
            token = getattr(page, "token", None)
            if not token:
                break
    except Exception as exc:
        raise MlflowSourceError(where, f"runs cannot be listed ({_one_line(exc)})") from None
    return refs


# -- writing the verdict back ------------------------------------------------------------


def verdict_tags(report: Report) -> dict[str, str]:
    """The tags :func:`log_report` sets, from a report.

    ``curvedoc.healthy`` (``true``/``false``), ``curvedoc.verdict`` (the report's
    one-line verdict), ``curvedoc.top_cause`` (the category of the most likely cause:
    ``unscaled_data``, ``architecture``, ``hyperparameters``, ``data_noise``; ``none``
    when no cause was found), ``curvedoc.confidence`` (that cause's confidence, 0-1),
    ``curvedoc.top_rule`` (its first finding's code) and ``curvedoc.version``. MLflow's
    search can then filter runs: ``tags.`curvedoc.top_cause` = 'hyperparameters'``.
    """
    from curvedoc import __version__

    data = report.to_dict()
    causes = data.get("causes") or []
    top = causes[0] if causes else None
    tags = {
        "healthy": "true" if data.get("healthy") else "false",
        "verdict": str(data.get("verdict") or ""),
        "top_cause": str(top.get("category") or "none") if top else "none",
        "version": __version__,
    }
    if top:
        if isinstance(top.get("confidence"), (int, float)):
            tags["confidence"] = f"{float(top['confidence']):.2f}"
        if top.get("findings"):
            tags["top_rule"] = str(top["findings"][0])
    return {TAG_PREFIX + k: v[:5000] for k, v in tags.items() if v != ""}


def log_report(
    run_id: str,
    report: Report,
    tracking_uri: str | None = None,
    *,
    client: Any = None,
    html: str | None = None,
    artifact_name: str = "curvedoc-report.html",
) -> dict[str, str]:
    """Write the verdict back to the run: the HTML report as an artifact, and tags.

    ``html`` is the rendered report (the caller renders it, so this module needs no
    plotting); None logs tags only. Returns the tags that were set. Raises
    :class:`MlflowSourceError` when the run cannot be written to.
    """
    run_id = parse_run_uri(run_id) or run_id.strip()
    client = client if client is not None else get_client(tracking_uri)
    tags = verdict_tags(report)
    path = f"runs:/{run_id}"
    try:
        for key, value in tags.items():
            client.set_tag(run_id, key, value)
        if html is not None:
            with tempfile.TemporaryDirectory(prefix="curvedoc-report-") as tmp:
                local = Path(tmp) / artifact_name
                local.write_text(html, encoding="utf-8")
                client.log_artifact(run_id, str(local))
    except Exception as exc:
        raise MlflowSourceError(
            path, f"the verdict could not be logged ({_one_line(exc)})"
        ) from None
    return tags
