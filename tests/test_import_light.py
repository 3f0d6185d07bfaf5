"""``import curvedoc``, the API and the CLI never import TensorFlow, Keras, torch or jax.

Each check runs in a fresh interpreter (this test process may have imported Keras for
other tests). A meta-path finder records every attempt to import a heavy framework, even
one that would fail or be caught, and the run must still succeed with them blocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, fixture

HEAVY = ("tensorflow", "keras", "torch", "jax", "jaxlib", "tf_keras")

PRELUDE = textwrap.dedent(
    f"""
    import json, sys

    HEAVY = {HEAVY!r}
    attempts = []

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HEAVY:
                attempts.append(name)
                raise ImportError(f"blocked by the test: {{name}}")
            return None

    sys.meta_path.insert(0, Block())

    def report(**extra):
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        print(json.dumps({{"attempts": attempts, "loaded": loaded, **extra}}), file=sys.stderr)
    """
)


def _run(body: str) -> dict[str, object]:
    code = PRELUDE + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    result: dict[str, object] = json.loads(last)
    return result


@pytest.fixture(scope="module")
def history_file() -> Path:
    return fixture("healthy_gru_classify.curvedoc.json")


def test_bare_import_is_light() -> None:
    result = _run(
        """
        import curvedoc
        report(numpy="numpy" in sys.modules, version=curvedoc.__version__)
        """
    )
    assert result["attempts"] == [] and result["loaded"] == []
    assert result["numpy"] is False  # public names are imported lazily, on first use


def test_the_api_never_imports_a_framework(history_file: Path) -> None:
    result = _run(
        f"""
        import curvedoc
        history = curvedoc.load({str(history_file)!r})
        r = curvedoc.diagnose(history)
        text = json.dumps(r.to_dict(include_curves=True), allow_nan=False)
        r.to_markdown()
        from curvedoc.render.terminal import render_text
        render_text(r)
        report(epochs=history.n_epochs)
        """
    )
    assert result["attempts"] == [], result
    assert result["loaded"] == []
    assert isinstance(result["epochs"], int) and result["epochs"] > 0


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "{path}", "--format", "json"],
        ["analyze", "{path}", "--format", "text"],
        ["analyze", "{path}", "--format", "markdown"],
        ["analyze", "{path}", "--format", "html"],
        ["rules"],
        ["explain", "CD301"],
        ["--version"],
    ],
    ids=lambda a: " ".join(a),
)
def test_the_cli_never_imports_a_framework(argv: list[str], history_file: Path) -> None:
    args = [a.replace("{path}", str(history_file)) for a in argv]
    result = _run(
        f"""
        import io, contextlib
        from curvedoc.cli import main
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                code = main({args!r})
        except SystemExit as exc:
            code = exc.code
        report(code=code, printed=len(out.getvalue()))
        """
    )
    assert result["code"] == 0
    assert result["attempts"] == [], result
    assert result["loaded"] == []
    assert isinstance(result["printed"], int) and result["printed"] > 0
