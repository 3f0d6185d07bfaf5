"""Writing output files safely: a reader never sees half a file, and a crash loses no write.

One writer for every file curvedoc writes: the command line's reports, summaries and
comparisons (``-o``, ``--report-dir``) and the recorder's history file, which is rewritten
after every epoch while other processes (``curvedoc analyze`` in another terminal) may be
reading it. Standard library only, so the recorder can use it without importing anything
heavy.
"""

from __future__ import annotations

import contextlib
import os
import secrets


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so a reader sees the old file or the new one, whole.

    The text goes to a hidden temporary file in the same directory (``.NAME.XXXX.tmp``, so
    a folder scan never takes it for a run), is flushed and fsynced, then renamed over
    ``path``; the directory is fsynced too where the platform allows, so the rename
    survives a power cut. The file gets ordinary permissions (0666 minus the umask, applied
    by ``open`` itself: the process-wide umask is never changed, so other threads are not
    affected). On any failure the temporary file is removed and the error propagates.

    The directory must exist (a missing one is an ``OSError``, as for ``open``).
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = _create_temporary(directory, os.path.basename(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """Create a new, empty, uniquely named file next to the target; return its fd and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    raise FileExistsError(f"cannot create a temporary file in {directory}")  # pragma: no cover


def _fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (POSIX); a no-op where a folder cannot be opened."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
