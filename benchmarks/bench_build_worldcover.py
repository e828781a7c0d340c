"""Benchmark: build the whole WorldCover tile N00E006 (36000 x 36000 px) into a dataset.

Three phases, each in its own process so peak RSS is measured separately:

* build    - statistics, layout, template captions, verification, label patches, previews,
             tables (``eotext build --labels TILE --scheme worldcover`` at default settings, but
             keeping every patch with land)
* plain    - the read-tile-write baseline the build is held to: no eotext, one process reads
             the tile in 1,024-px blocks with rasterio and writes each non-empty 256-px label
             patch as a plain GeoTIFF
* io-only  - eotext's own reading and writing alone: the same reader, units and GeoTIFF
             writer as the build, in as many processes, and nothing else; how much of the
             build is input and output (a floor, not a baseline)

Each phase is timed as a whole process, from outside. Prints patches/s, peak RSS, CPU seconds,
the ratios of wall time build/plain (the baseline) and build/io-only, and the projected time of
a ChatEarthNet-scale build (163,488 patches) at the measured rate.

    python benchmarks/bench_build_worldcover.py [--workers N] [--unit-patches K] [--repeat R]

``--workers 0`` (the default) lets the build choose as it does by default (one process per
core); io-only then runs in as many processes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TILE = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "worldcover_N00E006_2021"
    / "ESA_WorldCover_10m_2021_v200_N00E006_Map.tif"
)


CHATEARTHNET_PATCHES = 163_488


def _recipe(tile: str, workers: int, unit_patches: int):  # type: ignore[no-untyped-def]
    from eotext.config.recipe import FilterSpec, OutputSpec, Recipe, SourceSpec

    return Recipe(
        sources=(SourceSpec(id="N00E006", labels=tile, scheme="worldcover"),),
        # Keep every patch with at least one land pixel: the tile is ~97 % ocean (nodata).
        filters=FilterSpec(min_valid_fraction=0.0),
        output=OutputSpec(unit_patches=unit_patches, workers=workers),
    )


def run_build(tile: str, out: str, workers: int, unit_patches: int) -> dict[str, float]:
    """The build as users run it: the ``eotext build`` command, in this process."""
    from eotext.cli.main import cli

    recipe = Path(out).with_suffix(".toml")
    recipe.write_text(
        f'[[sources]]\nid = "N00E006"\nlabels = {json.dumps(tile)}\nscheme = "worldcover"\n'
        # Keep every patch with at least one land pixel: the tile is ~97 % ocean (nodata).
        "[filters]\nmin_valid_fraction = 0.0\n"
        f"[output]\nunit_patches = {unit_patches}\nworkers = {workers}\n"
    )
    t0 = time.perf_counter()
    cli(["-q", "build", str(recipe), "-o", out], standalone_mode=False)
    seconds = time.perf_counter() - t0
    counts = json.loads((Path(out) / "manifest.json").read_text())["counts"]
    return {"seconds": seconds, "patches": counts["patches"], "texts": counts["texts"]}


def _io_only_unit(args: tuple[object, object, str]) -> int:
    from eotext.store.rasters import write_geotiff

    scene, unit, out = args
    written = 0
    with scene.open() as reader:  # type: ignore[attr-defined]
        data = reader.read(unit.window)  # type: ignore[attr-defined]
    for spec in unit.patches:  # type: ignore[attr-defined]
        rows, cols = spec.window.relative_to(unit.window)  # type: ignore[attr-defined]
        if not data.data[rows, cols].any():
            continue
        write_geotiff(
            Path(out) / f"{spec.patch_id}.tif",
            data.labels[rows, cols],
            scene.grid.crs,  # type: ignore[attr-defined]
            scene.grid.window_transform(spec.window),  # type: ignore[attr-defined]
            nodata=0,
        )
        written += 1
    return written


def run_io_only(tile: str, out: str, workers: int, unit_patches: int) -> dict[str, float]:
    from eotext.run.engine import make_runner
    from eotext.scene.resolve import resolve_scenes
    from eotext.scene.tiling import plan_scene

    t0 = time.perf_counter()
    recipe = _recipe(tile, workers, unit_patches)
    (scene,) = resolve_scenes(recipe.sources[0])
    units = plan_scene(0, scene, recipe.output.unit_patches)
    runner = make_runner(workers or os.cpu_count() or 1)  # as many processes as the build
    patches = sum(runner.map_unordered(_io_only_unit, [(scene, u, out) for u in units]))
    return {"seconds": time.perf_counter() - t0, "patches": patches, "texts": 0}


def run_plain(tile: str, out: str, workers: int, unit_patches: int) -> dict[str, float]:
    """The baseline, no eotext at all: one process reads the tile in 1,024-px
    blocks with rasterio and writes each non-empty 256-px label patch as a plain GeoTIFF."""
    import rasterio
    from rasterio.windows import Window

    t0 = time.perf_counter()
    written = 0
    with rasterio.open(tile) as src:
        profile = dict(driver="GTiff", count=1, dtype=src.dtypes[0], crs=src.crs, nodata=0,
                       width=256, height=256)  # fmt: skip
        for r0 in range(0, src.height, 1024):
            for c0 in range(0, src.width, 1024):
                window = Window(c0, r0, min(1024, src.width - c0), min(1024, src.height - r0))
                block = src.read(1, window=window)
                if not block.any():
                    continue
                for r in range(0, block.shape[0] - 255, 256):
                    for c in range(0, block.shape[1] - 255, 256):
                        patch = block[r : r + 256, c : c + 256]
                        if not patch.any():
                            continue
                        transform = src.window_transform(Window(c0 + c, r0 + r, 256, 256))
                        path = f"{out}/{r0 + r}_{c0 + c}.tif"
                        with rasterio.open(path, "w", transform=transform, **profile) as dst:
                            dst.write(patch, 1)
                        written += 1
    return {"seconds": time.perf_counter() - t0, "patches": written, "texts": 0}


_PHASES = {"build": run_build, "io": run_io_only, "plain": run_plain}


def _phase(args: argparse.Namespace) -> None:
    fn = _PHASES[args.phase]
    result = fn(args.tile, args.out, args.workers, args.unit_patches)
    # ru_maxrss is in KiB on Linux; children covers worker processes.
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["peak_rss_mb"] = max(me.ru_maxrss, children.ru_maxrss) / 1024
    result["cpu_s"] = sum(r.ru_utime + r.ru_stime for r in (me, children))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", default=str(DEFAULT_TILE))
    parser.add_argument("--workers", type=int, default=0, help="0: the build's default")
    parser.add_argument(
        "--unit-patches", type=int, default=0, help="0: the build's default (by scene)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate the phases N times; report medians"
    )
    parser.add_argument("--phase", choices=sorted(_PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _phase(args)
        return
    if not Path(args.tile).exists():
        sys.exit(f"tile not found: {args.tile}")
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "io": [], "build": []}
    # Outputs are deleted only at the end: on ext4, creating a file costs ten times more for
    # minutes after many files were deleted (the allocator steps over recently freed inodes),
    # which would slow whichever phase runs after a deletion. The order of the phases turns
    # round from one repeat to the next, so none always runs first or last.
    with tempfile.TemporaryDirectory(prefix="eotext-bench-") as tmp:
        for repeat in range(args.repeat):
            phases = list(runs)
            phases = phases[repeat % 3 :] + phases[: repeat % 3]
            for phase in phases:
                out = os.path.join(tmp, f"{phase}{repeat}")
                if phase != "build":
                    os.makedirs(out)
                cmd = [sys.executable, __file__, "--phase", phase, "--tile", args.tile,
                       "--workers", str(args.workers), "--unit-patches", str(args.unit_patches),
                       "--out", out]  # fmt: skip
                # Timed from outside, as whole processes (interpreter, imports, exit): as a
                # user times `eotext build` against a script.
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
                seconds = time.perf_counter() - t0
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                runs[phase].append({**result, "seconds": seconds})
    results = {
        phase: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
        for phase, rs in runs.items()
    }
    b, base, plain = results["build"], results["io"], results["plain"]
    workers = args.workers or f"default ({os.cpu_count()})"
    print(f"WorldCover tile {Path(args.tile).name}, 36000x36000 px, 256-px patches, "
          f"{workers} worker(s), units of {args.unit_patches or 'default'} patches a side, "
          f"median of {args.repeat} run(s)")  # fmt: skip
    rows = (
        ("baseline: plain rasterio, 1 process", plain),
        ("io-only: eotext read+tile+write", base),
        ("build (full dataset)", b),
    )
    for name, r in rows:
        print(
            f"  {name:36} {r['patches']:6.0f} patches  {r['seconds']:7.1f} s  "
            f"{r['patches'] / r['seconds']:7.1f} patches/s  peak RSS {r['peak_rss_mb']:6.0f} MB  "
            f"CPU {r['cpu_s']:6.1f} s"
        )
    print(f"  texts written: {b['texts']:.0f}")
    pairs = zip(runs["build"], runs["plain"], strict=True)
    ratios = [x["seconds"] / y["seconds"] for x, y in pairs]
    print(
        f"  ratio build/baseline (plain read-tile-write; wall time, median of pairs): "
        f"{statistics.median(ratios):.2f}  (CPU time: {b['cpu_s'] / plain['cpu_s']:.2f})"
    )
    pairs = zip(runs["build"], runs["io"], strict=True)
    ratios = [x["seconds"] / y["seconds"] for x, y in pairs]
    print(
        f"  ratio build/io-only (eotext's reading and writing alone; wall time): "
        f"{statistics.median(ratios):.2f}  (CPU time: {b['cpu_s'] / base['cpu_s']:.2f})"
    )
    projected = CHATEARTHNET_PATCHES / (b["patches"] / b["seconds"])
    print(
        f"  projected ChatEarthNet-scale build ({CHATEARTHNET_PATCHES:,} patches) at this rate: "
        f"{projected / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
