"""Build a dataset folder from a recipe: resolve scenes, plan units, run them, merge, describe."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eotext import __version__
from eotext.config.recipe import Recipe
from eotext.errors import RecipeError
from eotext.files import write_json_atomic, write_text_atomic
from eotext.run.engine import Runner, make_runner, run_units, units_in_flight
from eotext.run.splits import assign_splits
from eotext.run.unit import UnitTask, process_unit
from eotext.scene.resolve import resolve_scenes
from eotext.scene.scene import Scene
from eotext.scene.tiling import Unit, plan_scene
from eotext.semantics.context import context_sources
from eotext.store.folder import DatasetFolder
from eotext.store.records import UnitSummary

log = logging.getLogger(__name__)

#: With automatic workers, start worker processes only when each gets this many units.
_UNITS_PER_WORKER = 8


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: counts for the whole folder (earlier runs included)."""

    out_dir: Path
    patches: int
    texts: int
    units_total: int
    units_run: int
    units_skipped: int
    dropped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    patches_per_s: float = 0.0


def plan_build(recipe: Recipe) -> tuple[list[Scene], list[Unit]]:
    """The scenes of a recipe's sources and their units of work; reads headers, writes nothing.

    Raises:
        RecipeError: two sources give the same scene id.
    """
    scenes = [s for spec in recipe.sources for s in resolve_scenes(spec)]
    _check_unique_ids(scenes)
    units = [u for i, s in enumerate(scenes) for u in plan_scene(i, s, recipe.output.unit_patches)]
    return scenes, units


def build_dataset(
    recipe: Recipe,
    out_dir: str | Path,
    runner: Runner | None = None,
    progress: bool = False,
) -> BuildResult:
    """Build (or resume building) the dataset a recipe describes.

    Args:
        recipe: the validated recipe.
        out_dir: the dataset folder; created if missing, resumed if it holds this recipe.
        runner: how units run; default in-process, or ``recipe.output.workers`` processes.
        progress: show a progress bar with patches/s on stderr.

    Raises:
        OutputError: ``out_dir`` holds something else.
        SourceError, AlignmentError, TilingError, UnknownClassCodeError: bad input; units
            finished before the error stay written.
    """
    if "llm" in recipe.annotate.kinds and recipe.annotate.llm.dry_run:
        raise RecipeError(
            "the recipe asks for an LLM dry run ([annotate.llm] dry_run = true), which writes "
            "no dataset: see its prompts with `eotext build --dry-run` (eotext.run.dry_run), "
            "or set dry_run = false to build"
        )
    started = time.perf_counter()
    folder = DatasetFolder(Path(out_dir))
    recorded = folder.recorded_unit_patches()
    if recorded is not None and recorded != recipe.output.unit_patches:
        log.info(
            "resuming with the folder's unit size %d (asked: %d)",
            recorded,
            recipe.output.unit_patches,
        )
        recipe = dataclasses.replace(
            recipe, output=dataclasses.replace(recipe.output, unit_patches=recorded)
        )
    scenes, units = plan_build(recipe)
    scenes, osm_counts = _attach_osm(scenes, recipe)
    folder.prepare(recipe.fingerprint(), recipe.to_dict())
    todo = [u for u in units if not folder.is_done(u.unit_id)]
    log.info(
        "%d scenes, %d units (%d already done), %d patches planned",
        len(scenes),
        len(units),
        len(units) - len(todo),
        sum(len(u.patches) for u in units),
    )
    tasks = [UnitTask(scenes[u.scene_index], u, recipe, str(folder.root)) for u in todo]
    if runner is None:
        workers = recipe.output.workers or os.cpu_count() or 1
        if not recipe.output.workers and len(todo) < _UNITS_PER_WORKER * workers:
            workers = 1  # a worker costs seconds to start; small builds run faster in-process
        in_flight = 1
        if "llm" in recipe.annotate.kinds:  # units mostly wait for answers: overlap them
            per_unit = recipe.output.unit_patches**2
            in_flight = units_in_flight(recipe.annotate.llm.concurrency, per_unit)
        runner = make_runner(min(workers, len(todo)), in_flight)
    bar = _progress_bar(sum(len(u.patches) for u in todo)) if progress else None
    run_started = time.perf_counter()
    kept_now = 0

    def on_result(summary: UnitSummary) -> None:
        nonlocal kept_now
        kept_now += summary.patches_kept
        if bar is not None:
            bar.update(summary.patches_planned)
            elapsed = max(time.perf_counter() - run_started, 1e-9)
            bar.set_postfix_str(f"{kept_now / elapsed:.1f} kept patches/s")

    try:
        run_units(process_unit, tasks, runner, on_result)
    finally:
        if bar is not None:
            bar.close()
        # Whatever finished is merged even when a unit failed, so nothing is lost.
        n_patches, n_texts = folder.merge_tables(
            lambda rows: assign_splits(rows, recipe.splits, recipe.seed)
        )
        seconds = time.perf_counter() - started
        summaries = folder.unit_summaries()
        dropped, unknown_px = _totals(summaries)
        _write_manifest(
            folder, recipe, scenes, units, n_patches, n_texts, dropped, unknown_px, seconds,
            osm_counts,
        )  # fmt: skip
        _add_llm_usage(folder, summaries)
    run_seconds = max(time.perf_counter() - run_started, 1e-9)
    return BuildResult(
        out_dir=folder.root,
        patches=n_patches,
        texts=n_texts,
        units_total=len(units),
        units_run=len(todo),
        units_skipped=len(units) - len(todo),
        dropped=dropped,
        seconds=seconds,
        patches_per_s=kept_now / run_seconds,
    )


def _attach_osm(
    scenes: list[Scene], recipe: Recipe
) -> tuple[list[Scene], dict[str, dict[str, Any]]]:
    """Give scenes the recipe's OSM file, check each file covers its scene, and read it.

    Reading here (once per process, cached) stops a build on a corrupt file before any unit
    runs, and yields the counts of objects read and left out for the manifest.
    """
    if "osm" not in recipe.annotate.kinds:
        return scenes, {}
    from eotext.semantics.osm.layer import check_overlap, load_layer

    spec = recipe.annotate.osm
    rules = spec.resolved_rules()
    out, counts = [], {}
    for scene in scenes:
        if scene.osm_path is None and spec.file is not None:
            scene = dataclasses.replace(scene, osm_path=spec.file)
        if scene.osm_path is not None:
            check_overlap(scene.osm_path, scene.grid, scene.scene_id)
            layer = load_layer(scene.osm_path, scene.grid, rules, spec.location_index)
            counts[scene.scene_id] = layer.counts
        out.append(scene)
    return out, counts


def _check_unique_ids(scenes: list[Scene]) -> None:
    seen: Counter[str] = Counter(s.scene_id for s in scenes)
    dupes = [sid for sid, n in seen.items() if n > 1]
    if dupes:
        raise RecipeError(
            f"scene id(s) {', '.join(dupes)} used by more than one source; give each source "
            "its own `id` in the recipe"
        )


def _totals(summaries: list[UnitSummary]) -> tuple[dict[str, int], int]:
    dropped: Counter[str] = Counter()
    unknown = 0
    for s in summaries:
        dropped.update(s.dropped)
        unknown += s.unknown_px
    return dict(sorted(dropped.items())), unknown


def _add_llm_usage(folder: DatasetFolder, summaries: list[UnitSummary]) -> None:
    """Sum the units' LLM usage (tokens, cost, requests, cache hits) into the manifest, when
    any unit called a model."""
    import json

    from eotext.clients.usage import Usage

    usages = [s.llm for s in summaries if s.llm is not None]
    if not usages:
        return
    total = sum(usages, Usage())
    manifest = json.loads(folder.manifest.read_text())
    manifest["llm"] = total.to_dict()
    write_json_atomic(folder.manifest, manifest)


def _write_manifest(
    folder: DatasetFolder,
    recipe: Recipe,
    scenes: list[Scene],
    units: list[Unit],
    n_patches: int,
    n_texts: int,
    dropped: dict[str, int],
    unknown_px: int,
    seconds: float,
    osm_counts: dict[str, dict[str, Any]] | None = None,
) -> None:
    done = {s.unit_id for s in folder.unit_summaries()}
    sources = [_describe_scene(s, (osm_counts or {}).get(s.scene_id)) for s in scenes]
    attribution = sorted(
        {x["attribution"] for s in sources for x in s["licences"] if x["attribution"]}
    )
    manifest = {
        "name": recipe.name,
        "eotext_version": __version__,
        "recipe_fingerprint": recipe.fingerprint(),
        "recipe": recipe.to_dict(),
        "complete": all(u.unit_id in done for u in units),
        "sources": sources,
        "attribution": attribution,
        "context_sources": context_sources(),
        "counts": {
            "scenes": len(scenes),
            "units": len(units),
            "units_done": len(done),
            "patches_planned": sum(len(u.patches) for u in units),
            "patches": n_patches,
            "texts": n_texts,
            "dropped": dropped,
            "unknown_code_pixels": unknown_px,
        },
        "timings": {"last_run_seconds": round(seconds, 3)},
    }
    write_json_atomic(folder.manifest, manifest)
    _write_data_card(folder)


def _write_data_card(folder: DatasetFolder) -> None:
    from eotext.report.summary import data_card

    write_text_atomic(folder.root / "DATACARD.md", data_card(folder.root))


def _describe_scene(scene: Scene, osm_counts: dict[str, Any] | None = None) -> dict[str, Any]:
    licences = []
    if scene.imagery is not None:
        licences.append(
            {
                "what": "imagery",
                "licence": scene.imagery.licence or "unknown: check the provider's terms",
                "attribution": scene.imagery.attribution,
            }
        )
    if scene.scheme is not None:
        licences.append(
            {
                "what": f"labels ({scene.scheme.title})",
                "licence": scene.scheme.licence,
                "attribution": scene.scheme.attribution,
            }
        )
    osm: dict[str, Any] | None = None
    if scene.osm_path is not None:
        from eotext.sources.osm import OSM_ATTRIBUTION, OSM_LICENCE

        licences.append(
            {"what": "OpenStreetMap data", "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION}
        )
        osm = {**(osm_counts or {}), "file": scene.osm_path}
    return {
        "scene_id": scene.scene_id,
        "sensor": scene.sensor,
        "product_id": scene.imagery.product_id if scene.imagery else None,
        "acquired": scene.acquired,
        "processing_baseline": scene.imagery.processing_baseline if scene.imagery else None,
        "bands": list(scene.band_names),
        "band_sensors": {b.name: b.sensor or scene.sensor for b in scene.all_bands},
        "s1_acquired": scene.s1_acquired,
        "skipped": scene.skip_reason,
        "image_files": sorted({b.path for b in scene.all_bands}),
        "label_file": scene.label_path,
        "cloud_mask_file": scene.cloud_path,
        "scheme": scene.scheme.name if scene.scheme else None,
        "crs": scene.grid.crs.to_string(),
        "grid": {"width": scene.grid.width, "height": scene.grid.height, "gsd_m": scene.grid.gsd_m},
        "licences": licences,
        "osm": osm,
    }


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="patch", desc="building", dynamic_ncols=True)
