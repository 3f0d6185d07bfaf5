"""The source registry: one declared order, one place that detects, docs that stay true.

Every source is checked against real inputs of its own (committed fixtures or tiny files
written here): detection picks it, and what it loads carries one of the formats its
documented forms declare. Per-source behaviour is tested in ``tests/test_<module>.py``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, fixture

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import SOURCES, ColumnOptions, Probe, detect, get_source
from curvedoc.loaders.docgen import DOC_PATH, END, sources_table, update
from curvedoc.loaders.source import Form, Source

Writer = Callable[[str, object], Path]

# every source, with inputs it must be the one to read
SAMPLES: dict[str, list[str]] = {
    "tensorboard": ["tensorboard/keras_waveforms_batch", "tensorboard/torch_sine"],
    "folder": ["lightning/sine_lstm", "tensorboard/lightning_sine"],
    "curvedoc": ["healthy_lstm_sine.curvedoc.json"],
    "keras-json": ["healthy_lstm_sine.json"],
    "lightning": ["lightning/sine_lstm/version_0/metrics.csv"],
    "csv-logger": ["healthy_lstm_sine.csv", "resumed_append.csv"],
}


def test_the_docs_list_every_source_as_the_registry_declares_it() -> None:
    current = DOC_PATH.read_text(encoding="utf-8")
    assert current == update(current), (
        "docs/inputs.md is stale: run python -m curvedoc.loaders.docgen"
    )
    for source in SOURCES:
        assert f"`{source.name}`" in current.split(END)[0]


def test_names_are_unique_kebab_case_and_every_source_documents_its_forms() -> None:
    names = [s.name for s in SOURCES]
    assert len(set(names)) == len(names)
    for source in SOURCES:
        assert source.name == source.name.lower() and " " not in source.name
        assert source.forms and all(isinstance(f, Form) for f in source.forms)
        assert get_source(source.name) is source
    with pytest.raises(KeyError, match="no source 'nope'"):
        get_source("nope")


def test_uri_sources_come_before_anything_that_touches_the_file_system() -> None:
    kinds = [s.kind for s in SOURCES]
    assert kinds == sorted(kinds, key=lambda k: k != "uri")


def test_every_source_is_one_module_with_its_own_test_file() -> None:
    for source in SOURCES:
        module = importlib.import_module(source.load.__module__)
        assert module.SOURCE is source
        assert source.sniff.__module__ == module.__name__
        short = module.__name__.rsplit(".", 1)[-1]
        assert (ROOT / "tests" / f"test_{short}.py").exists(), f"tests/test_{short}.py"


@pytest.mark.parametrize(
    ("name", "sample"), [(n, s) for n, samples in SAMPLES.items() for s in samples]
)
def test_each_source_is_detected_on_its_inputs_and_loads_its_declared_formats(
    name: str, sample: str
) -> None:
    path = fixture(sample)
    source = detect(Probe(str(path)))
    assert source.name == name
    history = curvedoc.load(path)
    if source.formats:
        assert history.source.format in source.formats
    else:  # a container: the run inside reports its own format
        assert history.source.format in {f for s in SOURCES for f in s.formats}


def test_column_options_pick_the_columns_source_for_files_only() -> None:
    options = ColumnOptions(train_col="loss")
    assert detect(Probe(str(fixture("healthy_lstm_sine.csv")), options)).name == "columns"
    assert detect(Probe(str(fixture("healthy_lstm_sine.json")), options)).name == "columns"
    probe = Probe(str(fixture("tensorboard/torch_sine")), options)
    assert detect(probe).name == "tensorboard"  # which then refuses the options
    with pytest.raises(LoadError, match="is a TensorBoard log"):
        curvedoc.load(probe.location, train_col="loss")


def test_detection_stops_at_the_first_step_that_fails(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such file or directory"):
        detect(Probe(str(tmp_path / "missing.json")))
    (tmp_path / "empty.csv").write_text("  \n")
    with pytest.raises(LoadError, match="is empty"):
        detect(Probe(str(tmp_path / "empty.csv")))


def test_sniffing_answers_from_the_head_before_any_full_parse(write: Writer) -> None:
    """A CSV file is never parsed as JSON, and JSON is never parsed as a table."""
    csv_probe = Probe(str(write("h.csv", "epoch,loss\n0,1\n1,0.5\n")))
    assert detect(csv_probe).name == "csv-logger"
    assert "json" not in csv_probe.__dict__
    json_probe = Probe(str(write("h.json", {"loss": [1, 0.5]})))
    assert detect(json_probe).name == "keras-json"
    assert "table" not in json_probe.__dict__


def test_a_uri_is_a_location_not_a_file() -> None:
    assert Probe("runs:/0a1b2c").scheme == "runs"
    assert Probe("s3://bucket/run.json").scheme == "s3"
    assert Probe("C:/runs/h.json").scheme is None  # a Windows drive letter
    assert Probe("runs/h.json").scheme is None
    assert detect(Probe("runs:/0a1b2c")).name == "mlflow"  # from the location alone
    with pytest.raises(LoadError, match="no such file or directory"):
        curvedoc.load("s3://bucket/run.json")  # no source reads s3:// URIs


def test_a_new_source_plugs_in_with_its_sniff_and_load(
    monkeypatch: pytest.MonkeyPatch, write: Writer
) -> None:
    """What docs/contributing.md describes: a module's SOURCE, placed in the order."""
    from curvedoc.history import History, SourceInfo
    from curvedoc.loaders import registry

    def sniff(probe: Probe) -> bool:
        return probe.scheme == "demo"

    def load(probe: Probe) -> History:
        data = json.loads(Path(probe.location.removeprefix("demo:/")).read_text())
        import numpy as np

        return History(
            epochs=np.arange(len(data["loss"])),
            epoch_series={"loss": np.array(data["loss"], dtype=float)},
            source=SourceInfo(path=probe.location, format="demo"),
        )

    demo = Source("demo", "uri", sniff, load, (Form("a demo run", "`demo:/PATH`", "x", "demo"),))
    monkeypatch.setattr(registry, "SOURCES", (demo, *registry.SOURCES))
    path = write("d.json", {"loss": [1, 0.5, 0.25]})
    history = curvedoc.load(f"demo:/{path}")
    assert history.source.format == "demo" and history.n_epochs == 3
    assert "| `demo` |" in sources_table(registry.SOURCES)  # and in the generated docs
