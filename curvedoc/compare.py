"""``curvedoc compare A B [C ...]``: the answer to "did the change help?".

The seed's advice is trial and error: change one thing (scale the data, add dropout, lower
the learning rate) and look again. This module puts the runs side by side and gives, for
each run against the first (the baseline), a verdict on two questions:

* **Fluctuation**: did the validation curve get steadier? Judged only on scale-free
  measures, so runs whose losses are in different units still compare: the jitter of
  the validation series around its trend (relative, ± %, for a positive loss) and its
  noise-to-signal ratio (that jitter relative to the total improvement).
* **Validation loss**: is the final (and the best) validation loss lower? Only when the
  two losses are in the same units: a run that scales its targets has a loss thousands
  of times smaller without being any better, so the verdict is then "not comparable".

Tolerances (see :func:`change_threshold`): a measure counts as changed only when the
ratio new/baseline moves by more than ``tolerance`` (25 % by default) *and* by more than
twice the statistical error of the two estimates, which comes from how many epochs each
run has. Smaller moves are "same": they are what re-running the same setup with another
seed gives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from curvedoc.formatting import fmt_jitter, fmt_number
from curvedoc.report import Report, RunStats

TOLERANCE = 0.25
"""Smallest relative change of a measure that counts as better or worse."""

LOSS_TOLERANCE = 0.05
"""Smallest relative change of the final/best validation loss that counts (before noise)."""

MAD_EFFICIENCY = 0.37
"""Efficiency of the MAD-based jitter relative to a standard deviation (Gaussian case)."""

SCALE_MISMATCH = 1.5
"""Recorded target spreads further apart than this factor mean the losses are in different units."""

FIRST_LOSS_MISMATCH = 10.0
"""Without recorded targets: first-epoch losses further apart than this mean different units."""

JITTER_FLOOR = 0.01
"""Validation jitter (log units, ±1 %) below which a curve counts as steady: smaller values
are raised to it before taking ratios, so 0.0 % against 0.3 % is "same", not "worse"
(the rules start to worry at ±5 %)."""

MIN_LEARNING = 0.05
"""A positive loss whose trend fell by less than this (log units, about 5 %) over the run did
not learn: its curve is flat, not steady, and its fluctuation is not compared."""

NSR_FLOOR = 0.02
"""Noise-to-signal below which the noise is negligible (2 % of the improvement); same use."""

Outcome = str  # "better" | "worse" | "same" | "mixed" | "not comparable" | "unknown"


@dataclass(frozen=True)
class RunMetrics:
    """The numbers of one run that the comparison uses, read from its report.

    Attributes:
        label: short name shown in the table (the file's stem).
        path: where the run was read from.
        report: the run's full diagnosis.
        pair: the metric pair compared (``loss`` when there is one).
        val_key / train_key: the series compared (validation falls back to training).
        log_scale: whether the jitter is relative (log units), hence scale-free.
    """

    label: str
    path: str
    report: Report
    pair: str | None
    val_key: str | None
    train_key: str | None
    epochs: int
    first_train: float | None
    first_val: float | None
    final_val: float | None
    best_val: float | None
    best_epoch: int | None
    train_jitter: float | None
    val_jitter: float | None
    log_scale: bool
    val_nsr: float | None
    val_improvement: float | None
    train_spikes: int | None
    val_spikes: int | None
    gap_rel_final: float | None
    onset: int | None
    accuracy_key: str | None
    accuracy_final: float | None
    loss_name: str | None
    target_std: float | None
    learning_rate: float | None
    batch_size: int | None


@dataclass(frozen=True)
class Aspect:
    """One question answered for one run against the baseline.

    Attributes:
        aspect: ``fluctuation``, ``final validation loss``, ``best validation loss`` or
            ``diagnosis``.
        outcome: ``better``, ``worse``, ``same``, ``mixed``, ``not comparable`` or
            ``unknown``.
        detail: one sentence with the numbers behind the outcome.
        measures: the measured ratios and thresholds (for the JSON form).
    """

    aspect: str
    outcome: Outcome
    detail: str
    measures: Mapping[str, float | str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "aspect": self.aspect,
            "outcome": self.outcome,
            "detail": self.detail,
            "measures": {k: _json_num(v) for k, v in self.measures.items()},
        }


@dataclass(frozen=True)
class RunVerdict:
    """Everything said about one run against the baseline."""

    label: str
    overall: Outcome
    summary: str
    aspects: tuple[Aspect, ...]

    def aspect(self, name: str) -> Aspect | None:
        """Return the aspect with this name, if present."""
        return next((a for a in self.aspects if a.aspect == name), None)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "label": self.label,
            "overall": self.overall,
            "summary": self.summary,
            "aspects": [a.to_dict() for a in self.aspects],
        }


@dataclass(frozen=True)
class Row:
    """One line of the side-by-side table: a label and one formatted value per run."""

    key: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """Runs side by side, and a verdict for each run after the first (the baseline)."""

    runs: tuple[RunMetrics, ...]
    rows: tuple[Row, ...]
    verdicts: tuple[RunVerdict, ...]
    notes: tuple[str, ...]
    tolerance: float

    @property
    def labels(self) -> tuple[str, ...]:
        """The runs' labels, baseline first."""
        return tuple(r.label for r in self.runs)

    @property
    def paths(self) -> tuple[str, ...]:
        """The runs' paths, baseline first."""
        return tuple(r.path for r in self.runs)

    def any_worse(self) -> bool:
        """Whether any run got worse than the baseline on fluctuation or validation loss."""
        return any(
            a.outcome == "worse"
            for v in self.verdicts
            for a in v.aspects
            if a.aspect in ("fluctuation", "final validation loss")
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form (``kind: "comparison"``)."""
        from curvedoc.report import SCHEMA_VERSION, json_safe

        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "comparison",
            "baseline": self.runs[0].label if self.runs else None,
            "tolerance": self.tolerance,
            "runs": [
                {
                    "label": r.label,
                    "path": r.path,
                    "healthy": r.report.healthy,
                    "verdict": r.report.verdict(),
                    "top_cause": r.report.top_cause.category if r.report.top_cause else None,
                    "metrics": json_safe(
                        {
                            k: getattr(r, k)
                            for k in RunMetrics.__dataclass_fields__
                            if k not in ("label", "path", "report")
                        }
                    ),
                }
                for r in self.runs
            ],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "table": [{"metric": row.label, "values": list(row.values)} for row in self.rows],
            "notes": list(self.notes),
        }


def _json_num(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


# -- reading the reports ----------------------------------------------------------------


def run_metrics(report: Report, label: str) -> RunMetrics:
    """Read the numbers the comparison needs from a finished report's typed stats."""
    stats = report.stats or RunStats(epochs=0)
    p = stats.primary
    train = p.train if p is not None else None
    val = p.val if p is not None else None
    side = p.judged if p is not None else None
    acc = stats.accuracy.judged if stats.accuracy is not None else None
    return RunMetrics(
        label=label,
        path=report.source_path,
        report=report,
        pair=p.name if p is not None else None,
        val_key=side.key if side else None,
        train_key=train.key if train else None,
        epochs=stats.epochs,
        first_train=_measured(train.first) if train else None,
        first_val=_measured(val.first) if val else None,
        final_val=_measured(side.last) if side else None,
        best_val=_measured(side.best) if side else None,
        best_epoch=side.best_epoch if side else None,
        train_jitter=_measured(train.jitter) if train else None,
        val_jitter=_measured(side.jitter) if side else None,
        log_scale=side.log_scale if side else False,
        val_nsr=_measured(side.noise_to_signal) if side else None,
        val_improvement=_measured(side.improvement) if side else None,
        train_spikes=len(train.spikes) if train else None,
        val_spikes=len(val.spikes) if val else None,
        gap_rel_final=_measured(p.gap_rel_final) if p is not None else None,
        onset=p.onset_epoch if p is not None else None,
        accuracy_key=acc.key if acc else None,
        accuracy_final=_measured(acc.last) if acc else None,
        loss_name=stats.loss,
        target_std=stats.target_std,
        learning_rate=stats.learning_rate,
        batch_size=stats.batch_size,
    )


def _measured(v: float) -> float | None:
    """A measured number, or None when it was not measured (NaN); infinities are kept."""
    return None if math.isnan(v) else v


# -- judging ----------------------------------------------------------------------------


def change_threshold(n_base: int, n_new: int, tolerance: float = TOLERANCE) -> float:
    """Smallest |log(new / baseline)| of a jitter-like measure that counts as a change.

    ``max(log(1 + tolerance), 2 * se)`` where ``se = sqrt(1/(e n_base) + 1/(e n_new))`` is
    the standard error of the log-ratio of two robust (MAD-based, efficiency ``e`` = 0.37)
    spread estimates from ``n`` epochs each. With 40 epochs per run that is a change of
    about 2.1x; from 300 epochs on, the 25 % tolerance.

    >>> round(change_threshold(40, 40), 3), round(change_threshold(4000, 4000), 3)
    (0.735, 0.223)
    """
    return max(math.log1p(max(tolerance, 0.0)), 2.0 * _se(n_base, n_new))


def _se(n_base: int, n_new: int) -> float:
    """Return the standard error of the log-ratio of two MAD-based spreads from n points each."""
    nb, nn = max(n_base, 2), max(n_new, 2)
    return math.sqrt(1.0 / (MAD_EFFICIENCY * nb) + 1.0 / (MAD_EFFICIENCY * nn))


def _ratio_outcome(
    base: float | None, new: float | None, threshold: float, floor: float = 0.0
) -> tuple[Outcome, float | None]:
    """Better/worse/same for a lower-is-better measure, by its log-ratio against ``threshold``.

    Values below ``floor`` are raised to it first (differences among negligible values
    are not changes).
    """
    if base is None or new is None:
        return "unknown", None
    if floor > 0:
        base, new = max(base, floor), max(new, floor)
    if math.isinf(base) and math.isinf(new):
        return "same", None
    if math.isinf(base):
        return "better", 0.0
    if math.isinf(new):
        return "worse", math.inf
    if base <= 0 and new <= 0:
        return "same", 1.0
    if base <= 0:
        return "worse", math.inf
    if new <= 0:
        return "better", 0.0
    ratio = new / base
    lr = math.log(ratio)
    if lr < -threshold:
        return "better", ratio
    if lr > threshold:
        return "worse", ratio
    return "same", ratio


def _combine(outcomes: Sequence[Outcome]) -> Outcome:
    known = [o for o in outcomes if o in ("better", "worse", "same")]
    if not known:
        return "unknown"
    better, worse = "better" in known, "worse" in known
    if better and worse:
        return "mixed"
    return "better" if better else ("worse" if worse else "same")


def _pct(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    if math.isinf(ratio):
        return "from nothing"
    return f"{(ratio - 1) * 100:+.0f}%"


def _change(base: float | None, new: float | None, ratio: float | None, floor: float) -> str:
    """Say the change in words: a percentage, or "both steady" when both are below the floor."""
    if base is not None and new is not None and base <= floor and new <= floor:
        return "both steady"
    if base is not None and base <= floor:
        return "from steady"
    if new is not None and new <= floor:
        return "to steady"
    return _pct(ratio)


def fluctuation_aspect(base: RunMetrics, run: RunMetrics, tolerance: float) -> Aspect:
    """Compare the scale-free fluctuation of the validation series."""
    thr = change_threshold(base.epochs, run.epochs, tolerance)
    for r in (base, run):
        if r.log_scale and r.val_improvement is not None and r.val_improvement < MIN_LEARNING:
            fell = -math.expm1(-r.val_improvement) * 100
            return Aspect(
                "fluctuation",
                "not comparable",
                f"{r.label} barely learned ({r.val_key} trend fell {fell:.1f}% over the run): "
                "its curve is flat, not steady, so its fluctuation says nothing",
                {"val_improvement_log": r.val_improvement},
            )
    outcomes: list[Outcome] = []
    parts: list[str] = []
    jr: float | None = None
    if base.log_scale and run.log_scale:
        o, jr = _ratio_outcome(base.val_jitter, run.val_jitter, thr, JITTER_FLOOR)
        outcomes.append(o)
        parts.append(
            f"jitter {fmt_jitter(base.val_jitter, True)} -> {fmt_jitter(run.val_jitter, True)}"
            f" ({_change(base.val_jitter, run.val_jitter, jr, JITTER_FLOOR)})"
        )
    else:
        parts.append("jitter not scale-free here (the loss is not positive), left out")
    o, nr = _ratio_outcome(base.val_nsr, run.val_nsr, thr, NSR_FLOOR)
    outcomes.append(o)
    parts.append(
        f"noise/signal {fmt_number(base.val_nsr)} -> {fmt_number(run.val_nsr)} "
        f"({_change(base.val_nsr, run.val_nsr, nr, NSR_FLOOR)})"
    )
    outcome = _combine(outcomes)
    detail = f"{base.val_key or 'validation'}: " + ", ".join(parts)
    n = min(base.epochs, run.epochs)
    detail += (
        f"; changes within ±{math.expm1(thr) * 100:.0f}% are not clear "
        f"(the noise of estimates from {n} epochs)"
        if 2.0 * _se(base.epochs, run.epochs) > math.log1p(tolerance)
        else f"; changes within ±{math.expm1(thr) * 100:.0f}% do not count"
    )
    return Aspect(
        "fluctuation",
        outcome,
        detail,
        {"jitter_ratio": jr, "nsr_ratio": nr, "threshold_log": round(thr, 4)},
    )


def comparable_units(base: RunMetrics, run: RunMetrics) -> tuple[bool, str]:
    """Whether the two runs' losses are in the same units, and why (or why not)."""
    if base.loss_name and run.loss_name and base.loss_name.lower() != run.loss_name.lower():
        return False, f"different loss functions ({base.loss_name} vs {run.loss_name})"
    if base.target_std and run.target_std:
        r = run.target_std / base.target_std
        if r > SCALE_MISMATCH or r < 1 / SCALE_MISMATCH:
            return False, (
                f"the targets were scaled differently (recorded target std "
                f"{fmt_number(base.target_std)} vs {fmt_number(run.target_std)})"
            )
        return True, "recorded targets on the same scale"
    a = base.first_train if base.first_train is not None else base.first_val
    b = run.first_train if run.first_train is not None else run.first_val
    if a and b and a > 0 and b > 0:
        r = b / a
        if r > FIRST_LOSS_MISMATCH or r < 1 / FIRST_LOSS_MISMATCH:
            return False, (
                f"the losses start {max(r, 1 / r):,.0f}x apart ({fmt_number(a)} vs {fmt_number(b)} "
                "after the first epoch): the targets are most likely scaled differently"
            )
    return True, "assumed: no target statistics recorded, and the losses start on a similar scale"


def loss_aspect(
    base: RunMetrics, run: RunMetrics, which: str, comparable: tuple[bool, str]
) -> Aspect:
    """Compare the final or best validation loss (only when the units agree)."""
    name = f"{which} validation loss"
    b = base.final_val if which == "final" else base.best_val
    n = run.final_val if which == "final" else run.best_val
    ok, why = comparable
    if not ok:
        advice = (
            "; compare the fluctuation, or evaluate both models on the same unscaled test set"
            if which == "final"
            else ""
        )
        return Aspect(
            name,
            "not comparable",
            f"{fmt_number(b)} vs {fmt_number(n)}, but {why}{advice}",
            {"baseline": b, "value": n},
        )
    if b is None or n is None:
        return Aspect(name, "unknown", "no validation loss in one of the runs", {})
    # the value of a jittery curve is one noisy sample: a change must exceed its noise
    jit = max(
        base.val_jitter or 0.0 if base.log_scale else 0.0,
        run.val_jitter or 0.0 if run.log_scale else 0.0,
    )
    thr = max(math.log1p(LOSS_TOLERANCE), 2.0 * jit)
    if b > 0 and n > 0:
        outcome, ratio = _ratio_outcome(b, n, thr)
    else:
        diff = n - b
        outcome = "better" if diff < 0 else ("worse" if diff > 0 else "same")
        ratio = None
    detail = (
        f"{fmt_number(b)} -> {fmt_number(n)} ({_pct(ratio)}); "
        f"counts beyond ±{math.expm1(thr) * 100:.0f}%"
    )
    if "assumed" in why:
        detail += " (assuming both losses are in the same units)"
    return Aspect(
        name, outcome, detail, {"baseline": b, "value": n, "ratio": ratio, "threshold_log": thr}
    )


def diagnosis_aspect(base: RunMetrics, run: RunMetrics) -> Aspect:
    """How the diagnosis itself changed (healthy, another cause, the same cause)."""
    rb, rn = base.report, run.report
    if rb.healthy and rn.healthy:
        return Aspect("diagnosis", "same", "both healthy")
    if not rb.healthy and rn.healthy:
        return Aspect("diagnosis", "better", f"was {rb.verdict()}; now healthy")
    if rb.healthy and not rn.healthy:
        return Aspect("diagnosis", "worse", f"was healthy; now {rn.verdict()}")
    tb, tn = rb.top_cause, rn.top_cause
    assert tb is not None and tn is not None
    if tb.category == tn.category:
        return Aspect("diagnosis", "same", f"still {rn.verdict()} (was {tb.confidence:.0%})")
    still_there = any(c.category == tb.category for c in rn.causes)
    detail = f"was {rb.verdict()}; now {rn.verdict()}"
    if still_there:
        return Aspect("diagnosis", "mixed", detail)
    return Aspect("diagnosis", "better", f"{detail}: {tb.title.lower()} is gone")


def compare_reports(
    reports: Sequence[Report],
    labels: Sequence[str] | None = None,
    *,
    tolerance: float = TOLERANCE,
) -> Comparison:
    """Compare runs: the first report is the baseline, each other is judged against it.

    Args:
        reports: two or more finished reports (``curvedoc.diagnose``), baseline first.
        labels: names to show (default: the files' stems, made unique).
        tolerance: the smallest relative change of a fluctuation measure that counts.
    """
    if len(reports) < 2:
        raise ValueError("compare needs at least two runs")
    labels = list(labels) if labels is not None else unique_labels([r.source_path for r in reports])
    runs = tuple(run_metrics(r, lbl) for r, lbl in zip(reports, labels, strict=True))
    base = runs[0]
    verdicts = []
    for run in runs[1:]:
        comparable = comparable_units(base, run)
        aspects = (
            fluctuation_aspect(base, run, tolerance),
            loss_aspect(base, run, "final", comparable),
            loss_aspect(base, run, "best", comparable),
            diagnosis_aspect(base, run),
        )
        overall = _combine([aspects[0].outcome, aspects[1].outcome, aspects[3].outcome])
        said = [
            f"fluctuation {aspects[0].outcome}",
            f"final val loss {aspects[1].outcome}",
            f"diagnosis {aspects[3].outcome}",
        ]
        verdicts.append(RunVerdict(run.label, overall, ", ".join(said), aspects))
    notes = (
        "Fluctuation is judged on scale-free measures of the validation series (relative "
        "jitter around the trend, noise-to-signal), so it compares across runs whose losses "
        "are in different units.",
        f"A fluctuation measure counts as better or worse when it moves by more than "
        f"{tolerance:.0%} and by more than twice the statistical error of the two estimates "
        "(which shrinks with the number of epochs); smaller moves are what another seed of "
        "the same setup gives, and are called 'same'. Values below ±1% jitter or 0.02 "
        "noise-to-signal count as steady.",
        "Validation losses are compared only when they are in the same units (same loss "
        "function, targets on the same scale); a change must exceed 5% and twice the curves' "
        "jitter, because the final value of a jittery curve is one noisy sample.",
    )
    return Comparison(
        runs=runs,
        rows=tuple(_rows(runs)),
        verdicts=tuple(verdicts),
        notes=notes,
        tolerance=tolerance,
    )


def _rows(runs: Sequence[RunMetrics]) -> list[Row]:
    def row(key: str, label: str, values: Sequence[str]) -> Row:
        return Row(key, label, tuple(values))

    def diag(r: RunMetrics) -> str:
        if r.report.too_short:
            return "too short"
        if r.report.healthy:
            return "healthy"
        top = r.report.top_cause
        assert top is not None
        return f"{top.category} {top.confidence:.0%}"

    val = runs[0].val_key or "val"
    rows = [
        row("diagnosis", "diagnosis", [diag(r) for r in runs]),
        row("epochs", "epochs", [str(r.epochs) for r in runs]),
        row("final_val", f"final {val}", [fmt_number(r.final_val) for r in runs]),
        row(
            "best_val",
            f"best {val} (epoch)",
            [f"{fmt_number(r.best_val)} ({fmt_number(r.best_epoch)})" for r in runs],
        ),
        row(
            "train_jitter", "jitter train", [fmt_jitter(r.train_jitter, r.log_scale) for r in runs]
        ),
        row("val_jitter", "jitter val", [fmt_jitter(r.val_jitter, r.log_scale) for r in runs]),
        row("val_nsr", "noise/signal val", [fmt_number(r.val_nsr) for r in runs]),
        row(
            "val_improvement",
            "val trend fell by",
            [
                "–"
                if r.val_improvement is None
                else (
                    f"{-math.expm1(-r.val_improvement) * 100:.1f}%"
                    if r.log_scale
                    else fmt_number(r.val_improvement)
                )
                for r in runs
            ],
        ),
        row(
            "spikes",
            "spikes train/val",
            [f"{fmt_number(r.train_spikes)}/{fmt_number(r.val_spikes)}" for r in runs],
        ),
        row(
            "gap",
            "gap at end",
            ["–" if r.gap_rel_final is None else f"{r.gap_rel_final * 100:+.0f}%" for r in runs],
        ),
        row("onset", "overfitting onset", [fmt_number(r.onset) for r in runs]),
    ]
    if any(r.accuracy_final is not None for r in runs):
        key = next(r.accuracy_key for r in runs if r.accuracy_key)
        rows.append(row("accuracy", f"final {key}", [fmt_number(r.accuracy_final) for r in runs]))
    if any(r.learning_rate is not None for r in runs):
        rows.append(row("lr", "learning rate", [fmt_number(r.learning_rate) for r in runs]))
    if any(r.batch_size is not None for r in runs):
        rows.append(row("batch_size", "batch size", [fmt_number(r.batch_size) for r in runs]))
    if any(r.target_std is not None for r in runs):
        rows.append(row("target_std", "target std", [fmt_number(r.target_std) for r in runs]))
    return rows


def unique_labels(paths: Sequence[str]) -> list[str]:
    """Short names for runs: file stems without ``.json``/``.csv``/``.gz`` suffixes, made unique.

    >>> unique_labels(["a/run.json", "b/run.json.gz", "c/fixed.csv"])
    ['1:run', '2:run', 'fixed']
    """
    stems = []
    for p in paths:
        name = Path(p.rstrip("/")).name or p
        for suffix in (".gz", ".json", ".csv", ".curvedoc", ".jsonl"):
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
        stems.append(name)
    return [f"{i}:{s}" if stems.count(s) > 1 else s for i, s in enumerate(stems, 1)]
