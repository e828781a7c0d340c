"""Turns at the CPU for the threads that share the request loop (units of work in flight).

Units in flight in threads of one process mostly wait for answers; between waits they read,
analyse and write, which holds the GIL. Run side by side, their CPU work only slices the
interpreter between them: the first unit's requests go out when every unit started at once has
been analysed, and the loop thread, which refills the endpoint's slots as answers arrive, queues
for the GIL behind all of them. With turns, one unit thread works at a time and gives its turn
up while it waits on the loop (:meth:`eotext.clients.chat.BackgroundLoop.run`), so the first
unit's requests go out as soon as it alone is analysed and the loop competes with one thread.

The runner installs a :class:`CpuTurns` for each unit with :func:`taking_turns`; code that never
runs under one (a single unit, worker processes) is unaffected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class CpuTurns:
    """A turn that threads pass on, first come first served."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[int] = []
        self._next = 0
        self._held = False

    def acquire(self) -> None:
        """Wait for this thread's turn."""
        with self._cond:
            ticket = self._next
            self._next += 1
            self._queue.append(ticket)
            while self._held or self._queue[0] != ticket:
                self._cond.wait()
            self._queue.pop(0)
            self._held = True

    def release(self) -> None:
        """Pass the turn on."""
        with self._cond:
            self._held = False
            self._cond.notify_all()


_CURRENT: ContextVar[CpuTurns | None] = ContextVar("eotext_cpu_turns", default=None)


@contextmanager
def taking_turns(turns: CpuTurns) -> Iterator[None]:
    """Run the block in this thread's turns of ``turns`` (waits for the first one)."""
    turns.acquire()
    token = _CURRENT.set(turns)
    try:
        yield
    finally:
        _CURRENT.reset(token)
        turns.release()


@contextmanager
def turn_given_up() -> Iterator[None]:
    """Give this thread's turn (if it takes turns) to the others while the block waits."""
    turns = _CURRENT.get()
    if turns is None:
        yield
        return
    turns.release()
    try:
        yield
    finally:
        turns.acquire()
