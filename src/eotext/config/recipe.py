"""The TOML recipe, parsed once at the edge into validated, frozen dataclasses.

A recipe names its sources (imagery, label maps, extra layers), the patch grid, the filters,
the annotators and the output. Relative paths are resolved against the recipe's folder.

.. code-block:: toml

    seed = 0
    [grid]
    patch_size = 256
    [filters]
    min_valid_fraction = 0.5
    [[sources]]
    id = "saotome"
    labels = "WorldCover.tif"
    scheme = "worldcover"
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from eotext.errors import RecipeError
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.sources.stac_search import StacQuery
from eotext.text.llm.prompts import PromptSpec
from eotext.text.spec import LLM_RUN_SETTINGS, AnnotateSpec, LlmSpec, OsmSpec, TemplateSpec

UNKNOWN_CODE_POLICIES = ("error", "unlabelled")
_T = TypeVar("_T")


@dataclass(frozen=True)
class FilterSpec:
    """Which patches to keep. Every drop is counted by reason in the manifest."""

    min_valid_fraction: float = 0.5
    max_cloud_fraction: float = 0.2
    max_dominant_share: float | None = None  # e.g. 0.98 drops near-uniform patches

    def __post_init__(self) -> None:
        for name in ("min_valid_fraction", "max_cloud_fraction"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise RecipeError(f"filters.{name} must lie in [0, 1], got {v}")
        if self.max_dominant_share is not None and not 0 < self.max_dominant_share <= 1:
            raise RecipeError(
                f"filters.max_dominant_share must lie in (0, 1], got {self.max_dominant_share}"
            )


@dataclass(frozen=True)
class SplitSpec:
    """Spatially blocked splits: ``[splits]``."""

    block_km: float = 10.0
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, val, test
    bench_per_class: int = 5

    def __post_init__(self) -> None:
        if self.block_km <= 0:
            raise RecipeError(f"splits.block_km must be positive, got {self.block_km}")
        if len(self.fractions) != 3 or abs(sum(self.fractions) - 1) > 1e-6:
            raise RecipeError(
                f"splits.fractions must be 3 shares summing to 1, got {self.fractions}"
            )
        if self.bench_per_class < 0:
            raise RecipeError("splits.bench_per_class must be ≥ 0")


@dataclass(frozen=True)
class OutputSpec:
    """Where and how the dataset is written."""

    unit_patches: int = 8  # a unit of work is a window of unit_patches × unit_patches patches
    write_images: bool = True
    write_previews: bool = True
    workers: int = 0  # worker processes; 0 = one per CPU core
    # A Dask scheduler (tcp://HOST:PORT) to run the units on; None = this machine.
    scheduler: str | None = field(default=None, metadata={"run_only": True})

    def __post_init__(self) -> None:
        if self.unit_patches < 1:
            raise RecipeError(f"output.unit_patches must be ≥ 1, got {self.unit_patches}")
        if self.scheduler is not None and "://" not in self.scheduler:
            raise RecipeError(
                f"output.scheduler must be a Dask scheduler address such as "
                f"tcp://10.0.0.5:8786, got {self.scheduler!r}"
            )
        if self.workers < 0:
            raise RecipeError(f"output.workers must be ≥ 0 (0 = one per core), got {self.workers}")


@dataclass(frozen=True)
class Recipe:
    """A whole build: sources, grid, filters, annotators, output and the random seed."""

    sources: tuple[SourceSpec, ...]
    seed: int = 0
    name: str = "eotext-dataset"
    grid: GridSpec = field(default_factory=GridSpec)
    filters: FilterSpec = field(default_factory=FilterSpec)
    annotate: AnnotateSpec = field(default_factory=AnnotateSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    splits: SplitSpec = field(default_factory=SplitSpec)
    unknown_codes: str = "error"

    def __post_init__(self) -> None:
        if not self.sources:
            raise RecipeError("the recipe has no sources; add a [[sources]] table")
        if self.unknown_codes not in UNKNOWN_CODE_POLICIES:
            raise RecipeError(
                f"unknown_codes must be one of {UNKNOWN_CODE_POLICIES}, got {self.unknown_codes!r}"
            )
        self._check_osm()

    def _check_osm(self) -> None:
        wants_osm = "osm" in self.annotate.kinds
        if wants_osm and self.annotate.osm.file is None and not any(s.osm for s in self.sources):
            raise RecipeError(
                'the "osm" annotator needs OpenStreetMap data: set `file` in [annotate.osm] '
                "or `osm` in a source (on the command line: --osm FILE)"
            )
        for s in self.sources:
            if s.osm is None or s.image is not None or s.labels is not None:
                continue
            name = s.id or Path(s.osm).name
            if not wants_osm:
                raise RecipeError(
                    f'source {name} has only OpenStreetMap data; add "osm" to [annotate] kinds '
                    "(--annotate osm) so its patches get captions"
                )
            if self.grid.gsd_m is None:
                raise RecipeError(
                    f"source {name} has no imagery, so the grid needs a ground sampling "
                    "distance: set gsd_m in [grid] (--gsd), for example gsd_m = 1.0"
                )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def fingerprint(self) -> str:
        """A hash of everything that decides the dataset's content (not workers or unit size).

        Source paths are reduced to file names, so moving the data does not orphan a build.
        """
        d = self.to_dict()
        d.pop("output", None)
        if "llm" in self.annotate.kinds:
            for key in LLM_RUN_SETTINGS:
                d["annotate"]["llm"].pop(key)
        else:  # recipes without LLM captions keep the fingerprint they had before it existed
            d["annotate"].pop("llm")
        for s in d["sources"]:
            for key in ("image", "labels", "s1", "osm"):
                if s[key] and s[key] != "scl":
                    s[key] = Path(s[key]).name
            s["layers"] = [[n, Path(p).name] for n, p in s["layers"]]
            if s["osm"] is None:
                s.pop("osm")  # recipes without OSM keep the fingerprints they had
            if s["stac"] is None:
                s.pop("stac")  # and those without STAC too
        osm = d["annotate"].pop("osm")
        if "osm" in self.annotate.kinds:
            osm.pop("location_index")  # where node locations live does not change the data
            osm["file"] = Path(osm["file"]).name if osm["file"] else None
            d["annotate"]["osm"] = osm
        blob = json.dumps(d, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a TOML recipe.

    Raises:
        RecipeError: the file is missing, not TOML, or holds unknown or invalid settings.
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"recipe {p} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"recipe {p} is not valid TOML: {exc}") from exc
    return recipe_from_dict(doc, base_dir=p.resolve().parent)


def recipe_from_dict(doc: dict[str, Any], base_dir: Path | None = None) -> Recipe:
    """Build a recipe from a parsed TOML document; relative paths resolve against ``base_dir``."""
    doc = dict(doc)
    base = base_dir or Path.cwd()
    try:
        sources = tuple(_source(dict(s), base) for s in doc.pop("sources", []))
        annotate_doc = dict(doc.pop("annotate", {}))
        annotate = AnnotateSpec(
            kinds=tuple(annotate_doc.pop("kinds", ("caption",))),
            template=_build(TemplateSpec, "annotate.template", annotate_doc.pop("template", {})),
            osm=_osm_spec(dict(annotate_doc.pop("osm", {})), base),
            llm=_llm(dict(annotate_doc.pop("llm", {}))),
        )
        _no_leftovers("annotate", annotate_doc)
        recipe = Recipe(
            sources=sources,
            seed=int(doc.pop("seed", 0)),
            name=str(doc.pop("name", "eotext-dataset")),
            grid=_build(GridSpec, "grid", doc.pop("grid", {})),
            filters=_build(FilterSpec, "filters", doc.pop("filters", {})),
            annotate=annotate,
            output=_build(OutputSpec, "output", doc.pop("output", {})),
            splits=_splits(doc.pop("splits", {})),
            unknown_codes=str(doc.pop("unknown_codes", "error")),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, RecipeError):
            raise
        raise RecipeError(f"invalid recipe: {exc}") from exc
    _no_leftovers("recipe", doc)
    return recipe


def resolve_path(value: str, base: Path) -> str:
    """Expand ``~`` and environment variables, and anchor relative paths at ``base``."""
    expanded = os.path.expanduser(os.path.expandvars(value))
    if "://" in expanded or expanded.startswith("/vsi"):
        return expanded
    p = Path(expanded)
    return str(p if p.is_absolute() else (base / p).resolve())


def _osm_spec(d: dict[str, Any], base: Path) -> OsmSpec:
    if d.get("file"):
        d["file"] = resolve_path(str(d["file"]), base)
    if "styles" in d:
        d["styles"] = tuple(str(x) for x in d["styles"])
    if "rules" in d and not isinstance(d["rules"], dict):
        raise RecipeError("[annotate.osm.rules] must be a table of rule overrides")
    return _build(OsmSpec, "annotate.osm", d)


def _source(d: dict[str, Any], base: Path) -> SourceSpec:
    for key in ("image", "labels", "s1", "osm"):
        if d.get(key) and d[key] != "scl":
            d[key] = resolve_path(str(d[key]), base)
    if "bands" in d:
        d["bands"] = tuple(str(b) for b in d["bands"])
    if "stac" in d:
        d["stac"] = _stac_query(d["stac"], base)
    layers = d.pop("layers", {})
    if not isinstance(layers, dict):
        raise RecipeError('sources.layers must be a table of name = "path"')
    d["layers"] = tuple((str(k), resolve_path(str(v), base)) for k, v in layers.items())
    return _build(SourceSpec, "sources", d)


def _stac_query(d: Any, base: Path) -> StacQuery:
    """``stac = { url = ..., collection = ..., bbox = [W, S, E, N], ... }`` of a source."""
    if isinstance(d, str):
        d = {"url": d}
    if not isinstance(d, dict):
        raise RecipeError('sources.stac must be a URL or a table such as { url = "..." }')
    d = dict(d)
    if "url" in d:
        d["url"] = resolve_path(str(d["url"]), base)
    if "bbox" in d:
        d["bbox"] = tuple(float(x) for x in d["bbox"])
    return _build(StacQuery, "sources.stac", d)


def _llm(d: dict[str, Any]) -> LlmSpec:
    if "endpoint" in d:
        d["base_url"] = d.pop("endpoint")
    d["prompts"] = _build(PromptSpec, "annotate.llm.prompts", dict(d.pop("prompts", {})))
    return _build(LlmSpec, "annotate.llm", d)


def _splits(d: dict[str, Any]) -> SplitSpec:
    d = dict(d)
    if "fractions" in d:
        d["fractions"] = tuple(float(x) for x in d["fractions"])
    return _build(SplitSpec, "splits", d)


def _build(cls: type[_T], section: str, d: dict[str, Any]) -> _T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(d) - names)
    if unknown:
        raise RecipeError(
            f"[{section}] has unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(names))}"
        )
    return cls(**d)


def _no_leftovers(section: str, d: dict[str, Any]) -> None:
    if d:
        raise RecipeError(f"[{section}] has unknown setting(s) {', '.join(sorted(d))}")


__all__ = [
    "AnnotateSpec",
    "FilterSpec",
    "GridSpec",
    "LlmSpec",
    "OsmSpec",
    "OutputSpec",
    "Recipe",
    "SourceSpec",
    "SplitSpec",
    "TemplateSpec",
    "load_recipe",
    "recipe_from_dict",
    "resolve_path",
]
