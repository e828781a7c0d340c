"""Caption metrics computed exactly as pycocoevalcap 1.2 computes them.

The pipeline is pycocoevalcap's: PTB tokenization (:mod:`eotext.bench.tokenizer`), then BLEU-1..4
with the closest reference length, METEOR 1.5 (:mod:`eotext.bench.meteor`), ROUGE-L with
β = 1.2, CIDEr-D with σ = 6, document frequencies over the scored corpus and ×10, and SPICE when
the user supplies CoreNLP 3.6.0 (:mod:`eotext.bench.spice`). BLEU and CIDEr-D are pycocoevalcap's
own Python scorers, called on the same tokenized texts; ROUGE-L is pycocoevalcap's arithmetic
with an exact, faster LCS (:mod:`eotext.bench.rouge`); the Java parts are
driven by eotext so they never touch pycocoevalcap's folder, never download, and overlap:
METEOR loads its paraphrase table while the tokenizer and the Python metrics run.

CIDEr-D's document frequencies come from the scored corpus itself, so a corpus of one image
scores 0: always score a whole corpus (per-image scores are reported from within it).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from eotext.bench.java import CaptionTools, locate_tools
from eotext.bench.matching import Coverage, ItemId, match_ids
from eotext.bench.meteor import Meteor
from eotext.bench.rouge import rouge_l
from eotext.bench.spice import MISSING_CORENLP, SpiceResult, SpiceRun, find_corenlp
from eotext.bench.tokenizer import tokenize
from eotext.errors import BenchInputError, ToolNotFoundError

log = logging.getLogger(__name__)

#: Metric groups in pycocoevalcap's order, and the result keys each one fills.
METRICS: dict[str, tuple[str, ...]] = {
    "BLEU": ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"),
    "METEOR": ("METEOR",),
    "ROUGE_L": ("ROUGE_L",),
    "CIDEr": ("CIDEr",),
    "SPICE": ("SPICE",),
}
_ALIASES = {
    "bleu": "BLEU",
    "meteor": "METEOR",
    "rouge": "ROUGE_L",
    "rouge_l": "ROUGE_L",
    "rouge-l": "ROUGE_L",
    "cider": "CIDEr",
    "cider-d": "CIDEr",
    "spice": "SPICE",
}


@dataclass(frozen=True)
class CaptionReferences:
    """Human reference captions per image, in the order of the reference file.

    Args:
        image_ids: every image, in file order (scores follow this order).
        captions: the reference captions of each image (at least one each).
        categories: optional category (e.g. scene class) of each image, for breakdowns.
    """

    image_ids: tuple[ItemId, ...]
    captions: Mapping[ItemId, tuple[str, ...]]
    categories: Mapping[ItemId, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        without = [i for i in self.image_ids if not self.captions.get(i)]
        if without:
            raise BenchInputError(
                f"{len(without)} reference images have no caption (e.g. {without[0]!r}); give "
                "each image at least one reference caption or leave it out"
            )


@dataclass(frozen=True)
class CaptionScores:
    """Corpus and per-image caption scores, with pycocoevalcap's keys.

    Attributes:
        image_ids: the scored images, in reference order.
        corpus: ``Bleu_1`` ... ``SPICE`` → corpus score.
        per_image: the same keys → one score per image of ``image_ids``.
        coverage: what was scored and what was left out.
        by_category: category → key → score, each category scored as its own corpus (as
            pycocoevalcap would score that subset).
        category_sizes: category → number of scored images.
        skipped: metric → why it was not computed (e.g. SPICE without CoreNLP).
        notes: warnings about the result (e.g. a one-image corpus).
    """

    image_ids: tuple[ItemId, ...]
    corpus: Mapping[str, float]
    per_image: Mapping[str, tuple[float, ...]]
    coverage: Coverage
    by_category: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    category_sizes: Mapping[str, int] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``scores.json`` layout: pycocoevalcap's keys at the top, then the details."""
        out: dict[str, Any] = {k: _json_number(v) for k, v in self.corpus.items()}
        out["images"] = len(self.image_ids)
        out["coverage"] = self.coverage.to_json()
        if self.skipped:
            out["skipped"] = dict(self.skipped)
        if self.notes:
            out["notes"] = list(self.notes)
        if self.by_category:
            out["by_category"] = {
                c: {"images": self.category_sizes[c], **{k: _json_number(v) for k, v in s.items()}}
                for c, s in self.by_category.items()
            }
        out["per_image"] = [
            {"image_id": image_id, **{k: _json_number(v[n]) for k, v in self.per_image.items()}}
            for n, image_id in enumerate(self.image_ids)
        ]
        return out


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def parse_metrics(names: Iterable[str]) -> tuple[str, ...]:
    """Metric group names (case-insensitive: ``bleu``, ``meteor``, ``rouge``, ``cider``,
    ``spice``) in pycocoevalcap's order.

    Raises:
        BenchInputError: an unknown name.
    """
    chosen = set()
    for name in names:
        key = _ALIASES.get(name.strip().lower())
        if key is None:
            raise BenchInputError(
                f"unknown caption metric {name!r}; choose from bleu, meteor, rouge, cider, spice"
            )
        chosen.add(key)
    return tuple(m for m in METRICS if m in chosen)


class CaptionScorer:
    """Scores captions against references; one METEOR JVM serves every call.

    Use it as a context manager (the JVM starts on entry and stops on exit)::

        with CaptionScorer() as scorer:
            scores = scorer.score(references, {image_id: caption, ...})

    Args:
        metrics: metric groups to compute (see :func:`parse_metrics`); by default every metric
            that can run here: SPICE only when CoreNLP 3.6.0 is found (the reason is recorded
            in :attr:`CaptionScores.skipped` otherwise).
        corenlp: folder holding the CoreNLP 3.6.0 jars for SPICE (see :mod:`eotext.bench.spice`).
        spice_cache: folder for SPICE's parse cache (none by default).
        tools: where Java and the jars are; found with :func:`locate_tools` when omitted.

    Raises:
        ToolNotFoundError: Java or a jar is missing, or SPICE was asked for without CoreNLP.
        MissingDependencyError: pycocoevalcap 1.2 is not installed.
    """

    def __init__(
        self,
        metrics: Iterable[str] | None = None,
        corenlp: str | Path | None = None,
        spice_cache: str | Path | None = None,
        tools: CaptionTools | None = None,
    ) -> None:
        self._tools = tools or locate_tools()
        asked = parse_metrics(metrics) if metrics is not None else None
        if asked == ():
            raise BenchInputError("no caption metric chosen; name at least one (e.g. bleu,cider)")
        #: Metrics left out, with the reason (only those the caller did not exclude).
        self.skipped: dict[str, str] = {}
        self._corenlp = find_corenlp(corenlp, self._tools)
        if self._corenlp is None:
            if asked is not None and "SPICE" in asked:
                raise ToolNotFoundError(MISSING_CORENLP)
            if asked is None:
                self.skipped["SPICE"] = MISSING_CORENLP
        #: The metric groups computed, in pycocoevalcap's order.
        self.metrics = asked or tuple(m for m in METRICS if m not in self.skipped)
        self._spice_cache = Path(spice_cache) if spice_cache else None
        self._meteor = Meteor(self._tools) if "METEOR" in self.metrics else None

    def __enter__(self) -> CaptionScorer:
        if self._meteor is not None:
            self._meteor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the METEOR JVM."""
        if self._meteor is not None:
            self._meteor.close()

    def score(
        self,
        references: CaptionReferences,
        predictions: Mapping[ItemId, str],
        *,
        allow_partial: bool = False,
        allow_empty: bool = False,
    ) -> CaptionScores:
        """Score one model's captions (one per image) against the references.

        Args:
            references: the reference captions.
            predictions: image id → predicted caption.
            allow_partial: score the images present on both sides instead of stopping when
                predictions and references cover different images.
            allow_empty: score empty predictions (as empty captions) instead of stopping.

        Raises:
            BenchInputError: the inputs do not match or hold empty predictions (see above).
            ToolError: a Java tool failed.
        """
        runs = self.score_many(
            references, {"": predictions}, allow_partial=allow_partial, allow_empty=allow_empty
        )
        return runs[""]

    def score_many(
        self,
        references: CaptionReferences,
        runs: Mapping[str, Mapping[ItemId, str]],
        *,
        allow_partial: bool = False,
        allow_empty: bool = False,
    ) -> dict[str, CaptionScores]:
        """Score several models' captions (name → predictions) against the same references.

        All texts are tokenized in one Java call and METEOR runs in the one JVM. Arguments and
        errors are those of :meth:`score`.
        """
        matched = {}
        for name, predictions in runs.items():
            try:
                _check_empty(predictions, allow_empty)
                matched[name] = match_ids(
                    references.image_ids, predictions, allow_partial=allow_partial, what="image"
                )
            except BenchInputError as exc:
                raise BenchInputError(
                    f"predictions of {name}: {exc}" if name else str(exc)
                ) from None
        ref_texts = [c for i in references.image_ids for c in references.captions[i]]
        pred_texts = [runs[name][i] for name, (ids, _) in matched.items() for i in ids]
        tokens = tokenize(ref_texts + pred_texts, self._tools)
        ref_tokens: dict[ItemId, list[str]] = {}
        at = 0
        for i in references.image_ids:
            n = len(references.captions[i])
            ref_tokens[i] = tokens[at : at + n]
            at += n
        if not any(t for refs in ref_tokens.values() for t in refs):
            raise BenchInputError(
                "every reference caption is empty after tokenization (only punctuation?); "
                "check the `caption` field of the references"
            )
        results = {}
        for name, (ids, coverage) in matched.items():
            gts = {i: ref_tokens[i] for i in ids}
            res = {i: [t] for i, t in zip(ids, tokens[at : at + len(ids)], strict=True)}
            at += len(ids)
            results[name] = self._score_tokenized(references, ids, gts, res, coverage)
        return results

    def _score_tokenized(
        self,
        references: CaptionReferences,
        ids: list[ItemId],
        gts: dict[ItemId, list[str]],
        res: dict[ItemId, list[str]],
        coverage: Coverage,
    ) -> CaptionScores:
        hyps = [res[i][0] for i in ids]
        refs = [gts[i] for i in ids]
        spice = (
            SpiceRun(hyps, refs, self._corenlp, self._tools, self._spice_cache)
            if "SPICE" in self.metrics and self._corenlp is not None
            else None
        )
        meteor_job = _MeteorJob(self._meteor, hyps, refs) if self._meteor is not None else None
        try:
            corpus, per_image = _python_metrics(self.metrics, gts, res)
            stats: list[str] = []
            if meteor_job is not None:
                corpus["METEOR"], per_image["METEOR"], stats = meteor_job.result()
            if spice is not None:
                spice_result: SpiceResult = spice.result()
                spice = None
                corpus["SPICE"], per_image["SPICE"] = spice_result.corpus, spice_result.per_image
        finally:
            if spice is not None:
                spice.cancel()
        keys = [k for m in self.metrics for k in METRICS[m]]
        corpus = {k: corpus[k] for k in keys}
        per_image = {k: per_image[k] for k in keys}
        notes = []
        if "CIDEr" in self.metrics and len(ids) < 2:
            notes.append(
                "CIDEr-D takes its document frequencies from the scored corpus, so it is 0 for a "
                "single image: score the whole corpus"
            )
        by_category, sizes = self._by_category(references, ids, gts, res, per_image, stats)
        return CaptionScores(
            image_ids=tuple(ids),
            corpus=corpus,
            per_image=per_image,
            coverage=coverage,
            by_category=by_category,
            category_sizes=sizes,
            skipped=dict(self.skipped),
            notes=tuple(notes),
        )

    def _by_category(
        self,
        references: CaptionReferences,
        ids: list[ItemId],
        gts: dict[ItemId, list[str]],
        res: dict[ItemId, list[str]],
        per_image: Mapping[str, tuple[float, ...]],
        stats: list[str],
    ) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
        if not references.categories:
            return {}, {}
        groups: dict[str, list[int]] = {}
        for n, i in enumerate(ids):
            category = references.categories.get(i)
            if category is not None:
                groups.setdefault(category, []).append(n)
        out, sizes = {}, {}
        for category in sorted(groups):
            rows = groups[category]
            sub = [ids[n] for n in rows]
            corpus, _ = _python_metrics(
                self.metrics, {i: gts[i] for i in sub}, {i: res[i] for i in sub}
            )
            if self._meteor is not None:
                corpus["METEOR"] = self._meteor.evaluate([stats[n] for n in rows])[0]
            if "SPICE" in per_image:
                corpus["SPICE"] = float(np.mean(np.array([per_image["SPICE"][n] for n in rows])))
            keys = [k for m in self.metrics for k in METRICS[m]]
            out[category] = {k: corpus[k] for k in keys}
            sizes[category] = len(rows)
        return out, sizes


class _MeteorJob:
    """METEOR statistics computed in a thread while the Python metrics run."""

    def __init__(self, meteor: Meteor, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> None:
        self._meteor = meteor
        self._outcome: tuple[float, list[float], list[str]] | BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(hyps, refs), daemon=True)
        self._thread.start()

    def _run(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> None:
        try:
            self._outcome = self._meteor.score(hyps, refs)
        except BaseException as exc:  # handed to the caller in result()
            self._outcome = exc

    def result(self) -> tuple[float, tuple[float, ...], list[str]]:
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        corpus, per_image, stats = self._outcome
        return corpus, tuple(per_image), stats


def _python_metrics(
    metrics: Sequence[str], gts: dict[ItemId, list[str]], res: dict[ItemId, list[str]]
) -> tuple[dict[str, float], dict[str, tuple[float, ...]]]:
    """BLEU and CIDEr-D by pycocoevalcap's own scorers, ROUGE-L by its arithmetic
    (:mod:`eotext.bench.rouge`), on tokenized texts."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider

    corpus: dict[str, float] = {}
    per_image: dict[str, tuple[float, ...]] = {}
    if "BLEU" in metrics:
        bleu, bleu_images = Bleu(4).compute_score(gts, res, verbose=0)
        for k, key in enumerate(METRICS["BLEU"]):
            corpus[key] = float(bleu[k])
            per_image[key] = tuple(float(s) for s in bleu_images[k])
    if "ROUGE_L" in metrics:
        rouge, rouge_images = rouge_l(gts, res)
        corpus["ROUGE_L"] = rouge
        per_image["ROUGE_L"] = tuple(float(s) for s in rouge_images)
    if "CIDEr" in metrics:
        if not any(r.strip() for refs in gts.values() for r in refs):
            # pycocoevalcap fails on a corpus without a reference word (max() of no document
            # frequencies); with nothing to match, every image scores 0.
            corpus["CIDEr"], per_image["CIDEr"] = 0.0, (0.0,) * len(gts)
        else:
            score, scores = Cider().compute_score(gts, res)
            corpus["CIDEr"] = float(score)
            per_image["CIDEr"] = tuple(float(s) for s in scores)
    return corpus, per_image


def _check_empty(predictions: Mapping[ItemId, str], allow_empty: bool) -> None:
    empty = [i for i, c in predictions.items() if not c.strip()]
    if empty and not allow_empty:
        raise BenchInputError(
            f"{len(empty)} predictions are empty (e.g. image {empty[0]!r}); check the "
            "`caption` field, or score them as empty captions (they score 0 on most metrics) "
            "with --allow-empty (allow_empty=True)"
        )
