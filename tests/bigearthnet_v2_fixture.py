"""Lay out the real BigEarthNet v1 sample patches as a BigEarthNet v2 (reBEN) root.

reBEN keeps v1's 1,200 m patch grid, band files and resolutions, so the real v1 patches of
``../shared/data/bigearthnet_v1`` are linked into the official v2 folders::

    ROOT/BigEarthNet-S2/<product>/<patch_id>/<patch_id>_<band>.tif
    ROOT/BigEarthNet-S1/<s1 product>/<s1_name>/<s1_name>_VV.tif|_VH.tif
    ROOT/Reference_Maps/<product>/<patch_id>/<patch_id>_reference_map.tif
    ROOT/metadata.parquet

with v2 patch ids built as reBEN builds them: ``S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_
87_48`` from the v1 name and the relative orbit and tile of the v1 ``tile_source``.

What is real and what is made up:

* band files (S2 and S1): the real v1 files, symlinked;
* ``labels``: the real v1 43-class labels converted with the official 43 → 19 mapping (patches
  left with no 19-class label are left out, as reBEN left them out);
* ``country``: from the patch's tile (the sample's PROVENANCE lists each patch's country);
* ``split``: assigned round-robin (train, validation, test), not reBEN's;
* ``s1_name``: the real co-registered partner for the 6 pairs; for the other patches a name in
  v2's format whose folder does not exist (their partners are not in the sample);
* snow / cloud flags: False unless the caller sets them; flagged patches are listed in
  ``metadata_for_patches_with_snow_cloud_or_shadow.parquet``, as reBEN lists them;
* reference maps: NOT the real CLC map. A pixel map whose classes are exactly the patch's v1
  labels, laid out by the patch's real NDVI (the pixels sorted by NDVI and cut into equal
  shares, one per label: water lowest, then artificial, agricultural, and forest highest),
  written as CLC codes on the patch's 10 m grid, as reBEN writes them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import rasterio

from eotext.schemes import BIGEARTHNET_19, ben43_to_ben19
from eotext.schemes.corine import bigearthnet_label_codes

S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")
#: Tile → country of the sample's patches (from its PROVENANCE.txt).
COUNTRY_BY_TILE = {
    "T33UUP": "Austria",
    "T29UPU": "Ireland",
    "T29SND": "Portugal",
    "T34TEQ": "Serbia",
    "T34TEP": "Serbia",
    "T35VLC": "Lithuania",
    "T35WPN": "Finland",
    "T35VNH": "Finland",
    "T35VPK": "Finland",
}
_SPLITS = ("train", "validation", "test")


def v2_patch_id(v1_name: str, tile_source: str) -> str:
    """The v2 id of a v1 S2 patch: ``<sat>_MSIL2A_<date>_N9999_<orbit>_<tile>_<col>_<row>``."""
    sat, level, date, col, row = v1_name.split("_")
    parts = tile_source.removesuffix(".SAFE").split("_")
    orbit = next(p for p in parts if p.startswith("R") and p[1:].isdigit())
    tile = next(p for p in parts if p.startswith("T") and len(p) == 6)
    return f"{sat}_{level}_{date}_N9999_{orbit}_{tile}_{col}_{row}"


def make_v2_root(
    root: Path,
    v1_data: Path,
    *,
    with_s1: bool = True,
    with_maps: bool = True,
    flags: dict[str, tuple[bool, bool]] | None = None,
    only: Iterable[str] | None = None,
) -> list[dict[str, object]]:
    """Write a v2 root at ``root`` from the v1 sample at ``v1_data``; returns the metadata rows.

    Args:
        flags: v1 patch name → (contains_seasonal_snow, contains_cloud_or_shadow).
        only: v1 patch names to include (default: all with a 19-class label).
    """
    v1_data = v1_data.resolve()
    s1_by_s2 = _s1_partners(v1_data / "S1")
    rows: list[dict[str, object]] = []
    wanted = set(only) if only is not None else None
    for folder in sorted(p for p in (v1_data / "S2").iterdir() if p.is_dir()):
        if wanted is not None and folder.name not in wanted:
            continue
        meta = json.loads(next(folder.glob("*_labels_metadata.json")).read_text())
        codes43 = bigearthnet_label_codes(meta["labels"])
        labels19 = [BIGEARTHNET_19.by_code(c).name for c in ben43_to_ben19(codes43)]
        if not labels19:
            continue
        pid = v2_patch_id(folder.name, meta["tile_source"])
        product = pid.rsplit("_", 2)[0]
        target = root / "BigEarthNet-S2" / product / pid
        target.mkdir(parents=True)
        for band in S2_BANDS:
            os.symlink(folder / f"{folder.name}_{band}.tif", target / f"{pid}_{band}.tif")
        partner = s1_by_s2.get(folder.name)
        tile = pid.split("_")[5]
        s1_name = (
            partner.name if partner else f"S1A_IW_GRDH_1SDV_{pid.split('_')[2]}_{tile[1:]}_0_0"
        )
        if with_s1 and partner is not None:
            s1_target = root / "BigEarthNet-S1" / s1_name.rsplit("_", 3)[0] / s1_name
            s1_target.mkdir(parents=True)
            for pol in ("VV", "VH"):
                os.symlink(partner / f"{s1_name}_{pol}.tif", s1_target / f"{s1_name}_{pol}.tif")
        if with_maps:
            ref = root / "Reference_Maps" / product / pid / f"{pid}_reference_map.tif"
            ref.parent.mkdir(parents=True)
            write_reference_map(ref, folder, codes43)
        snow, cloud = (flags or {}).get(folder.name, (False, False))
        rows.append(
            {
                "patch_id": pid,
                "labels": labels19,
                "split": _SPLITS[len(rows) % 3],
                "country": COUNTRY_BY_TILE[tile],
                "s1_name": s1_name,
                "s2v1_name": folder.name,
                "contains_seasonal_snow": snow,
                "contains_cloud_or_shadow": cloud,
            }
        )
    # As reBEN ships them: flagged patches in their own file, the others in metadata.parquet.
    flagged = [r for r in rows if r["contains_seasonal_snow"] or r["contains_cloud_or_shadow"]]
    write_metadata(root / "metadata.parquet", [r for r in rows if r not in flagged])
    if flagged:
        write_metadata(root / "metadata_for_patches_with_snow_cloud_or_shadow.parquet", flagged)
    if with_s1:
        (root / "BigEarthNet-S1").mkdir(exist_ok=True)
    return rows


def write_metadata(path: Path, rows: list[dict[str, object]]) -> None:
    """``metadata.parquet`` with v2's columns and types."""
    schema = pa.schema(
        [
            ("patch_id", pa.string()),
            ("labels", pa.list_(pa.string())),
            ("split", pa.string()),
            ("country", pa.string()),
            ("s1_name", pa.string()),
            ("s2v1_name", pa.string()),
            ("contains_seasonal_snow", pa.bool_()),
            ("contains_cloud_or_shadow", pa.bool_()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


#: Order in which a patch's labels take NDVI shares, lowest NDVI first.
def _greenness(code: int) -> int:
    return {5: 0, 4: 1, 1: 2, 3: 3, 2: 4}.get(code // 100, 5) * 1000 + code


def write_reference_map(path: Path, v1_folder: Path, codes43: tuple[int, ...]) -> None:
    """A CLC-coded map of the patch's labels laid out by its real NDVI (see the module doc)."""
    name = v1_folder.name
    with rasterio.open(v1_folder / f"{name}_B04.tif") as red_src:
        red = red_src.read(1).astype(np.float64)
        profile = red_src.profile
    with rasterio.open(v1_folder / f"{name}_B08.tif") as nir_src:
        nir = nir_src.read(1).astype(np.float64)
    ndvi = (nir - red) / np.maximum(nir + red, 1.0)
    order = sorted(codes43, key=_greenness)
    ranks = np.argsort(np.argsort(ndvi, axis=None, kind="stable")).reshape(ndvi.shape)
    share = (ranks * len(order)) // ndvi.size
    clc = np.array(order, dtype=np.uint16)[share]
    profile.update(dtype="uint16", count=1, nodata=None, compress="deflate")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(clc, 1)


def _s1_partners(s1_root: Path) -> dict[str, Path]:
    out = {}
    for folder in sorted(p for p in s1_root.iterdir() if p.is_dir()):
        meta = json.loads(next(folder.glob("*_labels_metadata.json")).read_text())
        out[str(meta["corresponding_s2_patch"])] = folder
    return out
