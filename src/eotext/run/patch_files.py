"""The files of one kept patch: image and label GeoTIFFs and a preview PNG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from eotext.config.recipe import Recipe
from eotext.model import PatchSpec
from eotext.scene.scene import Scene, WindowData
from eotext.store.folder import DatasetFolder
from eotext.store.rasters import (
    sar_false_colour,
    true_colour,
    write_geotiff,
    write_label_png,
    write_png,
)


@dataclass(frozen=True)
class PatchPaths:
    """Where a patch's files went, relative to the dataset folder (None: not written)."""

    image_path: str | None = None
    label_path: str | None = None
    preview_path: str | None = None


def write_patch_files(
    scene: Scene,
    spec: PatchSpec,
    patch: WindowData,
    usable: np.ndarray[Any, Any],
    written: tuple[np.ndarray[Any, Any], int] | None,
    transform: Any,
    recipe: Recipe,
    folder: DatasetFolder,
) -> PatchPaths:
    """Write a patch's image (GeoTIFF), label map (GeoTIFF; ``written``, see
    :func:`label_patch`) and preview (PNG), as the recipe's ``[output]`` asks; returns their
    paths relative to the dataset folder."""
    crs = scene.grid.crs
    pid = spec.patch_id
    paths: dict[str, str | None] = {"image_path": None, "label_path": None, "preview_path": None}
    preview = None
    if patch.image is not None and recipe.output.write_images:
        bands = scene.all_bands
        nodata = scene.imagery.nodata if scene.imagery else None
        write_geotiff(
            folder.images / f"{pid}.tif",
            patch.image,
            crs,
            transform,
            nodata=nodata,
            band_names=[b.name for b in bands],
            scales=[b.scale for b in bands],
            offsets=[b.offset for b in bands],
        )
        paths["image_path"] = f"images/{pid}.tif"
    if patch.image is not None and scene.imagery is not None:
        rgb = scene.imagery.rgb_indices()
        names = list(scene.band_names)
        if rgb is None and "VV" in names and "VH" in names:
            vv, vh = patch.image[names.index("VV")], patch.image[names.index("VH")]
            db = np.issubdtype(vv.dtype, np.floating)
            preview = sar_false_colour(vv, vh, patch.data, db)
        if rgb is not None and patch.image.dtype == np.uint8:
            # 8-bit RGB imagery (aerial photos, RSVQA's chips) is already display values.
            preview = np.moveaxis(patch.image[list(rgb)], 0, -1).copy()
            preview[~patch.data] = 0
        elif rgb is not None:
            bands = scene.imagery.bands
            refl = np.stack(
                [patch.image[i].astype(np.float32) * bands[i].scale + bands[i].offset for i in rgb]
            )
            preview = true_colour(refl, patch.data)
    if written is not None:
        labels, nodata = written
        assert scene.scheme is not None
        write_geotiff(
            folder.labels / f"{pid}.tif",
            labels,
            crs,
            transform,
            nodata=nodata,
            colormap=scene.scheme.colormap(),
            tags={"EOTEXT_SCHEME": scene.scheme.name},
        )
        paths["label_path"] = f"labels/{pid}.tif"
        if preview is None and recipe.output.write_previews:
            write_label_png(
                folder.previews / f"{pid}.png", labels, usable, scene.scheme.colormap(), nodata
            )
            paths["preview_path"] = f"previews/{pid}.png"
    map_only = patch.image is None and patch.labels is None
    if preview is None and map_only and scene.osm_path and recipe.output.write_previews:
        from eotext.store.osm_preview import osm_preview

        preview = osm_preview(scene, spec.window, recipe.annotate.osm)
    if preview is not None and recipe.output.write_previews:
        write_png(folder.previews / f"{pid}.png", preview)
        paths["preview_path"] = f"previews/{pid}.png"
    return PatchPaths(**paths)


def label_patch(
    scene: Scene, patch: WindowData, usable: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], int] | None:
    """The label patch as its file holds it, and its nodata code (None: no label map).

    Pixels the statistics did not use (no data, cloud, unknown code) are nodata, so the label
    file holds exactly what the captions describe.
    """
    if patch.labels is None or scene.scheme is None:
        return None
    nodata = scene.scheme.fill_code(patch.labels.dtype)
    labels = patch.labels.copy()
    labels[~usable] = nodata
    return labels, nodata
