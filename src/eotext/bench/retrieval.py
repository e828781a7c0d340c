"""Cross-modal retrieval: recall@K in both directions from image and text embeddings.

As in SkyScript's evaluation, similarities are cosine similarities (embeddings are
L2-normalised here), and a query counts as found at K when any of its relevant items ranks in
the top K. A text may describe several images (SkyScript deduplicates texts), and an image
usually has several texts. Ties with irrelevant items are resolved in the query's favour (a
relevant item ranks before the items that score exactly the same).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eotext.errors import BenchInputError

#: The ranks reported by default.
RECALL_AT = (1, 5, 10)


@dataclass(frozen=True)
class RetrievalScores:
    """Recall@K per direction and their mean.

    Attributes:
        image_to_text: K → fraction of images with a relevant text in their top K.
        text_to_image: K → fraction of texts with a relevant image in their top K.
        images, texts: how many of each were ranked.
    """

    image_to_text: dict[int, float]
    text_to_image: dict[int, float]
    images: int
    texts: int

    @property
    def mean_recall(self) -> float:
        """The mean of every recall in both directions."""
        values = [*self.image_to_text.values(), *self.text_to_image.values()]
        return float(np.mean(values))

    def to_json(self) -> dict[str, Any]:
        return {
            **{f"img2text_R@{k}": v for k, v in self.image_to_text.items()},
            **{f"text2img_R@{k}": v for k, v in self.text_to_image.items()},
            "mean_recall": self.mean_recall,
            "images": self.images,
            "texts": self.texts,
        }


def score_retrieval(
    image_embeddings: ArrayLike,
    text_embeddings: ArrayLike,
    text_images: Sequence[int | Collection[int]],
    ks: Sequence[int] = RECALL_AT,
    chunk: int = 1024,
) -> RetrievalScores:
    """Recall@K for image→text and text→image retrieval.

    Args:
        image_embeddings: (images, dim) array.
        text_embeddings: (texts, dim) array.
        text_images: for each text, the index (or indices) of the image(s) it describes.
        ks: the K values.
        chunk: queries ranked at once (bounds memory at chunk × items similarities).

    Raises:
        BenchInputError: shapes disagree, an embedding is not finite or zero, an index is out
            of range, or an image has no text.
    """
    images = _normalised(image_embeddings, "image")
    texts = _normalised(text_embeddings, "text")
    if images.shape[1] != texts.shape[1]:
        raise BenchInputError(
            f"image embeddings have {images.shape[1]} dimensions but text embeddings "
            f"{texts.shape[1]}; embed both with the same model"
        )
    if len(text_images) != len(texts):
        raise BenchInputError(
            f"text_images has {len(text_images)} entries for {len(texts)} texts; give each "
            "text the index of its image"
        )
    relevant = np.zeros((len(texts), len(images)), dtype=bool)
    for t, target in enumerate(text_images):
        for i in [target] if isinstance(target, int | np.integer) else target:
            if not 0 <= int(i) < len(images):
                raise BenchInputError(f"text {t} points at image {i}, but there are {len(images)}")
            relevant[t, int(i)] = True
    if not relevant.any(axis=1).all():
        raise BenchInputError("a text has no image; give every text at least one image index")
    without = np.flatnonzero(~relevant.any(axis=0))
    if len(without):
        raise BenchInputError(
            f"{len(without)} images have no text (e.g. image {without[0]}); drop them or add "
            "their texts"
        )
    ks = sorted(set(ks))
    i2t = _recalls(images, texts, relevant.T, ks, chunk)
    t2i = _recalls(texts, images, relevant, ks, chunk)
    return RetrievalScores(i2t, t2i, len(images), len(texts))


def _recalls(
    queries: NDArray[np.float64],
    items: NDArray[np.float64],
    relevant: NDArray[np.bool_],
    ks: Sequence[int],
    chunk: int,
) -> dict[int, float]:
    ranks = np.empty(len(queries), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        sims = queries[start : start + chunk] @ items.T
        rel = relevant[start : start + chunk]
        best = np.where(rel, sims, -np.inf).max(axis=1)
        # Rank of the best relevant item: how many irrelevant items score strictly higher.
        ranks[start : start + chunk] = ((sims > best[:, None]) & ~rel).sum(axis=1)
    return {k: float(np.mean(ranks < k)) for k in ks}


def _normalised(embeddings: ArrayLike, what: str) -> NDArray[np.float64]:
    array = np.asarray(embeddings, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0:
        raise BenchInputError(f"{what} embeddings must be a non-empty 2-D array (n, dim)")
    if not np.isfinite(array).all():
        raise BenchInputError(f"{what} embeddings hold NaN or infinite values")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if (norms == 0).any():
        raise BenchInputError(f"a {what} embedding is all zeros; it has no direction to compare")
    unit: NDArray[np.float64] = array / norms
    return unit
