"""Benchmark: OpenStreetMap captions on the Helsinki extract, against pyosmium alone.

Phases, each timed as the median over --repeat runs in this one process (the four reading
phases in turns, so that each ratio compares runs made under the same machine load):

* pyosmium read      - iterate every object of the file (the least any tool does)
* pyosmium geometry  - the same with node locations and multipolygon assembly (what building
                       geometries needs)
* eotext read        - :func:`eotext.sources.osm.read_osm`: filtered objects as shapely geometries
* eotext layer       - read + visibility rules + projection + size test + STRtree
* caption            - join every patch of a grid to the layer and write its captions
* build              - a whole OSM-only dataset (captions, previews, parquet), one process

Prints objects/s, patches/s and the ratios eotext / pyosmium.

    python benchmarks/bench_osm.py [--pbf PATH] [--gsd 0.5] [--patch-size 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PBF = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "osm_finland"
    / "Helsinki.osm.pbf"
)


def _median_seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _interleaved(fns: list[Callable[[], Any]], repeat: int) -> list[tuple[float, float, Any]]:
    """Median wall-clock and CPU seconds of each function, run in turns so that all see the same
    machine load.

    On a shared machine the load changes within seconds; timing one phase after the other
    lets a ratio compare a quiet moment with a busy one. CPU time (of all this process's
    threads) is less sensitive to other processes than wall-clock time.
    """
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            results[i] = None  # the previous round's result is freed outside the timing
            t0, c0 = time.perf_counter(), time.process_time()
            results[i] = fn()
            wall[i].append(time.perf_counter() - t0)
            cpu[i].append(time.process_time() - c0)
    return [
        (statistics.median(w), statistics.median(c), r)
        for w, c, r in zip(wall, cpu, results, strict=True)
    ]


def pyosmium_read(pbf: str) -> int:
    import osmium

    return sum(1 for _ in osmium.FileProcessor(pbf))


def pyosmium_geometry(pbf: str) -> int:
    import osmium

    return sum(1 for _ in osmium.FileProcessor(pbf).with_locations().with_areas())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", default=str(DEFAULT_PBF))
    parser.add_argument("--gsd", type=float, default=0.5)
    parser.add_argument("--patch-size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from eotext.config.recipe import AnnotateSpec, GridSpec, OutputSpec, Recipe, SourceSpec
    from eotext.run.build import build_dataset
    from eotext.run.engine import LocalRunner
    from eotext.scene.resolve import resolve_scenes
    from eotext.scene.tiling import plan_units
    from eotext.semantics.osm.join import join_patch
    from eotext.semantics.osm.layer import build_layer
    from eotext.semantics.osm.rules import DEFAULT_RULES
    from eotext.sources.osm import read_osm
    from eotext.text.osm import OsmCaptionWriter

    pbf, rules = args.pbf, DEFAULT_RULES
    recipe = Recipe(
        sources=(SourceSpec(osm=pbf),),
        grid=GridSpec(gsd_m=args.gsd, patch_size=args.patch_size),
        annotate=AnnotateSpec(kinds=("osm",)),
        output=OutputSpec(workers=1),
    )
    scene = resolve_scenes(recipe.sources[0])[0]
    grid = scene.grid

    (
        (t_raw, c_raw, n_file),
        (t_geo, c_geo, n_geo),
        (t_read, c_read, data),
        (t_layer, c_layer, layer),
    ) = _interleaved(
        [
            lambda: pyosmium_read(pbf),
            lambda: pyosmium_geometry(pbf),
            lambda: read_osm(pbf, rules.keys, rules.tag_keys),
            lambda: build_layer(Path(pbf), grid, rules),
        ],
        args.repeat,
    )
    g = recipe.grid
    specs = [
        s
        for u in plan_units(0, "b", grid.width, grid.height, g.patch_size, g.step, g.edge)
        for s in u.patches
    ]
    writer = OsmCaptionWriter(rules, recipe.seed)

    def caption_all() -> int:
        n = 0
        for spec in specs:
            found = join_patch(layer, grid.window_bounds(spec.window))
            n += len(writer.texts(spec.patch_id, found, (0.0, 0.0, 0.0, 0.0)))
        return n

    t_caption, n_texts = _median_seconds(caption_all, args.repeat)

    def build() -> Any:
        with tempfile.TemporaryDirectory() as tmp:
            from eotext.semantics.osm.layer import clear_cache

            clear_cache()  # a build reads the file itself
            return build_dataset(recipe, Path(tmp) / "out", runner=LocalRunner())

    t_build, result = _median_seconds(build, max(1, args.repeat // 2))

    n_objects = len(data.objects)
    print(f"file: {Path(pbf).name}  ({Path(pbf).stat().st_size / 1e6:.2f} MB, {n_file} objects)")
    print(f"grid: {grid.width} x {grid.height} px at {grid.gsd_m:.2f} m, {len(specs)} patches of "
          f"{g.patch_size} px; median of {args.repeat} runs")  # fmt: skip
    print(f"pyosmium read       {t_raw:7.3f} s  {n_file / t_raw:10.0f} objects/s")
    print(f"pyosmium geometry   {t_geo:7.3f} s  {n_geo / t_geo:10.0f} objects/s (+ areas)")
    print(f"eotext read         {t_read:7.3f} s  {n_file / t_read:10.0f} file objects/s, "
          f"{n_objects} kept ({n_objects / t_read:.0f}/s)")  # fmt: skip
    print(f"eotext layer        {t_layer:7.3f} s  {len(layer.objects)} visible objects")
    print(f"caption             {t_caption:7.3f} s  {len(specs) / t_caption:10.1f} patches/s, "
          f"{n_texts} texts")  # fmt: skip
    print(f"build (1 process)   {t_build:7.3f} s  {result.patches / t_build:10.1f} patches/s, "
          f"{result.patches} patches, {result.texts} texts, dropped {result.dropped}")  # fmt: skip
    print(f"cpu: pyosmium read {c_raw:.3f} s, geometry {c_geo:.3f} s, eotext read {c_read:.3f} s, "
          f"layer {c_layer:.3f} s")  # fmt: skip
    print(f"ratio eotext read / pyosmium read      {t_read / t_raw:5.2f}  "
          f"(cpu {c_read / c_raw:5.2f})")  # fmt: skip
    print(f"ratio eotext read / pyosmium geometry  {t_read / t_geo:5.2f}")
    print(f"ratio eotext layer / pyosmium geometry {t_layer / t_geo:5.2f}  "
          f"(cpu {c_layer / c_geo:5.2f})")  # fmt: skip
    print(f"ratio build / pyosmium geometry        {t_build / t_geo:5.2f}")


if __name__ == "__main__":
    main()
