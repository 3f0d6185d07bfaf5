"""Metric-name knowledge: train/validation pairing, Keras 2 aliases, better-direction.

Metric names are data (users invent them), so nothing here rejects a name: unknown
names are kept and their direction is reported as ``"unknown"``.
"""

from __future__ import annotations

import re
from typing import Literal

Direction = Literal["lower", "higher", "unknown"]

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


def split_validation(name: str) -> tuple[bool, str]:
    """Return ``(is_validation, base_name)`` for a series name.

    >>> split_validation("val_loss")
    (True, 'loss')
    >>> split_validation("accuracy")
    (False, 'accuracy')
    """
    for prefix in VAL_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return True, name[len(prefix) :]
    return False, name


def canonical(name: str) -> str:
    """Canonical base name of a metric: validation prefix removed, Keras 2 aliases resolved.

    >>> canonical("val_acc")
    'accuracy'
    >>> canonical("my_metric")
    'my_metric'
    """
    _, base = split_validation(name)
    return KERAS2_ALIASES.get(base, base)


def is_learning_rate(name: str) -> bool:
    """Whether a series name is a learning-rate log rather than a model metric.

    >>> is_learning_rate("learning_rate"), is_learning_rate("loss")
    (True, False)
    """
    return name.lower() in LR_NAMES or name.lower().startswith("lr-")


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
