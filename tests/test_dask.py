"""Builds on a real Dask cluster (a scheduler and two workers over TCP on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import GridSpec, OutputSpec, Recipe, SourceSpec
from eotext.errors import OutputError, RecipeError
from eotext.run.build import build_dataset
from eotext.run.dask_runner import DaskRunner
from tests.conftest import WORLDCOVER_1024, need
from tests.dask_cluster import DaskCluster, free_port

TABLES = ("patches.parquet", "texts.parquet")


def _recipe(labels: Path, scheduler: str | None = None, workers: int = 1) -> Recipe:
    return Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=128),
        output=OutputSpec(unit_patches=2, workers=workers, scheduler=scheduler),
    )


def _same_tables(a: Path, b: Path) -> None:
    for table in TABLES:
        assert pq.read_table(a / table).equals(pq.read_table(b / table)), table


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    result = build_dataset(_recipe(need(WORLDCOVER_1024)), out)
    assert result.patches == 64 and result.units_run == 16
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    need(WORLDCOVER_1024)
    with DaskCluster(workers=2, log_dir=tmp_path_factory.mktemp("dask-logs")) as c:
        yield c


@pytest.mark.slow
def test_cli_build_on_cluster_equals_local_build(
    tmp_path: Path, cluster: DaskCluster, local_build: Path
) -> None:
    out = tmp_path / "dask"
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[[sources]]\nlabels = "{WORLDCOVER_1024}"\nscheme = "worldcover"\n'
        f"[grid]\npatch_size = 128\n[output]\nunit_patches = 2\n"
        f'scheduler = "{cluster.address}"\n'
    )
    result = CliRunner().invoke(cli, ["-q", "build", str(recipe), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "64 patches, 128 texts (16 units built, 0 already done" in result.output
    _same_tables(out, local_build)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["recipe"]["output"]["scheduler"] == cluster.address
    # Rerunning resumes: nothing left to do, the tables stay the same.
    again = CliRunner().invoke(cli, ["-q", "build", str(recipe), "-o", str(out)])
    assert again.exit_code == 0 and "(0 units built, 16 already done" in again.output
    _same_tables(out, local_build)


class _KillAfter:
    """Wraps a runner: kills a worker that is processing a unit after ``after`` results."""

    def __init__(self, inner: DaskRunner, cluster: DaskCluster, after: int) -> None:
        self.inner, self.cluster, self.after = inner, cluster, after
        self.killed_busy = False

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for i, result in enumerate(self.inner.map_unordered(fn, tasks)):
            if i == self.after:
                self.killed_busy = self._kill_a_busy_worker()
            yield result

    def _kill_a_busy_worker(self) -> bool:
        from distributed import Client

        with Client(self.cluster.address, timeout=30, set_as_default=False) as client:
            processing = client.processing()
            names = {a: str(w["name"]) for a, w in client.scheduler_info()["workers"].items()}
        busy = [names[a] for a, keys in processing.items() if keys]
        victim = busy[0] if busy else "w0"
        self.cluster.kill_worker(int(victim.removeprefix("w")))
        return bool(busy)


@pytest.mark.slow
def test_killed_worker_loses_and_duplicates_nothing(tmp_path: Path, local_build: Path) -> None:
    labels = need(WORLDCOVER_1024)
    with DaskCluster(workers=2, log_dir=tmp_path) as cluster:
        runner = _KillAfter(DaskRunner(cluster.address), cluster, after=3)
        result = build_dataset(_recipe(labels, cluster.address), tmp_path / "out", runner=runner)
    assert runner.killed_busy, "the killed worker had no unit in flight"
    assert result.units_run == 16 and result.patches == 64
    _same_tables(tmp_path / "out", local_build)
    ids = pq.read_table(tmp_path / "out" / "patches.parquet").column("patch_id").to_pylist()
    assert len(ids) == len(set(ids)) == 64
    summaries = list((tmp_path / "out" / ".eotext" / "units").glob("*.done.json"))
    assert len(summaries) == 16


def test_unreachable_scheduler_is_one_line_error(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    address = f"tcp://127.0.0.1:{free_port()}"
    runner = DaskRunner(address)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("eotext.run.dask_runner.CONNECT_TIMEOUT_S", 2.0)
        with pytest.raises(OutputError, match="no Dask scheduler answers at"):
            build_dataset(_recipe(labels), tmp_path / "out", runner=runner)


def test_scheduler_must_be_an_address() -> None:
    with pytest.raises(RecipeError, match="Dask scheduler address"):
        OutputSpec(scheduler="localhost")


def test_scheduler_does_not_change_the_fingerprint() -> None:
    labels = str(WORLDCOVER_1024)
    assert _recipe(Path(labels)).fingerprint() == _recipe(Path(labels), "tcp://x:1").fingerprint()


def test_cli_scheduler_flag_reaches_the_recipe(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("eotext.run.dask_runner.CONNECT_TIMEOUT_S", 1.0)
        result = CliRunner().invoke(
            cli,
            [
                *("-q", "build", "--labels", str(labels), "--scheme", "worldcover"),
                *("--scheduler", address, "-o", str(tmp_path / "out")),
            ],
        )
    assert result.exit_code == 1
    assert result.output.startswith(f"eotext: error: no Dask scheduler answers at {address}")


def _llm_recipe(labels: Path, base_url: str, scheduler: str | None, workers: int) -> Recipe:
    from eotext.config.recipe import AnnotateSpec, LlmSpec

    return Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=128),
        annotate=AnnotateSpec(
            kinds=("llm",), llm=LlmSpec(base_url=base_url, model="stub", concurrency=2)
        ),
        output=OutputSpec(unit_patches=2, workers=workers, scheduler=scheduler),
    )


@pytest.mark.slow
def test_llm_budget_holds_across_cluster_workers(tmp_path: Path, cluster: DaskCluster) -> None:
    """Two workers with concurrency = 2 each send at most 2 requests at once, not 4."""
    from tests.llm_stub import StubLLM

    labels = need(WORLDCOVER_1024)
    with StubLLM(latency_s=0.3) as stub:
        recipe = _llm_recipe(labels, stub.base_url, cluster.address, 1)
        result = build_dataset(recipe, tmp_path / "out")
    assert result.texts == 64
    assert 1 <= stub.max_in_flight <= 2
    bodies = [json.dumps(b, sort_keys=True) for b in stub.answered]
    assert len(bodies) == len(set(bodies)) == 64  # no request sent twice


@pytest.mark.slow
def test_llm_budget_holds_across_local_worker_processes(tmp_path: Path) -> None:
    from tests.llm_stub import StubLLM

    labels = need(WORLDCOVER_1024)
    with StubLLM(latency_s=0.3) as stub:
        result = build_dataset(_llm_recipe(labels, stub.base_url, None, 2), tmp_path / "out")
    assert result.texts == 64
    assert 1 <= stub.max_in_flight <= 2
