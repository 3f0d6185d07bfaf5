"""Writing output files safely: a reader never sees half a file, and a crash loses no write.

One writer for every file curvedoc writes: the command line's reports, summaries and
comparisons (``-o``, ``--report-dir``) and the recorder's history file, which is rewritten
after every epoch while other processes (``curvedoc analyze`` in another terminal) may be
reading it. It writes through a symbolic link (the link stays, its target is replaced)
and never replaces anything that is not a regular file (a device such as ``/dev/null``, a
FIFO, a directory): :class:`UnsafeTargetError`. A writer killed between creating its
temporary file and renaming it leaves ``.NAME.XXXXXXXXXXXX.tmp`` behind;
:func:`remove_stale_temporaries` removes those of one target, and only those no live
writer holds (each writer keeps an exclusive ``flock`` on its temporary file while it
writes, released by the kernel when the process dies, SIGKILL included). Standard
library only, so the recorder can use it without importing anything heavy.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "TEMPORARY_NAME",
    "UnsafeTargetError",
    "is_temporary_name",
    "remove_stale_temporaries",
    "resolve_target",
    "write_text_atomic",
]

TEMPORARY_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.tmp$")
"""The name of a temporary file of this writer: ``.NAME.`` then 12 hex digits, ``.tmp``."""

STALE_WITHOUT_LOCKS = 3600.0
"""Where ``flock`` does not exist, a temporary file this many seconds old counts as stale."""


class UnsafeTargetError(OSError):
    """The output path names something a report must not replace (a device, a FIFO, ...)."""


def is_temporary_name(name: str) -> bool:
    """Whether a file name is one of this writer's temporary files."""
    return TEMPORARY_NAME.match(name) is not None


def resolve_target(path: str | os.PathLike[str]) -> str:
    """The file a write to ``path`` must replace: the path, or where its symbolic link leads.

    Raises:
        UnsafeTargetError: the path (or its link's target) exists and is not a regular
            file: a device, a FIFO, a socket or a directory.
    """
    target = os.fspath(path)
    if os.path.islink(target):
        target = os.path.realpath(target)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError:
        return target  # let the write itself report it
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeTargetError(f"it is {_kind(st.st_mode)}, not a regular file")
    return target


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so a reader sees the old file or the new one, whole.

    The text goes to a hidden temporary file in the same directory (``.NAME.XXXX.tmp``, so
    a folder scan never takes it for a run), locked while it is written, flushed and
    fsynced, then renamed over the target; the directory is fsynced too where the platform
    allows, so the rename survives a power cut. A symbolic link is written through: the
    file it names is replaced and the link stays. The file gets ordinary permissions (0666
    minus the umask, applied by ``open`` itself: the process-wide umask is never changed,
    so other threads are not affected). On any failure the temporary file is removed and
    the error propagates.

    The directory must exist (a missing one is an ``OSError``, as for ``open``).

    Raises:
        UnsafeTargetError: ``path`` is a device, FIFO, socket or directory (never replaced).
    """
    target = resolve_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = _create_temporary(directory, os.path.basename(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
            if fcntl is not None:  # rename while still holding the lock
                os.replace(tmp, target)
        if fcntl is None:  # pragma: no cover - Windows renames closed files only
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """Create a new, empty, uniquely named file next to the target, locked; its fd and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # pragma: no cover - a cleaner got there first: another name
                os.close(fd)
                continue
        return fd, tmp
    raise FileExistsError(f"cannot create a temporary file in {directory}")  # pragma: no cover


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files a killed writer left next to ``path``; return their paths.

    Only this writer's own kind (``.NAME.XXXXXXXXXXXX.tmp`` for this very ``NAME``), only
    regular files (never a link), only files this user owns, and only when no process holds
    the file's lock, that is when its writer is gone (without ``flock``, when it is more
    than :data:`STALE_WITHOUT_LOCKS` seconds old). Never raises: a file it cannot check or
    remove is left alone.
    """
    try:
        target = resolve_target(path)
    except OSError:
        return []
    directory = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = TEMPORARY_NAME.match(name)
        if m is None or m.group("name") != base:
            continue
        candidate = os.path.join(directory, name)
        if _remove_if_stale(candidate):
            removed.append(candidate)
    return removed


def _remove_if_stale(candidate: str) -> bool:
    """Unlink one temporary file if it is a regular file of ours that no writer holds."""
    try:
        st = os.lstat(candidate)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if fcntl is None:  # pragma: no cover - Windows
        if time.time() - st.st_mtime < STALE_WITHOUT_LOCKS:
            return False
        with contextlib.suppress(OSError):
            os.unlink(candidate)
            return True
        return False
    try:
        fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer holds it
        held = os.fstat(fd)
        if (held.st_dev, held.st_ino) != (st.st_dev, st.st_ino):
            return False  # replaced since we looked
        os.unlink(candidate)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


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
