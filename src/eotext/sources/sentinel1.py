"""Sentinel-1 GRD readers: VV/VH GeoTIFFs (linear or dB), BigEarthNet S1 patch folders, and
raw GRD measurement files georeferenced only by ground control points."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from eotext.errors import SourceError
from eotext.sources.imagery import COPERNICUS_LICENCE, BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem
from eotext.sources.raster import grid_of, open_raster

#: Polarisation in a file name: ``..._VV.tif``, ``iw-vh.tiff``, ``s1-vh.tiff``.
_POL = re.compile(r"(?:^|[_\-.])(VV|VH|HH|HV)(?:[_\-.][^/]*)?\.tiff?$", re.IGNORECASE)


def find_polarisations(folder: Path) -> dict[str, Path]:
    """Polarisation → file in a folder (or its ``measurement/`` sub-folder)."""
    found: dict[str, Path] = {}
    for base in (folder, folder / "measurement"):
        if base.is_dir():
            for f in sorted(base.iterdir()):
                if m := _POL.search(f.name):
                    found.setdefault(m.group(1).upper(), f)
    return found


def read_s1(path: str | Path) -> Imagery:
    """Describe a Sentinel-1 GRD source: a folder of VV/VH rasters or a multi-band GeoTIFF.

    The acquisition time comes from a BigEarthNet ``*_labels_metadata.json``
    (``acquisition_time``) or a ``productInfo.json`` (``startTime``) next to the files.
    Values are kept as stored; the manifest records whether they are dB (float) or amplitude.

    Raises:
        SourceError: no VV/VH file, or the files are not georeferenced.
    """
    root = Path(path)
    if root.is_file():
        with open_raster(root) as src:
            names = [d or f"band{i + 1}" for i, d in enumerate(src.descriptions)]
        bands = tuple(BandFile(n.upper(), str(root), i + 1) for i, n in enumerate(names))
        return Imagery("sentinel-1", bands, product_id=root.stem, nodata=None,
                       licence=COPERNICUS_LICENCE)  # fmt: skip
    files = find_polarisations(root)
    if not files:
        raise SourceError(
            f"{root}: no VV/VH GeoTIFFs found (like *_VV.tif or measurement/iw-vv.tiff)"
        )
    pols = []
    for pol in ("VV", "VH", "HH", "HV"):
        if pol in files:
            with open_raster(files[pol]) as src:
                gsd = grid_of(src, files[pol]).gsd_m
                floating = np.dtype(src.dtypes[0]).kind == "f"
            pols.append((pol, files[pol], gsd))
    product, acquired = _s1_metadata(root)
    sensor = f"sentinel-1 ({'dB' if floating else 'amplitude (DN)'})"
    return Imagery(
        sensor=sensor,
        bands=tuple(BandFile(pol, str(f), 1, gsd, sensor=sensor) for pol, f, gsd in pols),
        product_id=product or root.name,
        acquired=acquired,
        nodata=None if floating else 0.0,
        licence=COPERNICUS_LICENCE,
        attribution="Contains modified Copernicus Sentinel data",
    )


def _s1_metadata(root: Path) -> tuple[str | None, str | None]:
    for meta in [*root.glob("*_labels_metadata.json"), root / "productInfo.json"]:
        if meta.is_file():
            try:
                doc = json.loads(meta.read_text())
            except json.JSONDecodeError as exc:
                raise SourceError(f"{meta}: not valid JSON ({exc})") from exc
            product = doc.get("scene_source") or doc.get("id")
            return product, doc.get("acquisition_time") or doc.get("startTime")
    return None, None


def bigearthnet_s1_pairs(s1_root: str | Path) -> dict[str, Path]:
    """S2 patch name → its co-registered BigEarthNet S1 patch folder."""
    pairs: dict[str, Path] = {}
    root = Path(s1_root)
    if not root.is_dir():
        raise SourceError(f"{root}: not a folder of BigEarthNet Sentinel-1 patches")
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for meta in folder.glob("*_labels_metadata.json"):
            try:
                s2 = json.loads(meta.read_text()).get("corresponding_s2_patch")
            except json.JSONDecodeError as exc:
                raise SourceError(f"{meta}: not valid JSON ({exc})") from exc
            if s2:
                pairs[str(s2)] = folder
    return pairs


class Sentinel1Format(SourceFormat):
    """Sentinel-1 GRD: a folder of VV/VH rasters (or its ``measurement/``), or a GeoTIFF."""

    name = "s1"
    summary = "Sentinel-1 GRD: a folder of VV/VH rasters (also measurement/*.tiff)"

    def sniff(self, path: Path) -> bool:
        return path.is_dir() and bool(find_polarisations(path))

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        return [SourceItem(read_s1(path))]

    def s1_partners(self, s1: str, items: list[SourceItem]) -> list[Imagery | None] | None:
        return None  # the source is Sentinel-1 already
