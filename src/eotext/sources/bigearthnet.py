"""BigEarthNet v1 patch folders: one GeoTIFF per band plus ``*_labels_metadata.json``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from eotext.errors import SourceError
from eotext.sources.imagery import BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem, Tiling
from eotext.sources.sentinel2 import S2_BANDS, S2_NATIVE_GSD_M

_BAND_FILE = re.compile(r"_(B\d[\dA])\.tif$", re.IGNORECASE)
LICENCE = "CDLA-Permissive-1.0"
ATTRIBUTION = (
    "BigEarthNet v1.0 (Sumbul et al. 2019), CDLA-Permissive-1.0; "
    "contains modified Copernicus Sentinel data 2017-2018"
)


@dataclass(frozen=True)
class BigEarthNetPatch:
    """One BigEarthNet v1 Sentinel-2 patch: its bands and its CORINE multi-labels."""

    patch_name: str
    imagery: Imagery
    labels: tuple[str, ...]
    tile_source: str | None


def is_bigearthnet_patch(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*_labels_metadata.json"))


def find_bigearthnet_patches(path: str | Path) -> list[Path]:
    """The patch folders at ``path``: the folder itself, or its sub-folders that are patches."""
    root = Path(path)
    if is_bigearthnet_patch(root):
        return [root]
    patches = sorted(p for p in root.iterdir() if is_bigearthnet_patch(p)) if root.is_dir() else []
    if not patches:
        raise SourceError(
            f"{root}: no BigEarthNet v1 patch folders (with *_labels_metadata.json) found"
        )
    return patches


def read_bigearthnet_patch(
    path: str | Path, bands: tuple[str, ...] | None = None
) -> BigEarthNetPatch:
    """Describe one BigEarthNet v1 Sentinel-2 patch folder.

    Raises:
        SourceError: the metadata is missing or unreadable, or a requested band is absent.
    """
    root = Path(path)
    meta_files = sorted(root.glob("*_labels_metadata.json"))
    if not meta_files:
        raise SourceError(f"{root}: no *_labels_metadata.json; is this a BigEarthNet v1 patch?")
    try:
        meta = json.loads(meta_files[0].read_text())
    except (json.JSONDecodeError, OSError) as exc:
        raise SourceError(f"{meta_files[0]}: not valid JSON ({exc})") from exc
    found = {m.group(1).upper(): f for f in root.glob("*.tif") if (m := _BAND_FILE.search(f.name))}
    wanted = bands or tuple(b for b in S2_BANDS if b in found)
    missing = [b for b in wanted if b.upper() not in found]
    if missing or not wanted:
        raise SourceError(
            f"{root}: band file(s) {', '.join(missing) or 'B??'} missing "
            f"(present: {', '.join(sorted(found)) or 'none'})"
        )
    # BigEarthNet v1 stores L2A surface reflectance as DN/10000 with no offset (baseline < 04.00).
    band_files = tuple(
        BandFile(b.upper(), str(found[b.upper()]), 1, float(S2_NATIVE_GSD_M[b.upper()]), 1e-4, 0.0)
        for b in wanted
    )
    name = root.name
    acquired = meta.get("acquisition_date")
    imagery = Imagery(
        sensor="sentinel-2" + (name[2].lower() if name[:2] == "S2" else ""),
        bands=band_files,
        product_id=meta.get("tile_source"),
        acquired=str(acquired).replace(" ", "T") if acquired else None,
        nodata=None,
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )
    labels = tuple(str(label) for label in meta.get("labels", []))
    return BigEarthNetPatch(name, imagery, labels, meta.get("tile_source"))


class BigEarthNetFormat(SourceFormat):
    """BigEarthNet v1 Sentinel-2 patch folders: one scene per patch, labelled as a whole.

    Sentinel-1 partners are the patches of the S1 root whose ``corresponding_s2_patch`` names
    the S2 patch.
    """

    name = "bigearthnet"
    summary = "BigEarthNet v1 S2 patch folder, or a folder of them (*_labels_metadata.json)"

    def sniff(self, path: Path) -> bool:
        if not path.is_dir():
            return False
        return is_bigearthnet_patch(path) or any(is_bigearthnet_patch(q) for q in path.iterdir())

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        items = []
        for folder in find_bigearthnet_patches(path):
            patch = read_bigearthnet_patch(folder, bands)
            items.append(
                SourceItem(
                    patch.imagery,
                    name=patch.patch_name,
                    tiling=Tiling.WHOLE,
                    labels=patch.labels,
                    labels_scheme="bigearthnet-43",
                )
            )
        return items

    def s1_partners(self, s1: str, items: list[SourceItem]) -> list[Imagery | None] | None:
        from eotext.sources.sentinel1 import bigearthnet_s1_pairs, read_s1

        pairs = bigearthnet_s1_pairs(s1)
        return [read_s1(pairs[i.name]) if i.name in pairs else None for i in items]
