"""JSON renderer: each result's ``to_dict()``, strict JSON (no NaN tokens)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from curvedoc.report import Report

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import RunTable
    from curvedoc.compare import Comparison


def render_json(report: Report, *, include_curves: bool = False, indent: int | None = 2) -> str:
    """One JSON object (``schema_version`` 1, see ``docs/json-schema.md``)."""
    return json.dumps(report.to_dict(include_curves=include_curves), indent=indent, allow_nan=False)


def render_comparison_json(comparison: Comparison) -> str:
    """A comparison of runs (``kind: "comparison"``)."""
    return json.dumps(comparison.to_dict(), indent=2, allow_nan=False)


def render_runs_json(table: RunTable) -> str:
    """The many-runs summary (``kind: "curvedoc-batch"``)."""
    return json.dumps(table.to_dict(), indent=2, allow_nan=False)
