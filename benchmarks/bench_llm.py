"""Benchmark: LLM captions for real patches against a stub endpoint with 200 ms latency.

The patches are 64-px windows of the real WorldCover map of Sao Tome (256 of them; 32 px: 1,024),
built once in units of 16 patches and once in units of 64 (``--unit-patches 4,8``). The stub
(tests/llm_stub.py, on 127.0.0.1) answers every request after a fixed latency, so the ideal time
of the LLM stage is N × latency / concurrency; the stage is timed from the stub's first request
to its last answer (units overlap, so the units' own LLM seconds would count waits twice).
Then a second build is killed half-way (SIGKILL)
and resumed, and the stub counts how many already-answered prompts were sent again.

    python benchmarks/bench_llm.py [--latency 0.2] [--concurrency 16] [--patch-size 64]
        [--unit-patches 4,8] [--no-resume]

``--unit-patches K[,K...]`` makes units of K×K patches (4: 16 patches, 8: 64), one build each;
the kill-and-resume part uses the last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.llm_stub

from tests.llm_stub import StubLLM  # noqa: E402

MAP = Path(os.environ.get("EOTEXT_DATA", ROOT.parent / "shared" / "data")) / (
    "worldcover_N00E006_2021/derived/WorldCover_2021_SaoTome_NE_1024.tif"
)


def _recipe(path: Path, base_url: str, args: argparse.Namespace) -> Path:
    path.write_text(
        f"""
[grid]
patch_size = {args.patch_size}
[annotate]
kinds = ["llm"]
[annotate.llm]
base_url = "{base_url}"
model = "stub"
concurrency = {args.concurrency}
[output]
unit_patches = {args.unit_patches}
workers = 1
write_previews = false
[[sources]]
labels = "{MAP}"
scheme = "worldcover"
"""
    )
    return path


def _build(recipe: Path, out: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "eotext.cli.main", "-q", "build", str(recipe), "-o", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _timeline(spans: list[tuple[float, float]], concurrency: int) -> str:
    """Where the stage's time went, from the stub's side: the requests in flight on average,
    how long the first ``concurrency`` took to arrive, and the refill delays (a request
    arriving after the answer that freed its slot)."""
    starts = sorted(s for s, _ in spans)
    ends = sorted(e for _, e in spans)
    stage = ends[-1] - starts[0]
    mean = sum(e - s for s, e in spans) / stage
    ramp = starts[min(concurrency, len(starts)) - 1] - starts[0]
    gaps = [starts[k] - ends[k - concurrency] for k in range(concurrency, len(starts))]
    idle = sum(max(g, 0.0) for g in gaps) / concurrency
    return (
        f"requests in flight on average {mean:.1f} of {concurrency}; first {concurrency} "
        f"out within {ramp * 1000:.0f} ms; refill delays {idle:.2f} s of the stage"
    )


def _throughput(out: Path, args: argparse.Namespace) -> int:
    """Build once against a fresh stub; print the LLM stage against the ideal. Returns the
    number of captions."""
    with StubLLM(latency_s=args.latency) as stub:
        recipe = _recipe(out.with_suffix(".toml"), stub.base_url, args)
        started = time.perf_counter()
        proc = _build(recipe, out)
        _, err = proc.communicate()
        wall = time.perf_counter() - started
        if proc.returncode:
            sys.exit(err.decode())
        assert stub.first_request_at is not None and stub.last_answer_at is not None
        stage = stub.last_answer_at - stub.first_request_at
    usage = json.loads((out / "manifest.json").read_text())["llm"]
    n = len(stub.answered)
    ideal = n * args.latency / args.concurrency
    print(
        f"{n} captions, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
        f"units of {args.unit_patches**2} patches"
    )
    print(
        f"  LLM stage (first request to last answer): {stage:.2f} s = {n / stage:.1f} "
        f"captions/s; ideal {ideal:.2f} s; ratio {stage / ideal:.2f}x "
        f"(units' own LLM seconds, summed: {usage['seconds']:.2f} s)"
    )
    print(f"  whole build (incl. start-up, analysis, writing): {wall:.2f} s")
    print("  " + _timeline(stub.spans, args.concurrency))
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=64)
    parser.add_argument("--unit-patches", default="4,8", help="K×K patches per unit; a list")
    parser.add_argument("--no-resume", action="store_true", help="skip the kill-and-resume part")
    args = parser.parse_args()
    sizes = [int(k) for k in str(args.unit_patches).split(",")]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        # 1) Throughput, once per unit size.
        for k in sizes:
            args.unit_patches = k
            n = _throughput(tmp / f"a{k}", args)
        if args.no_resume:
            return

        # 2) Kill half-way, resume, count re-sent prompts.
        with StubLLM(latency_s=args.latency) as stub:
            recipe = _recipe(tmp / "b.toml", stub.base_url, args)
            proc = _build(recipe, tmp / "b")
            while len(stub.answered) < n // 2 and proc.poll() is None:
                time.sleep(0.01)
            proc.kill()
            proc.wait()
            first = {json.dumps(b, sort_keys=True) for b in stub.answered}
            port = stub.port
        with StubLLM(latency_s=args.latency, port=port) as stub:
            proc = _build(recipe, tmp / "b")
            _, err = proc.communicate()
            if proc.returncode:
                sys.exit(err.decode())
            resent = sum(json.dumps(b, sort_keys=True) in first for b in stub.bodies)
            second = len(stub.bodies)
        texts = json.loads((tmp / "b" / "manifest.json").read_text())["counts"]["texts"]
        print(
            f"killed after {len(first)} answers; the resumed run sent {second} requests, "
            f"{resent} of them already answered; the dataset holds {texts} texts"
        )


if __name__ == "__main__":
    main()
