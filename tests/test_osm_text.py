"""SkyScript-style OSM captions: phrases, plurals, templates, seeding and metadata."""

from __future__ import annotations

import pytest
import shapely

from eotext.semantics.osm.join import PatchObjects, Sighting
from eotext.semantics.osm.layer import Placed
from eotext.semantics.osm.rules import DEFAULT_RULES, classify
from eotext.text.grammar import article
from eotext.text.osm import (
    MULTI_TEMPLATES,
    TITLE_TEMPLATES,
    OsmCaptionWriter,
    phrase_of,
    pluralise,
)

BOX = (24.94, 60.17, 24.945, 60.172)


def _seen(
    tags: dict[str, str], osm_id: int, share: float = 1.0, px: float = 100.0, kind: str = "area"
) -> Sighting:
    feature = classify(tags, DEFAULT_RULES)
    assert feature is not None
    return Sighting(Placed("w", osm_id, feature, shapely.Point(0, 0), kind), share, 0.1, px)


def _words(tags: dict[str, str]) -> str:
    feature = classify(tags, DEFAULT_RULES)
    assert feature is not None
    return phrase_of(feature, DEFAULT_RULES).render()


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        (
            {"leisure": "pitch", "sport": "soccer", "surface": "artificial_turf"},
            "a football pitch with artificial turf",
        ),
        (
            {"building": "apartments", "roof:shape": "gabled"},
            "an apartment building with a gabled roof",
        ),
        ({"amenity": "parking"}, "a parking lot"),
        ({"amenity": "parking", "parking": "multi-storey"}, "a multi-storey parking garage"),
        ({"natural": "water", "water": "pond"}, "a pond"),
        ({"natural": "water", "water": "shallow"}, "a body of water"),
        ({"landuse": "grass"}, "grass"),
        ({"natural": "tree_row", "leaf_type": "broadleaved"}, "a row of broadleaved trees"),
        ({"highway": "primary", "surface": "asphalt"}, "a primary road with an asphalt surface"),
        ({"amenity": "university"}, "a university campus"),
        ({"highway": "footway", "bridge": "yes"}, "a footway on a bridge"),
        ({"leisure": "pitch", "sport": "tennis;basketball"}, "a tennis and basketball pitch"),
        ({"amenity": "school", "building": "yes"}, "a school building"),
        ({"landuse": "farmland", "crop": "wheat"}, "farmland growing wheat"),
        ({"building": "garage"}, "a garage"),
        ({"building": "greenhouse_horticulture"}, "a greenhouse horticulture building"),
    ],
)
def test_phrases(tags: dict[str, str], words: str) -> None:
    assert _words(tags) == words


@pytest.mark.parametrize(
    ("words", "with_article"),
    [
        ("apartment building", "an apartment building"),
        ("university campus", "a university campus"),
        ("utility building", "a utility building"),
        ("unclassified road", "an unclassified road"),
        ("one-way street", "a one-way street"),
        ("hour", "an hour"),
    ],
)
def test_article_follows_the_sound(words: str, with_article: str) -> None:
    assert article(words) == with_article


@pytest.mark.parametrize(
    ("noun", "plural"),
    [
        ("building", "buildings"),
        ("football pitch", "football pitches"),
        ("row of trees", "rows of trees"),
        ("body of water", "bodies of water"),
        ("road under construction", "roads under construction"),
        ("allotment gardens", "allotment gardens"),
        ("industrial works", "industrial works"),
        ("marsh", "marshes"),
        ("driveway", "driveways"),
    ],
)
def test_pluralise(noun: str, plural: str) -> None:
    assert pluralise(noun) == plural


def test_title_and_multi_objects_captions() -> None:
    focus = _seen({"leisure": "pitch", "sport": "soccer", "surface": "artificial_turf"}, 1, px=900)
    others = (
        _seen({"amenity": "parking"}, 2, px=500),
        _seen({"building": "apartments"}, 3, px=300),
        _seen({"building": "apartments"}, 4, px=200),
        _seen({"highway": "service"}, 5, px=150, kind="line"),
        _seen({"highway": "service"}, 6, px=100, kind="line"),
        _seen({"natural": "tree"}, 7, px=36, kind="point"),
    )
    writer = OsmCaptionWriter(DEFAULT_RULES, seed=0)
    texts = writer.texts("p1", PatchObjects(focus, others), BOX, "2022-10-05T11:21:09Z", "x.pbf")
    title, multi = texts
    assert (title.style, multi.style) == ("title", "title_multi_objects")
    assert title.text.endswith("of a football pitch with artificial turf")
    assert title.text.replace(" a football pitch with artificial turf", " {focus}") in {
        t.replace(" {focus}", " {focus}") for t in TITLE_TEMPLATES
    }
    assert "a parking lot, two apartment buildings and service roads" in multi.text
    assert "tree" not in multi.text  # max_named = 3 groups
    assert title.type == "osm_caption" and title.generator == "osm"
    assert title.meta["named"] == [{"element": "w", "id": 1}]
    assert [r["id"] for r in multi.meta["named"]] == [1, 2, 3, 4, 5, 6]
    meta = title.meta
    assert (meta["element"], meta["id"], meta["box"]) == ("w", 1, list(BOX))
    assert meta["time"] == [2022, 10, 5, 11, 21]
    assert meta["center_tags"] == {
        "leisure": "pitch",
        "sport": "soccer",
        "surface": "artificial_turf",
    }
    assert meta["surrounding_tags"][0] == {"amenity": "parking"}
    assert len(meta["surrounding"]) == 6 and meta["osm_file"] == "x.pbf"


def test_captions_are_seeded_by_recipe_seed_and_patch() -> None:
    focus = _seen({"building": "yes"}, 1)
    others = (_seen({"amenity": "parking"}, 2),)

    def text(seed: int, pid: str) -> str:
        writer = OsmCaptionWriter(DEFAULT_RULES, seed)
        return writer.texts(pid, PatchObjects(focus, others), BOX)[1].text

    assert text(0, "p1") == text(0, "p1")
    variants = {text(seed, "p1") for seed in range(200)}
    assert len(variants) == len(TITLE_TEMPLATES) * len(MULTI_TEMPLATES)


def test_partly_visible_focus_alike_neighbours_and_no_surroundings() -> None:
    park = _seen({"leisure": "park"}, 1, share=0.2, px=5000)
    writer = OsmCaptionWriter(DEFAULT_RULES, seed=1)
    texts = writer.texts("p", PatchObjects(park, ()), BOX)
    assert len(texts) == 1 and "part of a park" in texts[0].text  # no multi caption
    house = _seen({"building": "house"}, 2)
    found = PatchObjects(house, (_seen({"building": "house"}, 3), _seen({"building": "house"}, 4)))
    assert "two other houses" in writer.texts("p", found, BOX)[1].text
    found = PatchObjects(house, (_seen({"building": "house"}, 3),))
    assert "another house" in writer.texts("p", found, BOX)[1].text
    grass = _seen({"landuse": "grass"}, 5)
    found = PatchObjects(grass, (_seen({"landuse": "grass"}, 6), _seen({"building": "house"}, 7)))
    multi = writer.texts("p", found, BOX)[1]
    assert "grass" in multi.text and multi.text.count("grass") == 1  # no "grass next to grass"
    assert writer.texts("p", PatchObjects(None, ()), BOX) == []


def test_only_the_requested_styles() -> None:
    writer = OsmCaptionWriter(DEFAULT_RULES, 0, styles=("title_multi_objects",))
    found = PatchObjects(_seen({"building": "yes"}, 1), (_seen({"amenity": "parking"}, 2),))
    assert [t.style for t in writer.texts("p", found, BOX)] == ["title_multi_objects"]
