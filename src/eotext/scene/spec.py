"""What a scene is made of and how it is cut: the settings the scene layer takes.

:class:`SourceSpec` names the files of one source; :class:`GridSpec` the patch grid, already
merged with the source's own overrides when the recipe is parsed (see :mod:`eotext.config`).

Field metadata tells the recipe layer how to read and fingerprint a setting
(see :mod:`eotext.config.fingerprint`): ``"path"`` fields are file paths, ``"derived"`` ones are
computed here, not written in a recipe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eotext.errors import RecipeError
from eotext.sources.registry import IMAGE_FORMATS
from eotext.sources.stac_search import StacQuery

EDGE_POLICIES = ("shift", "drop")
MIN_PATCH_PX = 8
_PATH: dict[str, object] = {"fingerprint": "path"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class GridSpec:
    """How scenes are cut: patch size and stride in pixels, optional target CRS and GSD."""

    patch_size: int = 256
    stride: int | None = None
    gsd_m: float | None = None
    crs: str | None = None
    edge: str = "shift"

    def __post_init__(self) -> None:
        if self.patch_size < MIN_PATCH_PX:
            raise RecipeError(
                f"grid.patch_size must be at least {MIN_PATCH_PX} px, got {self.patch_size}"
            )
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
class SourceSpec:
    """One scene: imagery and/or a label map, plus optional extra single-band layers.

    Attributes:
        id: scene id used in patch ids; default: derived from the file names.
        image: a SAFE folder, a folder of per-band rasters, a multi-band GeoTIFF, a STAC item
            JSON, a BigEarthNet v1 patch folder (or a folder of them), a BigEarthNet v2 root
            (``BigEarthNet-S2/`` and ``metadata.parquet``), ... (one of the formats in
            :data:`eotext.sources.registry.FORMATS`).
        image_format: how to read ``image``: a format name, or ``auto`` to sniff the path.
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
        grid: the grid this source is cut on: the recipe's ``[grid]`` with ``patch_size`` and
            ``stride`` overridden (a ``patch_size`` alone also resets the stride to it).
            Give the recipe's grid; the overrides are merged on construction.
        osm: an OpenStreetMap extract (``.osm.pbf`` / ``.osm``). With ``image`` or ``labels``,
            its objects caption this source's patches (``[annotate] kinds`` with ``"osm"``);
            alone, the source is a grid at ``grid.gsd_m`` over the extract's area, without
            imagery, whose previews are drawn from the map.
        stac: STAC items to use as imagery instead of ``image``, one scene each: a table
            ``{ url = ..., collection = ..., bbox = [W, S, E, N], datetime = "A/B",
            max_items = ..., max_cloud_cover = ... }`` (see
            :class:`eotext.sources.stac_search.StacQuery`).
    """

    id: str | None = None
    image: str | None = field(default=None, metadata=_PATH)
    image_format: str = "auto"
    bands: tuple[str, ...] | None = None
    labels: str | None = field(default=None, metadata={"fingerprint": "path", "literals": ("scl",)})
    scheme: str | None = None
    layers: tuple[tuple[str, str], ...] = field(default=(), metadata=_PATH)
    cloud_mask: bool = True
    s1: str | None = field(default=None, metadata=_PATH)
    max_s1_s2_days: float = 30.0
    require_s1: bool = False
    patch_size: int | None = None
    stride: int | None = None
    # Added after datasets were built: left out of their fingerprints while unset.
    osm: str | None = field(default=None, metadata={"fingerprint": "path", "omit_default": True})
    grid: GridSpec = field(
        default_factory=GridSpec, metadata={"fingerprint": "derived", "toml": False}
    )
    # Added after datasets were built, like osm: hashed only when set.
    stac: StacQuery | None = field(default=None, metadata={"omit_default": True})

    def __post_init__(self) -> None:
        self._check()
        for name in ("patch_size", "stride"):
            value = getattr(self, name)
            if value is not None and value < (MIN_PATCH_PX if name == "patch_size" else 1):
                least = f"at least {MIN_PATCH_PX} px" if name == "patch_size" else "positive"
                raise RecipeError(
                    f"source {self.id or self.image or self.labels or self.osm}: "
                    f"{name} must be {least}, got {value}"
                )
        # The overrides are merged here, once: the scene layer reads only ``grid``.
        merged = GridSpec(
            patch_size=self.patch_size or self.grid.patch_size,
            stride=self.stride or (self.grid.stride if not self.patch_size else None),
            gsd_m=self.grid.gsd_m,
            crs=self.grid.crs,
            edge=self.grid.edge,
        )
        object.__setattr__(self, "grid", merged)

    def _check(self) -> None:
        if self.image is None and self.labels is None and self.osm is None and self.stac is None:
            raise RecipeError(
                "a source needs `image`, `stac`, `labels` or `osm` (or several of them)"
            )
        if self.image is not None and self.stac is not None:
            raise RecipeError(
                f"source {self.id or self.image}: give `image` or `stac`, not both; "
                "make them two sources"
            )
        if self.labels is not None and self.scheme is None and self.labels != "scl":
            raise RecipeError(
                f"source {self.id or self.labels}: `labels` needs a `scheme` "
                '(for example scheme = "worldcover"; list them with `eotext schemes`)'
            )
        if self.labels == "scl" and self.image is None and self.stac is None:
            raise RecipeError(
                'labels = "scl" needs an `image` product (or `stac` items) that carries an SCL'
            )
        if self.image_format not in IMAGE_FORMATS:
            raise RecipeError(
                f"image_format must be one of {IMAGE_FORMATS}, got {self.image_format!r}"
            )
        if self.id is not None and not _ID_RE.match(self.id):
            raise RecipeError(
                f"source id {self.id!r} may hold only letters, digits, '_', '-' and '.'"
            )
