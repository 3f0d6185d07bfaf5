"""Metric-name knowledge: train/validation pairing, Keras 2 aliases, better-direction.

Metric names are data (users invent them), so nothing here rejects a name: unknown
names are kept and their direction is reported as ``"unknown"``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

Direction = Literal["lower", "higher", "unknown"]

_NAME_CACHE = 4096
"""Names remembered by the pure name functions below: every run of a folder asks about the
same few names dozens of times; a file with millions of columns still keeps only this many."""

VAL_PREFIXES: tuple[str, ...] = ("val_", "validation_")
"""Prefixes that mark a validation series (Keras writes ``val_``)."""

LR_NAMES: frozenset[str] = frozenset({"lr", "learning_rate", "learning-rate", "lr-adam", "lr-sgd"})
"""Series names that carry the learning rate rather than a model metric."""

KERAS2_ALIASES: dict[str, str] = {
    "acc": "accuracy",
    "binary_acc": "binary_accuracy",
    "categorical_acc": "categorical_accuracy",
    "sparse_categorical_acc": "sparse_categorical_accuracy",
}
"""Keras 2 short names understood as their Keras 3 equivalents (originals are kept)."""

_LOWER_PATTERNS = re.compile(
    r"(^|_)(loss|mse|mae|mape|msle|rmse|mean_squared_error|mean_absolute_error|"
    r"mean_absolute_percentage_error|mean_squared_logarithmic_error|root_mean_squared_error|"
    r"crossentropy|hinge|squared_hinge|kld|kl_divergence|kullback_leibler_divergence|"
    r"logcosh|log_cosh|huber|poisson|cosine_proximity|error|err|perplexity|nll|"
    r"false_positives|false_negatives|wer|cer|distance)(_|$|\d)"
)
_HIGHER_PATTERNS = re.compile(
    r"(^|_)(acc|accuracy|auc|precision|recall|f1|f1_score|fbeta_score|r2|r2_score|"
    r"iou|mean_iou|io_u|dice|true_positives|true_negatives|top_k_categorical_accuracy|"
    r"sensitivity|specificity|cosine_similarity|bleu|rouge|map|ndcg|psnr|ssim)(_|$|\d)"
)


VAL_MARKERS: tuple[str, ...] = ("val", "valid", "validation", "eval", "evaluation", "dev", "test")
"""Words that mark a validation series in other tools' logs, most preferred first: fastai
writes ``valid_loss``, PyTorch scripts ``val_loss`` or ``test_loss``, Lightning and
TensorBoard ``val/loss``, hand-written loggers ``Val Loss`` or ``loss_val``. When a log has
two of them for one metric, the first in this order is the validation twin and the other
keeps its own name."""
TRAIN_MARKERS: tuple[str, ...] = ("train", "training", "trn")
"""Words that mark a training series (``train_loss``, ``Train Loss``, ``training/loss``);
Keras writes none."""
_SEPARATORS = re.compile(r"[\s/.\-]+")
_SUFFIX_MARKERS = ("val", "valid", "validation", "test", "train", "training")
"""Markers also read after the metric (``loss_val``, ``Loss/train``); ``dev``, ``eval`` and
``trn`` only before it (``loss_std_dev`` is no validation series)."""
_MARKED = re.compile(
    r"^(?P<pre>" + "|".join(VAL_MARKERS + TRAIN_MARKERS) + r")_(?P<base>.+)$"
    r"|^(?P<base2>.+)_(?P<post>" + "|".join(_SUFFIX_MARKERS) + r")$"
)


@lru_cache(maxsize=_NAME_CACHE)
def split_validation(name: str) -> tuple[bool, str]:
    """Return ``(is_validation, base_name)`` for a series name.

    Keras' ``val_`` prefix is kept as it is (``val_loss`` pairs with ``loss``). Other
    tools' markers are read too, before or after the metric, with ``_``, ``/``, ``-``,
    ``.`` or a space between (case ignored); a marked name's base is then lower case with
    ``_`` separators, so ``Train Loss`` and ``Val Loss`` pair as ``loss``. A name with no
    marker is returned unchanged.

    >>> split_validation("val_loss")
    (True, 'loss')
    >>> split_validation("accuracy")
    (False, 'accuracy')
    >>> split_validation("valid_loss"), split_validation("train_loss")
    ((True, 'loss'), (False, 'loss'))
    >>> split_validation("Val Loss"), split_validation("val/acc"), split_validation("loss_val")
    ((True, 'loss'), (True, 'acc'), (True, 'loss'))
    """
    prefix = _keras_prefix(name)
    if prefix is not None:
        return True, name[len(prefix) :]
    marked = _marker(name)
    if marked is not None:
        return marked[0] in VAL_MARKERS, marked[1]
    return False, name


def _keras_prefix(name: str) -> str | None:
    """The validation prefix Keras writes (``val_``, ``validation_``) a name starts with."""
    return next((p for p in VAL_PREFIXES if name.startswith(p) and len(name) > len(p)), None)


def validation_rank(name: str) -> int:
    """How preferred a validation series' name is (0 best; ``2 * len(VAL_MARKERS)``: none).

    Keras' own ``val_`` first; for one marker, Keras' spelling before another tool's
    (``val_loss`` before ``Loss/val``).

    >>> validation_rank("val_loss"), validation_rank("Loss/val"), validation_rank("test_loss")
    (0, 1, 13)
    """
    prefix = _keras_prefix(name)
    if prefix is not None:
        return 2 * VAL_MARKERS.index(prefix.rstrip("_"))
    marked = _marker(name)
    if marked is not None and marked[0] in VAL_MARKERS:
        return 2 * VAL_MARKERS.index(marked[0]) + 1
    return 2 * len(VAL_MARKERS)


@lru_cache(maxsize=_NAME_CACHE)
def _marker(name: str) -> tuple[str, str] | None:
    """``(marker, base)`` of a name marked as training or validation, else None.

    Only when the base is a metric whose better direction is known (``loss``, ``acc``,
    ``mae``...): ``eval_runtime``, ``frac_valid`` or ``n_test`` are names, not a split.
    """
    if len(name) > 200:
        return None
    flat = _SEPARATORS.sub("_", name.strip().lower()).strip("_")
    m = _MARKED.match(flat)
    if m is None:
        return None
    marker, base = (
        (m.group("pre"), m.group("base")) if m.group("pre") else (m.group("post"), m.group("base2"))
    )
    if direction(base) == "unknown":
        return None
    return marker, base


def pair_base(name: str) -> str:
    """The key a train/validation pair is matched by: the base, lower case, aliases resolved.

    >>> pair_base("Val Acc"), pair_base("acc"), pair_base("Loss")
    ('accuracy', 'accuracy', 'loss')
    """
    _, base = split_validation(name)
    low = base.lower()
    return KERAS2_ALIASES.get(low, low)


def train_rank(name: str) -> int:
    """How preferred a training series' name is: 0 as Keras names it, 1 when marked.

    ``loss`` claims the pair before ``train_loss`` when a log has both.
    """
    return 0 if _marker(name) is None else 1


def canonical(name: str) -> str:
    """Canonical base name of a metric: validation prefix removed, Keras 2 aliases resolved.

    >>> canonical("val_acc")
    'accuracy'
    >>> canonical("my_metric")
    'my_metric'
    """
    _, base = split_validation(name)
    return KERAS2_ALIASES.get(base, base)


@lru_cache(maxsize=_NAME_CACHE)
def is_learning_rate(name: str) -> bool:
    """Whether a series name is a learning-rate log rather than a model metric.

    >>> is_learning_rate("learning_rate"), is_learning_rate("loss")
    (True, False)
    >>> is_learning_rate("train/lr"), is_learning_rate("Learning Rate"), is_learning_rate("lr_0")
    (True, True, True)
    """
    low = name.lower()
    if low in LR_NAMES or low.startswith("lr-"):
        return True
    flat = _SEPARATORS.sub("_", low.strip()).strip("_")
    for marker in TRAIN_MARKERS:  # train/lr, Train LR
        if flat.startswith(marker + "_"):
            flat = flat[len(marker) + 1 :]
    return flat in {"lr", "learning_rate"} or flat.startswith(("lr_", "learning_rate_"))


@lru_cache(maxsize=_NAME_CACHE)
def direction(name: str) -> Direction:
    """Whether lower or higher values of the metric are better, or ``"unknown"``.

    Known names follow Keras' metric and loss names (and common abbreviations);
    anything else is ``"unknown"``, never guessed.

    >>> direction("val_loss"), direction("acc"), direction("auc_1"), direction("my_metric")
    ('lower', 'higher', 'higher', 'unknown')
    """
    base = canonical(name).lower()
    if base == "loss" or base.endswith("_loss") or base.startswith("loss_"):
        return "lower"
    # a pattern that names a quantity to be maximised wins over the error-like words
    # inside it (e.g. "binary_accuracy" contains no error word; "mean_iou" neither)
    if _HIGHER_PATTERNS.search(base):
        return "higher"
    if _LOWER_PATTERNS.search(base):
        return "lower"
    return "unknown"


def is_loss_like(name: str) -> bool:
    """Whether the series is the training objective (``loss`` or ``*_loss``).

    >>> is_loss_like("val_loss"), is_loss_like("mae")
    (True, False)
    """
    base = canonical(name).lower()
    return base == "loss" or base.endswith("_loss")


def is_squared_error(name: str) -> bool:
    """Whether the metric is a squared error (its magnitude says something about target scale).

    >>> is_squared_error("mean_squared_error"), is_squared_error("mse"), is_squared_error("mae")
    (True, True, False)
    """
    base = canonical(name).lower()
    return base in {"mse", "mean_squared_error", "msle"} or base.endswith("_mse")
