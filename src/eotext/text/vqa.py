"""Visual question answering items whose answers are computed from the statistics.

Every answer is read off :class:`LandCoverStats` and :class:`Layout`; questions whose answer
would sit on a threshold (a share within a point of a tier boundary, two classes of nearly equal
size) are not asked, so each answer stays right under small labelling noise. Each item has a
``style`` (binary, open, mcq) and a ``category`` (presence, dominant, comparison, coverage,
counting, location, adjacency, area). Coverage questions are multiple choice: their tiers are
the choices, so an exported item says what the answer may be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from eotext.model import GRID3_NAMES, LandCoverStats, Layout, Text
from eotext.schemes import Scheme
from eotext.schemes.forms import class_forms
from eotext.semantics.context import Context
from eotext.semantics.layout import MIN_PX
from eotext.text.plausible import plausible_absent
from eotext.text.templates import text_rng

#: 3×3 cell → the place word used in questions and answers.
CELL_PLACES: dict[str, str] = dict(
    zip(
        GRID3_NAMES,
        ("top left", "top", "top right", "left", "center", "right", "bottom left", "bottom",
         "bottom right"),
        strict=True,
    )
)  # fmt: skip
#: Coverage tiers (BigEarthNet.txt): share bounds and their answers.
COVERAGE_TIERS: tuple[tuple[float, float, str], ...] = (
    (0.25, 1.01, "more than 25%"),
    (0.05, 0.25, "between 5% and 25%"),
    (0.0, 0.05, "less than 5%"),
)
#: Shares closer than this to a tier boundary, or two classes closer than this, are not asked.
MARGIN = 0.01
COMPARE_MARGIN = 0.05
LETTERS = "ABCD"


@dataclass(frozen=True)
class VqaSettings:
    """How many items of each kind to write per patch (at most; fewer when not answerable)."""

    presence_pairs: int = 2  # each pair is one "yes" and one "no" question (balanced)
    comparisons: int = 1
    coverage: int = 1
    counting: int = 1
    location: int = 1
    adjacency: int = 1
    area: int = 1
    mcq: bool = True


class VqaWriter:
    """Writes VQA items for the patches of one scheme."""

    def __init__(self, scheme: Scheme, seed: int, settings: VqaSettings | None = None) -> None:
        self.scheme = scheme
        self.seed = seed
        self.settings = settings or VqaSettings()

    def name(self, code: int) -> str:
        return self.scheme.by_code(code).short_name

    def items(
        self,
        patch_id: str,
        stats: LandCoverStats,
        layout: Layout,
        gsd_m: float,
        where: Context | None = None,
    ) -> list[Text]:
        """All answerable items for one patch, in a fixed order of categories."""
        rng = text_rng(self.seed, patch_id, "vqa")
        shares = stats.shares()
        # Classes big enough to talk about; specks of fewer than MIN_PX pixels are never asked.
        visible = [c for c, s in stats.ranked() if stats.counts[c] >= MIN_PX]
        out: list[Text] = self._presence(rng, stats, visible, where)
        if dominant := self._dominant(stats):
            out.append(dominant)
        out.extend(self._comparisons(rng, shares, visible))
        out.extend(self._coverage(rng, shares, visible))
        out.extend(self._counting(rng, layout, visible))
        out.extend(self._location(rng, layout, visible))
        out.extend(self._adjacency(rng, layout, visible))
        out.extend(self._area(rng, stats, visible, gsd_m))
        if self.settings.mcq and (mcq := self._mcq(rng, stats, visible, where)):
            out.append(mcq)
        if where is not None:
            out.extend(self._context(where))
        return self._numbered(patch_id, out)

    # Each category returns provisional Text items; ids are assigned in ``items``.
    def _item(
        self,
        category: str,
        style: str,
        question: str,
        answer: str,
        choices: tuple[str, ...] | None = None,
        **meta: object,
    ) -> Text:
        return Text(
            "-", "-", "vqa", "template", "", question=question, answer=answer, choices=choices,
            style=style, category=category, meta=dict(meta),
        )  # fmt: skip

    def _absent(
        self, rng: random.Random, stats: LandCoverStats, visible: list[int], where: Context | None
    ) -> list[int]:
        """Absent classes that could occur at the place, closest first: those of the same
        broad group as a present one (asking about "mangroves" in a patch of trees is harder
        than asking about "bare land"), then the rest; never one impossible there (snow on an
        equatorial lowland, moss in the tropics)."""
        absent = [c for c in self.scheme.codes if stats.counts.get(c, 0) == 0]
        near, other = plausible_absent(self.scheme, absent, visible, where)
        rng.shuffle(near)
        rng.shuffle(other)
        return near + other

    def _presence(
        self,
        rng: random.Random,
        stats: LandCoverStats,
        visible: list[int],
        where: Context | None = None,
    ) -> list[Text]:
        negatives = self._absent(rng, stats, visible, where)
        if not visible or not negatives:
            return []
        positives = list(visible)
        rng.shuffle(positives)
        n = min(self.settings.presence_pairs, len(positives), len(negatives))
        out = []
        for code, answer in [(c, "yes") for c in positives[:n]] + [
            (c, "no") for c in negatives[:n]
        ]:
            form = class_forms(self.scheme, code)[0]
            q = f"{'Are' if form.plural else 'Is'} there any {form.text} in the image?"
            out.append(self._item("presence", "binary", q, answer, code=code))
        rng.shuffle(out)
        return out

    def _dominant(self, stats: LandCoverStats) -> Text | None:
        ranked = stats.ranked()
        if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < COMPARE_MARGIN):
            return None
        code = ranked[0][0]
        return self._item(
            "dominant", "open", "What is the dominant land cover type in the image?",
            self.name(code), code=code,
        )  # fmt: skip

    def _comparisons(
        self, rng: random.Random, shares: dict[int, float], visible: list[int]
    ) -> list[Text]:
        pairs = [
            (a, b)
            for i, a in enumerate(visible)
            for b in visible[i + 1 :]
            if abs(shares[a] - shares[b]) >= COMPARE_MARGIN
        ]
        rng.shuffle(pairs)
        out = []
        for a, b in pairs[: self.settings.comparisons]:
            if rng.random() < 0.5:
                a, b = b, a  # ask both ways round so "yes" and "no" are equally likely
            answer = "yes" if shares[a] > shares[b] else "no"
            q = f"Is there more {self.name(a)} than {self.name(b)} in the image?"
            out.append(self._item("comparison", "binary", q, answer, codes=[a, b]))
        return out

    def _coverage(
        self, rng: random.Random, shares: dict[int, float], visible: list[int]
    ) -> list[Text]:
        candidates = [c for c in visible if _tier(shares[c]) is not None]
        rng.shuffle(candidates)
        out = []
        for code in candidates[: self.settings.coverage]:
            tier = _tier(shares[code])
            assert tier is not None
            # The tiers are the item's lettered choices, so an exported item states them.
            tiers = [t for _, _, t in reversed(COVERAGE_TIERS)]
            choices = tuple(f"{LETTERS[i]}) {t}" for i, t in enumerate(tiers))
            q = f"How much of the image is covered by {self.name(code)}?"
            answer = choices[tiers.index(tier)]
            out.append(self._item("coverage", "mcq", q, answer, choices, code=code, tier=tier))
        return out

    def _counting(self, rng: random.Random, layout: Layout, visible: list[int]) -> list[Text]:
        candidates = [c for c in visible if c in layout.shapes and layout.shapes[c].n_components]
        rng.shuffle(candidates)
        out = []
        for code in candidates[: self.settings.counting]:
            n = layout.shapes[code].n_components
            # The visibility threshold (MIN_PX) is kept in meta, not in the question: a number
            # in the question could equal, and so give away, the count.
            q = f"How many separate, clearly visible areas of {self.name(code)} are there?"
            out.append(self._item("counting", "open", q, str(n), code=code, min_px=MIN_PX))
        return out

    def _location(self, rng: random.Random, layout: Layout, visible: list[int]) -> list[Text]:
        out: list[Text] = []
        candidates = list(visible)
        rng.shuffle(candidates)
        for code in candidates:
            if len(out) >= self.settings.location:
                break
            counts = sorted(
                ((cell.counts.get(code, 0), cell.name) for cell in layout.grid3), reverse=True
            )
            (n1, cell), (n2, _) = counts[0], counts[1]
            # Ask only when one cell clearly holds the most of the class.
            if n1 < MIN_PX or n1 < 1.25 * n2:
                continue
            q = f"In which part of the image is most of the {self.name(code)}?"
            choices = tuple(CELL_PLACES.values())
            out.append(self._item("location", "open", q, CELL_PLACES[cell], choices, code=code))
        return out

    def _adjacency(self, rng: random.Random, layout: Layout, visible: list[int]) -> list[Text]:
        bordering = {
            frozenset((r.subject, r.object)) for r in layout.relations if r.kind == "borders"
        }
        pairs = [(a, b) for i, a in enumerate(visible) for b in visible[i + 1 :]]
        yes = [p for p in pairs if frozenset(p) in bordering]
        no = [p for p in pairs if frozenset(p) not in bordering and self._never_touch(layout, p)]
        rng.shuffle(yes)
        rng.shuffle(no)
        out = []
        n = self.settings.adjacency
        for (a, b), answer in [(p, "yes") for p in yes[:n]] + [(p, "no") for p in no[:n]]:
            q = f"Does the {self.name(a)} border the {self.name(b)}?"
            out.append(self._item("adjacency", "binary", q, answer, codes=[a, b]))
        return out

    @staticmethod
    def _never_touch(layout: Layout, pair: tuple[int, int]) -> bool:
        # "borders" relations need more than MIN_PX shared pixel edges; a pair that shares a few
        # edges is neither clearly bordering nor clearly apart, so only pairs recorded with zero
        # shared edges answer "no".
        return frozenset(pair) in layout.apart

    def _area(
        self, rng: random.Random, stats: LandCoverStats, visible: list[int], gsd_m: float
    ) -> list[Text]:
        candidates = list(visible)
        rng.shuffle(candidates)
        out = []
        for code in candidates[: self.settings.area]:
            area_m2 = stats.counts[code] * gsd_m * gsd_m
            q = f"What area does {self.name(code)} cover in the image?"
            out.append(
                self._item(
                    "area",
                    "open",
                    q,
                    format_area(area_m2),
                    code=code,
                    pixels=stats.counts[code],
                    gsd_m=gsd_m,
                )
            )
        return out

    def multilabel_items(
        self, patch_id: str, codes: list[int], where: Context | None = None
    ) -> list[Text]:
        """Items for a patch with scene-level labels only (BigEarthNet): presence with
        balanced negatives, a multiple-choice "which is present", and context questions."""
        rng = text_rng(self.seed, patch_id, "vqa")
        present = set(codes)
        counts = {c: (1000 if c in present else 0) for c in self.scheme.codes}
        stats = LandCoverStats(1000 * len(present), 1000 * len(present), {c: 1000 for c in present})
        out = self._presence(rng, stats, sorted(present), where)
        absent = [c for c in self._absent(rng, stats, sorted(present), where) if counts[c] == 0]
        if present and len(absent) >= 3:
            correct = rng.choice(sorted(present))
            options = [correct, *absent[:3]]
            rng.shuffle(options)
            choices = tuple(f"{LETTERS[i]}) {self.name(c)}" for i, c in enumerate(options))
            q = "Which of these land cover types is present in the image?"
            out.append(self._item("presence", "mcq", q, choices[options.index(correct)], choices,
                                  code=correct))  # fmt: skip
        if where is not None:
            out.extend(self._context(where))
        return self._numbered(patch_id, out)

    def _numbered(self, patch_id: str, out: list[Text]) -> list[Text]:
        return [
            Text(
                f"{patch_id}:vqa:{i:02d}",
                patch_id,
                "vqa",
                "template",
                text=f"{t.question} {t.answer}",
                question=t.question,
                answer=t.answer,
                choices=t.choices,
                style=t.style,
                category=t.category,
                meta=t.meta,
            )
            for i, t in enumerate(out)
        ]

    def _context(self, where: Context) -> list[Text]:
        """Questions whose answers are context fields; the fields never enter the question."""
        out = []
        if where.season:
            q = "In which season was this image acquired?"
            out.append(self._item("context", "open", q, where.season, field="season"))
        if where.country:
            q = "In which country is the area shown in this image?"
            out.append(self._item("context", "open", q, where.country, field="country"))
        if where.climate_name:
            q = "What is the Koppen-Geiger climate zone of this area?"
            answer = f"{where.climate_name} ({where.climate_zone})"
            out.append(self._item("context", "open", q, answer, field="climate_zone"))
        return out

    def _mcq(
        self,
        rng: random.Random,
        stats: LandCoverStats,
        visible: list[int],
        where: Context | None = None,
    ) -> Text | None:
        ranked = stats.ranked()
        if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < COMPARE_MARGIN):
            return None
        correct = ranked[0][0]
        # Distractors: other present classes first (hard), then absent ones that could occur
        # at the place, the same broad group first.
        present_others = [c for c in visible if c != correct]
        rng.shuffle(present_others)
        distractors = (present_others + self._absent(rng, stats, visible, where))[:3]
        if len(distractors) < 3:
            return None
        options = [correct, *distractors]
        rng.shuffle(options)
        choices = tuple(f"{LETTERS[i]}) {self.name(c)}" for i, c in enumerate(options))
        answer = choices[options.index(correct)]
        q = "Which land cover type covers the largest part of the image?"
        return self._item("dominant", "mcq", q, answer, choices, code=correct)


def _tier(share: float) -> str | None:
    """The coverage tier of a share, or None when it is within MARGIN of a boundary."""
    for low, high, label in COVERAGE_TIERS:
        if low + MARGIN <= share < high - MARGIN or (low == 0.0 and share < high - MARGIN):
            return label
    return None


def format_area(area_m2: float) -> str:
    """An area in hectares below 100 ha, else in km², to 3 significant figures."""
    hectares = area_m2 / 1e4
    if hectares < 100:
        return f"{_sig3(hectares)} ha"
    return f"{_sig3(area_m2 / 1e6)} km²"


def _sig3(x: float) -> str:
    return f"{float(f'{x:.3g}'):g}"
