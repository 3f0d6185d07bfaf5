"""From a History to a Report: measure, run every rule, weigh the evidence, rank causes.

Combining evidence (``docs/diagnosis.md``): each warning/error finding supports its
category with a strength s in [0, 1]; independent findings combine as a noisy-OR,
``1 - prod(1 - s_i)``; evidence against a category (an :class:`~curvedoc.rules.registry.Against`,
e.g. a learning rate inside the usual range) multiplies it by a factor below one. Info
findings are reported but never make a cause. A run is healthy exactly when no category
has a warning or error finding.
"""

from __future__ import annotations

import math
import traceback
import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from curvedoc import metrics as M
from curvedoc.analysis import Measurements, measure, summary_metrics
from curvedoc.history import History
from curvedoc.report import (
    CATEGORIES,
    CATEGORY_TITLES,
    SEVERITY_RANK,
    Category,
    Cause,
    Finding,
    Fix,
    Report,
    RuleError,
)
from curvedoc.rules.registry import Against, Hit, RuleInput, all_rules

MAX_FIXES_PER_CAUSE = 6
EXPLAIN_AWAY = 0.6
"""Weight of curve-only findings of one category when recorded context firmly points at another."""
MIN_CONFIDENCE = 0.3
"""Categories whose combined confidence stays below this are not reported as causes."""
PLOT_POINTS = 1500


def diagnose(history: History) -> Report:
    """Diagnose a run: measured findings, ranked causes with fixes, and plot data.

    Args:
        history: a run from :func:`curvedoc.load` (or built in memory).

    Returns:
        A :class:`~curvedoc.report.Report`; ``report.healthy`` is true when no warning or
        error finding remains.
    """
    # extreme but valid values (1e308) overflow in intermediate sums: the measures come out
    # inf/NaN and are handled; numpy's warnings about it would only be noise for the caller
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _diagnose(history)


def _diagnose(history: History) -> Report:
    """The body of :func:`diagnose`, run with numpy's floating-point warnings silenced."""
    m = measure(history)
    notes = list(history.source.notes) + list(m.notes)
    if m.too_short:
        notes.append(
            f"only {m.n_epochs} epoch(s): too short to judge the fluctuation "
            "(curve rules need at least 5 epochs)"
        )
    if not history.context:
        notes.append(
            "no training context recorded: the diagnosis uses the curves alone; record with "
            "curvedoc.keras.CurveRecorder for a surer diagnosis"
        )
    findings: list[Finding] = []
    against: dict[str, list[Against]] = {c: [] for c in CATEGORIES}
    errors: list[RuleError] = []
    inp = RuleInput(m=m, history=history)
    for r in all_rules():
        try:
            outcomes = list(r.check(inp))
        except Exception as exc:  # a crashing rule is reported, the rest still runs
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" ({tb[-1].name}:{tb[-1].lineno})" if tb else ""
            errors.append(RuleError(code=r.code, error=f"{type(exc).__name__}: {exc}{where}"))
            continue
        for o in outcomes:
            if isinstance(o, Against):
                against[o.category].append(o)
            elif isinstance(o, Hit):
                findings.append(
                    Finding(
                        code=r.code,
                        name=r.name,
                        category=o.category or r.category,
                        severity=o.severity,
                        message=o.message,
                        series=o.series,
                        epochs=tuple(int(e) for e in o.epochs),
                        evidence=dict(o.evidence),
                        strength=float(max(0.0, min(1.0, o.strength))),
                        fixes=o.fixes,
                        url=r.url,
                        basis=o.basis,
                    )
                )
    causes, findings = combine(findings, against)
    run = {
        **history.describe(),
        "context_recorded": bool(history.context),
        "too_short": m.too_short,
    }
    return Report(
        source_path=history.source.path,
        source_format=history.source.format,
        healthy=not causes,
        causes=tuple(causes),
        findings=tuple(findings),
        metrics=summary_metrics(m),
        run=run,
        notes=tuple(notes),
        errors=tuple(errors),
        curves=plot_data(history, m, findings),
    )


def combine(
    findings: list[Finding], against: dict[str, list[Against]]
) -> tuple[list[Cause], list[Finding]]:
    """Combine findings into ranked causes; returns ``(causes, findings)``.

    * Support: noisy-OR of the strengths of a category's warning/error findings.
    * Explaining away: when recorded context firmly supports one category (a context
      finding of strength >= 0.5), curve-only findings of *other* categories are symptoms
      it may explain, and count at :data:`EXPLAIN_AWAY` of their strength.
    * Against: each :class:`Against` multiplies the category's confidence.
    * A category left below :data:`MIN_CONFIDENCE` is not a cause: its warnings are
      demoted to info (with the reason), so the run can be healthy. Errors never are.
    """
    firm_context = {
        f.category
        for f in findings
        if f.basis == "context" and f.severity != "info" and f.strength >= 0.5
    }
    causes: list[Cause] = []
    demote: dict[int, str] = {}
    for cat in CATEGORIES:
        support = [f for f in findings if f.category == cat and f.severity != "info"]
        if not support:
            continue
        explained = bool(firm_context - {cat})
        p_not = 1.0
        for f in support:
            s = f.strength * (EXPLAIN_AWAY if explained and f.basis == "curve" else 1.0)
            p_not *= 1.0 - s
        conf = 1.0 - p_not
        notes = []
        if explained and any(f.basis == "curve" for f in support):
            others = ", ".join(sorted(firm_context - {cat}))
            notes.append(f"the recorded context points at {others}, which can explain these curves")
        for a in against.get(cat, []):
            conf *= a.factor
            notes.append(a.reason)
        conf = max(0.01, min(0.99, conf))
        if conf < MIN_CONFIDENCE and all(f.severity != "error" for f in support):
            reason = "; ".join(notes) or "weak evidence"
            for f in support:
                demote[id(f)] = reason
            continue
        fixes: list[Fix] = []
        seen: set[str] = set()
        for f in support:
            for fx in f.fixes:
                if fx.text not in seen:
                    seen.add(fx.text)
                    fixes.append(fx)
        summary = f"{CATEGORY_TITLES[cat]}: {support[0].message}"
        causes.append(
            Cause(
                category=_cat(cat),
                confidence=conf,
                findings=tuple(dict.fromkeys(f.code for f in support)),
                fixes=tuple(fixes[:MAX_FIXES_PER_CAUSE]),
                summary=summary,
                against=tuple(notes),
            )
        )
    causes.sort(key=lambda c: -c.confidence)
    out = [
        replace(f, severity="info", message=f"{f.message} (discounted: {demote[id(f)]})")
        if id(f) in demote
        else f
        for f in findings
    ]
    out.sort(key=lambda f: (-SEVERITY_RANK[f.severity], -f.strength, f.code))
    return causes, out


def _cat(c: str) -> Category:
    for k in CATEGORIES:
        if k == c:
            return k
    raise ValueError(c)  # pragma: no cover


def _clean(a: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), 7) for v in a.tolist()]


def plot_data(history: History, m: Measurements, findings: list[Finding]) -> dict[str, Any]:
    """Plot-ready series: values, trend, rolling band, marked epochs; downsampled when long."""
    epochs = history.epochs
    step = max(1, -(-epochs.shape[0] // PLOT_POINTS))
    out: dict[str, Any] = {
        "epochs": epochs[::step].tolist(),
        "pairs": [],
        "lr": None,
        "batch": None,
    }
    overfit = any(f.code == "CD201" for f in findings)
    for p in m.pairs:
        pair: dict[str, Any] = {"name": p.name, "direction": p.direction, "series": []}
        for s in (p.train, p.val):
            if s is None:
                continue
            y = history.epoch_series[s.key]
            if step > 1:
                y, _ = M.bin_means(y, max_points=PLOT_POINTS)
            w = min(m.window, max(1, int(np.isfinite(y).sum()) // 2 * 2 - 1)) or 1
            t = M.trend(y, window=w)
            sd = (
                np.sqrt(M.rolling_variance(y, window=w))
                if np.isfinite(y).sum() >= 3
                else np.full(y.shape, np.nan)
            )
            pair["series"].append(
                {
                    "key": s.key,
                    "role": "val" if s is p.val else "train",
                    "values": _clean(y),
                    "trend": _clean(t),
                    "band_low": _clean(t - sd),
                    "band_high": _clean(t + sd),
                    "spikes": [m.epoch_at(i) for i in s.spike_indices],
                }
            )
        # mark the onset only where the overfitting rule accepted it (a validation curve
        # that rose because the optimizer overshot is not "overfitting starts here")
        pair["onset"] = m.epoch_at(p.onset_index) if p is m.primary and overfit else None
        out["pairs"].append(pair)
    lr = history.learning_rate()
    if lr is not None:
        out["lr"] = _clean(lr[::step]) if step > 1 else _clean(lr)
    if history.batch_series:
        key = "loss" if "loss" in history.batch_series else next(iter(history.batch_series))
        b = history.batch_series[key]
        means, k = M.bin_means(b, max_points=PLOT_POINTS)
        x = (np.arange(means.shape[0]) * k + (k - 1) / 2.0) / max(
            history.n_batches / max(history.n_epochs, 1), 1e-9
        )
        out["batch"] = {
            "key": key,
            "x_epochs": _clean(x + (float(epochs[0]) if epochs.size else 0.0)),
            "values": _clean(means),
            "bin": k,
        }
        if k > 1:
            # the 10th-90th percentile band of each bin, so averaging does not hide the spread
            pad = (-b.shape[0]) % k
            blocks = np.concatenate([b, np.full(pad, np.nan)]).reshape(-1, k)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanpercentile(blocks, [10, 90], axis=1)
            out["batch"]["low"] = _clean(lo)
            out["batch"]["high"] = _clean(hi)
    return out
