"""Context facts a person supplies: ``--context KEY=VALUE``, context files, sidecar files.

A run that was not recorded with :class:`curvedoc.keras.CurveRecorder` has no ``context``,
yet the person who trained it usually knows the optimizer, the learning rate and the batch
size. This module turns what they say into a fragment of the history format's ``context``
object (``docs/history-format.md``), in the same shape the recorder writes, so that
:func:`curvedoc.context.read_context` reads it unchanged:

* ``optimizer`` becomes ``{"class": "Adam"}`` (the Keras class name, whatever case was
  typed);
* ``params`` becomes ``{"total": N}``;
* ``loss`` becomes the Keras function name (``MeanSquaredError`` -> ``mean_squared_error``);
* the other keys are plain numbers or strings.

``task`` (``classification`` or ``regression``) has no place in the recorder's format yet;
it is passed through under that key.

Several sources can describe one run. :func:`merge_context` layers them (a person's
``--context`` beats a context file, which beats what a model file or MLflow says, which
beats what was recorded) and says which key came from where.

Nothing here imports more than the standard library.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curvedoc.errors import UsageError

__all__ = [
    "CONTEXT_KEYS",
    "LAYER_KEYS",
    "OPTIMIZERS",
    "SOURCES",
    "ContextFragment",
    "ContextInputError",
    "MergedContext",
    "fragment",
    "load_context_file",
    "merge_context",
    "normalize_loss",
    "normalize_optimizer",
    "parse_context_args",
    "parse_fact",
    "sidecar_path",
    "validate_layers",
    "validate_values",
]

MAX_CONTEXT_FILE_BYTES = 16 * 1024**2
"""Context files larger than this are refused (a real one is a few hundred bytes)."""

SOURCES = ("recorded", "mlflow", "sidecar", "model", "context-file", "--context")
"""Where a context fact can come from, weakest first: a later source overrides an earlier.

What a person states on the command line beats a file they name, which beats a file that
was discovered next to the history (a sidecar) or facts read from a model file or an
MLflow run, which beat what the recorder wrote. An explicit ``--model`` beats a sidecar
because it was named for this run; a sidecar beats MLflow's parameters because a person
wrote it.
"""

OPTIMIZERS: dict[str, str] = {
    name.lower(): name
    for name in (
        "Adadelta",
        "Adafactor",
        "Adagrad",
        "Adam",
        "AdamW",
        "Adamax",
        "Ftrl",
        "Lamb",
        "Lion",
        "LossScaleOptimizer",
        "Muon",
        "Nadam",
        "RMSprop",
        "SGD",
    )
}
"""Keras 3 optimizer class names by their lower-case form (how the recorder writes them)."""

_LOSS_NAMES = (
    "mean_squared_error",
    "mse",
    "mean_absolute_error",
    "mae",
    "mean_absolute_percentage_error",
    "mape",
    "mean_squared_logarithmic_error",
    "msle",
    "huber",
    "log_cosh",
    "logcosh",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_generalized_cross_entropy",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "poisson",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "cosine_similarity",
    "ctc",
    "dice",
    "tversky",
    "circle",
)
_LOSS_BY_SQUASHED: dict[str, str] = {n.replace("_", ""): n for n in _LOSS_NAMES}
# class names squash to their function's name, except where the spelling differs
_LOSS_BY_SQUASHED.update({"huberloss": "huber", "kldivergence": "kl_divergence"})

TASKS = ("classification", "regression")


class ContextInputError(UsageError):
    """A ``--context`` fact or a context file is wrong; the message is one line."""


def _positive_int(value: Any) -> int:
    """Parse a positive integer: ``32``, ``"32"``, ``"10_000"``, ``"1,000"``, ``"1.2e6"``."""
    if isinstance(value, bool):
        raise ValueError("a positive whole number is needed")
    if isinstance(value, int):
        number = float(value)
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip().replace("_", "").replace(",", "")
        try:
            number = float(int(text)) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise ValueError("a positive whole number is needed") from None
    else:
        raise ValueError("a positive whole number is needed")
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise ValueError("a positive whole number is needed")
    if isinstance(value, int):
        return value
    return int(number)


def _non_negative_int(value: Any) -> int:
    """Parse a whole number >= 0 (``initial_epoch``)."""
    if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip() == "0":
        return 0
    try:
        return _positive_int(value)
    except ValueError:
        raise ValueError("a whole number >= 0 is needed") from None


def _positive_float(value: Any) -> float:
    """Parse a finite number > 0: ``0.001``, ``"1e-3"``."""
    if isinstance(value, bool):
        raise ValueError("a positive number is needed")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError("a positive number is needed") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError("a positive number is needed")
    return number


def normalize_optimizer(value: Any) -> str:
    """The Keras class name of an optimizer given in any case (``adam`` -> ``Adam``).

    Raises ValueError for a name that is not a Keras optimizer, listing the known ones.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("an optimizer class name is needed")
    key = value.strip().lower()
    key = key.rsplit(">", 1)[-1]  # "Custom>Adam" as tf.keras 2.11+ wrote it
    key = key.rsplit(".", 1)[-1]  # "keras.optimizers.Adam"
    # an optimizer's default config name: "rm_sprop", "adam_1" (MLflow logs it as the name)
    key = re.sub(r"_\d+$", "", key).replace("_", "")
    if key in OPTIMIZERS:
        return OPTIMIZERS[key]
    known = ", ".join(sorted(OPTIMIZERS.values(), key=str.lower))
    raise ValueError(f"{value!r} is not a Keras optimizer (known: {known})")


def normalize_loss(value: Any) -> str:
    """The Keras function name of a loss (``MeanSquaredError`` -> ``mean_squared_error``).

    Case, spaces, dashes and underscores do not matter; the short aliases ``mse``,
    ``mae``, ``mape``, ``msle`` and ``kld`` stay as they are. Raises ValueError for an
    unknown loss.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a loss name is needed")
    squashed = re.sub(r"[\s_\-]", "", value.strip().lower()).rsplit(".", 1)[-1]
    if squashed in _LOSS_BY_SQUASHED:
        return _LOSS_BY_SQUASHED[squashed]
    raise ValueError(f"{value!r} is not a Keras loss (e.g. mse, binary_crossentropy)")


def _momentum(value: Any) -> float:
    """Parse an SGD momentum, 0 <= m < 1 (0: plain SGD, judged by its own rate range)."""
    problem = "momentum is a number from 0 up to (not including) 1"
    if isinstance(value, bool):
        raise ValueError(problem)
    try:
        m = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(problem) from None
    if not (0.0 <= m < 1.0):
        raise ValueError(problem)
    return m


def _task(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in TASKS:
        return value.strip().lower()
    raise ValueError("the task is classification or regression")


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "optimizer": normalize_optimizer,
    "learning_rate": _positive_float,
    "momentum": _momentum,
    "batch_size": _positive_int,
    "train_samples": _positive_int,
    "val_samples": _positive_int,
    "params": _positive_int,
    "loss": normalize_loss,
    "epochs_planned": _positive_int,
    "steps_per_epoch": _positive_int,
    "initial_epoch": _non_negative_int,
    "task": _task,
    "input_scale": _positive_float,
    "target_scale": _positive_float,
}

CONTEXT_KEYS = tuple(_PARSERS)
"""Keys of ``--context KEY=VALUE``: the history format's scalar context keys, the task,
and two scale facts a person can read off the data without the recorder's statistics:
``input_scale``, the typical absolute size of the largest input feature (its root mean
square: about 1 when standardised, 2,000 for raw prices) and ``target_scale``, the same
for the targets (see :func:`curvedoc.context.read_context`)."""

_KEYS_HELP = "valid keys: " + ", ".join(CONTEXT_KEYS)
_FILE_KEYS_HELP = _KEYS_HELP + ", layers"


_USUAL_NAMES = {
    "lr": "learning_rate",
    "learningrate": "learning_rate",
    "bs": "batch_size",
    "batch": "batch_size",
    "batchsize": "batch_size",
    "epochs": "epochs_planned",
    "n_epochs": "epochs_planned",
    "optim": "optimizer",
    "opt": "optimizer",
    "parameters": "params",
    "n_params": "params",
    "num_params": "params",
    "steps": "steps_per_epoch",
    "loss_function": "loss",
}
"""Names people type for a context key (Keras' own argument names among them)."""


def did_you_mean(key: str) -> str:
    """`` (did you mean 'learning_rate'?)`` for a key close to a valid one, else ``""``."""
    import difflib

    squashed = key.strip().lower().replace("-", "_")
    guess = _USUAL_NAMES.get(squashed) or _USUAL_NAMES.get(squashed.replace("_", ""))
    if guess is None:
        close = difflib.get_close_matches(squashed, CONTEXT_KEYS, n=1, cutoff=0.75)
        guess = close[0] if close else None
    return f" (did you mean {guess!r}?)" if guess else ""


def _shape(key: str, value: Any) -> Any:
    """Put a parsed value in the recorder's shape (optimizer and params are objects)."""
    if key == "optimizer":
        return {"class": value}
    if key == "params":
        return {"total": value}
    return value


def parse_fact(text: str) -> tuple[str, Any]:
    """Parse one ``KEY=VALUE`` into the key and its value in the recorder's shape.

    >>> parse_fact("optimizer=adam")
    ('optimizer', {'class': 'Adam'})
    >>> parse_fact("learning_rate=1e-3")
    ('learning_rate', 0.001)
    """
    key, sep, raw = text.partition("=")
    key = key.strip().lower().replace("-", "_")
    if not sep:
        raise ContextInputError(f"--context {text!r}: expected KEY=VALUE; {_KEYS_HELP}")
    if key not in _PARSERS:
        raise ContextInputError(f"--context: unknown key {key!r}{did_you_mean(key)}; {_KEYS_HELP}")
    if not raw.strip():
        raise ContextInputError(f"--context {key}: no value given; {_KEYS_HELP}")
    try:
        value = _PARSERS[key](raw)
    except ValueError as exc:
        raise ContextInputError(f"--context {key}={raw.strip()}: {exc}; {_KEYS_HELP}") from None
    return key, _shape(key, value)


def parse_context_args(items: Iterable[str]) -> dict[str, Any]:
    """Parse repeated ``--context KEY=VALUE`` options into a context fragment.

    A key given twice keeps its last value (as command lines usually behave).
    """
    out: dict[str, Any] = {}
    for item in items:
        key, value = parse_fact(item)
        out[key] = value
    return out


# -- layers ------------------------------------------------------------------------------

_REGULARIZER_KEYS = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
)


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("a number in [0, 1) is needed")
    if not math.isfinite(value) or not 0 <= value < 1:
        raise ValueError("a number in [0, 1) is needed")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a whole number >= 0 is needed")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("a non-empty string is needed")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false is needed")
    return value


_LAYER_PARSERS: dict[str, Callable[[Any], Any]] = {
    "class": _text,
    "name": _text,
    "params": _count,
    "units": _positive_int,
    "filters": _positive_int,
    "activation": _optional_text,
    "dropout": _rate,
    "recurrent_dropout": _rate,
    "rate": _rate,
    "return_sequences": _flag,
    "wraps": _text,
    **dict.fromkeys(_REGULARIZER_KEYS, _optional_text),
}

LAYER_KEYS = tuple(_LAYER_PARSERS)
"""Keys of one layer object (the recorder's layer summary; ``class`` is required)."""


def validate_layers(layers: Any, where: str) -> list[dict[str, Any]]:
    """Check a ``layers`` list in the recorder's layer-summary form and return a copy."""
    layer_help = "layer keys: " + ", ".join(LAYER_KEYS)
    if not isinstance(layers, Sequence) or isinstance(layers, (str, bytes)):
        raise ContextInputError(f"{where}: 'layers' must be a list of layer objects")
    out: list[dict[str, Any]] = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, Mapping):
            raise ContextInputError(f"{where}: layers[{i}] must be an object; {layer_help}")
        if "class" not in layer:
            raise ContextInputError(f"{where}: layers[{i}] has no 'class'; {layer_help}")
        clean: dict[str, Any] = {}
        for key, value in layer.items():
            if key not in _LAYER_PARSERS:
                raise ContextInputError(
                    f"{where}: layers[{i}] has an unknown key {key!r}; {layer_help}"
                )
            try:
                clean[key] = _LAYER_PARSERS[key](value)
            except ValueError as exc:
                raise ContextInputError(
                    f"{where}: layers[{i}].{key} = {value!r}: {exc}; {layer_help}"
                ) from None
        out.append(clean)
    return out


def validate_values(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check an object of context facts (as read from a file) and return the fragment.

    The keys are :data:`CONTEXT_KEYS` plus ``layers``; values may be JSON/TOML numbers
    or strings. ``optimizer`` and ``params`` may also already be in the recorder's object
    form (``{"class": "Adam"}``, ``{"total": 1234}``).
    """
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key).strip().lower().replace("-", "_")
        if key == "layers":
            out["layers"] = validate_layers(value, where)
            continue
        if key not in _PARSERS:
            raise ContextInputError(
                f"{where}: unknown key {raw_key!r}{did_you_mean(str(raw_key))}; {_FILE_KEYS_HELP}"
            )
        if key == "optimizer" and isinstance(value, Mapping):
            value = value.get("class") or value.get("class_name") or value.get("name")
        elif key == "params" and isinstance(value, Mapping):
            value = value.get("total")
        try:
            parsed = _PARSERS[key](value)
        except ValueError as exc:
            message = f"{where}: {key} = {value!r}: {exc}; {_FILE_KEYS_HELP}"
            raise ContextInputError(message) from None
        out[key] = _shape(key, parsed)
    return out


# -- files -------------------------------------------------------------------------------


def load_context_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON or TOML context file and return its validated fragment.

    TOML is chosen by a ``.toml`` suffix; anything else is read as JSON. A file whose
    object has a single ``context`` key (a history file's ``context``, copied out) is
    read from inside it.
    """
    p = Path(path)
    where = str(path)
    try:
        size = p.stat().st_size
        if size > MAX_CONTEXT_FILE_BYTES:
            raise ContextInputError(f"{where}: {size / 1e6:.0f} MB is too large for a context file")
        raw = p.read_bytes()
    except ContextInputError:
        raise
    except OSError as exc:
        raise ContextInputError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContextInputError(f"{where}: is not UTF-8 text") from None
    try:
        if p.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        kind = "TOML" if p.suffix.lower() == ".toml" else "JSON"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContextInputError(f"{where}: not valid {kind} ({first})") from None
    if isinstance(data, Mapping) and set(data) == {"context"}:
        data = data["context"]
    if not isinstance(data, Mapping):
        raise ContextInputError(f"{where}: must hold an object of facts; {_FILE_KEYS_HELP}")
    return validate_values(data, where)


_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
_DATA_SUFFIXES = (".json", ".jsonl", ".csv", ".tsv", ".txt", ".log")
SIDECAR_SUFFIX = ".context.json"


def sidecar_path(history: str | os.PathLike[str]) -> Path | None:
    """The ``<history stem>.context.json`` next to a history, if that file exists.

    The stem drops one compression suffix and then one data suffix, so ``run.json``,
    ``run.csv`` and ``run.json.gz`` all have the sidecar ``run.context.json``; a suffix
    that is neither is kept (``run.curvedoc.json`` -> ``run.curvedoc.context.json``,
    ``events.out`` -> ``events.out.context.json``). A directory (a TensorBoard or
    Lightning log directory) has its sidecar beside it: ``logs/`` -> ``logs.context.json``.
    A context file is never its own history's sidecar.
    """
    p = Path(history)
    name = p.name
    if not name or name.lower().endswith(SIDECAR_SUFFIX):
        return None
    stem = name
    lower = stem.lower()
    if not p.is_dir():
        for suffix in _COMPRESSION_SUFFIXES:
            if lower.endswith(suffix):
                stem, lower = stem[: -len(suffix)], lower[: -len(suffix)]
                break
        for suffix in _DATA_SUFFIXES:
            if lower.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
    candidate = p.with_name(stem + SIDECAR_SUFFIX)
    try:
        if candidate.is_file() and not candidate.samefile(p):
            return candidate
    except OSError:
        return None
    return None


# -- merging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContextFragment:
    """Context facts from one source.

    Attributes:
        source: one of :data:`SOURCES`.
        values: context keys in the recorder's shape.
        origin: the file or run it came from (for the report), or None.
        notes: things the source noticed (e.g. a layer whose parameters were not counted).
    """

    source: str
    values: Mapping[str, Any]
    origin: str | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown context source {self.source!r}; one of {SOURCES}")


def fragment(
    source: str,
    values: Mapping[str, Any],
    origin: str | None = None,
    notes: Iterable[str] = (),
) -> ContextFragment:
    """Shorthand for :class:`ContextFragment`."""
    return ContextFragment(source, dict(values), origin, tuple(notes))


@dataclass(frozen=True)
class MergedContext:
    """The merged context and where each key came from.

    Attributes:
        context: the context object (history format) to diagnose with.
        provenance: top-level key -> source (one of :data:`SOURCES`).
        origins: source -> the file or run it came from, for sources that had one.
        notes: the sources' notes, each prefixed with its source.
    """

    context: dict[str, Any]
    provenance: dict[str, str]
    origins: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def sources_used(self) -> list[str]:
        """Sources that contributed at least one key, weakest first."""
        used = set(self.provenance.values())
        return [s for s in SOURCES if s in used]

    def describe(self) -> dict[str, Any]:
        """JSON form for a report: provenance by key, origins, notes."""
        return {
            "provenance": dict(self.provenance),
            "origins": dict(self.origins),
            "notes": list(self.notes),
        }


def merge_context(fragments: Iterable[ContextFragment]) -> MergedContext:
    """Layer context fragments by :data:`SOURCES` precedence; say which key came from where.

    A stronger source replaces a key of a weaker one as a whole (``optimizer`` given as
    ``sgd`` drops the recorded Adam's config). A value of None never replaces anything.
    Two fragments from one source merge in the order given.
    """
    ordered = sorted(fragments, key=lambda f: SOURCES.index(f.source))
    context: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    origins: dict[str, str] = {}
    notes: list[str] = []
    for frag in ordered:
        for key, value in frag.values.items():
            if value is None:
                continue
            context[key] = value
            provenance[key] = frag.source
        if frag.origin and frag.values:
            origins.setdefault(frag.source, frag.origin)
        notes.extend(f"{frag.source}: {n}" for n in frag.notes)
    return MergedContext(context, provenance, origins, tuple(notes))
