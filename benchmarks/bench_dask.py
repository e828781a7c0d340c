"""Benchmark: the same build on 1 and 2 local worker processes, a 2-worker ``LocalCluster`` and a
2-worker Dask cluster of real ``dask scheduler`` / ``dask worker`` processes over TCP.

Prints kept patches/s for each, the speed-up against 1 local worker (the baseline, measured in
the same run), and the projected time of a ChatEarthNet-scale build (163,488 patches) at each
rate. Each configuration builds into a fresh folder; with ``--repeat N`` the configurations
alternate N times and the medians are reported.

    python benchmarks/bench_dask.py [--tile PATH] [--repeat N] [--unit-patches 8]

The default input is the whole WorldCover tile N00E006 (36000 x 36000 px, ~97 % ocean).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TILE = (
    ROOT
    / ".."
    / "shared"
    / "data"
    / "worldcover_N00E006_2021"
    / "ESA_WorldCover_10m_2021_v200_N00E006_Map.tif"
)
CHATEARTHNET_PATCHES = 163_488


def _recipe(tile: str, unit_patches: int, workers: int, scheduler: str | None = None):  # type: ignore[no-untyped-def]
    from eotext.config.recipe import FilterSpec, OutputSpec, Recipe, SourceSpec

    return Recipe(
        sources=(SourceSpec(id="N00E006", labels=tile, scheme="worldcover"),),
        # Keep every patch with at least one land pixel: the tile is mostly ocean (nodata).
        filters=FilterSpec(min_valid_fraction=0.0),
        output=OutputSpec(unit_patches=unit_patches, workers=workers, scheduler=scheduler),
    )


def _build(
    tile: str, unit_patches: int, out: str, workers: int, scheduler: str | None
) -> tuple[float, int]:
    from eotext.run.build import build_dataset

    t0 = time.perf_counter()
    result = build_dataset(_recipe(tile, unit_patches, workers, scheduler), out)
    return time.perf_counter() - t0, result.patches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", default=str(DEFAULT_TILE))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--unit-patches", type=int, default=8)
    args = parser.parse_args()
    if not Path(args.tile).exists():
        sys.exit(f"tile not found: {args.tile}")
    sys.path.insert(0, str(ROOT))
    from distributed import LocalCluster
    from tests.dask_cluster import DaskCluster

    times: dict[str, list[float]] = {}
    patches = 0
    with (
        DaskCluster(workers=2) as tcp,
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
    ):
        configs = {
            "local, 1 worker (baseline)": (1, None),
            "local pool, 2 workers": (2, None),
            "LocalCluster, 2 workers": (1, local.scheduler_address),
            "Dask TCP cluster, 2 workers": (1, tcp.address),
        }
        for _ in range(args.repeat):
            for name, (workers, scheduler) in configs.items():
                with tempfile.TemporaryDirectory(prefix="eotext-bench-dask-") as tmp:
                    out = os.path.join(tmp, "out")
                    seconds, patches = _build(args.tile, args.unit_patches, out, workers, scheduler)
                times.setdefault(name, []).append(seconds)
                print(f"  ... {name}: {seconds:.1f} s", file=sys.stderr)
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["local, 1 worker (baseline)"]
    print(
        f"{Path(args.tile).name}: {patches} kept patches, 256-px patches, units of "
        f"{args.unit_patches}x{args.unit_patches} patches, median of {args.repeat} run(s), "
        f"{os.cpu_count()} CPU core(s)"
    )
    for name, seconds in medians.items():
        rate = patches / seconds
        projected_h = CHATEARTHNET_PATCHES / rate / 3600
        print(
            f"  {name:30} {seconds:7.1f} s  {rate:7.1f} patches/s  speed-up {base / seconds:4.2f}x"
            f"  163,488 patches in {projected_h:5.2f} h"
        )


if __name__ == "__main__":
    main()
