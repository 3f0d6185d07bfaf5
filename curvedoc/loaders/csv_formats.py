"""CSV histories: Keras CSVLogger files, PyTorch Lightning ``metrics.csv``, any table.

CSVLogger writes an ``epoch`` column then the metric columns in sorted order, ``NA``
where a value is missing; with ``append=True`` a resumed run repeats epochs, and the
later row is the one that counts. Tables without an ``epoch`` column use the row order.
Every cell must be a number or a missing-value spelling; anything else is refused with
the line and column named.
"""

from __future__ import annotations

import csv

import numpy as np

from curvedoc.errors import LoadError
from curvedoc.history import History, SourceInfo
from curvedoc.loaders import ColumnOptions
from curvedoc.loaders.series import (
    NAN_TOKENS,
    epoch_numbers,
    keep_last_per_epoch,
    require_finite_metric,
)

X_COLUMNS = ("epoch", "epochs")
STEP_COLUMNS = ("step", "global_step", "steps")


def parse_table(text: str, path: str) -> tuple[list[str], dict[str, np.ndarray]]:
    """Parse CSV text into its header and float columns (NaN for missing cells).

    Raises LoadError for a missing header, ragged rows (naming the line) and cells that
    are neither numbers nor missing-value spellings (naming line and column).
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise LoadError(path, "is empty")
    delimiter = max((",", ";", "\t"), key=first.count)
    if first.count(delimiter) == 0 and len(lines) > 1 and _is_number(first.strip()):
        raise LoadError(path, "CSV has no header row naming its columns")
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise LoadError(path, f"is not valid CSV ({exc})") from None
    # drop blank lines but remember original line numbers for messages
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise LoadError(path, "is empty")
    _, header = numbered[0]
    header = [h.strip() for h in header]
    while len(header) > 1 and not header[-1]:
        header.pop()  # a trailing delimiter names no column
    if all(_is_number(h) for h in header if h):
        raise LoadError(path, "CSV has no header row naming its columns")
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        dup = next(h for h in named if named.count(h) > 1)
        raise LoadError(path, f"CSV header names the column {dup!r} twice")
    width = len(header)
    body: list[list[str]] = []
    body_lines: list[int] = []
    for line_no, row in numbered[1:]:
        if len(row) == width + 1 and not row[-1].strip():
            row = row[:-1]  # a trailing delimiter
        if [c.strip() for c in row] == header:
            continue  # a header repeated by concatenated or appended files
        if len(row) != width:
            raise LoadError(path, f"line {line_no} has {len(row)} fields, the header has {width}")
        body.append(row)
        body_lines.append(line_no)
    if not body:
        raise LoadError(path, "CSV has a header but no rows")
    columns: dict[str, np.ndarray] = {}
    cols = list(zip(*body, strict=True))
    for j, name in enumerate(header):
        if not name:
            continue  # an unnamed column (e.g. a trailing delimiter) carries no metric
        try:
            columns[name] = _column_to_float(cols[j], name, path, body_lines)
        except LoadError as exc:
            if width == 1:
                # one column and text in it: this is not a table at all
                raise LoadError(path, f"is neither JSON nor a CSV table ({exc.problem})") from None
            raise
    return header, columns


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column_to_float(
    cells: tuple[str, ...], name: str, path: str, body_lines: list[int]
) -> np.ndarray:
    """Convert one column's cells to float64; a LoadError names the first bad cell's line."""
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    cleaned = ["nan" if c.strip() in NAN_TOKENS else c for c in cells]
    try:
        return np.array(cleaned, dtype=np.float64)
    except ValueError:
        pass
    for i, c in enumerate(cleaned):
        if not _is_number(c):
            shown = c if len(c) <= 30 else c[:29] + "…"
            raise LoadError(
                path, f"line {body_lines[i]}, column {name!r}: {shown!r} is not a number"
            ) from None
    # every cell is a number to Python even where numpy's parser balked (e.g. "1_000")
    return np.array([float(c) for c in cleaned], dtype=np.float64)


def history_from_csv(text: str, path: str, columns: ColumnOptions | None = None) -> History:
    """Build a History from CSV text (CSVLogger, Lightning, or any numeric table)."""
    header, table = parse_table(text, path)
    if columns is not None and columns.active():
        return _from_columns(header, table, path, columns)
    lower = {h.lower(): h for h in header}
    from curvedoc.loaders import lightning

    if lightning.looks_like_lightning(header, table):
        return lightning.history_from_lightning(header, table, path)
    x_name = next((lower[c] for c in X_COLUMNS if c in lower), None)
    fmt = "csv-logger" if x_name is not None else "csv"
    if x_name is None:
        step = next((lower[c] for c in STEP_COLUMNS if c in lower), None)
        x_name = step
    series_names = [h for h in header if h != x_name and h in table]
    if not series_names:
        raise LoadError(path, "CSV has no metric columns")
    notes: list[str] = []
    n_rows = len(next(iter(table.values())))
    epochs = np.arange(n_rows, dtype=np.int64)
    keep: np.ndarray | None = None
    if x_name is not None:
        x = table[x_name]
        numbers, note = epoch_numbers(x, f"column {x_name!r}", path)
        if note:
            notes.append(note)
        if numbers is not None:
            keep, note = keep_last_per_epoch(numbers)
            if note:
                notes.append(note)
            epochs = numbers[keep] if keep is not None else numbers
    series = {h: (table[h][keep] if keep is not None else table[h]) for h in series_names}
    require_finite_metric(series, path, text)
    return History(
        epochs=epochs,
        epoch_series=series,
        source=SourceInfo(path=path, format=fmt, notes=tuple(notes)),
    )


def _from_columns(
    header: list[str], table: dict[str, np.ndarray], path: str, columns: ColumnOptions
) -> History:
    name = columns.name or "loss"
    series: dict[str, np.ndarray] = {}
    for role, col, key in (
        ("--train-col", columns.train_col, name),
        ("--val-col", columns.val_col, f"val_{name}"),
    ):
        if col is None:
            continue
        if col not in table:
            raise LoadError(path, f"{role} {col!r} is not a column (columns: {', '.join(header)})")
        series[key] = table[col]
    if not series:
        raise LoadError(path, "column options name no series (give --train-col or --val-col)")
    n = len(next(iter(table.values())))
    notes: list[str] = []
    if columns.x_col is not None:
        if columns.x_col not in table:
            raise LoadError(path, f"--x-col {columns.x_col!r} is not a column")
        x = table[columns.x_col]
        rows = np.isfinite(x)
        # sparse tables (one metric per row) keep the rows where a chosen series has a value
        has_value = np.zeros(n, dtype=bool)
        for arr in series.values():
            has_value |= ~np.isnan(arr)
        rows &= has_value
        x = x[rows]
        series = {k: v[rows] for k, v in series.items()}
        # merge rows by their exact x value (truncating 0.25 to 0 would mix distinct rows)
        ux, inverse = np.unique(x, return_inverse=True)
        merged = {}
        averaged = 0
        for k, v in series.items():
            # NaN is a missing cell here; inf stays inf (a divergence must stay visible)
            sums = np.bincount(
                inverse, weights=np.where(np.isnan(v), 0.0, v), minlength=ux.shape[0]
            )
            cnt = np.bincount(inverse, weights=~np.isnan(v), minlength=ux.shape[0])
            averaged += int(np.sum(cnt > 1))
            with np.errstate(invalid="ignore", divide="ignore"):
                merged[k] = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
        if averaged:
            notes.append(
                f"{averaged} --x-col values have several rows with a value: "
                "each one's values were averaged"
            )
        if np.all(ux == np.round(ux)):
            epochs = ux.astype(np.int64)
        else:
            epochs = np.arange(ux.shape[0], dtype=np.int64)
            notes.append(
                f"--x-col {columns.x_col!r} holds values that are not whole numbers: "
                "rows are numbered in its order"
            )
        series = merged
    else:
        epochs = np.arange(n, dtype=np.int64)
    return History(
        epochs=epochs,
        epoch_series=series,
        source=SourceInfo(path=path, format="csv-columns", notes=tuple(notes)),
    )
