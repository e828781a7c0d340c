"""Benchmark: every annotation type over >= 10,000 real patches, against the statistics alone.

Patches are 256-px windows of the real WorldCover map of Sao Tome (stride 32 px, cycled with
new patch ids until there are N). In one run it times:

* statistics alone - class shares and layout (what every annotator reads);
* each generator on top - template captions, VQA, referring expressions.

Prints texts/s, each generator's share of the time, and the ratio (all annotations)/(stats).

    python benchmarks/bench_annotate.py [--patches N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import rasterio

from eotext.schemes import WORLDCOVER
from eotext.semantics.components import PatchComponents
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.referring import ReferringWriter
from eotext.text.templates import CaptionWriter
from eotext.text.vqa import VqaWriter

MAP = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "worldcover_N00E006_2021"
    / "derived"
    / "WorldCover_2021_SaoTome_NE_1024.tif"
)


def patches(n: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    with rasterio.open(MAP) as src:
        full = src.read(1)
    windows = []
    for r in range(0, 1024 - 256 + 1, 32):
        for c in range(0, 1024 - 256 + 1, 32):
            lab = np.ascontiguousarray(full[r : r + 256, c : c + 256])
            if (lab != 0).any():
                windows.append(lab)
    return [
        (f"wc_{i:06d}", windows[i % len(windows)], windows[i % len(windows)] != 0) for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=10_000)
    args = parser.parse_args()
    data = patches(args.patches)
    captions, vqa, referring = (
        CaptionWriter(WORLDCOVER, 0), VqaWriter(WORLDCOVER, 0), ReferringWriter(WORLDCOVER, 0),
    )  # fmt: skip
    seconds = {"statistics": 0.0, "captions": 0.0, "vqa": 0.0, "referring": 0.0}
    texts = {"captions": 0, "vqa": 0, "referring": 0}
    for pid, labels, valid in data:
        t0 = time.perf_counter()
        stats = compute_class_shares(labels, valid)
        components = PatchComponents(labels, valid)  # labelled once, as the build does
        layout = analyse_layout(
            labels,
            valid,
            sorted(c for c, n in stats.counts.items() if n > MIN_PX),
            components=components,
        )
        t1 = time.perf_counter()
        n_cap = len([captions.detailed(pid, stats, layout), captions.short(pid, stats)])
        t2 = time.perf_counter()
        n_vqa = len(vqa.items(pid, stats, layout, 10.0))
        t3 = time.perf_counter()
        n_ref = len(referring.items(pid, labels, valid, stats, components))
        t4 = time.perf_counter()
        seconds["statistics"] += t1 - t0
        seconds["captions"] += t2 - t1
        seconds["vqa"] += t3 - t2
        seconds["referring"] += t4 - t3
        texts["captions"] += n_cap
        texts["vqa"] += n_vqa
        texts["referring"] += n_ref
    total = sum(seconds.values())
    n_texts = sum(texts.values())
    print(f"{len(data)} real 256-px WorldCover patches, {n_texts} texts")
    for name, s in seconds.items():
        made = f"{texts[name]:7d} texts {texts[name] / s:9.0f} texts/s" if name in texts else ""
        print(f"  {name:11} {s:7.2f} s  {100 * s / total:5.1f} % of time  {made}")
    print(f"  all        {total:7.2f} s  {n_texts / total:9.0f} texts/s  "
          f"{len(data) / total:7.0f} patches/s")  # fmt: skip
    print(f"  ratio (statistics + all annotations) / statistics alone: "
          f"{total / seconds['statistics']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
