"""Terminal renderer (rich): the verdict first, then causes with evidence and fixes, then numbers.

Readable without colour, in narrow terminals and when piped: every piece of meaning is
in the words (``PROBLEM``, ``warning``, ``info``), never only in a colour; long lines wrap
with a hanging indent; below :data:`NARROW` columns the numbers table drops its less
important columns; and plain output (no colour) has no trailing spaces. Names from the
data are printed as :class:`rich.text.Text`, never parsed as markup, so ``[bold]`` in a
metric name prints as itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from curvedoc.render.markdown import (
    context_summary,
    fmt_evidence,
    run_cells,
    run_summary,
    series_rows,
    skipped_summary,
)
from curvedoc.report import KEEP_BEST_EPOCH, Cause, Finding, Report

if TYPE_CHECKING:  # pragma: no cover
    from curvedoc.batch import RunSummary, RunTable
    from curvedoc.compare import Comparison

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
OUTCOME_STYLE = {"better": "bold green", "worse": "bold red", "same": "", "mixed": "yellow"}

NARROW = 72
"""Below this width the numbers table keeps only its most important columns."""

MAX_EVIDENCE_EPOCHS = 12


def _finding_rows(findings: Sequence[Finding], *, show_evidence: bool = True) -> Table:
    """Lay findings out as a grid: code, severity, then the message with a hanging indent."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for f in findings:
        msg = Text(f.message)
        if show_evidence:
            ev = "  ".join(f"{k}={v}" for k, v in fmt_evidence(f.evidence))
            if f.epochs:
                shown = ", ".join(str(e) for e in f.epochs[:MAX_EVIDENCE_EPOCHS])
                more = " …" if len(f.epochs) > MAX_EVIDENCE_EPOCHS else ""
                ev = (ev + "  " if ev else "") + f"epochs={shown}{more}"
            if ev:
                msg.append("\n" + ev, style="dim")
        grid.add_row(
            Text(f.code, style="bold"),
            Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")),
            msg,
        )
    return grid


def _bullet(text: Text, *, indent: int) -> Padding:
    """Make a bullet point whose wrapped lines stay indented under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(Text("•"), text)
    return Padding(grid, (0, 0, 0, indent))


def _verdict(report: Report) -> Panel:
    if report.too_short:
        body = Text("TOO SHORT", style="bold yellow")
        body.append("  too few epochs to judge the fluctuation; train longer and analyse again")
        return Panel(body, title="verdict", title_align="left", border_style="yellow")
    if report.healthy or not report.causes:
        body = Text("HEALTHY", style="bold green")
        keep = KEEP_BEST_EPOCH if report.keep_best_epoch else "nothing to fix"
        body.append(f"  the fluctuation is ordinary training noise; {keep}")
        if report.fluctuation is not None:
            body.append("\n" + report.fluctuation.summary, style="dim")
        return Panel(body, title="verdict", title_align="left", border_style="green")
    top = report.causes[0]
    body = Text("PROBLEM", style="bold red")
    body.append(f"  {top.title} ", style="bold")
    body.append(f"({top.confidence:.0%} confidence)")
    body.append("\n" + top.summary.split(": ", 1)[-1])
    if top.fixes:
        body.append("\ntop fix: ", style="bold")
        body.append(top.fixes[0].text)
    if len(report.causes) > 1:
        others = ", ".join(f"{c.title} {c.confidence:.0%}" for c in report.causes[1:])
        body.append(f"\nalso possible: {others}", style="dim")
    if report.uncertainty is not None:
        body.append("\nthe curves cannot tell the top two apart", style="bold")
        for q in report.uncertainty.questions:
            body.append(f"\n  ? {q.question} ({q.how})")
    if report.fluctuation is not None:
        body.append("\n" + report.fluctuation.summary, style="dim")
    return Panel(body, title="verdict", title_align="left", border_style="red")


def _cause(rank: int, cause: Cause, report: Report, *, show_code: bool) -> list[RenderableType]:
    parts: list[RenderableType] = [Text("")]
    head = Text(f"{rank}. {cause.title}", style="bold")
    head.append(f"  confidence {cause.confidence:.0%}")
    parts.append(head)
    findings = [
        f
        for code in cause.findings
        for f in report.findings
        if f.code == code and f.severity != "info"
    ]
    if findings:
        parts.append(Padding(_finding_rows(findings), (0, 0, 0, 3)))
    for note in cause.against:
        parts.append(Padding(Text(f"against: {note}", style="dim italic"), (0, 0, 0, 3)))
    if cause.fixes:
        parts.append(Padding(Text("fixes:", style="bold"), (0, 0, 0, 3)))
        for fx in cause.fixes:
            parts.append(_bullet(Text(fx.text), indent=5))
            if show_code and fx.code:
                code = Syntax(
                    fx.code, "python", theme="ansi_dark", word_wrap=True, background_color="default"
                )
                parts.append(Padding(code, (0, 0, 0, 7)))
    return parts


def numbers_table(report: Report, *, width: int | None = None) -> RenderableType:
    """Build the run's shape in numbers: a table, or one wrapped line per series when narrow."""
    rows = series_rows(report)
    if width is not None and width < NARROW:
        lines: list[RenderableType] = [Text("The run in numbers", style="bold")]
        for r in rows:
            t = Text()
            t.append(r["key"], style="bold")
            t.append(
                f": first {r['first']}, best {r['best']} (epoch {r['best_epoch']}), "
                f"last {r['last']}, jitter {r['jitter']}, noise/signal {r['nsr']}, "
                f"{r['spikes']} spike(s)"
                + (f", overfitting onset {r['onset']}" if r["onset"] not in ("", "–") else "")
            )
            lines.append(_bullet(t, indent=1))
        return Group(*lines)
    table = Table(
        title="The run in numbers",
        title_justify="left",
        title_style="bold",
        expand=False,
        pad_edge=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    columns = [
        ("series", "left", "key"),
        ("first", "right", "first"),
        ("best (epoch)", "right", "best_at"),
        ("last", "right", "last"),
        ("jitter", "right", "jitter"),
        ("noise/signal", "right", "nsr"),
        ("spikes", "right", "spikes"),
        ("onset", "right", "onset"),
    ]
    for title, justify, _ in columns:
        table.add_column(title, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        r = {**r, "best_at": f"{r['best']} ({r['best_epoch']})"}
        table.add_row(*(Text(str(r[k])) for _, _, k in columns))
    return table


def build(
    report: Report,
    *,
    show_code: bool = True,
    show_info: bool = True,
    width: int | None = None,
) -> Group:
    """Build the report as rich renderables (used by :func:`render_terminal` and the CLI)."""
    parts: list[RenderableType] = []
    header = Text("curvedoc ", style="bold")
    header.append(report.source_path)
    parts.append(header)
    parts.append(Text(run_summary(report), style="dim"))
    if (given := context_summary(report)) is not None:
        parts.append(Text(given, style="dim"))
    parts.append(_verdict(report))
    for rank, cause in enumerate(report.causes, 1):
        parts.extend(_cause(rank, cause, report, show_code=show_code))
    others = report.unplaced_problems()
    if others:
        parts.append(Text(""))
        parts.append(Text("Other problems", style="bold"))
        parts.append(Padding(_finding_rows(others), (0, 0, 0, 3)))
    infos = [f for f in report.findings if f.severity == "info"]
    if show_info and infos:
        parts.append(Text(""))
        parts.append(Text("Observations (not problems)", style="bold"))
        parts.append(Padding(_finding_rows(infos, show_evidence=False), (0, 0, 0, 3)))
    if series_rows(report):
        parts.append(Text(""))
        parts.append(numbers_table(report, width=width))
    series = report.run.get("series")
    if isinstance(series, Sequence) and series:
        parts.append(Text("series: " + ", ".join(str(s) for s in series), style="dim"))
    if report.notes:
        parts.append(Text(""))
        parts.append(Text("Notes", style="bold"))
        for n in report.notes:
            parts.append(_bullet(Text(n, style="dim"), indent=3))
    for e in report.errors:
        parts.append(Text(f"rule {e.code} failed: {e.error}", style="red"))
    return Group(*parts)


def make_console(file: Any, *, width: int | None, color: bool) -> Console:
    """A rich Console for curvedoc's text: no markup or emoji parsing of data, colour on request."""
    return Console(
        file=file,
        width=width,
        no_color=not color,
        color_system="auto" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )


def _strip_trailing(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


def print_renderable(renderable: Any, *, width: int | None = None, color: bool = True) -> str:
    """Render any rich renderable to a string (no trailing spaces when uncoloured)."""
    buf = io.StringIO()
    console = make_console(buf, width=width, color=color)
    console.print(renderable(console.width) if callable(renderable) else renderable)
    out = buf.getvalue()
    return out if color else _strip_trailing(out)


def render_terminal(
    report: Report, *, width: int | None = None, color: bool = True, file: Any = None
) -> str:
    """Render the report for a terminal; return the text (also written to ``file`` if given).

    Args:
        report: a finished report.
        width: columns to wrap to (default: the terminal's width, 80 when unknown).
        color: ANSI colours; without them every meaning is still in the words.
        file: a text stream to write to as well (e.g. ``sys.stdout``).
    """
    text = print_renderable(lambda w: build(report, width=w), width=width, color=color)
    if file is not None:
        file.write(text)
    return text


def render_text(report: Report, *, width: int = 100) -> str:
    """Render plain text (no colour codes, no trailing spaces), for ``--format text`` files."""
    return render_terminal(report, width=width, color=False)


# -- comparison -------------------------------------------------------------------------


def build_comparison(comparison: Comparison, *, width: int | None = None) -> Group:
    """Build a comparison of runs (``curvedoc compare``) as rich renderables."""
    parts: list[RenderableType] = [Text("curvedoc compare", style="bold")]
    for i, (label, path) in enumerate(zip(comparison.labels, comparison.paths, strict=True)):
        line = Text(f"  {label}: ", style="bold")
        line.append(path)
        if i == 0:
            line.append("  (baseline)", style="dim")
        parts.append(line)
    for v in comparison.verdicts:
        body = Text(v.summary + "\n", style=OUTCOME_STYLE.get(v.overall, "") or "bold")
        for a in v.aspects:
            body.append(f"{a.aspect}: ", style="bold")
            body.append(a.outcome.upper(), style=OUTCOME_STYLE.get(a.outcome, "dim"))
            body.append(f"  {a.detail}\n")
        body.rstrip()
        parts.append(
            Panel(
                body,
                title=f"{v.label} vs {comparison.labels[0]}",
                title_align="left",
                border_style=OUTCOME_STYLE.get(v.overall, "") or "white",
            )
        )
    table = Table(
        title="Side by side",
        title_justify="left",
        title_style="bold",
        pad_edge=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("metric", overflow="fold")
    for i, label in enumerate(comparison.labels):
        table.add_column(label + (" (base)" if i == 0 else ""), justify="right", overflow="fold")
    for row in comparison.rows:
        table.add_row(Text(row.label), *(Text(v) for v in row.values))
    parts.append(Text(""))
    parts.append(table)
    if comparison.notes:
        parts.append(Text(""))
        parts.append(Text("How to read this", style="bold"))
        for n in comparison.notes:
            parts.append(_bullet(Text(n, style="dim"), indent=3))
    return Group(*parts)


def render_comparison_terminal(
    comparison: Comparison, *, width: int | None = None, color: bool = True
) -> str:
    """Render a comparison for a terminal (or, with ``color=False``, a plain file)."""
    return print_renderable(
        lambda w: build_comparison(comparison, width=w), width=width, color=color
    )


# -- many runs (``curvedoc analyze runs/``) ---------------------------------------------


PLAIN_TABLE_ROWS = 400
"""Above this many runs the summary table is laid out here rather than by rich.

rich lays out and measures every cell (about 0.2 ms each): a sweep of 9,000 runs took
half a minute to print. The plain layout draws the same columns, rules and colours in
a few milliseconds per thousand rows; long names fold onto further lines as before."""

_RUN_COLUMNS = (
    ("#", "rank", "right"),
    ("run", "run", "fold"),
    ("stability", "stability", "right"),
    ("wiggle", "wiggle", "right"),
    ("verdict", "verdict", "fold"),
    ("conf.", "confidence", "right"),
    ("epochs", "epochs", "right"),
)
_ANSI = {"bold": "\x1b[1m", "green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m"}


def _verdict_style(s: RunSummary) -> str:
    """The colour of a run's verdict in the table: healthy, an error, or a warning."""
    return "green" if s.healthy else ("red" if s.worst_severity == "error" else "yellow")


def _fold(text: str, width: int) -> list[str]:
    """Wrap ``text`` at spaces into lines of at most ``width`` terminal cells.

    A word longer than a line is cut, as rich's ``overflow="fold"`` does.
    """
    from rich.cells import cell_len, chop_cells

    width = max(width, 1)
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        pieces = chop_cells(word, width) if cell_len(word) > width else [word]
        for piece in pieces:
            joined = f"{current} {piece}" if current else piece
            if cell_len(joined) <= width:
                current = joined
            else:
                if current:
                    lines.append(current)
                current = piece
    lines.append(current)
    return lines


def _plain_runs_grid(runs: list[RunSummary], width: int, color: bool) -> str:
    """The many-runs table laid out by hand: rich's columns and rules, without its cost.

    Fixed columns keep their widest cell; when the table is wider than the terminal, the
    verdict and then the run column give up the excess and fold their text.
    """
    from rich._ratio import ratio_reduce
    from rich.cells import cell_len

    rows = [run_cells(s) for s in runs]
    styles = [_verdict_style(s) for s in runs]
    verdict_col = next(i for i, c in enumerate(_RUN_COLUMNS) if c[1] == "verdict")
    # rich's sizing (Table._calculate_column_widths): each column's widest cell plus its
    # padding; when too wide, the widest foldable column shrinks to the next widest, then
    # both, and so on (rich's own _collapse_widths and ratio_reduce)
    last = len(_RUN_COLUMNS) - 1
    pads = [1 if i in (0, last) else 2 for i in range(len(_RUN_COLUMNS))]
    texts = [[title] + [r[key] for r in rows] for title, key, _ in _RUN_COLUMNS]
    full = [max(cell_len(t) for t in col) + pad for col, pad in zip(texts, pads, strict=True)]
    foldable = [how == "fold" for _, _, how in _RUN_COLUMNS]
    room = width - last
    sized = full
    if sum(full) > room:
        sized = Table._collapse_widths(full, foldable, room)
        if sum(sized) > room:
            sized = ratio_reduce(sum(sized) - room, [1] * len(sized), sized, sized)
    widths = [max(w - pad, 0) for w, pad in zip(sized, pads, strict=True)]

    def paint(text: str, style: str | None) -> str:
        return f"{_ANSI[style]}{text}\x1b[0m" if color and style and text.strip() else text

    def line(cells: list[list[str]], sep: str, style: str | None, verdict_style: str | None) -> str:
        height = max(len(c) for c in cells)
        if sep == "┃":  # header cells sit at the bottom of their row, as rich sets them
            cells = [[""] * (height - len(c)) + c for c in cells]
        out = []
        for k in range(height):
            parts = []
            for i, (_, _, how) in enumerate(_RUN_COLUMNS):
                text = cells[i][k] if k < len(cells[i]) else ""
                pad = " " * (widths[i] - cell_len(text))
                text = pad + text if how == "right" else text + pad
                parts.append(paint(text, verdict_style if i == verdict_col else style))
            out.append(f" {sep} ".join(parts))
        return "\n".join(out) + "\n"

    head = line(
        [_fold(t, widths[i]) for i, (t, _, _) in enumerate(_RUN_COLUMNS)], "┃", "bold", "bold"
    )
    rule = "╇".join("━" * (w + (1 if i in (0, last) else 2)) for i, w in enumerate(widths))
    body = [
        line([_fold(r[c[1]], widths[i]) for i, c in enumerate(_RUN_COLUMNS)], "│", None, st)
        for r, st in zip(rows, styles, strict=True)
    ]
    return head + rule + "\n" + "".join(body)


def render_runs_terminal(table: RunTable, *, width: int | None = None, color: bool = True) -> str:
    """Render the many-runs summary for a terminal: the ranked table, failures, the score.

    Without colour (a pipe or a file) the width defaults to 100 columns rather than the
    terminal's, so a saved summary does not depend on the window it was made in.
    """
    from curvedoc.batch import STABILITY_NOTE

    ok, bad = table.analysed, table.failed
    buf = io.StringIO()
    console = make_console(buf, width=width or (None if color else 100), color=color)
    n = len(table.runs)
    head = f"curvedoc: {n} run{'s' if n != 1 else ''}"
    if table.base and table.base != ".":
        head += f" under {table.base}"
    head += f" ({len(ok)} analysed, {len(bad)} failed"
    head += f", {len(table.skipped)} skipped" if table.skipped else ""
    head += f", {table.seconds:.1f}s)"
    console.print(Text(head, style="bold"))
    if len(ok) > PLAIN_TABLE_ROWS:
        console.file.write(_plain_runs_grid(ok, console.width, color))
    elif ok:
        grid = Table(show_edge=False, pad_edge=False, header_style="bold")
        grid.add_column("#", justify="right", no_wrap=True)
        grid.add_column("run", overflow="fold", ratio=3)
        grid.add_column("stability", justify="right", no_wrap=True)
        grid.add_column("wiggle", justify="right", no_wrap=True)
        grid.add_column("verdict", overflow="fold", ratio=2)
        grid.add_column("conf.", justify="right", no_wrap=True)
        grid.add_column("epochs", justify="right", no_wrap=True)
        for s in ok:
            c = run_cells(s)
            style = _verdict_style(s)
            grid.add_row(
                c["rank"],
                c["run"],
                c["stability"],
                c["wiggle"],
                Text(c["verdict"], style=style),
                c["confidence"],
                c["epochs"],
            )
        console.print(grid)
    if bad:
        console.print(Text(f"failed to load ({len(bad)}):", style="bold red"))
        for s in bad:
            console.print(Text(f"  {s.error}"), overflow="fold")
    if table.skipped:
        console.print(Text(skipped_summary(table), style="dim"), overflow="fold")
    console.print(Text(STABILITY_NOTE, style="dim"), overflow="fold")
    text = buf.getvalue()
    return text if color else _strip_trailing(text)
