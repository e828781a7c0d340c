"""Template captions that are faithful by construction.

Every class, size word, location, shape and relation in a caption is read off the patch's
statistics and layout; sentence patterns vary, chosen by a generator seeded from the recipe seed
and the patch id. The captions follow ChatEarthNet's constraints: spatial order of the regions,
the dominant class and where it lies, descending coverage within each part, a closing summary of
the scene's theme, and none of its banned words. Classes are named by their noun phrases of
``eotext.schemes.forms`` with verbs that agree; regions with the same content are described
together ("the western half"); "entirely", "only" and "whole" are said of a scope only when no
other class has 20 pixels there (``eotext.text.coverage``).
"""

from __future__ import annotations

import hashlib
import random

from eotext.model import ClassShape, LandCoverStats, Layout, RegionStats
from eotext.schemes import Scheme
from eotext.schemes.forms import NounForm, class_forms
from eotext.semantics.layout import MIN_PX
from eotext.semantics.stats import size_word
from eotext.text.coverage import Scope, extent_adverb, is_exclusive, region_scopes, union
from eotext.text.grammar import agree, article, capitalise, join_words, number_word
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
#: Nouns for "part" in template captions: ChatEarthNet's and a few more.
_CAPTION_PARTS: tuple[str, ...] = (*PART_NOUNS, "share", "proportion", "stretch", "extent")
_PICTURE = ("image", "scene", "picture", "view")
_CONJUNCTIONS = ("and", "and", "as well as", "plus", "along with")
_SHORT_FRAMES = (
    "A satellite image", "An aerial view", "A top-down view", "An overhead image",
    "A bird's-eye view", "A remote sensing image", "An image from orbit",
)  # fmt: skip
_PLURAL_PARTS = {"quantity": "quantities", "stretch": "stretches"}
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


def at_place(place: str, rng: random.Random | None = None) -> str:
    """A 3×3 place with its preposition: "in the top left", "on the left side", "at the top";
    with ``rng``, sometimes "around the" or "toward the" instead."""
    if rng is not None and rng.random() < 0.5:
        return f"{rng.choice(('around', 'toward', 'near'))} the {place}"
    if place.endswith("side"):
        return f"on the {place}"
    if place in ("top", "bottom"):
        return f"at the {place}"
    return f"in the {place}"


def place_of(x: float, y: float, width: int, height: int) -> str:
    """The 3×3 place name of a pixel position."""
    col = min(int(3 * x / max(width, 1)), 2)
    row = min(int(3 * y / max(height, 1)), 2)
    return _CELL_PLACES[row][col]


#: Pairs of quadrants that make a half, with the half's names.
_HALVES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("top left", "top right", ("top half", "northern half", "upper half")),
    ("bottom left", "bottom right", ("bottom half", "southern half", "lower half")),
    ("top left", "bottom left", ("left half", "western half")),
    ("top right", "bottom right", ("right half", "eastern half")),
)
_QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
#: Ways to call a region: its name alone or with a noun ("the top left corner").
_REGION_SUFFIXES = ("", "", " quadrant", " corner", " part", " section")
_CENTER_NAMES = ("center", "middle", "central part", "image center", "middle section")


def region_phrase(rng: random.Random, name: str) -> str:
    """A region's name as a sentence may use it: "top left", "top left corner", "middle"."""
    if name == "center":
        return rng.choice(_CENTER_NAMES)
    if name in _QUADRANTS:
        return name + rng.choice(_REGION_SUFFIXES)
    return name


class CaptionWriter:
    """Writes template captions for the patches of one scheme."""

    def __init__(self, scheme: Scheme, seed: int = 0) -> None:
        self.scheme = scheme
        self.seed = seed

    def name(self, code: int) -> str:
        return self.scheme.by_code(code).short_name

    def verb(self, code: int, singular: str, plural: str) -> str:
        """The verb form that agrees with a class's plainest noun ("mangroves form")."""
        return agree(class_forms(self.scheme, code)[0].plural, singular, plural)

    def noun(self, rng: random.Random, code: int) -> NounForm:
        """One of the class's noun phrases ("trees" or "tree cover")."""
        return rng.choice(class_forms(self.scheme, code))

    # -- detailed ----------------------------------------------------------------------------
    def detailed(self, patch_id: str, stats: LandCoverStats, layout: Layout) -> str:
        """A multi-sentence description: dominant class, distribution, regions, shapes,
        relations and a closing theme."""
        rng = text_rng(self.seed, patch_id, "detailed")
        ranked = [(c, s) for c, s in stats.ranked() if stats.counts[c] >= MIN_PX] or stats.ranked()
        if not ranked:
            return ""
        whole = Scope(stats.counts, stats.valid_px, stats.total_px)
        only = is_exclusive(whole, ranked[0][0])
        sentences = [self._opening(rng, ranked, layout, whole)]
        if not only:
            if len(ranked) > 1 and rng.random() < 0.35:
                sentences.append(self._distribution(rng, ranked))
            sentences.extend(self._regions(rng, layout))
        shapes = self._shapes(rng, ranked, layout)
        sentences.extend(shapes[: rng.randint(max(1, len(shapes) - 1), max(1, len(shapes)))])
        sentences.extend(self._relations(rng, ranked, layout))
        sentences.append(self._closing(rng, stats))
        return " ".join(s for s in sentences if s)

    def _part(self, rng: random.Random, share: float) -> str:
        """An article, a size word and a part noun: "a large portion"."""
        return article(f"{size_word(share)} {rng.choice(_CAPTION_PARTS)}")

    def _item(self, rng: random.Random, code: int, share: float) -> str:
        """A class with its size word: "trees (large)" or "a large portion of trees"."""
        form = self.noun(rng, code)
        noun, size = form.text, size_word(share)
        if size == "extra small" and rng.random() < 0.25:
            little = "a few" if form.plural else "a little"
            return rng.choice([f"a trace of {noun}", f"{little} {noun}", f"a touch of {noun}"])
        if rng.random() < 0.6:
            return f"{noun} ({size})"
        return f"{self._part(rng, share)} of {noun}"

    def _items(self, rng: random.Random, ranked: list[tuple[int, float]]) -> str:
        """Classes with their size words, in the given order; neighbours of the same size word
        share it: "small portions of grass and cropland", "water and bare land (both extra
        small)"."""
        groups: list[list[tuple[int, float]]] = []
        for code, share in ranked:
            if groups and size_word(groups[-1][0][1]) == size_word(share):
                groups[-1].append((code, share))
            else:
                groups.append([(code, share)])
        out = []
        for group in groups:
            if len(group) == 1:
                out.append(self._item(rng, *group[0]))
                continue
            nouns = join_words([self.noun(rng, c).text for c, _ in group])
            size = size_word(group[0][1])
            both = "both" if len(group) == 2 else "each"
            part = rng.choice(_CAPTION_PARTS)
            parts = _PLURAL_PARTS.get(part, part + "s")
            out.append(rng.choice([f"{size} {parts} of {nouns}", f"{nouns} ({both} {size})"]))
        return join_words(out, conjunction=rng.choice(_CONJUNCTIONS))

    def _opening(
        self, rng: random.Random, ranked: list[tuple[int, float]], layout: Layout, whole: Scope
    ) -> str:
        pic = rng.choice(_PICTURE)
        code, share = ranked[0]
        form = self.noun(rng, code)
        dom, pl = form.text, form.plural
        if is_exclusive(whole, code):
            return rng.choice(
                [
                    f"The whole image is covered by {dom}.",
                    f"{capitalise(dom)} {agree(pl, 'covers', 'cover')} the entire scene.",
                    f"Nothing but {dom} is visible in this image.",
                    f"This scene consists entirely of {dom}.",
                    f"{capitalise(dom)} {agree(pl, 'fills', 'fill')} the whole image, with no "
                    "other land cover large enough to see.",
                ]
            )
        main = self._main_region(code, layout)
        where = None if main is None else region_phrase(rng, main)
        loc = (
            rng.choice(
                [f", spread evenly across the {pic}", ", spread fairly evenly over the scene"]
            )
            if where is None
            else rng.choice(
                [
                    f", with {agree(pl, 'its', 'their')} largest share in the {where}",
                    f", concentrated in the {where}",
                    f", with {agree(pl, 'its', 'their')} highest share in the {where}",
                    f", most concentrated in the {where}",
                    f", densest in the {where}",
                ]
            )
        )
        part = self._part(rng, share)
        patterns = [
            f"The image is dominated by {dom}, which {agree(pl, 'covers', 'cover')} {part} of "
            f"the scene{loc}.",
            f"{capitalise(dom)} {agree(pl, 'is', 'are')} the dominant land cover here, "
            f"occupying {part} of the {pic}{loc}.",
            f"{capitalise(dom)} {agree(pl, 'takes', 'take')} up {part} of this scene{loc}, "
            "more than any other land cover.",
            f"The largest share of the {pic} belongs to {dom}, {part}{loc}.",
            f"At first sight, {dom} {agree(pl, 'stands', 'stand')} out as the main land cover, "
            f"with {part} of the area{loc}.",
            f"No land cover is more widespread here than {dom}, which "
            f"{agree(pl, 'claims', 'claim')} {part} of the ground{loc}.",
            f"{capitalise(dom)} {agree(pl, 'prevails', 'prevail')} in this view, with {part} of "
            f"its surface{loc}.",
            f"The leading land cover type is {dom}, at {part} of the picture{loc}.",
        ]
        adverb = extent_adverb(rng, whole, code)
        if adverb is not None:
            patterns += [
                f"This scene is {adverb} {dom} ({size_word(share)}){loc}.",
                f"Seen from above, the area is {adverb} covered by {dom}{loc}.",
            ]
        return rng.choice(patterns)

    def _main_region(self, code: int, layout: Layout) -> str | None:
        """Where ``code`` has its highest share: a quadrant, or a half when two quadrants of
        one side hold it about equally; None when it is even."""
        quads = [r for r in layout.regions if r.name != "center" and r.valid_px]
        shares = {r.name: r.shares().get(code, 0.0) for r in quads}
        if not shares:
            return None
        best = max(shares.values())
        if best - min(shares.values()) < 0.15:
            return None
        lead = tuple(q for q in _QUADRANTS if q in shares and best - shares[q] < 0.05)
        if len(lead) == 1:
            return lead[0]
        for a, b, names in _HALVES:
            if lead == (a, b):
                return names[0]
        return None

    def _distribution(self, rng: random.Random, ranked: list[tuple[int, float]]) -> str:
        pic = rng.choice(_PICTURE)
        items = self._items(rng, ranked)
        n = number_word(len(ranked))
        return rng.choice(
            [
                f"From most to least extensive, the land cover types are {items}.",
                f"In descending order of coverage, the scene holds {items}.",
                f"Ranked by area, the land cover consists of {items}.",
                f"The scene contains {n} land cover types, ordered by area: {items}.",
                f"By coverage, the {pic} shows {items}.",
                f"Listed from largest to smallest: {items}.",
            ]
        )

    # -- regions -----------------------------------------------------------------------------
    def _regions(self, rng: random.Random, layout: Layout) -> list[str]:
        """Sentences about the five regions in spatial order; quadrants with the same content
        (same classes and size words) are described together."""
        scopes = region_scopes(layout)
        by_name = {r.name: r for r in layout.regions}
        sig = {name: self._signature(by_name[name]) for name in by_name}
        groups = self._group_quadrants(sig)
        out: list[str] = []
        center_done = False
        for position, group in enumerate(groups):
            if len(group) == 1:
                out.append(self._region(rng, by_name[group[0]], scopes[group[0]], position))
            elif len(group) == 4:
                with_center = sig["center"] == sig[group[0]]
                center_done = with_center
                out.append(self._all_quadrants(rng, by_name[group[0]], with_center))
            else:
                out.append(
                    self._half(rng, group, by_name[group[0]], union(scopes[g] for g in group))
                )
        if not center_done and "center" in by_name:
            out.append(self._region(rng, by_name["center"], scopes["center"], -1))
        return [s for s in out if s]

    @staticmethod
    def _signature(region: RegionStats) -> tuple[tuple[int, str], ...]:
        return tuple((c, size_word(s)) for c, s in region.top(3, MIN_PX))

    @staticmethod
    def _group_quadrants(sig: dict[str, tuple[tuple[int, str], ...]]) -> list[tuple[str, ...]]:
        """The quadrants grouped by equal content, in ChatEarthNet's spatial order."""
        quads = [q for q in _QUADRANTS if q in sig]
        if len(quads) < 4:
            return [(q,) for q in quads]
        if sig[quads[0]] and all(sig[q] == sig[quads[0]] for q in quads):
            return [tuple(quads)]
        for a, b, _ in _HALVES:
            if sig[a] and sig[a] == sig[b]:
                rest = [q for q in quads if q not in (a, b)]
                groups: list[tuple[str, ...]]
                if sig[rest[0]] and sig[rest[0]] == sig[rest[1]]:
                    groups = [(a, b), (rest[0], rest[1])]
                else:
                    groups = [(a, b), (rest[0],), (rest[1],)]
                return sorted(groups, key=lambda g: quads.index(g[0]))
        return [(q,) for q in quads]

    def _half(
        self, rng: random.Random, group: tuple[str, ...], region: RegionStats, scope: Scope
    ) -> str:
        a, b = group
        half = rng.choice(next(names for x, y, names in _HALVES if (x, y) == (a, b)))
        top = region.top(3, MIN_PX)
        code = top[0][0]
        form = self.noun(rng, code)
        if len(top) == 1 and is_exclusive(scope, code):
            return rng.choice(
                [
                    f"The whole {half} is {form.text}.",
                    f"{capitalise(form.text)} {agree(form.plural, 'fills', 'fill')} the "
                    f"entire {half}.",
                    f"Only {form.text} {agree(form.plural, 'is', 'are')} found in the {half}.",
                ]
            )
        items = self._items(rng, top)
        adverb = extent_adverb(rng, scope, code)
        patterns = [
            f"Both the {a} and the {b}, that is the {half}, hold {items}.",
            f"The {half} looks the same on both sides: the {a} and the {b} each hold {items}.",
            f"Across the {half}, the {a} and the {b} show the same mix: {items}.",
        ]
        if adverb is not None:
            patterns.append(
                f"The {half} is {adverb} {form.text}; the {a} and the {b} each hold {items}."
            )
        return rng.choice(patterns)

    def _all_quadrants(self, rng: random.Random, region: RegionStats, with_center: bool) -> str:
        pic = rng.choice(_PICTURE)
        items = self._items(rng, region.top(3, MIN_PX))
        if with_center:
            return rng.choice(
                [
                    f"All five parts of the {pic}, the center included, hold the same mix: "
                    f"{items}.",
                    f"The four quadrants and the center look alike, each with {items}.",
                ]
            )
        return rng.choice(
            [
                f"All four quadrants show the same mix: {items}.",
                f"Each quadrant holds {items}.",
            ]
        )

    def _region(self, rng: random.Random, region: RegionStats, scope: Scope, position: int) -> str:
        where = region_phrase(rng, region.name)
        if region.valid_px == 0:
            return f"The {where} has no valid data."
        top = region.top(3, MIN_PX)
        if not top:
            return ""
        if region.name == "center":
            conn = rng.choice(
                [f"In the {where}, ", f"Finally, in the {where}, ", f"Lastly, within the {where}, "]
            )
        elif position == 0:
            conn = rng.choice(
                [
                    f"Starting with the {where}, ",
                    f"In the {where}, ",
                    f"Looking at the {where}, ",
                    f"Beginning with the {where}, ",
                    f"At the {where}, ",
                    f"First, the {where}: ",
                ]
            )
        else:
            conn = rng.choice(
                [
                    f"Moving to the {where}, ",
                    f"Next, in the {where}, ",
                    f"Turning to the {where}, ",
                    f"As for the {where}, ",
                    f"Over in the {where}, ",
                    f"Within the {where}, ",
                    f"Across the {where}, ",
                    f"Shifting to the {where}, ",
                ]
            )
        (c0, s0), rest = top[0], top[1:]
        form = self.noun(rng, c0)
        first, pl = form.text, form.plural
        if not rest and is_exclusive(scope, c0):
            return rng.choice(
                [
                    f"The {where} is entirely {first}.",
                    f"{conn}only {first} {agree(pl, 'is', 'are')} present.",
                    f"{conn}the land is made up of {first} alone.",
                    f"Nothing but {first} is visible in the {where}.",
                ]
            )
        part = self._part(rng, s0)
        size = size_word(s0)
        patterns = [
            f"{conn}{first} {agree(pl, 'takes', 'take')} up {part}",
            f"The {where} mainly contains {first} ({size} {rng.choice(PART_NOUNS)})",
            f"{capitalise(first)} {agree(pl, 'leads', 'lead')} within the {where} with {part}",
            f"{conn}{part} is {first}",
            f"{conn}there is {part} of {first}",
            f"{conn}we see {part} of {first}",
            f"{capitalise(first)} {agree(pl, 'makes', 'make')} up {part} of the {where}",
            f"The {where} is led by {first}, with {part}",
            f"{conn}{first} {agree(pl, 'accounts', 'account')} for {part}",
            f"{conn}the largest share, {article(size)} one, belongs to {first}",
        ]
        adverb = extent_adverb(rng, scope, c0)
        if adverb is not None:
            patterns += [
                f"{conn}the land is {adverb} {first} ({size})",
                f"The {where} is {adverb} given over to {first} ({size})",
            ]
        lead = rng.choice(patterns)
        lead = capitalise(lead)
        if not rest:
            return lead + "."
        items = self._items(rng, rest)
        if rng.random() < 0.2:
            tail = rng.choice(["Smaller shares go to", "It also holds", "It also contains"])
            return f"{lead}. {tail} {items}."
        # Connectives mean "and, smaller": none that could be read as adjacency ("next to").
        joint = rng.choice(
            [", followed by ", ", then ", ", ahead of ", ", with ", ", as well as ",
             ", accompanied by ", ", trailed by ", ", together with ", ", along with "]
        )  # fmt: skip
        return lead + joint + items + "."

    # -- shapes and relations ----------------------------------------------------------------
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
        pic = rng.choice(_PICTURE)
        form = self.noun(rng, shape.code)
        name, pl = capitalise(form.text), form.plural

        def v(singular: str, plural: str) -> str:
            return agree(pl, singular, plural)

        big = shape.largest[0]
        where = place_of(*big.centroid_px, layout.width, layout.height)
        x0, y0, x1, y1 = big.box_px
        spans_w, spans_h = (x1 - x0) / layout.width, (y1 - y0) / layout.height
        n = shape.n_components
        if n == 1:
            if big.elongation >= 3:
                direction = (
                    "from west to east"
                    if spans_w > 2 * spans_h
                    else "from north to south"
                    if spans_h > 2 * spans_w
                    else "diagonally"
                )
                return rng.choice(
                    [
                        f"{name} {v('forms', 'form')} a single elongated strip running "
                        f"{direction}.",
                        f"{name} {v('runs', 'run')} {direction} as one narrow band.",
                    ]
                )
            if spans_w > 0.9 and spans_h > 0.9:
                return rng.choice(
                    [
                        f"{name} {v('forms', 'form')} one continuous area stretching from edge "
                        "to edge.",
                        f"{name} {v('spreads', 'spread')} as one connected expanse across the "
                        "image.",
                        f"{name} {v('is', 'are')} unbroken, a single body reaching all four "
                        f"borders of the {pic}.",
                        f"One connected stretch of {form.text} spans the {pic} from side to side.",
                        f"{name} {v('extends', 'extend')} without a break from one border of the "
                        "image to the other.",
                    ]
                )
            return rng.choice(
                [
                    f"{name} {v('forms', 'form')} one compact area {at_place(where, rng)}.",
                    f"{name} {v('occurs', 'occur')} as a single connected patch "
                    f"{at_place(where, rng)}.",
                    f"A single patch of {form.text} lies {at_place(where, rng)}.",
                ]
            )
        count = number_word(n)
        largest = rng.choice(
            ("the largest", "the largest one", "the biggest lying", "the main one lying")
        )
        if n <= 5:
            return rng.choice(
                [
                    f"{name} {v('is', 'are')} split into {count} separate patches, {largest} "
                    f"{at_place(where, rng)}.",
                    f"{name} {v('occurs', 'occur')} in {count} distinct patches; the biggest "
                    f"lies {at_place(where, rng)}.",
                    f"There are {count} separate patches of {form.text}, {largest} "
                    f"{at_place(where, rng)}.",
                ]
            )
        return rng.choice(
            [
                f"{name} {v('is', 'are')} scattered across the {pic} in {count} patches, {largest} "
                f"{at_place(where, rng)}.",
                f"{name} {v('is', 'are')} broken up into {count} separate pieces, the biggest "
                f"{at_place(where, rng)}.",
                f"Patches of {form.text} are spread over the {pic}, {count} in all, {largest} "
                f"{at_place(where, rng)}.",
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
        if borders and rng.random() < 0.8:
            r = borders[0]
            fa, b = self.noun(rng, r.subject), self.noun(rng, r.object).text
            a = capitalise(fa.text)
            out.append(
                rng.choice(
                    [
                        f"{a} directly {agree(fa.plural, 'borders', 'border')} {b}.",
                        f"{a} and {b} meet along a shared edge.",
                        f"{a} {agree(fa.plural, 'adjoins', 'adjoin')} {b}.",
                        f"The edges of {fa.text} touch {b}.",
                        f"{a} and {b} lie side by side, sharing a boundary.",
                        f"A common border runs between {fa.text} and {b}.",
                    ]
                )
            )
        if directions:
            r = directions[0]
            fa, fb = self.noun(rng, r.subject), self.noun(rng, r.object)
            a, b = capitalise(fa.text), fb.text
            side = r.kind.removesuffix(" of")
            opposite = {"north": "south", "south": "north", "east": "west", "west": "east"}[side]
            out.append(
                rng.choice(
                    [
                        f"{a} {agree(fa.plural, 'lies', 'lie')} mostly to the {side} of {b}.",
                        f"Most of the {fa.text} {agree(fa.plural, 'is', 'are')} found {side} "
                        f"of {b}.",
                        f"{capitalise(b)} {agree(fb.plural, 'lies', 'lie')} mostly "
                        f"{opposite} of {fa.text}.",
                        f"Broadly, {fa.text} {agree(fa.plural, 'sits', 'sit')} {side} of {b}.",
                        f"On balance, {fa.text} {agree(fa.plural, 'is', 'are')} placed further "
                        f"{side} than {b}.",
                    ]
                )
            )
        return out

    def _closing(self, rng: random.Random, stats: LandCoverStats) -> str:
        pic = rng.choice(_PICTURE)
        theme = theme_phrase(self.scheme, stats.shares(), rng.randrange(1000))
        return rng.choice(
            [
                f"Overall, the scene shows {theme}.",
                f"In summary, this is {theme}.",
                f"Taken together, the {pic} depicts {theme}.",
                f"All in all, the picture is one of {theme}.",
                f"The overall impression is of {theme}.",
                f"Altogether, this is {theme}.",
                f"In short, the {pic} captures {theme}.",
                f"The main theme of the {pic} is {theme}.",
            ]
        )

    # -- short -------------------------------------------------------------------------------
    def short(self, patch_id: str, stats: LandCoverStats, layout: Layout | None = None) -> str:
        """One sentence for CLIP-style training: the dominant class and the next two."""
        rng = text_rng(self.seed, patch_id, "short")
        ranked = [(c, s) for c, s in stats.ranked() if stats.counts[c] >= MIN_PX] or stats.ranked()
        if not ranked:
            return ""
        forms = [self.noun(rng, c) for c, _ in ranked[:3]]
        names = [f.text for f in forms]
        code, share = ranked[0]
        whole = Scope(stats.counts, stats.valid_px, stats.total_px)
        where = self._main_region(code, layout) if layout is not None else None
        # Where the dominant class is densest, in its own clause, so that the place is read
        # neither as the scope of its size word nor as the place of the classes listed after it.
        at = ""
        if where:
            how = rng.choice(("densest in", "concentrated in", "most concentrated in"))
            at = f", {how} the {region_phrase(rng, where)},"
        frame = rng.choice(_SHORT_FRAMES)
        if is_exclusive(whole, code):
            return rng.choice(
                [
                    f"{frame} showing nothing but {names[0]}.",
                    f"{frame} entirely of {names[0]}.",
                    f"{frame} of {names[0]} alone.",
                    f"{frame} covered completely by {names[0]}.",
                    f"{frame} filled with {names[0]} only.",
                    f"{capitalise(names[0])} from edge to edge, seen from above.",
                    f"A scene made up of {names[0]} alone.",
                ]
            )
        adverb = extent_adverb(rng, whole, code)
        if len(names) == 1:
            if adverb is not None:
                return rng.choice(
                    [
                        f"An area {adverb} covered by {names[0]}.",
                        f"{frame} of a place that is {adverb} {names[0]}.",
                    ]
                )
            return f"{frame} of {names[0]}."
        rest = join_words(names[1:], conjunction=rng.choice(_CONJUNCTIONS))
        size = size_word(share)
        lead = agree(forms[0].plural, "leads", "lead")
        patterns = [
            f"An area dominated by {names[0]}{at.rstrip(',')}, with {rest}.",
            f"{frame} of {names[0]} together with {rest}.",
            f"{capitalise(article(size))} share of the scene under {names[0]}{at.rstrip(',')}, "
            f"with {rest}, seen from above.",
            f"{frame}: {names[0]} first, then {rest}.",
            f"{frame} of {names[0]} mixed with {rest}.",
            f"{capitalise(names[0])} {lead}{at.rstrip(',')}, ahead of {rest}.",
            f"{frame} where {names[0]} {agree(forms[0].plural, 'outweighs', 'outweigh')} {rest}.",
            f"{frame} of {names[0]} ({size}) with {rest}.",
            f"{capitalise(names[0])} ({size}){at} and smaller areas of {rest}.",
        ]
        if adverb is not None:
            patterns.append(
                f"{frame} of an area that is {adverb} {names[0]}{at.rstrip(',')}, with {rest}."
            )
        return rng.choice(patterns)


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
