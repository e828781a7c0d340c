"""What a source format hands the scene layer: items, each one scene's worth of a source.

A format (see :mod:`eotext.sources.registry`) sniffs a path and reads it into
:class:`SourceItem`\\ s: the imagery, how the scene is tiled, labels that hold for the whole
scene, or the area to grid when there is no imagery. The scene layer turns items into scenes
without knowing which format made them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import ClassVar

from eotext.sources.imagery import Imagery

#: (west, south, east, north) in WGS84 degrees.
Bounds = tuple[float, float, float, float]


class Tiling(Enum):
    """How a scene is cut into patches."""

    GRID = "grid"  # patches of the recipe's patch size and stride
    WHOLE = "whole"  # the scene is one patch, whatever the patch size (BigEarthNet)


@dataclass(frozen=True)
class SourceItem:
    """One scene's worth of a source, as its format reads it.

    Attributes:
        imagery: the band files, or None for a source without imagery (an OSM extract).
        name: the scene id the format gives this item (BigEarthNet: the patch name); None
            lets the recipe's id or the file names decide.
        tiling: how the scene is cut into patches.
        labels: labels of the whole scene, named in ``labels_scheme`` (BigEarthNet's
            multi-labels); empty when the source has none.
        labels_scheme: the nomenclature of ``labels``, also the scheme used when the recipe
            names none.
        area: for a source without imagery, the area the scene's grid covers.
        osm_path: an OpenStreetMap extract whose objects caption the scene.
    """

    imagery: Imagery | None = None
    name: str | None = None
    tiling: Tiling = Tiling.GRID
    labels: tuple[str, ...] = ()
    labels_scheme: str | None = None
    area: Bounds | None = None
    osm_path: str | None = None


class SourceFormat:
    """A way of reading an ``image`` path: sniffing it, and reading it into items.

    Subclasses set :attr:`name` and :attr:`summary`, and implement :meth:`sniff` and
    :meth:`read`; :meth:`s1_partners` has a default that suits single-scene formats.
    """

    name: ClassVar[str]
    summary: ClassVar[str]

    def sniff(self, path: Path) -> bool:
        """Whether ``path`` is in this format (cheap: names and small metadata files only)."""
        raise NotImplementedError

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        """The items at ``path``, keeping ``bands`` (in order) when given.

        Raises:
            SourceError: the files are missing, unreadable or lack a requested band.
        """
        raise NotImplementedError

    def s1_partners(self, s1: str, items: list[SourceItem]) -> list[Imagery | None] | None:
        """The Sentinel-1 imagery to stack after each item's bands (None where it has none).

        The default reads ``s1`` once, as a folder of VV/VH rasters, for every item. A format
        that takes no Sentinel-1 partner returns None.
        """
        from eotext.sources.sentinel1 import read_s1

        s1_imagery = read_s1(s1)
        return [s1_imagery for _ in items]
