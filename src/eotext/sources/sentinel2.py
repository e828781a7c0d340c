"""Sentinel-2 readers: SAFE products, folders of one GeoTIFF/COG per band, multi-band GeoTIFFs.

Band names and file patterns are declared once here as data, like torchgeo's ``Sentinel2``.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from eotext.errors import SourceError
from eotext.sources.imagery import COPERNICUS_LICENCE, BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem
from eotext.sources.raster import open_raster

log = logging.getLogger(__name__)

#: Spectral bands in the order of the metadata's ``bandId`` (0..12).
S2_BANDS: tuple[str, ...] = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12",
)  # fmt: skip
#: Native resolution of each band in metres.
S2_NATIVE_GSD_M: dict[str, int] = {
    "B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20, "B07": 20,
    "B08": 10, "B8A": 20, "B09": 60, "B10": 60, "B11": 20, "B12": 20,
}  # fmt: skip
#: Band file name inside a SAFE: ``T29UNU_20221005T115411_B04_60m.jp2`` (L2A) or ``..._B04.jp2``.
_SAFE_BAND = re.compile(r"_(B\d[\dA])(?:_(\d+)m)?\.jp2$", re.IGNORECASE)
_SAFE_SCL = re.compile(r"_SCL_(\d+)m\.jp2$", re.IGNORECASE)
#: Band file in a folder of per-band rasters: ``B04.tif``, ``..._B04.tif``, ``B04_10m.tif``.
_FILE_BAND = re.compile(r"(?:^|[_\-.])(B\d[\dA])(?:_\d+m)?\.(?:tiff?|jp2|vrt)$", re.IGNORECASE)
_FILE_SCL = re.compile(r"(?:^|[_\-.])SCL(?:_\d+m)?\.(?:tiff?|jp2)$", re.IGNORECASE)
_BASELINE_WITH_OFFSET = (4, 0)
_DEFAULT_OFFSET_DN = -1000.0
_DEFAULT_QUANTIFICATION = 10000.0


def is_safe(path: Path) -> bool:
    """Whether ``path`` looks like a SAFE product folder (it holds an ``MTD_MSI*.xml``)."""
    return path.is_dir() and any(path.glob("MTD_MSI*.xml"))


def read_safe(path: str | Path, bands: tuple[str, ...] | None = None) -> Imagery:
    """Describe a Sentinel-2 L1C/L2A SAFE product.

    Finds the band files at every resolution present (R10m/R20m/R60m for L2A, IMG_DATA for L1C),
    reads the processing baseline, quantification value and per-band offsets from the product
    metadata, and picks for each band its finest resolution.

    Args:
        path: the ``.SAFE`` folder (or any folder holding ``MTD_MSI*.xml`` and the JP2 files).
        bands: band names to keep, in order; default: every spectral band present.

    Raises:
        SourceError: the folder is not a product, its metadata is unreadable, or a requested
            band is missing.
    """
    root = Path(path)
    mtd_files = sorted(root.glob("MTD_MSI*.xml"))
    if not mtd_files:
        raise SourceError(
            f"{root}: no MTD_MSIL2A.xml or MTD_MSIL1C.xml found; point at the .SAFE folder"
        )
    meta = _parse_product_metadata(mtd_files[0])
    found: dict[str, list[tuple[int, Path]]] = {}
    scl: list[tuple[int, Path]] = []
    for jp2 in root.rglob("*.jp2"):
        if "QI_DATA" in jp2.parts:
            continue
        if m := _SAFE_SCL.search(jp2.name):
            scl.append((int(m.group(1)), jp2))
        elif (m := _SAFE_BAND.search(jp2.name)) and m.group(1).upper() in S2_NATIVE_GSD_M:
            name = m.group(1).upper()
            res = int(m.group(2)) if m.group(2) else S2_NATIVE_GSD_M[name]
            found.setdefault(name, []).append((res, jp2))
    if not found:
        raise SourceError(f"{root}: the product holds no band files (*_B??_*.jp2)")
    band_files = []
    for key in _wanted_bands(root, bands, found):
        res, file = min(found[key])
        scale = 1.0 / meta.quantification
        offset = meta.offsets.get(key, 0.0) / meta.quantification
        band_files.append(BandFile(key, str(file), 1, float(res), scale, offset))
    return Imagery(
        sensor=meta.sensor,
        bands=tuple(band_files),
        product_id=meta.product_id,
        acquired=meta.acquired,
        nodata=0.0,
        scl_paths=tuple((float(r), str(f)) for r, f in sorted(scl)),
        processing_baseline=meta.baseline,
        licence=COPERNICUS_LICENCE,
        attribution=f"Contains modified Copernicus Sentinel data {str(meta.acquired)[:4]}",
    )


def read_band_folder(path: str | Path, bands: tuple[str, ...] | None = None) -> Imagery:
    """Describe a folder of one GeoTIFF/COG per Sentinel-2 band (``B02.tif``, ``..._B02.tif``).

    A STAC item JSON in the folder, when present, supplies the acquisition time, platform and
    processing baseline; per-band scale and offset come from the files' own GDAL metadata, else
    from the baseline (≥ 04.00: offset -1000 DN), else none.
    """
    root = Path(path)
    found: dict[str, Path] = {}
    scl_path: Path | None = None
    for f in sorted(root.iterdir()):
        if _FILE_SCL.search(f.name):
            scl_path = f
        elif (m := _FILE_BAND.search(f.name)) and m.group(1).upper() in S2_NATIVE_GSD_M:
            found.setdefault(m.group(1).upper(), f)
    if not found:
        raise SourceError(f"{root}: no band files like B04.tif found in the folder")
    stac = _read_stac_properties(root)
    baseline = stac.get("s2:processing_baseline")
    boa_applied = stac.get("earthsearch:boa_offset_applied")
    default_offset = 0.0
    if baseline and _baseline_tuple(str(baseline)) >= _BASELINE_WITH_OFFSET and not boa_applied:
        default_offset = _DEFAULT_OFFSET_DN
    band_files = []
    for key in _wanted_bands(root, bands, found):
        with open_raster(found[key]) as src:
            gsd = float(abs(src.transform.a))
            scale, offset = src.scales[0], src.offsets[0]
        if scale == 1.0 and offset == 0.0:
            scale, offset = 1.0 / _DEFAULT_QUANTIFICATION, default_offset / _DEFAULT_QUANTIFICATION
        band_files.append(BandFile(key, str(found[key]), 1, gsd, scale, offset))
    platform = str(stac.get("platform", "sentinel-2"))
    acquired = stac.get("datetime")
    return Imagery(
        sensor=platform,
        bands=tuple(band_files),
        product_id=str(stac.get("s2:product_uri") or stac.get("id") or root.name).removesuffix(
            ".SAFE"
        ),
        acquired=str(acquired) if acquired else None,
        nodata=0.0,
        scl_paths=((_gsd_of(scl_path), str(scl_path)),) if scl_path else (),
        processing_baseline=str(baseline) if baseline else None,
        licence=COPERNICUS_LICENCE,
        attribution="Contains modified Copernicus Sentinel data",
    )


def _wanted_bands(
    root: Path, bands: tuple[str, ...] | None, found: Mapping[str, object]
) -> list[str]:
    """The band names to read, in order: the requested ones, or every spectral band found.

    Raises:
        SourceError: a requested band is not among those found.
    """
    wanted = [b.upper() for b in bands] if bands else [b for b in S2_BANDS if b in found]
    for name in wanted:
        if name not in found:
            raise SourceError(
                f"{root}: band {name} is missing (present: {', '.join(sorted(found)) or 'none'}); "
                "drop it from `bands` in the recipe"
            )
    return wanted


_RGB_NAMES = ("red", "green", "blue")


def read_multiband(path: str | Path, bands: tuple[str, ...] | None = None) -> Imagery:
    """Describe one multi-band GeoTIFF; band names come from the band descriptions, else from
    the colour interpretation (``red``, ``green``, ``blue`` of an RGB file), else ``band<i>``
    (always accepted as an alias in ``bands``)."""
    with open_raster(path) as src:
        colours = [c.name for c in src.colorinterp]
        names = [
            d or (colours[i] if colours[i] in _RGB_NAMES and colours.count(colours[i]) == 1
                  else f"band{i + 1}")
            for i, d in enumerate(src.descriptions)
        ]  # fmt: skip
        gsd = float(abs(src.transform.a))
        scales, offsets = list(src.scales), list(src.offsets)
        nodata = src.nodata
    upper = [n.upper() for n in names]
    wanted = bands or tuple(names)
    band_files = []
    aliases = {f"BAND{i + 1}": i for i in range(len(names))}
    for name in wanted:
        if name.upper() not in upper and name.upper() in aliases:
            name = names[aliases[name.upper()]]
        if name.upper() not in upper:
            raise SourceError(
                f"{path}: has no band named {name} (bands: {', '.join(names)}); set band "
                "descriptions in the file or fix `bands` in the recipe"
            )
        i = upper.index(name.upper())
        band_files.append(BandFile(names[i], str(path), i + 1, gsd, scales[i], offsets[i]))
    return Imagery(sensor="unknown", bands=tuple(band_files), nodata=nodata)


@dataclass(frozen=True)
class _ProductMetadata:
    product_id: str
    acquired: str | None
    baseline: str | None
    quantification: float
    offsets: dict[str, float]
    sensor: str


def _parse_product_metadata(path: Path) -> _ProductMetadata:
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError) as exc:
        raise SourceError(f"{path}: product metadata is not valid XML ({exc})") from exc
    root = tree.getroot()

    def text(tag: str) -> str | None:
        el = root.find(f".//{tag}")
        return el.text.strip() if el is not None and el.text else None

    baseline = text("PROCESSING_BASELINE")
    quant = text("BOA_QUANTIFICATION_VALUE") or text("QUANTIFICATION_VALUE")
    band_ids = {
        el.get("bandId"): _normalise_band(el.get("physicalBand", ""))
        for el in root.iter("Spectral_Information")
    }
    offsets: dict[str, float] = {}
    for tag in ("BOA_ADD_OFFSET", "RADIO_ADD_OFFSET"):
        for el in root.iter(tag):
            name = band_ids.get(el.get("band_id")) or S2_BANDS[int(el.get("band_id", "0"))]
            offsets[name] = float(el.text or 0)
    if not offsets and baseline and _baseline_tuple(baseline) >= _BASELINE_WITH_OFFSET:
        # Baseline 04.00 products always carry the offset; be safe if the list is missing.
        offsets = dict.fromkeys(S2_BANDS, _DEFAULT_OFFSET_DN)
    spacecraft = (text("SPACECRAFT_NAME") or "Sentinel-2").lower()
    return _ProductMetadata(
        product_id=(text("PRODUCT_URI") or path.parent.name).removesuffix(".SAFE"),
        acquired=text("PRODUCT_START_TIME") or text("DATATAKE_SENSING_START"),
        baseline=baseline,
        quantification=float(quant) if quant else _DEFAULT_QUANTIFICATION,
        offsets=offsets,
        sensor=spacecraft,
    )


def _normalise_band(physical: str) -> str:
    m = re.fullmatch(r"B(\d+)(A?)", physical.upper())
    if not m:
        return physical.upper()
    return f"B{int(m.group(1)):02d}" if not m.group(2) else f"B{m.group(1)}A"


def _baseline_tuple(baseline: str) -> tuple[int, int]:
    try:
        major, minor = baseline.split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return (0, 0)


def _read_stac_properties(folder: Path) -> dict[str, object]:
    for f in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(f.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(doc, dict) and doc.get("type") == "Feature" and "properties" in doc:
            props = dict(doc["properties"])
            props.setdefault("id", doc.get("id"))
            return props
    return {}


def _gsd_of(path: Path) -> float:
    with open_raster(path) as src:
        return float(abs(src.transform.a))


class SafeFormat(SourceFormat):
    """A Sentinel-2 L1C/L2A SAFE product folder."""

    name = "safe"
    summary = "Sentinel-2 SAFE product folder (MTD_MSI*.xml and JP2 bands)"

    def sniff(self, path: Path) -> bool:
        return is_safe(path)

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        return [SourceItem(read_safe(path, bands))]


class BandFolderFormat(SourceFormat):
    """A folder of one GeoTIFF/COG per band; the catch-all for folders, so sniffed last."""

    name = "bands"
    summary = "folder of one GeoTIFF/COG per band (B04.tif, ..._B04.tif)"

    def sniff(self, path: Path) -> bool:
        return path.is_dir()

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        return [SourceItem(read_band_folder(path, bands))]


class GeoTiffFormat(SourceFormat):
    """One multi-band GeoTIFF whose band descriptions name the bands."""

    name = "geotiff"
    summary = "one multi-band GeoTIFF (band names from its band descriptions)"

    def sniff(self, path: Path) -> bool:
        return path.is_file()

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        return [SourceItem(read_multiband(path, bands))]
