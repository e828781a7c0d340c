"""How English text names the classes of a scheme and the places of a patch.

A class is found by its official name, short name and synonyms, each in singular, plural and
mass forms ("tree", "trees", "tree cover"), plus common words for groups of classes chosen by
keywords of the class names, so every scheme gets them ("forest" names every forest class of
CORINE; "fields" names cropland).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eotext.schemes import Scheme
from eotext.verify.facts import Rect

#: Common words → keywords that a class's names must contain for the word to name it.
_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "trees": ("tree", "forest", "wood"),
    "tree cover": ("tree", "forest"),
    "forest": ("tree", "forest"),
    "forests": ("tree", "forest"),
    "forested": ("tree", "forest"),
    "woodland": ("tree", "forest", "wood"),
    "woods": ("tree", "forest", "wood"),
    "wooded": ("tree", "forest", "wood"),
    "grass": ("grass",),
    "grassland": ("grass",),
    "grasslands": ("grass",),
    "meadow": ("grass", "meadow", "pasture"),
    "meadows": ("grass", "meadow", "pasture"),
    "pasture": ("grass", "pasture"),
    "pastures": ("grass", "pasture"),
    "shrubs": ("shrub",),
    "bushes": ("shrub",),
    "scrub": ("shrub", "scrub"),
    "crops": ("crop", "arable", "cultivated"),
    "cropland": ("crop", "arable", "cultivated"),
    "croplands": ("crop", "arable", "cultivated"),
    "farmland": ("crop", "arable", "cultivated", "agricultur"),
    "fields": ("crop", "arable", "cultivated"),
    "crop fields": ("crop", "arable", "cultivated"),
    "agricultural fields": ("crop", "arable", "cultivated"),
    "grassy fields": ("grass",),
    "grassy areas": ("grass",),
    "grassy patches": ("grass",),
    "agricultural land": ("crop", "arable", "cultivated", "agricultur"),
    "built-up area": ("built", "urban", "developed", "artificial"),
    "built-up areas": ("built", "urban", "developed", "artificial"),
    "built up areas": ("built", "urban", "developed", "artificial"),
    "developed areas": ("built", "urban", "developed", "artificial"),
    "urban area": ("built", "urban", "developed", "artificial"),
    "urban areas": ("built", "urban", "developed", "artificial"),
    "buildings": ("built", "urban", "developed", "artificial"),
    "settlements": ("built", "urban", "developed", "artificial"),
    "water": ("water", "sea", "lake", "river"),
    "open water": ("water", "sea", "lake"),
    "sea": ("water", "sea", "ocean"),
    "ocean": ("water", "sea", "ocean"),
    "lake": ("water", "lake"),
    "lakes": ("water", "lake"),
    "river": ("water", "river", "course"),
    "rivers": ("water", "river", "course"),
    "bare soil": ("bare", "soil"),
    "bare ground": ("bare", "soil"),
    "barren land": ("bare", "barren"),
    "wetlands": ("wetland", "marsh", "bog"),
    "marshes": ("wetland", "marsh"),
    "marsh": ("wetland", "marsh"),
    "swamp": ("wetland", "swamp", "marsh"),
    "swamps": ("wetland", "swamp", "marsh"),
    "mangrove": ("mangrove",),
    "mangroves": ("mangrove",),
    "snow": ("snow",),
    "ice": ("ice", "snow", "glacier"),
    "glaciers": ("glacier", "snow", "ice"),
    "lichens": ("lichen", "moss"),
}


def _inflections(name: str) -> set[str]:
    """A name and its plural / singular forms ("tree" → "trees"; "mangroves" → "mangrove")."""
    n = name.lower().strip()
    out = {n}
    last = n.split()[-1] if n.split() else n
    head = n[: len(n) - len(last)]
    if last in ("cover", "vegetation", "water", "snow", "ice", "land", "soil", "grass"):
        pass  # mass nouns: "tree covers" is a verb phrase, not a plural
    elif last.endswith("y") and not last.endswith(("ay", "ey", "oy")):
        out.add(head + last[:-1] + "ies")
    elif last.endswith(("s", "x", "sh", "ch")):
        if last.endswith("es") and last[:-2].endswith(("sh", "ch", "x", "ss")):
            out.add(head + last[:-2])
        elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
            out.add(head + last[:-1])
        else:
            out.add(head + last + "es")
    else:
        out.add(head + last + "s")
    # Mass forms: "tree" → "tree cover"; "water" → "water area(s)"; "X land" / "X lands".
    if not last.endswith("s"):
        out.add(f"{n} cover")  # "tree cover", never "trees cover" (a verb follows a plural)
    out.add(f"{n} area")
    out.add(f"{n} areas")
    return out


def _norm(s: str) -> str:
    return re.sub(r"[\s\-/]+", " ", s.lower()).strip()


@dataclass(frozen=True)
class Mention:
    """A class named in a text: its character span and the codes it may name."""

    start: int
    end: int
    text: str
    codes: frozenset[int]


#: How many texts' mentions a lexicon keeps.
_SEEN_TEXTS = 8192


class Lexicon:
    """Finds class mentions of one scheme in English text."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        names: dict[str, set[int]] = {}
        for cls in scheme.classes:
            for name in cls.all_names:
                for form in _inflections(name):
                    names.setdefault(_norm(form), set()).add(cls.code)
        exact = set(names)
        for word, keys in _GROUP_WORDS.items():
            w = _norm(word)
            if w in exact:
                continue
            codes = {
                c.code
                for c in scheme.classes
                if any(k in _norm(" ".join(c.all_names)) for k in keys)
            }
            if codes:
                names[w] = codes
        self.names = {k: frozenset(v) for k, v in names.items() if k}
        alternatives = sorted(self.names, key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"[\s\-/]+") for a in alternatives)
        pattern = rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])"
        self._pattern = re.compile(pattern, re.IGNORECASE)
        # On ASCII text, ignoring case is matching the lower-cased text with the (lower-case)
        # names: the same matches, about four times faster (no case folding per character).
        ascii_lower = body.isascii() and body == body.lower()
        self._lower_pattern = re.compile(pattern) if ascii_lower else None
        self._seen: dict[str, tuple[Mention, ...]] = {}

    def mentions(self, text: str) -> list[Mention]:
        """Every class mention, left to right, longest names first, never overlapping."""
        # Kept by text: questions and answers repeat word for word across patches.
        known = self._seen.get(text)
        if known is None:
            if len(self._seen) >= _SEEN_TEXTS:
                self._seen.clear()
            known = self._seen[text] = tuple(self._mentions(text))
        return list(known)

    def _mentions(self, text: str) -> list[Mention]:
        out = []
        if self._lower_pattern is not None and text.isascii():
            for m in self._lower_pattern.finditer(text.lower()):
                codes = self.names.get(_norm(m.group(0)))
                if codes:
                    start, end = m.span()
                    out.append(Mention(start, end, text[start:end], codes))
            return out
        for m in self._pattern.finditer(text):
            codes = self.names.get(_norm(m.group(0)))
            if codes:
                out.append(Mention(m.start(), m.end(), m.group(0), codes))
        return out

    def name_of(self, codes: frozenset[int]) -> str:
        return " or ".join(self.scheme.by_code(c).short_name for c in sorted(codes))


@lru_cache(maxsize=32)
def lexicon_for(scheme: Scheme) -> Lexicon:
    """The (cached) lexicon of a scheme."""
    return Lexicon(scheme)


#: Place words → rectangle (row0, row1, col0, col1) in fractions of the patch. Quadrants and the
#: centre are ChatEarthNet's regions; sides and compass words are halves.
QUADRANTS: dict[str, Rect] = {
    "top left": (0.0, 0.5, 0.0, 0.5),
    "top right": (0.0, 0.5, 0.5, 1.0),
    "bottom left": (0.5, 1.0, 0.0, 0.5),
    "bottom right": (0.5, 1.0, 0.5, 1.0),
    "center": (0.25, 0.75, 0.25, 0.75),
}
HALVES: dict[str, Rect] = {
    "top": (0.0, 0.5, 0.0, 1.0),
    "bottom": (0.5, 1.0, 0.0, 1.0),
    "left": (0.0, 1.0, 0.0, 0.5),
    "right": (0.0, 1.0, 0.5, 1.0),
}
_VERT = {
    "top": "top",
    "upper": "top",
    "north": "top",
    "northern": "top",
    "bottom": "bottom",
    "lower": "bottom",
    "south": "bottom",
    "southern": "bottom",
}
_HORIZ = {
    "left": "left",
    "west": "left",
    "western": "left",
    "right": "right",
    "east": "right",
    "eastern": "right",
}

PLACE_PATTERN = re.compile(
    r"\b(?:(?P<v>top|upper|bottom|lower)[\s\-]+(?P<h>left|right)(?:[\s\-]+(?:corner|quadrant|"
    r"part|section|area|side|portion))?"
    r"|(?P<cv>north|south)[\s\-]?(?P<ch>east|west)(?:ern)?"
    r"|(?P<c>cent(?:er|re)|middle|central part|central area)"
    r"|(?P<s>top|upper|bottom|lower|left|right|north(?:ern)?|south(?:ern)?|east(?:ern)?|"
    r"west(?:ern)?)(?:[\s\-]+(?P<n>half|side|part|edge|border|section|portion|area|"
    r"strip|margin|corner)s?)?)\b",
    re.IGNORECASE,
)


def place_rect(m: re.Match[str]) -> tuple[str, Rect] | None:
    """The place a ``PLACE_PATTERN`` match names, or None when the word is no place here."""
    g = {k: (v.lower() if v else None) for k, v in m.groupdict().items()}
    if g["v"] and g["h"]:
        key = f"{_VERT[g['v']]} {g['h']}"
        return key, QUADRANTS[key]
    if g["cv"] and g["ch"]:
        key = f"{_VERT[g['cv']]} {_HORIZ[g['ch']]}"
        return key, QUADRANTS[key]
    if g["c"]:
        return "center", QUADRANTS["center"]
    s = g["s"]
    if s is None:
        return None
    side = _VERT.get(s) or _HORIZ.get(s)
    if side is None:
        return None
    # A word of a compound is no place: "a top-down view", "left-hand traffic".
    if g["n"] is None and re.match(r"-[a-z]", m.string[m.end() : m.end() + 2], re.I):
        return None
    # Bare "left"/"right"/"top"/"bottom" are places only with a noun or after "the"/"in".
    if g["n"] is None and s in ("left", "right", "upper", "lower"):
        before = m.string[max(0, m.start() - 5) : m.start()].lower()
        if not re.search(r"\b(the|in|at|on)\s+$", before):
            return None
    return side, HALVES[side]
