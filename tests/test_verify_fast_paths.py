"""The checker's shortcuts answer exactly as the plain computations do, on real label patches
and real texts: facts of 8-bit patches (Pillow histograms, byte masks, cc3d components) against
facts of the codes array and scipy's labelling; class mentions found on lower-cased ASCII text
against case folding; the word hints that let claim patterns and fixes skip a sentence."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache

import numpy as np
import pytest
from scipy import ndimage

from eotext.verify import claims as claims_mod
from eotext.verify import fixes as fixes_mod
from eotext.verify.claims import extract_claims
from eotext.verify.corpus import make_corpus
from eotext.verify.facts import PatchFacts, facts_from_array
from eotext.verify.fixes import auto_fix
from eotext.verify.lexicon import HALVES, QUADRANTS, Lexicon
from tests.conftest import DATA, need
from tests.verify_data import real_patches

_RECTS = [None, *QUADRANTS.values(), *HALVES.values(), (0.1, 0.9, 0.2, 0.7), (0.0, 0.0, 0.0, 0.5)]
_CROSS_IMAGE = (
    " Similarly, the first image shows more trees than the other images.",
    " In the second image, there is a larger share of water than in the other images.",
    " Likewise, the grass is denser than the previous ones.",
)


@cache
def _patches() -> dict[str, PatchFacts]:
    return real_patches(need(DATA))


@cache
def _texts() -> list[str]:
    """The labelled corpus's texts on the real patches, with cross-image clauses, in upper
    case, title case and with a non-ASCII letter."""
    base = list(dict.fromkeys(item.text for item in make_corpus(_patches())))
    more = [t + _CROSS_IMAGE[i % 3] for i, t in enumerate(base[::7])]
    texts = base + more
    return (
        texts
        + [t.upper() for t in texts[::3]]
        + [t.title() for t in texts[1::3]]
        + [t.replace("e", "é") for t in texts[2::5]]
    )


def _ndimage_components(mask: np.ndarray, min_px: int) -> list[tuple[int, float, float]]:
    """Components as scipy labels them (ids by first pixel), largest first."""
    lab, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    h, w = mask.shape
    rows, cols = (a.ravel() for a in np.indices(mask.shape, dtype=np.float64))
    area = np.bincount(lab.ravel(), minlength=n + 1)
    sy = np.bincount(lab.ravel(), rows, minlength=n + 1)
    sx = np.bincount(lab.ravel(), cols, minlength=n + 1)
    out = [
        (int(area[i]), (sy[i] / area[i] + 0.5) / h, (sx[i] / area[i] + 0.5) / w)
        for i in range(1, n + 1)
        if area[i] >= min_px
    ]
    return sorted(out, key=lambda t: -t[0])


def test_facts_of_8_bit_patches_answer_as_the_codes_array() -> None:
    """Every answer of byte facts equals the answer of facts of the codes array (histograms
    by bincount, masks of codes), and components equal scipy's, order of ties included."""
    patches = _patches()
    assert len(patches) >= 30
    byte_paths = 0
    for key, byte in patches.items():
        byte_paths += byte._bytes is not None
        plain = PatchFacts(byte.labels.copy(), byte.scheme)
        wide = facts_from_array(np.where(byte.labels < 0, 0, byte.labels).astype(np.uint16),
                                byte.scheme, 0)  # fmt: skip
        present = sorted(c for c in np.unique(byte.labels).tolist() if c >= 0)
        sets = [frozenset([c]) for c in present] + [frozenset(p) for p in
                itertools.combinations(present[:4], 2)] + [frozenset()]  # fmt: skip
        for f in (plain, wide):
            assert list(f.counts.items()) == list(byte.counts.items()), key
            assert f.valid_px == byte.valid_px
            for rect in _RECTS:
                assert list(f.counts_in(rect).items()) == list(byte.counts_in(rect).items())
            assert f.counts_in_many(tuple(_RECTS[1:3])) == byte.counts_in_many(tuple(_RECTS[1:3]))
            for codes in sets:
                assert np.array_equal(f.in_codes(codes), byte.in_codes(codes))
                assert f.centroid(codes) == byte.centroid(codes)
                for min_px in (1, 20, 21):
                    assert f.components(codes, min_px) == byte.components(codes, min_px)
                    assert f.count_components(codes, min_px) == byte.count_components(codes, min_px)
            for a, b in itertools.combinations(sets[:4], 2):
                assert f.shared_edges(a, b) == byte.shared_edges(a, b)
        for codes in sets:
            mask = np.isin(byte.labels, list(codes))
            for min_px in (1, 20, 21):  # 1: many ties of equal areas
                assert byte.components(codes, min_px) == _ndimage_components(mask, min_px), key
    assert byte_paths >= 30


def test_mentions_on_lower_cased_ascii_text_equal_case_folding() -> None:
    scheme = next(iter(_patches().values())).scheme
    fast = Lexicon(scheme)
    folding = Lexicon(scheme)
    assert fast._lower_pattern is not None
    folding._lower_pattern = None
    for text in _texts():
        assert fast.mentions(text) == folding.mentions(text), text


def _sentences() -> Iterator[str]:
    for text in _texts():
        for m in claims_mod._SENTENCE.finditer(text):
            yield m.group(0)


def test_every_match_of_a_hinted_claim_pattern_holds_a_hint_word() -> None:
    for sentence in _sentences():
        low = sentence.lower()
        for pattern, words in claims_mod._HINTS.items():
            if sentence.isascii() and pattern.search(sentence):
                assert any(w in low for w in words), (pattern.pattern[:40], sentence)


def test_whole_image_searches_match_only_with_a_hint_word() -> None:
    for sentence in _sentences():
        low = sentence.lower()
        if claims_mod._WHOLE.search(low):
            assert any(w in low for w in claims_mod._WHOLE_HINTS), sentence
        if claims_mod._EVERY_PART.search(low):
            assert any(w in low for w in claims_mod._EVERY_PART_HINTS), sentence


def test_a_class_over_the_whole_patch_is_one_component_as_scipy_finds_it() -> None:
    """Open water everywhere: one component written down, no labelling; scipy agrees."""
    scheme = next(iter(_patches().values())).scheme
    for shape in ((256, 256), (120, 77), (1, 5)):
        labels = np.full(shape, 80, dtype=np.uint8)
        for f in (facts_from_array(labels, scheme, 0), PatchFacts(labels.astype(np.int64), scheme)):
            for min_px in (1, 20, 21):
                assert f.components(frozenset({80}), min_px) == _ndimage_components(
                    labels == 80, min_px
                )
                assert f.count_components(frozenset({80}), min_px) == int(labels.size >= min_px)
            assert f.components(frozenset({10}), 1) == []
            rows, cols = np.nonzero(labels == 80)
            assert f.centroid(frozenset({80})) == (
                (rows.mean() + 0.5) / shape[0],
                (cols.mean() + 0.5) / shape[1],
            )
            assert f.counts == {80: labels.size} and f.counts_in(None) == {80: labels.size}
            assert f.count_components(frozenset({10}), 1) == 0
        nodata = facts_from_array(np.zeros(shape, dtype=np.uint8), scheme, 0)
        assert nodata.counts == {} and nodata.centroid(frozenset({80})) is None


def test_claims_with_hints_equal_claims_without(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon = Lexicon(next(iter(_patches().values())).scheme)
    texts = _texts()
    claims_mod._claims_of_sentence.cache_clear()
    hinted = [extract_claims(t, lexicon) for t in texts]
    monkeypatch.setattr(claims_mod, "_HINTS", {p: ("",) for p in claims_mod._HINTS})
    claims_mod._claims_of_sentence.cache_clear()
    try:
        assert [extract_claims(t, lexicon) for t in texts] == hinted
    finally:
        claims_mod._claims_of_sentence.cache_clear()


def test_fixes_with_hints_equal_fixes_without(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    hinted = [auto_fix(t) for t in texts]
    assert sum(bool(rules) for _, rules in hinted) >= 10
    everything = re.compile("")
    for name in ("_ORDINAL_HINT", "_SIMILARLY_HINT", "_COMPARATIVE_HINT"):
        monkeypatch.setattr(fixes_mod, name, everything)
    assert [auto_fix(t) for t in texts] == hinted
