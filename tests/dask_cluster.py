"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1.

The ``dask`` command is the one installed next to the Python running the tests. Workers import
the eotext under test (its folder goes first on their ``PYTHONPATH``). Every process is stopped
when the ``with`` block ends, whatever happened inside it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import eotext


def dask_executable() -> Path:
    exe = Path(sys.executable).parent / "dask"
    if not exe.exists():
        raise AssertionError(f"no dask command next to {sys.executable}: pip install -e '.[dev]'")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DaskCluster:
    """``with DaskCluster(workers=2) as c:`` then ``c.address``; ``c.kill_worker(i)``."""

    def __init__(self, workers: int = 2, threads: int = 1, log_dir: Path | None = None) -> None:
        self.n_workers = workers
        self.threads = threads
        self.log_dir = log_dir
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._logs: list[Any] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        src = str(Path(eotext.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        out: Any = subprocess.DEVNULL
        if self.log_dir is not None:
            out = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed in __exit__)
            self._logs.append(out)
        return subprocess.Popen(
            [str(dask_executable()), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> DaskCluster:
        try:
            self.scheduler = self._start(
                "scheduler",
                ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            )
            for i in range(self.n_workers):
                self.workers.append(self._start(f"worker{i}", self._worker_args(i)))
            self._wait_for_workers(self.n_workers)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _worker_args(self, i: int) -> list[str]:
        # No nanny: killing the process kills the worker, as a machine that dies would.
        return [
            "worker", self.address, "--name", f"w{i}", "--nthreads", str(self.threads),
            "--no-nanny", "--host", "127.0.0.1", "--no-dashboard",
        ]  # fmt: skip

    def _wait_for_workers(self, n: int, timeout_s: float = 90.0) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout_s, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=timeout_s)

    def worker_names(self) -> dict[str, str]:
        """Worker address -> name, as the scheduler knows them."""
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            info = client.scheduler_info()["workers"]
        return {addr: str(w["name"]) for addr, w in info.items()}

    def kill_worker(self, i: int) -> None:
        """SIGKILL worker ``i``: no goodbye to the scheduler, like a machine that dies."""
        proc = self.workers[i]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def __exit__(self, *exc: object) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in [*self.workers, self.scheduler]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in self._logs:
            f.close()
