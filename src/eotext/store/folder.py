"""The dataset folder: the contract users and tools rely on.

.. code-block:: text

    OUT/
      manifest.json      recipe, eotext version, sources with licences, counts, timings
      patches.parquet    one row per patch (GeoParquet; geometry = footprint in WGS84)
      texts.parquet      one row per text annotation
      images/<patch_id>.tif  labels/<patch_id>.tif  previews/<patch_id>.png
      .eotext/           build state: recipe fingerprint and one finished file set per unit

Each unit of work writes its rows to ``.eotext/units/`` and only then its ``.done.json``
marker, all through temporary names and renames; a killed build loses at most the unit in
flight, and a rerun skips every unit that has its marker, unless the marker says the unit is
incomplete (an LLM request got no answer): then the rerun builds it again, and the response
cache answers what was answered before.

One build writes a folder at a time (:mod:`eotext.store.lock`). The folder is claimed by
creating ``.eotext/`` before anything else, so a build killed at any point, even before its
recipe record exists, leaves a folder the rerun accepts; the rerun also removes the
temporary files (``.*.tmp``) a killed build left behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from eotext.clients.cache import CACHE_NAME
from eotext.errors import OutputError
from eotext.files import TMP_SUFFIX, atomic_path, read_arrow, write_arrow_atomic, write_json_atomic
from eotext.store.lock import WriterLock
from eotext.store.records import PATCH_SCHEMA, TEXT_SCHEMA, PatchRecord, TextRecord, UnitSummary

__all__ = ["PATCH_SCHEMA", "TEXT_SCHEMA", "DatasetFolder"]

log = logging.getLogger(__name__)

_STATE = ".eotext"


@dataclass(frozen=True)
class DatasetFolder:
    """Paths of a dataset folder, and its build state."""

    root: Path

    @property
    def images(self) -> Path:
        return self.root / "images"

    @property
    def labels(self) -> Path:
        return self.root / "labels"

    @property
    def previews(self) -> Path:
        return self.root / "previews"

    @property
    def units(self) -> Path:
        return self.root / _STATE / "units"

    @property
    def llm_cache(self) -> Path:
        return self.root / _STATE / CACHE_NAME

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def patches_table(self) -> Path:
        return self.root / "patches.parquet"

    @property
    def texts_table(self) -> Path:
        return self.root / "texts.parquet"

    @contextlib.contextmanager
    def writing(self, fingerprint: str, recipe: dict[str, Any]) -> Iterator[None]:
        """Claim the folder for this build, hold its writer lock, and prepare it.

        Nothing is written into a folder that is neither new, empty nor an eotext folder.

        Raises:
            OutputError: the path is a file, the folder holds other files or a build of a
                different recipe.
            FolderBusyError: another build is writing the folder.
        """
        self._check_claimable()
        self._check_recipe(fingerprint)  # refused without touching the folder, lock file included
        with WriterLock(self.root):
            self.prepare(fingerprint, recipe)
            removed = self.remove_stale_temp_files()
            if removed:
                log.info(
                    "%s: removed %d temporary file(s) left by a killed build", self.root, removed
                )
            yield

    def _check_claimable(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(
                f"{self.root} is a file, not a folder; nothing was changed. "
                "Choose a new or empty folder with -o"
            )
        if self.root.is_dir() and not (self.root / _STATE).is_dir() and any(self.root.iterdir()):
            raise OutputError(
                f"{self.root} exists and is not an eotext dataset folder; nothing was changed. "
                "Choose an empty or new folder with -o"
            )

    def _check_recipe(self, fingerprint: str) -> None:
        state = self.root / _STATE / "recipe.json"
        if state.exists():
            previous = json.loads(state.read_text()).get("fingerprint")
            if previous != fingerprint:
                raise OutputError(
                    f"{self.root} holds a dataset built from a different recipe "
                    f"(fingerprint {previous}, this recipe {fingerprint}); nothing was changed. "
                    "Write to a new folder with -o, or delete the old one to rebuild it"
                )

    def prepare(self, fingerprint: str, recipe: dict[str, Any]) -> None:
        """Create the folder, or check that it holds a build of the same recipe.

        A folder with ``.eotext/`` but no recipe record is one whose first build was killed
        before writing it: it is taken over.

        Raises:
            OutputError: the folder holds other files or a build of a different recipe.
        """
        self._check_claimable()
        self._check_recipe(fingerprint)
        state = self.root / _STATE / "recipe.json"
        (self.root / _STATE).mkdir(parents=True, exist_ok=True)
        for d in (self.images, self.labels, self.previews, self.units):
            d.mkdir(parents=True, exist_ok=True)
        if not state.exists():
            write_json_atomic(state, {"fingerprint": fingerprint, "recipe": recipe})

    def remove_stale_temp_files(self) -> int:
        """Remove the temporary files (``.*.tmp``) a killed build left; call under the lock.

        A temporary name carries its writer's pid (:func:`eotext.files.atomic_path`); one of
        a live process (say an export writing into the folder) is left alone.

        Returns:
            How many were removed.
        """
        removed = 0
        for d in (
            self.root,
            self.root / _STATE,
            self.units,
            self.images,
            self.labels,
            self.previews,
        ):
            try:
                entries = list(os.scandir(d))
            except FileNotFoundError:
                continue
            for entry in entries:
                if (
                    entry.name.startswith(".")
                    and entry.name.endswith(TMP_SUFFIX)
                    and not _writer_alive(entry.name)
                ):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def recorded_unit_patches(self) -> int | None:
        """The unit size (patches per side) this folder's build started with, if any.

        Unit ids name windows of that size, so a resumed build must cut the same units:
        with another size it would build patches twice or skip some.
        """
        state = self.root / _STATE / "recipe.json"
        if not state.exists():
            return None
        output = json.loads(state.read_text()).get("recipe", {}).get("output", {})
        value = output.get("unit_patches")
        return int(value) if isinstance(value, int) else None

    def is_stored(self, unit_id: str) -> bool:
        """Whether the unit's completion marker is in the folder (complete or not)."""
        return (self.units / f"{unit_id}.done.json").exists()

    def complete_units(self) -> set[str]:
        """The ids of the stored units that are complete (one read of every marker)."""
        return {s.unit_id for s in self.unit_summaries() if not s.incomplete}

    def save_unit(
        self,
        unit_id: str,
        patches: Sequence[PatchRecord],
        texts: Sequence[TextRecord],
        summary: UnitSummary,
    ) -> None:
        """Store one unit's rows, then its completion marker (the marker is written last).

        A unit without rows of a kind (open sea keeps no patch) stores no table of that kind.
        """
        if patches:
            _write_table(self.units / f"{unit_id}.patches.arrow", patches, PATCH_SCHEMA)
        if texts:
            _write_table(self.units / f"{unit_id}.texts.arrow", texts, TEXT_SCHEMA)
        write_json_atomic(self.units / f"{unit_id}.done.json", summary.to_dict())

    def unit_summaries(self) -> list[UnitSummary]:
        """The summaries of the finished units, in unit id order."""
        return [
            UnitSummary.from_dict(json.loads(p.read_text()))
            for p in sorted(self.units.glob("*.done.json"))
        ]

    def merge_tables(
        self, assign_splits: Callable[[list[dict[str, Any]]], list[str]] | None = None
    ) -> tuple[int, int]:
        """Concatenate finished units into ``patches.parquet`` and ``texts.parquet``.

        ``assign_splits`` maps the patch rows to their splits (it needs every patch at once).
        """
        done = sorted(p.name.removesuffix(".done.json") for p in self.units.glob("*.done.json"))
        counts = []
        for suffix, schema, target in (
            ("patches", PATCH_SCHEMA, self.patches_table),
            ("texts", TEXT_SCHEMA, self.texts_table),
        ):
            found = (_read_unit_table(self.units, u, suffix) for u in done)
            tables = [t for t in found if t is not None]
            table = pa.concat_tables(tables) if tables else schema.empty_table()
            sort_key = "patch_id" if suffix == "patches" else "text_id"
            table = table.sort_by(sort_key)
            if suffix == "patches" and assign_splits is not None and table.num_rows:
                wanted = ["patch_id", "geometry", "dominant_class", "multilabels"]
                wanted += ["source_split", "source_country"]
                splits = assign_splits(
                    table.select([c for c in wanted if c in table.column_names]).to_pylist()
                )
                table = table.set_column(
                    table.schema.get_field_index("split"), "split", pa.array(splits, pa.string())
                )
            if suffix == "patches":
                table = _loadable(_with_bbox(table)).replace_schema_metadata(
                    {b"geo": json.dumps(_geo_metadata()).encode()}
                )
            with atomic_path(target) as tmp:
                pq.write_table(table, tmp, compression="zstd")
            counts.append(table.num_rows)
        return counts[0], counts[1]


def _writer_alive(tmp_name: str) -> bool:
    """Whether the process named in a temporary file name (``.NAME.PID.HEX.tmp``) is alive."""
    parts = tmp_name.removesuffix(TMP_SUFFIX).rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # this build's own leftovers cannot be in use: it is only starting
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def _write_table(
    path: Path, records: Sequence[PatchRecord | TextRecord], schema: pa.Schema
) -> None:
    """A unit's rows as an Arrow IPC file: written and read back far faster than Parquet,
    which only the merged tables need."""
    write_arrow_atomic(path, pa.Table.from_pylist([r.to_row() for r in records], schema=schema))


def _read_unit_table(units: Path, unit_id: str, suffix: str) -> pa.Table | None:
    """A finished unit's rows, None when it has none (folders built by earlier versions kept
    them as Parquet, empty tables included)."""
    path = units / f"{unit_id}.{suffix}.arrow"
    if path.exists():
        return read_arrow(path)
    older = units / f"{unit_id}.{suffix}.parquet"
    return pq.read_table(older) if older.exists() else None


#: The ``bbox`` covering column of ``patches.parquet`` (GeoParquet 1.1).

#: OGC:CRS84 (WGS 84, longitude first) in PROJJSON, stated in the GeoParquet metadata.
CRS84_PROJJSON: dict[str, Any] = {
    "$schema": "https://proj.org/schemas/v0.7/projjson.schema.json",
    "type": "GeographicCRS",
    "name": "WGS 84 (CRS84)",
    "datum_ensemble": {
        "name": "World Geodetic System 1984 ensemble",
        "members": [
            {"name": "World Geodetic System 1984 (Transit)"},
            {"name": "World Geodetic System 1984 (G730)"},
            {"name": "World Geodetic System 1984 (G873)"},
            {"name": "World Geodetic System 1984 (G1150)"},
            {"name": "World Geodetic System 1984 (G1674)"},
            {"name": "World Geodetic System 1984 (G1762)"},
            {"name": "World Geodetic System 1984 (G2139)"},
        ],
        "ellipsoid": {
            "name": "WGS 84",
            "semi_major_axis": 6378137,
            "inverse_flattening": 298.257223563,
        },
        "accuracy": "2.0",
        "id": {"authority": "EPSG", "code": 6326},
    },
    "coordinate_system": {
        "subtype": "ellipsoidal",
        "axis": [
            {
                "name": "Geodetic longitude",
                "abbreviation": "Lon",
                "direction": "east",
                "unit": "degree",
            },
            {
                "name": "Geodetic latitude",
                "abbreviation": "Lat",
                "direction": "north",
                "unit": "degree",
            },
        ],
    },
    "scope": "Not known.",
    "area": "World.",
    "bbox": {
        "south_latitude": -90,
        "west_longitude": -180,
        "north_latitude": 90,
        "east_longitude": 180,
    },
    "id": {"authority": "OGC", "code": "CRS84"},
}


def _with_bbox(table: pa.Table) -> pa.Table:
    """Append the ``bbox`` covering column (each footprint's bounds) after ``geometry``."""
    import shapely

    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    bounds = shapely.bounds(geoms)
    names = ("xmin", "ymin", "xmax", "ymax")
    column = pa.StructArray.from_arrays([pa.array(bounds[:, i]) for i in range(4)], names=names)
    return table.add_column(table.schema.get_field_index("geometry") + 1, "bbox", column)


def _loadable(table: pa.Table) -> pa.Table:
    """Map columns as lists of ``{key, value}`` structs: the same data (Arrow stores a map as
    exactly that), in a type Hugging Face ``datasets`` and other readers without map support
    load."""
    for i, field in enumerate(table.schema):
        if pa.types.is_map(field.type):
            entries = pa.list_(
                pa.struct([("key", field.type.key_type), ("value", field.type.item_type)])
            )
            table = table.set_column(i, field.name, table.column(i).cast(entries))
    return table


def _geo_metadata() -> dict[str, Any]:
    """GeoParquet 1.1 metadata: WKB polygons in OGC:CRS84 (lon/lat WGS84), stated explicitly,
    with the ``bbox`` covering column."""
    return {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Polygon"],
                "orientation": "counterclockwise",
                "crs": CRS84_PROJJSON,
                "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}},
            }
        },
    }
