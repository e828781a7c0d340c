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
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eotext.config.convert import Origin, convert, resolve_path
from eotext.config.fingerprint import fingerprint
from eotext.errors import RecipeError
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.sources.bigearthnet_v2 import FLAGS
from eotext.text.llm.prompts import PromptSpec
from eotext.text.spec import AnnotateSpec, LlmSpec, OsmSpec, TemplateSpec

UNKNOWN_CODE_POLICIES = ("error", "unlabelled")
#: Per-patch flags a source may set, by the drop reason that names them (``[filters]
#: drop_flags``); today BigEarthNet v2's.
DROP_FLAGS = tuple(FLAGS)


@dataclass(frozen=True)
class FilterSpec:
    """Which patches to keep. Every drop is counted by reason in the manifest.

    Near-duplicates (open ocean, a field larger than the patch) are not capped by default:
    ``max_dominant_share`` (e.g. 0.98) drops every patch whose first class covers that share
    or more (``near_uniform``); ``max_same_composition`` (e.g. 3) keeps at most that many
    patches of a build unit with the same class composition in whole percent, ChatEarthNet's
    rounding, so 100 % water counts as one composition (``near_duplicate``).
    """

    min_valid_fraction: float = 0.5
    max_cloud_fraction: float = 0.2
    max_dominant_share: float | None = None  # e.g. 0.98 drops near-uniform patches
    #: Source flags that drop a patch, each counted under its own name (BigEarthNet v2:
    #: "seasonal_snow", "cloud_or_shadow"). None by default; hashed only when set, so
    #: datasets built before it existed keep their fingerprints.
    drop_flags: tuple[str, ...] = field(default=(), metadata={"omit_default": True})
    # e.g. 3 keeps 3 all-water patches per unit; added later, so unset leaves fingerprints alone
    max_same_composition: int | None = field(default=None, metadata={"omit_default": True})

    def __post_init__(self) -> None:
        unknown = sorted(set(self.drop_flags) - set(DROP_FLAGS))
        if unknown:
            raise RecipeError(
                f"filters.drop_flags: unknown flag(s) {', '.join(unknown)}; known: "
                f"{', '.join(DROP_FLAGS)}"
            )
        for name in ("min_valid_fraction", "max_cloud_fraction"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise RecipeError(f"filters.{name} must lie in [0, 1], got {v}")
        if self.max_dominant_share is not None and not 0 < self.max_dominant_share <= 1:
            raise RecipeError(
                f"filters.max_dominant_share must lie in (0, 1], got {self.max_dominant_share}"
            )
        if self.max_same_composition is not None and self.max_same_composition < 1:
            raise RecipeError(
                "filters.max_same_composition must be ≥ 1 (or left out for no cap), got "
                f"{self.max_same_composition}"
            )


@dataclass(frozen=True)
class SplitSpec:
    """Spatially blocked splits: ``[splits]``."""

    block_km: float = 10.0
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, val, test
    bench_per_class: int = 5
    #: Keep the split the source assigns (BigEarthNet v2's train/validation/test); false
    #: gives every patch eotext's spatial split. Hashed only when false (see drop_flags).
    keep_source: bool = field(default=True, metadata={"omit_default": True})

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

    # A unit of work is a window of unit_patches × unit_patches patches; 0 lets each scene
    # choose (eotext.scene.tiling.unit_patches_for). A folder keeps the unit size it was
    # started with, so resuming with another one neither duplicates nor drops.
    unit_patches: int = field(default=0, metadata={"fingerprint": "run"})
    # Which files are written: part of the fingerprint (a folder must not be half without
    # images), but only when changed, so existing datasets keep their fingerprints.
    write_images: bool = field(default=True, metadata={"omit_default": True})
    write_previews: bool = field(default=True, metadata={"omit_default": True})
    workers: int = field(default=0, metadata={"fingerprint": "run"})  # 0 = one per CPU core
    # A Dask scheduler (tcp://HOST:PORT) to run the units on; None = this machine.
    scheduler: str | None = field(default=None, metadata={"fingerprint": "run"})
    # Check every text against its label patch after the build (eotext.verify). Every build
    # checks all texts again, so switching it does not change what a resume must redo.
    verify: bool = field(default=True, metadata={"fingerprint": "run"})

    def __post_init__(self) -> None:
        if self.unit_patches < 0:
            raise RecipeError(
                f"output.unit_patches must be ≥ 1, or 0 to let each scene choose; got "
                f"{self.unit_patches}"
            )
        if self.workers < 0:
            raise RecipeError(f"output.workers must be ≥ 0 (0 = one per core), got {self.workers}")
        if self.scheduler is not None and "://" not in self.scheduler:
            raise RecipeError(
                "output.scheduler must be a Dask scheduler address such as "
                f"tcp://10.0.0.5:8786, got {self.scheduler!r}"
            )


@dataclass(frozen=True)
class Recipe:
    """A whole build: sources, grid, filters, annotators, output and the random seed."""

    sources: tuple[SourceSpec, ...] = ()
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
        # Each source carries the grid it is cut on: [grid] with its own overrides.
        object.__setattr__(self, "sources", tuple(replace(s, grid=self.grid) for s in self.sources))
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
            if s.osm is None or s.image is not None or s.labels is not None or s.stac is not None:
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
        """A hash of everything that decides the dataset's content (see :mod:`.fingerprint`).

        Run settings (workers, unit size, the LLM endpoint, concurrency, timeouts) are left
        out, and source paths are reduced to file names, so moving the data or restarting a
        model server elsewhere does not orphan a build.
        """
        return fingerprint(self)


def read_toml(path: str | Path) -> dict[str, Any]:
    """The parsed TOML document of a recipe file.

    Raises:
        RecipeError: the file is missing, unreadable, not UTF-8 or not TOML.
    """
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"recipe {p} does not exist; check the path") from None
    except IsADirectoryError:
        raise RecipeError(f"recipe {p} is a folder; give the .toml file inside it") from None
    except UnicodeDecodeError as exc:
        raise RecipeError(
            f"recipe {p} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"recipe {p} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise RecipeError(f"recipe {p} cannot be read: {exc.strerror or exc}") from None


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a TOML recipe.

    Raises:
        RecipeError: the file is missing, not TOML, or holds unknown or invalid settings.
    """
    p = Path(path)
    return recipe_from_dict(read_toml(p), origin=Origin(file=str(p), base_dir=p.resolve().parent))


def recipe_from_dict(
    doc: dict[str, Any], base_dir: Path | None = None, origin: Origin | None = None
) -> Recipe:
    """Build a recipe from a parsed TOML document; relative paths resolve against ``base_dir``.

    Every value is checked against the type of its field (see :mod:`.convert`).

    Raises:
        RecipeError: an unknown key, a wrong type or an invalid setting, named by its path.
    """
    if origin is None:
        origin = Origin(base_dir=base_dir or Path.cwd())
    return convert(Recipe, doc, origin)


__all__ = [
    "AnnotateSpec",
    "FilterSpec",
    "GridSpec",
    "LlmSpec",
    "OsmSpec",
    "OutputSpec",
    "PromptSpec",
    "Recipe",
    "SourceSpec",
    "SplitSpec",
    "TemplateSpec",
    "load_recipe",
    "read_toml",
    "recipe_from_dict",
    "resolve_path",
]
