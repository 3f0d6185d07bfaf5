"""The JSON report contract: the shipped JSON Schema, real outputs against it, and drift.

Golden-file test: the schema (``curvedoc/schema/report.schema.json``) is the reference,
and real reports (every fixture, odd inputs, a diverged run, a crashing rule) must
validate against it. Drift tests fail when ``Report.to_dict()`` gains or loses keys the
schema does not declare, and when ``docs/json-schema.md`` leaves a field unexplained.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import (
    FIXTURES,
    ROOT,
    CliResult,
    diverged_history_dict,
    fixture_files,
    healthy_history_dict,
)

import curvedoc
from curvedoc.report import CATEGORIES, SEVERITY_RANK, Report

Cli = Callable[..., CliResult]
Writer = Callable[[str, "str | bytes | object"], Path]

SCHEMA_PATH = ROOT / "curvedoc" / "schema" / "report.schema.json"
DOC_PATH = ROOT / "docs" / "json-schema.md"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def strict_loads(text: str) -> Any:
    """json.loads that refuses the NaN/Infinity tokens Python would accept."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def _real_reports() -> Iterator[tuple[str, Report]]:
    paths = [
        p for p in fixture_files("*") if p.parent == FIXTURES and p.suffix in (".json", ".csv")
    ]
    paths += fixture_files("*__gru__*.json.gz")[:4]  # not the corpus' split=heldout runs
    for path in paths:
        yield path.name, curvedoc.diagnose(curvedoc.load(path))


def _constructed_reports(tmp: Path) -> Iterator[tuple[str, Report]]:
    cases: dict[str, object] = {
        "diverged.json": diverged_history_dict(),
        "healthy.json": healthy_history_dict(),
        "one.json": {"loss": [0.5]},
        "const.json": {"loss": [1.0] * 20, "val_loss": [1.0] * 20},
        "every3.json": {
            "loss": [1.0 / (i + 1) for i in range(12)],
            "val_loss": [0.5, 0.3, 0.2, 0.1],
        },
        "acc.json": {
            "acc": [0.5, 0.6, 0.7, 0.8, 0.85, 0.86],
            "val_acc": [0.5, 0.55, 0.6, 0.6, 0.58, 0.57],
        },
        "hostile.json": {
            "<b>x</b>|`y`": [3.0, 2.0, 1.0, 0.5, 0.4, 0.3],
            "val_<b>x</b>|`y`": [3, 2, 1, 1, 1, 1],
        },
        "negative.json": {
            "loss": [-1.0, -2.0, -3.0, -3.5, -3.7, -3.8],
            "val_loss": [-1, -1, -1, -1, -1, -1],
        },
        "val_only.json": {"val_loss": [1.0, 0.9, 0.8, 0.85, 0.7, 0.75]},
    }
    for name, content in cases.items():
        path = tmp / name
        path.write_text(json.dumps(content))
        yield name, curvedoc.diagnose(curvedoc.load(path))


def _all_outputs(tmp: Path) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for name, report in [*_real_reports(), *_constructed_reports(tmp)]:
        for curves in (False, True):
            text = json.dumps(report.to_dict(include_curves=curves), allow_nan=False)
            out.append((f"{name} curves={curves}", strict_loads(text)))
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    return _all_outputs(tmp_path_factory.mktemp("reports"))


# -- the schema itself ------------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_schema_ships_inside_the_package(schema: dict[str, Any]) -> None:
    packaged = resources.files("curvedoc").joinpath("schema/report.schema.json").read_text("utf-8")
    assert json.loads(packaged) == schema


def test_the_schema_knows_the_four_categories_and_three_severities(schema: dict[str, Any]) -> None:
    assert schema["$defs"]["category"]["enum"] == list(CATEGORIES)
    assert schema["$defs"]["severity"]["enum"] == sorted(SEVERITY_RANK, key=SEVERITY_RANK.get)


# -- golden: real outputs validate, and obey what the schema cannot say ---------------------------


def test_real_outputs_validate(
    outputs: list[tuple[str, dict[str, Any]]], validator: jsonschema.Draft202012Validator
) -> None:
    assert len(outputs) >= 10
    problems = [
        f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for name, doc in outputs
        for e in validator.iter_errors(doc)
    ]
    assert not problems, "\n".join(problems)


def test_the_cli_json_output_validates(
    cli: Cli, write: Writer, validator: jsonschema.Draft202012Validator
) -> None:
    for name, content in (("d.json", diverged_history_dict()), ("h.json", healthy_history_dict())):
        for extra in ((), ("--include-curves",)):
            result = cli("analyze", write(name, content), "--format", "json", *extra)
            assert result.code == 0
            validator.validate(strict_loads(result.out))


def test_the_contract_beyond_the_schema(outputs: list[tuple[str, dict[str, Any]]]) -> None:
    seen_unhealthy = seen_healthy = False
    for name, doc in outputs:
        causes = doc["causes"]
        assert doc["healthy"] is (causes == [] and not doc["too_short"]), name
        seen_healthy |= doc["healthy"]
        seen_unhealthy |= not doc["healthy"]
        confidences = [c["confidence"] for c in causes]
        assert confidences == sorted(confidences, reverse=True), f"{name}: causes not ranked"
        assert len({c["category"] for c in causes}) == len(causes), name
        codes = {f["code"] for f in doc["findings"]}
        sick = any(f["severity"] != "info" for f in doc["findings"])
        for cause in causes:
            for code in cause["findings"]:
                assert code in codes, f"{name}: {code} supports a cause but is not a finding"
        # sick or healthy is decided by the findings' severities, the ranking by the weights
        scored = doc["run"]["problem_probability"] >= doc["run"]["problem_threshold"]
        assert bool(causes) is ((sick or scored) and not doc["too_short"]), name
        ranks = [SEVERITY_RANK[f["severity"]] for f in doc["findings"]]
        assert ranks == sorted(ranks, reverse=True), f"{name}: findings not most severe first"
        assert doc["run"]["epochs"] == doc["metrics"]["epochs"]
        assert doc["run"]["source"] == doc["source"]
    assert seen_healthy and seen_unhealthy


def test_a_crashing_rule_is_reported_in_errors(
    monkeypatch: pytest.MonkeyPatch, write: Writer, validator: jsonschema.Draft202012Validator
) -> None:
    import curvedoc.diagnosis as diagnosis

    rules = list(diagnosis.all_rules())

    def boom(inp: object) -> Iterator[object]:
        raise KeyError("missing")

    monkeypatch.setattr(
        diagnosis, "all_rules", lambda: [dataclasses.replace(rules[0], check=boom), *rules[1:]]
    )
    report = curvedoc.diagnose(curvedoc.load(write("h.json", healthy_history_dict())))
    doc = report.to_dict()
    validator.validate(doc)
    assert doc["errors"] and doc["errors"][0]["code"] == rules[0].code
    assert "KeyError" in doc["errors"][0]["error"]


# -- the schema is not vacuous -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "breaks"),
    [
        ("healthy with a cause", lambda d: d.update(healthy=True)),
        ("unhealthy without causes", lambda d: (d.update(healthy=False), d.update(causes=[]))),
        ("a fifth category", lambda d: d["causes"][0].update(category="luck")),
        ("confidence above 1", lambda d: d["causes"][0].update(confidence=1.5)),
        ("severity 'fatal'", lambda d: d["findings"][0].update(severity="fatal")),
        ("a bad rule code", lambda d: d["findings"][0].update(code="X1")),
        ("a missing top-level key", lambda d: d.pop("metrics")),
        ("schema_version 2", lambda d: d.update(schema_version=2)),
        ("a numeric string that is not NaN", lambda d: d["metrics"].update(epochs="ten")),
        ("epochs as floats", lambda d: d["findings"][0].update(epochs=[1.5])),
    ],
)
def test_the_schema_rejects_broken_reports(
    label: str,
    breaks: Callable[[dict[str, Any]], object],
    write: Writer,
    validator: jsonschema.Draft202012Validator,
) -> None:
    doc = curvedoc.diagnose(curvedoc.load(write("d.json", diverged_history_dict()))).to_dict()
    validator.validate(doc)
    assert doc["causes"] and doc["findings"]
    broken = copy.deepcopy(doc)
    breaks(broken)
    assert not validator.is_valid(broken), label


# -- drift: to_dict() and the schema and the docs move together ----------------------------------


def _props(schema: dict[str, Any], ref: str) -> set[str]:
    node = schema if ref == "#" else schema["$defs"][ref]
    return set(node["properties"])


def test_top_level_keys_match_the_schema(schema: dict[str, Any], write: Writer) -> None:
    report = curvedoc.diagnose(curvedoc.load(write("d.json", diverged_history_dict())))
    plain = set(report.to_dict())
    full = set(report.to_dict(include_curves=True))
    assert plain == set(schema["required"]), (
        "Report.to_dict() keys changed: update curvedoc/schema/report.schema.json "
        f"and docs/json-schema.md (added {plain - set(schema['required'])}, "
        f"removed {set(schema['required']) - plain})"
    )
    assert full == set(schema["properties"])


def test_fixed_objects_match_the_schema_exactly(schema: dict[str, Any], write: Writer) -> None:
    doc = curvedoc.diagnose(curvedoc.load(write("d.json", diverged_history_dict()))).to_dict()
    assert set(doc["source"]) == _props(schema, "source")
    assert set(doc["causes"][0]) == _props(schema, "cause")
    assert set(doc["causes"][0]["fixes"][0]) == _props(schema, "fix")
    assert set(doc["findings"][0]) == _props(schema, "finding")
    for name in ("cause", "finding", "fix", "source"):
        assert set(schema["$defs"][name]["required"]) == _props(schema, name), name


def _objects(outputs: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(schema definition, emitted object) for every object with a documented key set."""
    for _, doc in outputs:
        yield "run", doc["run"]
        metrics = doc["metrics"]
        yield "metrics", metrics
        yield "context_facts", metrics["context"]
        if "batch" in metrics:
            yield "batch_measures", metrics["batch"]
        for pair in metrics["pairs"].values():
            yield "pair_measures", pair
            for side in ("train", "val"):
                if pair[side] is not None:
                    yield "series_measures", pair[side]
        for e in doc["errors"]:
            yield "rule_error", e


def test_every_emitted_key_is_declared_in_the_schema(
    schema: dict[str, Any], outputs: list[tuple[str, dict[str, Any]]]
) -> None:
    undeclared: dict[str, set[str]] = {}
    for ref, obj in _objects(outputs):
        extra = set(obj) - _props(schema, ref)
        if extra:
            undeclared.setdefault(ref, set()).update(extra)
    assert not undeclared, (
        "keys emitted but not in curvedoc/schema/report.schema.json (add them there and "
        f"explain them in docs/json-schema.md): {undeclared}"
    )


def test_every_schema_property_is_explained_in_the_docs(schema: dict[str, Any]) -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    explained = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", doc))
    missing: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if key not in explained:
                    missing.append(f"{where}.{key}")
                walk(sub, f"{where}.{key}")
            for key, sub in node.items():
                if key != "properties":
                    walk(sub, f"{where}/{key}" if key == "$defs" else where)
        elif isinstance(node, list):
            for sub in node:
                walk(sub, where)

    walk(schema, "report")
    assert not missing, f"docs/json-schema.md does not explain: {missing}"
    assert "report.schema.json" in doc and "schema_version" in doc
