"""JSON renderer: the report's ``to_dict()``, strict JSON (no NaN tokens)."""

from __future__ import annotations

import json

from curvedoc.report import Report


def render_json(report: Report, *, include_curves: bool = False, indent: int | None = 2) -> str:
    """One JSON object (``schema_version`` 1, see ``docs/json-schema.md``)."""
    return json.dumps(report.to_dict(include_curves=include_curves), indent=indent, allow_nan=False)
