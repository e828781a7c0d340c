"""Benchmark: what the folder locks and the stale-temp sweep cost.

Builds the real WorldCover dataset (Sao Tome, 64-px patches, previews on, units of 2 x 2
patches, so the folder holds hundreds of files), then times in one run:

* read_tables without the publication lock (baseline) and with it (what readers now do);
* taking and dropping the writer lock, and the sweep for ``.*.tmp`` files of the whole
  folder, against the build itself (what a build pays once).

Prints reads/s for both reads, their ratio, and the lock and sweep times as a share of the build.

    python benchmarks/bench_folder_lock.py [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import statistics
import tempfile
import time
from pathlib import Path

import eotext.store.tables as tables_module
from eotext.config.recipe import AnnotateSpec, GridSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.store.folder import DatasetFolder
from eotext.store.lock import WriterLock
from eotext.store.tables import read_tables

MAP = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "worldcover_N00E006_2021"
    / "derived"
    / "WorldCover_2021_SaoTome_NE_1024.tif"
)


def _best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    recipe = Recipe(
        sources=(SourceSpec(labels=str(MAP), scheme="worldcover"),),
        grid=GridSpec(patch_size=64),
        annotate=AnnotateSpec(kinds=("caption", "vqa")),
        output=OutputSpec(unit_patches=2, workers=1),
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ds"
        started = time.perf_counter()
        result = build_dataset(recipe, out)
        build_s = time.perf_counter() - started
        n_files = sum(1 for _ in out.rglob("*"))

        locked = _best(lambda: read_tables(out), args.repeat)
        real_reading = tables_module.reading
        tables_module.reading = lambda root: contextlib.nullcontext()  # type: ignore[assignment,misc]
        try:
            plain = _best(lambda: read_tables(out), args.repeat)
        finally:
            tables_module.reading = real_reading

        def lock_once() -> None:
            with WriterLock(out):
                pass

        lock_s = _best(lock_once, args.repeat)
        sweep_s = _best(DatasetFolder(out).remove_stale_temp_files, args.repeat)

    print(f"dataset: {result.patches} patches, {result.texts} texts, {n_files} files")
    print(f"build: {build_s:.2f} s")
    print(f"read_tables baseline (no lock): {1 / plain:8.1f} reads/s")
    print(f"read_tables with shared lock:   {1 / locked:8.1f} reads/s  ratio {locked / plain:.3f}")
    print(f"writer lock take+drop: {lock_s * 1e6:.0f} us ({lock_s / build_s:.2e} of the build)")
    print(f"stale-temp sweep: {sweep_s * 1e3:.2f} ms ({sweep_s / build_s:.2e} of the build)")


if __name__ == "__main__":
    main()
