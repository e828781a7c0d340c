"""Zero-shot classification with SkyScript's templates, top-K and binary best F1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest

from eotext.bench.zeroshot import (
    SKYSCRIPT_TEMPLATES,
    build_classifier,
    evaluate_zero_shot,
    score_binary,
    score_zero_shot,
)
from eotext.errors import BenchInputError

CLASSES = ["forest", "river", "airport", "beach", "farmland", "parking lot"]


def _encoder(texts: Sequence[str]) -> np.ndarray:
    """A deterministic fake text encoder: class words set one axis, template words another."""
    out = np.zeros((len(texts), len(CLASSES) + 2))
    for n, text in enumerate(texts):
        for c, name in enumerate(CLASSES):
            if name in text:
                out[n, c] = 1.0
        out[n, -1 if "photo" in text else -2] = 0.5
    return out


def test_templates_are_skyscripts_and_averaged() -> None:
    assert SKYSCRIPT_TEMPLATES == ("a satellite photo of {c}.", "a satellite image of {c}")
    seen: list[str] = []

    def encode(texts: Sequence[str]) -> np.ndarray:
        seen.extend(texts)
        return _encoder(texts)

    classifier = build_classifier(CLASSES, encode)
    assert seen[:2] == ["a satellite photo of forest.", "a satellite image of forest"]
    assert classifier.shape == (6, 8)
    assert np.allclose(np.linalg.norm(classifier, axis=1), 1.0)
    # Each template vector normalised, averaged, normalised again.
    unit = _encoder(seen[:2]) / np.linalg.norm(_encoder(seen[:2]), axis=1, keepdims=True)
    mean = unit.mean(axis=0)
    assert np.allclose(classifier[0], mean / np.linalg.norm(mean))


def test_top1_and_top5_against_brute_force() -> None:
    rng = np.random.default_rng(1)
    classifier = build_classifier(CLASSES, _encoder)
    labels = rng.integers(0, len(CLASSES), size=200)
    images = classifier[labels] + rng.normal(scale=0.6, size=(200, 8))
    scores = score_zero_shot(images, labels.tolist(), classifier)
    logits = (images / np.linalg.norm(images, axis=1, keepdims=True)) @ classifier.T
    order = np.argsort(-logits, axis=1)
    assert scores.top_k[1] == pytest.approx(np.mean(order[:, 0] == labels))
    assert scores.top_k[5] == pytest.approx(
        np.mean([labels[i] in order[i, :5] for i in range(200)])
    )
    assert 0 < scores.top_k[1] < scores.top_k[5] <= 1
    same = evaluate_zero_shot(images, labels.tolist(), CLASSES, _encoder)
    assert same == scores


def test_binary_best_f1_sweep() -> None:
    vector = np.array([1.0, 0.0])
    angles = np.array([0.1, 0.3, 0.5, 1.2, 1.4, 0.45])  # cosine = cos(angle)
    images = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = [1, 1, 1, 0, 0, 0]
    best = score_binary(images, labels, vector)
    # The negative at cos(0.45) = 0.900 outscores the positive at cos(0.5) = 0.878, so the best
    # is recall 1 with one false positive, for thresholds in (cos(1.2) = 0.362, 0.878].
    assert best.recall == pytest.approx(1.0) and best.precision == pytest.approx(0.75)
    assert best.f1 == pytest.approx(2 * 0.75 / 1.75, abs=1e-8)
    # The first (lowest) of those on SkyScript's grid of 0.02 steps is kept.
    assert best.threshold == pytest.approx(0.38)
    with pytest.raises(BenchInputError, match="0 or 1"):
        score_binary(images, [2, 0, 0, 0, 0, 0], vector)


def test_shape_errors() -> None:
    with pytest.raises(BenchInputError, match="one embedding row per text"):
        build_classifier(CLASSES, lambda texts: np.ones((1, 3)))
    with pytest.raises(BenchInputError, match="labels must be one class index"):
        score_zero_shot(np.eye(2), [0, 5], np.eye(2))


def test_core_never_imports_torch() -> None:
    code = (
        "import sys, eotext.bench.zeroshot, eotext.bench.retrieval, eotext.bench.openclip, "
        "eotext.bench.captions, eotext.bench.formats, eotext.bench.report, eotext.cli.bench; "
        "assert 'torch' not in sys.modules and 'open_clip' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_openclip_adapter_explains_what_to_install() -> None:
    try:
        import open_clip  # noqa: F401
    except ImportError:
        from eotext.bench.openclip import OpenClipEncoder
        from eotext.errors import MissingDependencyError

        with pytest.raises(MissingDependencyError, match="pip install open_clip_torch"):
            OpenClipEncoder("ViT-B-32")
    else:  # pragma: no cover - only where open_clip is installed
        pytest.skip("open_clip is installed; the adapter is exercised by its own users")
