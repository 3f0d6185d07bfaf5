"""Context facts from a saved Keras model file, read without TensorFlow or Keras.

Two formats are read, chosen by content rather than by the file name:

* a ``.keras`` archive (Keras 3): a zip holding ``config.json`` (the model's
  ``get_config()`` with each layer's ``build_config`` and the ``compile_config``),
  ``metadata.json`` (``keras_version``) and ``model.weights.h5``. Only the two JSON
  members are read, from memory, each bounded by :data:`MAX_CONFIG_BYTES` (the member's
  declared size is checked first and the read is capped, so a zip bomb cannot inflate);
  nothing is extracted to disk.
* a legacy HDF5 ``.h5`` file (``model.save("m.h5")``, Keras 2 or Keras 3): the model
  config is the JSON string in the root attribute ``model_config`` and the compile
  settings in ``training_config``. This needs ``h5py`` (the ``h5`` extra), imported only
  when such a file is read.

From the config alone it derives the facts :func:`curvedoc.context.read_context` uses:
the optimizer and its learning rate, the loss, a layer summary in the form
:class:`curvedoc.keras.CurveRecorder` writes, and the total parameter count, found by
propagating shapes from the inputs through the layers (see :func:`count_params`).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curvedoc.context_input import OPTIMIZERS, ContextFragment, fragment
from curvedoc.errors import LoadError, MissingExtraError

__all__ = [
    "MAX_CONFIG_BYTES",
    "LayerCount",
    "ModelFacts",
    "ModelFileError",
    "ParamCount",
    "count_params",
    "facts_from_config",
    "read_model_file",
    "schedule_initial",
    "supported_layers",
]

MAX_CONFIG_BYTES = 64 * 1024**2
"""A model config larger than this (uncompressed) is refused; real ones are kilobytes."""

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")

Shape = tuple[int | None, ...]
"""A tensor shape without its batch dimension; None where the size is not fixed."""


class ModelFileError(LoadError):
    """A file is not a readable Keras model (corrupt, truncated, not a model); one line."""


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerCount:
    """Parameters of one layer, as counted from its config.

    Attributes:
        name: the layer's name.
        cls: its class name.
        total: all its weights (``layer.count_params()``), None when unknown.
        trainable: the trainable part, None when unknown.
    """

    name: str
    cls: str
    total: int | None
    trainable: int | None


@dataclass(frozen=True)
class ParamCount:
    """Parameter count of a model, from its config.

    Attributes:
        total: ``model.count_params()``: every weight, non-trainable ones (batch-norm
            moving statistics, a Normalization layer's mean and variance, frozen layers)
            included; None when any layer could not be counted.
        trainable: the trainable part, None when unknown.
        layers: one entry per counted layer, nested models flattened.
        notes: why a count is unknown (one sentence per layer that could not be counted).
    """

    total: int | None
    trainable: int | None
    layers: tuple[LayerCount, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelFacts:
    """What a saved model says about its training setup.

    Attributes:
        path: the file read.
        format: ``keras`` (Keras 3 zip archive) or ``h5`` (legacy HDF5).
        keras_version: the version that saved it, when recorded.
        context: a context fragment in the history format (``optimizer``,
            ``learning_rate``, ``lr_schedule``, ``loss``, ``params``, ``layers``; a key is
            absent when the file does not say).
        params: the parameter count with per-layer detail.
        notes: things the report should mention (uncounted layers, no compile config).
    """

    path: str
    format: str
    keras_version: str | None
    context: dict[str, Any]
    params: ParamCount
    notes: tuple[str, ...] = field(default_factory=tuple)

    def fragment(self) -> ContextFragment:
        """The facts as a ``model`` context fragment for :func:`merge_context`."""
        return fragment("model", self.context, origin=self.path, notes=self.notes)


# -- reading the files -------------------------------------------------------------------


def read_model_file(path: str | os.PathLike[str]) -> ModelFacts:
    """Read a ``.keras`` archive or a legacy ``.h5`` model into :class:`ModelFacts`.

    Raises :class:`ModelFileError` for a file that is missing, unreadable, corrupt,
    truncated or not a Keras model, and :class:`~curvedoc.errors.MissingExtraError` for an
    HDF5 file when ``h5py`` is not installed.
    """
    p = Path(path)
    where = str(path)
    if p.is_dir():
        if (p / "saved_model.pb").exists():
            raise ModelFileError(
                where, "is a TensorFlow SavedModel directory; save a .keras or .h5 file instead"
            )
        raise ModelFileError(where, "is a directory, not a .keras or .h5 model file")
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ModelFileError(where, f"cannot be read ({exc.strerror or exc})") from None
    if head.startswith(ZIP_SIGNATURES):
        config, metadata = _read_keras_archive(p)
        fmt = "keras"
        compile_config = config.get("compile_config")
        version = metadata.get("keras_version")
    elif head == HDF5_SIGNATURE or _hdf5_at_offset(p):
        config, compile_config, version = _read_h5(p)
        fmt = "h5"
    else:
        raise ModelFileError(where, "is not a Keras model (neither a .keras zip nor an HDF5 file)")
    if not isinstance(config, Mapping) or not isinstance(config.get("class_name"), str):
        raise ModelFileError(where, "holds no Keras model config")
    compiled = compile_config if isinstance(compile_config, Mapping) else None
    context, params, notes = facts_from_config(config, compiled)
    return ModelFacts(
        path=where,
        format=fmt,
        keras_version=str(version) if version else None,
        context=context,
        params=params,
        notes=notes,
    )


def _hdf5_at_offset(p: Path) -> bool:
    """HDF5 allows a user block: the signature may sit at 512, 1024, 2048, ... bytes."""
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            offset = 512
            while offset + 8 <= min(size, 1 << 20):
                fh.seek(offset)
                if fh.read(8) == HDF5_SIGNATURE:
                    return True
                offset *= 2
    except OSError:
        return False
    return False


def _read_member(zf: zipfile.ZipFile, name: str, where: str) -> bytes:
    """Read one archive member into memory, refusing more than MAX_CONFIG_BYTES."""
    info = zf.getinfo(name)
    if info.file_size > MAX_CONFIG_BYTES:
        raise ModelFileError(
            where, f"its {name} declares {info.file_size / 1e6:.0f} MB, more than curvedoc reads"
        )
    with zf.open(info) as fh:
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ModelFileError(where, f"its {name} inflates past {MAX_CONFIG_BYTES / 1e6:.0f} MB")
    return data


def _read_keras_archive(p: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    where = str(p)
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                raise ModelFileError(
                    where, "is a zip archive without config.json, not a .keras model"
                )
            raw = _read_member(zf, "config.json", where)
            meta_raw = _read_member(zf, "metadata.json", where) if "metadata.json" in names else b""
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise ModelFileError(where, f"is a corrupt or truncated .keras archive ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unsupported compression, encryption
        raise ModelFileError(where, f"is a .keras archive curvedoc cannot read ({exc})") from None
    except OSError as exc:
        raise ModelFileError(where, f"cannot be read ({exc.strerror or exc})") from None
    config = _json_object(raw, where, "config.json")
    metadata: dict[str, Any] = {}
    if meta_raw:
        try:
            loaded = json.loads(meta_raw)
        except ValueError:
            loaded = None
        metadata = loaded if isinstance(loaded, dict) else {}
    return config, metadata


def _json_object(raw: bytes | str, where: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ModelFileError(where, f"its {what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ModelFileError(where, f"its {what} is not a JSON object")
    return data


def _read_h5(p: Path) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    where = str(p)
    try:
        import h5py
    except ImportError:
        raise MissingExtraError("h5py", "h5", "reading a .h5 model") from None
    try:
        with h5py.File(p, "r") as fh:
            attrs = fh.attrs
            raw = attrs.get("model_config")
            if raw is None and "model_weights" not in fh and "layer_names" in attrs:
                raise ModelFileError(where, "holds weights only (save_weights), no model config")
            if raw is None:
                raise ModelFileError(where, "is an HDF5 file without a Keras model_config")
            training = attrs.get("training_config")
            version = attrs.get("keras_version")
            raw_text = _attr_text(raw, where)
            training_text = _attr_text(training, where) if training is not None else None
            version_text = _attr_text(version, where) if version is not None else None
    except (ModelFileError, MissingExtraError):
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(where, f"is a corrupt or unreadable HDF5 file ({first})") from None
    config = _json_object(raw_text, where, "model_config")
    compile_config = (
        _json_object(training_text, where, "training_config") if training_text else None
    )
    if compile_config is not None and "optimizer_config" in compile_config:
        compile_config = {**compile_config, "optimizer": compile_config["optimizer_config"]}
    return config, compile_config, version_text


def _attr_text(value: Any, where: str) -> str:
    if isinstance(value, bytes):
        size = len(value)
        text = value.decode("utf-8", errors="replace")
    else:
        text = str(value)
        size = len(text)
    if size > MAX_CONFIG_BYTES:
        raise ModelFileError(
            where, f"its model config is larger than {MAX_CONFIG_BYTES / 1e6:.0f} MB"
        )
    return text


# -- compile facts -----------------------------------------------------------------------


def schedule_initial(schedule: Mapping[str, Any]) -> float | None:
    """The first learning rate of a serialised ``LearningRateSchedule``.

    ``initial_learning_rate`` for the decay schedules (exponential, inverse-time,
    polynomial, cosine, cosine with restarts), the first of ``values`` for
    ``PiecewiseConstantDecay``.
    """
    cfg = schedule.get("config")
    if not isinstance(cfg, Mapping):
        return None
    for key in ("initial_learning_rate", "learning_rate"):
        if key in cfg:
            return _float(cfg[key])
    values = cfg.get("values")
    if isinstance(values, Sequence) and values:
        return _float(values[0])
    return None


def _float(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _optimizer_facts(opt: Any) -> dict[str, Any]:
    """``optimizer``, ``learning_rate`` and ``lr_schedule`` from a serialised optimizer."""
    if isinstance(opt, str):
        name = OPTIMIZERS.get(opt.lower(), opt)
        return {"optimizer": {"class": name}}
    if not isinstance(opt, Mapping):
        return {}
    cfg = opt.get("config") if isinstance(opt.get("config"), Mapping) else {}
    cls = str(opt.get("class_name") or "")
    if cls.rsplit(">", 1)[-1] == "LossScaleOptimizer" and isinstance(
        cfg.get("inner_optimizer"), Mapping
    ):
        return _optimizer_facts(cfg["inner_optimizer"])
    short = cls.rsplit(">", 1)[-1]  # "Custom>Adam" (tf.keras 2.11+ legacy files)
    name = OPTIMIZERS.get(short.lower(), short) or None
    out: dict[str, Any] = {}
    if name:
        out["optimizer"] = {"class": name, "config": dict(cfg)}
    lr_raw = cfg.get("learning_rate", cfg.get("lr"))
    if isinstance(lr_raw, Mapping):
        lr = schedule_initial(lr_raw)
        out["lr_schedule"] = str(lr_raw.get("class_name") or "schedule")
    else:
        lr = _float(lr_raw)
    if lr is not None and lr > 0:
        out["learning_rate"] = lr
    return out


def _loss_name(loss: Any) -> str | None:
    """The compiled loss as the recorder writes it: its name, or the class of a Loss object."""
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    if isinstance(loss, Mapping):
        cls = loss.get("class_name")
        if cls == "function" and isinstance(loss.get("config"), str):
            return str(loss["config"])
        if isinstance(cls, str):
            return cls
        names = [_loss_name(v) for v in loss.values()]  # one loss per output
        return ", ".join(n for n in names if n) or None
    if isinstance(loss, Sequence):
        names = [_loss_name(v) for v in loss]
        return ", ".join(n for n in names if n) or None
    return None


# -- the layer summary -------------------------------------------------------------------

_LAYER_KEYS = ("units", "filters", "dropout", "recurrent_dropout", "rate", "return_sequences")
_REGULARIZER_KEYS = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
)
WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})


def _config_name(value: Any) -> str | None:
    """``"relu"``, ``"L2(l2=0.01)"``: a short name for a serialised Keras object.

    The same rule as the recorder's, so a layer summary read from a file matches one
    recorded during training.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        name = value.get("class_name", "?")
        config = value.get("config")
        if isinstance(config, Mapping) and config:
            args = ", ".join(f"{k}={v}" for k, v in config.items() if k != "name")
            return f"{name}({args})"
        return str(name)
    return str(value)


def _describe_layer(layer: Mapping[str, Any], params: int | None) -> dict[str, Any]:
    cfg = _cfg(layer)
    info: dict[str, Any] = {
        "name": str(cfg.get("name") or layer.get("name") or ""),
        "class": _cls(layer),
    }
    if params is not None:
        info["params"] = params
    source = cfg
    inner = cfg.get("layer")
    if _cls(layer) in WRAPPERS and isinstance(inner, Mapping):
        info["wraps"] = _cls(inner)
        source = _cfg(inner)
    for key in _LAYER_KEYS:
        value = source.get(key)
        if key in source and isinstance(value, (int, float, bool)):
            info[key] = value
    if "activation" in source:
        info["activation"] = _config_name(source["activation"])
    for key in _REGULARIZER_KEYS:
        if key in source:
            info[key] = _config_name(source[key])
    return info


# -- parameter counting ------------------------------------------------------------------


def facts_from_config(
    model_config: Mapping[str, Any], compile_config: Mapping[str, Any] | None
) -> tuple[dict[str, Any], ParamCount, tuple[str, ...]]:
    """Context fragment, parameter count and notes from a model config and compile config.

    ``compile_config`` is the ``.keras`` archive's ``compile_config`` or the ``.h5`` file's
    ``training_config`` (with ``optimizer_config`` copied to ``optimizer``); None when the
    model was saved uncompiled.
    """
    counter = _Counter()
    counter.model(model_config, None)
    params = counter.result()
    context: dict[str, Any] = {}
    notes = list(counter.notes)
    if compile_config:
        context.update(_optimizer_facts(compile_config.get("optimizer")))
        loss = _loss_name(compile_config.get("loss"))
        if loss:
            context["loss"] = loss
    else:
        notes.append("the model was saved without a compile config: no optimizer or loss")
    if params.total is not None:
        context["params"] = {"total": params.total, "trainable": params.trainable}
    context["layers"] = counter.summaries
    return context, params, tuple(notes)


def count_params(model_config: Mapping[str, Any]) -> ParamCount:
    """Count a model's parameters from its config, as ``model.count_params()`` would.

    Shapes start at each ``InputLayer``'s ``batch_shape`` (Keras 3) or
    ``batch_input_shape`` (Keras 2), or a Sequential's ``build_input_shape``, and flow
    through the layers; a layer's own ``build_config`` input shape, when saved, is
    preferred to the propagated one. Functional models follow ``inbound_nodes``; a model
    used as a layer is counted recursively; a layer shared by several calls is counted
    once. The per-class rules are those of :func:`supported_layers`. A layer of any other
    class makes the total None, with a note, rather than a wrong number.
    """
    counter = _Counter()
    counter.model(model_config, None)
    return counter.result()


def _cls(layer: Mapping[str, Any]) -> str:
    return str(layer.get("class_name") or "?")


def _cfg(layer: Mapping[str, Any]) -> Mapping[str, Any]:
    cfg = layer.get("config")
    return cfg if isinstance(cfg, Mapping) else {}


def _shape_from(raw: Any) -> Shape | None:
    """A saved shape with its batch dimension (``[null, 10, 4]``) -> ``(10, 4)``."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        return None
    out: list[int | None] = []
    for d in raw[1:]:
        if d is None:
            out.append(None)
        elif isinstance(d, int) and not isinstance(d, bool) and d >= 0:
            out.append(d)
        else:
            return None
    return tuple(out)


def _shapes_from(raw: Any) -> list[Shape] | None:
    """One shape, or a list of shapes (a merge layer's build_config), without batch dims."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        return None
    if all(isinstance(x, Sequence) and not isinstance(x, str) for x in raw):
        shapes = [_shape_from(x) for x in raw]
        return None if any(s is None for s in shapes) else [s for s in shapes if s is not None]
    one = _shape_from(raw)
    return [one] if one is not None else None


def _build_shapes(layer: Mapping[str, Any]) -> list[Shape] | None:
    build = layer.get("build_config")
    if not isinstance(build, Mapping):
        return None
    if "input_shape" in build:
        return _shapes_from(build["input_shape"])
    shapes = build.get("shapes_dict")
    if isinstance(shapes, Mapping):  # MultiHeadAttention: query, value (and key)
        order = ("query_shape", "value_shape", "key_shape")
        found = [_shape_from(shapes[k]) for k in order if k in shapes]
        if found and all(s is not None for s in found):
            return [s for s in found if s is not None]
    return None


def _prod(dims: Sequence[int | None]) -> int | None:
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= d
    return n


def _tuple(value: Any, rank: int) -> tuple[int, ...] | None:
    """An int or a list of ints (``kernel_size``, ``strides``) as a tuple of length ``rank``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,) * rank
    if (
        isinstance(value, Sequence)
        and len(value) == rank
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return tuple(value)
    return None


class _Unknown(Exception):
    """A layer's parameters (or output shape) cannot be worked out from its config."""


@dataclass
class _Result:
    total: int
    non_trainable: int
    outputs: list[Shape] | None


def _conv_length(n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    """Output length of a convolution or pooling window along one axis.

    ``valid``: ``floor((n - d*(k-1) - 1) / s) + 1``; ``same`` and ``causal``:
    ``ceil(n / s)``.
    """
    if n is None:
        return None
    if padding == "valid":
        return max((n - d * (k - 1) - 1) // s + 1, 0)
    if padding in ("same", "causal"):
        return (n + s - 1) // s
    raise _Unknown(f"padding {padding!r}")


def _deconv_length(
    n: int | None, k: int, s: int, d: int, padding: str, out_pad: int | None
) -> int | None:
    """Output length of a transposed convolution along one axis (Keras' rule)."""
    if n is None:
        return None
    k = (k - 1) * d + 1
    if out_pad is None:
        if padding == "valid":
            return n * s + max(k - s, 0)
        if padding == "same":
            return n * s
        raise _Unknown(f"padding {padding!r}")
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + out_pad


def _split_channels(
    shape: Shape, rank: int, cfg: Mapping[str, Any]
) -> tuple[int | None, Shape, bool]:
    if len(shape) != rank + 1:
        raise _Unknown(f"an input of rank {len(shape)} for a {rank}-D layer")
    first = cfg.get("data_format") == "channels_first"
    if first:
        return shape[0], shape[1:], True
    return shape[-1], shape[:-1], False


def _join_channels(spatial: Sequence[int | None], channels: int | None, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


def _need(value: int | None, what: str) -> int:
    if value is None:
        raise _Unknown(f"the {what} is not fixed")
    return value


def _bias(cfg: Mapping[str, Any]) -> int:
    return 1 if cfg.get("use_bias", True) else 0


# each rule: (config, input shapes) -> _Result; raises _Unknown when it cannot tell


def _dense(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Dense: ``in*units + units`` (bias), plus ``rank*(in + units)`` with LoRA."""
    shape = ins[0]
    fan_in = _need(shape[-1] if shape else None, "input's last dimension")
    units = int(cfg["units"])
    total = fan_in * units + units * _bias(cfg)
    lora = cfg.get("lora_rank")
    if isinstance(lora, int) and lora > 0:
        total += lora * (fan_in + units)
    return _Result(total, 0, [(*shape[:-1], units)])


def _recurrent_outputs(
    cfg: Mapping[str, Any], shape: Shape, units: int, states: int
) -> list[Shape]:
    out: Shape = (shape[0], units) if cfg.get("return_sequences") else (units,)
    if cfg.get("return_state"):
        return [out] + [(units,)] * states
    return [out]


def _simple_rnn(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """SimpleRNN: ``units*(in + units) + units``."""
    shape = ins[0]
    if len(shape) != 2:
        raise _Unknown("a recurrent layer needs (timesteps, features) inputs")
    fan_in, units = _need(shape[-1], "feature count"), int(cfg["units"])
    total = units * (fan_in + units) + units * _bias(cfg)
    return _Result(total, 0, _recurrent_outputs(cfg, shape, units, 1))


def _lstm(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """LSTM: four gates, ``4*(units*(in + units) + units)``."""
    shape = ins[0]
    if len(shape) != 2:
        raise _Unknown("a recurrent layer needs (timesteps, features) inputs")
    fan_in, units = _need(shape[-1], "feature count"), int(cfg["units"])
    total = 4 * (units * (fan_in + units) + units * _bias(cfg))
    return _Result(total, 0, _recurrent_outputs(cfg, shape, units, 2))


def _gru(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """GRU: three gates, ``3*(units*(in + units)) + 3*units*b``.

    ``b`` is 2 with ``reset_after=True`` (the Keras 2.x and 3 default: separate input and
    recurrent biases) and 1 without.
    """
    shape = ins[0]
    if len(shape) != 2:
        raise _Unknown("a recurrent layer needs (timesteps, features) inputs")
    fan_in, units = _need(shape[-1], "feature count"), int(cfg["units"])
    biases = (2 if cfg.get("reset_after", True) else 1) * _bias(cfg)
    total = 3 * units * (fan_in + units) + 3 * units * biases
    return _Result(total, 0, _recurrent_outputs(cfg, shape, units, 1))


def _conv(rank: int) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """ConvND: ``prod(kernel)*(channels/groups)*filters + filters`` (bias)."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        ch = _need(channels, "channel count")
        kernel = _tuple(cfg.get("kernel_size"), rank)
        strides = _tuple(cfg.get("strides", 1), rank)
        dilation = _tuple(cfg.get("dilation_rate", 1), rank)
        groups = int(cfg.get("groups") or 1)
        if kernel is None or strides is None or dilation is None:
            raise _Unknown("kernel_size, strides or dilation_rate not understood")
        filters = int(cfg["filters"])
        total = _prod(kernel) * (ch // groups) * filters + filters * _bias(cfg)  # type: ignore[operator]
        padding = str(cfg.get("padding", "valid")).lower()
        out = [
            _conv_length(n, k, s, d, padding)
            for n, k, s, d in zip(spatial, kernel, strides, dilation, strict=True)
        ]
        return _Result(total, 0, [_join_channels(out, filters, first)])

    return rule


def _conv_transpose(rank: int) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """ConvNDTranspose: ``prod(kernel)*channels*filters + filters`` (bias)."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        ch = _need(channels, "channel count")
        kernel = _tuple(cfg.get("kernel_size"), rank)
        strides = _tuple(cfg.get("strides", 1), rank)
        dilation = _tuple(cfg.get("dilation_rate", 1), rank)
        if kernel is None or strides is None or dilation is None:
            raise _Unknown("kernel_size, strides or dilation_rate not understood")
        raw_pad = cfg.get("output_padding")
        out_pad = None if raw_pad is None else _tuple(raw_pad, rank)
        if raw_pad is not None and out_pad is None:
            raise _Unknown("output_padding not understood")
        filters = int(cfg["filters"])
        total = _prod(kernel) * ch * filters + filters * _bias(cfg)  # type: ignore[operator]
        padding = str(cfg.get("padding", "valid")).lower()
        out = [
            _deconv_length(n, k, s, d, padding, None if out_pad is None else out_pad[i])
            for i, (n, k, s, d) in enumerate(zip(spatial, kernel, strides, dilation, strict=True))
        ]
        return _Result(total, 0, [_join_channels(out, filters, first)])

    return rule


def _depthwise(rank: int, separable: bool) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """Depthwise: ``prod(kernel)*ch*m + ch*m``; separable adds ``ch*m*filters + filters``."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        ch = _need(channels, "channel count")
        kernel = _tuple(cfg.get("kernel_size"), rank)
        strides = _tuple(cfg.get("strides", 1), rank)
        dilation = _tuple(cfg.get("dilation_rate", 1), rank)
        if kernel is None or strides is None or dilation is None:
            raise _Unknown("kernel_size, strides or dilation_rate not understood")
        mult = int(cfg.get("depth_multiplier") or 1)
        depthwise = _prod(kernel) * ch * mult  # type: ignore[operator]
        if separable:
            filters = int(cfg["filters"])
            total = depthwise + ch * mult * filters + filters * _bias(cfg)
            out_ch = filters
        else:
            total = depthwise + ch * mult * _bias(cfg)
            out_ch = ch * mult
        padding = str(cfg.get("padding", "valid")).lower()
        out = [
            _conv_length(n, k, s, d, padding)
            for n, k, s, d in zip(spatial, kernel, strides, dilation, strict=True)
        ]
        return _Result(total, 0, [_join_channels(out, out_ch, first)])

    return rule


def _pool(rank: int) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """Pooling: no weights; each spatial axis shrinks by the window and stride."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        size = _tuple(cfg.get("pool_size", 2), rank)
        raw_strides = cfg.get("strides")
        strides = size if raw_strides is None else _tuple(raw_strides, rank)
        if size is None or strides is None:
            raise _Unknown("pool_size or strides not understood")
        padding = str(cfg.get("padding", "valid")).lower()
        out = [
            _conv_length(n, k, s, 1, padding)
            for n, k, s in zip(spatial, size, strides, strict=True)
        ]
        return _Result(0, 0, [_join_channels(out, channels, first)])

    return rule


def _global_pool(rank: int) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """Global pooling: no weights; ``(channels,)``, or ones on the pooled axes (keepdims)."""
        channels, _spatial, first = _split_channels(ins[0], rank, cfg)
        if cfg.get("keepdims"):
            return _Result(0, 0, [_join_channels([1] * rank, channels, first)])
        return _Result(0, 0, [(channels,)])

    return rule


def _identity(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """No weights, same shape out (dropout, noise, activations, masking, rescaling)."""
    return _Result(0, 0, [ins[0]])


def _axes(cfg: Mapping[str, Any], shape: Shape, default: Any = -1) -> list[int]:
    """Indices into the batchless shape of a layer's ``axis`` (which counts the batch axis)."""
    raw = cfg.get("axis", default)
    axes = [raw] if isinstance(raw, int) else list(raw) if isinstance(raw, Sequence) else None
    if axes is None or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise _Unknown("axis not understood")
    rank = len(shape) + 1
    out = []
    for a in axes:
        a = a + rank if a < 0 else a
        if not 1 <= a < rank:
            raise _Unknown("axis out of range")
        out.append(a - 1)
    return out


def _batch_norm(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """BatchNormalization: ``f*(center + scale)`` trainable plus ``2*f`` moving statistics."""
    shape = ins[0]
    f = _need(_prod([shape[a] for a in _axes(cfg, shape)]), "normalised axis")
    trainable = f * (int(bool(cfg.get("center", True))) + int(bool(cfg.get("scale", True))))
    return _Result(trainable + 2 * f, 2 * f, [shape])


def _layer_norm(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """LayerNormalization: ``f*(center + scale)``; ``f`` alone with ``rms_scaling``."""
    shape = ins[0]
    f = _need(_prod([shape[a] for a in _axes(cfg, shape)]), "normalised axis")
    if cfg.get("rms_scaling"):
        return _Result(f, 0, [shape])
    total = f * (int(bool(cfg.get("center", True))) + int(bool(cfg.get("scale", True))))
    return _Result(total, 0, [shape])


def _group_norm(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """GroupNormalization: ``channels*(center + scale)``."""
    shape = ins[0]
    f = _need(_prod([shape[a] for a in _axes(cfg, shape)]), "normalised axis")
    total = f * (int(bool(cfg.get("center", True))) + int(bool(cfg.get("scale", True))))
    return _Result(total, 0, [shape])


def _normalization(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Normalization: none with fixed ``mean``/``variance``; else ``2*f + 1``, not trained.

    The adapted mean and variance (one per feature along ``axis``) and a sample count.
    """
    shape = ins[0]
    if cfg.get("mean") is not None and cfg.get("variance") is not None:
        return _Result(0, 0, [shape])
    f = _need(_prod([shape[a] for a in _axes(cfg, shape)]), "normalised axis")
    return _Result(2 * f + 1, 2 * f + 1, [shape])


def _prelu(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """PReLU: one ``alpha`` per input element, shared along ``shared_axes``."""
    shape = list(ins[0])
    for a in cfg.get("shared_axes") or ():
        if isinstance(a, int) and 1 <= a <= len(shape):
            shape[a - 1] = 1
    return _Result(_need(_prod(shape), "input size"), 0, [ins[0]])


def _embedding(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Embedding: ``input_dim*output_dim``, plus ``rank*(input_dim + output_dim)`` with LoRA."""
    vocab, dim = int(cfg["input_dim"]), int(cfg["output_dim"])
    total = vocab * dim
    lora = cfg.get("lora_rank")
    if isinstance(lora, int) and lora > 0:
        total += lora * (vocab + dim)
    return _Result(total, 0, [(*ins[0], dim)])


def _flatten(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Flatten: no weights; one axis of the product of the others."""
    return _Result(0, 0, [(_prod(ins[0]),)])


def _reshape(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Reshape: no weights; ``target_shape`` with a -1 resolved from the input size."""
    target = cfg.get("target_shape")
    if not isinstance(target, Sequence) or not all(isinstance(d, int) for d in target):
        raise _Unknown("target_shape not understood")
    dims: list[int | None] = list(target)
    if -1 in dims:
        size, known = _prod(ins[0]), _prod([d for d in dims if d != -1])
        dims[dims.index(-1)] = size // known if size is not None and known else None
    return _Result(0, 0, [tuple(dims)])


def _permute(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Permute: no weights; axes reordered by ``dims`` (1-based)."""
    dims = cfg.get("dims")
    if not isinstance(dims, Sequence) or sorted(dims) != list(range(1, len(ins[0]) + 1)):
        raise _Unknown("dims not understood")
    return _Result(0, 0, [tuple(ins[0][d - 1] for d in dims)])


def _repeat_vector(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """RepeatVector: no weights; ``(n, features)``."""
    return _Result(0, 0, [(int(cfg["n"]), *ins[0])])


def _pairs(value: Any, rank: int) -> list[tuple[int, int]] | None:
    """A padding/cropping spec as one (before, after) pair per spatial axis."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [(value, value)] * rank
    if isinstance(value, Sequence) and len(value) == rank:
        out = []
        for v in value:
            if isinstance(v, int):
                out.append((v, v))
            elif isinstance(v, Sequence) and len(v) == 2 and all(isinstance(x, int) for x in v):
                out.append((v[0], v[1]))
            else:
                return None
        return out
    if rank == 1 and isinstance(value, Sequence) and len(value) == 2:
        return [(int(value[0]), int(value[1]))]
    return None


def _pad_crop(rank: int, sign: int, key: str) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """Zero padding / cropping: no weights; each spatial axis grows or shrinks."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        pairs = _pairs(cfg.get(key), rank)
        if pairs is None:
            raise _Unknown(f"{key} not understood")
        out = [
            None if n is None else n + sign * (a + b)
            for n, (a, b) in zip(spatial, pairs, strict=True)
        ]
        return _Result(0, 0, [_join_channels(out, channels, first)])

    return rule


def _upsampling(rank: int) -> Any:
    def rule(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
        """UpSampling: no weights; each spatial axis times ``size``."""
        channels, spatial, first = _split_channels(ins[0], rank, cfg)
        size = _tuple(cfg.get("size", 2), rank)
        if size is None:
            raise _Unknown("size not understood")
        out = [None if n is None else n * k for n, k in zip(spatial, size, strict=True)]
        return _Result(0, 0, [_join_channels(out, channels, first)])

    return rule


def _merge(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Add, Subtract, Multiply, Average, Maximum, Minimum: no weights; the inputs' shape."""
    best = max(ins, key=lambda s: (len(s), sum(d is not None for d in s)))
    return _Result(0, 0, [best])


def _concatenate(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Concatenate: no weights; the sizes along ``axis`` add up."""
    axis = _axes(cfg, ins[0])[0]
    size: int | None = 0
    for s in ins:
        size = None if size is None or s[axis] is None else size + s[axis]  # type: ignore[operator]
    out = list(ins[0])
    out[axis] = size
    return _Result(0, 0, [tuple(out)])


def _mha(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """MultiHeadAttention: four projections with ``num_heads`` heads.

    query ``q*H*k + H*k``, key ``kd*H*k + H*k``, value ``v*H*vd + H*vd``, output
    ``H*vd*o + o`` (biases with ``use_bias``), where ``q``, ``v``, ``kd`` are the last
    dimensions of query, value and key (key defaults to value) and ``o`` that of the
    query unless ``output_shape`` says otherwise.
    """
    if cfg.get("use_gate"):
        raise _Unknown("gated attention")
    query = ins[0]
    value = ins[1] if len(ins) > 1 else ins[0]
    key = ins[2] if len(ins) > 2 else value
    heads, kdim = int(cfg["num_heads"]), int(cfg["key_dim"])
    vdim = int(cfg.get("value_dim") or kdim)
    q, v, k = (_need(s[-1], "attention input size") for s in (query, value, key))
    b = _bias(cfg)
    out_shape = cfg.get("output_shape")
    if out_shape is None:
        out_dims: tuple[int, ...] = (q,)
    elif isinstance(out_shape, int):
        out_dims = (out_shape,)
    elif isinstance(out_shape, Sequence) and all(isinstance(d, int) for d in out_shape):
        out_dims = tuple(out_shape)
    else:
        raise _Unknown("output_shape not understood")
    o = math.prod(out_dims)
    total = (q + k) * heads * kdim + 2 * heads * kdim * b
    total += v * heads * vdim + heads * vdim * b
    total += heads * vdim * o + o * b
    return _Result(total, 0, [(*query[:-1], *out_dims)])


def _dot_attention(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """Attention (Luong-style dot product): at most two scalar weights.

    A ``scale`` with ``use_scale``, a ``concat_score_weight`` with ``score_mode="concat"``;
    the output has the query's steps and the value's last dimension (value defaults to the
    query).
    """
    total = int(bool(cfg.get("use_scale"))) + int(cfg.get("score_mode") == "concat")
    query = ins[0]
    value = ins[1] if len(ins) > 1 else ins[0]
    return _Result(total, 0, [(*query[:-1], value[-1])])


def _additive_attention(cfg: Mapping[str, Any], ins: list[Shape]) -> _Result:
    """AdditiveAttention (Bahdanau-style): one weight per query feature, or none.

    With ``use_scale`` (the default) a ``scale`` weight per feature of the query's last
    dimension; the output as :func:`_dot_attention`.
    """
    query = ins[0]
    value = ins[1] if len(ins) > 1 else ins[0]
    dim = _need(query[-1], "attention input size")
    total = dim if cfg.get("use_scale", True) else 0
    return _Result(total, 0, [(*query[:-1], value[-1])])


_RULES: dict[str, Any] = {
    "Dense": _dense,
    "SimpleRNN": _simple_rnn,
    "LSTM": _lstm,
    "GRU": _gru,
    "Embedding": _embedding,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "GroupNormalization": _group_norm,
    "Normalization": _normalization,
    "PReLU": _prelu,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "RepeatVector": _repeat_vector,
    "Concatenate": _concatenate,
    "MultiHeadAttention": _mha,
    "Attention": _dot_attention,
    "AdditiveAttention": _additive_attention,
}
for _rank in (1, 2, 3):
    _RULES[f"Conv{_rank}D"] = _conv(_rank)
    _RULES[f"Conv{_rank}DTranspose"] = _conv_transpose(_rank)
    _RULES[f"MaxPooling{_rank}D"] = _pool(_rank)
    _RULES[f"AveragePooling{_rank}D"] = _pool(_rank)
    _RULES[f"GlobalMaxPooling{_rank}D"] = _global_pool(_rank)
    _RULES[f"GlobalAveragePooling{_rank}D"] = _global_pool(_rank)
    _RULES[f"ZeroPadding{_rank}D"] = _pad_crop(_rank, 1, "padding")
    _RULES[f"Cropping{_rank}D"] = _pad_crop(_rank, -1, "cropping")
    _RULES[f"UpSampling{_rank}D"] = _upsampling(_rank)
    _RULES[f"SpatialDropout{_rank}D"] = _identity
for _rank in (1, 2):
    _RULES[f"DepthwiseConv{_rank}D"] = _depthwise(_rank, separable=False)
    _RULES[f"SeparableConv{_rank}D"] = _depthwise(_rank, separable=True)
for _name in (
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "ThresholdedReLU",
    "Masking",
    "ActivityRegularization",
    "Identity",
    "Rescaling",
    "UnitNormalization",
):
    _RULES[_name] = _identity
for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    _RULES[_name] = _merge


def supported_layers() -> list[str]:
    """Layer classes whose parameters (and output shape) are counted from the config.

    Also ``Bidirectional`` and ``TimeDistributed`` around any of these, nested
    ``Sequential`` and functional models, and ``InputLayer``.
    """
    return sorted([*_RULES, "Bidirectional", "TimeDistributed", "InputLayer", *MODEL_CLASSES])


class _Counter:
    """Walks a model config, counting parameters and writing the layer summary."""

    def __init__(self) -> None:
        self.total = 0
        self.trainable = 0
        self.unknown = False
        self.counts: list[LayerCount] = []
        self.summaries: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def result(self) -> ParamCount:
        """The count so far (totals None when any layer was not counted)."""
        return ParamCount(
            total=None if self.unknown else self.total,
            trainable=None if self.unknown else self.trainable,
            layers=tuple(self.counts),
            notes=tuple(self.notes),
        )

    # a model ------------------------------------------------------------------------

    def model(self, config: Mapping[str, Any], inputs: list[Shape] | None) -> list[Shape] | None:
        """Count a Sequential or functional model; return its output shapes if known."""
        cfg = _cfg(config)
        layers = cfg.get("layers")
        if not isinstance(layers, Sequence) or isinstance(layers, str):
            self._unknown(_cls(config), str(cfg.get("name") or "model"), "it lists no layers")
            return None
        frozen = cfg.get("trainable") is False
        if _cls(config) == "Sequential" or not any(
            isinstance(layer, Mapping) and layer.get("inbound_nodes") for layer in layers
        ):
            return self._sequential(config, layers, inputs, frozen)
        return self._functional(config, layers, inputs, frozen)

    def _sequential(
        self,
        config: Mapping[str, Any],
        layers: Sequence[Any],
        inputs: list[Shape] | None,
        frozen: bool,
    ) -> list[Shape] | None:
        cfg = _cfg(config)
        current: list[Shape] | None = inputs
        for raw in (
            cfg.get("build_input_shape"),
            (config.get("build_config") or {}).get("input_shape"),
        ):
            if current is None:
                current = _shapes_from(raw)
        for layer in layers:
            if not isinstance(layer, Mapping):
                continue
            lcfg = _cfg(layer)
            if _cls(layer) == "InputLayer":
                current = self._input_shape(layer) or current
                continue
            for key in ("batch_input_shape", "batch_shape"):  # Keras 2: on the first layer
                if key in lcfg and current is None:
                    current = _shapes_from(lcfg[key])
            current = self.layer(layer, current, frozen)
        return current

    def _functional(
        self,
        config: Mapping[str, Any],
        layers: Sequence[Any],
        inputs: list[Shape] | None,
        frozen: bool,
    ) -> list[Shape] | None:
        cfg = _cfg(config)
        tensors: dict[tuple[str, int, int], Shape] = {}
        input_names = [ref[0] for ref in _refs(cfg.get("input_layers"))]
        for layer in layers:
            if not isinstance(layer, Mapping):
                continue
            name = str(layer.get("name") or _cfg(layer).get("name") or "")
            if _cls(layer) == "InputLayer":
                shape = None
                if inputs is not None and name in input_names:
                    i = input_names.index(name)
                    shape = inputs[i] if i < len(inputs) else None
                shapes = [shape] if shape is not None else self._input_shape(layer)
                if shapes:
                    tensors[(name, 0, 0)] = shapes[0]
                # a functional model's ``layers`` lists its inputs (a Sequential's does not)
                self.counts.append(LayerCount(name, "InputLayer", 0, 0))
                self.summaries.append({"name": name, "class": "InputLayer", "params": 0})
                continue
            nodes = layer.get("inbound_nodes") or []
            counted = False
            for node_index, node in enumerate(nodes):
                node_inputs = _node_shapes(node, tensors)
                if not counted:
                    outputs = self.layer(layer, node_inputs, frozen)
                    counted = True
                else:
                    outputs = self._outputs_only(layer, node_inputs)
                for t, shape in enumerate(outputs or ()):
                    tensors[(name, node_index, t)] = shape
            if not counted:  # a layer that was never called: count it unbuilt
                self.layer(layer, None, frozen)
        outs = [tensors.get(ref) for ref in _refs(cfg.get("output_layers"))]
        return None if any(s is None for s in outs) else [s for s in outs if s is not None]

    @staticmethod
    def _input_shape(layer: Mapping[str, Any]) -> list[Shape] | None:
        cfg = _cfg(layer)
        for key in ("batch_shape", "batch_input_shape"):
            if key in cfg:
                return _shapes_from(cfg[key])
        if isinstance(cfg.get("shape"), Sequence):
            return [tuple(cfg["shape"])]
        return None

    # a layer ------------------------------------------------------------------------

    def layer(
        self, layer: Mapping[str, Any], inputs: list[Shape] | None, frozen: bool
    ) -> list[Shape] | None:
        """Count one layer (recursing into models); record it; return its output shapes."""
        cls = _cls(layer)
        cfg = _cfg(layer)
        frozen = frozen or cfg.get("trainable") is False
        if cls in MODEL_CLASSES:
            shapes = inputs or _build_shapes(layer)
            return self.model(layer, shapes)
        name = str(cfg.get("name") or layer.get("name") or cls)
        shapes = _build_shapes(layer) or inputs
        try:
            if shapes is None:
                raise _Unknown("its input shape is not known")
            result = self._compute(layer, shapes)
        except _Unknown as exc:
            self._unknown(cls, name, str(exc))
            self.summaries.append(_describe_layer(layer, None))
            return None
        except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
            self._unknown(cls, name, f"its config was not understood ({type(exc).__name__})")
            self.summaries.append(_describe_layer(layer, None))
            return None
        trainable = 0 if frozen else result.total - result.non_trainable
        self.total += result.total
        self.trainable += trainable
        self.counts.append(LayerCount(name, cls, result.total, trainable))
        self.summaries.append(_describe_layer(layer, result.total))
        return result.outputs

    def _compute(self, layer: Mapping[str, Any], shapes: list[Shape]) -> _Result:
        cls = _cls(layer)
        cfg = _cfg(layer)
        if cls == "Bidirectional":
            return self._bidirectional(cfg, shapes)
        if cls == "TimeDistributed":
            inner = cfg.get("layer")
            if not isinstance(inner, Mapping) or not shapes[0]:
                raise _Unknown("the wrapped layer is not understood")
            steps = shapes[0][0]
            res = self._compute(inner, [shapes[0][1:]])
            outs = None if res.outputs is None else [(steps, *s) for s in res.outputs]
            return _Result(res.total, res.non_trainable, outs)
        rule = _RULES.get(cls)
        if rule is None:
            raise _Unknown("curvedoc does not know this layer class")
        result: _Result = rule(cfg, shapes)
        return result

    def _bidirectional(self, cfg: Mapping[str, Any], shapes: list[Shape]) -> _Result:
        """Bidirectional: the forward and backward layers' parameters added.

        Output: ``concat`` joins the two last axes, ``sum``/``mul``/``ave`` keep one,
        ``None`` returns both.
        """
        inner = cfg.get("layer")
        if not isinstance(inner, Mapping):
            raise _Unknown("the wrapped layer is not understood")
        back = cfg.get("backward_layer")
        fwd = self._compute(inner, shapes)
        bwd = self._compute(back, shapes) if isinstance(back, Mapping) else fwd
        if _cfg(inner).get("return_state"):
            raise _Unknown("return_state inside Bidirectional")
        mode = cfg.get("merge_mode", "concat")
        outputs: list[Shape] | None = None
        if fwd.outputs and bwd.outputs:
            f, b = fwd.outputs[0], bwd.outputs[0]
            if mode == "concat":
                last = None if f[-1] is None or b[-1] is None else f[-1] + b[-1]
                outputs = [(*f[:-1], last)]
            elif mode is None:
                outputs = [f, b]
            else:
                outputs = [f]
        return _Result(fwd.total + bwd.total, fwd.non_trainable + bwd.non_trainable, outputs)

    def _outputs_only(
        self, layer: Mapping[str, Any], inputs: list[Shape] | None
    ) -> list[Shape] | None:
        """Output shapes of a shared layer's later call (its weights are already counted)."""
        if inputs is None:
            return None
        if _cls(layer) in MODEL_CLASSES:
            probe = _Counter()
            return probe.model(layer, inputs)
        try:
            return self._compute(layer, inputs).outputs
        except (_Unknown, KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
            return None

    def _unknown(self, cls: str, name: str, why: str) -> None:
        self.unknown = True
        self.counts.append(LayerCount(name, cls, None, None))
        self.notes.append(
            f"layer {name!r} ({cls}): parameters not counted, {why}; the total is unknown"
        )


def _refs(raw: Any) -> list[tuple[str, int, int]]:
    """``[["a", 0, 0], ...]`` or a single ``["a", 0, 0]`` (input_layers, output_layers)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        return []
    if isinstance(raw[0], str):
        raw = [raw]
    out = []
    for ref in raw:
        if isinstance(ref, Sequence) and len(ref) >= 3 and isinstance(ref[0], str):
            out.append((ref[0], int(ref[1]), int(ref[2])))
    return out


def _node_shapes(node: Any, tensors: Mapping[tuple[str, int, int], Shape]) -> list[Shape] | None:
    """Input shapes of one call of a layer (one ``inbound_nodes`` entry).

    Keras 3 writes ``{"args": [...], "kwargs": {...}}`` with each tensor as a
    ``__keras_tensor__`` object holding its shape and ``keras_history``; Keras 2 writes a
    list of ``[layer, node, tensor, kwargs]``. Shapes come from the tensor itself when
    saved, else from the producing layer's output.
    """
    found: list[Shape | None] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, Mapping):
            if obj.get("class_name") == "__keras_tensor__":
                tcfg = _cfg(obj)
                shape = _shape_from(tcfg.get("shape"))
                if shape is None:
                    history = tcfg.get("keras_history")
                    if isinstance(history, Sequence) and len(history) == 3:
                        shape = tensors.get((str(history[0]), int(history[1]), int(history[2])))
                found.append(shape)
                return
            for v in obj.values():
                walk(v)
        elif isinstance(obj, Sequence) and not isinstance(obj, str):
            for v in obj:
                walk(v)

    if isinstance(node, Mapping):
        walk(node.get("args"))
        walk(node.get("kwargs"))
    elif isinstance(node, Sequence):  # Keras 2: [["dense", 0, 0, {}], ...]
        for ref in node:
            if isinstance(ref, Sequence) and len(ref) >= 3 and isinstance(ref[0], str):
                found.append(tensors.get((ref[0], int(ref[1]), int(ref[2]))))
    if not found or any(s is None for s in found):
        return None
    return [s for s in found if s is not None]
