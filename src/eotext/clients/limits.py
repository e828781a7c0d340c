"""A request limit shared by several processes (for example every worker of a Dask cluster).

The chat client limits requests in flight per process; a build on N machines would send N times
that. Whoever runs the work (see :mod:`eotext.run.dask_runner`) installs a :class:`SharedLimit`
for the duration of a unit with :func:`shared_limit`; the client then also holds one lease of it
per request in flight. The limit travels in a context variable, so ``asyncio.run`` and
``asyncio.to_thread`` see it without any argument being threaded through the text layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class SharedLimit(Protocol):
    """A counting semaphore that may live in another process; both calls block."""

    def acquire(self) -> object: ...

    def release(self) -> object: ...


_CURRENT: ContextVar[SharedLimit | None] = ContextVar("eotext_shared_limit", default=None)


@contextmanager
def shared_limit(limit: SharedLimit | None) -> Iterator[None]:
    """Make ``limit`` the one every chat request in this context holds a lease of."""
    token = _CURRENT.set(limit)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_shared_limit() -> SharedLimit | None:
    """The limit installed by :func:`shared_limit`, or None (only the per-process limit)."""
    return _CURRENT.get()
