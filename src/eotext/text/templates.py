"""Template captions that are faithful by construction.

Every class, size word, location, shape and relation in a caption is read off the patch's
statistics and layout; sentence patterns vary, chosen by a generator seeded from the recipe seed
and the patch id. The captions follow ChatEarthNet's constraints: spatial order of the regions,
the dominant class and where it lies, descending coverage within each part, a closing summary of
the scene's theme, and none of its banned words.
"""

from __future__ import annotations

import hashlib
import random

from eotext.model import ClassShape, LandCoverStats, Layout, RegionStats
from eotext.schemes import Scheme
from eotext.semantics.layout import MIN_PX
from eotext.semantics.stats import size_word
from eotext.text.grammar import article, capitalise, join_words
from eotext.text.themes import theme_phrase

#: ChatEarthNet's banned words; no template may produce them.
BANNED_WORDS: tuple[str, ...] = (
    "possibly",
    "likely",
    "perhaps",
    "context",
    "segmentation",
    "appear",
    "change",
    "transition",
    "dynamic",
)
#: ChatEarthNet's nouns for "part".
PART_NOUNS: tuple[str, ...] = ("fraction", "part", "portion", "amount", "quantity")
#: Where a point lies, by 3×3 grid cell.
_CELL_PLACES = (
    ("top left", "top", "top right"),
    ("left side", "center", "right side"),
    ("bottom left", "bottom", "bottom right"),
)


def text_rng(seed: int, patch_id: str, purpose: str) -> random.Random:
    """A generator that depends only on (recipe seed, patch id, purpose), so rebuilds match."""
    digest = hashlib.sha256(f"{seed}\x1f{patch_id}\x1f{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def is_plural(name: str) -> bool:
    """Whether a class name is grammatically plural, by its last word: "salt marshes"."""
    last = name.split()[-1].lower()
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def place_of(x: float, y: float, width: int, height: int) -> str:
    """The 3×3 place name of a pixel position."""
    col = min(int(3 * x / max(width, 1)), 2)
    row = min(int(3 * y / max(height, 1)), 2)
    return _CELL_PLACES[row][col]


class CaptionWriter:
    """Writes template captions for the patches of one scheme."""

    def __init__(self, scheme: Scheme, seed: int = 0) -> None:
        self.scheme = scheme
        self.seed = seed

    def name(self, code: int) -> str:
        return self.scheme.by_code(code).short_name

    def verb(self, code: int, singular: str, plural: str) -> str:
        """The verb form that agrees with a class name ("mangroves form", "tree forms")."""
        return plural if is_plural(self.name(code)) else singular

    # -- detailed ----------------------------------------------------------------------------
    def detailed(self, patch_id: str, stats: LandCoverStats, layout: Layout) -> str:
        """A multi-sentence description: dominant class, distribution, regions, shapes,
        relations and a closing theme."""
        rng = text_rng(self.seed, patch_id, "detailed")
        ranked = [(c, s) for c, s in stats.ranked() if stats.counts[c] > MIN_PX] or stats.ranked()
        if not ranked:
            return ""
        sentences = [self._opening(rng, ranked, layout)]
        if len(ranked) > 1:
            sentences.append(self._distribution(rng, ranked))
        sentences.extend(self._regions(rng, layout))
        sentences.extend(self._shapes(rng, ranked, layout))
        sentences.extend(self._relations(rng, ranked, layout))
        sentences.append(self._closing(rng, stats))
        return " ".join(s for s in sentences if s)

    def _opening(self, rng: random.Random, ranked: list[tuple[int, float]], layout: Layout) -> str:
        code, share = ranked[0]
        dom, size = self.name(code), size_word(share)
        where = self._main_region(code, layout)
        if share >= 0.995:
            return rng.choice(
                [
                    f"The whole image is covered by {dom}.",
                    f"{capitalise(dom)} {self.verb(code, 'covers', 'cover')} the entire scene.",
                ]
            )
        loc = (
            "spread evenly across the image"
            if where is None
            else rng.choice(
                [f"with its largest share in the {where}", f"concentrated in the {where}"]
            )
        )
        patterns = [
            f"The image is dominated by {dom}, which covers {article(size)} "
            f"{rng.choice(PART_NOUNS)} of the scene, {loc}.",
            f"{capitalise(dom)} {self.verb(code, 'is', 'are')} the dominant land cover type here, "
            f"occupying {article(size)} {rng.choice(PART_NOUNS)} of the image, {loc}.",
        ]
        if share >= 0.5:
            patterns.append(f"Most of this scene is covered by {dom} ({size} part), {loc}.")
        return rng.choice(patterns)

    def _main_region(self, code: int, layout: Layout) -> str | None:
        """The quadrant where ``code`` has its highest share, or None if it is even."""
        quads = [r for r in layout.regions if r.name != "center" and r.valid_px]
        shares = [(r.shares().get(code, 0.0), r.name) for r in quads]
        if not shares:
            return None
        best, name = max(shares)
        if best - min(s for s, _ in shares) < 0.15:
            return None
        return name

    def _distribution(self, rng: random.Random, ranked: list[tuple[int, float]]) -> str:
        items = [f"{self.name(c)} ({size_word(s)})" for c, s in ranked]
        return rng.choice(
            [
                f"From most to least extensive, the land cover types are {join_words(items)}.",
                f"In descending order of coverage, the scene holds {join_words(items)}.",
                f"The overall land cover, from most to least, is {join_words(items)}.",
            ]
        )

    def _regions(self, rng: random.Random, layout: Layout) -> list[str]:
        """One sentence per region in spatial order, or one for all when they are alike."""
        tops = [r.top(1, MIN_PX) for r in layout.regions]
        if all(t and t[0][1] >= 0.995 for t in tops) and len({t[0][0] for t in tops}) == 1:
            name = self.name(tops[0][0][0])
            return [
                rng.choice(
                    [
                        f"Every part of the image, from top left to center, holds only {name}.",
                        f"All four quadrants and the center consist of {name} alone.",
                    ]
                )
            ]
        return [self._region(rng, r) for r in layout.regions]

    def _region(self, rng: random.Random, region: RegionStats) -> str:
        where = region.name
        if region.valid_px == 0:
            return f"The {where} has no valid data."
        top = region.top(3, MIN_PX)
        if not top:
            return ""
        (c0, s0), rest = top[0], top[1:]
        first = self.name(c0)
        if s0 >= 0.995:
            return rng.choice(
                [f"The {where} is entirely {first}.", f"In the {where}, only {first} is present."]
            )
        noun = rng.choice(PART_NOUNS)
        lead = rng.choice(
            [
                f"In the {where}, {first} takes up {article(size_word(s0))} {noun}",
                f"The {where} mainly contains {first} ({size_word(s0)} {noun})",
                f"{capitalise(first)} {self.verb(c0, 'leads', 'lead')} in the {where} "
                f"with {article(size_word(s0))} {noun}",
            ]
        )
        if not rest:
            return lead + "."
        others = [f"{self.name(c)} ({size_word(s)})" for c, s in rest]
        return (
            lead
            + rng.choice([", followed by ", ", then ", ", ahead of "])
            + join_words(others)
            + "."
        )

    def _shapes(
        self, rng: random.Random, ranked: list[tuple[int, float]], layout: Layout
    ) -> list[str]:
        out = []
        for code, _ in ranked[:3]:
            shape = layout.shapes.get(code)
            if shape is None or shape.n_components == 0:
                continue
            out.append(self._shape_sentence(rng, shape, layout))
        return out

    def _shape_sentence(self, rng: random.Random, shape: ClassShape, layout: Layout) -> str:
        name = capitalise(self.name(shape.code))

        def v(singular: str, plural: str) -> str:
            return self.verb(shape.code, singular, plural)

        big = shape.largest[0]
        where = place_of(*big.centroid_px, layout.width, layout.height)
        x0, y0, x1, y1 = big.box_px
        spans_w, spans_h = (x1 - x0) / layout.width, (y1 - y0) / layout.height
        if shape.n_components == 1:
            if big.elongation >= 3:
                direction = (
                    "from west to east"
                    if spans_w > 2 * spans_h
                    else "from north to south"
                    if spans_h > 2 * spans_w
                    else "diagonally"
                )
                return f"{name} {v('forms', 'form')} a single elongated strip running {direction}."
            if spans_w > 0.9 and spans_h > 0.9:
                return f"{name} {v('forms', 'form')} one continuous area across the whole image."
            return rng.choice(
                [
                    f"{name} {v('forms', 'form')} one compact area in the {where}.",
                    f"{name} {v('occurs', 'occur')} as a single connected patch "
                    f"centred in the {where}.",
                ]
            )
        if shape.n_components <= 5:
            return rng.choice(
                [
                    f"{name} {v('is', 'are')} split into {shape.n_components} separate patches, "
                    f"the largest in the {where}.",
                    f"{name} {v('occurs', 'occur')} in {shape.n_components} distinct patches; "
                    f"the biggest lies in the {where}.",
                ]
            )
        return rng.choice(
            [
                f"{name} {v('is', 'are')} scattered across the image in "
                f"{shape.n_components} patches, the largest in the {where}.",
                f"{name} {v('is', 'are')} fragmented into many ({shape.n_components}) patches.",
            ]
        )

    def _relations(
        self, rng: random.Random, ranked: list[tuple[int, float]], layout: Layout
    ) -> list[str]:
        major = {c for c, _ in ranked[:4]}
        borders = sorted(
            (r for r in layout.relations if r.kind == "borders" and {r.subject, r.object} <= major),
            key=lambda r: -r.strength,
        )
        directions = sorted(
            (r for r in layout.relations if r.kind != "borders" and {r.subject, r.object} <= major),
            key=lambda r: -r.strength,
        )
        out = []
        if borders:
            r = borders[0]
            a, b = self.name(r.subject), self.name(r.object)
            out.append(
                rng.choice(
                    [
                        f"{capitalise(a)} directly "
                        f"{self.verb(r.subject, 'borders', 'border')} {b}.",
                        f"{capitalise(a)} and {b} meet along a shared edge.",
                    ]
                )
            )
        if directions:
            r = directions[0]
            a, b = self.name(r.subject), self.name(r.object)
            out.append(
                f"{capitalise(a)} {self.verb(r.subject, 'lies', 'lie')} mostly to the "
                f"{r.kind.removesuffix(' of')} of {b}."
            )
        return out

    def _closing(self, rng: random.Random, stats: LandCoverStats) -> str:
        theme = theme_phrase(self.scheme, stats.shares(), rng.randrange(1000))
        return rng.choice(
            [
                f"Overall, the scene shows {theme}.",
                f"In summary, this is {theme}.",
                f"Taken together, the image depicts {theme}.",
            ]
        )

    # -- short -------------------------------------------------------------------------------
    def short(self, patch_id: str, stats: LandCoverStats) -> str:
        """One sentence for CLIP-style training: the dominant class and the next two."""
        rng = text_rng(self.seed, patch_id, "short")
        ranked = [(c, s) for c, s in stats.ranked() if stats.counts[c] > MIN_PX] or stats.ranked()
        if not ranked:
            return ""
        names = [self.name(c) for c, _ in ranked[:3]]
        if len(names) == 1 or ranked[0][1] >= 0.95:
            return rng.choice(
                [
                    f"A satellite image of {names[0]}.",
                    f"An area almost entirely covered by {names[0]}.",
                ]
            )
        rest = join_words(names[1:])
        return rng.choice(
            [
                f"A satellite image of mostly {names[0]} with some {rest}.",
                f"An area dominated by {names[0]}, with {rest}.",
                f"Satellite view of {names[0]} alongside {rest}.",
            ]
        )


def multilabel_caption(
    scheme: Scheme,
    codes: list[int],
    acquired: str | None,
    season: str | None,
    seed: int,
    patch_id: str,
) -> str:
    """A caption for a patch that has scene-level labels but no label map (BigEarthNet)."""
    rng = text_rng(seed, patch_id, "multilabel")
    names = [scheme.by_code(c).short_name for c in codes]
    when = ""
    if acquired:
        year = acquired[:4]
        when = f", acquired in {season} {year}," if season else f", acquired in {year},"
    if not names:
        return ""
    return rng.choice(
        [
            f"This Sentinel-2 patch{when} shows {join_words(names)}.",
            f"A Sentinel-2 image{when} containing {join_words(names)}.",
        ]
    )
