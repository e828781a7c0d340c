"""Which absent classes a question may name: only those that could occur at the place.

A "no" presence question or a multiple-choice distractor is only useful when the class could be
there: asking about snow on an equatorial island or moss in the tropics is answerable without
looking. Classes are judged by their broad kind (snow and ice, moss and lichen or tundra,
mangroves) against the patch's latitude, Köppen-Geiger climate zone and elevation; everything
else is possible anywhere. Without a location every class counts as possible.
"""

from __future__ import annotations

import re

from eotext.schemes import Scheme
from eotext.semantics.context import Context
from eotext.text.themes import class_group

#: Above this elevation (m) snow, ice, moss and lichen occur at any latitude.
HIGH_MOUNTAIN_M = 3000.0
#: Poleward of this latitude (degrees) snow and ice are possible at any elevation.
SNOW_LATITUDE = 30.0
#: Moss, lichen and tundra need polar or alpine conditions: this far poleward, or high up.
MOSS_LATITUDE = 50.0
MOSS_ELEVATION_M = 2000.0
#: Mangroves grow on tropical and subtropical coasts only.
MANGROVE_LATITUDE = 35.0


def _kind(scheme: Scheme, code: int) -> str:
    name = scheme.by_code(code).short_name.lower()
    if re.search(r"(?<![a-z])mangrove", name):
        return "mangrove"
    if re.search(r"(?<![a-z])(moss|lichen|tundra)", name):
        return "polar_plants"
    if class_group(name) == "snow":
        return "snow"
    return "any"


def possible_here(scheme: Scheme, code: int, where: Context | None) -> bool:
    """Whether class ``code`` could occur at the patch's place."""
    kind = _kind(scheme, code)
    if where is None or kind == "any":
        return True
    lat = abs(where.latitude)
    high = where.elevation_m
    zone = where.climate_zone or ""
    if kind == "mangrove":
        return lat <= MANGROVE_LATITUDE and not zone.startswith(("D", "E"))
    if kind == "snow":
        if high is not None and high >= HIGH_MOUNTAIN_M:
            return True
        return lat >= SNOW_LATITUDE and not zone.startswith("A")
    # Moss, lichen and tundra.
    if high is not None and high >= MOSS_ELEVATION_M:
        return True
    return lat >= MOSS_LATITUDE or zone.startswith("E")


def plausible_absent(
    scheme: Scheme, absent: list[int], present: list[int], where: Context | None
) -> tuple[list[int], list[int]]:
    """The absent classes that could occur here, split into the closer ones (same broad group
    as a present class) and the rest; classes impossible at the place are left out."""
    groups = {class_group(scheme.by_code(c).short_name) for c in present}
    possible = [c for c in absent if possible_here(scheme, c, where)]
    near = [c for c in possible if class_group(scheme.by_code(c).short_name) in groups]
    return near, [c for c in possible if c not in near]
