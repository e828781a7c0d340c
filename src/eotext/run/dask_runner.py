"""Runs units of work on an existing Dask cluster (``--scheduler tcp://HOST:PORT``).

Every unit is one Dask task. The worker that runs it writes the unit's files into the output
folder itself, through temporary names and renames (see :class:`eotext.store.folder.DatasetFolder`),
so the output folder must be storage that every worker and this machine see at the same path
(NFS, a cluster file system, or one machine). Only the unit's small summary travels back.

When a worker dies, the scheduler gives its unfinished units to another worker (up to
``distributed.scheduler.allowed-failures`` deaths per unit). A unit that ran partly on the dead
worker is simply written again: its rows live in per-unit files that the rerun replaces, so
nothing is lost and nothing is duplicated. A killed build resumes like a local one.

LLM requests hold a lease of one cluster-wide :class:`distributed.Semaphore` per build, so
``concurrency`` bounds the requests in flight across all workers, not per worker. The leases of
a worker that dies return after ``distributed.scheduler.locks.lease-timeout`` (30 s by default).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from eotext.errors import MissingDependencyError, OutputError
from eotext.run.engine import RequestLimit

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

#: How long to wait for the scheduler to answer, and for at least one worker to join.
CONNECT_TIMEOUT_S = 20.0


class DaskRunner:
    """Runs tasks on the Dask cluster whose scheduler listens at ``address``.

    Args:
        address: the scheduler, e.g. ``tcp://10.0.0.5:8786``.
        llm_limit: a semaphore every worker's LLM requests share, or None.
    """

    def __init__(self, address: str, llm_limit: RequestLimit | None = None) -> None:
        self.address = address
        self.llm_limit = llm_limit

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        client = self._connect()
        try:
            _check_workers(client, self.address)
            futures = client.map(
                _run_task, [(fn, t, self.llm_limit) for t in tasks], pure=False, key="eotext-unit"
            )
            from distributed import as_completed

            for fut in as_completed(futures, loop=client.loop):
                result: R = fut.result()
                fut.release()
                yield result
        finally:
            if self.llm_limit is not None:
                _close_semaphore(client, self.llm_limit)
            client.close()

    def _connect(self) -> Any:
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependencyError(
                "--scheduler needs dask.distributed: pip install 'eotext[dask]'"
            ) from None
        try:
            return Client(self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise OutputError(
                f"no Dask scheduler answers at {self.address} ({exc}); start one with "
                "`dask scheduler` and workers with `dask worker ADDRESS`, or drop --scheduler"
            ) from None


def worker_versions(client: Any) -> dict[str, str]:
    """The eotext version on each worker (run on the workers themselves)."""
    return dict(client.run(_eotext_version))


def _eotext_version() -> str:
    from eotext import __version__

    return __version__


def _check_workers(client: Any, address: str) -> None:
    """Fail early, in one line, when no worker joins or the workers run another eotext."""
    from eotext import __version__

    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except TimeoutError:
        raise OutputError(
            f"the Dask scheduler at {address} has no workers; start some with "
            f"`dask worker {address}`"
        ) from None
    try:
        versions = worker_versions(client)
    except ModuleNotFoundError:
        raise MissingDependencyError(
            f"the Dask workers of {address} cannot import eotext; install eotext (the same "
            "version) in the workers' Python environment"
        ) from None
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        raise OutputError(
            f"Dask workers run another eotext version than this one ({__version__}): "
            f"{sorted(other.items())}; install the same version everywhere"
        )


def _close_semaphore(client: Any, limit: RequestLimit) -> None:
    """Remove the build's semaphore from the scheduler (it exists only if a unit used it)."""
    from distributed import Semaphore

    semaphore = Semaphore(
        max_leases=limit.leases, name=limit.name, scheduler_rpc=client.scheduler, loop=client.loop
    )
    try:
        semaphore.close()
    except Exception as exc:  # the scheduler may be gone; the semaphore goes with it
        log.debug("could not close semaphore %s: %s", limit.name, exc)


def _run_task(job: tuple[Callable[[Any], Any], Any, RequestLimit | None]) -> Any:
    """On a worker: run one task, its LLM requests within the cluster-wide limit."""
    fn, task, limit = job
    if limit is None:
        return fn(task)
    from distributed import Semaphore, get_worker

    from eotext.clients.limits import shared_limit

    worker = get_worker()
    # Bound to the worker's loop here, in the task's thread: the client acquires leases from
    # other threads (asyncio.to_thread), where get_worker() would not work.
    semaphore = Semaphore(
        max_leases=limit.leases, name=limit.name, scheduler_rpc=worker.scheduler, loop=worker.loop
    )
    try:
        with shared_limit(semaphore):
            return fn(task)
    finally:
        # Not close(): that would delete the semaphore for every other worker too. The
        # build's client closes it when the build ends.
        semaphore.refresh_callback.stop()
