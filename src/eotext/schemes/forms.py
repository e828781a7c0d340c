"""How generated English refers to each class: its noun phrases and their grammatical number.

Class short names are labels ("tree", "developed area"), not always words a sentence can use
("covered by tree"). Each scheme declares here, as data, the noun phrases for its classes and
whether each is a mass noun ("tree cover is", "grassland covers") or a plural ("trees are",
"built-up areas cover"). Every phrase must name its class for :meth:`Scheme.find_mentions`, so
checks that read the text find the same class. Classes without an entry get their short name,
as a plural when it ends like one ("salt marshes") and as a mass noun otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eotext.schemes.base import Scheme

MASS = "mass"
PLURAL = "plural"


@dataclass(frozen=True)
class NounForm:
    """One way to name a class in a sentence.

    Attributes:
        text: the noun phrase, lower case ("tree cover").
        number: ``"mass"`` (takes "is", "covers") or ``"plural"`` (takes "are", "cover").
    """

    text: str
    number: str

    @property
    def plural(self) -> bool:
        return self.number == PLURAL


def _forms(*rows: tuple[str, str]) -> tuple[NounForm, ...]:
    return tuple(NounForm(text, number) for text, number in rows)


#: Scheme name → class code → its noun phrases (the first is the plainest).
CLASS_FORMS: dict[str, dict[int, tuple[NounForm, ...]]] = {
    "worldcover": {
        10: _forms(("trees", PLURAL), ("tree cover", MASS)),
        20: _forms(("shrubland", MASS), ("shrubs", PLURAL)),
        30: _forms(("grassland", MASS), ("grass", MASS)),
        40: _forms(("cropland", MASS), ("farmland", MASS), ("crops", PLURAL)),
        50: _forms(("built-up areas", PLURAL), ("developed land", MASS)),
        60: _forms(("bare land", MASS), ("bare ground", MASS)),
        70: _forms(("snow and ice", MASS), ("snow", MASS)),
        80: _forms(("water", MASS), ("open water", MASS)),
        90: _forms(("wetland", MASS), ("wetlands", PLURAL)),
        95: _forms(
            ("mangroves", PLURAL),
        ),
        100: _forms(("moss and lichen", MASS), ("moss", MASS)),
    },
    "dynamic-world": {
        0: _forms(("water", MASS), ("open water", MASS)),
        1: _forms(("trees", PLURAL), ("tree cover", MASS)),
        2: _forms(("grassland", MASS), ("grass", MASS)),
        3: _forms(("flooded vegetation", MASS), ("wetlands", PLURAL)),
        4: _forms(("crops", PLURAL), ("cropland", MASS)),
        5: _forms(("shrubland", MASS), ("shrubs", PLURAL), ("scrub", MASS)),
        6: _forms(("built-up areas", PLURAL), ("built-up land", MASS)),
        7: _forms(("bare ground", MASS), ("bare land", MASS)),
        8: _forms(("snow and ice", MASS), ("snow", MASS)),
    },
    "eolearn-lulc": {
        1: _forms(("cropland", MASS), ("farmland", MASS)),
        2: _forms(("forest", MASS), ("trees", PLURAL), ("woodland", MASS)),
        3: _forms(("grassland", MASS), ("grass", MASS)),
        4: _forms(("shrubland", MASS), ("shrubs", PLURAL)),
        5: _forms(("water", MASS), ("water bodies", PLURAL)),
        6: _forms(("wetland", MASS), ("marsh", MASS)),
        7: _forms(
            ("tundra", MASS),
        ),
        8: _forms(
            ("artificial surface", MASS),
        ),
        9: _forms(("bare land", MASS), ("bare ground", MASS)),
        10: _forms(("snow and ice", MASS), ("snow", MASS)),
    },
    "scl": {
        1: _forms(
            ("defective pixels", PLURAL),
        ),
        2: _forms(("dark area pixels", PLURAL), ("dark area", MASS)),
        3: _forms(("cloud shadows", PLURAL), ("cloud shadow", MASS)),
        4: _forms(
            ("vegetation", MASS),
        ),
        5: _forms(("bare soil", MASS), ("bare soils", PLURAL)),
        6: _forms(("water", MASS), ("water bodies", PLURAL)),
        7: _forms(
            ("unclassified pixels", PLURAL),
        ),
        8: _forms(
            ("medium-probability cloud", MASS),
        ),
        9: _forms(("high-probability cloud", MASS), ("opaque clouds", PLURAL)),
        10: _forms(("thin cirrus", MASS), ("cirrus", MASS)),
        11: _forms(("snow", MASS), ("snow and ice", MASS)),
    },
}


def _looks_plural(name: str) -> bool:
    last = name.split()[-1].lower()
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


@lru_cache(maxsize=512)
def class_forms(scheme: Scheme, code: int) -> tuple[NounForm, ...]:
    """The noun phrases for class ``code`` of ``scheme`` (at least one, the plainest first)."""
    declared = CLASS_FORMS.get(scheme.name, {}).get(int(code))
    if declared:
        return declared
    short = scheme.by_code(code).short_name
    return (NounForm(short, PLURAL if _looks_plural(short) else MASS),)
