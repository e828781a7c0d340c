"""Benchmark: every exporter on a real build, against reading the tables and copying the files.

The baseline does the least any export must do: read ``patches.parquet`` and ``texts.parquet``
and copy every patch's preview PNG to a new folder. Each exporter then runs on the same
dataset; both are timed as the median over --repeat runs in this one process. Prints items/s
(texts of the dataset per second) per exporter and the ratio exporter time / baseline time.

    python benchmarks/bench_export.py [--dataset DIR] [--repeat 3] [--formats hf,webdataset]

Without --dataset, a dataset is built first from the real sample data (WorldCover window and
the BigEarthNet Sentinel-2 patches, captions + VQA + referring).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def _median_seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def build(out: Path) -> Path:
    from eotext.config.recipe import AnnotateSpec, GridSpec, Recipe, SourceSpec
    from eotext.run.build import build_dataset

    recipe = Recipe(
        sources=(
            SourceSpec(
                labels=str(
                    DATA / "worldcover_N00E006_2021" / "derived"
                    / "WorldCover_2021_SaoTome_NE_1024.tif"
                ),
                scheme="worldcover",
            ),
            SourceSpec(image=str(DATA / "bigearthnet_v1" / "S2"), image_format="bigearthnet"),
        ),
        grid=GridSpec(patch_size=256),
        annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
    )  # fmt: skip
    build_dataset(recipe, out)
    return out


def baseline(dataset: Path, out: Path) -> int:
    """Read both tables and copy every preview: the floor of any export."""
    import pyarrow.parquet as pq

    patches = pq.read_table(dataset / "patches.parquet").to_pylist()
    texts = pq.read_table(dataset / "texts.parquet").to_pylist()
    out.mkdir(parents=True, exist_ok=True)
    for p in patches:
        if p["preview_path"]:
            shutil.copyfile(dataset / p["preview_path"], out / Path(p["preview_path"]).name)
    return len(texts)


def main() -> None:
    from eotext.export import EXPORTERS, OUTPUTS, export

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default=",".join(EXPORTERS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dataset = args.dataset or build(work / "ds")
        import pyarrow.parquet as pq

        n_texts = pq.read_table(dataset / "texts.parquet").num_rows
        n_patches = pq.read_table(dataset / "patches.parquet").num_rows
        print(f"dataset: {dataset.name}: {n_patches} patches, {n_texts} texts")
        counter = iter(range(10**6))

        def run_baseline() -> int:
            return baseline(dataset, work / f"copy{next(counter)}")

        base_s, _ = _median_seconds(run_baseline, args.repeat)
        print(f"{'baseline (read + copy)':26s} {n_texts / base_s:10.0f} items/s  "
              f"{base_s * 1000:8.1f} ms  ratio 1.00")  # fmt: skip
        for name in args.formats.split(","):
            is_dir = OUTPUTS[name][1]
            options: dict[str, Any] = {"style": "short"} if name == "openclip" else {}

            def run(name: str = name, is_dir: bool = is_dir, options: Any = options) -> int:
                out = work / f"{name}{next(counter)}" / ("out" if is_dir else "out.file")
                if not is_dir:
                    out.parent.mkdir(parents=True)
                return export(name, dataset, out, **options)

            seconds, records = _median_seconds(run, args.repeat)
            print(f"{name:26s} {n_texts / seconds:10.0f} items/s  {seconds * 1000:8.1f} ms  "
                  f"ratio {seconds / base_s:5.2f}  ({records} {OUTPUTS[name][0]})")  # fmt: skip


if __name__ == "__main__":
    main()
