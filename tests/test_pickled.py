"""Source ``keras-pickle``: ``pickle.dump(history.history)`` and ``np.save``, data only."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

import curvedoc
from curvedoc.errors import LoadError

RUN = DATA.parent.parent / "fixtures" / "corpus2" / "runs" / "activity__lstm__lr_x30__s1.json.gz"


def _history() -> dict[str, list[float]]:
    """A real run's ``history.history``: what ``model.fit`` returned, as Python floats."""
    h = curvedoc.load(RUN)
    return {k: [float(x) for x in v] for k, v in h.epoch_series.items() if k != "learning_rate"}


@pytest.mark.parametrize("how", ["pickle", "pickle2", "numpy_values", "np_save"])
def test_a_pickled_history_reads_as_its_json_dump(tmp_path: Path, how: str) -> None:
    hist = _history()
    path = tmp_path / ("history.npy" if how == "np_save" else "history.pkl")
    if how == "pickle":
        path.write_bytes(pickle.dumps(hist))
    elif how == "pickle2":
        path.write_bytes(pickle.dumps(hist, protocol=2))
    elif how == "numpy_values":  # Keras 3 logs numpy floats when a metric returns them
        path.write_bytes(pickle.dumps({k: np.array(v, np.float32) for k, v in hist.items()}))
    else:
        np.save(path, hist)
    h = curvedoc.load(path)
    assert h.source.format == "keras-pickle"
    assert set(h.epoch_series) == set(hist)
    for k, v in hist.items():
        np.testing.assert_allclose(h.epoch_series[k], v, rtol=1e-6)
    report = curvedoc.diagnose(h)
    assert not report.healthy  # Adam 30x too high: it is not reported healthy


class _Code:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this ran",))


def test_a_pickle_never_runs_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"loss": [1.0, 0.5], "x": _Code()}))
    with pytest.raises(LoadError, match=r"builtins\.print object"):
        curvedoc.load(path)
    assert "this ran" not in capsys.readouterr().out


def test_other_pickles_and_arrays_get_one_line(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pkl"
    cut.write_bytes(pickle.dumps(_history())[:40])
    with pytest.raises(LoadError, match="not a readable pickle"):
        curvedoc.load(cut)
    arr = tmp_path / "loss.npy"
    np.save(arr, np.array(_history()["loss"]))
    with pytest.raises(LoadError, match="array of numbers"):
        curvedoc.load(arr)
