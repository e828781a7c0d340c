"""A labelled corpus of true and deliberately false claims made from real label patches, and
the checker's quality on it (catch rate on false claims, false-flag rate on true ones).

Claims are written in several phrasings per kind, with names, short names, synonyms and plural
forms, in every place the checker knows; false claims are false beyond the documented
tolerances (a size word two bins away, a percentage 15+ points off, a count off by 3 or more).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eotext.verify.facts import (
    SIZE_WORDS,
    VISIBLE_PX,
    PatchFacts,
    accepted_size_words,
    size_word,
)
from eotext.verify.lexicon import HALVES, QUADRANTS
from eotext.verify.texts import verify_text


@dataclass(frozen=True)
class LabelledText:
    """One claim: its text, kind, whether it is true of the patch, and the patch's key."""

    text: str
    kind: str
    true: bool
    patch: str


_REGION_WORDS: dict[str, tuple[str, ...]] = {
    "top left": ("top left", "upper left", "northwest", "top-left corner"),
    "top right": ("top right", "upper right", "northeast", "top-right quadrant"),
    "bottom left": ("bottom left", "lower left", "southwest", "bottom-left corner"),
    "bottom right": ("bottom right", "lower right", "southeast", "bottom-right quadrant"),
    "center": ("center", "centre", "middle"),
    "top": ("top half", "northern half", "upper part"),
    "bottom": ("bottom half", "southern half", "lower part"),
    "left": ("left half", "western half", "western part"),
    "right": ("right half", "eastern half", "eastern part"),
}
_RECTS = {**QUADRANTS, **HALVES}


def _name(facts: PatchFacts, code: int, rng: random.Random) -> str:
    cls = facts.scheme.by_code(code)
    forms = [cls.short_name, cls.short_name, *cls.synonyms[:2]]
    return rng.choice(forms)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _share(counts: Mapping[int, int], code: int) -> float:
    total = sum(counts.values())
    return counts.get(code, 0) / total if total else 0.0


def make_corpus(patches: Mapping[str, PatchFacts], seed: int = 0) -> list[LabelledText]:
    """True and false claims of every kind about each patch."""
    out: list[LabelledText] = []
    for key in sorted(patches):
        rng = random.Random(f"{seed}:{key}")
        out.extend(_patch_claims(key, patches[key], rng))
    return out


def _patch_claims(key: str, f: PatchFacts, rng: random.Random) -> Iterable[LabelledText]:
    counts = f.counts
    visible = [c for c, n in counts.items() if n >= VISIBLE_PX]
    absent = [c for c in f.scheme.codes if counts.get(c, 0) == 0]
    if not visible:
        return
    ranked = sorted(visible, key=lambda c: -counts[c])
    top = ranked[0]

    def item(text: str, kind: str, true: bool) -> LabelledText:
        return LabelledText(text, kind, true, key)

    # presence / absence, whole image and per region
    for c in rng.sample(visible, min(2, len(visible))):
        n = _name(f, c, rng)
        out = rng.choice(
            [
                f"There is {n} in the image.",
                f"The image contains {n}.",
                f"Some {n} can be seen in this scene.",
            ]
        )
        yield item(out, "presence", True)
        yield item(
            rng.choice(
                [
                    f"There is no {n} in the image.",
                    f"The scene has no {n}.",
                    f"{_cap(n)} is absent from the image.",
                ]
            ),
            "absence",
            False,
        )
    for c in rng.sample(absent, min(2, len(absent))):
        n = _name(f, c, rng)
        yield item(
            rng.choice([f"There is {n} in the image.", f"The image shows {n}."]), "presence", False
        )
        yield item(
            rng.choice(
                [
                    f"There is no {n} in the image.",
                    f"The image shows no {n}.",
                    f"No {n} is visible.",
                ]
            ),
            "absence",
            True,
        )
    for region in rng.sample(list(_REGION_WORDS), 3):
        rc = f.counts_in(_RECTS[region])
        words = rng.choice(_REGION_WORDS[region])
        here = [c for c, n in rc.items() if n >= VISIBLE_PX]
        gone = [c for c in visible if rc.get(c, 0) == 0]
        if here:
            n = _name(f, rng.choice(here), rng)
            yield item(f"In the {words}, there is {n}.", "presence", True)
            yield item(f"There is no {n} in the {words}.", "absence", False)
        if gone:
            n = _name(f, rng.choice(gone), rng)
            yield item(
                f"{_cap(n)} appears in the {words}.".replace("appears", "occurs"), "presence", False
            )
            yield item(f"The {words} has no {n}.", "absence", True)
        # exclusivity in the region
        if here:
            lead = max(here, key=lambda c: rc[c])
            others = [c for c in here if c != lead]
            n = _name(f, lead, rng)
            text = rng.choice(
                [
                    f"The {words} is entirely {n}.",
                    f"In the {words}, only {n} is present.",
                    f"The {words} is covered exclusively by {n}.",
                ]
            )
            yield item(text, "exclusivity", not others)
        # region size word
        if here:
            c = rng.choice(here)
            share = _share(rc, c)
            n = _name(f, c, rng)
            yield item(f"In the {words}, {n} takes up {_a(size_word(share))} part.", "size", True)
            wrong = _far_size(share, rng)
            if wrong:
                yield item(f"In the {words}, {n} takes up {_a(wrong)} part.", "size", False)
    # whole-image size words and percentages
    for c in rng.sample(visible, min(3, len(visible))):
        share = _share(counts, c)
        n = _name(f, c, rng)
        word = size_word(share)
        yield item(
            rng.choice(
                [
                    f"{_cap(n)} covers {_a(word)} portion of the image.",
                    f"The scene holds {n} ({word}).",
                ]
            ),
            "size",
            True,
        )
        wrong = _far_size(share, rng)
        if wrong:
            yield item(
                rng.choice(
                    [
                        f"{_cap(n)} covers {_a(wrong)} portion of the image.",
                        f"The scene holds {n} ({wrong}).",
                    ]
                ),
                "size",
                False,
            )
        pct = round(share * 100)
        yield item(f"About {pct}% of the image is {n}.", "percent", True)
        off = pct + 25 if pct < 60 else pct - 25
        yield item(
            rng.choice(
                [
                    f"About {off}% of the image is {n}.",
                    f"{_cap(n)} covers roughly {off} percent of the scene.",
                ]
            ),
            "percent",
            False,
        )
    # dominance
    n = _name(f, top, rng)
    yield item(
        rng.choice(
            [
                f"The image is dominated by {n}.",
                f"{_cap(n)} is the dominant land cover type.",
                f"The scene is mostly {n}.",
            ]
        ),
        "dominance",
        True,
    )
    minor = [c for c in visible if _share(counts, c) < _share(counts, top) - 0.05]
    if minor:
        n = _name(f, rng.choice(minor), rng)
        yield item(
            rng.choice(
                [
                    f"The image is dominated by {n}.",
                    f"The scene is mostly {n}.",
                    f"{_cap(n)} is the dominant land cover type.",
                ]
            ),
            "dominance",
            False,
        )
    # whole-image exclusivity (the template captions' failure)
    n = _name(f, top, rng)
    others = [c for c in visible if c != top]
    yield item(
        rng.choice(
            [
                f"{_cap(n)} covers the entire scene.",
                f"The whole image is covered by {n}.",
                f"The image is entirely {n}.",
            ]
        ),
        "exclusivity",
        not others,
    )
    # counts of separate areas
    for c in ranked[:2]:
        k_ge = len(f.components(frozenset({c}), VISIBLE_PX))
        k_gt = len(f.components(frozenset({c}), VISIBLE_PX + 1))
        if k_ge == 0 or k_ge != k_gt:
            continue
        n = _name(f, c, rng)
        yield item(f"{_cap(n)} is split into {k_ge} separate patches.", "count", True)
        wrong_n = k_ge + 3 if k_ge < 4 else k_ge - 3
        yield item(
            rng.choice(
                [
                    f"{_cap(n)} is split into {wrong_n} separate patches.",
                    f"{_cap(n)} occurs in {wrong_n} distinct areas.",
                ]
            ),
            "count",
            False,
        )
    # adjacency and relative position between the largest classes
    for i, a in enumerate(ranked[:4]):
        for b in ranked[i + 1 : 4]:
            edges = f.shared_edges(frozenset({a}), frozenset({b}))
            na, nb = _name(f, a, rng), _name(f, b, rng)
            if edges > 20:
                yield item(f"{_cap(na)} borders {nb}.", "adjacency", True)
                yield item(f"{_cap(na)} does not border {nb}.", "adjacency", False)
            elif edges == 0:
                yield item(f"{_cap(na)} is adjacent to {nb}.", "adjacency", False)
            ca, cb = f.centroid(frozenset({a})), f.centroid(frozenset({b}))
            if ca is None or cb is None:
                continue
            dy, dx = ca[0] - cb[0], ca[1] - cb[1]
            if max(abs(dx), abs(dy)) < 0.2:
                continue
            if abs(dy) >= abs(dx):
                right, wrong = ("south", "north") if dy > 0 else ("north", "south")
            else:
                right, wrong = ("east", "west") if dx > 0 else ("west", "east")
            yield item(f"{_cap(na)} lies to the {right} of {nb}.", "direction", True)
            yield item(f"{_cap(na)} lies to the {wrong} of {nb}.", "direction", False)
    # where a class has its largest share
    for c in ranked[:2]:
        shares = {q: _share(f.counts_in(r), c) for q, r in QUADRANTS.items() if q != "center"}
        best = max(shares, key=lambda q: shares[q])
        worst = min(shares, key=lambda q: shares[q])
        if shares[best] - shares[worst] < 0.15:
            continue
        n = _name(f, c, rng)
        yield item(f"{_cap(n)} is concentrated in the {best}.", "main_place", True)
        yield item(f"{_cap(n)} is concentrated in the {worst}.", "main_place", False)
    # cross-image references
    n = _name(f, top, rng)
    yield item(f"This image shows {n}.", "cross_image", True)
    yield item(
        rng.choice(
            [
                f"The fourth image shows {n}.",
                f"Similarly, the scene shows {n}.",
                f"Unlike the previous image, this one shows {n}.",
            ]
        ),
        "cross_image",
        False,
    )


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _far_size(share: float, rng: random.Random) -> str | None:
    """A size word at least two bins from every accepted word for ``share``."""
    ok = accepted_size_words(share)
    idx = {w: i for i, w in enumerate(SIZE_WORDS)}
    far = [w for w in SIZE_WORDS if all(abs(idx[w] - idx[o]) >= 2 for o in ok)]
    return rng.choice(far) if far else None


@dataclass(frozen=True)
class KindQuality:
    """Counts for one claim kind."""

    false_claims: int
    caught: int
    true_claims: int
    false_flags: int

    @property
    def recall(self) -> float:
        return self.caught / self.false_claims if self.false_claims else 1.0

    @property
    def false_flag_rate(self) -> float:
        return self.false_flags / self.true_claims if self.true_claims else 0.0


def measure(
    corpus: Iterable[LabelledText], patches: Mapping[str, PatchFacts]
) -> tuple[dict[str, KindQuality], list[tuple[LabelledText, bool]]]:
    """Quality per claim kind, and every item with whether it was flagged."""
    tally: dict[str, list[int]] = {}
    results = []
    for item in corpus:
        verdict = verify_text(
            {"type": "caption", "text": item.text}, patches[item.patch], fix=False
        )
        flagged = bool(verdict.findings)
        t = tally.setdefault(item.kind, [0, 0, 0, 0])
        if item.true:
            t[2] += 1
            t[3] += flagged
        else:
            t[0] += 1
            t[1] += flagged
        results.append((item, flagged))
    return {k: KindQuality(*v) for k, v in sorted(tally.items())}, results


def tile_facts(
    path: str,
    scheme_name: str,
    size: int,
    origins: Iterable[tuple[int, int]] | None = None,
    min_valid: float = 0.5,
    prefix: str = "",
) -> dict[str, PatchFacts]:
    """Facts of ``size``² windows of a label raster (every window when ``origins`` is None),
    keeping windows with at least ``min_valid`` valid pixels."""
    import rasterio
    from rasterio.windows import Window

    from eotext.schemes import get_scheme
    from eotext.verify.facts import facts_from_array

    scheme = get_scheme(scheme_name)
    out = {}
    with rasterio.open(path) as src:
        if origins is None:
            origins = [
                (r, c)
                for r in range(0, src.height - size + 1, size)
                for c in range(0, src.width - size + 1, size)
            ]
        for r, c in origins:
            arr = src.read(1, window=Window(c, r, size, size))
            facts = facts_from_array(arr, scheme, src.nodata)
            if facts.valid_px >= min_valid * size * size:
                out[f"{prefix}r{r}_c{c}"] = facts
    return out
