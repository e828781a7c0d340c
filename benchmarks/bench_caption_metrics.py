"""Benchmark: caption metrics on the RSICD test split, eotext against plain pycocoevalcap 1.2.

The corpus is leave-one-out RSICD (1,093 images): for each image one of its five human captions
is the prediction and the other four are the references. Both tools read the same two COCO
files and compute every metric available here (SPICE too when the CoreNLP 3.6.0 jars are in
pycocoevalcap's spice/lib, where pycocoevalcap itself looks).

What is measured, per run: the wall time from the two files on disk to every corpus and
per-image score, as a user of each tool gets them. Each run starts its own JVMs (PTB tokenizer,
METEOR), so both pay METEOR's paraphrase-table load; neither reuses a JVM from an earlier run.
Before any timed run an untimed warm-up imports both tools' Python modules and reads the jars
and the paraphrase table once, so both start from the same warm file cache. pycocoevalcap kills
its METEOR JVM without waiting for it (as its ``Meteor.__del__`` does); the benchmark reaps it
after the clock stops, so it cannot slow the next run down, while eotext's own wait for its JVM
is timed. Runs alternate which tool goes first; the CPU time (this process and its reaped Java
children) is printed next to the wall time because it is far less noisy on a shared machine.
Printed: both wall and CPU times (median over --repeat rounds, every run listed), the ratio
eotext / pycocoevalcap of the medians and of each round, and the largest difference per metric,
corpus and per image (the scores must be equal).

    python benchmarks/bench_caption_metrics.py [--repeat N] [--captions PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

DEFAULT_CAPTIONS = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "captions_rsicd"
    / "captions_test2017.json"
)


def write_leave_one_out(captions: Path, folder: Path) -> tuple[Path, Path]:
    """COCO references (four captions per image) and results (the fifth) from a captions file."""
    data = json.loads(captions.read_text())
    by_image: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ann in data["annotations"]:
        by_image[ann["image_id"]].append(ann)
    kept, results = [], []
    for img in data["images"]:
        anns = by_image[img["id"]]
        held_out = img["id"] % len(anns)
        results.append({"image_id": img["id"], "caption": anns[held_out]["caption"]})
        kept += [a for k, a in enumerate(anns) if k != held_out]
    refs, pred = folder / "captions.json", folder / "results.json"
    refs.write_text(json.dumps({"images": data["images"], "annotations": kept}))
    pred.write_text(json.dumps(results))
    return refs, pred


def warm_up() -> None:
    """Import both tools' modules and read the Java files once, so no timed run pays for it."""
    for module in (
        "pycocoevalcap.bleu.bleu",
        "pycocoevalcap.cider.cider",
        "pycocoevalcap.eval",
        "pycocoevalcap.meteor.meteor",
        "pycocoevalcap.rouge.rouge",
        "pycocoevalcap.tokenizer.ptbtokenizer",
        "pycocotools.coco",
        "eotext.bench.files",
    ):
        importlib.import_module(module)
    from eotext.bench.java import pycocoevalcap_dir

    root = pycocoevalcap_dir()
    for path in [*root.glob("*/*.jar"), *root.glob("meteor/data/*")]:
        with path.open("rb") as f:
            while f.read(1 << 24):
                pass


def reap_children() -> None:
    """Wait for child processes left running (pycocoevalcap's killed METEOR JVM)."""
    import psutil

    for child in psutil.Process().children():
        with contextlib.suppress(psutil.NoSuchProcess):
            child.wait()


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its reaped child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run_eotext(
    refs: Path, pred: Path
) -> tuple[float, dict[str, float], dict[str, dict[Any, float]]]:
    from eotext.bench.files import score_caption_file

    t0 = time.perf_counter()
    scores = score_caption_file(pred, refs)
    seconds = time.perf_counter() - t0
    per_image = {
        k: dict(zip(scores.image_ids, v, strict=True)) for k, v in scores.per_image.items()
    }
    return seconds, dict(scores.corpus), per_image


def run_pycocoevalcap(
    refs: Path, pred: Path
) -> tuple[float, dict[str, float], dict[str, dict[Any, float]]]:
    """What a user of pycocoevalcap writes: COCO, loadRes, COCOEvalCap.evaluate (its scorers)."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.eval import COCOEvalCap
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
    from pycocotools.coco import COCO

    from eotext.bench.java import pycocoevalcap_dir
    from eotext.bench.spice import CORENLP_JARS

    spice = all((pycocoevalcap_dir() / "spice" / "lib" / j).is_file() for j in CORENLP_JARS)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # both print progress
        coco = COCO(str(refs))
        coco_res = coco.loadRes(str(pred))
        evaluator = COCOEvalCap(coco, coco_res)
        if spice:
            evaluator.evaluate()  # would download CoreNLP without the jars: never here
        else:  # COCOEvalCap.evaluate without its SPICE step
            ids = evaluator.params["image_id"]
            tokenizer = PTBTokenizer()
            gts = tokenizer.tokenize({i: coco.imgToAnns[i] for i in ids})
            res = tokenizer.tokenize({i: coco_res.imgToAnns[i] for i in ids})
            scorers: list[tuple[Any, Any]] = [
                (Bleu(4), ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"]),
                (Meteor(), "METEOR"),
                (Rouge(), "ROUGE_L"),
                (Cider(), "CIDEr"),
            ]
            for scorer, method in scorers:
                score, scores = scorer.compute_score(gts, res)
                if isinstance(method, list):
                    for sc, scs, m in zip(score, scores, method, strict=True):
                        evaluator.setEval(sc, m)
                        evaluator.setImgToEvalImgs(scs, gts.keys(), m)
                else:
                    evaluator.setEval(score, method)
                    evaluator.setImgToEvalImgs(scores, gts.keys(), method)
            del scorers  # stops METEOR's JVM
    seconds = time.perf_counter() - t0
    corpus = {k: float(v) for k, v in evaluator.eval.items()}
    per_image = {
        k: {
            i: float(e[k]) if k != "SPICE" else e[k]["All"]["f"]
            for i, e in evaluator.imgToEval.items()
        }
        for k in corpus
    }
    return seconds, corpus, per_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds, one run of each tool each (median shown)"
    )
    parser.add_argument("--captions", type=Path, default=DEFAULT_CAPTIONS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        refs, pred = write_leave_one_out(args.captions, Path(tmp))
        warm_up()
        times: dict[str, list[float]] = {"eotext": [], "pycocoevalcap": []}
        cpu: dict[str, list[float]] = {"eotext": [], "pycocoevalcap": []}
        results = {}
        for n in range(args.repeat):
            order = [("eotext", run_eotext), ("pycocoevalcap", run_pycocoevalcap)]
            for name, run in order if n % 2 == 0 else order[::-1]:
                cpu0 = cpu_seconds()
                seconds, corpus, per_image = run(refs, pred)
                reap_children()
                cpu[name].append(cpu_seconds() - cpu0)
                times[name].append(seconds)
                results[name] = (corpus, per_image)
    ours, theirs = results["eotext"], results["pycocoevalcap"]
    print(f"RSICD test split, leave-one-out: {len(ours[1]['Bleu_1'])} images")
    print(
        f"{'metric':8} {'eotext':>12} {'pycocoevalcap':>14} {'max |diff| corpus':>18} "
        f"{'per image':>10}"
    )
    for key, value in ours[0].items():
        other = theirs[0].get(key)
        if other is None:
            print(f"{key:8} {value:12.6f} {'-':>14}")
            continue
        per = max(abs(v - theirs[1][key][i]) for i, v in ours[1][key].items())
        print(f"{key:8} {value:12.6f} {other:14.6f} {abs(value - other):18.3g} {per:10.3g}")
    for what, values in (("wall", times), ("CPU", cpu)):
        ours_s, theirs_s = values["eotext"], values["pycocoevalcap"]
        t_ours, t_theirs = statistics.median(ours_s), statistics.median(theirs_s)
        for name, median, runs in (
            ("eotext", t_ours, ours_s),
            ("pycocoevalcap", t_theirs, theirs_s),
        ):
            print(
                f"{what:4} {name:13} {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in runs)})"
            )
        rounds = ", ".join(f"{a / b:.2f}" for a, b in zip(ours_s, theirs_s, strict=True))
        print(f"{what:4} ratio eotext / pycocoevalcap: {t_ours / t_theirs:.2f}  (rounds: {rounds})")


if __name__ == "__main__":
    main()
