"""Questions fit the place: negatives and distractors that could occur there, no whole-patch
referring boxes, coverage tiers stated."""

from __future__ import annotations

import numpy as np
import pytest

from eotext.schemes import EOLEARN_LULC, WORLDCOVER
from eotext.semantics.components import PatchComponents
from eotext.semantics.context import Context
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.plausible import possible_here
from eotext.text.referring import ReferringWriter
from eotext.text.vqa import VqaWriter
from tests.real_maps import real_patches

SAO_TOME = Context(0.3, 6.7, season="summer", climate_zone="Af", elevation_m=40.0)
HELSINKI = Context(60.2, 24.9, climate_zone="Dfb", elevation_m=20.0)
KILIMANJARO = Context(-3.07, 37.35, climate_zone="ET", elevation_m=5000.0)
SNOW, MOSS, MANGROVES, WATER = 70, 100, 95, 80
REAL = real_patches()


def test_what_can_occur_where() -> None:
    assert not possible_here(WORLDCOVER, SNOW, SAO_TOME)
    assert not possible_here(WORLDCOVER, MOSS, SAO_TOME)
    assert possible_here(WORLDCOVER, MANGROVES, SAO_TOME)
    assert possible_here(WORLDCOVER, SNOW, HELSINKI) and possible_here(WORLDCOVER, MOSS, HELSINKI)
    assert not possible_here(WORLDCOVER, MANGROVES, HELSINKI)
    assert possible_here(WORLDCOVER, SNOW, KILIMANJARO) and possible_here(
        WORLDCOVER, MOSS, KILIMANJARO
    )
    assert possible_here(EOLEARN_LULC, 7, HELSINKI) and not possible_here(EOLEARN_LULC, 7, SAO_TOME)
    assert all(possible_here(WORLDCOVER, c, None) for c in WORLDCOVER.codes)  # no location
    assert possible_here(WORLDCOVER, WATER, SAO_TOME)


def _analysed(p: object) -> tuple[object, object]:
    stats = compute_class_shares(p.labels, p.valid)  # type: ignore[attr-defined]
    codes = sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
    return stats, analyse_layout(p.labels, p.valid, codes)  # type: ignore[attr-defined]


@pytest.mark.skipif(not REAL, reason="real sample data not found; set EOTEXT_DATA")
def test_tropical_island_questions_never_ask_about_snow_or_moss() -> None:
    island = [p for p in REAL if p.scheme is WORLDCOVER]
    asked_no = 0
    for p in island:
        stats, layout = _analysed(p)
        items = VqaWriter(WORLDCOVER, 0).items(p.patch_id, stats, layout, 10.0, SAO_TOME)  # type: ignore[arg-type]
        presence = [t for t in items if t.category == "presence" and t.style == "binary"]
        answers = [t.answer for t in presence]
        assert answers.count("yes") == answers.count("no"), p.patch_id  # balanced
        for t in items:
            named = WORLDCOVER.find_mentions(" ".join([t.question or "", *(t.choices or ())]))
            assert not named & {SNOW, MOSS}, (p.patch_id, t.question, t.choices)
        asked_no += answers.count("no")
    assert asked_no > 0
    # In Helsinki the same patches may ask about snow.
    p = island[0]
    stats, layout = _analysed(p)
    texts = [
        t
        for seed in range(20)
        for t in VqaWriter(WORLDCOVER, seed).items(p.patch_id, stats, layout, 10.0, HELSINKI)  # type: ignore[arg-type]
    ]
    assert any(SNOW in WORLDCOVER.find_mentions(t.question or "") for t in texts)


@pytest.mark.skipif(not REAL, reason="real sample data not found; set EOTEXT_DATA")
def test_no_referring_box_is_the_whole_patch_and_coverage_states_its_tiers() -> None:
    boxes = 0
    for p in REAL:
        stats, layout = _analysed(p)
        h, w = p.labels.shape
        for t in ReferringWriter(p.scheme, 0).items(
            p.patch_id,
            p.labels,
            p.valid,
            stats,
            PatchComponents(p.labels, p.valid),  # type: ignore[arg-type]
        ):
            assert t.box != (0, 0, w, h), (p.patch_id, t.text)
            boxes += 1
        for t in VqaWriter(p.scheme, 0).items(p.patch_id, stats, layout, 10.0, None):  # type: ignore[arg-type]
            if t.category == "coverage":
                assert t.style == "mcq" and t.choices and t.answer in t.choices
                assert [c.split(") ")[1] for c in t.choices] == [
                    "less than 5%", "between 5% and 25%", "more than 25%",
                ]  # fmt: skip
    assert boxes > 0


def test_uniform_patch_gets_no_referring_expression() -> None:
    labels = np.full((64, 64), WATER, dtype=np.uint16)
    valid = np.ones_like(labels, dtype=bool)
    stats = compute_class_shares(labels, valid)
    assert ReferringWriter(WORLDCOVER, 0).items("o", labels, valid, stats) == []
