"""Benchmark: a scene read through its STAC item against the same COGs read as a band folder.

Both paths build the same dataset (the STAC item's COGs, with SCL labels) into a temporary folder;
the band-folder reader is the baseline, so the ratio is the cost of going through the item
(pystac parsing, asset resolution, raster:bands scaling).

Prints patches/s of each and the ratio STAC / band folder of wall time (best of --repeat).

    python benchmarks/bench_stac.py [--repeat N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
COG_FOLDER = DATA / "s2_l2a_cog_T29RKH_20200219"
ITEM = COG_FOLDER / "S2A_29RKH_20200219_0_L2A.json"


def _build(image: Path, fmt: str) -> tuple[float, int]:
    from eotext.config.recipe import Recipe, SourceSpec
    from eotext.run.build import build_dataset
    from eotext.scene.spec import GridSpec

    recipe = Recipe(
        sources=(SourceSpec(image=str(image), image_format=fmt, labels="scl"),),
        grid=GridSpec(patch_size=128),
    )
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        result = build_dataset(recipe, Path(out) / "ds")
        return time.perf_counter() - t0, result.patches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _build(ITEM, "stac")  # warm the file cache and imports
    runs = {"stac": [], "bands": []}  # type: dict[str, list[tuple[float, int]]]
    for _ in range(args.repeat):
        runs["bands"].append(_build(COG_FOLDER, "bands"))
        runs["stac"].append(_build(ITEM, "stac"))
    best = {k: min(v) for k, v in runs.items()}
    for name, (seconds, patches) in best.items():
        print(f"{name:6s} {patches} patches in {seconds:.2f} s = {patches / seconds:.1f} patches/s")
    print(f"ratio stac / bands (wall time): {best['stac'][0] / best['bands'][0]:.2f}")


if __name__ == "__main__":
    main()
