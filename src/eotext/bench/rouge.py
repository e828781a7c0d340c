"""ROUGE-L as pycocoevalcap 1.2 computes it, with a faster longest common subsequence.

pycocoevalcap's ``Rouge`` fills a full dynamic-programming table in Python for every
(reference, prediction) pair, which is most of its time. The LCS length is an integer, so any
exact algorithm gives the same one: here the bit-parallel algorithm (Allison and Dix 1986, in
Hyyrö's 2004 form), one big-integer step per token. Everything after the LCS (precision, recall,
β = 1.2, the F-measure and the mean over images) repeats pycocoevalcap's arithmetic operation
for operation, so the scores are the same floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: pycocoevalcap's ``Rouge().beta``.
BETA = 1.2


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _image_score(candidate: str, refs: Sequence[str]) -> float:
    """pycocoevalcap's ``Rouge.calc_score`` for one image."""
    token_c = candidate.split(" ")
    prec = []
    rec = []
    for reference in refs:
        token_r = reference.split(" ")
        lcs = lcs_length(token_r, token_c)
        prec.append(lcs / float(len(token_c)))
        rec.append(lcs / float(len(token_r)))
    prec_max = max(prec)
    rec_max = max(rec)
    if prec_max != 0 and rec_max != 0:
        return ((1 + BETA**2) * prec_max * rec_max) / float(rec_max + BETA**2 * prec_max)
    return 0.0


def rouge_l(
    gts: Mapping[Any, Sequence[str]], res: Mapping[Any, Sequence[str]]
) -> tuple[float, np.ndarray[Any, np.dtype[np.float64]]]:
    """Corpus ROUGE-L and per-image scores, as pycocoevalcap's ``Rouge().compute_score``.

    Args:
        gts: image id → tokenized references (at least one).
        res: image id → a one-element list with the tokenized prediction (same keys as gts).
    """
    if gts.keys() != res.keys():
        raise ValueError("references and predictions cover different images")
    scores = []
    for image_id in gts:
        hypo, refs = res[image_id], gts[image_id]
        if len(hypo) != 1 or not refs:
            raise ValueError(f"image {image_id!r}: one prediction and some references expected")
        scores.append(_image_score(hypo[0], refs))
    per_image = np.array(scores)
    return float(np.mean(per_image)), per_image
