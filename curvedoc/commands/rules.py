"""``curvedoc rules``: one line per rule (code, name, category, severity, summary)."""

from __future__ import annotations

import argparse

from curvedoc.commands.common import EXIT_OK

NAME = "rules"
ALIASES: tuple[str, ...] = ()
HELP = "list the rules"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``curvedoc rules`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print the rules table (rich, to stdout)."""
    from rich.console import Console
    from rich.table import Table

    from curvedoc.rules.registry import all_rules

    table = Table(show_edge=False, pad_edge=False)
    for col in ("code", "name", "category", "severity", "summary"):
        table.add_column(col, overflow="fold")
    for r in all_rules():
        table.add_row(r.code, r.name, r.category, r.severity, r.summary)
    Console(highlight=False).print(table)
    return EXIT_OK
