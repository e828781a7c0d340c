"""Runs units of work: in-process, in a pool of worker processes, or on a Dask cluster.

A runner maps a function over tasks and yields results as they finish. The engine skips units
whose results are already stored, so a rerun resumes a killed build. The Dask runner lives in
:mod:`eotext.run.dask_runner` (imported only when a scheduler is given).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass
from multiprocessing.managers import SyncManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestLimit:
    """One build's LLM budget: at most ``leases`` requests in flight across all its workers.

    ``name`` identifies the budget where workers share it by name (a Dask semaphore).
    """

    name: str
    leases: int


class Runner(Protocol):
    """Something that applies a function to tasks and yields each result when it is ready."""

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...


class LocalRunner:
    """Runs tasks one after another in this process (the default; easiest to debug)."""

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)


#: The interpreter's switch interval while units in flight share the process with the request
#: loop (the default is 5 ms).
SWITCH_INTERVAL_S = 0.0005


class ThreadRunner:
    """Runs up to ``in_flight`` tasks at once in threads of this process.

    For units that mostly wait (LLM requests): while one unit waits for its last answers, the
    next is read, analysed and sends its requests, and a finished unit is stored at once. The
    units take turns at the CPU (:mod:`eotext.clients.turns`): one works while the others wait
    for answers, so the first unit's requests go out as soon as it alone is analysed.

    Meanwhile the interpreter's switch interval is cut to :data:`SWITCH_INTERVAL_S`: the request
    loop thread wakes for every answer and, behind a unit thread at its CPU work, would wait
    up to the default 5 ms for the GIL at each wake-up, leaving the endpoint's slots idle.
    """

    def __init__(self, in_flight: int) -> None:
        self.in_flight = max(1, in_flight)

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        from eotext.clients.turns import CpuTurns, taking_turns

        turns = CpuTurns()

        def run(task: T) -> R:
            with taking_turns(turns):
                return fn(task)

        switch_interval = sys.getswitchinterval()
        with ThreadPoolExecutor(self.in_flight, thread_name_prefix="eotext-unit") as pool:
            pending: set[Future[R]] = set()
            it = iter(tasks)
            try:
                sys.setswitchinterval(min(switch_interval, SWITCH_INTERVAL_S))
                for task in it:
                    pending.add(pool.submit(run, task))
                    if len(pending) >= self.in_flight:
                        break
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        nxt = next(it, None)
                        if nxt is not None:
                            pending.add(pool.submit(run, nxt))
                        yield fut.result()
            finally:
                for fut in pending:
                    fut.cancel()
                sys.setswitchinterval(switch_interval)


class ProcessRunner:
    """Runs ``workers`` tasks at once: one in a thread of this process, the others in worker
    processes, keeping each worker busy with a task queued behind the one it runs.

    This process has imported everything a unit needs already; a worker process costs seconds
    of CPU before its first unit (start-up, imports, context data), so the process that waits
    for the results works too. With ``llm_limit``, the LLM requests of all share one semaphore
    held by a manager process, so the budget holds for the whole build rather than per worker.
    """

    def __init__(self, workers: int, llm_limit: RequestLimit | None = None) -> None:
        self.workers = workers
        self.llm_limit = llm_limit

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        # "spawn" avoids forking a process that holds GDAL handles or threads.
        ctx = multiprocessing.get_context("spawn")
        parent = os.getpid()
        processes = max(1, self.workers - 1)
        with contextlib.ExitStack() as stack:
            semaphore = None
            if self.llm_limit is not None:
                # The manager holding the shared semaphore dies with this process too.
                manager = SyncManager(ctx=ctx)
                manager.start(die_with_parent, (parent,))
                stack.enter_context(manager)
                semaphore = manager.BoundedSemaphore(self.llm_limit.leases)
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    processes, mp_context=ctx, initializer=_start_worker, initargs=(parent,)
                )
            )
            here = None
            if self.workers > 1:
                here = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="eotext-unit"))
            # Each executor with the tasks it may hold: a queued task behind each running one
            # for the processes (their results travel through pipes); one for this process.
            slots: list[tuple[Executor, int]] = [(pool, 2 * processes)]
            if here is not None:
                slots.insert(0, (here, 1))
            owner: dict[Future[R], Executor] = {}
            it = iter(tasks)

            def fill() -> None:
                for executor, limit in slots:
                    held = sum(1 for e in owner.values() if e is executor)
                    while held < limit:
                        task = next(it, None)
                        if task is None:
                            return
                        owner[executor.submit(_run_in_worker, fn, task, semaphore)] = executor
                        held += 1

            try:
                fill()
                while owner:
                    done, _ = wait(owner, return_when=FIRST_COMPLETED)
                    for fut in done:
                        del owner[fut]
                    fill()
                    for fut in done:
                        yield fut.result()
            finally:
                for fut in owner:
                    fut.cancel()


def _run_in_worker(fn: Callable[[T], R], task: T, semaphore: Any) -> R:
    """In a worker process: run ``fn``, its LLM requests within the shared semaphore; before
    the first task, freeze what the worker imported."""
    global _imports_frozen
    if not _imports_frozen:
        # The task is unpickled, so what units need is imported: those objects live as long
        # as the worker, and frozen, the collections between units no longer walk them.
        gc.freeze()
        _imports_frozen = True
    if semaphore is None:
        return fn(task)
    from eotext.clients.limits import shared_limit

    with shared_limit(semaphore):
        return fn(task)


class _PandasLeftOut:
    """An import hook under which ``import pandas`` fails.

    pyarrow imports pandas (0.15-0.25 s) at the first array or table a process makes, only to
    learn whether what it is handed are pandas objects; units never hand it any, and without
    pandas pyarrow works as it does where pandas is not installed.
    """

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(
                "pandas is left out of eotext's unit workers; a step that needs it must run "
                "outside the build",
                name=name,
            )


@contextlib.contextmanager
def pandas_left_out() -> Iterator[None]:
    """While the block runs, ``import pandas`` fails in this process (see
    :class:`_PandasLeftOut`), unless pandas is imported already. For the build command's own
    process, which runs units too; pandas imports normally again after the block."""
    if "pandas" in sys.modules:
        yield
        return
    sys.meta_path.insert(0, _PandasLeftOut)
    try:
        yield
    finally:
        sys.meta_path.remove(_PandasLeftOut)


_imports_frozen = False


def _start_worker(parent_pid: int) -> None:
    """In a new worker process: end with the parent, leave pandas out (see
    :class:`_PandasLeftOut`), and exit without walking its objects again."""
    die_with_parent(parent_pid)
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _PandasLeftOut)
    # At exit the interpreter walks every object alive two or three times to collect cycles;
    # a worker has nothing left to close by then, and the build waits for it: 0.2 s. Frozen
    # objects are not walked.
    atexit.register(gc.freeze)


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process end when ``parent_pid`` ends, even by ``kill -9``.

    Linux delivers SIGKILL to the worker when its parent thread dies (``PR_SET_PDEATHSIG``);
    elsewhere, and as a second line, a daemon thread polls the parent's pid every second.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
            pass
    if os.getppid() != parent_pid:  # the parent died before the call above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="eotext-parent-watch", daemon=True).start()


def make_runner(
    workers: int,
    scheduler: str | None = None,
    llm_limit: RequestLimit | None = None,
    units_in_flight: int = 1,
) -> Runner:
    """A runner for the Dask ``scheduler``, or for ``workers`` processes; in one process, one
    unit after another, or with ``units_in_flight`` > 1 that many units at once in threads.

    ``llm_limit`` is shared by all workers; in one process the client's own limit already
    holds for the whole build.
    """
    if scheduler:
        from eotext.run.dask_runner import DaskRunner

        return DaskRunner(scheduler, llm_limit)
    if workers > 1:
        return ProcessRunner(workers, llm_limit)
    return ThreadRunner(units_in_flight) if units_in_flight > 1 else LocalRunner()


def units_in_flight(concurrency: int, patches_per_unit: int) -> int:
    """Units to keep in flight so that ``concurrency`` requests stay busy across unit
    boundaries: one unit at its turn at the CPU (read and analysed, or written) plus enough
    units waiting for answers to fill the slots eight times over, so the endpoint never waits
    for a unit's CPU work; at most 16."""
    return min(16, 1 + -(-8 * concurrency // max(patches_per_unit, 1)))


def run_units(
    fn: Callable[[T], R],
    tasks: list[T],
    runner: Runner,
    on_result: Callable[[R], None] | None = None,
) -> None:
    """Run ``fn`` over ``tasks``, handing each result to ``on_result`` as it arrives."""
    for summary in runner.map_unordered(fn, tasks):
        if on_result is not None:
            on_result(summary)
