"""HTML renderer: one self-contained page with the curves, the diagnosis and the numbers.

The page loads nothing from the network: styles are inline, figures are SVG documents
embedded as ``data:`` images (drawn by :mod:`curvedoc.render.plots` with matplotlib),
and a Content-Security-Policy forbids any other load and any script. It opens offline
and stays small: the plot data in ``Report.curves`` is already downsampled by the
diagnosis, so even a run of millions of batches gives a page well under 3 MB.

Every string from the data (paths, metric names, messages, evidence, fix code) goes
through :func:`html.escape`. Styles are scoped under ``.curvedoc`` so the fragment form
(:func:`render_html_fragment`, used for Jupyter) does not restyle the notebook around it.

Without matplotlib the page still renders, with a notice naming the extra to install
(``pip install 'curvedoc[html]'``) where the plots would be; pass ``require_plots=True``
(the CLI does) to get :class:`~curvedoc.errors.MissingExtraError` instead.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from curvedoc import __version__
from curvedoc.render.markdown import (
    context_summary,
    fmt_evidence,
    fmt_number,
    run_cells,
    run_summary,
    series_rows,
    skipped_summary,
)
from curvedoc.report import KEEP_BEST_EPOCH, Cause, Finding, Report

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import RunTable
    from curvedoc.compare import Comparison
    from curvedoc.render.plots import Plot

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
.curvedoc {
  --ok: #1b7a3a; --ok-bg: #eaf6ee; --bad: #b3261e; --bad-bg: #fdeeed; --warn: #8a5a00;
  --warn-bg: #fff6e0; --muted: #5f6368; --line: #dde1e6; --code-bg: #f6f8fa;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1f2328; max-width: 1120px; margin: 0 auto; padding: 20px 24px 40px;
}
.curvedoc * { box-sizing: border-box; }
.curvedoc h1 { font-size: 1.35em; margin: 0 0 2px; }
.curvedoc h2 {
  font-size: 1.15em; margin: 28px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line);
}
.curvedoc h3 { font-size: 1.05em; margin: 0 0 6px; }
.curvedoc .meta { color: var(--muted); font-size: .9em; margin: 0 0 14px; overflow-wrap: anywhere; }
.curvedoc code, .curvedoc pre {
  font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .86em;
}
.curvedoc pre {
  background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 10px; overflow-x: auto; margin: 4px 0 10px; white-space: pre;
}
.curvedoc .verdict {
  border-radius: 8px; padding: 14px 18px; margin: 10px 0 8px; border-left: 6px solid;
}
.curvedoc .verdict.ok { background: var(--ok-bg); border-color: var(--ok); }
.curvedoc .verdict.bad { background: var(--bad-bg); border-color: var(--bad); }
.curvedoc .verdict.short { background: var(--warn-bg); border-color: var(--warn); }
.curvedoc .verdict .word {
  font-weight: 700; letter-spacing: .04em; text-transform: uppercase; font-size: .85em;
}
.curvedoc .verdict.ok .word { color: var(--ok); }
.curvedoc .verdict.bad .word { color: var(--bad); }
.curvedoc .verdict.short .word { color: var(--warn); }
.curvedoc .verdict .headline { font-size: 1.3em; font-weight: 650; margin: 2px 0 4px; }
.curvedoc .verdict p { margin: 4px 0; }
.curvedoc .also { color: var(--muted); font-size: .92em; }
.curvedoc .bar {
  display: inline-block; width: 120px; height: 9px; background: #e6e6e6; border-radius: 5px;
  vertical-align: middle; margin: 0 6px; overflow: hidden;
}
.curvedoc .bar > span { display: block; height: 100%; background: var(--bad); }
.curvedoc figure { margin: 8px 0 18px; }
.curvedoc figure img {
  width: 100%; height: auto; display: block; border: 1px solid var(--line);
  border-radius: 6px; background: #fff;
}
.curvedoc figcaption { color: var(--muted); font-size: .85em; margin-top: 3px; }
.curvedoc .notice {
  background: var(--warn-bg); border: 1px solid #f0d48a; border-radius: 6px; padding: 10px 14px;
}
.curvedoc .cause {
  border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 0 0 14px;
}
.curvedoc .finding { margin: 8px 0; padding-left: 10px; border-left: 3px solid var(--line); }
.curvedoc .finding.error { border-color: var(--bad); }
.curvedoc .finding.warning { border-color: #d9a400; }
.curvedoc .sev {
  display: inline-block; font-size: .75em; font-weight: 700; text-transform: uppercase;
  border-radius: 4px; padding: 0 5px; margin-right: 4px;
}
.curvedoc .sev.error { background: var(--bad); color: #fff; }
.curvedoc .sev.warning { background: #f2c200; color: #3a2a00; }
.curvedoc .sev.info { background: #e6e6e6; color: #444; }
.curvedoc .ev { font-size: .85em; color: var(--muted); margin-top: 2px; }
.curvedoc .ev span { display: inline-block; margin-right: 12px; white-space: nowrap; }
.curvedoc .ev b { font-weight: 600; color: #333; }
.curvedoc .against { color: var(--muted); font-style: italic; font-size: .9em; }
.curvedoc ol.fixes { padding-left: 22px; margin: 6px 0; }
.curvedoc ol.fixes li { margin: 6px 0; }
.curvedoc table { border-collapse: collapse; font-size: .9em; margin: 6px 0 12px; }
.curvedoc th, .curvedoc td {
  border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: right;
  vertical-align: top;
}
.curvedoc th:first-child, .curvedoc td:first-child, .curvedoc .l { text-align: left; }
.curvedoc th { background: #f3f4f6; font-weight: 600; }
.curvedoc .better { color: var(--ok); font-weight: 600; }
.curvedoc .worse { color: var(--bad); font-weight: 600; }
.curvedoc .same, .curvedoc .na { color: var(--muted); }
.curvedoc footer { color: var(--muted); font-size: .8em; margin-top: 30px; }
.curvedoc a { color: #0b57d0; }
"""


def esc(text: object) -> str:
    """Escape any value for HTML text and attribute context."""
    return html.escape(str(text), quote=True)


def _link(url: str, text: str) -> str:
    """Return an escaped link, only for http(s) URLs (anything else prints as plain text)."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}">{esc(text)}</a>'
    return esc(text)


def _bar(confidence: float) -> str:
    pct = max(0.0, min(1.0, confidence)) * 100
    return f'<span class="bar" aria-hidden="true"><span style="width:{pct:.0f}%"></span></span>'


def _verdict(report: Report) -> str:
    cost = (
        f'<p class="also">{esc(report.fluctuation.summary)}</p>'
        if report.fluctuation is not None and not report.too_short
        else ""
    )
    if report.too_short:
        return (
            '<section class="verdict short"><div class="word">Too short to judge</div>'
            '<div class="headline">Too few epochs to judge the fluctuation</div>'
            "<p>Train for more epochs (at least 5) and analyse again.</p></section>"
        )
    if report.healthy or not report.causes:
        keep = KEEP_BEST_EPOCH if report.keep_best_epoch else "nothing to fix"
        return (
            '<section class="verdict ok"><div class="word">Healthy</div>'
            '<div class="headline">The fluctuation is ordinary training noise</div>'
            f"<p>No warning or error finding: {keep}.</p>{cost}</section>"
        )
    top = report.causes[0]
    out = [
        '<section class="verdict bad"><div class="word">Problem</div>',
        f'<div class="headline">{esc(top.title)} {_bar(top.confidence)}'
        f"{top.confidence:.0%} confidence</div>",
        f"<p>{esc(top.summary)}</p>",
    ]
    if top.fixes:
        out.append(f"<p><b>Top fix:</b> {esc(top.fixes[0].text)}</p>")
    if len(report.causes) > 1:
        others = ", ".join(f"{esc(c.title)} ({c.confidence:.0%})" for c in report.causes[1:])
        out.append(f'<p class="also">Also possible: {others}</p>')
    if report.uncertainty is not None:
        asks = "".join(
            f'<li>{esc(q.question)} <span class="also">({esc(q.how)})</span></li>'
            for q in report.uncertainty.questions
        )
        out.append(f"<p><b>The curves cannot tell the top two apart.</b></p><ul>{asks}</ul>")
    out.append(cost)
    out.append("</section>")
    return "".join(out)


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.svg.encode("utf-8", "replace")).decode("ascii")
    return (
        f'<figure><img alt="{esc(plot.alt)}" src="data:image/svg+xml;base64,{data}">'
        f"<figcaption>{esc(plot.title)}</figcaption></figure>"
    )


def _plots_section(report: Report, *, require_plots: bool) -> str:
    from curvedoc.render import plots as P

    if not P.matplotlib_available():
        if require_plots:
            P.require_matplotlib()
        return (
            '<section><h2>Curves</h2><p class="notice">The plots need matplotlib, which is '
            "not installed: <code>pip install 'curvedoc[html]'</code> and render again. "
            "The diagnosis below is complete.</p></section>"
        )
    figures = P.all_plots(report)
    if not figures:
        return '<section><h2>Curves</h2><p class="notice">No series to plot.</p></section>'
    legend = (
        "<p class='meta'>Thin lines: the values per epoch; thick lines: the trend; shaded: "
        "±1 standard deviation around the trend; red circles: spikes; green star: the best "
        "validation value; dashed purple line: where overfitting starts.</p>"
    )
    extra = ""
    pairs = report.curves.get("pairs") or []
    if isinstance(pairs, Sequence) and len(pairs) > P.MAX_PAIR_FIGURES:
        ordered = sorted(
            (p for p in pairs if isinstance(p, Mapping)), key=lambda p: p.get("name") != "loss"
        )
        rest = [esc(p.get("name")) for p in ordered[P.MAX_PAIR_FIGURES :]]
        extra = f"<p class='meta'>Not plotted (see the numbers below): {', '.join(rest)}</p>"
    return (
        "<section><h2>Curves</h2>"
        + legend
        + "".join(_figure(p) for p in figures)
        + extra
        + "</section>"
    )


def _finding(f: Finding) -> str:
    ev = "".join(f"<span><b>{esc(k)}</b> {esc(v)}</span>" for k, v in fmt_evidence(f.evidence))
    where = ""
    if f.epochs:
        shown = ", ".join(str(e) for e in f.epochs[:12]) + (" …" if len(f.epochs) > 12 else "")
        where = f"<span><b>epochs</b> {esc(shown)}</span>"
    return (
        f'<div class="finding {esc(f.severity)}"><span class="sev {esc(f.severity)}">'
        f"{esc(f.severity)}</span> {_link(f.url, f.code)} {esc(f.message)}"
        + (f'<div class="ev">{ev}{where}</div>' if ev or where else "")
        + "</div>"
    )


def _cause(rank: int, cause: Cause, findings: Iterable[Finding]) -> str:
    parts = [
        '<div class="cause">',
        f"<h3>{rank}. {esc(cause.title)} {_bar(cause.confidence)}"
        f"<span>{cause.confidence:.0%} confidence</span></h3>",
    ]
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    for code in cause.findings:
        for f in by_code.get(code, []):
            if f.severity != "info":
                parts.append(_finding(f))
    for note in cause.against:
        parts.append(f'<p class="against">Evidence against: {esc(note)}</p>')
    if cause.fixes:
        parts.append("<b>What to change</b><ol class='fixes'>")
        for fx in cause.fixes:
            code = f"<pre><code>{esc(fx.code)}</code></pre>" if fx.code else ""
            parts.append(f"<li>{esc(fx.text)}{code}</li>")
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)


def _numbers(report: Report) -> str:
    rows = series_rows(report)
    if not rows:
        return ""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "series",
            "first",
            "best (epoch)",
            "last",
            "jitter",
            "noise/signal",
            "spikes",
            "onset",
        )
    )
    body = []
    for r in rows:
        body.append(
            f"<tr><td><code>{esc(r['key'])}</code></td><td>{esc(r['first'])}</td>"
            f"<td>{esc(r['best'])} ({esc(r['best_epoch'])})</td><td>{esc(r['last'])}</td>"
            f"<td>{esc(r['jitter'])}</td><td>{esc(r['nsr'])}</td>"
            f'<td title="epochs {esc(r["spike_epochs"])}">{esc(r["spikes"])}</td>'
            f"<td>{esc(r['onset'])}</td></tr>"
        )
    out = ["<section><h2>The run in numbers</h2>", f"<table><tr>{head}</tr>{''.join(body)}</table>"]
    out.append(
        "<p class='meta'>Jitter: typical deviation from the trend (± % for positive losses). "
        "Noise/signal: that deviation relative to the total improvement of the trend "
        "(scale-free). Onset: the epoch where validation stops improving while training "
        "still improves.</p>"
    )
    batch = report.metrics.get("batch")
    if isinstance(batch, Mapping):
        cells = "".join(
            f"<tr><td class='l'>{esc(k)}</td><td>{esc(fmt_number(v))}</td></tr>"
            for k, v in batch.items()
        )
        out.append(f"<h3>Per-batch</h3><table>{cells}</table>")
    ctx = report.metrics.get("context")
    if isinstance(ctx, Mapping) and ctx.get("known"):
        cells = "".join(
            f"<tr><td class='l'>{esc(k)}</td><td>{esc(fmt_number(v))}</td></tr>"
            for k, v in ctx.items()
            if k != "known" and v not in (None, [], (), "")
        )
        out.append(f"<h3>Recorded context</h3><table>{cells}</table>")
    out.append("</section>")
    return "".join(out)


def _context_meta(report: Report) -> str:
    given = context_summary(report)
    return f'<p class="meta">{esc(given)}</p>' if given is not None else ""


def render_html_body(report: Report, *, require_plots: bool = False) -> str:
    """Render the report's content as one ``<div class="curvedoc">`` (no wrapper, no styles)."""
    parts = [
        '<div class="curvedoc">',
        "<header><h1>curvedoc report</h1>",
        f'<p class="meta"><code>{esc(report.source_path)}</code> · {esc(run_summary(report))}</p>',
        _context_meta(report),
        "</header>",
        _verdict(report),
        _plots_section(report, require_plots=require_plots),
    ]
    if report.causes:
        parts.append("<section><h2>Diagnosis</h2>")
        for i, c in enumerate(report.causes, 1):
            parts.append(_cause(i, c, report.findings))
        parts.append("</section>")
    others = report.unplaced_problems()
    if others:
        parts.append("<section><h2>Other problems</h2>")
        parts.extend(_finding(f) for f in others)
        parts.append("</section>")
    infos = [f for f in report.findings if f.severity == "info"]
    if infos:
        parts.append("<section><h2>Observations (not problems)</h2>")
        parts.extend(_finding(f) for f in infos)
        parts.append("</section>")
    parts.append(_numbers(report))
    if report.notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in report.notes)
        parts.append(f"<section><h2>Notes</h2><ul>{items}</ul></section>")
    if report.errors:
        items = "".join(
            f"<li><code>{esc(e.code)}</code>: {esc(e.error)}</li>" for e in report.errors
        )
        parts.append(f"<section><h2>Rules that failed</h2><ul>{items}</ul></section>")
    parts.append(
        f"<footer>curvedoc {esc(__version__)} · report schema {report.schema_version} · "
        "rules: <code>curvedoc rules</code>, <code>curvedoc explain CODE</code></footer></div>"
    )
    return "".join(parts)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f'<body style="margin:0;background:#fff">{body}</body></html>\n'
    )


def render_html(report: Report, *, require_plots: bool = False) -> str:
    """Render the report as one self-contained HTML page.

    Args:
        report: a finished report.
        require_plots: raise :class:`~curvedoc.errors.MissingExtraError` when matplotlib
            is missing, instead of rendering the page with a notice in place of the plots.
    """
    return _document(
        f"curvedoc: {report.source_path} — {report.verdict()}",
        render_html_body(report, require_plots=require_plots),
    )


def render_html_fragment(report: Report) -> str:
    """Render the report as an HTML fragment with scoped styles, for Jupyter."""
    return f"<style>{CSS}</style>" + render_html_body(report)


# -- comparison -------------------------------------------------------------------------


def render_comparison_html(comparison: Comparison) -> str:
    """Render a comparison of runs (``curvedoc compare``) as one self-contained page."""
    labels = comparison.labels
    files = "".join(
        f"<li><b>{esc(lbl)}</b>{' (baseline)' if i == 0 else ''}: <code>{esc(p)}</code></li>"
        for i, (lbl, p) in enumerate(zip(labels, comparison.paths, strict=True))
    )
    verdicts = []
    for v in comparison.verdicts:
        items = "".join(
            f"<li><b>{esc(a.aspect)}</b>: <span class='{_outcome_class(a.outcome)}'>"
            f"{esc(a.outcome)}</span> — {esc(a.detail)}</li>"
            for a in v.aspects
        )
        verdicts.append(
            f"<div class='cause'><h3>{esc(v.label)} vs {esc(labels[0])}: "
            f"<span class='{_outcome_class(v.overall)}'>{esc(v.summary)}</span></h3>"
            f"<ul>{items}</ul></div>"
        )
    head = "<th class='l'>metric</th>" + "".join(
        f"<th>{esc(lbl)}{' (baseline)' if i == 0 else ''}</th>" for i, lbl in enumerate(labels)
    )
    rows = "".join(
        f"<tr><td class='l'>{esc(row.label)}</td>"
        + "".join(f"<td>{esc(v)}</td>" for v in row.values)
        + "</tr>"
        for row in comparison.rows
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in comparison.notes)
    body = (
        '<div class="curvedoc"><header><h1>curvedoc compare</h1>'
        f"<ul class='meta'>{files}</ul></header>"
        f"<section><h2>Did it help?</h2>{''.join(verdicts)}</section>"
        f"<section><h2>Side by side</h2><table><tr>{head}</tr>{rows}</table></section>"
        + (f"<section><h2>How to read this</h2><ul>{notes}</ul></section>" if notes else "")
        + f"<footer>curvedoc {esc(__version__)}</footer></div>"
    )
    return _document("curvedoc compare: " + " vs ".join(labels), body)


def _outcome_class(outcome: str) -> str:
    return {"better": "better", "worse": "worse", "same": "same"}.get(outcome, "na")


# -- many runs (``curvedoc analyze runs/``) ---------------------------------------------


def render_runs_html(table: RunTable) -> str:
    """Render the many-runs summary as a small standalone HTML page (everything escaped)."""
    from curvedoc.batch import STABILITY_NOTE

    ok, bad = table.analysed, table.failed
    rows = "".join(
        f"<tr><td>{c['rank']}</td><td>{esc(c['run'])}</td><td>{esc(c['stability'])}</td>"
        f"<td>{esc(c['wiggle'])}</td><td>{esc(c['verdict'])}</td>"
        f"<td>{esc(c['confidence'])}</td><td>{c['epochs']}</td></tr>"
        for c in map(run_cells, ok)
    )
    failed = "".join(f"<li>{esc(s.error)}</li>" for s in bad)
    title = f"curvedoc: {len(table.runs)} runs" + (f" under {table.base}" if table.base else "")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        "</title></head><body>"
        f"<h1>{esc(title)}</h1>"
        "<table><thead><tr><th>#</th><th>run</th><th>stability</th><th>wiggle</th>"
        "<th>verdict</th><th>confidence</th><th>epochs</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        + (f"<h2>Failed to load ({len(bad)})</h2><ul>{failed}</ul>" if bad else "")
        + (f"<p>{esc(skipped_summary(table))}</p>" if table.skipped else "")
        + f"<p><small>{esc(STABILITY_NOTE)}</small></p></body></html>\n"
    )
