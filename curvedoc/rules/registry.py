"""The rule registry: each rule is one declared unit.

A rule is a function decorated with :func:`rule`, which declares its stable code
(``CD`` + category digit + two digits; codes are never reused), kebab-case name,
category, the highest severity it reports, what it measures, its threshold and why.
The function's docstring carries the fixed sections *What it detects*, *Why it matters*,
*Evidence*, *Suggested fixes* and *Known limitations*; ``docs/rules.md`` is generated
from them (``python -m curvedoc.rules.docgen``).

A rule returns :class:`Hit` objects (turned into :class:`~curvedoc.report.Finding` by the
engine) and :class:`Against` objects (evidence that lowers a category's confidence).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from curvedoc.report import CATEGORIES, Basis, Category, EvidenceValue, Fix, Severity

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.analysis import Measurements
    from curvedoc.history import History

DOCS_URL = "https://github.com/curvedoc/curvedoc/blob/main/docs/rules.md"
CATEGORY_DIGIT: Mapping[str, str] = {
    "unscaled_data": "1",
    "architecture": "2",
    "hyperparameters": "3",
    "data_noise": "4",
}
SECTIONS = ("What it detects", "Why it matters", "Evidence", "Suggested fixes", "Known limitations")


@dataclass(frozen=True)
class RuleInput:
    """What a rule sees: the measurements and the history they came from."""

    m: Measurements
    history: History


@dataclass(frozen=True)
class Hit:
    """A rule firing: becomes a Finding with the rule's code, name and category."""

    message: str
    severity: Severity
    strength: float
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)
    series: tuple[str, ...] = ()
    epochs: tuple[int, ...] = ()
    fixes: tuple[Fix, ...] = ()
    category: Category | None = None
    basis: Basis = "curve"


@dataclass(frozen=True)
class Against:
    """Evidence against a category: the feature ``CODE:against`` of the weight table.

    How much it counts for each category is fitted (``curvedoc/weights.json``); ``factor``
    (0..1) is the hand-set strength it had before the weights were fitted, kept so that
    existing rules and their docs read as before, and unused by the ranking. ``reason`` is
    shown under its own category when the fitted weight there is negative.
    """

    category: Category
    factor: float
    reason: str


Outcome = Hit | Against
Check = Callable[[RuleInput], Iterable[Outcome]]


@dataclass(frozen=True)
class Rule:
    """A declared rule (see the module docstring)."""

    code: str
    name: str
    category: Category
    severity: Severity
    measures: str
    threshold: str
    check: Check
    uses_context: bool = False
    status: str = "stable"
    problem_evidence: bool = True
    """Whether its findings feed the fitted problem score (whether a run is sick). False for
    a rule whose finding is cause evidence only and must never make a run sick by itself."""

    @property
    def doc(self) -> str:
        """The rule function's docstring, dedented."""
        return inspect.cleandoc(self.check.__doc__ or "")

    def sections(self) -> dict[str, str]:
        """The docstring's fixed sections, by heading."""
        text = self.doc
        out: dict[str, str] = {}
        heads = "|".join(re.escape(s) for s in SECTIONS)
        pattern = re.compile(rf"^({heads}):\s*$", re.M)
        parts = pattern.split(text)
        out["Summary"] = parts[0].strip()
        for i in range(1, len(parts) - 1, 2):
            out[parts[i]] = inspect.cleandoc(parts[i + 1])
        return out

    @property
    def summary(self) -> str:
        """The docstring's first line."""
        return self.doc.splitlines()[0] if self.doc else self.name

    @property
    def url(self) -> str:
        """Link to the rule's section of the generated reference."""
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"


RULES: dict[str, Rule] = {}
"""All registered rules by code, in registration order."""


def feeds_problem(feature: str) -> bool:
    """Whether a weight-table feature (``CDxxx`` or ``CDxxx:against``) feeds the problem score.

    Not when its rule is declared cause evidence only (``problem_evidence=False``).
    """
    r = RULES.get(feature.split(":")[0])
    return r is None or r.problem_evidence


def rule(
    *,
    code: str,
    name: str,
    category: Category,
    severity: Severity,
    measures: str,
    threshold: str,
    uses_context: bool = False,
    problem_evidence: bool = True,
) -> Callable[[Check], Check]:
    """Register a rule function under a stable code (see the module docstring)."""
    if not re.fullmatch(r"CD\d{3}", code):
        raise ValueError(f"rule code {code!r} is not CD + three digits")
    if category not in CATEGORIES:
        raise ValueError(f"rule {code}: unknown category {category!r}")
    if code[2] != CATEGORY_DIGIT[category]:
        raise ValueError(f"rule {code}: code digit does not match category {category}")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"rule {code}: name {name!r} is not kebab-case")

    def register(fn: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(
            code=code,
            name=name,
            category=category,
            severity=severity,
            measures=measures,
            threshold=threshold,
            check=fn,
            uses_context=uses_context,
            problem_evidence=problem_evidence,
        )
        return fn

    return register


def all_rules() -> list[Rule]:
    """Every rule, sorted by code (importing the rule modules registers them)."""
    from curvedoc.rules import architecture, data_noise, hyperparameters, unscaled_data  # noqa: F401

    return [RULES[c] for c in sorted(RULES)]


def get_rule(code: str) -> Rule | None:
    """The rule with this code (case-insensitive) or name, or None."""
    rules = all_rules()
    key = code.strip()
    for r in rules:
        if r.code.lower() == key.lower() or r.name == key.lower():
            return r
    return None
