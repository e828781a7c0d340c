"""BigEarthNet v2 (reBEN, Clasen et al. 2024): a root folder of Sentinel-1/-2 patch pairs.

The official layout, as the BigEarthNet v2 archives unpack::

    ROOT/metadata.parquet
    ROOT/BigEarthNet-S2/<product>/<patch_id>/<patch_id>_<band>.tif     (B01 ... B12, B8A)
    ROOT/BigEarthNet-S1/<s1 product>/<s1_name>/<s1_name>_VV.tif|_VH.tif
    ROOT/Reference_Maps/<product>/<patch_id>/<patch_id>_reference_map.tif   (CLC codes)

``<product>`` is the patch id without its last two ``_``-separated parts (the patch's column
and row), and the S1 product the S1 name without its last three. ``metadata.parquet`` holds
one row per patch: ``patch_id``, ``labels`` (19-class names), ``split``
(``train``/``validation``/``test``), ``country``, ``s1_name``, ``s2v1_name``,
``contains_seasonal_snow`` and ``contains_cloud_or_shadow``.

Only the patch folders present on disk are read, so a subset of the archive laid out next to
the full ``metadata.parquet`` works. Nothing here opens a raster: describing half a million
patches costs one directory listing per patch. :class:`BigEarthNetV2Format` hands each patch to
the scene layer as one :class:`~eotext.sources.item.SourceItem`.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from eotext.errors import RecipeError, SourceError
from eotext.sources.imagery import BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem, Tiling
from eotext.sources.sentinel2 import S2_BANDS, S2_NATIVE_GSD_M

S2_DIR = "BigEarthNet-S2"
S1_DIR = "BigEarthNet-S1"
MAPS_DIR = "Reference_Maps"
METADATA = "metadata.parquet"
#: reBEN lists its patches with seasonal snow, clouds or shadows in a second file (same columns).
METADATA_FLAGGED = "metadata_for_patches_with_snow_cloud_or_shadow.parquet"
#: The columns of ``metadata.parquet`` that eotext reads.
METADATA_COLUMNS = (
    "patch_id",
    "labels",
    "split",
    "country",
    "s1_name",
    "s2v1_name",
    "contains_seasonal_snow",
    "contains_cloud_or_shadow",
)
#: Patch flags of the metadata, by the drop reason that names them (``[filters] drop_flags``).
FLAGS = {"seasonal_snow": "contains_seasonal_snow", "cloud_or_shadow": "contains_cloud_or_shadow"}
#: v2's split names → eotext's.
SPLITS = {"train": "train", "validation": "val", "val": "val", "test": "test"}
S1_BANDS = ("VV", "VH")
#: The 12 Sentinel-2 bands of every BigEarthNet patch (all but the cirrus band B10).
BEN_BANDS = tuple(b for b in S2_BANDS if b != "B10")
LICENCE = "CDLA-Permissive-1.0"
ATTRIBUTION = (
    "BigEarthNet v2.0 / reBEN (Clasen et al. 2024), CDLA-Permissive-1.0; "
    "contains modified Copernicus Sentinel data 2017-2018"
)
log = logging.getLogger(__name__)
_DATE = re.compile(r"_(\d{4})(\d{2})(\d{2})T(\d+)(?:_|$)")


@dataclass(frozen=True)
class V2Record:
    """One row of ``metadata.parquet``; ``split`` already in eotext's names (``val``)."""

    patch_id: str
    labels: tuple[str, ...]
    split: str | None
    country: str | None
    s1_name: str | None
    s2v1_name: str | None
    flags: frozenset[str]


@dataclass(frozen=True)
class V2Patch:
    """One v2 patch: its metadata, its S2 bands, its S1 partner and reference map (if present)."""

    record: V2Record
    imagery: Imagery
    s1: Imagery | None
    reference_map: str | None


@dataclass(frozen=True)
class V2Source:
    """The patches of a v2 root that have both a folder and a metadata row.

    Attributes:
        patches: in patch-id order.
        without_metadata: patch folders on disk that ``metadata.parquet`` does not list.
        has_s1 / has_maps: whether the root holds ``BigEarthNet-S1/`` / ``Reference_Maps/``.
    """

    root: Path
    patches: tuple[V2Patch, ...]
    without_metadata: tuple[str, ...]
    has_s1: bool
    has_maps: bool


def is_bigearthnet_v2(path: str | Path) -> bool:
    """Whether ``path`` is a v2 root: ``BigEarthNet-S2/`` and ``metadata.parquet`` inside."""
    p = Path(path)
    return (p / S2_DIR).is_dir() and (p / METADATA).is_file()


def s2_product(patch_id: str) -> str:
    """The product folder of an S2 patch id (the id without its column and row)."""
    return patch_id.rsplit("_", 2)[0]


def s1_product(s1_name: str) -> str:
    """The product folder of an S1 patch name (the name without tile, column and row)."""
    return s1_name.rsplit("_", 3)[0]


def acquired_of(name: str) -> str | None:
    """The acquisition time in a product or patch name, ISO-8601 (``2017-06-13T10:10:31``).

    Some BigEarthNet names carry a time with a digit too few (``20180510T94033``); they give
    the date alone.
    """
    m = _DATE.search(name)
    if not m:
        return None
    y, mo, d, t = m.groups()
    if len(t) != 6:
        return f"{y}-{mo}-{d}"
    return f"{y}-{mo}-{d}T{t[:2]}:{t[2:4]}:{t[4:]}"


def read_metadata(root: str | Path, patch_ids: set[str] | None = None) -> dict[str, V2Record]:
    """The rows of ``ROOT/metadata.parquet`` and, when present, of
    ``ROOT/metadata_for_patches_with_snow_cloud_or_shadow.parquet`` (only those of
    ``patch_ids`` when given).

    Raises:
        SourceError: a file is missing, unreadable, or lacks a required column.
    """
    records: dict[str, V2Record] = {}
    for name in (METADATA_FLAGGED, METADATA):  # the main file wins for a patch in both
        path = Path(root) / name
        if name == METADATA or path.is_file():
            records.update(_read_metadata_file(path, patch_ids))
    return records


def _read_metadata_file(path: Path, patch_ids: set[str] | None) -> dict[str, V2Record]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{path}: cannot be read as Parquet ({exc}); re-download it") from exc
    missing = [c for c in METADATA_COLUMNS if c not in schema.names]
    if missing:
        raise SourceError(
            f"{path}: column(s) {', '.join(missing)} missing (has: {', '.join(schema.names)}); "
            "is this BigEarthNet v2's metadata.parquet?"
        )
    try:
        table = pq.read_table(path, columns=list(METADATA_COLUMNS))
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{path}: cannot be read as Parquet ({exc}); re-download it") from exc
    if patch_ids is not None:
        table = table.filter(pc.is_in(table["patch_id"], value_set=pa.array(sorted(patch_ids))))
    records: dict[str, V2Record] = {}
    for row in table.to_pylist():
        pid = str(row["patch_id"])
        split = row["split"]
        if split is not None and str(split) not in SPLITS:
            raise SourceError(
                f"{path}: patch {pid} has split {split!r}; expected one of {sorted(SPLITS)}"
            )
        records[pid] = V2Record(
            patch_id=pid,
            labels=tuple(str(x) for x in row["labels"] or ()),
            split=SPLITS[str(split)] if split is not None else None,
            country=str(row["country"]) if row["country"] is not None else None,
            s1_name=str(row["s1_name"]) if row["s1_name"] else None,
            s2v1_name=str(row["s2v1_name"]) if row["s2v1_name"] else None,
            flags=frozenset(flag for flag, col in FLAGS.items() if row[col]),
        )
    return records


def find_patch_folders(root: str | Path) -> dict[str, Path]:
    """Patch id → folder, for every ``BigEarthNet-S2/<product>/<patch_id>/`` on disk."""
    s2 = Path(root) / S2_DIR
    found: dict[str, Path] = {}
    with os.scandir(s2) as products:
        for product in products:
            if not product.is_dir():
                continue
            with os.scandir(product.path) as patches:
                for patch in patches:
                    if patch.is_dir():
                        found[patch.name] = Path(patch.path)
    return found


def read_bigearthnet_v2(root: str | Path, bands: tuple[str, ...] | None = None) -> V2Source:
    """Describe every patch of a v2 root that has a folder and a metadata row.

    Args:
        root: the folder holding ``BigEarthNet-S2/`` and ``metadata.parquet``.
        bands: S2 bands to keep, in order (default: the 12 bands of BigEarthNet).

    Raises:
        SourceError: not a v2 root, no patch folders, or a patch lacks a requested band.
    """
    base = Path(root)
    if not is_bigearthnet_v2(base):
        raise SourceError(
            f"{base}: not a BigEarthNet v2 root (needs {S2_DIR}/ and {METADATA} inside)"
        )
    folders = find_patch_folders(base)
    if not folders:
        raise SourceError(f"{base / S2_DIR}: no patch folders (<product>/<patch_id>/) found")
    records = read_metadata(base, set(folders))
    has_s1 = (base / S1_DIR).is_dir()
    has_maps = (base / MAPS_DIR).is_dir()
    patches = []
    for pid in sorted(records):
        record = records[pid]
        imagery = _s2_imagery(folders[pid], pid, bands)
        s1 = _s1_imagery(base / S1_DIR, record.s1_name) if has_s1 and record.s1_name else None
        ref = base / MAPS_DIR / s2_product(pid) / pid / f"{pid}_reference_map.tif"
        patches.append(
            V2Patch(record, imagery, s1, str(ref) if has_maps and ref.is_file() else None)
        )
    without = tuple(sorted(set(folders) - set(records)))
    return V2Source(base, tuple(patches), without, has_s1, has_maps)


def _s2_imagery(folder: Path, pid: str, bands: tuple[str, ...] | None) -> Imagery:
    names = set(os.listdir(folder))
    present = [b for b in S2_BANDS if f"{pid}_{b}.tif" in names]
    wanted = tuple(b.upper() for b in bands) if bands else BEN_BANDS
    missing = [b for b in wanted if b not in present]
    if missing or not wanted:
        raise SourceError(
            f"{folder}: band file(s) {', '.join(f'{pid}_{b}.tif' for b in missing) or 'B??'} "
            f"missing (present: {', '.join(present) or 'none'})"
        )
    # Surface reflectance stored as DN / 10000, as in v1 (no BOA offset in the patch files).
    band_files = tuple(
        BandFile(b, str(folder / f"{pid}_{b}.tif"), 1, float(S2_NATIVE_GSD_M[b]), 1e-4, 0.0)
        for b in wanted
    )
    return Imagery(
        sensor="sentinel-2" + (pid[2].lower() if pid[:2] == "S2" else ""),
        bands=band_files,
        product_id=s2_product(pid),
        acquired=acquired_of(pid),
        nodata=None,
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


def _s1_imagery(s1_root: Path, s1_name: str) -> Imagery | None:
    folder = s1_root / s1_product(s1_name) / s1_name
    try:
        names = set(os.listdir(folder))
    except OSError:
        return None
    if not all(f"{s1_name}_{b}.tif" in names for b in S1_BANDS):
        return None
    sensor = "sentinel-1" + (s1_name[2].lower() if s1_name[:2] == "S1" else "")
    band_files = tuple(
        BandFile(b, str(folder / f"{s1_name}_{b}.tif"), 1, 10.0, sensor=sensor) for b in S1_BANDS
    )
    return Imagery(
        sensor=sensor,
        bands=band_files,
        product_id=s1_product(s1_name),
        acquired=acquired_of(s1_name),
        nodata=None,
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


class BigEarthNetV2Format(SourceFormat):
    """BigEarthNet v2 (reBEN) roots: one whole-scene item per patch with a folder and a row.

    Each item has the patch's 12 Sentinel-2 bands, its Sentinel-1 partner (``s1_name``, from
    ``BigEarthNet-S1/``) when the root has it, its 19-class labels, and its CORINE reference
    map when ``Reference_Maps/`` is there, so the regular statistics, captions, VQA and
    referring run on it. The archive's pairing is trusted: no date or overlap check.
    """

    name = "bigearthnet-v2"
    summary = "BigEarthNet v2 (reBEN) root: BigEarthNet-S2/ and metadata.parquet"
    pairs_s1 = True

    def sniff(self, path: Path) -> bool:
        return is_bigearthnet_v2(path)

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        source = read_bigearthnet_v2(path, bands)
        if source.without_metadata:
            log.warning(
                "%s: %d patch folder(s) not in metadata.parquet are left out (first: %s)",
                source.root,
                len(source.without_metadata),
                source.without_metadata[0],
            )
        return [
            SourceItem(
                p.imagery,
                name=p.record.patch_id,
                tiling=Tiling.WHOLE,
                labels=p.record.labels,
                labels_scheme="bigearthnet-19",
                label_path=p.reference_map,
                label_codes="corine" if p.reference_map else None,
                s1=p.s1,
                split=p.record.split,
                country=p.record.country,
                flags=p.record.flags,
            )
            for p in source.patches
        ]

    def s1_partners(self, s1: str, items: list[SourceItem]) -> list[Imagery | None] | None:
        raise RecipeError(
            f"{s1}: a BigEarthNet v2 root pairs its patches with Sentinel-1 itself "
            f"({S1_DIR}/ next to {S2_DIR}/, by s1_name); leave s1 (--s1) out"
        )
