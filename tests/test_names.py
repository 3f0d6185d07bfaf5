"""curvedoc.names: validation prefixes, Keras 2 aliases, which way is better."""

from __future__ import annotations

import pytest

from curvedoc import names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("val_loss", (True, "loss")),
        ("validation_loss", (True, "loss")),
        ("val_acc", (True, "acc")),
        ("loss", (False, "loss")),
        ("val_", (False, "val_")),  # a prefix alone is a name, not a validation series
        ("interval_mae", (False, "interval_mae")),
        # other tools' markers: fastai, PyTorch scripts, Lightning/TensorBoard, hand-made logs
        ("valid_loss", (True, "loss")),
        ("train_loss", (False, "loss")),
        ("test_accuracy", (True, "accuracy")),
        ("Val Loss", (True, "loss")),
        ("Train Loss", (False, "loss")),
        ("val/acc", (True, "acc")),
        ("training-loss", (False, "loss")),
        ("loss_val", (True, "loss")),
        ("trainable_params", (False, "trainable_params")),  # no separator: no marker
        ("devices", (False, "devices")),
    ],
)
def test_split_validation(name: str, expected: tuple[bool, str]) -> None:
    assert names.split_validation(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acc", "accuracy"),
        ("val_acc", "accuracy"),
        ("binary_acc", "binary_accuracy"),
        ("val_sparse_categorical_acc", "sparse_categorical_accuracy"),
        ("accuracy", "accuracy"),
        ("val_my_metric", "my_metric"),
    ],
)
def test_canonical_resolves_keras2_aliases(name: str, expected: str) -> None:
    assert names.canonical(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # lower is better
        ("loss", "lower"),
        ("val_loss", "lower"),
        ("output_1_loss", "lower"),
        ("mse", "lower"),
        ("val_mae", "lower"),
        ("mean_squared_error", "lower"),
        ("root_mean_squared_error", "lower"),
        ("rmse", "lower"),
        ("mape", "lower"),
        ("sparse_categorical_crossentropy", "lower"),
        ("kl_divergence", "lower"),
        # higher is better
        ("accuracy", "higher"),
        ("acc", "higher"),
        ("val_acc", "higher"),
        ("Accuracy", "higher"),
        ("binary_accuracy", "higher"),
        ("top_k_categorical_accuracy", "higher"),
        ("auc", "higher"),
        ("val_auc_1", "higher"),
        ("precision", "higher"),
        ("val_precision_2", "higher"),
        ("recall", "higher"),
        ("f1_score", "higher"),
        ("r2_score", "higher"),
        ("mean_iou", "higher"),
        # anything else is stated as unknown, never guessed
        ("my_metric", "unknown"),
        ("val_custom_thing", "unknown"),
        ("score", "unknown"),
        ("", "unknown"),
        ("<script>alert(1)</script>", "unknown"),
    ],
)
def test_direction(name: str, expected: str) -> None:
    assert names.direction(name) == expected


@pytest.mark.parametrize("name", ["lr", "learning_rate", "LR", "lr-Adam", "lr-SGD-1"])
def test_learning_rate_names(name: str) -> None:
    assert names.is_learning_rate(name)


@pytest.mark.parametrize("name", ["loss", "val_lr", "clr_loss", "accuracy"])
def test_not_learning_rate(name: str) -> None:
    assert not names.is_learning_rate(name)


def test_loss_like_and_squared_error() -> None:
    assert names.is_loss_like("loss") and names.is_loss_like("val_decoder_loss")
    assert not names.is_loss_like("mae") and not names.is_loss_like("lossy_metric")
    assert names.is_squared_error("val_mse") and names.is_squared_error("mean_squared_error")
    assert names.is_squared_error("decoder_mse")
    assert not names.is_squared_error("mae") and not names.is_squared_error("loss")


@pytest.mark.parametrize("name", ["∑ loss", "a|b`c`", "[bold red]x", "val_\n", "\x00", "x" * 500])
def test_no_name_is_rejected(name: str) -> None:
    """Metric names are data: every function answers for any string."""
    names.split_validation(name)
    names.canonical(name)
    assert names.direction(name) in {"lower", "higher", "unknown"}
    names.is_learning_rate(name)
    names.is_loss_like(name)
    names.is_squared_error(name)


def test_a_second_validation_series_of_one_metric_keeps_its_own_name() -> None:
    import numpy as np

    from curvedoc.history import History, SourceInfo

    n = 3
    h = History(
        epochs=np.arange(n),
        epoch_series={k: np.ones(n) for k in ("loss", "test_loss", "val_loss")},
        source=SourceInfo(path="h.csv", format="csv"),
    )
    pairs = {p.name: (p.train, p.val) for p in h.pairs()}
    # val_ is preferred over test_, whatever the column order
    assert pairs["loss"] == ("loss", "val_loss")
    assert pairs["test_loss"] == (None, "test_loss")


def test_names_pair_whatever_their_case() -> None:
    import numpy as np

    from curvedoc.history import History, SourceInfo

    h = History(
        epochs=np.arange(3),
        epoch_series={k: np.ones(3) for k in ("Loss", "Val_Loss", "MAE")},
        source=SourceInfo(path="h.csv", format="csv"),
    )
    pairs = {p.name: (p.train, p.val) for p in h.pairs()}
    # the original names are kept; the pair of two spellings is named in lower case
    assert pairs == {"loss": ("Loss", "Val_Loss"), "mae": ("MAE", None)}


def _pairs(keys: tuple[str, ...]) -> dict[str, tuple[str | None, str | None]]:
    import numpy as np

    from curvedoc.history import History, SourceInfo

    h = History(
        epochs=np.arange(3),
        epoch_series={k: np.ones(3) for k in keys},
        source=SourceInfo(path="h.csv", format="csv"),
    )
    return {p.name: (p.train, p.val) for p in h.pairs()}


def test_keras_names_win_a_side_and_nothing_is_dropped() -> None:
    # the Keras name claims the pair; the other candidate is a pair of its own
    assert _pairs(("train_loss", "loss", "val_loss")) == {
        "loss": ("loss", "val_loss"),
        "train_loss": ("train_loss", None),
    }
    assert _pairs(("loss", "Loss/val", "val_loss")) == {
        "loss": ("loss", "val_loss"),
        "Loss/val": (None, "Loss/val"),
    }
    # Keras 2 aliases pair whatever the case
    assert _pairs(("Acc", "Val Acc")) == {"accuracy": ("Acc", "Val Acc")}


@pytest.mark.parametrize(
    "name", ["eval_runtime", "frac_valid", "n_test", "is_valid", "loss_std_dev", "kl_val"]
)
def test_words_that_are_not_a_split_of_a_known_metric_are_names(name: str) -> None:
    assert names.split_validation(name) == (False, name)
