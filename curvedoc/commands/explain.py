"""``curvedoc explain CODE``: one rule in full (its reference section from ``docs/rules.md``)."""

from __future__ import annotations

import argparse
import sys

from curvedoc.commands.common import EXIT_OK, error

NAME = "explain"
ALIASES: tuple[str, ...] = ()
HELP = "explain one rule in full"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The rule to explain, by code or name."""
    parser.add_argument("code", help="rule code (CD301) or name (loss-diverged)")


def run(args: argparse.Namespace) -> int:
    """Print the rule's Markdown reference, or a one-line error for an unknown rule."""
    from curvedoc.rules.docgen import rule_markdown
    from curvedoc.rules.registry import get_rule

    r = get_rule(args.code)
    if r is None:
        return error(f"no rule {args.code!r} (list them with: curvedoc rules)")
    sys.stdout.write(rule_markdown(r))
    return EXIT_OK
