"""Fixtures for the benchmark metrics: the real RSICD and RSVQA files, and pycocoevalcap itself.

The caption equality tests score one realistic corpus twice, once with eotext and once with
plain pycocoevalcap 1.2, and compare every number. Both runs are session fixtures so the
(slow) METEOR JVM starts once for each.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eotext.bench.captions import CaptionReferences, CaptionScorer, CaptionScores
from tests.conftest import DATA, need

RSICD = DATA / "captions_rsicd" / "captions_test2017.json"
RSVQA = DATA / "rsvqa_lr"

#: Deliberately odd predictions swapped in for the first images of the corpus.
ODD_PREDICTIONS = (
    "Many buildings!!! (and) [green] {trees} near a viaduct...",
    "A café près de l'église — naïve façade, 5 km² of fields",
    "中文 字 and an emoji 🚀 in a caption",
    "'quoted' \"double\" `back` ||| pipes ||| everywhere",
    "...",
    "tabs\tand  multiple   spaces between words",
    "a line\nbreak inside the caption",
    "can't won't it's the airport's runway",
    "3.5 km, 1,400 m2 - 50% of the area; 2 ponds",
    "UPPER CASE WORDS ABOUT A BEACH",
    "a b. c d!",
    "some dense green trees are in a park",
)


@dataclass(frozen=True)
class CaptionCase:
    """Leave-one-out RSICD: one human caption per image predicted, the other four referenced."""

    image_ids: tuple[int, ...]
    references: dict[int, list[str]]
    predictions: dict[int, str]
    refs_file: Path
    pred_file: Path

    def as_references(self) -> CaptionReferences:
        return CaptionReferences(self.image_ids, {i: tuple(c) for i, c in self.references.items()})


@pytest.fixture(scope="session")
def rsicd_case(tmp_path_factory: pytest.TempPathFactory) -> CaptionCase:
    data = json.loads(need(RSICD).read_text())
    annotations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ann in data["annotations"]:
        annotations[ann["image_id"]].append(ann)
    ids = tuple(img["id"] for img in data["images"])
    references, predictions, kept = {}, {}, []
    for n, image_id in enumerate(ids):
        anns = annotations[image_id]
        held_out = image_id % len(anns)  # vary which of the five captions is predicted
        predictions[image_id] = (
            ODD_PREDICTIONS[n] if n < len(ODD_PREDICTIONS) else anns[held_out]["caption"]
        )
        references[image_id] = [a["caption"] for k, a in enumerate(anns) if k != held_out]
        kept += [a for k, a in enumerate(anns) if k != held_out]
    folder = tmp_path_factory.mktemp("rsicd")
    refs_file = folder / "captions.json"
    refs_file.write_text(json.dumps({"images": data["images"], "annotations": kept}))
    pred_file = folder / "results.json"
    pred_file.write_text(
        json.dumps([{"image_id": i, "caption": predictions[i]} for i in ids], ensure_ascii=False)
    )
    return CaptionCase(ids, references, predictions, refs_file, pred_file)


@dataclass(frozen=True)
class ReferenceRun:
    """What plain pycocoevalcap computed: key → (corpus score, {image id: score})."""

    scores: dict[str, tuple[float, dict[int, float]]]
    tokenized_predictions: dict[int, str]
    tokenized_references: dict[int, list[str]]


@pytest.fixture(scope="session")
def pycocoevalcap_run(rsicd_case: CaptionCase) -> ReferenceRun:
    """Plain pycocoevalcap 1.2, as COCOEvalCap.evaluate runs it (SPICE aside: no CoreNLP here).

    Note: pycocoevalcap's tokenizer writes a temporary file into its own package folder; that is
    the reference tool's behaviour, not eotext's.
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    ids = rsicd_case.image_ids
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": c} for c in rsicd_case.references[i]] for i in ids})
    res = tokenizer.tokenize({i: [{"caption": rsicd_case.predictions[i]}] for i in ids})
    scores: dict[str, tuple[float, dict[int, float]]] = {}
    bleu, bleu_images = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        scores[f"Bleu_{k + 1}"] = (bleu[k], dict(zip(gts, bleu_images[k], strict=True)))
    meteor = Meteor()
    for key, scorer in (("METEOR", meteor), ("ROUGE_L", Rouge()), ("CIDEr", Cider())):
        score, per_image = scorer.compute_score(gts, res)
        scores[key] = (float(score), dict(zip(gts, (float(s) for s in per_image), strict=True)))
    meteor.__del__()  # stops the JVM; then close the pipes pycocoevalcap leaves open
    meteor.meteor_p.stdout.close()
    meteor.meteor_p.stderr.close()
    return ReferenceRun(scores, {i: r[0] for i, r in res.items()}, dict(gts))


@dataclass(frozen=True)
class EotextRun:
    """eotext's scores of the corpus, and pycocoevalcap's folder listed before and after."""

    scores: CaptionScores
    files_before: frozenset[str]
    files_after: frozenset[str]


def _package_files() -> frozenset[str]:
    from eotext.bench.java import pycocoevalcap_dir

    root = pycocoevalcap_dir()
    files = root.rglob("*")
    return frozenset(str(p.relative_to(root)) for p in files if "__pycache__" not in p.parts)


@pytest.fixture(scope="session")
def eotext_run(rsicd_case: CaptionCase) -> EotextRun:
    before = _package_files()
    with CaptionScorer() as scorer:
        scores = scorer.score(rsicd_case.as_references(), rsicd_case.predictions)
    return EotextRun(scores, before, _package_files())
