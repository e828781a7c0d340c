"""Scenes: every layer of one source put on one grid, read window by window.

A :class:`Scene` is a plain, picklable description (paths, grid, scheme) so units of work can be
shipped to other processes; :meth:`Scene.open` gives a :class:`SceneReader` that holds the files
open while a unit reads its windows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image
from rasterio.enums import Resampling

from eotext.errors import SourceError, UnknownClassCodeError
from eotext.model import PixelWindow
from eotext.scene.spec import GridSpec
from eotext.schemes import Scheme
from eotext.schemes.scl import SCL_CLOUD, SCL_CLOUD_SHADOW, SCL_DEFECTIVE, SCL_NODATA
from eotext.sources.grid import Grid
from eotext.sources.imagery import BandFile, Imagery
from eotext.sources.item import Tiling
from eotext.sources.raster import AlignedReader

_CLOUDY = np.array(sorted(SCL_CLOUD | SCL_CLOUD_SHADOW), dtype=np.int64)
_NO_DATA_SCL = np.array(sorted(SCL_NODATA | SCL_DEFECTIVE), dtype=np.int64)


@dataclass(frozen=True)
class SceneLabels:
    """Labels that hold for a whole scene (BigEarthNet's multi-labels), not per pixel.

    Attributes:
        names: the labels as the source spells them.
        codes: the same classes as codes of the scene's scheme (sorted, unique).
        names_19: the labels in the BigEarthNet 19-class nomenclature, when they map to it.
    """

    names: tuple[str, ...]
    codes: tuple[int, ...]
    names_19: tuple[str, ...] = ()


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
        scene_labels: labels of the whole scene (BigEarthNet), or None.
        tiling: how the scene is cut into patches, as its source format decides.
        osm_path: an OpenStreetMap extract whose objects caption the patches, or None. A scene
            with neither imagery nor labels is a grid over this extract alone.
        label_remap: (file code, scheme code) pairs applied to the label map on reading, e.g.
            CORINE codes of BigEarthNet v2 reference maps → the 19-class nomenclature.
        label_remap_other: with ``label_remap``, the code every other file code becomes
            (None: other codes stay as they are).
        source_split / source_country / flags: what the source's own metadata says of the
            patch (BigEarthNet v2: its split, its country, ``seasonal_snow``...).
    """

    scene_id: str
    grid: Grid
    imagery: Imagery | None
    layers: tuple[BandFile, ...] = ()
    label_path: str | None = None
    scheme: Scheme | None = None
    cloud_path: str | None = None
    scene_labels: SceneLabels | None = None
    tiling: Tiling = Tiling.GRID
    grid_spec: GridSpec = field(default_factory=GridSpec)
    s1_acquired: str | None = None
    skip_reason: str | None = None  # every patch of the scene is dropped for this reason
    osm_path: str | None = None
    label_remap: tuple[tuple[int, int], ...] = ()
    label_remap_other: int | None = None
    source_split: str | None = None
    source_country: str | None = None
    flags: frozenset[str] = frozenset()

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
    # Read-only (one shared all-false array) when no pixel is:
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
        self._remap = _remap_table(scene.label_remap, scene.label_remap_other)

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
        data: np.ndarray[Any, Any] | None = None  # None: every pixel so far
        image = None
        if self._bands:
            image = np.concatenate([r.read(window) for r in self._bands], axis=0)
            nodata = self.scene.imagery.nodata if self.scene.imagery else None
            n_img = len(self.scene.imagery.bands) if self.scene.imagery else 0
            if nodata is not None and n_img:
                data = ~np.all(image[:n_img] == nodata, axis=0)
        labels = None
        unknown: np.ndarray[Any, Any] | None = None  # None: no pixel
        if self._labels is not None:
            labels = self._labels.read(window)[0]
            if self._remap is not None:
                labels = _apply_remap(self._remap, labels)
            assert self._valid_codes is not None and self.scene.scheme is not None
            kinds = _code_kinds(self._valid_codes, self._label_nodata, labels.dtype)
            if kinds is not None:  # 8/16-bit codes: a table tells nodata and unknown
                labelled, unknown = _label_masks(labels, kinds)
                if data is None:  # unknown codes are never nodata: within the data already
                    data = labelled
                else:
                    data &= labelled
                    if unknown is not None:
                        unknown &= data
            else:
                if data is None:
                    data = np.ones(shape, dtype=bool)
                if self._label_nodata.size:
                    data &= ~_is_member(labels, self._label_nodata)
                unknown = data & ~_is_member(labels, self._valid_codes)
            if unknown is not None and unknown.any():
                if unknown_codes == "error":
                    codes = sorted(int(c) for c in np.unique(labels[unknown]))
                    raise UnknownClassCodeError(
                        f"{self.scene.label_path}: codes {codes[:20]} in pixels "
                        f"{window} are not classes of scheme '{self.scene.scheme.name}' "
                        f"(valid: {list(self.scene.scheme.codes)}); pick the right --scheme, or "
                        'set unknown_codes = "unlabelled" to count them as unlabelled'
                    )
                assert data is not None
                data &= ~unknown
        if data is None:
            data = np.ones(shape, dtype=bool)
        if unknown is None:
            unknown = _no_pixels(shape)
        cloud = _no_pixels(shape)
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


@functools.lru_cache(maxsize=8)
def _remap_table(
    pairs: tuple[tuple[int, int], ...], other: int | None = None
) -> np.ndarray[Any, Any] | None:
    """A 16-bit look-up table for ``pairs`` (other codes map to ``other``, or to themselves
    when it is None), or None without pairs. Cached: every patch of an archive shares one
    (BigEarthNet v2 opens a reader per patch); the table is read-only."""
    if not pairs:
        return None
    table = np.arange(1 << 16, dtype=np.int64) if other is None else np.full(1 << 16, other)
    for src, dst in pairs:
        table[src] = dst
    table.flags.writeable = False
    return table


def _apply_remap(table: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``labels`` with every code looked up in ``table`` (codes beyond it are kept)."""
    if labels.dtype.kind == "u" and labels.dtype.itemsize <= 2:
        remapped: np.ndarray[Any, Any] = table[labels].astype(labels.dtype)
        return remapped
    if labels.dtype.kind not in "iu":
        raise SourceError(f"a label map must hold integer codes, not {labels.dtype} values")
    codes, inverse = np.unique(labels, return_inverse=True)
    inside = (codes >= 0) & (codes < table.size)
    # Beyond the table: kept when the table keeps other codes, else what it gives them.
    beyond = codes if table[-1] == table.size - 1 else np.full_like(codes, table[-1])
    mapped = np.where(inside, table[np.clip(codes, 0, table.size - 1)], beyond)
    # 16-bit output, as the reference maps' codes need; anything larger stays as it was.
    out_dtype = np.uint16 if mapped.min() >= 0 and mapped.max() < 1 << 16 else labels.dtype
    result: np.ndarray[Any, Any] = mapped[inverse].reshape(labels.shape).astype(out_dtype)
    return result


@functools.lru_cache(maxsize=4)
def _no_pixels(shape: tuple[int, int]) -> np.ndarray[Any, Any]:
    """An all-false mask of ``shape``, shared and read-only: a window without cloud mask or
    unknown codes hands out this one instead of a new array (whose pages the first read of
    each unit would fault in)."""
    mask = np.zeros(shape, dtype=bool)
    mask.flags.writeable = False
    return mask


#: What a label code is, in :func:`_code_kinds`' tables.
_CLASS, _NODATA, _UNKNOWN = 0, 1, 2


def _code_kinds(
    valid: np.ndarray[Any, Any], nodata: np.ndarray[Any, Any], dtype: np.dtype[Any]
) -> np.ndarray[Any, Any] | None:
    """A table from every 8/16-bit code to what it is: a class, nodata or unknown (None for
    other types). Nodata wins over a class, as the scheme's nodata codes are not counted."""
    if dtype.kind != "u" or dtype.itemsize > 2:
        return None
    return _kinds_table(tuple(valid.tolist()), tuple(nodata.tolist()), dtype.itemsize)


@functools.lru_cache(maxsize=8)
def _kinds_table(
    valid: tuple[int, ...], nodata: tuple[int, ...], itemsize: int
) -> np.ndarray[Any, Any]:
    table = np.full(1 << (8 * itemsize), _UNKNOWN, dtype=np.uint8)
    table[[c for c in valid if 0 <= c < table.size]] = _CLASS
    table[[c for c in nodata if 0 <= c < table.size]] = _NODATA
    table.flags.writeable = False
    return table


def _label_masks(
    labels: np.ndarray[Any, Any], kinds: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """Where ``labels`` is not nodata, and where its code is unknown (None: nowhere), by
    ``kinds``' table.

    For 8-bit codes, the codes present come first from Pillow's histogram (a third of the time
    of one look-up per pixel, and a tenth of ``np.bincount``'s); when none is unknown, which is
    nearly always, one comparison with the nodata code present (if any) is all that is left.
    A window of one code (open sea) needs only its minimum and maximum.
    """
    if labels.dtype == np.uint8 and labels.ndim == 2 and labels.size:
        low = labels.min()
        if low == labels.max():  # one code (a window of sea or of nodata): no histogram
            present = np.array([low], dtype=np.intp)
        else:
            present = np.flatnonzero(Image.fromarray(labels).histogram())
        kind = kinds[present]
        if not (kind == _UNKNOWN).any():
            nodata = present[kind == _NODATA]
            if nodata.size == 0:
                return np.ones(labels.shape, dtype=bool), None
            if nodata.size == present.size:
                return np.zeros(labels.shape, dtype=bool), None
            if nodata.size == 1:
                labelled: np.ndarray[Any, Any] = labels != nodata[0]
                return labelled, None
    kind = kinds[labels]
    return kind != _NODATA, kind == _UNKNOWN


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


def _resampling_for(band: BandFile, grid: Grid) -> Resampling:
    if band.gsd_m is not None and band.gsd_m < grid.gsd_m * 0.99 and not grid.crs.is_geographic:
        return Resampling.average  # downsampling: average, as sen2cor does for its 60 m bands
    return Resampling.bilinear if band.gsd_m and band.gsd_m > grid.gsd_m else Resampling.nearest
