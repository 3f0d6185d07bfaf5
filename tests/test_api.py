"""The Python API: ``curvedoc.diagnose(history) -> Report``, and how a Report shows itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import fixture, healthy_history_dict
from report_factory import synthetic_history

import curvedoc
from curvedoc.render import plots as P


def test_diagnose_returns_a_report_with_its_forms(write) -> None:
    path = write("history.json", healthy_history_dict(n=40))
    report = curvedoc.diagnose(curvedoc.load(path))
    assert isinstance(report, curvedoc.Report)
    data = report.to_dict()
    json.dumps(data, allow_nan=False)  # strict JSON
    assert data["healthy"] is report.healthy
    assert data["source"]["path"] == str(path)
    md = report.to_markdown()
    assert md.startswith("## curvedoc:")
    assert ("**Verdict: healthy**" in md) == report.healthy


def test_repr_html_is_a_notebook_fragment_with_the_verdict() -> None:
    report = curvedoc.diagnose(synthetic_history(n=40, val_noise=0.2, seed=3))
    frag = report._repr_html_()
    assert "<html" not in frag and frag.startswith("<style>")
    assert '<div class="curvedoc">' in frag
    word = "Healthy" if report.healthy else "Problem"
    assert f'<div class="word">{word}</div>' in frag
    if P.matplotlib_available():
        assert "data:image/svg+xml;base64," in frag


def test_repr_html_never_raises_without_matplotlib(monkeypatch) -> None:
    monkeypatch.setattr(P, "matplotlib_available", lambda: False)
    frag = curvedoc.diagnose(synthetic_history(n=20))._repr_html_()
    assert "curvedoc[html]" in frag


def test_ipython_uses_repr_html() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    report = curvedoc.diagnose(synthetic_history(n=20))
    html = formatters.HTMLFormatter()(report)
    assert html == report._repr_html_()


def test_diagnose_and_text_forms_import_no_plotting_or_ml_framework() -> None:
    path = fixture("healthy_lstm_sine.json")
    code = (
        "import sys, curvedoc\n"
        f"r = curvedoc.diagnose(curvedoc.load({str(path)!r}))\n"
        "r.to_markdown(); r.to_dict()\n"
        "from curvedoc.render.terminal import render_text; render_text(r)\n"
        "import json\n"
        f"d = curvedoc.diagnose(json.load(open({str(path)!r})))  # a history.history dict\n"
        "assert [f.code for f in d.findings] == [f.code for f in r.findings]\n"
        "assert d.verdict() == r.verdict()\n"
        "bad = [m for m in ('matplotlib', 'tensorflow', 'keras', 'torch', 'jax') "
        "if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_report_methods_use_the_presenters_the_package_registers(monkeypatch) -> None:
    """Report holds data only: to_markdown/_repr_html_ go through curvedoc.presenters."""
    from curvedoc import presenters

    report = curvedoc.diagnose(synthetic_history(n=20))
    assert report.to_markdown().startswith("#")
    monkeypatch.setitem(presenters._presenters, presenters.REPORT_MARKDOWN, lambda r: "swapped")
    assert report.to_markdown() == "swapped"
    with pytest.raises(LookupError, match="no presenter"):
        presenters.present("nothing-here", report)
