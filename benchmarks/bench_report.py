"""Benchmark: `eotext report` on the demo dataset (recipes/demo.toml over ../shared/data).

Two timings in the same process, each the median of --repeat runs after one warm-up:

* report   - the whole page: statistics, seven SVG figures (map included), gallery, tables
* baseline - read the manifest and tables, and write a page holding only the gallery of
             previews (the least a report with a gallery has to do)

Prints patches/s of both and the ratio report/baseline of wall time.

    python benchmarks/bench_report.py [--dataset DIR] [--repeat N] [--gallery N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "demo.toml"


def _baseline(dataset: Path, gallery: int, out: Path) -> None:
    from eotext.files import write_text_atomic
    from eotext.report.gallery import gallery_html
    from eotext.report.tables import load_dataset

    data = load_dataset(dataset)
    cards, _ = gallery_html(data.root, data.patches, data.texts, gallery)
    write_text_atomic(out, f"<!DOCTYPE html><html><body>{cards}</body></html>")


def _timed(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up: imports, font cache, page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="A built dataset (default: build the demo).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gallery", type=int, default=24)
    args = parser.parse_args()

    from eotext.report.html import write_report

    with tempfile.TemporaryDirectory() as tmp:
        dataset = args.dataset
        if dataset is None:
            from eotext.config.recipe import load_recipe
            from eotext.run.build import build_dataset

            dataset = Path(tmp) / "demo"
            build_dataset(load_recipe(RECIPE), dataset)
        n = pq.read_metadata(dataset / "patches.parquet").num_rows
        base = _timed(
            lambda: _baseline(dataset, args.gallery, Path(tmp) / "gallery.html"), args.repeat
        )
        full = _timed(lambda: write_report(dataset, gallery=args.gallery), args.repeat)
    print(
        f"eotext report on {dataset.name}: {n} patches, gallery of {args.gallery}, "
        f"median of {args.repeat}"
    )
    print(f"  report:   {full:7.3f} s  {n / full:8.1f} patches/s")
    print(f"  baseline: {base:7.3f} s  {n / base:8.1f} patches/s (tables + gallery page only)")
    print(f"  ratio report/baseline: {full / base:.1f}x")


if __name__ == "__main__":
    main()
