"""Benchmark: reading BigEarthNet v2 patches (12 S2 bands + VV/VH + reference map, 120 px).

The real v1 sample patches that have a Sentinel-1 partner are laid out as a v2 root (see
``tests/bigearthnet_v2_fixture.py``) and read ``--rounds`` times, warm, in one process:

* baseline - plain rasterio, as the torchgeo / configilm loaders do: open each of the 15 files
             and read it at 120 x 120 (bilinear for the 20 m / 60 m bands);
* eotext   - ``SceneReader.read`` of each patch's scene: all 15 layers on the 10 m grid, the
             reference map in the 19-class nomenclature, the validity masks;
* resolve  - describing the root (metadata.parquet, folders) into scenes, once.

Prints patches/s of each and the ratio eotext/baseline.

    python benchmarks/bench_bigearthnet_v2.py [--rounds N] [--data ../shared/data/bigearthnet_v1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "bigearthnet_v1"
PAIRED = (
    "S2A_MSIL2A_20170613T101031_87_48",
    "S2A_MSIL2A_20170617T113321_36_85",
    "S2A_MSIL2A_20170617T113321_4_55",
    "S2A_MSIL2A_20171221T112501_56_35",
    "S2B_MSIL2A_20170924T93020_69_24",
    "S2B_MSIL2A_20180204T94161_57_38",
)


def baseline_read(files: list[str]) -> int:
    """Read every file of one patch at 120 x 120, as a plain rasterio loader does."""
    import rasterio
    from rasterio.enums import Resampling

    total = 0
    for path in files:
        with rasterio.open(path) as src:
            arr = src.read(1, out_shape=(120, 120), resampling=Resampling.bilinear)
        total += int(arr.shape[0])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "S2").is_dir():
        sys.exit(f"BigEarthNet v1 sample not found at {data}")
    sys.path.insert(0, str(REPO))
    from tests.bigearthnet_v2_fixture import make_v2_root

    from eotext.scene.resolve import resolve_scenes
    from eotext.scene.spec import SourceSpec

    with tempfile.TemporaryDirectory(prefix="eotext-bench-v2-") as tmp:
        root = Path(tmp) / "ROOT"
        make_v2_root(root, data, only=PAIRED)
        t0 = time.perf_counter()
        scenes = resolve_scenes(SourceSpec(image=str(root)))
        resolve_s = time.perf_counter() - t0
        files = [
            [b.path for b in s.all_bands] + ([s.label_path] if s.label_path else []) for s in scenes
        ]
        assert all(len(f) == 15 for f in files), "every patch needs 12 + 2 bands and a map"
        # Warm the page cache and GDAL once for both readers, then alternate them round by
        # round (the median round of each is reported, so load on a shared machine hits both).
        for f in files:
            baseline_read(f)
        base_rounds, eotext_rounds = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for f in files:
                baseline_read(f)
            base_rounds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for scene in scenes:
                with scene.open() as reader:
                    window = reader.read(scene.grid.full_window())
                assert window.image is not None and window.labels is not None
            eotext_rounds.append(time.perf_counter() - t0)
        base_s = statistics.median(base_rounds) / len(scenes)
        eotext_s = statistics.median(eotext_rounds) / len(scenes)
    print(
        f"BigEarthNet v2 layout, {len(scenes)} real patches x {args.rounds} rounds "
        "(12 S2 bands + VV/VH + reference map, 120 px)"
    )
    print(f"  baseline (plain rasterio reads)  {1 / base_s:8.1f} patches/s (median round)")
    print(f"  eotext SceneReader               {1 / eotext_s:8.1f} patches/s (median round)")
    print(f"  resolve (metadata + folders)     {len(scenes) / resolve_s:8.1f} patches/s")
    print(f"  ratio eotext/baseline (throughput): {base_s / eotext_s:.2f}")


if __name__ == "__main__":
    main()
