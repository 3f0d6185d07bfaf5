"""Every example of the context docs runs: ``docs/inputs.md`` ("Context: facts the curves
cannot show"), ``docs/user-guide.md`` ("I only have a CSV and I know my settings") and the
README's ``--context`` / ``--model`` usage lines.

Each section runs top to bottom in a fresh directory holding what its prose names:
``training.csv`` (the shipped ``fixtures/lr_high_lstm.csv``), ``before.csv`` /
``after.csv``, ``model.keras`` and ``model.h5`` (that run's model, built and saved with
Keras here), and an MLflow SQLite store ``mlflow.db`` with the experiment ``lstm-sweep``
(``$RUN_ID`` is one of its runs). A block preceded by ``<!-- file: NAME -->`` is written
to NAME; a ``bash`` block runs line by line (``export`` and ``curvedoc`` commands; each
must exit 0); a ``python`` block is executed; a ``text`` block must match the output of
the example before it (``...`` elides; box drawing and line wrapping are ignored).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, CliResult, fixture

Cli = Callable[..., CliResult]

SECTIONS = {
    "inputs": (ROOT / "docs" / "inputs.md", "## Context: facts the curves cannot show"),
    "user-guide": (ROOT / "docs" / "user-guide.md", "## I only have a CSV and I know my settings"),
}

BLOCK = re.compile(r"(?:<!-- file: (?P<file>[^ ]+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)
BOX = str.maketrans(dict.fromkeys("│╭╮╰╯─┃━┏┓┗┛", " "))


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    file: str | None


def section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(heading + "\n")
    level = heading.split(" ")[0] + " "
    end = text.find("\n" + level, start + len(heading))
    return text[start : end if end >= 0 else len(text)]


def blocks(text: str) -> list[Block]:
    return [Block(m["lang"], m["body"], m["file"]) for m in BLOCK.finditer(text)]


def _flat(text: str) -> str:
    return " ".join(text.translate(BOX).split())


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``model.keras`` and ``model.h5``: the LSTM of ``lr_high_lstm`` (Adam at 0.3, MSE)."""
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    root = tmp_path_factory.mktemp("doc-models")
    model = keras.Sequential([keras.Input((24, 1)), keras.layers.LSTM(32), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.3), "mse")
    assert model.count_params() == 4385  # the number the docs quote
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(root / "model.keras")
        model.save(root / "model.h5")
    return root


def _mlflow_store(where: Path) -> str:
    """``mlflow.db`` with the experiment ``lstm-sweep``: two runs as Keras autolog logs them."""
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{where / 'mlflow.db'}")
    exp = client.create_experiment("lstm-sweep", artifact_location=(where / "mlartifacts").as_uri())
    ids = []
    for name, lr in (("lr_high_lstm", "0.3"), ("healthy_lstm_sine", "0.001")):
        history = json.loads(fixture(f"{name}.json").read_text())
        run_id = client.create_run(exp, run_name=name).info.run_id
        now = int(time.time() * 1000)
        metrics = [
            Metric(k, float(v), now + i, i) for k, vs in history.items() for i, v in enumerate(vs)
        ]
        params = {"optimizer_name": "adam", "optimizer_learning_rate": lr, "batch_size": "32"}
        client.log_batch(run_id, metrics, [Param(k, v) for k, v in params.items()])
        client.set_terminated(run_id)
        ids.append(run_id)
    return ids[0]


@pytest.fixture
def workdir(
    tmp_path: Path, models: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[bool], Path]:
    """A fresh directory with the files the examples name; the examples run inside it."""

    def make(with_mlflow: bool) -> Path:
        shutil.copy(fixture("lr_high_lstm.csv"), tmp_path / "training.csv")
        shutil.copy(fixture("lr_high_lstm.csv"), tmp_path / "before.csv")
        shutil.copy(fixture("healthy_lstm_sine.csv"), tmp_path / "after.csv")
        shutil.copy(fixture("lr_high_lstm.json"), tmp_path / "history.json")
        for name in ("model.keras", "model.h5"):
            shutil.copy(models / name, tmp_path / name)
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
        if with_mlflow:
            pytest.importorskip("mlflow")
            monkeypatch.setenv("RUN_ID", _mlflow_store(tmp_path))
        monkeypatch.chdir(tmp_path)
        return tmp_path

    return make


def _run_shell_line(line: str, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> str | None:
    words = shlex.split(os.path.expandvars(line), comments=True)
    if not words:
        return None
    if words[0] == "export":
        for assignment in words[1:]:
            key, _, value = assignment.partition("=")
            monkeypatch.setenv(key, value)
        return None
    if words[0] != "curvedoc":
        pytest.fail(f"a docs example runs something other than curvedoc: {line!r}")
    result = cli(*words[1:])
    assert result.code == 0, f"{line}\n{result.err}"
    return result.out + result.err


def _check_text(expected: str, output: str | None) -> None:
    assert output is not None, "a text block with no example before it"
    flat = _flat(output)
    for line in expected.splitlines():
        for part in line.split("..."):
            part = _flat(part)
            if part:
                assert part in flat, f"{part!r} is not in the output:\n{output[:3000]}"


def run_section(
    text: str, cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, int]:
    ran = {"bash": 0, "python": 0, "text": 0, "file": 0}
    output: str | None = None
    for block in blocks(text):
        if block.file is not None:
            Path(block.file).write_text(block.body, encoding="utf-8")
            ran["file"] += 1
        elif block.lang == "bash":
            for line in block.body.splitlines():
                out = _run_shell_line(line, cli, monkeypatch)
                output = out if out is not None else output
            ran["bash"] += 1
        elif block.lang == "python":
            capsys.readouterr()
            exec(compile(block.body, "<docs example>", "exec"), {"__name__": "__docs__"})
            output = capsys.readouterr().out
            ran["python"] += 1
        elif block.lang == "text":
            _check_text(block.body, output)
            ran["text"] += 1
        else:
            pytest.fail(f"a {block.lang or 'plain'} block with nothing to run it: {block.body!r}")
    return ran


@pytest.mark.keras
@pytest.mark.slow
def test_inputs_context_section_runs(
    cli: Cli,
    workdir: Callable[[bool], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    where = workdir(True)
    ran = run_section(section(*SECTIONS["inputs"]), cli, monkeypatch, capsys)
    assert ran == {"bash": 6, "python": 2, "text": 0, "file": 2}
    from mlflow.tracking import MlflowClient

    tags = MlflowClient(f"sqlite:///{where / 'mlflow.db'}").get_run(os.environ["RUN_ID"]).data.tags
    assert tags["curvedoc.top_cause"] == "hyperparameters"  # --log-to-mlflow wrote back


@pytest.mark.keras
def test_user_guide_csv_section_runs(
    cli: Cli,
    workdir: Callable[[bool], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workdir(False)
    ran = run_section(section(*SECTIONS["user-guide"]), cli, monkeypatch, capsys)
    assert ran == {"bash": 5, "python": 1, "text": 3, "file": 1}


@pytest.mark.keras
def test_readme_context_and_model_lines_run(
    cli: Cli, workdir: Callable[[bool], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir(False)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = blocks(readme[readme.index("### Analyse it") :])[0]
    lines = [ln for ln in usage.body.splitlines() if "--context" in ln or "--model" in ln]
    assert len(lines) == 2
    for line in lines:
        out = _run_shell_line(line, cli, monkeypatch)
        assert out is not None and "context: " in out


def test_the_runner_checks_what_it_claims(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A text block that does not match, or a command that fails, fails the test."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError):
        _check_text("PROBLEM ... nothing like this", "PROBLEM something else")
    _check_text("│ PROBLEM  Hyperparameters ... (…", "╭─\n│ PROBLEM Hyperparameters (\n│ (…")
    with pytest.raises(AssertionError):
        _run_shell_line("curvedoc analyze missing.csv", cli, monkeypatch)
    with pytest.raises(pytest.fail.Exception):
        _run_shell_line("rm -rf /", cli, monkeypatch)
    assert _run_shell_line("# only a comment", cli, monkeypatch) is None
