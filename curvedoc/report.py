"""The finished result of an analysis: findings, ranked causes, metrics.

Frozen dataclasses, built by :func:`curvedoc.diagnose`; renderers only present them.
``Report.to_dict()`` is the one JSON form (``schema_version`` 1, documented in
``docs/json-schema.md`` and ``curvedoc/schema/report.schema.json``); within a schema
version keys are only ever added.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from curvedoc.presenters import REPORT_HTML, REPORT_MARKDOWN, present

SCHEMA_VERSION = 1
MIN_EPOCHS = 5
"""Runs shorter than this are too short to judge their fluctuation."""
KEEP_BEST_EPOCH = "nothing to fix in training, but keep the best epoch"
"""What every verdict of a healthy run whose last epochs cost (:attr:`Report.keep_best_epoch`)
says instead of "nothing to fix"."""

Severity = Literal["info", "warning", "error"]
Category = Literal["unscaled_data", "architecture", "hyperparameters", "data_noise"]
Basis = Literal["curve", "context"]

CATEGORIES: tuple[Category, ...] = (
    "unscaled_data",
    "architecture",
    "hyperparameters",
    "data_noise",
)
CATEGORY_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "unscaled_data": "Unscaled or insufficient data",
        "architecture": "Model architecture",
        "hyperparameters": "Hyperparameters (learning rate, batch size, epochs)",
        "data_noise": "Data noise and outliers",
    }
)
SEVERITY_RANK: Mapping[str, int] = MappingProxyType({"info": 0, "warning": 1, "error": 2})

Scalar = float | int | str | bool | None
EvidenceValue = Scalar | tuple[Scalar, ...]


def _freeze(mapping: Mapping[str, EvidenceValue] | None) -> Mapping[str, EvidenceValue]:
    return MappingProxyType(dict(mapping or {}))


def json_safe(value: object) -> object:
    """Convert numpy scalars, tuples and non-finite floats into strict-JSON values.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` so the
    output stays valid JSON for every parser.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    # numpy scalars and arrays, without importing numpy here
    if hasattr(value, "tolist"):
        return json_safe(value.tolist())
    return str(value)


@dataclass(frozen=True)
class Fix:
    """A concrete change to try.

    Attributes:
        text: one sentence, tailored to the run's context when it is known.
        code: a copy-pasteable Keras / scikit-learn snippet, or None.
    """

    text: str
    code: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{"text": ..., "code": ...}``."""
        return {"text": self.text, "code": self.code}


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on the run, with the evidence that fired it.

    Attributes:
        code: the rule's stable code (``CD301``).
        name: the rule's kebab-case name.
        category: the cause category the finding points to.
        severity: ``info`` (ordinary, not a problem), ``warning`` or ``error``.
        message: one sentence a person reads.
        series: the series it concerns (``val_loss``).
        epochs: absolute epochs it points at (spikes, onset), possibly empty.
        evidence: the measured values and the thresholds they were compared with.
        strength: how strongly the finding supports its category, 0..1 (used to combine
            findings into a cause's confidence).
        basis: ``curve`` when the finding comes from the curves alone, ``context`` when it
            rests on recorded training facts (learning rate, batch size, data statistics).
        fixes: what to change.
        url: where the rule is documented.
    """

    code: str
    name: str
    category: Category
    severity: Severity
    message: str
    series: tuple[str, ...] = ()
    epochs: tuple[int, ...] = ()
    evidence: Mapping[str, EvidenceValue] = field(default_factory=lambda: MappingProxyType({}))
    strength: float = 0.0
    fixes: tuple[Fix, ...] = ()
    url: str = ""
    basis: Basis = "curve"

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", _freeze(self.evidence))

    def to_dict(self) -> dict[str, object]:
        """JSON form of the finding."""
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "series": list(self.series),
            "epochs": list(self.epochs),
            "evidence": json_safe(self.evidence),
            "strength": round(self.strength, 4),
            "basis": self.basis,
            "fixes": [f.to_dict() for f in self.fixes],
            "url": self.url,
        }


@dataclass(frozen=True)
class Cause:
    """A cause category with its combined confidence and the findings behind it.

    Attributes:
        category: one of :data:`CATEGORIES`.
        confidence: 0..1, combined from the findings for and against (``docs/diagnosis.md``).
        findings: codes of the warning/error findings that support it.
        fixes: the fixes to try, most relevant first.
        summary: one sentence.
        against: short notes of evidence that lowered the confidence.
    """

    category: Category
    confidence: float
    findings: tuple[str, ...]
    fixes: tuple[Fix, ...]
    summary: str
    against: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Human title of the category."""
        return CATEGORY_TITLES[self.category]

    def to_dict(self) -> dict[str, object]:
        """JSON form of the cause."""
        return {
            "category": self.category,
            "title": self.title,
            "confidence": round(self.confidence, 4),
            "summary": self.summary,
            "findings": list(self.findings),
            "fixes": [f.to_dict() for f in self.fixes],
            "against": list(self.against),
        }


@dataclass(frozen=True)
class RuleError:
    """A rule that crashed: recorded, and the rest of the report still renders."""

    code: str
    error: str

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"code": self.code, "error": self.error}


@dataclass(frozen=True)
class Question:
    """A fact that would tell two candidate causes apart, and how to give it.

    Attributes:
        fact: the context key (``learning_rate``).
        question: what to ask ("What was the learning rate?").
        how: how to give curvedoc the fact.
    """

    fact: str
    question: str
    how: str

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"fact": self.fact, "question": self.question, "how": self.how}


@dataclass(frozen=True)
class Uncertainty:
    """The top causes are close: which ones, and the facts that would tell them apart.

    Attributes:
        between: the candidate categories, most likely first.
        margin: the confidence of the first minus the second.
        questions: at most two facts whose values separate the candidates.
    """

    between: tuple[Category, ...]
    margin: float
    questions: tuple[Question, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "between": list(self.between),
            "margin": round(self.margin, 4),
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class Fluctuation:
    """What the run's fluctuation costs, and whether it is harmful.

    Attributes:
        harmful: the run is sick, or its last epoch is clearly worse than its best.
        summary: one sentence for the report.
        series: the series judged (the validation loss when there is one).
        best / best_epoch / last: its best value, when, and its last value.
        cost: ``last / best - 1`` for a positive loss (what restoring the best epoch's
            weights would gain), ``last - best`` otherwise.
        accuracy_cost: best minus last validation accuracy, in points (NaN when none).
        noise_hides_trend: the late jitter is larger than half of the trend's movement
            over the last third: single epochs cannot show whether the run still improves.
    """

    harmful: bool
    summary: str
    series: str | None = None
    best: float = float("nan")
    best_epoch: int | None = None
    last: float = float("nan")
    cost: float = float("nan")
    accuracy_cost: float = float("nan")
    noise_hides_trend: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "harmful": self.harmful,
            "summary": self.summary,
            "series": self.series,
            "best": json_safe(self.best),
            "best_epoch": self.best_epoch,
            "last": json_safe(self.last),
            "cost": json_safe(self.cost),
            "accuracy_cost": json_safe(self.accuracy_cost),
            "noise_hides_trend": self.noise_hides_trend,
        }


@dataclass(frozen=True)
class SeriesStats:
    """The measures of one series that comparisons and run tables read (see ``metrics``).

    Values are in the series' units except ``jitter``, ``jitter_late``, ``noise_to_signal``
    and ``improvement``, which are in badness space (log units when ``log_scale``).
    """

    key: str
    log_scale: bool
    first: float
    last: float
    best: float
    best_epoch: int | None
    jitter: float
    jitter_late: float
    noise_to_signal: float
    improvement: float
    spikes: tuple[int, ...] = ()
    nonfinite_epoch: int | None = None


@dataclass(frozen=True)
class PairStats:
    """A training series and its validation twin, as measured."""

    name: str
    direction: str
    train: SeriesStats | None
    val: SeriesStats | None
    gap_rel_final: float = float("nan")
    onset_epoch: int | None = None

    @property
    def judged(self) -> SeriesStats | None:
        """The side a run is judged by: validation when measured, else training."""
        return self.val if self.val is not None else self.train


@dataclass(frozen=True)
class RunStats:
    """The typed measures of a run that ``compare`` and the many-runs table use.

    ``primary`` is the pair the diagnosis leads with (the loss), ``accuracy`` the
    accuracy-type pair of a classifier: both chosen once, in :mod:`curvedoc.analysis`.
    """

    epochs: int
    primary: PairStats | None = None
    accuracy: PairStats | None = None
    loss: str | None = None
    target_std: float | None = None
    learning_rate: float | None = None
    batch_size: int | None = None


@dataclass(frozen=True)
class Report:
    """The diagnosis of one run.

    Attributes:
        source_path: file or directory the run was read from.
        source_format: detected format.
        healthy: true exactly when ``causes`` is empty (no warning/error finding).
        causes: ranked, highest confidence first.
        findings: every finding, info included, most severe first.
        metrics: the measured numbers (JSON-ready, see ``docs/json-schema.md``).
        run: a summary of the run's shape (epochs, series, batches, context used).
        notes: things the loader or the analysis wants the reader to know.
        errors: rules that crashed.
        curves: plot-ready data computed by the analysis (series, trends, rolling bands,
            marked epochs, downsampled batch loss) so renderers draw without computing.
        too_short: fewer than ``MIN_EPOCHS`` epochs and no error: too short to judge.
        task: the inferred task (``kind``, ``reason``, ``n_classes``, ``chance_loss``).
        fluctuation: what the fluctuation costs, harmful or benign.
        uncertainty: set when the top two causes are close, with the facts to ask for.
        stats: the typed measures ``compare`` and the many-runs table read.
    """

    source_path: str
    source_format: str
    healthy: bool
    causes: tuple[Cause, ...]
    findings: tuple[Finding, ...]
    metrics: Mapping[str, object]
    run: Mapping[str, object]
    notes: tuple[str, ...] = ()
    errors: tuple[RuleError, ...] = ()
    curves: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    schema_version: int = SCHEMA_VERSION
    too_short: bool = False
    task: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    fluctuation: Fluctuation | None = None
    uncertainty: Uncertainty | None = None
    stats: RunStats | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))
        object.__setattr__(self, "run", MappingProxyType(dict(self.run)))
        object.__setattr__(self, "curves", MappingProxyType(dict(self.curves)))
        object.__setattr__(self, "task", MappingProxyType(dict(self.task)))

    @property
    def top_cause(self) -> Cause | None:
        """The highest-confidence cause, or None for a healthy run."""
        return self.causes[0] if self.causes else None

    def unplaced_problems(self) -> tuple[Finding, ...]:
        """Warning and error findings that no listed cause names (shown on their own)."""
        placed = {code for c in self.causes for code in c.findings}
        return tuple(f for f in self.findings if f.severity != "info" and f.code not in placed)

    def fails(self, level: Severity) -> bool:
        """Whether ``--fail-on level`` fails this run.

        A finding at ``level`` or above fails it; at ``warning``, so does a cause the fitted
        problem score found without a warning finding. A run too short to judge has no
        cause, so it fails only through a finding (a NaN loss is an error).
        """
        if SEVERITY_RANK[self.worst_severity()] >= SEVERITY_RANK[level]:
            return True
        return level == "warning" and bool(self.causes)

    def worst_severity(self) -> Severity:
        """The most severe finding's severity (``info`` when there are none)."""
        worst: Severity = "info"
        for f in self.findings:
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]:
                worst = f.severity
        return worst

    def to_dict(self, *, include_curves: bool = False) -> dict[str, object]:
        """The JSON report (``schema_version`` 1); ``include_curves`` adds the plot data."""
        out: dict[str, object] = {
            "schema_version": self.schema_version,
            "source": {"path": self.source_path, "format": self.source_format},
            "healthy": self.healthy,
            "too_short": self.too_short,
            "verdict": self.verdict(),
            "causes": [c.to_dict() for c in self.causes],
            "findings": [f.to_dict() for f in self.findings],
            "metrics": json_safe(self.metrics),
            "run": json_safe(self.run),
            "notes": list(self.notes),
            "errors": [e.to_dict() for e in self.errors],
            "task": json_safe(self.task),
            "fluctuation": self.fluctuation.to_dict() if self.fluctuation else None,
            "uncertain": self.uncertainty.to_dict() if self.uncertainty else None,
        }
        if include_curves:
            out["curves"] = json_safe(self.curves)
        return out

    @property
    def keep_best_epoch(self) -> bool:
        """A healthy run whose wiggle still costs its last epoch: every verdict says so."""
        return self.healthy and self.fluctuation is not None and self.fluctuation.harmful

    def verdict(self) -> str:
        """One line: too short to judge, healthy, or the top cause and its confidence."""
        if self.too_short:
            epochs = self.run.get("epochs")
            return (
                f"too short to judge: {epochs} epoch(s), at least {MIN_EPOCHS} are needed"
                if isinstance(epochs, int)
                else f"too short to judge: at least {MIN_EPOCHS} epochs are needed"
            )
        if self.healthy or not self.causes:
            if self.keep_best_epoch:
                return f"healthy: the fluctuation is ordinary training noise; {KEEP_BEST_EPOCH}"
            return "healthy: the fluctuation is ordinary training noise"
        top = self.causes[0]
        text = f"{top.title} ({top.confidence:.0%} confidence)"
        if self.uncertainty is not None and len(self.causes) > 1:
            second = self.causes[1]
            text += f", or {second.title} ({second.confidence:.0%}): the curves alone cannot tell"
        return text

    def to_markdown(self) -> str:
        """The report as Markdown (:func:`curvedoc.render.markdown.render_markdown`).

        The renderer is looked up in :mod:`curvedoc.presenters`, so this data module does
        not import the renderers.
        """
        return present(REPORT_MARKDOWN, self)

    def _repr_html_(self) -> str:
        """Jupyter display: the HTML report (:func:`curvedoc.render.html.render_html_fragment`)."""
        return present(REPORT_HTML, self)
