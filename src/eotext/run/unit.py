"""One unit of work as steps: read a scene window, filter and analyse its patches, annotate them,
write their files and rows.

:func:`analyse_unit` reads and writes nothing but the scene (a dry run plans its prompts with
it); :func:`process_unit` is the function the engine runs, in-process or in worker processes,
and touches files only through :mod:`eotext.sources` and
:class:`eotext.store.folder.DatasetFolder`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from shapely.geometry.base import BaseGeometry

from eotext.clients.usage import Usage
from eotext.config.recipe import Recipe
from eotext.model import Layout, Text
from eotext.run.annotators import Annotator, build_annotators
from eotext.run.filters import (
    AnnotatedPatch,
    Filter,
    PatchCandidate,
    SceneFlags,
    SceneSkip,
    UnitMasks,
    VisibleOsmObjects,
    count_drops,
    patch_filters,
)
from eotext.run.patch_files import PatchPaths, label_patch, write_patch_files
from eotext.scene.scene import Scene
from eotext.scene.tiling import Unit
from eotext.semantics.components import PatchComponents
from eotext.semantics.context import Context, country_code_of, patch_contexts
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.patch import PatchContext
from eotext.store.folder import DatasetFolder
from eotext.store.records import PatchRecord, TextRecord, UnitSummary, VerifiedCounts
from eotext.verify.facts import PatchFacts, facts_from_array
from eotext.verify.folder import check_rows, record_changes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitTask:
    """Everything a worker needs to process one unit (picklable)."""

    scene: Scene
    unit: Unit
    recipe: Recipe
    out_dir: str


@dataclass(frozen=True)
class AnalysedPatch:
    """A patch that passed the filters, analysed: what the annotators see and the measures
    its row keeps."""

    ctx: PatchContext
    valid_fraction: float
    cloud_fraction: float
    layer_means: dict[str, float]
    country_mismatch: bool = False


@dataclass(frozen=True)
class AnalysedUnit:
    """The kept patches of a unit, and the filters that dropped the others."""

    patches: tuple[AnalysedPatch, ...]
    filters: tuple[Filter[Any], ...]


def analyse_unit(scene: Scene, unit: Unit, recipe: Recipe) -> AnalysedUnit:
    """Read a unit's window, filter its patches and analyse those kept; writes nothing."""
    skip, flags = SceneSkip(), SceneFlags(recipe.filters.drop_flags)
    for scene_filter in (skip, flags):  # e.g. no Sentinel-1 partner in time, seasonal snow
        if not scene_filter.keep(scene, count=len(unit.patches)):
            return AnalysedUnit((), (skip, flags))
    filters = patch_filters(recipe.filters)
    with scene.open() as reader:
        data = reader.read(unit.window, recipe.unknown_codes)
    kept = []
    masks = UnitMasks.of(data)  # one pass over a unit of open sea, not one per patch
    for spec in unit.patches:
        rows, cols = spec.window.relative_to(unit.window)
        candidate = PatchCandidate(scene, spec, data, rows, cols, masks)
        if all(f.keep(candidate) for f in filters):
            kept.append(_analyse(candidate))
    # Where and when: one look-up for all kept patches of the unit.
    wheres = patch_contexts(
        [k.footprint for k in kept], scene.acquired, [k.elevation for k in kept]
    )
    patches = tuple(k.finish(where, recipe.seed) for k, where in zip(kept, wheres, strict=True))
    return AnalysedUnit(patches, (skip, flags, *filters))


def annotate_patches(
    contexts: Sequence[PatchContext], annotators: Sequence[Annotator], cache_path: Path | None
) -> dict[str, list[Text]]:
    """Every annotator's texts for a unit's kept patches, by patch id."""
    texts: dict[str, list[Text]] = {ctx.patch_id: [] for ctx in contexts}
    for annotator in annotators:
        for text in annotator.annotate_unit(contexts, cache_path):
            texts[text.patch_id].append(text)
    return texts


def process_unit(task: UnitTask) -> UnitSummary:
    """Process one unit and store its rows, files and summary; returns the summary."""
    # One GDAL environment for the unit's reads and writes: without it, every file opened
    # sets up and tears down its own.
    with _collector_paused(), rasterio.Env():
        return _process_unit(task)


_pause_lock = threading.Lock()
_pausing = 0  # units of this process running with the collector paused
_was_enabled = True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while units run in this process.

    A unit makes many short-lived objects without reference cycles; every few hundred
    allocations start a collection, and each full one walks every object alive (the imported
    libraries' too): about 2 % of a build's time for nothing. Units running at once in threads
    share one pause; the collector is back as it was when the last one ends.
    """
    global _pausing, _was_enabled
    with _pause_lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()


def _process_unit(task: UnitTask) -> UnitSummary:
    scene, unit, recipe = task.scene, task.unit, task.recipe
    folder = DatasetFolder(Path(task.out_dir))
    analysed = analyse_unit(scene, unit, recipe)
    annotators = build_annotators(recipe)
    contexts = [p.ctx for p in analysed.patches]
    texts = annotate_patches(contexts, annotators, folder.llm_cache)
    visible = VisibleOsmObjects()
    patch_records: list[PatchRecord] = []
    text_records: list[TextRecord] = []
    facts: dict[str, PatchFacts | None] = {}
    for patch in analysed.patches:
        own = tuple(texts[patch.ctx.patch_id])
        if not visible.keep(AnnotatedPatch(scene, patch.ctx.patch_id, own)):
            continue
        written = label_patch(scene, patch.ctx.data, patch.ctx.usable)
        if recipe.output.verify:
            facts[patch.ctx.patch_id] = _facts(patch.ctx, written)
        paths = write_patch_files(
            scene,
            patch.ctx.spec,
            patch.ctx.data,
            patch.ctx.usable,
            written,
            scene.grid.window_transform(patch.ctx.spec.window),
            recipe,
            folder,
        )
        patch_records.append(patch_record(patch, unit.unit_id, paths))
        text_records.extend(TextRecord.from_text(t) for t in own)
    verified = None
    if recipe.output.verify:  # checked here, while the label patches are in memory
        text_records, verified = _verify(folder, text_records, facts)
    usages = [u for u in (a.usage() for a in annotators) if u is not None]
    summary = UnitSummary(
        unit_id=unit.unit_id,
        scene_id=scene.scene_id,
        patches_planned=len(unit.patches),
        patches_kept=len(patch_records),
        texts=len(text_records),
        dropped=count_drops([*analysed.filters, visible]),
        unknown_px=sum(r.unknown_px for r in patch_records),
        llm=sum(usages, Usage()) if usages else None,
        country_mismatches=sum(p.country_mismatch for p in analysed.patches),
        # An annotator whose requests failed leaves the unit incomplete: built again next run.
        incomplete={
            kind: a.failures()
            for kind, a in zip(recipe.annotate.kinds, annotators, strict=True)
            if a.failures()
        },
        verified=verified,
    )
    folder.save_unit(unit.unit_id, patch_records, text_records, summary)
    return summary


def _facts(
    ctx: PatchContext, written: tuple[np.ndarray[Any, Any], int] | None
) -> PatchFacts | None:
    """What the patch's label file (``written``) says, for checking its texts (None: no label
    map)."""
    if written is None:
        return None
    assert ctx.scene.scheme is not None
    where = ctx.where
    context = {"country": where.country, "season": where.season, "climate_zone": where.climate_zone}
    context = {k: v for k, v in context.items() if v}
    gsd = round(ctx.scene.grid.gsd_m, 4)
    return facts_from_array(written[0], ctx.scene.scheme, written[1], gsd, context)


def _verify(
    folder: DatasetFolder, records: list[TextRecord], facts: dict[str, PatchFacts | None]
) -> tuple[list[TextRecord], VerifiedCounts]:
    """Check a unit's texts against its patches; the changes go to the audit log."""
    rows = [r.to_row() for r in records]
    checked = check_rows(rows, lambda pid: facts.get(pid), who="eotext build")
    record_changes(folder.root, checked.changes)
    counts = VerifiedCounts(checked.claims, checked.by_kind)
    return [TextRecord.from_row(r) for r in rows], counts


@dataclass(frozen=True)
class _Analysis:
    """A kept patch analysed but for its context (looked up for the whole unit at once)."""

    candidate: PatchCandidate
    layout: Layout | None
    components: PatchComponents | None
    layer_means: dict[str, float]
    elevation: float | None
    footprint: BaseGeometry

    def finish(self, where: Context, seed: int) -> AnalysedPatch:
        c = self.candidate
        country_mismatch = _country_mismatch(c.scene, where)
        if c.scene.source_country and where.country != c.scene.source_country:
            # The source's own country wins (BigEarthNet assigns each patch one); the borders
            # of the context layer are coarse near frontiers.
            code = country_code_of(c.scene.source_country)
            where = replace(where, country=c.scene.source_country, country_code=code)
        ctx = PatchContext(
            c.scene,
            c.spec,
            c.data,
            c.usable,
            c.stats,
            self.layout,
            self.footprint,
            where,
            seed,
            self.components,
        )
        return AnalysedPatch(
            ctx, c.valid_fraction, c.cloud_fraction, self.layer_means, country_mismatch
        )


def _analyse(candidate: PatchCandidate) -> _Analysis:
    scene, spec, stats = candidate.scene, candidate.spec, candidate.stats
    layout = None
    components = None
    if stats is not None and scene.scheme is not None:
        assert candidate.data.labels is not None
        components = PatchComponents(candidate.data.labels, candidate.usable)
        # Classes of fewer than 20 px are too small to describe; skip their component analysis.
        layout = analyse_layout(
            candidate.data.labels,
            candidate.usable,
            sorted(c for c, n in stats.counts.items() if n >= MIN_PX),
            components=components,
        )
    layer_means = _layer_means(candidate)
    elevation = next((v for k, v in layer_means.items() if k.upper() == "DEM"), None)
    footprint = scene.grid.window_footprint(spec.window)
    return _Analysis(candidate, layout, components, layer_means, elevation, footprint)


def patch_record(patch: AnalysedPatch, unit_id: str, paths: PatchPaths) -> PatchRecord:
    """The ``patches.parquet`` row of a kept patch (its split is assigned at the merge)."""
    ctx = patch.ctx
    scene, spec, stats, where = ctx.scene, ctx.spec, ctx.stats, ctx.where
    grid, scheme = scene.grid, scene.scheme
    fractions: dict[str, float] = {}
    pixels: dict[int, int] = {}
    dominant = None
    if stats is not None and scheme is not None:
        ranked = stats.ranked()
        fractions = {scheme.by_code(c).name: s for c, s in ranked}
        pixels = dict(sorted(stats.counts.items()))
        dominant = scheme.by_code(ranked[0][0]).name
    return PatchRecord(
        patch_id=spec.patch_id,
        scene_id=scene.scene_id,
        unit_id=unit_id,
        sensor=scene.sensor,
        acquired=scene.acquired,
        crs=grid.crs_string,
        transform=tuple(grid.window_transform(spec.window))[:6],
        width=spec.window.width,
        height=spec.window.height,
        gsd_m=round(grid.gsd_m, 4),
        geometry=shapely.to_wkb(ctx.footprint_wgs84),
        scheme=scheme.name if scheme else None,
        class_fractions=fractions,
        class_pixels=pixels,
        dominant_class=dominant,
        multilabels=scene.scene_labels.names if scene.scene_labels else (),
        multilabels_19=scene.scene_labels.names_19 if scene.scene_labels else (),
        valid_fraction=patch.valid_fraction,
        cloud_fraction=patch.cloud_fraction,
        unknown_px=stats.unknown_px if stats else 0,
        bands=tuple(scene.band_names),
        layer_means=patch.layer_means,
        latitude=where.latitude,
        longitude=where.longitude,
        country=where.country,
        country_code=where.country_code,
        source_country=scene.source_country,
        source_split=scene.source_split,
        season=where.season,
        climate_zone=where.climate_zone,
        elevation_m=where.elevation_m,
        image_path=paths.image_path,
        label_path=paths.label_path,
        preview_path=paths.preview_path,
    )


def _country_mismatch(scene: Scene, where: Context) -> bool:
    """Whether the source names another country than the context's borders do."""
    if not scene.source_country or not where.country:
        return False
    if scene.source_country.strip().lower() == where.country.strip().lower():
        return False
    log.info("%s: the source says %s, the borders %s", scene.scene_id, scene.source_country,
             where.country)  # fmt: skip
    return True


def _layer_means(candidate: PatchCandidate) -> dict[str, float]:
    """Mean of each extra layer (NDVI, DEM, ...) over the patch's usable pixels."""
    scene, image = candidate.scene, candidate.data.image
    means: dict[str, float] = {}
    if not scene.layers or image is None:
        return means
    n_img = len(scene.imagery.bands) if scene.imagery else 0
    for i, layer in enumerate(scene.layers):
        values = image[n_img + i][candidate.usable].astype(np.float64)
        values = values[np.isfinite(values)]
        if values.size:
            means[layer.name] = float(values.mean())
    return means
