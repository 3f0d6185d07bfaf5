"""curvedoc.load: every shape the foundation issue names, read into one History.

The real-run fixtures come in three forms from one ``fit`` call (``NAME.json`` =
``json.dump(history.history)``, ``NAME.csv`` = CSVLogger, ``NAME.curvedoc.json`` =
CurveRecorder), so the strongest check is that all three load to the same numbers.
Hand-made inputs cover what a real run cannot produce on demand (BOMs, gzip, duplicate
keys, odd epoch columns).
"""

from __future__ import annotations

import codecs
import gzip
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, fixture, fixture_files

import curvedoc
from curvedoc.history import History, MetricPair

Writer = Callable[[str, "str | bytes | object"], Path]

TWO_FORMS = {"resumed_append"}
"""Runs of two ``fit`` calls appended to one CSVLogger: a CSV and a recorder file, no JSON."""

RUNS = sorted(
    {p.name.split(".")[0] for p in fixture_files("*.csv") if p.parent == FIXTURES}
    | {p.name.split(".")[0] for p in fixture_files("*.json") if p.parent == FIXTURES}
)
"""Every real run at the top of fixtures/, whichever of its files are still there."""

PAIRS = [name for name in RUNS if name not in TWO_FORMS]
"""The runs saved in all three forms (Keras JSON, CSVLogger, curvedoc's file)."""


def _three_forms(name: str) -> None:
    for ext in (".json", ".csv", ".curvedoc.json"):
        fixture(name + ext)


def test_every_real_run_fixture_comes_in_all_its_forms() -> None:
    """A deleted JSON, CSV or recorder file fails here instead of shrinking the tests below."""
    assert len(PAIRS) >= 10
    for name in PAIRS:
        _three_forms(name)
    for name in TWO_FORMS:
        for ext in (".csv", ".curvedoc.json"):
            fixture(name + ext)


def test_a_missing_committed_fixture_fails_the_test_instead_of_skipping_it() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"fixtures/no_such_run\.json is missing"):
        fixture("no_such_run.json")


def _series_equal(a: History, b: History, keys: list[str]) -> None:
    for k in keys:
        np.testing.assert_array_equal(a.epoch_series[k], b.epoch_series[k], err_msg=k)


def _keras_json(name: str) -> dict[str, list[float | None]]:
    data: dict[str, list[float | None]] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


# -- real runs: Keras JSON, CSVLogger and curvedoc's own file agree ------------------------------


@pytest.mark.parametrize("name", PAIRS)
def test_the_three_forms_of_one_run_load_to_the_same_series(name: str) -> None:
    raw = _keras_json(name)
    js = curvedoc.load(FIXTURES / f"{name}.json")
    cs = curvedoc.load(FIXTURES / f"{name}.csv")
    cd = curvedoc.load(FIXTURES / f"{name}.curvedoc.json")
    assert (js.source.format, cs.source.format, cd.source.format) == (
        "keras-json",
        "csv-logger",
        "curvedoc",
    )
    # the JSON keys, in file order, are the series; CSVLogger sorts its columns
    assert list(js.epoch_series) == list(raw)
    assert list(cs.epoch_series) == sorted(raw)
    n = len(raw["loss"])
    for h in (js, cs, cd):
        assert h.epochs.tolist() == list(range(n))
    _series_equal(js, cs, list(raw))
    _series_equal(js, cd, list(raw))
    np.testing.assert_array_equal(js.epoch_series["loss"], np.array(raw["loss"], dtype=float))


@pytest.mark.parametrize("name", PAIRS)
def test_curvedoc_files_carry_batches_context_and_learning_rate(name: str) -> None:
    h = curvedoc.load(FIXTURES / f"{name}.curvedoc.json")
    doc = json.loads((FIXTURES / f"{name}.curvedoc.json").read_text())
    assert h.n_batches == len(doc["batch"]["series"]["loss"]) > 0
    # the batch segments cover every batch, one segment per recorded epoch
    counts = np.bincount(h.batch_epoch_index(), minlength=h.n_epochs)
    assert counts.tolist() == doc["batch"]["counts"]
    assert h.batch_epochs.tolist() == doc["batch"]["epochs"]
    # every context key is passed on unchanged (docs/history-format.md)
    for key, value in doc["context"].items():
        assert h.context[key] == value
    lr = h.learning_rate()
    assert lr is not None and np.all(lr > 0)
    assert "learning_rate" not in [p.name for p in h.pairs()]


def test_validation_every_k_epochs_lines_up_in_every_form() -> None:
    name = "val_every3_lstm"
    _three_forms(name)
    raw = _keras_json(name)
    assert len(raw["val_loss"]) * 3 == len(raw["loss"])  # validation_freq=3
    forms = [
        curvedoc.load(FIXTURES / f"{name}{ext}") for ext in (".json", ".csv", ".curvedoc.json")
    ]
    expected = np.full(len(raw["loss"]), np.nan)
    expected[2::3] = raw["val_loss"]  # Keras validates after epochs 3, 6, ... (1-based)
    for h in forms:
        np.testing.assert_array_equal(h.epoch_series["val_loss"], expected)
    assert any("every 3 epochs" in note for note in forms[0].source.notes)


def test_classification_fixture_pairs_accuracy_and_loss() -> None:
    name = "healthy_gru_classify"
    _three_forms(name)
    h = curvedoc.load(FIXTURES / f"{name}.csv")
    assert MetricPair("accuracy", "accuracy", "val_accuracy", "higher") in h.pairs()
    assert MetricPair("loss", "loss", "val_loss", "lower") in h.pairs()
    primary = h.primary_pair()
    assert primary is not None and primary.name == "loss"


def test_keras2_names_are_understood_as_accuracy_and_kept(write: Writer) -> None:
    name = "healthy_gru_classify"
    _three_forms(name)
    text = (FIXTURES / f"{name}.csv").read_text()
    header, body = text.split("\n", 1)
    keras2 = header.replace("val_accuracy", "val_acc").replace("accuracy", "acc")
    h = curvedoc.load(write("keras2.csv", keras2 + "\n" + body))
    assert list(h.epoch_series) == ["acc", "loss", "val_acc", "val_loss"]  # originals kept
    assert MetricPair("accuracy", "acc", "val_acc", "higher") in h.pairs()
    ref = curvedoc.load(FIXTURES / f"{name}.csv")
    np.testing.assert_array_equal(h.epoch_series["val_acc"], ref.epoch_series["val_accuracy"])


@pytest.mark.parametrize(
    ("stored_as", "transform"),
    [
        ("history.csv", lambda b: b),  # JSON named .csv
        ("history.txt", lambda b: b),
        ("history", lambda b: b),
        ("history.dat", gzip.compress),  # gzip without a .gz suffix
        ("history.json.gz", gzip.compress),
        ("history.json", lambda b: codecs.BOM_UTF8 + b),
        ("history.json", lambda b: codecs.BOM_UTF16_LE + b.decode().encode("utf-16-le")),
        ("history.json", lambda b: codecs.BOM_UTF16_BE + b.decode().encode("utf-16-be")),
        ("history.json", lambda b: b.decode().encode("utf-16-le")),  # no BOM
        ("history.json", lambda b: codecs.BOM_UTF32_LE + b.decode().encode("utf-32-le")),
        ("history.json", lambda b: b.replace(b", ", b",\r\n  ")),  # CRLF, indentation
    ],
)
def test_json_is_recognised_by_content(
    stored_as: str, transform: Callable[[bytes], bytes], write: Writer
) -> None:
    name = PAIRS[0]
    original = (FIXTURES / f"{name}.json").read_bytes()
    h = curvedoc.load(write(stored_as, transform(original)))
    assert h.source.format == "keras-json"
    _series_equal(h, curvedoc.load(FIXTURES / f"{name}.json"), list(_keras_json(name)))


@pytest.mark.parametrize(
    ("stored_as", "transform"),
    [
        ("log.txt", lambda b: b),  # CSV named .txt
        ("log.json", lambda b: b),  # CSV named .json
        ("log.csv.gz", gzip.compress),
        ("log.csv", lambda b: codecs.BOM_UTF8 + b),
        ("log.csv", lambda b: codecs.BOM_UTF16_LE + b.decode().encode("utf-16-le")),
        ("log.csv", lambda b: b.replace(b"\n", b"\r\n")),
        ("log.tsv", lambda b: b.replace(b",", b"\t")),
        ("log.csv", lambda b: b.replace(b",", b";")),
    ],
)
def test_csv_is_recognised_by_content(
    stored_as: str, transform: Callable[[bytes], bytes], write: Writer
) -> None:
    name = PAIRS[0]
    original = (FIXTURES / f"{name}.csv").read_bytes()
    h = curvedoc.load(write(stored_as, transform(original)))
    assert h.source.format == "csv-logger"
    ref = curvedoc.load(FIXTURES / f"{name}.csv")
    _series_equal(h, ref, list(ref.epoch_series))


@pytest.mark.parametrize("path", fixture_files("*.json.gz")[:3])
def test_gzipped_corpus_runs_load(path: Path) -> None:
    h = curvedoc.load(path)
    assert h.n_epochs > 0 and "loss" in h.epoch_series


# -- hand-made shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("loss", "lower"),
        ("mse", "lower"),
        ("mae", "lower"),
        ("accuracy", "higher"),
        ("auc", "higher"),
        ("precision", "higher"),
        ("recall", "higher"),
        ("my_custom_score", "unknown"),
    ],
)
def test_pair_detection_and_direction(metric: str, direction: str, write: Writer) -> None:
    h = curvedoc.load(write("h.json", {metric: [0.5, 0.6, 0.7], f"val_{metric}": [0.4, 0.5, 0.6]}))
    assert h.pairs() == [MetricPair(metric, metric, f"val_{metric}", direction)]  # type: ignore[arg-type]


def test_missing_and_non_finite_values(write: Writer) -> None:
    text = (
        '{"loss": [1.0, null, NaN, Infinity, -Infinity, "NaN", "Infinity", "NA", "", 0.5],'
        ' "val_loss": [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]}'
    )
    y = curvedoc.load(write("h.json", text)).epoch_series["loss"]
    assert y[0] == 1.0 and y[-1] == 0.5
    assert np.isnan(y[[1, 2, 5, 7, 8]]).all()
    assert y[3] == y[6] == math.inf and y[4] == -math.inf


def test_negative_losses_constant_curves_and_a_single_epoch(write: Writer) -> None:
    neg = curvedoc.load(write("neg.json", {"loss": [-1.0, -2.0, -3.5], "val_loss": [-1, -1, -1]}))
    assert neg.epoch_series["loss"].tolist() == [-1.0, -2.0, -3.5]
    const = curvedoc.load(write("const.csv", "epoch,loss\n0,0.3\n1,0.3\n2,0.3\n"))
    assert const.epoch_series["loss"].tolist() == [0.3, 0.3, 0.3]
    one = curvedoc.load(write("one.json", {"loss": [0.7], "val_loss": [0.8]}))
    assert one.n_epochs == 1 and one.epochs.tolist() == [0]


def test_duplicate_keys_keep_the_last_value_and_say_so(write: Writer) -> None:
    h = curvedoc.load(write("dup.json", '{"loss": [9, 9], "loss": [1, 0.5], "val_loss": [1, 1]}'))
    assert h.epoch_series["loss"].tolist() == [1.0, 0.5]
    assert any("'loss' appears more than once" in n for n in h.source.notes)


def test_epoch_columns_that_are_not_epoch_numbers_fall_back_to_row_order(write: Writer) -> None:
    # fractional epochs (as some trainers log) and absurd values are not epoch numbers
    h = curvedoc.load(write("frac.csv", "epoch,loss\n0.5,1\n1.0,0.8\n1.5,0.6\n"))
    assert h.epochs.tolist() == [0, 1, 2] and h.epoch_series["loss"].tolist() == [1, 0.8, 0.6]
    assert any("whole epoch numbers" in n for n in h.source.notes)
    h = curvedoc.load(write("huge.json", {"epoch": [0, 1e30, 2], "loss": [1, 2, 3]}))
    assert h.epochs.tolist() == [0, 1, 2]


def test_validation_every_k_epochs_from_a_csv_and_a_json(write: Writer) -> None:
    js = curvedoc.load(write("h.json", {"loss": list(range(10, 0, -1)), "val_loss": [7, 4, 1]}))
    np.testing.assert_array_equal(
        js.epoch_series["val_loss"],
        [np.nan, np.nan, 7, np.nan, np.nan, 4, np.nan, np.nan, 1, np.nan],
    )
    rows = "".join(f"{e},{10 - e},{'NA' if e % 3 != 2 else 9 - e}\n" for e in range(10))
    cs = curvedoc.load(write("h.csv", "epoch,loss,val_loss\n" + rows))
    np.testing.assert_array_equal(js.epoch_series["val_loss"], cs.epoch_series["val_loss"])


def test_a_lone_surrogate_in_a_name_is_replaced(write: Writer) -> None:
    h = curvedoc.load(write("s.json", '{"loss\\ud800": [1, 2], "val_\\udfff": [1, 2]}'))
    assert list(h.epoch_series) == ["loss\ufffd", "val_\ufffd"]
    "".join(h.epoch_series).encode("utf-8")  # printable in any UTF-8 output


def test_paths_are_accepted_as_str_and_pathlike(write: Writer) -> None:
    p = write("h.json", {"loss": [1, 2]})
    assert curvedoc.load(str(p)).source.path == str(p)
    assert curvedoc.load(p).source.path == str(p)
