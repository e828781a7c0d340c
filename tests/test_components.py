"""Connected components are labelled once per patch and class, and shared."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eotext.schemes import WORLDCOVER
from eotext.semantics import components as components_module
from eotext.semantics.components import MIN_PX, PatchComponents
from eotext.semantics.layout import analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.referring import ReferringWriter


def _patch() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(3)
    blocks = rng.choice(np.array([10, 30, 40, 50, 80], dtype=np.uint8), size=(8, 8))
    labels = np.kron(blocks, np.ones((16, 16), dtype=np.uint8))
    return labels, np.ones(labels.shape, dtype=bool)


def test_layout_and_referring_share_one_labelling(monkeypatch: pytest.MonkeyPatch) -> None:
    labels, usable = _patch()
    stats = compute_class_shares(labels, usable)
    visible = sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
    plain = ReferringWriter(WORLDCOVER, 0).items("p", labels, usable, stats)

    calls: list[int] = []
    real = components_module.ndimage.label

    def counting(mask: Any, structure: Any) -> Any:
        calls.append(1)
        return real(mask, structure=structure)

    monkeypatch.setattr(components_module.ndimage, "label", counting)
    shared = PatchComponents(labels, usable)
    analyse_layout(labels, usable, visible, components=shared)
    texts = ReferringWriter(WORLDCOVER, 0).items("p", labels, usable, stats, shared)
    assert len(calls) == len(visible)  # each class once, though both users need the largest
    assert texts == plain  # the shared result gives the same expressions
