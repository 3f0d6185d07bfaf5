"""The rule registry: declared units, stable codes, complete docs, fresh generated reference."""

from __future__ import annotations

import re

import pytest

from curvedoc.report import CATEGORIES
from curvedoc.rules.docgen import DOC_PATH, generate
from curvedoc.rules.registry import CATEGORY_DIGIT, SECTIONS, all_rules, get_rule, rule


def test_codes_are_unique_well_formed_and_match_category() -> None:
    rules = all_rules()
    assert len(rules) >= 12
    codes = [r.code for r in rules]
    assert len(codes) == len(set(codes))
    for r in rules:
        assert re.fullmatch(r"CD\d{3}", r.code)
        assert r.code[2] == CATEGORY_DIGIT[r.category]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
        assert r.severity in ("info", "warning", "error")


def test_every_category_has_a_warning_rule() -> None:
    rules = all_rules()
    for cat in CATEGORIES:
        assert any(r.category == cat and r.severity in ("warning", "error") for r in rules), cat


@pytest.mark.parametrize("r", all_rules(), ids=lambda r: r.code)
def test_rule_docstring_has_every_section(r) -> None:
    sections = r.sections()
    for sec in SECTIONS:
        assert sec in sections and sections[sec].strip(), f"{r.code} lacks '{sec}'"
    assert r.summary and not r.summary.startswith(("What", "Why"))
    assert len(r.threshold) > 20 and len(r.measures) > 10


def test_generated_rule_reference_is_fresh() -> None:
    current = DOC_PATH.read_text(encoding="utf-8")
    assert current == generate(), "docs/rules.md is stale: run python -m curvedoc.rules.docgen"


def test_get_rule_by_code_or_name() -> None:
    assert get_rule("cd301").name == "loss-diverged"
    assert get_rule("loss-diverged").code == "CD301"
    assert get_rule("CD999") is None


def test_registry_refuses_bad_declarations() -> None:
    with pytest.raises(ValueError):
        rule(
            code="CD1", name="x", category="data_noise", severity="info", measures="", threshold=""
        )
    with pytest.raises(ValueError):  # digit does not match the category
        rule(
            code="CD199",
            name="x",
            category="data_noise",
            severity="info",
            measures="",
            threshold="",
        )
    with pytest.raises(ValueError):
        rule(
            code="CD499",
            name="Not_Kebab",
            category="data_noise",
            severity="info",
            measures="",
            threshold="",
        )
    with pytest.raises(ValueError):  # a code is never reused
        rule(
            code="CD301",
            name="again",
            category="hyperparameters",
            severity="info",
            measures="",
            threshold="",
        )(lambda inp: iter(()))
