"""One writer per dataset folder, and readers that never see half of a publication.

A build holds :class:`WriterLock` (``OUT/.eotext/lock``, an exclusive ``flock``) from before
it writes anything until it ends; a second build into the same folder is refused at once with
the holder's pid. The kernel drops the lock when the holder dies, even by ``kill -9``, so a
killed build never leaves a stale lock behind.

Tables and manifest are replaced one file at a time (each atomically); :func:`publishing`
holds ``OUT/.eotext/publish.lock`` exclusively while a build replaces them, and
:func:`reading` holds it shared while a reader (export, info, report) reads them, so a reader
sees the tables and manifest of one publication, never a mix of two.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from eotext.errors import OutputError

_STATE = ".eotext"
LOCK_NAME = "lock"
PUBLISH_NAME = "publish.lock"

#: Folders this process is publishing: its own reads (the data card) must not wait on itself.
_publishing: set[Path] = set()


class FolderBusyError(OutputError):
    """Another process is writing the dataset folder."""


class WriterLock:
    """The exclusive writer lock of a dataset folder (use as a context manager)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / _STATE / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting.

        Raises:
            FolderBusyError: another process holds it (its pid is in the message).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise FolderBusyError(
                f"{self.root} is being written by another eotext build (pid {holder}); "
                "nothing was changed. Wait for it to end (or stop it), then rerun, or write "
                "to another folder with -o"
            ) from None
        # The pid is for the message above; a full disk must not stop us from holding the lock.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def publishing(root: Path) -> Iterator[None]:
    """Hold the publication lock exclusively while tables and manifest are replaced."""
    path = root / _STATE / PUBLISH_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    key = root.resolve()
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # readers hold it for the length of one read
        _publishing.add(key)
        yield
    finally:
        _publishing.discard(key)
        os.close(fd)


@contextlib.contextmanager
def reading(root: Path) -> Iterator[None]:
    """Hold the publication lock shared while reading tables and manifest.

    A folder without the lock file (built by an older eotext, or copied) or one this process
    is publishing is read without it; so is a folder whose lock file cannot be opened
    (a read-only copy has no writer to wait for).
    """
    path = root / _STATE / PUBLISH_NAME
    if root.resolve() in _publishing:
        yield
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)
