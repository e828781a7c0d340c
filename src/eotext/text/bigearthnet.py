"""BigEarthNet.txt-style texts: captions anchored in place and time, and harder questions.

Captions name the patch's classes (largest first when a label map gives shares) together with
where and when: the country, the season and year, the Köppen-Geiger climate, the elevation
where a DEM gives it, and, from a label map's layout, the strongest spatial relations. Several
styles per patch, all read off the data, none with ChatEarthNet's banned words.

Questions add what BigEarthNet.txt asks beyond the plain templates: presence questions whose
"no" answers are *plausible* negatives (classes common in the patch's climate, absent from the
patch) and multiple choice whose distractors are such classes too, so a model cannot answer
from the climate alone.
"""

from __future__ import annotations

from eotext.errors import SchemeError
from eotext.model import Layout, Text
from eotext.schemes import Scheme
from eotext.semantics.context import Context
from eotext.text.templates import BANNED_WORDS, text_rng

#: BigEarthNet-19 classes common in each Köppen-Geiger climate (by the zone's first letters,
#: longest prefix wins): the pool of plausible negatives and distractors. A coarse prior from
#: the CORINE nomenclature's geography, not counted from data.
PLAUSIBLE_BY_CLIMATE: dict[str, tuple[str, ...]] = {
    "Cs": ("Permanent crops", "Moors, heathland and sclerophyllous vegetation",
           "Transitional woodland, shrub", "Agro-forestry areas", "Complex cultivation patterns",
           "Arable land", "Broad-leaved forest", "Coniferous forest", "Urban fabric",
           "Beaches, dunes, sands", "Marine waters"),
    "Cf": ("Pastures", "Arable land", "Urban fabric", "Broad-leaved forest", "Coniferous forest",
           "Mixed forest", "Complex cultivation patterns", "Inland waters", "Inland wetlands",
           "Industrial or commercial units",
           "Land principally occupied by agriculture, with significant areas of natural "
           "vegetation"),
    "D": ("Coniferous forest", "Mixed forest", "Broad-leaved forest",
          "Transitional woodland, shrub", "Inland wetlands", "Inland waters", "Arable land",
          "Pastures", "Urban fabric", "Complex cultivation patterns"),
    "ET": ("Natural grassland and sparsely vegetated areas",
           "Moors, heathland and sclerophyllous vegetation", "Inland wetlands", "Inland waters",
           "Transitional woodland, shrub", "Coniferous forest"),
    "B": ("Natural grassland and sparsely vegetated areas", "Permanent crops", "Arable land",
          "Moors, heathland and sclerophyllous vegetation", "Transitional woodland, shrub"),
}  # fmt: skip
_LETTERS = "ABCD"


def plausible_codes(scheme: Scheme, climate_zone: str | None) -> list[int]:
    """Codes of ``scheme`` common in a climate zone (every code when the zone is unknown)."""
    key = max(
        (k for k in PLAUSIBLE_BY_CLIMATE if climate_zone and climate_zone.startswith(k)),
        key=len,
        default=None,
    )
    if key is None:
        return list(scheme.codes)
    codes = []
    for name in PLAUSIBLE_BY_CLIMATE[key]:
        try:
            codes.append(scheme.by_name(name).code)
        except SchemeError:  # a scheme without this class: it cannot be a negative
            continue
    return sorted(set(codes)) or list(scheme.codes)


class AnchoredWriter:
    """Writes BigEarthNet.txt-style captions and questions for the patches of one scheme."""

    def __init__(self, scheme: Scheme, seed: int) -> None:
        self.scheme = scheme
        self.seed = seed

    def name(self, code: int) -> str:
        return self.scheme.by_code(code).short_name

    def captions(
        self,
        patch_id: str,
        codes: list[int],
        where: Context,
        acquired: str | None,
        layout: Layout | None = None,
    ) -> list[tuple[str, str]]:
        """(style, caption) pairs: ``anchored``, ``anchored_brief`` and, with a layout,
        ``anchored_relations``. ``codes`` are the classes present, largest first if known."""
        if not codes:
            return []
        rng = text_rng(self.seed, patch_id, "anchored")
        names = [self.name(c) for c in codes]
        what = _join(names[:4]) + (" and other land cover" if len(names) > 4 else "")
        place = f" over {where.country}" if where.country else ""
        when = f" in {where.season} {acquired[:4]}" if where.season and acquired else ""
        when = when or (f" in {acquired[:4]}" if acquired else "")
        climate = f", in a {where.climate_name} climate" if where.climate_name else ""
        height = (
            f", at about {round(where.elevation_m / 10) * 10:.0f} m above sea level"
            if where.elevation_m is not None
            else ""
        )
        opening = rng.choice(
            [
                f"A Sentinel-2 image taken{place}{when} shows {what}{climate}{height}.",
                f"Seen by Sentinel-2{place}{when}, the area holds {what}{climate}{height}.",
            ]
        )
        out = [("anchored", opening)]
        brief_place = where.country or "Europe"
        brief_when = f", {where.season} {acquired[:4]}" if where.season and acquired else ""
        out.append(("anchored_brief", f"{brief_place}{brief_when}: {_cap(what)}."))
        if layout is not None:
            relations = self._relations(codes, layout)
            if relations:
                out.append(("anchored_relations", f"{opening} {' '.join(relations)}"))
        return [(style, text) for style, text in out if not _has_banned(text)]

    def _relations(self, codes: list[int], layout: Layout) -> list[str]:
        major = set(codes[:4])
        ranked = sorted(
            (r for r in layout.relations if {r.subject, r.object} <= major),
            key=lambda r: (r.kind != "borders", -r.strength),
        )
        out: list[str] = []
        seen: set[frozenset[int]] = set()
        for r in ranked:
            pair = frozenset((r.subject, r.object))
            if pair in seen or len(out) == 2:
                continue
            seen.add(pair)
            a, b = self.name(r.subject), self.name(r.object)
            if r.kind == "borders":
                out.append(f"{_cap(a)} and {b} share a boundary.")
            else:
                out.append(f"{_cap(a)} lies mostly to the {r.kind.removesuffix(' of')} of {b}.")
        return out

    def questions(self, patch_id: str, present: set[int], where: Context) -> list[Text]:
        """Presence questions with plausible negatives, and one multiple choice whose
        distractors are plausible in the patch's climate but absent from the patch."""
        rng = text_rng(self.seed, patch_id, "anchored-vqa")
        pool = [c for c in plausible_codes(self.scheme, where.climate_zone) if c not in present]
        if len(pool) < 3:  # too few plausible absentees: fall back to any absent class
            pool += [c for c in self.scheme.codes if c not in present and c not in pool]
        items: list[tuple[str, str, str, int]] = []  # style, question, answer, code
        for code in rng.sample(sorted(present), min(2, len(present))):
            items.append(("binary", self._is_there(code), "yes", code))
        for code in rng.sample(pool, min(2, len(pool), max(1, len(present)))):
            items.append(("binary", self._is_there(code), "no", code))
        choices: tuple[str, ...] | None = None
        if present and len(pool) >= 3:
            correct = rng.choice(sorted(present))
            options = [correct, *rng.sample(pool, 3)]
            rng.shuffle(options)
            choices = tuple(f"{_LETTERS[i]}) {self.name(c)}" for i, c in enumerate(options))
            q = "Which of these land cover types can be found in this image?"
            items.append(("mcq", q, choices[options.index(correct)], correct))
        return [
            Text(
                f"{patch_id}:vqa-anchored:{i:02d}",
                patch_id,
                "vqa",
                "template",
                f"{question} {answer}",
                question=question,
                answer=answer,
                choices=choices if style == "mcq" else None,
                style=style,
                category="presence",
                meta={"code": code, "negatives": "plausible in the climate"},
            )
            for i, (style, question, answer, code) in enumerate(items)
        ]

    def _is_there(self, code: int) -> str:
        name = self.name(code)
        verb = "Are there any" if name.endswith("s") and not name.endswith("ss") else "Is there any"
        return f"{verb} {name} in this image?"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _has_banned(text: str) -> bool:
    words = set(text.lower().replace(",", " ").replace(".", " ").split())
    return any(w in words for w in BANNED_WORDS)
