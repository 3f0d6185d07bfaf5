"""The rules engine: one declared unit per rule, grouped by cause category.

See :mod:`curvedoc.rules.registry` for how a rule is declared and ``docs/rules.md`` (generated)
for the reference.
"""

from curvedoc.rules.registry import RULES, Against, Hit, Rule, RuleInput, all_rules, get_rule, rule

__all__ = ["RULES", "Against", "Hit", "Rule", "RuleInput", "all_rules", "get_rule", "rule"]
