"""A STAC catalog of a dataset folder: one collection, one item per patch.

.. code-block:: text

    DIR/collection.json
    DIR/<patch_id>/<patch_id>.json   an item: footprint (WGS84), bbox, datetime, projection,
                                     assets ``image`` (GeoTIFF), ``label`` (label GeoTIFF) and
                                     ``preview`` (PNG), the label extension (classes of the
                                     patch's scheme, raster labels) and the patch's texts'
                                     count

Asset hrefs point at the dataset's files (relative when the catalog lies inside the dataset
folder, absolute otherwise). Patches without an acquisition date (label maps alone) get the
dataset's build time as ``datetime``. The catalog passes pystac's core-schema validation offline;
``validate=True`` also checks the extension schemas, which pystac downloads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from eotext.errors import MissingDependencyError, OutputError
from eotext.export.items import read_tables
from eotext.store.records import key_values

_IMAGE_TYPES = {
    "image": "image/tiff; application=geotiff; profile=cloud-optimized",
    "label": "image/tiff; application=geotiff; profile=cloud-optimized",
    "preview": "image/png",
}
#: The label extension (written as plain fields: pystac's helper class is deprecated).
LABEL_EXTENSION = "https://stac-extensions.github.io/label/v1.0.1/schema.json"
_ROLES = {"image": ["data"], "label": ["labels", "labels-raster"], "preview": ["overview"]}


def export_stac(
    dataset: str | Path,
    out: str | Path,
    split: str | None = None,
    include_flagged: bool = False,
    validate: bool = False,
) -> int:
    """Write a self-contained STAC catalog of the dataset into ``out``; returns the item count.

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: ``split`` names no split.
        MissingDependencyError: pystac is not installed.
    """
    try:
        import pystac
        import shapely
        from pystac.extensions.projection import ProjectionExtension
    except ImportError as exc:  # pragma: no cover - pystac is in the stac extra
        raise MissingDependencyError(
            "the stac export needs pystac; pip install 'eotext[stac]'"
        ) from exc
    tables = read_tables(dataset, split, include_flagged)
    root = tables.root.resolve()
    target = Path(out).resolve()
    manifest = _manifest(root)
    built = dt.datetime.fromtimestamp((root / "patches.parquet").stat().st_mtime, dt.UTC)
    licences = sorted(
        {
            str(lic.get("licence"))
            for s in manifest.get("sources", [])
            for lic in s.get("licences", [])
        }
        - {"None", ""}
    )
    texts_per_patch: dict[str, int] = {}
    for t in tables.texts:
        texts_per_patch[t["patch_id"]] = texts_per_patch.get(t["patch_id"], 0) + 1
    items = []
    for pid, p in tables.patches.items():
        geom = shapely.from_wkb(p["geometry"])
        when = _date(p.get("acquired")) or built
        item = pystac.Item(
            id=pid,
            geometry=shapely.geometry.mapping(geom),
            bbox=list(geom.bounds),
            datetime=when,
            properties={
                "eotext:split": p.get("split"),
                "eotext:texts": texts_per_patch.get(pid, 0),
                "eotext:scheme": p.get("scheme"),
                "eotext:dominant_class": p.get("dominant_class"),
                "gsd": p.get("gsd_m"),
                **({"platform": p["sensor"]} if p.get("sensor") and p["sensor"] != "none" else {}),
            },
        )
        proj = ProjectionExtension.ext(item, add_if_missing=True)
        code = p.get("crs") or ""
        proj.code = code if re.match(r"^[A-Z]+:\S+$", code) else None
        proj.shape = [p["height"], p["width"]]
        proj.transform = list(p["transform"])[:6] if p.get("transform") else None
        for kind in ("image", "label", "preview"):
            rel = p.get(f"{kind}_path")
            if rel:
                asset = pystac.Asset(
                    href=str(root / rel), media_type=_IMAGE_TYPES[kind], roles=_ROLES[kind]
                )
                item.add_asset(kind, asset)
        classes = sorted(
            {str(k) for k in key_values(p.get("class_fractions"))} | set(p.get("multilabels") or [])
        )
        item.stac_extensions.append(LABEL_EXTENSION)
        item.properties.update(
            {
                "label:description": f"land-cover labels ({p.get('scheme') or 'no scheme'}) "
                "and the texts written from them",
                "label:type": "raster",
                "label:properties": None,
                "label:classes": [{"name": None, "classes": classes or ["unknown"]}],
                "label:tasks": ["segmentation", "classification"],
                "label:methods": ["automated"],
            }
        )
        items.append(item)
    if not items:
        raise OutputError(f"{root}: no patch to catalog")
    bounds = [i.bbox for i in items if i.bbox]
    times = sorted(i.datetime for i in items if i.datetime)
    collection = pystac.Collection(
        id=re.sub(r"[^\w.-]", "-", manifest.get("name") or root.name),
        description=f"Patches and texts of the eotext dataset {root.name}: "
        f"{len(items)} patches, {len(tables.texts)} texts.",
        extent=pystac.Extent(
            pystac.SpatialExtent(
                [
                    [
                        min(b[0] for b in bounds),
                        min(b[1] for b in bounds),
                        max(b[2] for b in bounds),
                        max(b[3] for b in bounds),
                    ]
                ]
            ),
            pystac.TemporalExtent([[times[0], times[-1]]]),
        ),
        license=licences[0] if len(licences) == 1 else "various",
        extra_fields={"eotext:licences": licences},
    )
    for item in items:
        collection.add_item(item)
    collection.normalize_hrefs(str(target))
    if _inside(target, root):
        collection.make_all_asset_hrefs_relative()
    collection.save(catalog_type=pystac.CatalogType.SELF_CONTAINED)
    if validate:
        collection.validate_all()
    return len(items)


def _date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _manifest(root: Path) -> dict[str, Any]:
    path = root / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}
