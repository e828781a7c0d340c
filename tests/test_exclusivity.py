"""No caption claims "entirely", "only" or "whole" where the label patch has another class."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eotext.schemes import CORINE, SCL, WORLDCOVER, Scheme
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.templates import CaptionWriter
from tests.claims import claims, violations
from tests.real_maps import real_patches
from tests.test_templates import label_patches

Array = np.ndarray[Any, Any]
REAL = real_patches()


def _texts(scheme: Scheme, labels: Array, valid: Array, seed: int, pid: str) -> list[str]:
    stats = compute_class_shares(labels, valid)
    layout = analyse_layout(
        labels, valid, sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
    )
    writer = CaptionWriter(scheme, seed)
    return [writer.detailed(pid, stats, layout), writer.short(pid, stats, layout)]


@pytest.mark.skipif(not REAL, reason="real sample data not found; set EOTEXT_DATA")
def test_no_false_exclusivity_on_real_maps() -> None:
    made = 0
    for seed in range(3):
        for p in REAL:
            for text in _texts(p.scheme, p.labels, p.valid, seed, p.patch_id):
                assert not violations(p.scheme, text, p.labels, p.valid), (p.patch_id, text)
                made += len(claims(text))
    assert made > 0, "the real maps should give some true exclusivity claims"


@settings(max_examples=120, deadline=None)
@given(
    data=st.data(),
    scheme=st.sampled_from([WORLDCOVER, CORINE, SCL]),
    seed=st.integers(0, 2**32),
)
def test_no_false_exclusivity_on_generated_maps(
    data: st.DataObject, scheme: Scheme, seed: int
) -> None:
    labels, valid = data.draw(label_patches(scheme))
    for text in _texts(scheme, labels, valid, seed, "g_r000000_c000000"):
        assert not violations(scheme, text, labels, valid), text


def test_near_uniform_patch_is_not_called_entire() -> None:
    """99.9 % trees with 25 px of grass: "almost entirely", never "entirely"."""
    labels = np.full((160, 160), 10, dtype=np.uint16)
    labels[3:8, 3:8] = 30  # 25 px of grass in the top left
    valid = np.ones_like(labels, dtype=bool)
    for seed in range(40):
        for text in _texts(WORLDCOVER, labels, valid, seed, f"u_r{seed:06d}_c000000"):
            assert not violations(WORLDCOVER, text, labels, valid), text
            assert "covers the entire scene" not in text


def test_uniform_patch_may_be_called_entire() -> None:
    labels = np.full((64, 64), 80, dtype=np.uint16)
    valid = np.ones_like(labels, dtype=bool)
    texts = [t for s in range(10) for t in _texts(WORLDCOVER, labels, valid, s, f"o_r{s:06d}_c0")]
    assert any(claims(t) for t in texts)
    assert all(not violations(WORLDCOVER, t, labels, valid) for t in texts)


def test_half_claims_are_checked_on_the_union() -> None:
    """Two quadrants each under 20 px of grass but 30 together: no "the whole left half"."""
    labels = np.full((64, 64), 10, dtype=np.uint16)
    labels[:, 32:] = 80
    labels[2:5, 2:7] = 30  # 15 px in the top left
    labels[40:43, 2:7] = 30  # 15 px in the bottom left
    valid = np.ones_like(labels, dtype=bool)
    for seed in range(40):
        for text in _texts(WORLDCOVER, labels, valid, seed, f"h_r{seed:06d}_c0"):
            assert not violations(WORLDCOVER, text, labels, valid), text


def test_the_checker_catches_false_claims() -> None:
    labels = np.full((64, 64), 10, dtype=np.uint16)
    labels[3:8, 3:8] = 30  # 25 px of grass in the top left
    valid = np.ones_like(labels, dtype=bool)
    assert violations(WORLDCOVER, "Tree covers the entire scene.", labels, valid)
    assert violations(WORLDCOVER, "The top left is entirely trees.", labels, valid)
    assert violations(WORLDCOVER, "The whole western half is trees.", labels, valid)
    assert not violations(WORLDCOVER, "The top right is entirely trees.", labels, valid)
    assert not violations(WORLDCOVER, "The top left is almost entirely trees.", labels, valid)
    valid[40:, 40:] = False  # unlabelled pixels break an "entirely" too
    assert violations(WORLDCOVER, "Only trees are found in the bottom right.", labels, valid)
