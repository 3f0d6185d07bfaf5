"""Source ``json-lines``: a JSON object per line, as Keras' LambdaCallback example writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import Probe, detect
from curvedoc.loaders.json_lines import SOURCE

Writer = Callable[[str, "str | bytes | object"], Path]


def lines(*records: dict[str, object]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_records_one_per_line_become_epoch_series(write: Writer) -> None:
    text = lines(
        {"epoch": 0, "loss": 1.0, "val_loss": 1.2},
        {"epoch": 1, "loss": 0.5, "val_loss": 0.7},
        {"epoch": 2, "loss": 0.25, "val_loss": None},
    )
    h = curvedoc.load(write("loss_log.json", text))
    assert h.source.format == "json-lines"
    assert h.epochs.tolist() == [0, 1, 2]
    assert h.epoch_series["loss"].tolist() == [1.0, 0.5, 0.25]
    np.testing.assert_array_equal(h.epoch_series["val_loss"], [1.2, 0.7, np.nan])


def test_recognised_from_the_head_and_never_mistaken_for_a_json_document(write: Writer) -> None:
    assert detect(Probe(str(write("a.json", lines({"loss": 1}, {"loss": 0.5}))))) is SOURCE
    for other in (
        json.dumps({"loss": [1, 0.5]}) + "\n",  # one document on one line
        json.dumps({"loss": [1, 0.5], "val_loss": [1, 0.6]}, indent=2),  # pretty-printed
        [{"loss": 1}, {"loss": 0.5}],  # records as one JSON list
        "epoch,loss\n0,1\n",
    ):
        assert detect(Probe(str(write("b.json", other)))) is not SOURCE


def test_a_last_line_cut_short_is_left_out_with_a_note(write: Writer) -> None:
    text = lines({"loss": 1.0}, {"loss": 0.5}) + '{"loss": 0.2'  # the run is still writing
    h = curvedoc.load(write("live.json", text))
    assert h.epoch_series["loss"].tolist() == [1.0, 0.5]
    assert any("last line (3) is incomplete" in n for n in h.source.notes)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (lines({"loss": 1.0}, {"loss": 0.5}) + "{oops}\n", "line 3 is not a JSON object"),
        (lines({"loss": 1.0}, {"loss": 0.5}) + "[1, 2]\n", "line 3 holds a list, not an object"),
        # two history.history dumps appended to one file: not records, the old error
        (
            json.dumps({"loss": [1]}) + "\n" + json.dumps({"loss": [2]}) + "\n",
            "is not valid JSON",
        ),
    ],
)
def test_lines_that_are_not_records_get_one_line_errors(
    text: str, problem: str, write: Writer
) -> None:
    with pytest.raises(LoadError, match=problem.replace("(", r"\(")):
        curvedoc.load(write("bad.json", text))


@pytest.mark.keras
@pytest.mark.slow
def test_the_log_of_kerass_own_lambdacallback_example(tmp_path: Path) -> None:
    """The LambdaCallback example of Keras' documentation, in a real fit, read as written."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    path = tmp_path / "loss_log.json"
    json_log = open(path, mode="w", buffering=1)  # noqa: SIM115  (as in the example)
    json_logging_callback = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: json_log.write(
            json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\n"
        ),
        on_train_end=lambda logs: json_log.close(),
    )
    fit = model.fit(x, y, epochs=5, verbose=0, callbacks=[json_logging_callback])
    h = curvedoc.load(path)
    assert h.source.format == "json-lines"
    assert h.epochs.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(h.epoch_series["loss"], fit.history["loss"], rtol=1e-6)
