"""Progress indication for long work (many runs, large files), on stderr, only for people.

A progress bar is drawn only when stderr is a terminal, and only once the work has taken
longer than a short delay, so quick commands, pipes, CI logs and tests see nothing at
all: stdout (the report, the JSON) is never touched. It disappears when the work ends.
``CURVEDOC_PROGRESS=0`` turns it off, ``=1`` forces it on (e.g. to look at it in tmux).

Use :func:`track` around a loop, or :class:`Progress` when the work is not a loop::

    from curvedoc.progress import Progress, track

    for path in track(paths, "analysing runs"):
        ...

    with Progress("reading events", total=n_bytes, unit="bytes") as p:
        for chunk in chunks:
            ...
            p.advance(len(chunk))
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from curvedoc.safe_text import printable

T = TypeVar("T")

DEFAULT_DELAY = 0.5
"""Seconds of work before a bar appears: anything quicker shows nothing."""


def progress_enabled(stream: Any = None) -> bool:
    """Whether progress should be shown on ``stream`` (default stderr).

    True when ``CURVEDOC_PROGRESS`` is ``1``; false when it is ``0``, when ``TERM`` is
    ``dumb``, or when the stream is not a terminal.
    """
    forced = os.environ.get("CURVEDOC_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """A progress bar on stderr for one piece of long work; silent when not wanted.

    Args:
        description: what is being done (``"analysing runs"``).
        total: how many units the work has, or None when unknown (a spinner instead).
        unit: ``"items"`` (shown as ``3/10``) or ``"bytes"`` (shown as ``1.2/3.4 MB``).
        enabled: force on or off; None decides with :func:`progress_enabled`.
        delay: seconds of work before the bar appears.

    Use it as a context manager; call :meth:`advance` as units complete and
    :meth:`update` to change the description or the total. All methods are cheap
    no-ops when the bar is disabled, and safe to call from worker threads.
    """

    def __init__(
        self,
        description: str,
        total: float | None = None,
        *,
        unit: str = "items",
        enabled: bool | None = None,
        delay: float = DEFAULT_DELAY,
    ) -> None:
        if unit not in ("items", "bytes"):
            raise ValueError(f"unit must be 'items' or 'bytes', not {unit!r}")
        self.description = printable(description, keep_newlines=False)
        self.total = total
        self.unit = unit
        self.enabled = progress_enabled() if enabled is None else bool(enabled)
        self.delay = float(delay)
        self.completed = 0.0
        self._start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._closed = False

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        if self.enabled and self.delay <= 0:
            self._show()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _show(self) -> None:
        """Start drawing the bar (rich is imported only now)."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        count = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            count,
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr, highlight=False, markup=False),
            transient=True,
        )
        self._task = self._bar.add_task(
            self.description, total=self.total, completed=self.completed
        )
        self._bar.start()

    def _maybe_show(self) -> None:
        if (
            self.enabled
            and self._bar is None
            and not self._closed
            and time.monotonic() - self._start >= self.delay
        ):
            self._show()

    def advance(self, amount: float = 1) -> None:
        """Record ``amount`` more units done."""
        self.completed += amount
        if not self.enabled:
            return
        self._maybe_show()
        if self._bar is not None:
            self._bar.update(self._task, completed=self.completed)

    def update(
        self,
        *,
        description: str | None = None,
        completed: float | None = None,
        total: float | None = None,
    ) -> None:
        """Change the description, the units done, or the total."""
        if description is not None:
            self.description = printable(description, keep_newlines=False)
        if completed is not None:
            self.completed = completed
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        self._maybe_show()
        if self._bar is not None:
            self._bar.update(
                self._task, description=self.description, completed=self.completed, total=self.total
            )

    def close(self) -> None:
        """Remove the bar (it is transient: nothing stays on screen)."""
        self._closed = True
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def track(
    iterable: Iterable[T],
    description: str,
    *,
    total: float | None = None,
    enabled: bool | None = None,
    delay: float = DEFAULT_DELAY,
) -> Iterator[T]:
    """Yield from ``iterable``, advancing a :class:`Progress` bar after each item.

    ``total`` defaults to ``len(iterable)`` when it has one.
    """
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    with Progress(description, total, enabled=enabled, delay=delay) as bar:
        for item in iterable:
            yield item
            bar.advance()
