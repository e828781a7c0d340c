"""Frozen, self-validating records that flow between the stages of a build."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from eotext.errors import TilingError

#: ChatEarthNet's five regions, in the spatial order its captions follow.
REGION_NAMES: tuple[str, ...] = ("top left", "top right", "bottom left", "bottom right", "center")

#: Names of the 3×3 grid cells, row by row.
GRID3_NAMES: tuple[str, ...] = (
    "northwest",
    "north",
    "northeast",
    "west",
    "center",
    "east",
    "southwest",
    "south",
    "southeast",
)

TEXT_TYPES = frozenset({"caption", "vqa", "referring", "osm_caption"})
TEXT_STATUSES = frozenset({"generated", "auto_fixed", "flagged", "approved", "rejected"})


@dataclass(frozen=True)
class PixelWindow:
    """A rectangle of pixels in a scene grid: offsets and size, all in pixels."""

    col_off: int
    row_off: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise TilingError(f"window size must be positive, got {self.width}×{self.height}")
        if self.col_off < 0 or self.row_off < 0:
            raise TilingError(f"window offsets must be ≥ 0, got ({self.col_off}, {self.row_off})")

    @property
    def col_end(self) -> int:
        return self.col_off + self.width

    @property
    def row_end(self) -> int:
        return self.row_off + self.height

    def relative_to(self, outer: PixelWindow) -> tuple[slice, slice]:
        """Row and column slices of this window inside the array read for ``outer``."""
        r0, c0 = self.row_off - outer.row_off, self.col_off - outer.col_off
        if r0 < 0 or c0 < 0 or self.row_end > outer.row_end or self.col_end > outer.col_end:
            raise TilingError(f"{self} does not lie inside {outer}")
        return slice(r0, r0 + self.height), slice(c0, c0 + self.width)


@dataclass(frozen=True)
class PatchSpec:
    """Where one patch lies in its scene, and its stable identifier."""

    scene_id: str
    window: PixelWindow

    @property
    def patch_id(self) -> str:
        # Row/column pixel offsets make the id stable across runs and readable by a person.
        return f"{self.scene_id}_r{self.window.row_off:06d}_c{self.window.col_off:06d}"


@dataclass(frozen=True)
class RegionStats:
    """Class composition of one named region of a patch (pixel counts over valid pixels)."""

    name: str
    valid_px: int
    counts: dict[int, int]

    def shares(self) -> dict[int, float]:
        if self.valid_px == 0:
            return {}
        return {c: n / self.valid_px for c, n in self.counts.items()}

    def top(self, k: int = 3, min_px: int = 20) -> list[tuple[int, float]]:
        """Up to ``k`` classes by descending share, each with at least ``min_px`` pixels.

        ChatEarthNet lists the top three classes of a region and keeps a class with 20 pixels
        or more (its script's ``counts >= 20``); fewer are too small to see.
        """
        ranked = sorted(
            ((c, n) for c, n in self.counts.items() if n >= min_px),
            key=lambda cn: (-cn[1], cn[0]),
        )
        return [(c, n / self.valid_px) for c, n in ranked[:k]]


@dataclass(frozen=True)
class LandCoverStats:
    """Pixel counts per class over the valid pixels of a patch."""

    total_px: int
    valid_px: int
    counts: dict[int, int]
    unknown_px: int = 0

    def __post_init__(self) -> None:
        if sum(self.counts.values()) != self.valid_px:
            raise ValueError("class counts must sum to the number of valid pixels")

    def shares(self) -> dict[int, float]:
        """Share of each present class among valid pixels; sums to 1 when any pixel is valid."""
        if self.valid_px == 0:
            return {}
        return {c: n / self.valid_px for c, n in self.counts.items() if n > 0}

    def ranked(self) -> list[tuple[int, float]]:
        """Present classes by descending share (ties by code, so the order is deterministic)."""
        return sorted(self.shares().items(), key=lambda cs: (-cs[1], cs[0]))

    @property
    def dominant(self) -> int | None:
        ranked = self.ranked()
        return ranked[0][0] if ranked else None


@dataclass(frozen=True)
class Component:
    """One connected region of a single class."""

    code: int
    area_px: int
    box_px: tuple[int, int, int, int]  # x_min, y_min, x_max, y_max (exclusive max)
    centroid_px: tuple[float, float]  # x, y
    elongation: float  # ratio of the principal axes' lengths, ≥ 1


@dataclass(frozen=True)
class ClassShape:
    """How one class is arranged in the patch."""

    code: int
    n_components: int
    largest: tuple[Component, ...]  # the largest few components, largest first


@dataclass(frozen=True)
class Relation:
    """A spatial relation between two classes of one patch."""

    subject: int
    object: int
    kind: str  # "borders" or a direction: "north of", "south of", "east of", "west of"
    strength: float  # border: share of the subject's border; direction: centroid distance / size


@dataclass(frozen=True)
class Layout:
    """Where the classes lie: ChatEarthNet's five regions, a 3×3 grid, shapes and relations."""

    height: int
    width: int
    regions: tuple[RegionStats, ...]
    grid3: tuple[RegionStats, ...]
    shapes: dict[int, ClassShape]
    relations: tuple[Relation, ...]
    #: Pairs of classes that share no pixel edge at all (8-neighbourhood diagonals aside).
    apart: frozenset[frozenset[int]] = frozenset()

    def region(self, name: str) -> RegionStats:
        for r in self.regions:
            if r.name == name:
                return r
        raise KeyError(name)


@dataclass(frozen=True)
class Text:
    """One text annotation of a patch, as stored in ``texts.parquet``."""

    text_id: str
    patch_id: str
    type: str
    generator: str
    text: str
    prompt: str | None = None
    question: str | None = None
    answer: str | None = None
    choices: tuple[str, ...] | None = None
    box: tuple[int, int, int, int] | None = None
    status: str = "generated"
    findings: tuple[str, ...] = ()
    style: str | None = None
    category: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in TEXT_TYPES:
            raise ValueError(f"text type must be one of {sorted(TEXT_TYPES)}, got {self.type!r}")
        if self.status not in TEXT_STATUSES:
            raise ValueError(f"status must be one of {sorted(TEXT_STATUSES)}, got {self.status!r}")


def finding_kind(finding: str) -> str:
    """The kind of a stored finding.

    ``texts.parquet`` holds two shapes: a generator's check as ``kind:detail`` (for example
    ``banned_word:likely``) and a verification finding as a JSON object with ``kind``,
    ``claim``, ``expected`` and ``found``.
    """
    if finding.startswith("{"):
        try:
            return str(json.loads(finding).get("kind", "unknown"))
        except (json.JSONDecodeError, AttributeError):
            return "unknown"
    return finding.split(":", 1)[0]


def finding_label(finding: str) -> str:
    """A finding as one line for people: ``exclusivity: "only tree" (found tree 16333 px, ...)``."""
    if not finding.startswith("{"):
        return finding
    try:
        doc = json.loads(finding)
    except json.JSONDecodeError:
        return finding
    label = f'{doc.get("kind", "unknown")}: "{doc.get("claim", "")}"'
    return label + (f" (found {doc['found']})" if doc.get("found") else "")
