"""Scoring from files: read and check the files, score, and say which files a problem is in.

One function per command of ``eotext bench``; the library functions they call take typed
records and can be used without files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from eotext.bench.captions import CaptionScorer, CaptionScores
from eotext.bench.formats import (
    read_caption_predictions,
    read_caption_references,
    read_referring_predictions,
    read_referring_references,
    read_rsvqa_references,
    read_vqa_predictions,
    read_vqa_references,
)
from eotext.bench.referring import ReferringExpression, ReferringScores, score_referring
from eotext.bench.report import Report, caption_report, referring_report, vqa_report
from eotext.bench.vqa import VqaQuestion, VqaScores, score_vqa
from eotext.errors import BenchInputError


def score_caption_file(
    pred: str | Path,
    refs: str | Path,
    *,
    metrics: Iterable[str] | None = None,
    corenlp: str | Path | None = None,
    spice_cache: str | Path | None = None,
    allow_partial: bool = False,
    allow_empty: bool = False,
) -> CaptionScores:
    """Score a COCO results file against a COCO captions file (see :class:`CaptionScorer`)."""
    return caption_scores_of_files(
        {"": pred},
        refs,
        metrics=metrics,
        corenlp=corenlp,
        spice_cache=spice_cache,
        allow_partial=allow_partial,
        allow_empty=allow_empty,
    )[""]


def caption_scores_of_files(
    preds: Mapping[str, str | Path],
    refs: str | Path,
    *,
    metrics: Iterable[str] | None = None,
    corenlp: str | Path | None = None,
    spice_cache: str | Path | None = None,
    allow_partial: bool = False,
    allow_empty: bool = False,
) -> dict[str, CaptionScores]:
    """Score several models' COCO results files (name → path) with one METEOR JVM."""
    references = read_caption_references(refs)
    runs = {name: read_caption_predictions(path) for name, path in preds.items()}
    with CaptionScorer(metrics, corenlp=corenlp, spice_cache=spice_cache) as scorer:
        try:
            return scorer.score_many(
                references, runs, allow_partial=allow_partial, allow_empty=allow_empty
            )
        except BenchInputError as exc:
            which = f"{next(iter(preds.values()))} " if list(preds) == [""] else ""
            raise BenchInputError(f"{which}against {refs}: {exc}") from None


def score_vqa_file(
    pred: str | Path,
    refs: str | Path,
    *,
    answers: str | Path | None = None,
    allow_partial: bool = False,
) -> VqaScores:
    """Score a VQA predictions file (``answers`` given: ``refs`` is an RSVQA questions file)."""
    questions = _vqa_references(refs, answers)
    return _vqa(questions, pred, refs, allow_partial)


def score_referring_file(
    pred: str | Path,
    refs: str | Path,
    *,
    convention: str = "auto",
    threshold: float = 0.5,
    allow_partial: bool = False,
) -> ReferringScores:
    """Score a referring-expression predictions file."""
    expressions = read_referring_references(refs)
    return _referring(expressions, pred, refs, convention, threshold, allow_partial)


def caption_report_of_files(
    preds: Mapping[str, str | Path],
    refs: str | Path,
    *,
    metrics: Iterable[str] | None = None,
    corenlp: str | Path | None = None,
    spice_cache: str | Path | None = None,
    allow_partial: bool = False,
    allow_empty: bool = False,
) -> Report:
    """Caption report across models (name → COCO results file), one METEOR JVM for all."""
    scores = caption_scores_of_files(
        preds,
        refs,
        metrics=metrics,
        corenlp=corenlp,
        spice_cache=spice_cache,
        allow_partial=allow_partial,
        allow_empty=allow_empty,
    )
    return caption_report(scores)


def vqa_report_of_files(
    preds: Mapping[str, str | Path],
    refs: str | Path,
    *,
    answers: str | Path | None = None,
    allow_partial: bool = False,
) -> Report:
    """VQA report across models (name → predictions file)."""
    questions = _vqa_references(refs, answers)
    return vqa_report({m: _vqa(questions, p, refs, allow_partial) for m, p in preds.items()})


def referring_report_of_files(
    preds: Mapping[str, str | Path],
    refs: str | Path,
    *,
    convention: str = "auto",
    threshold: float = 0.5,
    allow_partial: bool = False,
) -> Report:
    """Referring-expression report across models (name → predictions file)."""
    expressions = read_referring_references(refs)
    return referring_report(
        {
            m: _referring(expressions, p, refs, convention, threshold, allow_partial)
            for m, p in preds.items()
        }
    )


def _vqa_references(refs: str | Path, answers: str | Path | None) -> list[VqaQuestion]:
    return read_rsvqa_references(refs, answers) if answers else read_vqa_references(refs)


def _vqa(
    questions: list[VqaQuestion], pred: str | Path, refs: str | Path, allow_partial: bool
) -> VqaScores:
    predictions = read_vqa_predictions(pred)
    try:
        return score_vqa(questions, predictions, allow_partial=allow_partial)
    except BenchInputError as exc:
        raise BenchInputError(f"{pred} against {refs}: {exc}") from None


def _referring(
    expressions: list[ReferringExpression],
    pred: str | Path,
    refs: str | Path,
    convention: str,
    threshold: float,
    allow_partial: bool,
) -> ReferringScores:
    predictions = read_referring_predictions(pred)
    try:
        return score_referring(
            expressions,
            predictions,
            convention=convention,
            threshold=threshold,
            allow_partial=allow_partial,
        )
    except BenchInputError as exc:
        raise BenchInputError(f"{pred} against {refs}: {exc}") from None
