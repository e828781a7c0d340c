"""One analysed patch: what every annotator sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from eotext.model import LandCoverStats, Layout, PatchSpec
from eotext.scene.scene import Scene, WindowData
from eotext.semantics.components import PatchComponents
from eotext.semantics.context import Context


@dataclass(frozen=True)
class PatchContext:
    """Everything known about one kept patch.

    Attributes:
        scene / spec: where the patch comes from.
        data: the patch's layers (labels, image, masks).
        usable: pixels the statistics use (data, not cloud, known code).
        stats / layout: land-cover statistics and layout, when the scene has a label map.
        footprint_wgs84: the patch outline in longitude/latitude.
        where: centre, country, season, climate zone, elevation.
        seed: the recipe seed.
        components: the connected components of the patch's classes, labelled once and
            shared by the layout and the referring expressions (None without a label map).
    """

    scene: Scene
    spec: PatchSpec
    data: WindowData
    usable: np.ndarray[Any, Any]
    stats: LandCoverStats | None
    layout: Layout | None
    footprint_wgs84: BaseGeometry
    where: Context
    seed: int
    components: PatchComponents | None = None

    @property
    def patch_id(self) -> str:
        return self.spec.patch_id
