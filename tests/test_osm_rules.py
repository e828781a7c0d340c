"""Visibility rules: values normalised, hidden and odd tags left out, overrides, the data file."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eotext.errors import RecipeError
from eotext.semantics.osm.rules import (
    DEFAULT_RULES,
    classify,
    load_rules,
    normalise_value,
    rules_from_dict,
)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("artificial_turf", ("artificial turf",)),
        ("paved;cobblestone", ("paved", "cobblestone")),
        (" Multi-Storey ", ("multi-storey",)),
        ("9.0", ()),  # no letter: not a word
        ("yes<script>", ()),
        ("a" * 49, ()),
        ("grass;", ("grass",)),
        ("tennis;\x00", ()),
    ],
)
def test_normalise_value(raw: str, words: tuple[str, ...]) -> None:
    assert normalise_value(raw) == words


@given(st.text(max_size=80))
def test_normalised_values_are_always_plain_words(raw: str) -> None:
    for item in normalise_value(raw):
        assert re.fullmatch(r"[a-z0-9][a-z0-9 .'&-]*", item) and len(item) <= 48


def test_classify_names_objects_by_the_first_groundable_key() -> None:
    f = classify(
        {"leisure": "pitch", "sport": "soccer", "surface": "artificial_turf"}, DEFAULT_RULES
    )
    assert f is not None and (f.key, f.words) == ("leisure", "pitch")
    assert f.tags == {"leisure": "pitch", "sport": "soccer", "surface": "artificial_turf"}
    assert dict(f.modifiers) == {"sport": ("soccer",), "surface": ("artificial turf",)}
    school = classify({"amenity": "school", "building": "yes", "name": "Koulu"}, DEFAULT_RULES)
    assert school is not None and school.key == "amenity"
    assert school.tags == {"amenity": "school", "building": "yes"}  # the name is not visible
    road = classify({"highway": "primary", "surface": "asphalt"}, DEFAULT_RULES)
    assert road is not None and road.linear and road.width_m == 15.0
    tree = classify({"natural": "tree", "leaf_type": "broadleaved"}, DEFAULT_RULES)
    assert tree is not None and tree.size_m == 6.0 and not tree.linear
    pond = classify({"natural": "water", "water": "pond"}, DEFAULT_RULES)
    assert pond is not None and pond.refined == ("water", "pond")


def test_classify_leaves_out_what_cannot_be_seen() -> None:
    tally: Counter[str] = Counter()
    for tags in (
        {"highway": "street_lamp"},
        {"amenity": "restaurant", "cuisine": "pizza"},
        {"shop": "bakery"},
        {"highway": "footway", "tunnel": "yes"},
        {"amenity": "parking", "parking": "underground"},
        {"building": "yes", "layer": "-1"},
        {"highway": "corridor", "level": "-2;-1"},
        {"building": "yes\u202e<>"},
    ):
        assert classify(tags, DEFAULT_RULES, tally) is None, tags
    assert tally == {"not_groundable": 3, "hidden": 4, "odd_value": 1}


def test_odd_modifier_values_are_dropped_not_the_object() -> None:
    tally: Counter[str] = Counter()
    f = classify({"building": "yes", "roof:shape": "9.0"}, DEFAULT_RULES, tally)
    assert f is not None and f.modifiers == () and "roof:shape" not in f.tags
    assert tally == {"odd_modifier_value": 1}
    huge = classify({"building": "yes", "roof:shape": "gabled" * 40}, DEFAULT_RULES)
    assert huge is not None and huge.modifiers == ()


def test_overrides_merge_tables_and_replace_lists() -> None:
    rules = DEFAULT_RULES.with_overrides(
        {"keys": ["building"], "nouns": {"building=yes": "house"}, "min_area_px": 10}
    )
    assert rules.keys == ("building",) and rules.min_area_px == 10.0
    assert rules.nouns["building=yes"] == "house" and rules.nouns["highway"] == "{value} road"
    assert classify({"highway": "primary"}, rules) is None
    assert rules.fingerprint != DEFAULT_RULES.fingerprint
    with pytest.raises(RecipeError, match="must be a number"):
        DEFAULT_RULES.with_overrides({"min_area_px": "big"})
    with pytest.raises(RecipeError, match="must be a table"):
        DEFAULT_RULES.with_overrides({"nouns": ["x"]})
    with pytest.raises(RecipeError, match=r"must contain \{value\}"):
        DEFAULT_RULES.with_overrides({"modifiers": {"surface": "paved"}})
    with pytest.raises(RecipeError, match="focus_min_share"):
        DEFAULT_RULES.with_overrides({"focus_min_share": 2})


def test_default_rules_file_is_complete_and_consistent() -> None:
    from eotext.semantics.osm.rules import DEFAULT_RULES_FILE

    assert load_rules(DEFAULT_RULES_FILE) == DEFAULT_RULES
    with pytest.raises(RecipeError, match="missing"):
        rules_from_dict({"keys": ["building"]})
    # Every allowed or fixed value names something, and every noun names its own tag: a word
    # of the value or the key is in it (what keeps captions faithful to the tags).
    for tag, noun in DEFAULT_RULES.nouns.items():
        if "=" not in tag:
            assert "{value}" in noun, tag
            continue
        key, value = tag.split("=")
        words = [w.rstrip("s") for w in re.split(r"[_-]", value)] + [key]
        assert any(w in noun.replace(" ", "").replace("-", "") for w in words), (tag, noun)
    for key in DEFAULT_RULES.values:
        assert key in DEFAULT_RULES.keys
