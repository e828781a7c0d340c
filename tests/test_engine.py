"""Runners: in-process and in worker processes give the same dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from eotext.clients.limits import current_shared_limit
from eotext.config.recipe import GridSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.run.engine import (
    LocalRunner,
    ProcessRunner,
    RequestLimit,
    ThreadRunner,
    make_runner,
    units_in_flight,
)
from tests.conftest import WORLDCOVER_1024, need


def _square(x: int) -> int:
    return x * x


def _keep_a_lease(_: int) -> bool:
    """In a worker: take one lease of the shared limit without waiting, and keep it."""
    limit: Any = current_shared_limit()
    assert limit is not None
    return bool(limit.acquire(timeout=0.01))


def test_workers_share_one_llm_limit() -> None:
    """Every worker process takes leases of the same semaphore (a manager's), not its own."""
    runner = ProcessRunner(2, RequestLimit("eotext-llm-test", 3))
    got = list(runner.map_unordered(_keep_a_lease, range(5)))
    assert sorted(got) == [False, False, True, True, True]
    assert isinstance(make_runner(2, llm_limit=RequestLimit("x", 1)), ProcessRunner)


def test_runners_map_every_task() -> None:
    assert sorted(LocalRunner().map_unordered(_square, range(7))) == [0, 1, 4, 9, 16, 25, 36]
    assert sorted(ProcessRunner(2).map_unordered(_square, range(7))) == [0, 1, 4, 9, 16, 25, 36]
    assert isinstance(make_runner(1), LocalRunner)
    assert isinstance(make_runner(3), ProcessRunner)


def _pid_after_a_while(_: int) -> int:
    import os
    import time

    time.sleep(0.05)
    return os.getpid()


def test_the_waiting_process_runs_units_too() -> None:
    """`workers = 2` is this process and one worker process: a worker process costs seconds
    of start-up before its first unit, and this process would only wait."""
    import os

    pids = set(ProcessRunner(2).map_unordered(_pid_after_a_while, range(40)))
    assert os.getpid() in pids and len(pids) == 2


def _pandas_in_a_worker(_: int) -> tuple[int, bool, bool, list[dict[str, Any]]]:
    """In a worker: whether pandas can be imported, and a table made and read back."""
    import io
    import os
    import sys

    import pyarrow as pa

    table = pa.Table.from_pylist([{"a": 1, "b": "x"}])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    try:
        import pandas  # noqa: F401

        importable = True
    except ModuleNotFoundError:
        importable = False
    return os.getpid(), "pandas" in sys.modules, importable, pq.read_table(sink).to_pylist()


def test_worker_processes_leave_pandas_out() -> None:
    """pyarrow would import pandas (0.15-0.25 s) in each worker at its first table, for
    nothing: units never hand it pandas objects. Tables are made and read all the same."""
    import os

    in_workers = 0
    for pid, imported, importable, rows in ProcessRunner(2).map_unordered(
        _pandas_in_a_worker, range(8)
    ):
        assert rows == [{"a": 1, "b": "x"}]
        if pid != os.getpid():
            assert not imported and not importable
            in_workers += 1
    assert in_workers > 0  # the worker process did take tasks


def test_pandas_imports_again_after_the_block() -> None:
    """The build command's own process leaves pandas out while it builds, and only then."""
    import subprocess
    import sys

    script = """
import sys
from eotext.run.engine import pandas_left_out
with pandas_left_out():
    try:
        import pandas
    except ModuleNotFoundError as exc:
        print("left out:", "left out" in str(exc))
import pandas
print("after:", "pandas" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split("\n")[:2] == ["left out: True", "after: True"]


def test_units_in_flight_keep_the_slots_filled() -> None:
    """Besides the unit at the CPU, the waiting units hold eight rounds of requests."""
    assert units_in_flight(16, 64) == 3 and units_in_flight(16, 16) == 9
    assert units_in_flight(16, 1024) == 2 and units_in_flight(4, 1) == 16
    assert isinstance(make_runner(1, units_in_flight=3), ThreadRunner)


@pytest.mark.slow
def test_two_workers_build_the_same_dataset(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)

    def recipe(workers: int) -> Recipe:
        return Recipe(
            sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
            grid=GridSpec(patch_size=128),
            output=OutputSpec(unit_patches=2, workers=workers),
        )

    one = build_dataset(recipe(1), tmp_path / "one")
    two = build_dataset(recipe(2), tmp_path / "two")
    assert one.patches == two.patches == 64 and two.units_run == 16
    for table in ("patches.parquet", "texts.parquet"):
        assert pq.read_table(tmp_path / "one" / table).equals(
            pq.read_table(tmp_path / "two" / table)
        )


@pytest.mark.slow
def test_killing_the_build_kills_its_workers(tmp_path: Path) -> None:
    """`kill -9` of a `--workers 3` build (this process and two worker processes) leaves no
    worker (nor resource tracker) behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from tests.conftest import WORLDCOVER_TILE

    tile = need(WORLDCOVER_TILE)
    eotext = Path(sys.executable).with_name("eotext")
    cmd = [str(eotext), "-q", "build", "--labels", str(tile), "--scheme", "worldcover"]
    proc = subprocess.Popen([*cmd, "--workers", "3", "-o", str(tmp_path / "out")])
    try:
        deadline = time.monotonic() + 120
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 3:  # 2 workers + tracker
            time.sleep(0.2)
            children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2, "the build did not start its workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"still running after the parent was killed: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
