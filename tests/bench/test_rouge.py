"""ROUGE-L equals pycocoevalcap 1.2's Rouge bit for bit, on real RSICD captions and odd cases."""

from __future__ import annotations

import json
import random
from collections import defaultdict

import numpy as np
import pytest

from eotext.bench.rouge import lcs_length, rouge_l
from tests.bench.conftest import ODD_PREDICTIONS, RSICD
from tests.conftest import need


def test_lcs_length_equals_pycocoevalcaps_table() -> None:
    from pycocoevalcap.rouge.rouge import my_lcs

    rng = random.Random(17)
    for _ in range(5000):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 25))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 70))]
        assert lcs_length(a, b) == my_lcs(a, b), (a, b)
    assert lcs_length(["a"] * 200, ["a"] * 150) == 150  # wider than a machine word


def test_scores_are_the_same_floats_as_pycocoevalcap_on_rsicd() -> None:
    from pycocoevalcap.rouge.rouge import Rouge

    data = json.loads(need(RSICD).read_text())
    captions: dict[int, list[str]] = defaultdict(list)
    for ann in data["annotations"]:
        captions[ann["image_id"]].append(" ".join(ann["caption"].lower().split()))
    gts = {i: c[1:] for i, c in captions.items()}
    res = {i: [c[0]] for i, c in captions.items()}
    # Odd predictions too: empty, one word, repeated words, words no reference has.
    odd = [*ODD_PREDICTIONS, "", "a a a a"]
    for n, (image_id, text) in enumerate(zip(list(res)[: len(odd)], odd, strict=True)):
        res[image_id] = [text.lower() if n % 2 else text]
    expected, expected_images = Rouge().compute_score(gts, res)
    corpus, per_image = rouge_l(gts, res)
    assert corpus == float(expected)
    assert np.array_equal(per_image, expected_images)


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="different images"):
        rouge_l({1: ["a b"]}, {2: ["a"]})
