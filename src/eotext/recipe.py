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
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from eotext.errors import RecipeError
from eotext.llm.prompts import PromptSpec

IMAGE_FORMATS = ("auto", "safe", "bands", "geotiff", "bigearthnet", "s1")
EDGE_POLICIES = ("shift", "drop")
UNKNOWN_CODE_POLICIES = ("error", "unlabelled")
_T = TypeVar("_T")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RESOLVED_RULES: dict[str, Any] = {}


@dataclass(frozen=True)
class GridSpec:
    """How scenes are cut: patch size and stride in pixels, optional target CRS and GSD."""

    patch_size: int = 256
    stride: int | None = None
    gsd_m: float | None = None
    crs: str | None = None
    edge: str = "shift"

    def __post_init__(self) -> None:
        if self.patch_size < 8:
            raise RecipeError(f"grid.patch_size must be at least 8 px, got {self.patch_size}")
        if self.stride is not None and self.stride < 1:
            raise RecipeError(f"grid.stride must be a positive number of pixels, got {self.stride}")
        if self.gsd_m is not None and self.gsd_m <= 0:
            raise RecipeError(f"grid.gsd_m must be positive, got {self.gsd_m}")
        if self.edge not in EDGE_POLICIES:
            raise RecipeError(f"grid.edge must be one of {EDGE_POLICIES}, got {self.edge!r}")

    @property
    def step(self) -> int:
        return self.stride or self.patch_size


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
class SourceSpec:
    """One scene: imagery and/or a label map, plus optional extra single-band layers.

    Attributes:
        id: scene id used in patch ids; default: derived from the file names.
        image: a SAFE folder, a folder of per-band rasters, a multi-band GeoTIFF, or a
            BigEarthNet v1 patch folder (or a folder of them).
        image_format: how to read ``image`` (``auto`` guesses from the path).
        bands: band names to keep, in order (default: all spectral bands).
        labels: a label raster, or ``"scl"`` to use the product's Scene Classification.
        scheme: land-cover scheme of ``labels`` (see ``eotext schemes``).
        layers: extra single-band rasters stacked after the bands, name → path (e.g. NDVI).
        cloud_mask: mask clouds and cloud shadows with the product's SCL when it has one.
        s1: Sentinel-1 VV/VH to co-register with the imagery: a folder of VV/VH rasters, or
            for BigEarthNet sources the root of the S1 patch folders (paired by
            ``corresponding_s2_patch``).
        max_s1_s2_days: drop patches whose S1 and S2 acquisitions are further apart.
        require_s1: drop patches without a Sentinel-1 partner (reason ``no_s1_pair``).
        patch_size / stride: per-source overrides of the grid.
        osm: an OpenStreetMap extract (``.osm.pbf`` / ``.osm``). With ``image`` or ``labels``,
            its objects caption this source's patches (``[annotate] kinds`` with ``"osm"``);
            alone, the source is a grid at ``grid.gsd_m`` over the extract's area, without
            imagery, whose previews are drawn from the map.
    """

    id: str | None = None
    image: str | None = None
    image_format: str = "auto"
    bands: tuple[str, ...] | None = None
    labels: str | None = None
    scheme: str | None = None
    layers: tuple[tuple[str, str], ...] = ()
    cloud_mask: bool = True
    s1: str | None = None
    max_s1_s2_days: float = 30.0
    require_s1: bool = False
    patch_size: int | None = None
    stride: int | None = None
    osm: str | None = None

    def __post_init__(self) -> None:
        if self.image is None and self.labels is None and self.osm is None:
            raise RecipeError("a source needs `image`, `labels` or `osm` (or several of them)")
        if self.labels is not None and self.scheme is None and self.labels != "scl":
            raise RecipeError(
                f"source {self.id or self.labels}: `labels` needs a `scheme` "
                '(for example scheme = "worldcover"; list them with `eotext schemes`)'
            )
        if self.labels == "scl" and self.image is None:
            raise RecipeError('labels = "scl" needs an `image` product that carries an SCL')
        if self.image_format not in IMAGE_FORMATS:
            raise RecipeError(
                f"image_format must be one of {IMAGE_FORMATS}, got {self.image_format!r}"
            )
        if self.id is not None and not _ID_RE.match(self.id):
            raise RecipeError(
                f"source id {self.id!r} may hold only letters, digits, '_', '-' and '.'"
            )


@dataclass(frozen=True)
class TemplateSpec:
    """Template captions: ``[annotate.template]``."""

    detailed_captions: bool = True
    short_captions: bool = True


LLM_MODES = ("text", "paraphrase", "vision")
LLM_ERROR_POLICIES = ("skip", "stop")
#: [annotate.llm] settings that decide how requests are sent, not what the dataset holds.
LLM_RUN_SETTINGS = (
    "concurrency",
    "timeout_s",
    "retries",
    "backoff_s",
    "max_backoff_s",
    "api_key_env",
    "on_error",
    "dry_run",
)


@dataclass(frozen=True)
class LlmSpec:
    """LLM captions: ``[annotate.llm]``.

    Attributes:
        base_url: an OpenAI-compatible endpoint (``endpoint`` is accepted as an alias).
        model: the model name, stored as ``generator = "llm:<model>"``.
        mode: ``text`` (ChatEarthNet's prompt from the statistics) or ``paraphrase`` (rewrite
            the template caption, which stays as the fallback) or ``vision`` (ChatEarthNet's
            GPT-4V path: four label-map images per request; needs a multimodal model).
        concurrency: requests in flight per worker process.
        max_tokens / temperature: generation parameters (ChatEarthNet used 300 tokens).
        retries: further attempts after 429, 5xx, timeouts, connection errors, bad shapes.
        validation_retries: further attempts when an answer fails validation.
        timeout_s: per-request timeout.
        backoff_s / max_backoff_s: first retry wait (doubled each time) and its cap.
        price_per_1k_prompt / price_per_1k_completion: for the cost in the manifest.
        api_key_env: the environment variable that holds the API key (never stored).
        on_error: a prompt that gets no answer is ``skip``-ped (counted) or ``stop``-s the build.
        dry_run: build prompts and estimate tokens and cost without sending anything.
        prompts: the prompt templates (ChatEarthNet's by default).
    """

    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = ""
    mode: str = "text"
    concurrency: int = 8
    max_tokens: int = 300
    temperature: float = 1.0
    retries: int = 5
    validation_retries: int = 1
    timeout_s: float = 60.0
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    price_per_1k_prompt: float = 0.0
    price_per_1k_completion: float = 0.0
    api_key_env: str = "OPENAI_API_KEY"
    on_error: str = "skip"
    dry_run: bool = False
    prompts: PromptSpec = field(default_factory=PromptSpec)

    def __post_init__(self) -> None:
        if self.mode not in LLM_MODES:
            raise RecipeError(f"annotate.llm.mode must be one of {LLM_MODES}, got {self.mode!r}")
        if self.on_error not in LLM_ERROR_POLICIES:
            raise RecipeError(
                f"annotate.llm.on_error must be one of {LLM_ERROR_POLICIES}, got {self.on_error!r}"
            )
        if "://" not in self.base_url:
            raise RecipeError(
                f"annotate.llm.base_url must be a URL such as http://127.0.0.1:8080/v1, "
                f"got {self.base_url!r}"
            )
        for name in ("concurrency", "max_tokens"):
            if getattr(self, name) < 1:
                raise RecipeError(f"annotate.llm.{name} must be ≥ 1, got {getattr(self, name)}")
        for name in ("retries", "validation_retries"):
            if getattr(self, name) < 0:
                raise RecipeError(f"annotate.llm.{name} must be ≥ 0, got {getattr(self, name)}")
        if self.timeout_s <= 0:
            raise RecipeError(f"annotate.llm.timeout_s must be positive, got {self.timeout_s}")


@dataclass(frozen=True)
class OsmSpec:
    """OpenStreetMap captions: ``[annotate.osm]``.

    Attributes:
        file: the OSM extract joined to every source that has no ``osm`` of its own.
        styles: which SkyScript captions to write: ``title`` (the focus object) and
            ``title_multi_objects`` (the focus and its surroundings).
        location_index: where node locations are kept while reading: ``memory``, ``disk`` or
            ``auto`` (disk for extracts over 512 MB).
        rules: overrides of the visibility rules (:data:`eotext.osm.rules.DEFAULT_RULES`):
            tables merge entry by entry, lists and numbers replace.
    """

    file: str | None = None
    styles: tuple[str, ...] = ("title", "title_multi_objects")
    location_index: str = "auto"
    rules: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        styles = ("title", "title_multi_objects")
        bad = [s for s in self.styles if s not in styles]
        if bad or not self.styles:
            raise RecipeError(
                f"annotate.osm.styles must be a non-empty list of {styles}, got {list(self.styles)}"
            )
        if self.location_index not in ("auto", "memory", "disk"):
            raise RecipeError(
                "annotate.osm.location_index must be 'auto', 'memory' or 'disk', "
                f"got {self.location_index!r}"
            )
        self.resolved_rules()  # raises RecipeError on a bad override

    def resolved_rules(self) -> Any:
        """The default rules with this recipe's overrides (:class:`eotext.osm.rules.OsmRules`)."""
        from eotext.osm.rules import DEFAULT_RULES

        if not self.rules:
            return DEFAULT_RULES
        key = json.dumps(self.rules, sort_keys=True, default=str)
        if key not in _RESOLVED_RULES:  # merged once per process, not per patch
            _RESOLVED_RULES[key] = DEFAULT_RULES.with_overrides(self.rules)
        return _RESOLVED_RULES[key]


@dataclass(frozen=True)
class AnnotateSpec:
    """Which annotators run (``[annotate] kinds``), and their settings."""

    kinds: tuple[str, ...] = ("caption",)
    template: TemplateSpec = field(default_factory=TemplateSpec)
    osm: OsmSpec = field(default_factory=OsmSpec)
    llm: LlmSpec = field(default_factory=LlmSpec)

    def __post_init__(self) -> None:
        from eotext.annotate import ANNOTATORS

        unknown = [k for k in self.kinds if k not in ANNOTATORS]
        if unknown:
            raise RecipeError(
                f"unknown annotator(s) {', '.join(unknown)}; choose from {', '.join(ANNOTATORS)}"
            )
        if "llm" in self.kinds and not self.llm.model:
            raise RecipeError(
                "the llm annotator needs a model: set `model` in [annotate.llm] or --llm-model"
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

    def __post_init__(self) -> None:
        if self.unit_patches < 1:
            raise RecipeError(f"output.unit_patches must be ≥ 1, got {self.unit_patches}")
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
    layers = d.pop("layers", {})
    if not isinstance(layers, dict):
        raise RecipeError('sources.layers must be a table of name = "path"')
    d["layers"] = tuple((str(k), resolve_path(str(v), base)) for k, v in layers.items())
    return _build(SourceSpec, "sources", d)


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
