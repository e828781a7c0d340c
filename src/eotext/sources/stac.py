"""STAC items: a STAC item JSON (or a :class:`pystac.Item`) read as imagery, one asset per band.

Band assets are those with exactly one entry in ``eo:bands`` (STAC 1.1: ``bands``) and a
``data`` role (or no roles); ``raster:bands`` supplies scale, offset and nodata when present,
else the files' own GDAL metadata does. An asset whose ``href`` points elsewhere (an S3 or HTTP
URL) is read from the file of the same name beside the item JSON when that file exists, so an
item downloaded with its assets reads offline; otherwise HTTP(S) URLs are read remotely and any
other URL is reported as unreadable.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from eotext.errors import MissingDependencyError, SourceError
from eotext.sources.imagery import COPERNICUS_LICENCE, BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem
from eotext.sources.raster import open_raster

if TYPE_CHECKING:
    import pystac

log = logging.getLogger(__name__)

_SKIPPED_ROLES = frozenset({"visual", "overview", "thumbnail", "metadata"})
_REMOTE_READABLE = ("http", "https")


@dataclass(frozen=True)
class _BandAsset:
    key: str
    name: str
    aliases: frozenset[str]  # upper-case names a recipe may use: key, band name, common name
    wavelength: float | None
    href: str | None  # the path or URL to read, None when it cannot be read
    original_href: str
    raster: dict[str, Any]


def is_stac_item(path: Path) -> bool:
    """Whether ``path`` is a JSON file holding a STAC item (a GeoJSON Feature with stac_version)."""
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return False
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(doc, dict) and doc.get("type") == "Feature" and "stac_version" in doc


def read_stac_item(
    item_or_path: pystac.Item | str | Path, bands: tuple[str, ...] | None = None
) -> Imagery:
    """Describe a STAC item's band assets as imagery.

    Args:
        item_or_path: a :class:`pystac.Item`, or the path of a STAC item JSON file.
        bands: bands to keep, in order, by ``eo:bands`` name, common name, asset key or file
            name (``blue``, ``B02``); default: every band asset, by centre wavelength.

    Raises:
        SourceError: the JSON is not a STAC item, a requested band is absent, or a band's asset
            cannot be read (its href is neither beside the item nor an HTTP(S) URL).
    """
    item = _load_item(item_or_path)
    base = Path(item.self_href).parent if item.self_href else None
    where = item.self_href or item.id
    found = _band_assets(item, base)
    if not found:
        raise SourceError(
            f"{where}: the STAC item has no band assets (assets with one entry in eo:bands and "
            "a data role); is it an item of imagery?"
        )
    chosen = _choose(found, bands, where)
    unreadable = [a for a in chosen if a.href is None]
    if unreadable:
        listed = ", ".join(f"{a.key} ({a.original_href})" for a in unreadable)
        raise SourceError(
            f"{where}: cannot read asset(s) {listed}: not beside the item JSON and not an "
            "HTTP(S) URL; download them next to the JSON, or leave them out with `bands`"
        )
    band_files = tuple(_band_file(a, where) for a in chosen)
    props = item.properties
    nodata = next((a.raster.get("nodata") for a in chosen if "nodata" in a.raster), None)
    if nodata is None:
        with open_raster(band_files[0].path) as src:
            nodata = src.nodata
    platform = str(props.get("platform") or props.get("constellation") or "unknown")
    copernicus = platform.lower().startswith("sentinel") or str(
        props.get("constellation", "")
    ).lower().startswith("sentinel")
    baseline = props.get("s2:processing_baseline")
    acquired = props.get("datetime") or props.get("start_datetime")
    return Imagery(
        sensor=platform,
        bands=band_files,
        product_id=str(props.get("s2:product_uri") or item.id).removesuffix(".SAFE"),
        acquired=str(acquired) if acquired else None,
        nodata=float(nodata) if nodata is not None else None,
        scl_paths=_scl_paths(item, base),
        processing_baseline=str(baseline) if baseline else None,
        licence=COPERNICUS_LICENCE if copernicus else str(props.get("license") or ""),
        attribution="Contains modified Copernicus Sentinel data" if copernicus else "",
    )


class StacItemFormat(SourceFormat):
    """A STAC item JSON whose assets are the bands."""

    name = "stac"
    summary = "STAC item JSON; band assets through eo:bands (raster:bands scale/offset)"

    def sniff(self, path: Path) -> bool:
        return is_stac_item(path)

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        return [SourceItem(read_stac_item(path, bands))]


def _load_item(item_or_path: pystac.Item | str | Path) -> pystac.Item:
    try:
        import pystac
    except ImportError as exc:
        raise MissingDependencyError(
            "reading STAC items needs pystac, which is not installed; "
            "install it with: pip install 'eotext[stac]'"
        ) from exc

    if isinstance(item_or_path, pystac.Item):
        return item_or_path
    path = Path(item_or_path)
    if not path.is_file():
        raise SourceError(f"{path}: no such STAC item file; check `image` in the recipe")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "Feature":
        raise SourceError(f"{path}: not a STAC item (a GeoJSON Feature with stac_version)")
    try:
        item = pystac.Item.from_dict(doc, href=str(path.resolve()), migrate=True)
    except (KeyError, ValueError, TypeError, pystac.STACError) as exc:
        raise SourceError(f"{path}: not a valid STAC item ({exc})") from exc
    item.set_self_href(str(path.resolve()))
    return item


def _band_assets(item: pystac.Item, base: Path | None) -> list[_BandAsset]:
    assets = []
    for key, asset in item.assets.items():
        roles = set(asset.roles or ())
        if roles & _SKIPPED_ROLES or (roles and "data" not in roles):
            continue
        eo = asset.extra_fields.get("eo:bands") or asset.extra_fields.get("bands")
        if not isinstance(eo, list) or len(eo) != 1 or not isinstance(eo[0], dict):
            continue
        band = eo[0]
        name = str(band.get("name") or key)
        common = band.get("common_name") or band.get("eo:common_name")
        href = asset.get_absolute_href() or asset.href
        aliases = {key, name, Path(urlparse(href).path).stem}
        if common:
            aliases.add(str(common))
        wavelength = band.get("center_wavelength") or band.get("eo:center_wavelength")
        raster = asset.extra_fields.get("raster:bands") or [{}]
        assets.append(
            _BandAsset(
                key=key,
                name=name,
                aliases=frozenset(a.upper() for a in aliases),
                wavelength=float(wavelength) if wavelength is not None else None,
                href=_readable_href(href, base),
                original_href=asset.href,
                raster=raster[0] if raster and isinstance(raster[0], dict) else {},
            )
        )
    # Spectral order (for Sentinel-2: B01 ... B8A, B09, B11, B12), stable for equal wavelengths.
    return sorted(assets, key=lambda a: a.wavelength if a.wavelength is not None else float("inf"))


def _choose(found: list[_BandAsset], bands: tuple[str, ...] | None, where: str) -> list[_BandAsset]:
    """The assets to read: the requested bands, or one asset per band name (readable first)."""
    if bands:
        chosen = []
        for wanted in bands:
            matches = [a for a in found if wanted.upper() in a.aliases]
            if not matches:
                names = ", ".join(dict.fromkeys(a.name for a in found))
                raise SourceError(
                    f"{where}: no band asset named {wanted} (bands: {names}); fix `bands` "
                    "in the recipe"
                )
            chosen.append(next((a for a in matches if a.href is not None), matches[0]))
        return chosen
    by_name: dict[str, _BandAsset] = {}
    for asset in found:
        if asset.name not in by_name or (by_name[asset.name].href is None and asset.href):
            by_name[asset.name] = asset
    return list(by_name.values())


def _band_file(asset: _BandAsset, where: str) -> BandFile:
    assert asset.href is not None
    try:
        with open_raster(asset.href) as src:
            gsd = float(abs(src.transform.a))
            scale, offset = float(src.scales[0]), float(src.offsets[0])
    except SourceError as exc:
        raise SourceError(f"{where}: asset '{asset.key}' cannot be read: {exc}") from exc
    if "scale" in asset.raster or "offset" in asset.raster:
        scale = float(asset.raster.get("scale", 1.0))
        offset = float(asset.raster.get("offset", 0.0))
    return BandFile(asset.name, asset.href, 1, gsd, scale, offset)


def _scl_paths(item: pystac.Item, base: Path | None) -> tuple[tuple[float, str], ...]:
    """The Scene Classification asset (key ``scl``), when the item has a readable one."""
    for key, asset in item.assets.items():
        if key.lower() != "scl":
            continue
        href = _readable_href(asset.get_absolute_href() or asset.href, base)
        if href is None:
            log.warning("%s: SCL asset %s cannot be read; no cloud mask", item.id, asset.href)
            return ()
        with open_raster(href) as src:
            return ((float(abs(src.transform.a)), href),)
    return ()


def _readable_href(href: str, base: Path | None) -> str | None:
    """A local path or HTTP(S) URL for an asset href, or None when it cannot be read.

    A URL is replaced by the file of the same name beside the item when that file exists.
    """
    parsed = urlparse(href)
    remote = len(parsed.scheme) > 1  # not a Windows drive letter
    if remote and base is not None:
        local = base / Path(parsed.path).name
        if local.is_file():
            return str(local)
    if not remote:
        path = Path(href) if Path(href).is_absolute() or base is None else base / href
        return str(path) if path.is_file() else None
    return href if parsed.scheme in _REMOTE_READABLE else None
