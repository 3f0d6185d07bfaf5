"""The subcommands of ``curvedoc``: one module each, the way ruff's ``commands/`` are laid out.

Each command module declares ``NAME``, ``ALIASES`` and ``HELP``, adds its options in
``add_arguments(parser)`` and does its work in ``run(args) -> exit status``. They share
:mod:`curvedoc.commands.common` for the error path (one line on stderr, exit 2), the
output path (atomic ``-o`` files, stdout otherwise) and the text style, and
:func:`curvedoc.render.render` for every format. Importing a command module is cheap:
the heavy parts are imported inside ``run``.

Adding a command: a module here with those five names, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

from curvedoc.commands import analyze, compare, explain, rules

COMMANDS = (analyze, compare, rules, explain)
"""In the order ``curvedoc --help`` lists them."""
