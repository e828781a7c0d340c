"""Landscape themes for closing summaries, decided from class shares.

Each class is put in a broad group by keywords that start a word of its short name (so "rice"
is not "ice" and "broad-leaved" is not "road"); this keeps themes valid for every scheme
without a per-scheme table, and the group names never name a class.
"""

from __future__ import annotations

import re

from eotext.schemes import Scheme

#: Group → keywords of class short names (checked in this order, first match wins).
GROUP_KEYWORDS: dict[str, tuple[str, ...]] = {
    "snow": ("snow", "ice", "glacier"),
    "water": ("water", "sea", "lake", "lagoon", "estuar", "river", "ocean"),
    "wet": ("wetland", "marsh", "bog", "peat", "mangrove", "flooded", "intertidal", "salines"),
    "built": ("developed", "urban", "built", "industrial", "artificial", "construction",
              "road", "port", "airport", "dump", "mineral extraction", "sport"),
    "crop": ("crop", "arable", "cultivat", "vineyard", "orchard", "fruit", "olive", "rice",
             "agricult", "pasture", "agro", "irrigat"),
    "forest": ("tree", "forest", "wood"),
    "green": ("grass", "shrub", "moss", "heath", "moor", "sclerophyllous", "vegetation", "tundra"),
    "bare": ("bare", "sand", "beach", "dune", "rock", "burnt", "not vegetated", "sparse"),
}  # fmt: skip

_THEMES: dict[str, tuple[str, ...]] = {
    "built": ("a densely built-up settlement", "a largely urbanised area",
              "a place shaped by human construction", "a townscape seen from above"),
    "crop": ("an agricultural landscape", "a farmed, agricultural landscape",
             "a countryside given over to farming", "a rural, cultivated landscape"),
    "forest": ("a densely wooded landscape", "a landscape under dense canopy",
               "a thickly wooded terrain", "a green, wooded terrain"),
    "water": ("a landscape shaped by open water", "a scene largely taken up by open water",
              "an expanse of open water", "an aquatic setting"),
    "green": ("an open, green landscape", "a natural landscape of low plant cover",
              "an open, herbaceous terrain", "a green, unwooded landscape"),
    "bare": ("an arid, sparsely covered landscape", "a barren landscape",
             "an exposed, sparsely covered terrain", "a dry and open terrain"),
    "wet": ("a waterlogged, marshy landscape", "a landscape of saturated ground",
            "a soggy, marshy terrain", "a wet lowland landscape"),
    "snow": ("a frozen landscape", "a landscape under snow and ice",
             "a cold, frozen terrain", "a glaciated setting"),
}  # fmt: skip


def class_group(short_name: str) -> str:
    """The broad group of a class, by keywords of its short name ("other" if none match)."""
    name = short_name.lower()
    for group, keywords in GROUP_KEYWORDS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(k)}", name) for k in keywords):
            return group
    return "other"


def theme_phrase(scheme: Scheme, shares: dict[int, float], pick: int) -> str:
    """A noun phrase for the landscape's theme, e.g. "an agricultural landscape".

    Args:
        scheme: the scheme of the class codes.
        shares: class code → share of valid pixels.
        pick: a random integer choosing among equivalent phrasings.
    """
    groups: dict[str, float] = {}
    for code, share in shares.items():
        g = class_group(scheme.by_code(code).short_name)
        groups[g] = groups.get(g, 0.0) + share
    ranked = sorted(groups.items(), key=lambda gs: (-gs[1], gs[0]))
    top, top_share = ranked[0]
    options = _THEMES.get(top)
    if options is None:
        return "a mixed landscape"
    if top_share >= 0.6 or len(ranked) == 1:
        return options[pick % len(options)]
    second = ranked[1][0]
    if top == "water" or second == "water":
        land = second if top == "water" else top
        if land in _THEMES and land != "water":
            shore = ("beside open water", "by the water's edge", "bordering open water")
            return f"{_THEMES[land][pick % 2]} {shore[pick % 3]}"
    a, b = _adjective(top), _adjective(second)
    return (
        f"a mixed landscape, mainly {a} with {b} parts",
        f"a patchwork of {a} and {b} ground",
        f"a {a} setting interspersed with {b} patches",
    )[pick % 3]


def _adjective(group: str) -> str:
    return {
        "built": "built-up",
        "crop": "agricultural",
        "forest": "wooded",
        "water": "open-water",
        "green": "green, open",
        "bare": "barren",
        "wet": "marshy",
        "snow": "frozen",
    }.get(group, "mixed")
