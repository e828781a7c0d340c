"""Recall@K in both directions equals SkyScript's ranking loop."""

from __future__ import annotations

import numpy as np
import pytest

from eotext.bench.retrieval import score_retrieval
from eotext.errors import BenchInputError


def _skyscript_recalls(
    images: np.ndarray, texts: np.ndarray, text_images: list[set[int]], ks: tuple[int, ...]
) -> dict[str, float]:
    """SkyScript's cross_modal_retrieval.ipynb loops, in numpy (argsort, any relevant in top K)."""
    images = images / np.linalg.norm(images, axis=1, keepdims=True)
    texts = texts / np.linalg.norm(texts, axis=1, keepdims=True)
    res = {}
    image_texts = [
        {t for t, imgs in enumerate(text_images) if i in imgs} for i in range(len(images))
    ]
    for k in ks:
        hits = sum(
            bool(set(np.argsort(-(t @ images.T))[:k]) & text_images[n]) for n, t in enumerate(texts)
        )
        res[f"text2img_R@{k}"] = hits / len(texts)
        hits = sum(
            bool(set(np.argsort(-(i @ texts.T))[:k]) & image_texts[n]) for n, i in enumerate(images)
        )
        res[f"img2text_R@{k}"] = hits / len(images)
    return res


def test_equals_skyscript_loops_on_random_embeddings() -> None:
    rng = np.random.default_rng(0)
    images = rng.normal(size=(60, 16))
    # Five noisy captions per image, plus a few texts shared by two images (deduplicated).
    owners = [{i} for i in range(60) for _ in range(5)] + [{3, 7}, {10, 11}]
    texts = np.array([images[min(o)] + rng.normal(scale=2.0, size=16) for o in owners])
    ours = score_retrieval(images, texts, [sorted(o) for o in owners], chunk=7)
    expected = _skyscript_recalls(images, texts, owners, (1, 5, 10))
    got = ours.to_json()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key
    assert got["mean_recall"] == pytest.approx(np.mean(list(expected.values())))
    assert (ours.images, ours.texts) == (60, 302)


def test_perfect_embeddings_and_ties() -> None:
    images = np.eye(3)
    texts = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=float)
    scores = score_retrieval(images, texts, [0, 1, 2, 0])
    # Text 3 ties images 0 and 1; the tie goes to the relevant image.
    assert scores.text_to_image == {1: 1.0, 5: 1.0, 10: 1.0}
    assert scores.image_to_text[1] == 1.0 and scores.mean_recall == 1.0


def test_bad_inputs() -> None:
    with pytest.raises(BenchInputError, match="16 dimensions but text embeddings 8"):
        score_retrieval(np.ones((2, 16)), np.ones((2, 8)), [0, 1])
    with pytest.raises(BenchInputError, match="1 images have no text"):
        score_retrieval(np.eye(2), np.eye(2), [0, 0])
    with pytest.raises(BenchInputError, match="points at image 5"):
        score_retrieval(np.eye(2), np.eye(2), [0, 5])
    with pytest.raises(BenchInputError, match="all zeros"):
        score_retrieval(np.zeros((2, 2)), np.eye(2), [0, 1])
    with pytest.raises(BenchInputError, match="NaN"):
        score_retrieval(np.full((2, 2), np.nan), np.eye(2), [0, 1])
