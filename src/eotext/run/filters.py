"""Filters: which planned patches a build keeps.

A filter looks at one item and returns None to keep it or the reason to drop it; the
:class:`Filter` base class counts the drops by reason, and those counts are the unit's
``dropped`` (and, summed, the manifest's). The reasons are part of the dataset's contract:
``low_valid_fraction``, ``cloudy``, ``no_labelled_pixels``, ``near_uniform``,
``near_duplicate``, ``no_visible_osm_objects`` and a scene's own skip reason (e.g. no
Sentinel-1 partner).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

import numpy as np

from eotext.config.recipe import FilterSpec
from eotext.model import LandCoverStats, PatchSpec, Text
from eotext.scene.scene import Scene, WindowData
from eotext.semantics.stats import compute_class_shares
from eotext.sources.item import Tiling

T = TypeVar("T")


class Filter(ABC, Generic[T]):
    """Keeps or drops items, counting each drop under its reason."""

    def __init__(self) -> None:
        self.dropped: Counter[str] = Counter()

    @abstractmethod
    def check(self, item: T) -> str | None:
        """None to keep ``item``, or the reason it is dropped."""

    def keep(self, item: T, count: int = 1) -> bool:
        """Whether ``item`` passes; a drop counts ``count`` times (the patches it stands for)."""
        reason = self.check(item)
        if reason is None:
            return True
        self.dropped[reason] += count
        return False


def count_drops(filters: Iterable[Filter[Any]]) -> dict[str, int]:
    """The drops of several filters, by reason."""
    total: Counter[str] = Counter()
    for f in filters:
        total.update(f.dropped)
    return dict(total)


@dataclass(frozen=True)
class UnitMasks:
    """Whether any pixel of a unit's window has data, cloud or an unknown code: a unit
    without (open sea, a label map without cloud mask) spares its patches a pass or a copy
    each."""

    has_data: bool = True
    has_cloud: bool = True
    has_unknown: bool = True

    @classmethod
    def of(cls, data: WindowData) -> UnitMasks:
        return cls(bool(data.data.any()), bool(data.cloud.any()), bool(data.unknown.any()))


class PatchCandidate:
    """A planned patch as the filters see it; each measure is computed on first use, so a
    patch dropped early (no data, cloud) costs neither a copy nor its class statistics."""

    def __init__(self, scene: Scene, spec: PatchSpec, unit_data: WindowData, rows: slice,
                 cols: slice, unit: UnitMasks | None = None) -> None:  # fmt: skip
        self.scene = scene
        self.spec = spec
        self._unit_data = unit_data
        self._rows, self._cols = rows, cols
        self._unit = unit or UnitMasks()

    @cached_property
    def n_data(self) -> int:
        """Pixels with data in every layer (none when the unit has none: open sea)."""
        if not self._unit.has_data:
            return 0
        return int(np.count_nonzero(self._unit_data.data[self._rows, self._cols]))

    @cached_property
    def valid_fraction(self) -> float:
        return self.n_data / (self.spec.window.width * self.spec.window.height)

    @cached_property
    def data(self) -> WindowData:
        """The patch's layers as contiguous copies (the analysis runs several times faster
        on them than on strided views of the unit's arrays); masks the unit has nowhere are
        new all-false arrays, not copies."""

        def cut(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            return np.ascontiguousarray(a[..., self._rows, self._cols])

        def cut_mask(a: np.ndarray[Any, Any], anywhere: bool) -> np.ndarray[Any, Any]:
            if anywhere:
                return cut(a)
            return np.zeros((self.spec.window.height, self.spec.window.width), dtype=bool)

        d = self._unit_data
        return WindowData(
            image=cut(d.image) if d.image is not None else None,
            labels=cut(d.labels) if d.labels is not None else None,
            data=cut(d.data),
            cloud=cut_mask(d.cloud, self._unit.has_cloud),
            unknown=cut_mask(d.unknown, self._unit.has_unknown),
        )

    @cached_property
    def cloud_fraction(self) -> float:
        """Share of the data pixels under cloud or cloud shadow (needs ``n_data > 0``)."""
        if not self._unit.has_cloud:
            return 0.0
        return int(np.count_nonzero(self.data.cloud)) / self.n_data

    @cached_property
    def usable(self) -> np.ndarray[Any, Any]:
        """Pixels the statistics use: data and not cloud."""
        if not self._unit.has_cloud:
            return self.data.data.copy()
        usable: np.ndarray[Any, Any] = self.data.data & ~self.data.cloud
        return usable

    @cached_property
    def stats(self) -> LandCoverStats | None:
        """Class shares over the usable pixels, when the scene has a label map."""
        if self.data.labels is None:
            return None
        unknown = self.data.unknown if self._unit.has_unknown else None
        return compute_class_shares(self.data.labels, self.usable, unknown)


class ValidFraction(Filter[PatchCandidate]):
    """Drops patches that are mostly no-data (ocean, swath edge): ``low_valid_fraction``."""

    def __init__(self, minimum: float) -> None:
        super().__init__()
        self.minimum = minimum

    def check(self, item: PatchCandidate) -> str | None:
        if item.n_data == 0:
            return "low_valid_fraction"
        # An archive's own patch (BigEarthNet) is kept whatever share its label map covers:
        # its pixels in classes the nomenclature drops are unlabelled, not missing.
        if item.valid_fraction < self.minimum and item.scene.tiling is not Tiling.WHOLE:
            return "low_valid_fraction"
        return None


class CloudFraction(Filter[PatchCandidate]):
    """Drops patches with too much cloud or cloud shadow: ``cloudy``."""

    def __init__(self, maximum: float) -> None:
        super().__init__()
        self.maximum = maximum

    def check(self, item: PatchCandidate) -> str | None:
        return "cloudy" if item.cloud_fraction > self.maximum else None


class LabelledPixels(Filter[PatchCandidate]):
    """Drops patches whose label map has no usable pixel: ``no_labelled_pixels``."""

    def check(self, item: PatchCandidate) -> str | None:
        stats = item.stats
        return "no_labelled_pixels" if stats is not None and stats.valid_px == 0 else None


class DominantShare(Filter[PatchCandidate]):
    """Drops near-uniform patches (``near_uniform``): the first class covers ``maximum`` or
    more."""

    def __init__(self, maximum: float | None) -> None:
        super().__init__()
        self.maximum = maximum

    def check(self, item: PatchCandidate) -> str | None:
        stats = item.stats
        if self.maximum is None or stats is None:
            return None
        return "near_uniform" if stats.ranked()[0][1] >= self.maximum else None


class SameComposition(Filter[PatchCandidate]):
    """Keeps at most ``maximum`` patches with the same class composition (``near_duplicate``):
    the classes' shares in whole percent, as ChatEarthNet rounds them. It counts the patches
    it has kept, so one instance serves one build unit."""

    def __init__(self, maximum: int | None) -> None:
        super().__init__()
        self.maximum = maximum
        self.seen: Counter[tuple[tuple[int, int], ...]] = Counter()

    def check(self, item: PatchCandidate) -> str | None:
        stats = item.stats
        if self.maximum is None or stats is None:
            return None
        key = tuple((c, round(100 * s)) for c, s in stats.ranked() if round(100 * s) > 0)
        if self.seen[key] >= self.maximum:
            return "near_duplicate"
        self.seen[key] += 1
        return None


def patch_filters(spec: FilterSpec) -> list[Filter[PatchCandidate]]:
    """The recipe's ``[filters]`` in the order they run (cheapest measure first)."""
    return [
        ValidFraction(spec.min_valid_fraction),
        CloudFraction(spec.max_cloud_fraction),
        LabelledPixels(),
        DominantShare(spec.max_dominant_share),
        SameComposition(spec.max_same_composition),
    ]


class SceneSkip(Filter[Scene]):
    """Drops every patch of a scene that cannot be built (its ``skip_reason``)."""

    def check(self, item: Scene) -> str | None:
        return item.skip_reason


class SceneFlags(Filter[Scene]):
    """Drops every patch of a scene that carries a flag the recipe drops
    (``[filters] drop_flags``, e.g. BigEarthNet v2's ``seasonal_snow``); the flag is the reason.
    """

    def __init__(self, drop: tuple[str, ...]) -> None:
        super().__init__()
        self.drop = frozenset(drop)

    def check(self, item: Scene) -> str | None:
        flagged = sorted(item.flags & self.drop)
        return flagged[0] if flagged else None


@dataclass(frozen=True)
class AnnotatedPatch:
    """A kept patch with the texts its annotators wrote."""

    scene: Scene
    patch_id: str
    texts: tuple[Text, ...]


class VisibleOsmObjects(Filter[AnnotatedPatch]):
    """Drops a map-only patch without texts: it is kept only for the objects it shows
    (``no_visible_osm_objects``)."""

    def check(self, item: AnnotatedPatch) -> str | None:
        map_only = not item.scene.all_bands and item.scene.label_path is None
        return "no_visible_osm_objects" if map_only and not item.texts else None
