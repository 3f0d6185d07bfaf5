"""HTML report: self-contained, escaped, with real plots; checked in headless Chromium."""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, fixture
from report_factory import HOSTILE, make_report, synthetic_history

import curvedoc
from curvedoc.errors import MissingExtraError
from curvedoc.render import plots as P
from curvedoc.render.html import render_html, render_html_fragment

needs_mpl = pytest.mark.skipif(not P.matplotlib_available(), reason="needs the html extra")
DATA_SVG = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def svgs(page: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in DATA_SVG.findall(page)]


def svg_texts(svg: str) -> str:
    root = ET.fromstring(svg)  # also proves the SVG is well-formed XML
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def test_page_is_self_contained() -> None:
    page = render_html(make_report())
    assert page.startswith("<!doctype html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    # nothing is loaded from elsewhere: every src is a data: URI, no url() in the styles
    assert all(src.startswith("data:") for src in re.findall(r'src="([^"]*)"', page))
    assert "url(" not in lowered


def test_every_name_from_the_data_is_escaped() -> None:
    page = render_html(make_report())
    assert "<script>alert(1)</script>" not in page
    assert "<b>history</b>" not in page  # the source path is data too
    assert "&lt;script&gt;alert(1)&lt;/script&gt;[bold]x|y`z" in page
    assert "x = &#x27;```&#x27; + &#x27;&lt;tag&gt;&#x27;" in page  # fix code, escaped in <pre>


def test_non_http_links_are_not_links() -> None:
    report = make_report()
    f = report.findings[0]
    evil = type(f)(**{**f.__dict__, "url": "javascript:alert(1)"})
    page = render_html(type(report)(**{**report.__dict__, "findings": (evil,)}))
    assert "javascript:" not in page


def test_stylesheet_is_well_formed() -> None:
    from curvedoc.render.html import CSS

    assert CSS.count("{") == CSS.count("}")
    # a quoted font name broken across lines would silently drop the rule
    for quoted in re.findall(r'"[^"]*"', CSS):
        assert "\n" not in quoted, quoted
    for block in re.findall(r"\{([^{}]*)\}", CSS):
        for decl in filter(None, (d.strip() for d in block.split(";"))):
            assert re.fullmatch(r"[-a-z]+\s*:\s*[^:]+", decl, flags=re.S), decl


def test_fragment_styles_are_scoped_for_notebooks() -> None:
    frag = render_html_fragment(make_report())
    assert frag.startswith("<style>") and "<html" not in frag
    css = frag[len("<style>") : frag.index("</style>")]
    selectors = re.findall(r"(?:^|})\s*([^{}]+)\{", css)
    assert selectors
    for group in selectors:
        for sel in group.split(","):
            assert sel.strip().startswith(".curvedoc"), sel


@needs_mpl
def test_plots_show_pairs_marks_lr_and_batches() -> None:
    page = render_html(make_report(), require_plots=True)
    figures = svgs(page)
    assert len(figures) == 2  # the pair (with its learning-rate axis) and the batch loss
    pair_text = svg_texts(figures[0])
    assert "learning rate" in pair_text
    assert "overfitting onset (epoch 18)" in pair_text
    assert "spike" in pair_text and "trend" in pair_text
    assert "best val_" in pair_text
    # the hostile name is drawn as text, escaped by the SVG writer, not as markup
    assert "<script>" in pair_text and "<script" not in figures[0].replace("&lt;script", "")
    assert "per batch" in svg_texts(figures[1])


@needs_mpl
def test_batch_envelope_is_drawn_when_the_diagnosis_provides_it() -> None:
    report = make_report(name="loss")
    batch = dict(report.curves["batch"])
    batch["bin"] = 50
    batch["low"] = [v * 0.5 for v in batch["values"]]
    batch["high"] = [v * 2.0 for v in batch["values"]]
    curves = {**report.curves, "batch": batch}
    with_env = type(report)(**{**report.__dict__, "curves": curves})
    text = svg_texts(svgs(render_html(with_env, require_plots=True))[1])
    assert "range within bin" in text and "mean of 50 batches" in text
    assert "range within bin" not in svg_texts(svgs(render_html(report, require_plots=True))[1])


@needs_mpl
def test_dollar_and_underscore_names_survive_matplotlib() -> None:
    report = make_report(name="_cost $", with_batch=False)
    text = svg_texts(svgs(render_html(report, require_plots=True))[0])
    assert "_cost $" in text


@needs_mpl
def test_real_run_gives_one_figure_per_pair_plus_batches() -> None:
    path = fixture("healthy_gru_classify.curvedoc.json")
    report = curvedoc.diagnose(curvedoc.load(path))
    pairs = report.curves["pairs"]
    figures = svgs(render_html(report, require_plots=True))
    assert len(figures) == len(pairs) + (1 if report.curves.get("batch") else 0)
    assert any("accuracy" in svg_texts(s) for s in figures)


@needs_mpl
def test_two_million_points_stay_under_3_mb() -> None:
    n = 2_000_000
    rng = np.random.default_rng(0)
    steps = np.arange(n)
    y = np.exp(-steps / 3e5) + 0.05 + 0.02 * rng.standard_normal(n) ** 2
    from curvedoc.history import History, SourceInfo

    h = History(
        epochs=steps,
        epoch_series={"loss": y, "val_loss": y * 1.1},
        source=SourceInfo("big", "synthetic"),
    )
    page = render_html(curvedoc.diagnose(h), require_plots=True)
    assert len(page.encode("utf-8")) < 3 * 1024 * 1024
    assert len(svgs(page)) == 1


def test_without_matplotlib_the_page_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(P, "matplotlib_available", lambda: False)
    page = render_html(make_report())
    assert "pip install 'curvedoc[html]'" in page
    assert "CD101" in page  # the diagnosis is still complete
    with pytest.raises(MissingExtraError, match=r"curvedoc\[html\]"):
        render_html(make_report(), require_plots=True)


def test_cli_html_without_matplotlib_fails_in_one_line(cli, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(P, "matplotlib_available", lambda: False)
    path = fixture("lr_high_lstm.json")
    out = tmp_path / "report.html"
    res = cli("analyze", path, "-o", out)
    assert res.code == 2
    assert res.err.count("\n") == 1 and "curvedoc[html]" in res.err
    assert not out.exists()


@needs_mpl
def test_cli_writes_html(cli, tmp_path) -> None:
    path = fixture("lr_high_lstm.curvedoc.json")
    out = tmp_path / "report.html"
    res = cli("analyze", path, "-o", out)
    assert res.code == 0, res.err
    page = out.read_text(encoding="utf-8")
    assert len(svgs(page)) >= 2
    assert "wrote html report" in res.err


# -- a real browser ---------------------------------------------------------------------


def _browser_check():
    spec = importlib.util.spec_from_file_location(
        "html_browser_check", ROOT / "benchmarks" / "html_browser_check.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.browser
@needs_mpl
@pytest.mark.skipif(
    shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
    reason="needs Debian's chromium (apt-get install -y chromium)",
)
def test_chromium_renders_the_plots(tmp_path) -> None:
    check = _browser_check()
    chromium = check.find_chromium()
    # a page with plots, and the same page without: the check must tell them apart
    report = curvedoc.diagnose(synthetic_history(name=HOSTILE, n=60, noise=0.08, n_batches=600))
    with_plots = tmp_path / "plots.html"
    with_plots.write_text(render_html(report, require_plots=True), encoding="utf-8")
    without = tmp_path / "none.html"
    import curvedoc.render.plots as plots_module

    real = plots_module.matplotlib_available
    plots_module.matplotlib_available = lambda: False
    try:
        without.write_text(render_html(report), encoding="utf-8")
    finally:
        plots_module.matplotlib_available = real
    shares = {}
    for page in (with_plots, without):
        png = page.with_suffix(".png")
        check.screenshot(chromium, page, png, size="1280,1600")
        shares[page.stem] = check.colour_shares(png)
    assert shares["plots"]["train"] > 0.0003 and shares["plots"]["val"] > 0.0002
    assert shares["none"]["train"] < 0.0001 and shares["none"]["val"] < 0.0001
    # the stylesheet was applied: the verdict box has its background colour
    assert shares["plots"]["styled"] > 0.002 and shares["none"]["styled"] > 0.002
