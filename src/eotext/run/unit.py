"""One unit of work: read a scene window, cut patches, analyse, caption, write.

This is the function the engine runs, in-process or in worker processes; it touches files only
through :mod:`eotext.sources` and :class:`eotext.store.folder.DatasetFolder`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from eotext.config.recipe import Recipe
from eotext.model import LandCoverStats, PatchSpec
from eotext.run.annotators import Annotator, build_annotators
from eotext.scene.scene import Scene, WindowData
from eotext.scene.tiling import Unit
from eotext.semantics.components import PatchComponents
from eotext.semantics.context import Context, country_code_of, patch_context
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.patch import PatchContext
from eotext.semantics.stats import compute_class_shares
from eotext.sources.item import Tiling
from eotext.store.folder import DatasetFolder, text_row
from eotext.store.rasters import (
    sar_false_colour,
    true_colour,
    write_geotiff,
    write_label_png,
    write_png,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitTask:
    """Everything a worker needs to process one unit (picklable)."""

    scene: Scene
    unit: Unit
    recipe: Recipe
    out_dir: str


def process_unit(task: UnitTask) -> dict[str, Any]:
    """Process one unit and store its results; returns the unit's summary.

    The summary counts kept patches, texts, drops by reason and unknown-code pixels.
    """
    scene, unit, recipe = task.scene, task.unit, task.recipe
    folder = DatasetFolder(Path(task.out_dir))
    drops: Counter[str] = Counter()
    patch_rows: list[dict[str, Any]] = []
    text_rows: list[dict[str, Any]] = []
    unknown_px = 0
    mismatches = 0
    if scene.skip_reason is not None:  # e.g. no Sentinel-1 partner within the date limit
        dropped = {scene.skip_reason: len(unit.patches)}
        summary = _summary(unit, scene, 0, [], dropped, 0)
        folder.save_unit(unit.unit_id, [], [], summary)
        return summary
    flagged = sorted(scene.flags & set(recipe.filters.drop_flags))
    if flagged:  # e.g. BigEarthNet v2's seasonal snow, when the recipe drops it
        summary = _summary(unit, scene, 0, [], {flagged[0]: len(unit.patches)}, 0)
        folder.save_unit(unit.unit_id, [], [], summary)
        return summary
    with scene.open() as reader:
        data = reader.read(unit.window, recipe.unknown_codes)
    annotators = build_annotators(recipe)
    # Annotators with `annotate_unit` (LLM captions) get the whole unit at once, to batch.
    per_patch = [a for a in annotators if not hasattr(a, "annotate_unit")]
    per_unit = [a for a in annotators if hasattr(a, "annotate_unit")]
    contexts: list[PatchContext] = []
    for spec in unit.patches:
        rows, cols = spec.window.relative_to(unit.window)
        if not data.data[rows, cols].any():  # most of a coastal tile: skip before copying
            drops["low_valid_fraction"] += 1
            continue
        patch = _crop(data, rows, cols)
        result = _process_patch(scene, spec, patch, recipe, per_patch, folder)
        if isinstance(result, str):
            drops[result] += 1
            continue
        prow, trows, ctx = result
        if per_unit:
            contexts.append(ctx)
        prow["unit_id"] = unit.unit_id
        unknown_px += int(prow["unknown_px"])
        mismatches += int(prow.pop("country_mismatch"))
        patch_rows.append(prow)
        text_rows.extend(trows)
    for annotator in per_unit:
        texts = annotator.annotate_unit(contexts, folder.llm_cache)
        text_rows.extend(text_row(t) for t in texts)
    summary = _summary(unit, scene, len(patch_rows), text_rows, dict(drops), unknown_px)
    if mismatches:
        summary["country_mismatches"] = mismatches
    for annotator in per_unit:
        if hasattr(annotator, "usage"):
            summary["llm"] = annotator.usage()
    folder.save_unit(unit.unit_id, patch_rows, text_rows, summary)
    return summary


def _summary(
    unit: Unit,
    scene: Scene,
    kept: int,
    texts: list[dict[str, Any]],
    dropped: dict[str, int],
    unknown_px: int,
) -> dict[str, Any]:
    return {
        "unit_id": unit.unit_id,
        "scene_id": scene.scene_id,
        "patches_planned": len(unit.patches),
        "patches_kept": kept,
        "texts": len(texts),
        "dropped": dropped,
        "unknown_px": unknown_px,
    }


def _crop(data: WindowData, rows: slice, cols: slice) -> WindowData:
    # Contiguous copies: the per-patch analysis runs several times faster than on strided views.
    def cut(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.ascontiguousarray(a[..., rows, cols])

    return WindowData(
        image=cut(data.image) if data.image is not None else None,
        labels=cut(data.labels) if data.labels is not None else None,
        data=cut(data.data),
        cloud=cut(data.cloud),
        unknown=cut(data.unknown),
    )


def _process_patch(
    scene: Scene,
    spec: PatchSpec,
    patch: WindowData,
    recipe: Recipe,
    annotators: list[Annotator],
    folder: DatasetFolder,
) -> str | tuple[dict[str, Any], list[dict[str, Any]], PatchContext]:
    """Analyse and write one patch; returns a drop reason or (patch row, text rows, context)."""
    filters = recipe.filters
    total = patch.data.size
    n_data = int(patch.data.sum())
    valid_fraction = n_data / total
    # An archive's own patch (BigEarthNet) is kept whatever share its label map covers: its
    # pixels in classes the nomenclature drops are unlabelled, not missing.
    too_little = valid_fraction < filters.min_valid_fraction and scene.tiling is not Tiling.WHOLE
    if n_data == 0 or too_little:
        return "low_valid_fraction"
    cloud_fraction = int(patch.cloud.sum()) / n_data
    if cloud_fraction > filters.max_cloud_fraction:
        return "cloudy"
    usable = patch.data & ~patch.cloud
    stats: LandCoverStats | None = None
    if patch.labels is not None:
        stats = compute_class_shares(patch.labels, usable, patch.unknown)
        if stats.valid_px == 0:
            return "no_labelled_pixels"
        dominant_share = stats.ranked()[0][1]
        if filters.max_dominant_share is not None and dominant_share >= filters.max_dominant_share:
            return "near_uniform"

    pid = spec.patch_id
    grid = scene.grid
    transform = grid.window_transform(spec.window)
    scheme = scene.scheme
    fractions: dict[str, float] = {}
    pixels: dict[int, int] = {}
    dominant = None
    layout = None
    components = None
    footprint = grid.window_footprint(spec.window)
    if stats is not None and scheme is not None:
        fractions = {scheme.by_code(c).name: s for c, s in stats.ranked()}
        pixels = dict(sorted(stats.counts.items()))
        dominant = scheme.by_code(stats.ranked()[0][0]).name
        assert patch.labels is not None
        components = PatchComponents(patch.labels, usable)
        # Classes of 20 px or fewer are too small to describe; skip their component analysis.
        layout = analyse_layout(
            patch.labels,
            usable,
            sorted(c for c, n in stats.counts.items() if n > MIN_PX),
            components=components,
        )
    layer_means = _layer_means(scene, patch, usable)
    elevation = next((v for k, v in layer_means.items() if k.upper() == "DEM"), None)
    where = patch_context(footprint, scene.acquired, elevation)
    country_mismatch = _country_mismatch(scene, where)
    if scene.source_country and where.country != scene.source_country:
        # The source's own country wins (BigEarthNet assigns each patch one); the borders of
        # the context layer are coarse near frontiers.
        code = country_code_of(scene.source_country)
        where = replace(where, country=scene.source_country, country_code=code)
    ctx = PatchContext(
        scene, spec, patch, usable, stats, layout, footprint, where, recipe.seed, components
    )
    texts = [text_row(t) for annotator in annotators for t in annotator.annotate(ctx)]
    if patch.image is None and patch.labels is None and not texts:
        return "no_visible_osm_objects"  # a map patch is kept only for what it shows
    paths = _write_patch_files(scene, spec, patch, usable, transform, recipe, folder)

    row = {
        "patch_id": pid,
        "scene_id": scene.scene_id,
        "unit_id": None,
        "sensor": scene.sensor,
        "acquired": scene.acquired,
        "crs": grid.crs.to_string(),
        "transform": list(transform)[:6],
        "width": spec.window.width,
        "height": spec.window.height,
        "gsd_m": round(grid.gsd_m, 4),
        "geometry": shapely.to_wkb(footprint),
        "scheme": scheme.name if scheme else None,
        "class_fractions": fractions,
        "class_pixels": pixels,
        "dominant_class": dominant,
        "multilabels": list(scene.scene_labels.names) if scene.scene_labels else [],
        "multilabels_19": list(scene.scene_labels.names_19) if scene.scene_labels else [],
        "valid_fraction": valid_fraction,
        "cloud_fraction": cloud_fraction,
        "unknown_px": stats.unknown_px if stats else 0,
        "country_mismatch": country_mismatch,
        "bands": list(scene.band_names),
        "layer_means": layer_means,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "country": where.country,
        "country_code": where.country_code,
        "source_country": scene.source_country,
        "source_split": scene.source_split,
        "season": where.season,
        "climate_zone": where.climate_zone,
        "elevation_m": where.elevation_m,
        "split": None,
        **paths,
    }
    return row, texts, ctx


def _country_mismatch(scene: Scene, where: Context) -> bool:
    """Whether the source names another country than the context's borders do."""
    if not scene.source_country or not where.country:
        return False
    if scene.source_country.strip().lower() == where.country.strip().lower():
        return False
    log.info("%s: the source says %s, the borders %s", scene.scene_id, scene.source_country,
             where.country)  # fmt: skip
    return True


def _layer_means(scene: Scene, patch: WindowData, usable: np.ndarray[Any, Any]) -> dict[str, float]:
    """Mean of each extra layer (NDVI, DEM, ...) over the patch's usable pixels."""
    means: dict[str, float] = {}
    if not scene.layers or patch.image is None:
        return means
    n_img = len(scene.imagery.bands) if scene.imagery else 0
    for i, layer in enumerate(scene.layers):
        values = patch.image[n_img + i][usable].astype(np.float64)
        values = values[np.isfinite(values)]
        if values.size:
            means[layer.name] = float(values.mean())
    return means


def _write_patch_files(
    scene: Scene,
    spec: PatchSpec,
    patch: WindowData,
    usable: np.ndarray[Any, Any],
    transform: Any,
    recipe: Recipe,
    folder: DatasetFolder,
) -> dict[str, str | None]:
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
        if rgb is not None:
            bands = scene.imagery.bands
            refl = np.stack(
                [patch.image[i].astype(np.float32) * bands[i].scale + bands[i].offset for i in rgb]
            )
            preview = true_colour(refl, patch.data)
    if patch.labels is not None and scene.scheme is not None:
        nodata = _label_nodata(scene, patch.labels.dtype)
        # Pixels the statistics did not use (no data, cloud, unknown code) are written as
        # nodata, so the label file holds exactly what the captions describe.
        labels = np.where(usable, patch.labels, nodata).astype(patch.labels.dtype)
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
            write_label_png(folder.previews / f"{pid}.png", labels, usable, scene.scheme.colormap())
            paths["preview_path"] = f"previews/{pid}.png"
    map_only = patch.image is None and patch.labels is None
    if preview is None and map_only and scene.osm_path and recipe.output.write_previews:
        from eotext.store.osm_preview import osm_preview

        preview = osm_preview(scene, spec.window, recipe.annotate.osm)
    if preview is not None and recipe.output.write_previews:
        write_png(folder.previews / f"{pid}.png", preview)
        paths["preview_path"] = f"previews/{pid}.png"
    return paths


def _label_nodata(scene: Scene, dtype: np.dtype[Any]) -> int:
    assert scene.scheme is not None
    return scene.scheme.fill_code(dtype)
