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
        label_path: the item's own label map (BigEarthNet v2's reference map), used when the
            recipe names none.
        label_codes: the nomenclature of ``label_path``'s codes (``"corine"``), read in the
            scene's scheme through :func:`eotext.schemes.conversion.map_code_pairs`; None
            when the codes are the scheme's own.
        s1: the Sentinel-1 partner the source itself pairs with the item (BigEarthNet v2's
            ``s1_name``), stacked as is; only for formats with ``pairs_s1``.
        split / country: the split and country the source's own metadata gives the item.
        flags: the source's per-item flags (``seasonal_snow``, ``cloud_or_shadow``), which
            ``[filters] drop_flags`` may turn into drop reasons.
    """

    imagery: Imagery | None = None
    name: str | None = None
    tiling: Tiling = Tiling.GRID
    labels: tuple[str, ...] = ()
    labels_scheme: str | None = None
    area: Bounds | None = None
    osm_path: str | None = None
    label_path: str | None = None
    label_codes: str | None = None
    s1: Imagery | None = None
    split: str | None = None
    country: str | None = None
    flags: frozenset[str] = frozenset()


class SourceFormat:
    """A way of reading an ``image`` path: sniffing it, and reading it into items.

    Subclasses set :attr:`name` and :attr:`summary`, and implement :meth:`sniff` and
    :meth:`read`; :meth:`s1_partners` has a default that suits single-scene formats.
    A format whose archive pairs Sentinel-1 itself sets :attr:`pairs_s1` and gives each item
    its partner (``SourceItem.s1``).
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    pairs_s1: ClassVar[bool] = False

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
