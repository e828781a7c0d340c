"""Cutting a scene grid into patches, and grouping patches into units of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eotext.errors import TilingError
from eotext.model import PatchSpec, PixelWindow
from eotext.sources.item import Tiling

if TYPE_CHECKING:
    from eotext.scene.scene import Scene


def patch_offsets(length: int, size: int, step: int, edge: str = "shift") -> list[int]:
    """Start offsets of patches along one axis.

    Args:
        length: scene length in pixels.
        size: patch length.
        step: stride between patch starts.
        edge: ``"shift"`` adds a last patch flush with the scene edge, so the whole scene is
            covered when ``step <= size``; ``"drop"`` leaves a remainder shorter than a patch
            uncovered. A step larger than the patch samples the scene with gaps.

    Raises:
        TilingError: the patch is longer than the scene.
    """
    if edge not in ("shift", "drop"):
        raise TilingError(f"edge must be 'shift' or 'drop', got {edge!r}")
    if size > length:
        raise TilingError(
            f"the patch size ({size} px) is larger than the scene ({length} px along one axis); "
            f"use a patch size of at most {length} px (--patch-size or grid.patch_size)"
        )
    offsets = list(range(0, length - size + 1, step))
    if edge == "shift" and offsets[-1] + size < length:
        offsets.append(length - size)
    return offsets


@dataclass(frozen=True)
class Unit:
    """A unit of work: a window of a scene holding many patches, processed and written as one."""

    scene_index: int
    scene_id: str
    window: PixelWindow
    patches: tuple[PatchSpec, ...]

    @property
    def unit_id(self) -> str:
        return f"{self.scene_id}_r{self.window.row_off:06d}_c{self.window.col_off:06d}"


def plan_units(
    scene_index: int,
    scene_id: str,
    width: int,
    height: int,
    size: int,
    step: int,
    edge: str = "shift",
    unit_patches: int = 8,
) -> list[Unit]:
    """Plan the patches of a scene, grouped into units of ``unit_patches``² patches."""
    cols = patch_offsets(width, size, step, edge)
    rows = patch_offsets(height, size, step, edge)
    units = []
    for ri in range(0, len(rows), unit_patches):
        for ci in range(0, len(cols), unit_patches):
            unit_rows = rows[ri : ri + unit_patches]
            unit_cols = cols[ci : ci + unit_patches]
            patches = tuple(
                PatchSpec(scene_id, PixelWindow(c, r, size, size))
                for r in unit_rows
                for c in unit_cols
            )
            window = PixelWindow(
                unit_cols[0],
                unit_rows[0],
                unit_cols[-1] + size - unit_cols[0],
                unit_rows[-1] + size - unit_rows[0],
            )
            units.append(Unit(scene_index, scene_id, window, patches))
    return units


#: Units of a label map alone, in patches per side: a unit's pixels cost one or two bytes
#: each, and its fixed costs (opening the files, its record and tables, handing it to a worker)
#: weigh more than its memory. Measured on the whole WorldCover tile (36,000² px, 2 workers):
#: units of 12 took 17 % less time than units of 8 (16: no faster, 25 % more memory).
LABELS_UNIT_PATCHES = 12
#: Units of a scene with imagery: 8 × 8 patches of 256 px and 12 bands of 16 bits are
#: 100 MB before any working copy.
IMAGERY_UNIT_PATCHES = 8


def unit_patches_for(scene: Scene) -> int:
    """The unit size (patches per side) a scene gets when the recipe leaves it at 0."""
    alone = scene.imagery is None and not scene.layers and scene.osm_path is None
    return LABELS_UNIT_PATCHES if alone and scene.label_path else IMAGERY_UNIT_PATCHES


def plan_scene(index: int, scene: Scene, unit_patches: int) -> list[Unit]:
    """The units of one scene, cut as its tiling says (a whole-scene source is one patch);
    ``unit_patches`` 0: as :func:`unit_patches_for` the scene chooses."""
    unit_patches = unit_patches or unit_patches_for(scene)
    if scene.tiling is Tiling.WHOLE:
        window = scene.grid.full_window()
        return [Unit(index, scene.scene_id, window, (PatchSpec(scene.scene_id, window),))]
    g = scene.grid_spec
    return plan_units(
        index,
        scene.scene_id,
        scene.grid.width,
        scene.grid.height,
        g.patch_size,
        g.step,
        g.edge,
        unit_patches,
    )
