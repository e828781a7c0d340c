"""Caption metrics equal pycocoevalcap 1.2's, corpus and per image, on the real RSICD corpus."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from eotext.bench.captions import METRICS, CaptionReferences, CaptionScorer, parse_metrics
from eotext.bench.tokenizer import tokenize
from eotext.errors import BenchInputError, ToolNotFoundError
from tests.bench.conftest import ODD_PREDICTIONS, CaptionCase, EotextRun, ReferenceRun

TOLERANCE = 1e-6
KEYS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_corpus_and_per_image_scores_equal_pycocoevalcap(
    key: str, eotext_run: EotextRun, pycocoevalcap_run: ReferenceRun
) -> None:
    ours = eotext_run.scores
    corpus, per_image = pycocoevalcap_run.scores[key]
    assert abs(ours.corpus[key] - corpus) <= TOLERANCE, (ours.corpus[key], corpus)
    theirs = np.array([per_image[i] for i in ours.image_ids])
    assert np.max(np.abs(np.array(ours.per_image[key]) - theirs)) <= TOLERANCE


@pytest.mark.slow
def test_the_whole_corpus_is_scored_with_every_available_metric(
    eotext_run: EotextRun, rsicd_case: CaptionCase
) -> None:
    scores = eotext_run.scores
    assert scores.image_ids == rsicd_case.image_ids and len(scores.image_ids) == 1093
    assert tuple(scores.corpus) == KEYS
    assert scores.coverage.left_out == 0
    assert "SPICE" in scores.skipped and "--corenlp" in scores.skipped["SPICE"]
    json = scores.to_json()
    assert json["CIDEr"] == scores.corpus["CIDEr"] and len(json["per_image"]) == 1093
    assert json["per_image"][0]["image_id"] == rsicd_case.image_ids[0]


@pytest.mark.slow
def test_odd_predictions_are_tokenized_exactly_as_pycocoevalcap(
    rsicd_case: CaptionCase, pycocoevalcap_run: ReferenceRun
) -> None:
    ids = rsicd_case.image_ids[: len(ODD_PREDICTIONS)]
    ours = tokenize([rsicd_case.predictions[i] for i in ids])
    assert ours == [pycocoevalcap_run.tokenized_predictions[i] for i in ids]
    assert ours[4] == ""  # "..." is punctuation only
    assert "-lrb-" in ours[0] and "café" in ours[1] and "🚀" not in ours[2]


@pytest.mark.slow
def test_references_tokenized_in_one_call_equal_separate_calls(
    rsicd_case: CaptionCase, pycocoevalcap_run: ReferenceRun
) -> None:
    ids = rsicd_case.image_ids[:200]
    texts = [c for i in ids for c in rsicd_case.references[i]]
    texts += [rsicd_case.predictions[i] for i in ids]
    tokens = tokenize(texts)
    expected = [c for i in ids for c in pycocoevalcap_run.tokenized_references[i]]
    expected += [pycocoevalcap_run.tokenized_predictions[i] for i in ids]
    assert tokens == expected


@pytest.mark.slow
def test_nothing_is_written_into_pycocoevalcap_and_spice_never_loads(eotext_run: EotextRun) -> None:
    assert eotext_run.files_after == eotext_run.files_before
    assert "pycocoevalcap.spice.get_stanford_models" not in sys.modules


def _tiny() -> CaptionReferences:
    return CaptionReferences(
        (1, 2, 3),
        {
            1: ("a red roof next to a road", "a house with a red roof"),
            2: ("green trees around a pond", "a pond among trees"),
            3: ("a beach beside blue sea", "yellow sand and the sea"),
        },
        {1: "residential", 2: "park", 3: "beach"},
    )


def test_categories_are_scored_as_their_own_corpus() -> None:
    refs = _tiny()
    predictions = {1: "a red roof by a road", 2: "trees around a pond", 3: "sea and a beach"}
    with CaptionScorer(["bleu", "rouge", "cider"]) as scorer:
        scores = scorer.score(refs, predictions)
        alone = scorer.score(CaptionReferences((1,), {1: refs.captions[1]}), {1: predictions[1]})
    assert set(scores.by_category) == {"residential", "park", "beach"}
    assert scores.category_sizes == {"residential": 1, "park": 1, "beach": 1}
    assert scores.by_category["residential"]["Bleu_1"] == alone.corpus["Bleu_1"]
    # CIDEr-D of a one-image corpus is 0: the reason to always score a corpus.
    assert alone.corpus["CIDEr"] == 0.0 and scores.corpus["CIDEr"] > 0
    assert any("single image" in n for n in alone.notes)
    assert "SPICE" not in scores.skipped  # not asked for


def test_score_many_uses_one_tokenizer_call_per_batch_and_keeps_runs_apart() -> None:
    refs = _tiny()
    runs = {
        "good": {1: "a house with a red roof", 2: "a pond among trees", 3: "a beach by the sea"},
        "bad": {1: "a pond", 2: "a red roof", 3: "trees"},
    }
    with CaptionScorer(["bleu", "cider"]) as scorer:
        scores = scorer.score_many(refs, runs)
    assert scores["good"].corpus["CIDEr"] > scores["bad"].corpus["CIDEr"]
    assert scores["good"].corpus["Bleu_1"] > scores["bad"].corpus["Bleu_1"]


def test_empty_predictions_stop_unless_allowed() -> None:
    refs = _tiny()
    predictions = {1: "a red roof", 2: "  ", 3: "a beach"}
    with CaptionScorer(["bleu"]) as scorer:
        with pytest.raises(BenchInputError, match=r"1 predictions are empty.*--allow-empty"):
            scorer.score(refs, predictions)
        scores = scorer.score(refs, predictions, allow_empty=True)
    assert scores.per_image["Bleu_1"][1] < 1e-6


def test_partial_predictions_need_allow_partial() -> None:
    refs = _tiny()
    with CaptionScorer(["rouge"]) as scorer:
        with pytest.raises(BenchInputError, match=r"1 reference images have no prediction"):
            scorer.score(refs, {1: "a red roof", 2: "a pond", 99: "extra"})
        scores = scorer.score(refs, {1: "a red roof", 2: "a pond", 99: "x"}, allow_partial=True)
    assert scores.image_ids == (1, 2)
    assert scores.coverage.references_without_prediction == (3,)
    assert scores.coverage.predictions_without_reference == (99,)


def test_metric_names() -> None:
    assert parse_metrics(["CIDEr", "bleu", "rouge-l"]) == ("BLEU", "ROUGE_L", "CIDEr")
    assert set(METRICS) == {"BLEU", "METEOR", "ROUGE_L", "CIDEr", "SPICE"}
    with pytest.raises(BenchInputError, match="unknown caption metric 'bluescore'"):
        parse_metrics(["bluescore"])
    with pytest.raises(BenchInputError, match="no caption metric"):
        CaptionScorer([])


def test_spice_without_corenlp_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EOTEXT_CORENLP", raising=False)
    with pytest.raises(ToolNotFoundError, match=r"stanford-corenlp-3\.6\.0\.jar.*--corenlp DIR"):
        CaptionScorer(["spice"])
    scorer = CaptionScorer(["bleu"])
    assert scorer.skipped == {} and scorer.metrics == ("BLEU",)


def test_a_category_whose_references_are_only_punctuation() -> None:
    refs = CaptionReferences(
        (1, 2, 3),
        {1: ("...",), 2: ("a pond among trees",), 3: ("a beach by the sea",)},
        {1: "odd", 2: "park", 3: "beach"},
    )
    with CaptionScorer(["cider"]) as scorer:
        scores = scorer.score(refs, {1: "a pond", 2: "trees and a pond", 3: "sea"})
    assert scores.by_category["odd"]["CIDEr"] == 0.0 and scores.corpus["CIDEr"] > 0


def test_references_need_a_caption_per_image() -> None:
    with pytest.raises(BenchInputError, match="1 reference images have no caption"):
        CaptionReferences((1, 2), {1: ("a caption",)})
