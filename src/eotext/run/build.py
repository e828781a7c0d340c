"""Build a dataset folder from a recipe: resolve scenes, plan units, run them, merge, describe."""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

import eotext
from eotext.config.recipe import Recipe
from eotext.errors import EotextError, OutputError, RecipeError, os_error_code, os_error_message
from eotext.files import write_json_atomic, write_text_atomic
from eotext.run.engine import RequestLimit, Runner, make_runner, run_units, units_in_flight
from eotext.run.splits import assign_splits
from eotext.run.unit import UnitTask, process_unit
from eotext.scene.resolve import resolve_scenes
from eotext.scene.scene import Scene
from eotext.scene.tiling import Unit, plan_scene
from eotext.scene.workload import heaviest_first
from eotext.semantics.context import context_sources
from eotext.store.folder import DatasetFolder
from eotext.store.lock import publishing
from eotext.store.records import UnitSummary

if TYPE_CHECKING:
    from eotext.verify.folder import VerifySummary

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
    complete: bool = True
    failed_requests: dict[str, int] = field(default_factory=dict)


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
    verify: bool | None = None,
) -> BuildResult:
    """Build (or resume building) the dataset a recipe describes.

    Args:
        recipe: the validated recipe.
        out_dir: the dataset folder; created if missing, resumed if it holds this recipe.
        runner: how units run; default in-process, or ``recipe.output.workers`` processes.
        progress: show a progress bar with patches/s on stderr.
        verify: check every text against its label patch after the build (findings, status,
            audit log; see ``eotext.verify``) and add the counts to the manifest; None: as
            the recipe says (``[output] verify``, ``--no-verify``).

    A unit whose LLM requests got no answer (``on_error = "skip"``) is stored with the texts
    it has and recorded incomplete; the manifest then says ``complete: false`` and counts the
    failed requests, and the next run builds that unit again (the cache answers the rest).

    Raises:
        OutputError: ``out_dir`` holds something else, or cannot be written (full disk,
            read-only, permissions); finished units stay written, rerun to resume.
        FolderBusyError: another build is writing ``out_dir``.
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
    if verify is not None and verify != recipe.output.verify:  # the units read it there
        recipe = dataclasses.replace(
            recipe, output=dataclasses.replace(recipe.output, verify=verify)
        )
    verify = recipe.output.verify
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
    _warn_textless(scenes)
    try:
        with folder.writing(recipe.fingerprint(), recipe.to_dict()):
            return _run(
                folder, recipe, scenes, units, osm_counts, runner, progress, started, verify
            )
    except (OSError, sqlite3.OperationalError) as exc:
        if isinstance(exc, EotextError) or not _is_storage_error(exc, folder.root):
            raise
        raise OutputError(os_error_message(exc, folder.root)) from exc


def textless_scenes(scenes: list[Scene]) -> list[str]:
    """Ids of scenes no annotator can write text for: imagery without a label map, scene-level
    labels or an OpenStreetMap extract (their patches are kept, without texts)."""
    return [
        s.scene_id
        for s in scenes
        if s.label_path is None and s.scene_labels is None and s.osm_path is None
    ]


def _warn_textless(scenes: list[Scene]) -> None:
    textless = textless_scenes(scenes)
    if textless:
        shown = ", ".join(textless[:3]) + (
            f" and {len(textless) - 3} more" if len(textless) > 3 else ""
        )
        log.warning(
            "%s: imagery only, so no annotator can write text for it; add a label map "
            "(labels + scheme, --labels/--scheme), scene-level labels, or an OpenStreetMap "
            "extract (osm, --osm); its patches are kept without texts",
            shown,
        )


def _is_storage_error(exc: BaseException, root: Path) -> bool:
    """An error of the disk or file system the dataset is written to: a full or read-only
    disk, or a path inside the output folder (not a network connection or an input file)."""
    if isinstance(exc, sqlite3.OperationalError):
        return "disk" in str(exc) or "readonly" in str(exc) or "unable to open" in str(exc)
    if isinstance(exc, ConnectionError | TimeoutError):
        return False
    if os_error_code(exc) in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    out = root.resolve()
    for name in (getattr(exc, "filename", None), getattr(exc, "filename2", None)):
        if isinstance(name, str | os.PathLike):
            path = Path(os.fspath(name)).resolve()
            if path == out or out in path.parents:
                return True
    return False


def _run(
    folder: DatasetFolder,
    recipe: Recipe,
    scenes: list[Scene],
    units: list[Unit],
    osm_counts: dict[str, dict[str, Any]],
    runner: Runner | None,
    progress: bool,
    started: float,
    verify: bool = True,
) -> BuildResult:
    """Run the units left to do and publish the tables and manifest; under the writer lock."""
    complete = folder.complete_units()
    # Heaviest first, so that the build does not end with one worker on a unit of land while
    # the others have finished the sea around it.
    todo = heaviest_first(scenes, [u for u in units if u.unit_id not in complete])
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
            per_unit = max((len(u.patches) for u in todo), default=1)
            in_flight = units_in_flight(recipe.annotate.llm.concurrency, per_unit)
        runner = make_runner(
            min(workers, len(todo)), recipe.output.scheduler, _llm_limit(recipe), in_flight
        )
    bar = _progress_bar(sum(len(u.patches) for u in todo)) if progress else None
    run_started = time.perf_counter()
    kept_now = 0

    def on_result(summary: UnitSummary) -> None:
        nonlocal kept_now
        if not folder.is_stored(summary.unit_id):
            raise OutputError(
                f"unit {summary.unit_id} finished but its files are not in {folder.root}: "
                "with --scheduler the output folder must be storage every worker shares"
            )
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
        # Whatever finished is merged even when a unit failed, so nothing is lost. Readers
        # wait while tables and manifest are replaced, so they see one publication whole.
        with publishing(folder.root):
            n_patches, n_texts = folder.merge_tables(
                lambda rows: assign_splits(rows, recipe.splits, recipe.seed)
            )
            seconds = time.perf_counter() - started
            summaries = folder.unit_summaries()
            dropped, unknown_px = _totals(summaries)
            failed = _failed_requests(summaries)
            # Verified before the manifest and the card are written, so both tell the statuses.
            checked = _verify_texts(folder, summaries) if verify else None
            is_complete = _write_manifest(
                folder, recipe, scenes, units, summaries, n_patches, n_texts, dropped,
                unknown_px, seconds, osm_counts, checked,
            )  # fmt: skip
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
        complete=is_complete,
        failed_requests=failed,
    )


def _verify_texts(folder: DatasetFolder, summaries: list[UnitSummary]) -> dict[str, Any]:
    """Check the texts the units did not check as they wrote them (units built with
    verification off) and put reviewers' decisions back; the counts for the manifest."""
    from eotext.verify.folder import verify_folder

    unchecked = {s.unit_id for s in summaries if s.verified is None and s.texts}
    patch_ids: set[str] = set()
    if unchecked:
        units = pq.read_table(folder.patches_table, columns=["patch_id", "unit_id"]).to_pylist()
        patch_ids = {r["patch_id"] for r in units if r["unit_id"] in unchecked}
    summary = verify_folder(folder.root, who="eotext build", patch_ids=patch_ids)
    claims, findings = summary.claims, dict(summary.by_kind)
    for s in summaries:
        if s.verified is not None:
            claims += s.verified.claims
            for kind, n in s.verified.findings.items():
                findings[kind] = findings.get(kind, 0) + n
    return _verify_counts(replace(summary, claims=claims, by_kind=findings))


def _verify_counts(summary: VerifySummary) -> dict[str, Any]:
    return {
        "texts": summary.texts,
        "claims": summary.claims,
        "flagged": summary.flagged,
        "auto_fixed": summary.auto_fixed,
        "findings": summary.by_kind,
    }


def record_verification(root: Path, summary: VerifySummary) -> None:
    """After ``eotext verify``: the manifest's ``verify`` counts and the data card, anew."""
    folder = DatasetFolder(root)
    manifest = json.loads(folder.manifest.read_text())
    manifest["verify"] = _verify_counts(summary)
    write_json_atomic(folder.manifest, manifest)
    _write_data_card(folder)


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


def _llm_limit(recipe: Recipe) -> RequestLimit | None:
    """The build's LLM budget, shared by every worker (named after the recipe)."""
    if "llm" not in recipe.annotate.kinds:
        return None
    return RequestLimit(f"eotext-llm-{recipe.fingerprint()}", recipe.annotate.llm.concurrency)


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


def _failed_requests(summaries: list[UnitSummary]) -> dict[str, int]:
    """Requests that got no answer in the stored units, by annotator."""
    failed: Counter[str] = Counter()
    for s in summaries:
        failed.update(s.incomplete)
    return dict(sorted(failed.items()))


def _llm_usage(summaries: list[UnitSummary]) -> dict[str, Any] | None:
    """The units' LLM usage (tokens, cost, requests, cache hits) summed, when any unit called
    a model."""
    from eotext.clients.usage import Usage

    usages = [s.llm for s in summaries if s.llm is not None]
    return sum(usages, Usage()).to_dict() if usages else None


def _write_manifest(
    folder: DatasetFolder,
    recipe: Recipe,
    scenes: list[Scene],
    units: list[Unit],
    summaries: list[UnitSummary],
    n_patches: int,
    n_texts: int,
    dropped: dict[str, int],
    unknown_px: int,
    seconds: float,
    osm_counts: dict[str, dict[str, Any]] | None = None,
    verification: dict[str, Any] | None = None,
) -> bool:
    """Write ``manifest.json`` and the data card; returns whether the dataset is complete."""
    done = {s.unit_id for s in summaries}
    incomplete = sorted(s.unit_id for s in summaries if s.incomplete)
    complete = all(u.unit_id in done for u in units) and not incomplete
    sources = [_describe_scene(s, (osm_counts or {}).get(s.scene_id)) for s in scenes]
    attribution = sorted(
        {x["attribution"] for s in sources for x in s["licences"] if x["attribution"]}
    )
    manifest = {
        "name": recipe.name,
        "eotext_version": eotext.__version__,
        "recipe_fingerprint": recipe.fingerprint(),
        "recipe": recipe.to_dict(),
        "complete": complete,
        "sources": sources,
        "attribution": attribution,
        "context_sources": context_sources(),
        "counts": {
            "scenes": len(scenes),
            "units": len(units),
            "units_done": len(done) - len(incomplete),
            "units_incomplete": len(incomplete),
            "failed_requests": _failed_requests(summaries),
            "patches_planned": sum(len(u.patches) for u in units),
            "patches": n_patches,
            "texts": n_texts,
            "dropped": dropped,
            "unknown_code_pixels": unknown_px,
            # patches whose source names another country than the context's borders
            "country_mismatches": sum(s.country_mismatches for s in summaries),
        },
        "timings": {"last_run_seconds": round(seconds, 3)},
    }
    llm = _llm_usage(summaries)
    if llm is not None:
        manifest["llm"] = llm
    if verification is not None:
        manifest["verify"] = verification
    write_json_atomic(folder.manifest, manifest)
    _write_data_card(folder)
    return complete


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
