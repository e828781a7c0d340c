"""Scenes: every layer of one source put on one grid, read window by window.

A :class:`Scene` is a plain, picklable description (paths, grid, scheme) so units of work can be
shipped to other processes; :meth:`Scene.open` gives a :class:`SceneReader` that holds the files
open while a unit reads its windows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling

from eotext.errors import RecipeError, SourceError, UnknownClassCodeError
from eotext.model import PixelWindow
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.schemes import Scheme, get_scheme
from eotext.schemes.corine import bigearthnet_label_codes
from eotext.schemes.scl import SCL_CLOUD, SCL_CLOUD_SHADOW, SCL_DEFECTIVE, SCL_NODATA
from eotext.sources.bigearthnet import find_bigearthnet_patches, read_bigearthnet_patch
from eotext.sources.grid import Grid, reprojected_grid
from eotext.sources.imagery import BandFile, Imagery
from eotext.sources.raster import AlignedReader, grid_of, open_raster, overlaps
from eotext.sources.sentinel1 import bigearthnet_s1_pairs, find_polarisations, read_s1
from eotext.sources.sentinel2 import is_safe, read_band_folder, read_multiband, read_safe

log = logging.getLogger(__name__)

_CLOUDY = np.array(sorted(SCL_CLOUD | SCL_CLOUD_SHADOW), dtype=np.int64)
_NO_DATA_SCL = np.array(sorted(SCL_NODATA | SCL_DEFECTIVE), dtype=np.int64)


@dataclass(frozen=True)
class Scene:
    """One source resolved onto a grid.

    Attributes:
        scene_id: stable id, the prefix of every patch id.
        grid: the grid every layer is read onto.
        imagery: band files, or None for a label map alone.
        layers: extra single-band layers stacked after the bands, as band files.
        label_path / scheme: the label map and its scheme, or None.
        cloud_path: an SCL raster used to mask clouds and cloud shadows, or None.
        multilabels: scene-level labels (BigEarthNet), names in ``scheme``.
        whole_scene: the scene is one patch (BigEarthNet), whatever the patch size.
        osm_path: an OpenStreetMap extract whose objects caption the patches, or None. A scene
            with neither imagery nor labels is a grid over this extract alone.
    """

    scene_id: str
    grid: Grid
    imagery: Imagery | None
    layers: tuple[BandFile, ...] = ()
    label_path: str | None = None
    scheme: Scheme | None = None
    cloud_path: str | None = None
    multilabels: tuple[str, ...] = ()
    whole_scene: bool = False
    grid_spec: GridSpec = field(default_factory=GridSpec)
    s1_acquired: str | None = None
    skip_reason: str | None = None  # every patch of the scene is dropped for this reason
    osm_path: str | None = None

    @property
    def osm_only(self) -> bool:
        """A grid over an OSM extract, without imagery or labels."""
        return self.osm_path is not None and self.imagery is None and self.label_path is None

    @property
    def sensor(self) -> str:
        return self.imagery.sensor if self.imagery else "none"

    @property
    def acquired(self) -> str | None:
        return self.imagery.acquired if self.imagery else None

    @property
    def band_names(self) -> tuple[str, ...]:
        bands = self.imagery.band_names if self.imagery else ()
        return bands + tuple(b.name for b in self.layers)

    @property
    def all_bands(self) -> tuple[BandFile, ...]:
        return (self.imagery.bands if self.imagery else ()) + self.layers

    def open(self) -> SceneReader:
        return SceneReader(self)


@dataclass
class WindowData:
    """The layers of one window: arrays are (rows, cols) except ``image`` (bands, rows, cols)."""

    image: np.ndarray[Any, Any] | None
    labels: np.ndarray[Any, Any] | None
    data: np.ndarray[Any, Any]  # pixel has data in every layer present
    cloud: np.ndarray[Any, Any]  # pixel is cloud or cloud shadow
    unknown: np.ndarray[Any, Any]  # label code not in the scheme ("unlabelled" policy)


class SceneReader:
    """Holds a scene's files open and reads aligned windows of all its layers."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self._readers: list[AlignedReader] = []
        try:
            self._bands = [
                self._open(b.path, _resampling_for(b, scene.grid), [b.index])
                for b in scene.all_bands
            ]
            self._labels = (
                self._open(scene.label_path, Resampling.nearest) if scene.label_path else None
            )
            self._cloud = (
                self._open(scene.cloud_path, Resampling.nearest) if scene.cloud_path else None
            )
        except Exception:
            self.close()
            raise
        self._valid_codes = (
            np.array(sorted(scene.scheme.codes), dtype=np.int64) if scene.scheme else None
        )
        label_nodata = set(scene.scheme.nodata) if scene.scheme else set()
        if self._labels is not None and self._labels.nodata is not None:
            label_nodata.add(int(self._labels.nodata))
        self._label_nodata = np.array(sorted(label_nodata), dtype=np.int64)

    def _open(
        self, path: str, resampling: Resampling, bands: list[int] | None = None
    ) -> AlignedReader:
        reader = AlignedReader(path, self.scene.grid, resampling, bands)
        self._readers.append(reader)
        return reader

    def read(self, window: PixelWindow, unknown_codes: str = "error") -> WindowData:
        """Read every layer over ``window``.

        Args:
            window: pixels of the scene grid.
            unknown_codes: ``"error"`` raises on label codes the scheme does not define;
                ``"unlabelled"`` treats them as unlabelled pixels and reports them.

        Raises:
            UnknownClassCodeError: unknown codes under the ``"error"`` policy.
        """
        shape = (window.height, window.width)
        data = np.ones(shape, dtype=bool)
        image = None
        if self._bands:
            image = np.concatenate([r.read(window) for r in self._bands], axis=0)
            nodata = self.scene.imagery.nodata if self.scene.imagery else None
            n_img = len(self.scene.imagery.bands) if self.scene.imagery else 0
            if nodata is not None and n_img:
                data &= ~np.all(image[:n_img] == nodata, axis=0)
        labels = None
        unknown = np.zeros(shape, dtype=bool)
        if self._labels is not None:
            labels = self._labels.read(window)[0]
            assert self._valid_codes is not None and self.scene.scheme is not None
            if self._label_nodata.size:
                data &= ~_is_member(labels, self._label_nodata)
            # A histogram tells cheaply whether any unknown code is present at all; windows
            # without data (open ocean in a WorldCover tile) need no check.
            present = _codes_present(labels) if data.any() else np.empty(0, dtype=np.int64)
            known = np.concatenate([self._valid_codes, self._label_nodata])
            if present is None or np.setdiff1d(present, known).size:
                unknown = data & ~_is_member(labels, self._valid_codes)
            if unknown.any():
                if unknown_codes == "error":
                    codes = sorted(int(c) for c in np.unique(labels[unknown]))
                    raise UnknownClassCodeError(
                        f"{self.scene.label_path}: codes {codes[:20]} in pixels "
                        f"{window} are not classes of scheme '{self.scene.scheme.name}' "
                        f"(valid: {list(self.scene.scheme.codes)}); pick the right --scheme, or "
                        'set unknown_codes = "unlabelled" to count them as unlabelled'
                    )
                data &= ~unknown
        cloud = np.zeros(shape, dtype=bool)
        if self._cloud is not None:
            scl = self._cloud.read(window)[0]
            data &= ~_is_member(scl, _NO_DATA_SCL)
            cloud = data & _is_member(scl, _CLOUDY)
        return WindowData(image, labels, data, cloud, unknown)

    def close(self) -> None:
        for r in self._readers:
            r.close()
        self._readers.clear()

    def __enter__(self) -> SceneReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _codes_present(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    """The distinct values of an 8/16-bit unsigned raster (None for other types)."""
    if values.dtype.kind == "u" and values.dtype.itemsize <= 2:
        return np.flatnonzero(np.bincount(values.ravel()))
    return None


def _is_member(values: np.ndarray[Any, Any], codes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``np.isin(values, codes)``; a table look-up for 8- and 16-bit unsigned rasters (faster)."""
    if codes.size == 1:
        equal: np.ndarray[Any, Any] = values == codes[0]
        return equal
    if values.dtype.kind == "u" and values.dtype.itemsize <= 2:
        table = np.zeros(1 << (8 * values.dtype.itemsize), dtype=bool)
        table[codes[(codes >= 0) & (codes < table.size)]] = True
        member: np.ndarray[Any, Any] = table[values]
        return member
    return np.isin(values, codes)


def resolve_scenes(spec: SourceSpec, grid_spec: GridSpec) -> list[Scene]:
    """Turn a source of the recipe into scenes (a folder of BigEarthNet patches gives many).

    Raises:
        SourceError: a file is missing or unreadable.
        RecipeError: the source's settings contradict its files.
    """
    gspec = GridSpec(
        patch_size=spec.patch_size or grid_spec.patch_size,
        stride=spec.stride or (grid_spec.stride if not spec.patch_size else None),
        gsd_m=grid_spec.gsd_m,
        crs=grid_spec.crs,
        edge=grid_spec.edge,
    )
    if spec.osm is not None and spec.image is None and spec.labels is None:
        return [_osm_scene(spec, gspec)]
    fmt = _image_format(spec) if spec.image else None
    if fmt == "bigearthnet":
        pairs = bigearthnet_s1_pairs(spec.s1) if spec.s1 else {}
        scenes = []
        for folder in find_bigearthnet_patches(spec.image or ""):
            scene = _bigearthnet_scene(folder, spec, gspec)
            partner = pairs.get(folder.name)
            scenes.append(_with_s1(scene, read_s1(partner) if partner else None, spec))
        return scenes
    if spec.stac is not None:
        return _stac_scenes(spec, gspec)
    imagery = _read_imagery(spec.image, fmt, spec.bands) if spec.image and fmt else None
    return _scene_of(spec, gspec, imagery, fmt)


def _stac_scenes(spec: SourceSpec, gspec: GridSpec) -> list[Scene]:
    """One scene per STAC item the source's query finds, named after the item."""
    import importlib

    from eotext.sources.stac_search import find_items

    assert spec.stac is not None
    items = list(find_items(spec.stac))
    if not items:
        raise SourceError(
            f"{spec.stac.url}: no STAC item matches the source's filters; widen --bbox, "
            "--datetime or --max-cloud-cover, or check --stac-collection"
        )
    # The single-item reader maps assets to bands (eo:bands, common names) and finds the SCL.
    read_stac_item = importlib.import_module("eotext.sources.stac").read_stac_item
    scenes = []
    for item in items:
        imagery = read_stac_item(item, spec.bands)
        item_id = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(item.id)).strip("-") or "item"
        scene_id = f"{spec.id}_{item_id}" if spec.id else item_id
        scenes.extend(_scene_of(spec, gspec, imagery, "stac", scene_id))
    return scenes


def _scene_of(
    spec: SourceSpec,
    gspec: GridSpec,
    imagery: Imagery | None,
    fmt: str | None,
    scene_id: str | None = None,
) -> list[Scene]:
    """The scene of one image source (or label map) on the grid ``gspec`` asks for."""
    scheme = get_scheme(spec.scheme) if spec.scheme else None
    label_path = spec.labels
    if spec.labels == "scl":
        scheme = scheme or get_scheme("scl")
        label_path = None  # decided once the grid is known
    if imagery is not None:
        finest = min(imagery.bands, key=lambda b: b.gsd_m or float("inf"))
        with open_raster(finest.path) as src:
            base = grid_of(src, finest.path)
    else:
        assert label_path is not None
        with open_raster(label_path) as src:
            base = grid_of(src, label_path)
            _check_label_dtype(src, label_path)
    grid = reprojected_grid(base, gspec.crs, gspec.gsd_m)
    cloud_path = None
    if imagery is not None:
        scl = imagery.scl_for(grid.gsd_m)
        if spec.labels == "scl":
            if scl is None:
                raise SourceError(f'{spec.image}: labels = "scl" but the product has no SCL layer')
            label_path = scl
        if spec.cloud_mask:
            cloud_path = scl
    layers = tuple(_layer(name, path) for name, path in spec.layers)
    scene_id = scene_id or spec.id or _default_id(imagery, spec)
    scene = Scene(
        scene_id,
        grid,
        imagery,
        layers,
        label_path,
        scheme,
        cloud_path,
        grid_spec=gspec,
        osm_path=spec.osm,
    )
    if spec.s1 and fmt != "s1":
        return [_with_s1(scene, read_s1(spec.s1), spec)]
    return [scene]


def _with_s1(scene: Scene, s1: Imagery | None, spec: SourceSpec) -> Scene:
    """The scene with Sentinel-1 bands stacked after its own, or with the reason to drop it."""
    if s1 is None:
        return replace(scene, skip_reason="no_s1_pair") if spec.require_s1 else scene
    with open_raster(s1.bands[0].path) as src:
        s1_grid = grid_of(src, s1.bands[0].path)
    if not overlaps(s1_grid, scene.grid):
        log.warning("%s: Sentinel-1 %s does not overlap the scene", scene.scene_id, s1.product_id)
        return replace(scene, skip_reason="s1_no_overlap")
    gap = _days_between(scene.acquired, s1.acquired)
    if gap is not None and gap > spec.max_s1_s2_days:
        log.warning("%s: S1 and S2 are %.1f days apart", scene.scene_id, gap)
        return replace(scene, skip_reason="s1_s2_date_gap")
    bands = tuple(replace(b, sensor=s1.sensor) for b in s1.bands)
    return replace(scene, layers=scene.layers + bands, s1_acquired=s1.acquired)


def _days_between(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00")).replace(tzinfo=None)
        tb = datetime.fromisoformat(b.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None
    return abs((ta - tb).total_seconds()) / 86400


def _osm_scene(spec: SourceSpec, gspec: GridSpec) -> Scene:
    """A grid at ``gsd_m`` (UTM unless the grid names a CRS) over an OSM extract's area."""
    from eotext.sources.osm import extract_bounds

    assert spec.osm is not None
    if gspec.gsd_m is None:
        raise RecipeError(
            f"source {spec.id or Path(spec.osm).name} has no imagery, so the grid needs a "
            "ground sampling distance: set gsd_m in [grid] (--gsd)"
        )
    west, south, east, north = extract_bounds(spec.osm)
    if not (west < east and south < north):
        raise SourceError(
            f"{spec.osm}: the extract covers no area ({west}, {south}, {east}, {north})"
        )
    # A fine lon/lat grid over the extract, which reprojected_grid covers at the target GSD.
    cols = rows = 1024
    base = Grid(
        CRS.from_epsg(4326),
        Affine((east - west) / cols, 0, west, 0, -(north - south) / rows, north),
        cols,
        rows,
    )
    grid = reprojected_grid(base, gspec.crs or "utm", gspec.gsd_m)
    scene_id = spec.id or _default_id(None, spec)
    return Scene(scene_id, grid, None, grid_spec=gspec, osm_path=spec.osm)


def _bigearthnet_scene(path: Path, spec: SourceSpec, gspec: GridSpec) -> Scene:
    patch = read_bigearthnet_patch(path, spec.bands)
    finest = min(patch.imagery.bands, key=lambda b: b.gsd_m or float("inf"))
    with open_raster(finest.path) as src:
        grid = grid_of(src, finest.path)
    scheme = get_scheme(spec.scheme or "bigearthnet-43")
    skip = None
    try:
        bigearthnet_label_codes(patch.labels)
    except UnknownClassCodeError as exc:
        # One patch with a misspelt label must not stop the build: drop it, say why.
        log.warning("%s: dropped: %s", path, exc)
        skip = "unknown_label_name"
    return Scene(
        scene_id=patch.patch_name,
        grid=grid,
        imagery=patch.imagery,
        scheme=scheme,
        multilabels=patch.labels,
        whole_scene=True,
        grid_spec=gspec,
        skip_reason=skip,
    )


def _image_format(spec: SourceSpec) -> str:
    if spec.image_format != "auto":
        return spec.image_format
    p = Path(spec.image or "")
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder; check `image` in the recipe")
    if p.is_file():
        return "geotiff"
    if is_safe(p):
        return "safe"
    if find_polarisations(p):
        return "s1"
    if any(p.glob("*_labels_metadata.json")) or any(
        q.is_dir() and any(q.glob("*_labels_metadata.json")) for q in p.iterdir()
    ):
        return "bigearthnet"
    return "bands"


def _read_imagery(path: str, fmt: str, bands: tuple[str, ...] | None) -> Imagery:
    if fmt == "s1":
        return read_s1(path)
    if fmt == "safe":
        return read_safe(path, bands)
    if fmt == "bands":
        return read_band_folder(path, bands)
    if fmt == "geotiff":
        return read_multiband(path, bands)
    raise RecipeError(f"image_format {fmt!r} cannot be read as one scene")


def _layer(name: str, path: str) -> BandFile:
    with open_raster(path) as src:
        if src.count != 1:
            raise SourceError(
                f"{path}: layer '{name}' must have exactly one band, it has {src.count}"
            )
        return BandFile(name, path, 1, float(abs(src.transform.a)))


def _resampling_for(band: BandFile, grid: Grid) -> Resampling:
    if band.gsd_m is not None and band.gsd_m < grid.gsd_m * 0.99 and not grid.crs.is_geographic:
        return Resampling.average  # downsampling: average, as sen2cor does for its 60 m bands
    return Resampling.bilinear if band.gsd_m and band.gsd_m > grid.gsd_m else Resampling.nearest


def _check_label_dtype(src: Any, path: str) -> None:
    if np.dtype(src.dtypes[0]).kind not in "iu":
        raise SourceError(
            f"{path}: a label map must hold integer class codes, but its data type is "
            f"{src.dtypes[0]}; pass the classified map, not a continuous layer"
        )


def _default_id(imagery: Imagery | None, spec: SourceSpec) -> str:
    if imagery is not None and imagery.product_id:
        raw = imagery.product_id
    else:
        raw = Path(spec.labels or spec.image or spec.osm or "scene").name
        raw = raw.split(".")[0]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-") or "scene"
