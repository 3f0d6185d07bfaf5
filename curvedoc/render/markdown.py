"""Markdown renderer: for pull requests and notebooks (the verdict, tables, the top fix).

GitHub-flavoured Markdown. Every name and message from the data goes through
:func:`md_escape`, so a metric called ``<script>`` or ``**loss**`` prints as itself and
cannot break a table. Numbers are formatted by :mod:`curvedoc.formatting` (re-exported
here as :func:`fmt_number` and :func:`fmt_jitter`, with :func:`fmt_evidence`), shared by
the other text renderers and by the comparison's sentences, so a number reads the same
everywhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from curvedoc.context_input import SOURCES as CONTEXT_SOURCES
from curvedoc.formatting import fmt_jitter, fmt_number
from curvedoc.report import KEEP_BEST_EPOCH, Report

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import RunSummary, RunTable
    from curvedoc.compare import Comparison

__all__ = [
    "context_summary",
    "fmt_evidence",
    "fmt_jitter",
    "fmt_number",
    "md_code",
    "md_escape",
    "render_comparison_markdown",
    "render_markdown",
    "render_runs_markdown",
    "run_cells",
    "run_summary",
    "series_rows",
]

_MD_SPECIAL = ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "~", "$")


def md_escape(text: object) -> str:
    r"""Escape text from the data for Markdown (tables, emphasis, links, inline HTML).

    >>> md_escape("val_loss|<b>")
    'val\\_loss\\|\\<b\\>'
    """
    out = str(text)
    for ch in _MD_SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split("\n")).replace("\r", " ")


def md_code(text: object) -> str:
    """Inline code for text from the data: a fence longer than any backtick run inside.

    >>> md_code("a`b")
    '`` a`b ``'
    """
    s = " ".join(str(text).splitlines())
    longest = run = 0
    for ch in s:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if longest or s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _code_block(code: str, indent: str = "") -> list[str]:
    """Return a fenced Python block whose fence the code itself cannot close."""
    longest = run = 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [
        f"{indent}{fence}python",
        *(indent + ln for ln in code.splitlines()),
        f"{indent}{fence}",
    ]


def fmt_evidence(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Evidence as (name, formatted value) pairs, skipping unknown values."""
    return [(str(k), fmt_number(v)) for k, v in evidence.items() if v is not None]


def series_rows(report: Report) -> list[dict[str, Any]]:
    """Return the per-series rows of the numbers table, read from ``report.metrics``."""
    rows: list[dict[str, Any]] = []
    pairs = report.metrics.get("pairs", {})
    if not isinstance(pairs, Mapping):
        return rows
    for p in pairs.values():
        if not isinstance(p, Mapping):
            continue
        for side in ("train", "val"):
            s = p.get(side)
            if not isinstance(s, Mapping):
                continue
            spikes = s.get("spikes") or []
            rows.append(
                {
                    "key": str(s.get("key")),
                    "side": side,
                    "first": fmt_number(s.get("first")),
                    "best": fmt_number(s.get("best")),
                    "best_epoch": fmt_number(s.get("best_epoch")),
                    "last": fmt_number(s.get("last")),
                    "jitter": fmt_jitter(s.get("jitter"), bool(s.get("log_scale"))),
                    "nsr": fmt_number(s.get("noise_to_signal")),
                    "spikes": str(len(spikes)),
                    "spike_epochs": fmt_number(list(spikes)),
                    "onset": fmt_number(p.get("overfitting_onset_epoch")) if side == "val" else "",
                }
            )
    return rows


def run_summary(report: Report) -> str:
    """``40 epochs, 1,880 batches, curvedoc format`` (plain text, not escaped)."""
    run = report.run
    parts = [f"{run.get('epochs')} epochs"]
    batches = run.get("batches")
    if isinstance(batches, int) and batches:
        parts.append(f"{batches:,} batches")
    parts.append(f"{report.source_format} format")
    return ", ".join(parts)


def _context_label(source: str, origin: object) -> str:
    where = str(origin) if origin else ""
    if source == "recorded":
        return "the history file"
    if source == "--context":
        return "--context"
    if source == "mlflow":
        return f"MLflow {where}".strip()
    if source == "sidecar":
        return where or "a sidecar file"
    return f"--{source} {where}".strip()


def context_summary(report: Report) -> str | None:
    """Which context facts came from where, in one line (plain text, not escaped).

    ``context: learning_rate, batch_size from --context; optimizer, loss, params, layers
    from --model m.keras``, strongest source first. None when there is no context or all
    of it was recorded in the history file (nothing to tell).
    """
    sources = report.run.get("context_sources")
    if not isinstance(sources, Mapping) or set(sources.values()) <= {"recorded"}:
        return None
    origins = report.run.get("context_origins")
    origins = origins if isinstance(origins, Mapping) else {}
    keys: dict[str, list[str]] = {}
    for key, source in sources.items():
        keys.setdefault(str(source), []).append(str(key))
    order = [s for s in reversed(CONTEXT_SOURCES) if s in keys]
    order += [s for s in keys if s not in order]
    parts = [f"{', '.join(keys[s])} from {_context_label(s, origins.get(s))}" for s in order]
    return "context: " + "; ".join(parts)


def render_markdown(report: Report) -> str:
    """Render the report as GitHub-flavoured Markdown: verdict, top fix, causes, numbers."""
    lines: list[str] = []
    lines.append(f"## curvedoc: {md_code(report.source_path)}")
    lines.append("")
    lines.append(md_escape(run_summary(report)) + ".")
    lines.append("")
    if (given := context_summary(report)) is not None:
        lines.append(md_escape(given) + ".")
        lines.append("")
    if report.too_short:
        lines.append("**Verdict: too short to judge** — too few epochs to judge the fluctuation.")
    elif report.healthy or not report.causes:
        keep = f"; {KEEP_BEST_EPOCH}" if report.keep_best_epoch else ""
        lines.append(f"**Verdict: healthy** — the fluctuation is ordinary training noise{keep}.")
    else:
        top = report.causes[0]
        lines.append(f"**Verdict: {md_escape(top.title)}** ({top.confidence:.0%} confidence)")
        lines.append("")
        lines.append("> " + md_escape(top.summary))
        if top.fixes:
            fx = top.fixes[0]
            lines.append("")
            lines.append(f"**Top fix:** {md_escape(fx.text)}")
            if fx.code:
                lines.append("")
                lines.extend(_code_block(fx.code))
        if report.uncertainty is not None:
            lines.append("")
            lines.append("**The curves cannot tell the top two causes apart.** What would:")
            lines.extend(
                f"- {md_escape(q.question)} ({md_escape(q.how)})"
                for q in report.uncertainty.questions
            )
    if report.fluctuation is not None and not report.too_short:
        lines.append("")
        lines.append(f"**What the wiggle costs.** {md_escape(report.fluctuation.summary)}")
    lines.append("")
    if report.causes:
        lines.append("### Causes")
        lines.append("")
        lines.append("| rank | cause | confidence | findings |")
        lines.append("|---:|---|---:|---|")
        for i, c in enumerate(report.causes, 1):
            codes = ", ".join(md_escape(code) for code in c.findings)
            lines.append(f"| {i} | {md_escape(c.title)} | {c.confidence:.0%} | {codes} |")
        lines.append("")
    if report.findings:
        lines.append("### Findings")
        lines.append("")
        lines.append("| code | severity | category | message | evidence |")
        lines.append("|---|---|---|---|---|")
        for f in report.findings:
            code = md_escape(f.code)
            if f.url.startswith(("https://", "http://")):
                code = f"[{code}]({f.url.replace(')', '%29').replace(' ', '%20')})"
            ev = "; ".join(f"{md_escape(k)}={md_escape(v)}" for k, v in fmt_evidence(f.evidence))
            lines.append(
                f"| {code} | {f.severity} | {f.category} | {md_escape(f.message)} | {ev} |"
            )
        lines.append("")
    for c in report.causes:
        if not c.fixes:
            continue
        lines.append(f"### Fixes: {md_escape(c.title)}")
        lines.append("")
        for fx in c.fixes:
            lines.append(f"- {md_escape(fx.text)}")
            if fx.code:
                lines.append("")
                lines.extend(_code_block(fx.code, indent="  "))
        lines.append("")
    rows = series_rows(report)
    if rows:
        lines.append("### The run in numbers")
        lines.append("")
        lines.append(
            "| series | first | best (epoch) | last | jitter | noise/signal | spikes | onset |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            lines.append(
                f"| {md_escape(r['key'])} | {r['first']} | {r['best']} ({r['best_epoch']}) | "
                f"{r['last']} | {r['jitter']} | {r['nsr']} | {r['spikes']} | {r['onset']} |"
            )
        lines.append("")
    if report.notes:
        lines.append("### Notes")
        lines.append("")
        for n in report.notes:
            lines.append(f"- {md_escape(n)}")
        lines.append("")
    if report.errors:
        lines.append("### Rule errors")
        lines.append("")
        for e in report.errors:
            lines.append(f"- {md_escape(e.code)}: {md_escape(e.error)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- comparison -------------------------------------------------------------------------

_OUTCOME_MARK = {"better": "✅ better", "worse": "❌ worse", "same": "➖ same", "mixed": "⚠️ mixed"}


def render_comparison_markdown(comparison: Comparison) -> str:
    """Render a comparison of runs (``curvedoc compare``) as Markdown: verdicts, then the table."""
    labels = comparison.labels
    lines = ["## curvedoc compare", ""]
    for i, (label, path) in enumerate(zip(labels, comparison.paths, strict=True)):
        base = " (baseline)" if i == 0 else ""
        lines.append(f"- **{md_escape(label)}**{base}: {md_code(path)}")
    lines.append("")
    for v in comparison.verdicts:
        lines.append(f"### {md_escape(v.label)} vs {md_escape(labels[0])}: {md_escape(v.summary)}")
        lines.append("")
        for a in v.aspects:
            mark = _OUTCOME_MARK.get(a.outcome, a.outcome)
            lines.append(f"- **{md_escape(a.aspect)}**: {mark} — {md_escape(a.detail)}")
        lines.append("")
    lines.append("### Side by side")
    lines.append("")
    head = " | ".join(
        md_escape(lbl) + (" (baseline)" if i == 0 else "") for i, lbl in enumerate(labels)
    )
    lines.append(f"| metric | {head} |")
    lines.append("|---|" + "---:|" * len(labels))
    for row in comparison.rows:
        cells = " | ".join(md_escape(v) for v in row.values)
        lines.append(f"| {md_escape(row.label)} | {cells} |")
    lines.append("")
    if comparison.notes:
        lines.append("<details><summary>How to read this</summary>")
        lines.append("")
        lines.extend(f"- {md_escape(n)}" for n in comparison.notes)
        lines.append("")
        lines.append("</details>")
    return "\n".join(lines).rstrip() + "\n"


# -- many runs (``curvedoc analyze runs/``) ---------------------------------------------

SHORT_CATEGORY = {
    "unscaled_data": "unscaled data",
    "architecture": "architecture",
    "hyperparameters": "hyperparameters",
    "data_noise": "data noise",
}
"""Cause categories in a word or two, for the narrow verdict column."""


def _wiggle(j: float | None, basis: str | None) -> str:
    if basis == "diverged":
        return "NaN/inf"
    if j is None or not math.isfinite(j):
        return "–"
    if basis == "log":
        return f"±{j * 100:.1f}%"
    if basis == "nsr":
        return f"{j:.2f} nsr"
    return f"±{j:.3f}"


def run_cells(s: RunSummary) -> dict[str, str]:
    """One analysed run's cells in the summary table, as plain text (shared by every format).

    Keys: ``rank``, ``run``, ``stability``, ``wiggle``, ``verdict``, ``confidence``,
    ``epochs``.
    """
    if s.too_short:
        verdict = "too short"
    elif s.healthy:
        verdict = "healthy"
    else:
        cat = SHORT_CATEGORY.get(s.top_category or "", s.top_category or "?")
        codes = ", ".join(s.top_findings[:3])
        verdict = f"{cat} ({codes})" if codes else cat
    if s.stability is None:
        stability = "too short" if s.too_short else "–"
    else:
        stability = f"{s.stability:.2f}"
    return {
        "rank": str(s.rank),
        "run": s.name,
        "stability": stability,
        "wiggle": _wiggle(s.jitter, s.jitter_basis),
        "verdict": verdict,
        "confidence": "" if s.top_confidence is None else f"{s.top_confidence:.0%}",
        "epochs": str(s.epochs),
    }


SKIPPED_SHOWN = 8
"""How many skipped files the text and Markdown summaries name (JSON lists them all)."""


def skipped_summary(table: RunTable) -> str:
    """One line on the files a scan passed over: how many, by reason, the first few names."""
    from collections import Counter

    skipped = table.skipped
    base = table.base
    reasons = Counter(f.reason for f in skipped)
    by_reason = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    names = []
    for f in skipped[:SKIPPED_SHOWN]:
        rel = os.path.relpath(f.path, base) if base else f.path
        names.append(f.path if rel.startswith("..") else rel)
    more = f" and {len(skipped) - SKIPPED_SHOWN} more" if len(skipped) > SKIPPED_SHOWN else ""
    return (
        f"skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''} that are not training "
        f"histories ({by_reason}): {', '.join(names)}{more}"
    )


def render_runs_markdown(table: RunTable) -> str:
    """Render the many-runs summary as a Markdown table (names escaped)."""
    from curvedoc.batch import STABILITY_NOTE

    ok, bad = table.analysed, table.failed
    base = table.base
    lines = [f"# curvedoc: {len(table.runs)} runs" + (f" under {md_escape(base)}" if base else "")]
    lines.append("")
    if ok:
        lines.append("| # | run | stability | wiggle | verdict | confidence | epochs |")
        lines.append("|--:|---|--:|--:|---|--:|--:|")
        for s in ok:
            c = run_cells(s)
            lines.append(
                f"| {c['rank']} | {md_escape(c['run'])} | {c['stability']} | "
                f"{md_escape(c['wiggle'])} | {md_escape(c['verdict'])} | "
                f"{md_escape(c['confidence'])} | {c['epochs']} |"
            )
        lines.append("")
    if bad:
        lines.append(f"## Failed to load ({len(bad)})")
        lines.append("")
        lines.extend(f"- {md_escape(s.error)}" for s in bad)
        lines.append("")
    if table.skipped:
        lines.append(md_escape(skipped_summary(table)))
        lines.append("")
    lines.append(f"_{md_escape(STABILITY_NOTE)}_")
    return "\n".join(lines) + "\n"
