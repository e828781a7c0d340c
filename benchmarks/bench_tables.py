"""Benchmark: reading a dataset folder's tables through the status filter, against plain parquet.

Builds the real demo-style WorldCover dataset (Sao Tome, 64-px patches: template captions, VQA
and referring expressions), then repeats its texts with new ids until there are N, marking
every 20th one flagged. In one run it times:

* baseline - ``pyarrow.parquet.read_table`` of both tables and ``to_pylist`` (no filter);
* reader   - ``eotext.store.tables.read_tables`` (status filter, count of left-out texts).

Prints texts/s for both and the ratio reader/baseline of wall time.

    python benchmarks/bench_tables.py [--texts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from eotext.config.recipe import AnnotateSpec, GridSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
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


def _dataset(root: Path, n_texts: int) -> Path:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(MAP), scheme="worldcover"),),
        grid=GridSpec(patch_size=64),
        annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
        output=OutputSpec(write_previews=False, workers=1),
    )
    out = root / "ds"
    build_dataset(recipe, out)
    texts = pq.read_table(out / "texts.parquet")
    copies = []
    for i in range(-(-n_texts // texts.num_rows)):
        ids = pa.array([f"{t}:{i}" for t in texts.column("text_id").to_pylist()])
        copies.append(texts.set_column(0, "text_id", ids))
    big = pa.concat_tables(copies).slice(0, n_texts)
    status = ["flagged" if k % 20 == 0 else "generated" for k in range(big.num_rows)]
    big = big.set_column(big.schema.get_field_index("status"), "status", pa.array(status))
    pq.write_table(big, out / "texts.parquet", compression="zstd")
    return out


def _baseline(root: Path) -> int:
    pq.read_table(root / "patches.parquet").to_pylist()
    return len(pq.read_table(root / "texts.parquet").to_pylist())


def _reader(root: Path) -> int:
    return len(read_tables(root).texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the reader logs each left-out count
    with tempfile.TemporaryDirectory(prefix="eotext-bench-tables-") as tmp:
        root = _dataset(Path(tmp), args.texts)
        times: dict[str, list[float]] = {"baseline": [], "reader": []}
        counts: dict[str, int] = {}
        for _ in range(args.repeat):
            for name, fn in (("baseline", _baseline), ("reader", _reader)):
                started = time.perf_counter()
                counts[name] = fn(root)
                times[name].append(time.perf_counter() - started)
    base, reader = (statistics.median(times[k]) for k in ("baseline", "reader"))
    print(f"{args.texts} texts (every 20th flagged), median of {args.repeat} runs")
    print(f"  baseline (parquet, no filter): {counts['baseline'] / base:,.0f} texts/s")
    print(f"  read_tables (status filter):   {counts['reader'] / reader:,.0f} texts/s kept")
    print(f"  ratio reader/baseline (wall time): {reader / base:.2f}")


if __name__ == "__main__":
    main()
