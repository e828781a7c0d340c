"""Referring expressions grounded in connected components, with pixel boxes.

An expression is written only when it picks out exactly one component among the class's
components of at least MIN_PX pixels (smaller specks are not visible and never referred to).
Boxes are pixel edges ``[x_min, y_min, x_max, y_max]`` with exclusive maxima: the component
spans ``x_min <= x < x_max`` and ``y_min <= y < y_max``, and the box is its tight bound.
Each expression gives two items: expression → box, and box → region caption.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from eotext.model import LandCoverStats, Text
from eotext.schemes import Scheme
from eotext.semantics.components import MIN_PX, PatchComponents
from eotext.semantics.stats import size_word
from eotext.text.grammar import article, capitalise
from eotext.text.templates import place_of, text_rng

#: "The largest X" needs the largest component to be this much bigger than the second.
LARGEST_RATIO = 1.2


@dataclass(frozen=True)
class Region:
    """One visible connected component of a class."""

    code: int
    area_px: int
    box_px: tuple[int, int, int, int]
    centroid_px: tuple[float, float]
    place: str


@dataclass(frozen=True)
class Expression:
    """A referring expression and the region it identifies."""

    text: str
    rule: str  # only | largest | place | direction
    region: Region
    anchor: Region | None = None


def find_regions(components: PatchComponents, codes: list[int]) -> dict[int, list[Region]]:
    """Visible (>= MIN_PX px, 8-connected) components of each class, largest first."""
    height, width = components.shape
    out: dict[int, list[Region]] = {}
    for code in codes:
        found = components.of(code)
        regions = []
        for i, sl in enumerate(found.boxes):
            if sl is None or found.area_px[i] < MIN_PX:
                continue
            ys, xs = found.pixels(i)
            cx, cy = float(xs.mean() + sl[1].start), float(ys.mean() + sl[0].start)
            box = (int(sl[1].start), int(sl[0].start), int(sl[1].stop), int(sl[0].stop))
            regions.append(
                Region(code, int(found.area_px[i]), box, (cx, cy), place_of(cx, cy, width, height))
            )
        if regions:
            out[code] = sorted(regions, key=lambda r: (-r.area_px, r.box_px))
    return out


class ReferringWriter:
    """Writes referring expressions for the patches of one scheme."""

    def __init__(self, scheme: Scheme, seed: int, per_patch: int = 4) -> None:
        self.scheme = scheme
        self.seed = seed
        self.per_patch = per_patch

    def name(self, code: int) -> str:
        return self.scheme.by_code(code).short_name

    def expressions(self, regions: dict[int, list[Region]]) -> list[Expression]:
        """Every expression that identifies exactly one region."""
        out = []
        for code, rs in regions.items():
            name = self.name(code)
            if len(rs) == 1:
                out.append(Expression(f"the only {area_of(name)}", "only", rs[0]))
                continue
            if rs[0].area_px >= LARGEST_RATIO * rs[1].area_px:
                out.append(Expression(f"the largest {area_of(name)}", "largest", rs[0]))
            places: dict[str, list[Region]] = {}
            for r in rs:
                places.setdefault(r.place, []).append(r)
            for place, there in places.items():
                if len(there) == 1:
                    out.append(
                        Expression(f"the {area_of(name)} {in_place(place)}", "place", there[0])
                    )
        out.extend(self._directional(regions))
        return out

    def _directional(self, regions: dict[int, list[Region]]) -> list[Expression]:
        """ "The X area north of the Y": Y has a single region and exactly one X region lies
        wholly beyond Y's box on that side."""
        out = []
        anchors = {c: rs[0] for c, rs in regions.items() if len(rs) == 1}
        for code, rs in regions.items():
            if len(rs) < 2:
                continue  # "the only X area" already says it
            for anchor_code, anchor in anchors.items():
                if anchor_code == code:
                    continue
                ax0, ay0, ax1, ay1 = anchor.box_px
                sides = {
                    "north": [r for r in rs if r.box_px[3] <= ay0],
                    "south": [r for r in rs if r.box_px[1] >= ay1],
                    "west": [r for r in rs if r.box_px[2] <= ax0],
                    "east": [r for r in rs if r.box_px[0] >= ax1],
                }
                for side, hits in sides.items():
                    if len(hits) == 1:
                        text = (
                            f"the {area_of(self.name(code))} {side} of the {self.name(anchor_code)}"
                        )
                        out.append(Expression(text, f"direction:{side}", hits[0], anchor))
        return out

    def items(
        self,
        patch_id: str,
        labels: np.ndarray[Any, Any],
        usable: np.ndarray[Any, Any],
        stats: LandCoverStats,
        components: PatchComponents | None = None,
    ) -> list[Text]:
        """Up to ``per_patch`` expressions, each as expression → box and box → caption.

        ``components`` are the patch's connected components when already labelled (the
        layout labels the largest classes); otherwise they are labelled here.
        """
        rng = text_rng(self.seed, patch_id, "referring")
        visible = sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
        components = components or PatchComponents(labels, usable)
        height, width = labels.shape
        candidates = [
            e
            for e in self.expressions(find_regions(components, visible))
            if _referable(e.region.box_px, width, height)
        ]
        chosen = _pick(rng, candidates, self.per_patch)
        total = labels.size
        out = []
        for i, e in enumerate(chosen):
            r = e.region
            meta: dict[str, Any] = {"code": r.code, "rule": e.rule, "area_px": r.area_px}
            if e.anchor is not None:
                meta["anchor_box"] = list(e.anchor.box_px)
            out.append(
                Text(
                    f"{patch_id}:referring:{i:02d}:box",
                    patch_id,
                    "referring",
                    "template",
                    e.text,
                    question=f"Where is {e.text}?",
                    answer=str(list(r.box_px)),
                    box=r.box_px,
                    style="expression",
                    category=e.rule.split(":")[0],
                    meta=meta,
                )
            )
            size = size_word(r.area_px / total)
            caption = (
                f"{capitalise(article(size))} {area_of(self.name(r.code))} {in_place(r.place)}"
            )
            out.append(
                Text(
                    f"{patch_id}:referring:{i:02d}:caption",
                    patch_id,
                    "referring",
                    "template",
                    caption,
                    question=f"What is in the region {list(r.box_px)}?",
                    answer=caption,
                    box=r.box_px,
                    style="region_caption",
                    category=e.rule.split(":")[0],
                    meta=meta,
                )
            )
        return out


def _referable(box: tuple[int, int, int, int], width: int, height: int) -> bool:
    """Whether a box can be the answer of a referring item: not the whole patch (that locates
    nothing: "the only water area" of an ocean patch), and at least 1/32 of the patch side
    each way, so box formats on a 0–100 grid still carry it (IoU ≥ 0.5 after rounding)."""
    x0, y0, x1, y1 = box
    if box == (0, 0, width, height):
        return False
    return x1 - x0 >= max(2, width / 32) and y1 - y0 >= max(2, height / 32)


def area_of(name: str) -> str:
    """ "water" → "water area"; a name that already ends in "area(s)" is kept."""
    return name if name.split()[-1] in ("area", "areas") else f"{name} area"


def in_place(place: str) -> str:
    """ "top left" → "in the top left"; "left side" → "on the left side"."""
    return f"on the {place}" if place.endswith("side") else f"in the {place}"


def _pick(rng: random.Random, candidates: list[Expression], k: int) -> list[Expression]:
    """Up to k expressions, preferring distinct regions."""
    rng.shuffle(candidates)
    seen: set[tuple[int, tuple[int, int, int, int]]] = set()
    chosen = []
    for e in candidates:
        key = (e.region.code, e.region.box_px)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(e)
        if len(chosen) == k:
            break
    return chosen
