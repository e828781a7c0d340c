"""Benchmark: lexical diversity of template captions on real maps against ChatEarthNet's.

Captions are written for every real label patch of the sample data (the WorldCover window over
São Tomé, windows of the full WorldCover tile, Slovenia LULC, the SCL of the Sentinel-2 SAFE).
Printed figures:

- type/token ratio over equal windows of W tokens (mean segmental TTR of the captions in a
  row), for eotext's detailed captions and for the six published ChatEarthNet captions in
  ``../shared/data/chatearthnet_examples``, and their ratio (≥ 1 means at least as diverse);
- captions shared by two different label patches (detailed and short);
- 4-grams (other than runs of class-name words) found in more than a quarter of the captions;
- throughput: captions per second, against the label analysis of the same patches as baseline.

    PYTHONPATH=src python benchmarks/bench_text_diversity.py [--seed N] [--window W]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the real-map readers shared with the tests

CHATEARTHNET = (
    ROOT / ".." / "shared" / "data" / "chatearthnet_examples"
    / "chatearthnet_example_captions_transcribed.txt"
)  # fmt: skip


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:[-'][a-z]+)*", text.lower())


def msttr(texts: list[str], window: int) -> float:
    """Mean type/token ratio over consecutive windows of ``window`` tokens of the texts in a row
    (a last partial window is dropped)."""
    toks = [t for text in texts for t in tokens(text)]
    ratios = [
        len(set(toks[i : i + window])) / window for i in range(0, len(toks) - window + 1, window)
    ]
    return sum(ratios) / len(ratios) if ratios else 0.0


def chatearthnet_captions(path: Path) -> list[str]:
    """The six transcribed captions (paragraphs under ``[...]`` headers)."""
    out, current = [], []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("["):
            if current:
                out.append(" ".join(current))
            current = []
        elif line.strip():
            current.append(line.strip())
    if current:
        out.append(" ".join(current))
    return out


def frequent_ngrams(texts: list[str], class_words: set[str], n: int = 4) -> list[tuple[str, float]]:
    """n-grams in more than a quarter of the texts, other than runs of class-name words."""
    df: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        toks = tokens(text)
        df.update({tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)})
    return sorted(
        ((" ".join(g), k / len(texts)) for g, k in df.items()
         if k > len(texts) / 4 and not set(g) <= class_words),
        key=lambda gs: -gs[1],
    )  # fmt: skip


def shared_captions(texts: list[str], keys: list[str]) -> int:
    """How many captions are written for two or more different label patches."""
    by_text: dict[str, set[str]] = {}
    for text, key in zip(texts, keys, strict=True):
        if text:
            by_text.setdefault(text, set()).add(key)
    return sum(1 for ks in by_text.values() if len(ks) > 1)


def main() -> None:
    from tests.real_maps import real_patches

    from eotext.schemes.forms import class_forms
    from eotext.semantics.layout import MIN_PX, analyse_layout
    from eotext.semantics.stats import compute_class_shares
    from eotext.text.templates import CaptionWriter

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=int, default=50)
    args = parser.parse_args()

    patches = real_patches()
    if not patches:
        sys.exit("real sample data not found; set EOTEXT_DATA to ../shared/data")
    t0 = time.perf_counter()
    analysed: list[Any] = []
    for p in patches:
        stats = compute_class_shares(p.labels, p.valid)
        codes = sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
        analysed.append((p, stats, analyse_layout(p.labels, p.valid, codes)))
    t_analyse = time.perf_counter() - t0
    t0 = time.perf_counter()
    detailed, short, keys = [], [], []
    for p, stats, layout in analysed:
        writer = CaptionWriter(p.scheme, args.seed)
        detailed.append(writer.detailed(p.patch_id, stats, layout))
        short.append(writer.short(p.patch_id, stats, layout))
        keys.append(hashlib.sha256(p.labels.tobytes() + p.valid.tobytes()).hexdigest())
    t_write = time.perf_counter() - t0
    kept = [t for t in detailed if t]

    class_words: set[str] = set()
    for p in patches:
        for code in p.scheme.codes:
            for f in class_forms(p.scheme, code):
                class_words.update(tokens(f.text))
            class_words.update(tokens(p.scheme.by_code(code).short_name))
    cen = chatearthnet_captions(CHATEARTHNET)
    ours_ttr, cen_ttr = msttr(kept, args.window), msttr(cen, args.window)
    n_tokens = sum(len(tokens(t)) for t in kept)
    print(f"patches: {len(patches)}  detailed captions: {len(kept)}  tokens: {n_tokens}")
    print(
        f"TTR over {args.window}-token windows: eotext {ours_ttr:.3f}  "
        f"ChatEarthNet ({len(cen)} captions) {cen_ttr:.3f}  ratio {ours_ttr / cen_ttr:.3f}"
    )
    for w in (25, 100):
        a, b = msttr(kept, w), msttr(cen, w)
        print(f"  at {w}-token windows: eotext {a:.3f}  ChatEarthNet {b:.3f}  ratio {a / b:.3f}")
    distinct_d = len(set(kept))
    distinct_s = len({t for t in short if t})
    n_short = sum(1 for t in short if t)
    print(
        f"distinct detailed: {distinct_d}/{len(kept)} (shared by different label patches: "
        f"{shared_captions(detailed, keys)});  distinct short: {distinct_s}/{n_short}"
        f" (shared by different label patches: {shared_captions(short, keys)})"
    )
    frequent = frequent_ngrams(kept, class_words)
    print(f"4-grams in > 1/4 of detailed captions (class names aside): {len(frequent)}")
    for gram, share in frequent[:10]:
        print(f"  {share:.0%}  {gram}")
    per_s = len(patches) / t_write if t_write else float("inf")
    print(
        f"throughput: {per_s:,.0f} patches/s captioned (detailed + short) in {t_write:.2f} s; "
        f"label analysis of the same patches {t_analyse:.2f} s; ratio writing/analysis "
        f"{t_write / t_analyse:.3f}"
    )


if __name__ == "__main__":
    main()
