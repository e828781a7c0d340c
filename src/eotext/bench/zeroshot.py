"""Zero-shot classification with SkyScript's prompts: top-1/top-5 and binary best F1.

SkyScript builds one classifier vector per class: every template is filled with the class
name, the texts are embedded and L2-normalised, averaged, and the mean normalised again. An
image is assigned the classes whose vectors are most similar (cosine). Its binary tasks use one
class vector, and sweep 101 thresholds over [−1, 1] on the cosine similarity for the best F1
(with its 1e-9 smoothing, keeping the first best threshold).

Embeddings come as arrays or from an encoder callable (texts → array), so nothing here needs
torch; :mod:`eotext.bench.openclip` adapts an open_clip model when that is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eotext.errors import BenchInputError

#: SkyScript's templates for scene classification (``prompt_templates.py``).
SKYSCRIPT_TEMPLATES: tuple[str, ...] = ("a satellite photo of {c}.", "a satellite image of {c}")

#: Embeds a batch of texts: a (texts, dim) array-like out.
TextEncoder = Callable[[Sequence[str]], ArrayLike]


@dataclass(frozen=True)
class ZeroShotScores:
    """Top-K accuracy of zero-shot classification."""

    top_k: dict[int, float]
    images: int

    def to_json(self) -> dict[str, Any]:
        return {**{f"top{k}": v for k, v in self.top_k.items()}, "images": self.images}


@dataclass(frozen=True)
class BinaryScores:
    """The best F1 over the threshold sweep, with its threshold, precision and recall."""

    f1: float
    threshold: float
    precision: float
    recall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "best_F1": self.f1,
            "best_threshold": self.threshold,
            "best_precision": self.precision,
            "best_recall": self.recall,
        }


def build_classifier(
    classnames: Sequence[str],
    encode_text: TextEncoder,
    templates: Sequence[str] = SKYSCRIPT_TEMPLATES,
) -> NDArray[np.float64]:
    """One unit vector per class: template embeddings normalised, averaged, normalised.

    Args:
        classnames: class names as they go into the templates.
        encode_text: texts → (texts, dim) embeddings.
        templates: format strings with ``{c}`` for the class name.

    Returns:
        (classes, dim) array.
    """
    if not classnames or not templates:
        raise BenchInputError("zero-shot classification needs at least one class and template")
    texts = [t.format(c=c) for c in classnames for t in templates]
    embedded = np.asarray(encode_text(texts), dtype=np.float64)
    if embedded.ndim != 2 or embedded.shape[0] != len(texts):
        raise BenchInputError(
            f"the text encoder returned shape {embedded.shape} for {len(texts)} texts; it must "
            "return one embedding row per text"
        )
    return classifier_from_template_embeddings(
        embedded.reshape(len(classnames), len(templates), -1)
    )


def classifier_from_template_embeddings(embeddings: ArrayLike) -> NDArray[np.float64]:
    """Class vectors from precomputed (classes, templates, dim) template embeddings."""
    array = np.asarray(embeddings, dtype=np.float64)
    if array.ndim != 3:
        raise BenchInputError("template embeddings must have shape (classes, templates, dim)")
    unit = array / _norms(array, "template")
    mean = unit.mean(axis=1)
    classes: NDArray[np.float64] = mean / _norms(mean, "class")
    return classes


def score_zero_shot(
    image_embeddings: ArrayLike,
    labels: Sequence[int],
    classifier: ArrayLike,
    ks: Sequence[int] = (1, 5),
) -> ZeroShotScores:
    """Top-K accuracy of assigning each image the most similar classes.

    Args:
        image_embeddings: (images, dim).
        labels: the true class index of each image.
        classifier: (classes, dim) class vectors (see :func:`build_classifier`).
        ks: the K values; a K above the number of classes counts every image as found.

    A class scoring exactly as high as the true class does not push it down (ties favour it).
    """
    images = _unit_rows(image_embeddings, "image")
    classes = np.asarray(classifier, dtype=np.float64)
    truth = np.asarray(labels)
    if classes.ndim != 2 or classes.shape[1] != images.shape[1]:
        raise BenchInputError(
            f"classifier shape {classes.shape} does not match image embeddings of dimension "
            f"{images.shape[1]}"
        )
    if truth.shape != (len(images),) or truth.min() < 0 or truth.max() >= len(classes):
        raise BenchInputError(
            f"labels must be one class index in [0, {len(classes)}) per image ({len(images)})"
        )
    logits = images @ classes.T
    true_logit = logits[np.arange(len(images)), truth]
    rank = (logits > true_logit[:, None]).sum(axis=1)
    return ZeroShotScores({k: float(np.mean(rank < k)) for k in sorted(set(ks))}, len(images))


def score_binary(
    image_embeddings: ArrayLike,
    labels: Sequence[int],
    class_vector: ArrayLike,
    thresholds: ArrayLike | None = None,
) -> BinaryScores:
    """SkyScript's binary evaluation: the best F1 over thresholds on the cosine similarity.

    Args:
        image_embeddings: (images, dim).
        labels: 1 for images of the class, 0 otherwise.
        class_vector: (dim,) the class vector (a row of :func:`build_classifier`).
        thresholds: defaults to SkyScript's ``np.linspace(-1, 1, 101)``.
    """
    images = _unit_rows(image_embeddings, "image")
    vector = np.asarray(class_vector, dtype=np.float64).reshape(-1)
    truth = np.asarray(labels)
    if vector.shape != (images.shape[1],):
        raise BenchInputError(f"class vector must have {images.shape[1]} values")
    if truth.shape != (len(images),) or not np.isin(truth, (0, 1)).all():
        raise BenchInputError("labels must be one 0 or 1 per image")
    logits = images @ vector
    best = BinaryScores(0.0, 0.0, 0.0, 0.0)
    sweep = np.linspace(-1, 1, 101) if thresholds is None else np.asarray(thresholds)
    for threshold in sweep:
        predicted = logits >= threshold
        tp = float(np.sum(predicted & (truth == 1)))
        fp = float(np.sum(predicted & (truth == 0)))
        fn = float(np.sum(~predicted & (truth == 1)))
        precision = (tp + 1e-9) / (tp + fp + 1e-9)
        recall = (tp + 1e-9) / (tp + fn + 1e-9)
        f1 = 2 * (precision * recall) / (precision + recall + 1e-9)
        if f1 > best.f1:  # strictly: the first best threshold wins, as in SkyScript
            best = BinaryScores(f1, float(threshold), precision, recall)
    return best


def _unit_rows(embeddings: ArrayLike, what: str) -> NDArray[np.float64]:
    array = np.asarray(embeddings, dtype=np.float64)
    if array.ndim != 2 or len(array) == 0:
        raise BenchInputError(f"{what} embeddings must be a non-empty (n, dim) array")
    return array / _norms(array, what)


def _norms(array: NDArray[np.float64], what: str) -> NDArray[np.float64]:
    if not np.isfinite(array).all():
        raise BenchInputError(f"{what} embeddings hold NaN or infinite values")
    norms: NDArray[np.float64] = np.linalg.norm(array, axis=-1, keepdims=True)
    if (norms == 0).any():
        raise BenchInputError(f"a {what} embedding is all zeros; it has no direction")
    return norms


def evaluate_zero_shot(
    images: Any,
    labels: Sequence[int],
    classnames: Sequence[str],
    encode_text: TextEncoder,
    encode_images: Callable[[Any], ArrayLike] | None = None,
    templates: Sequence[str] = SKYSCRIPT_TEMPLATES,
    ks: Sequence[int] = (1, 5),
) -> ZeroShotScores:
    """Zero-shot top-K from an encoder: classes through the templates, images as given.

    Args:
        images: (images, dim) embeddings, or whatever ``encode_images`` takes (e.g. paths).
        labels: the true class index of each image.
        classnames: class names, in label order.
        encode_text: texts → embeddings.
        encode_images: images → embeddings; None when ``images`` are embeddings already.
        templates: prompt templates (SkyScript's by default).
        ks: the K values.
    """
    embeddings = encode_images(images) if encode_images is not None else images
    classifier = build_classifier(classnames, encode_text, templates)
    return score_zero_shot(embeddings, labels, classifier, ks)
