"""Reading OpenStreetMap extracts (``.osm.pbf``, ``.osm`` and the other formats libosmium knows).

Objects stream out of the file one by one as shapely geometries in WGS84 longitude/latitude with
their tags; nothing but the node location index is held while reading. Only objects carrying at
least one of the wanted keys are built (libosmium filters them before Python sees them), and only
those touching the area of interest are kept.

* nodes → points (element ``"n"``)
* ways → line strings, closed or not (element ``"w"``); whether a closed way is an area is a
  question of its tags, decided by the caller (:mod:`eotext.semantics.osm.layer`)
* multipolygon relations → multipolygons assembled by libosmium (element ``"a"``, id = the
  relation's id)

What cannot be used is counted, never dropped silently: ways with nodes missing from the extract,
multipolygons that do not assemble, geometries that cannot be built, tags that are too long or
not valid UTF-8.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from eotext.errors import MissingDependencyError, RecipeError, SourceError
from eotext.sources.item import SourceFormat, SourceItem
from eotext.sources.osm_file import (
    LIBOSMIUM_MAX_TAG_BYTES,
    check_pbf_end,
    is_pbf,
    is_xml,
    xml_without_long_tags,
)

if TYPE_CHECKING:
    from eotext.sources.imagery import Imagery

log = logging.getLogger(__name__)

#: Attribution that every dataset built from OSM data must carry (ODbL 1.0, section 4.3).
OSM_LICENCE = "ODbL-1.0"
OSM_ATTRIBUTION = (
    "Contains information from OpenStreetMap, © OpenStreetMap contributors, made available "
    "under the Open Database License (ODbL) 1.0: https://www.openstreetmap.org/copyright"
)


def import_osmium() -> Any:
    """Import pyosmium, or say how to install it.

    Raises:
        MissingDependencyError: pyosmium is not installed.
    """
    try:
        import osmium
    except ImportError as exc:
        raise MissingDependencyError(
            "reading OpenStreetMap data needs pyosmium, which is not installed; "
            "install it with: pip install 'eotext[osm]'"
        ) from exc
    return osmium


#: OSM's own limit on the length of a key or a value; longer ones are dropped and counted.
MAX_TAG_CHARS = 255
#: Files larger than this keep node locations in a file on disk under ``location_index="auto"``.
DISK_INDEX_BYTES = 512 * 1024 * 1024
#: On disk, files larger than this (a continent, the planet: most of OSM's node ids) use an array
#: indexed by node id (8 bytes per id up to the largest, ~100 GB today), smaller ones a sorted
#: list of (id, location) pairs (16 bytes per node of the file), as osmium's manual advises.
DENSE_INDEX_BYTES = 40 * 1024**3
LOCATION_INDEXES = ("auto", "memory", "disk")
#: Element codes, as SkyScript's file names use them (``a198234555``).
ELEMENTS = ("n", "w", "a")

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees)


@dataclass(frozen=True)
class OsmObject:
    """One OSM object with a geometry.

    Attributes:
        element: ``"n"`` node, ``"w"`` way, ``"a"`` multipolygon relation (an area).
        osm_id: the id of the node, way or relation in OSM.
        tags: the object's tags (only the keys the reader was asked to keep).
        geometry: WGS84 longitude/latitude: a Point, a LineString or a MultiPolygon.
        closed: a way whose first and last node are the same (it may describe an area).
    """

    element: str
    osm_id: int
    tags: dict[str, str]
    geometry: BaseGeometry
    closed: bool = False

    def __post_init__(self) -> None:
        if self.element not in ELEMENTS:
            raise ValueError(f"element must be one of {ELEMENTS}, got {self.element!r}")

    @property
    def ref(self) -> str:
        """``w123``: element code and id, the way SkyScript names its images."""
        return f"{self.element}{self.osm_id}"


@dataclass
class ReadCounts:
    """What a read found and what it could not use, by reason."""

    objects: Counter[str] = field(default_factory=Counter)  # kept, by element
    skipped: Counter[str] = field(default_factory=Counter)  # objects not used, by reason
    tags_dropped: Counter[str] = field(default_factory=Counter)  # tags not kept, by reason
    outside_aoi: int = 0
    cut_ways: int = 0  # ways with nodes outside the extract, kept as the part inside
    truncated: str | None = None  # why the file looks cut short, when it does

    def as_dict(self) -> dict[str, Any]:
        return {
            "objects": dict(sorted(self.objects.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "tags_dropped": dict(sorted(self.tags_dropped.items())),
            "outside_aoi": self.outside_aoi,
            "cut_ways": self.cut_ways,
            **({"truncated": self.truncated} if self.truncated else {}),
        }


@dataclass(frozen=True)
class OsmData:
    """All objects a read kept, and its counts."""

    objects: tuple[OsmObject, ...]
    counts: dict[str, Any]
    path: str


def read_osm(
    path: str | Path,
    keys: Iterable[str],
    keep: Iterable[str] | None = None,
    aoi: Bounds | None = None,
    location_index: str = "auto",
) -> OsmData:
    """Read every object of an extract that has one of ``keys`` and touches ``aoi``.

    Args:
        path: an ``.osm.pbf``, ``.osm`` (also ``.gz``/``.bz2``) or ``.o5m`` file.
        keys: an object is read only when it has at least one of these tag keys.
        keep: tag keys to keep on each object (default: all).
        aoi: (west, south, east, north) in degrees; objects whose bounds miss it are left out.
        location_index: where node locations are kept while ways are built: ``"memory"``,
            ``"disk"`` (a temporary file, for extracts larger than memory) or ``"auto"``
            (disk for files over 512 MB).

    Raises:
        MissingDependencyError: pyosmium is not installed.
        SourceError: the file is missing, truncated or corrupt.
    """
    import_osmium()
    p = _check_file(path)
    counts = ReadCounts()
    if is_pbf(p):
        counts.truncated = check_pbf_end(p)
        if counts.truncated:
            log.warning("%s: probably truncated: %s; download it again", p, counts.truncated)
    try:
        with _collector_paused():
            objects = tuple(iter_osm(p, keys, keep, aoi, location_index, counts))
    except _OverLongTagError:
        if not is_xml(p):
            raise
        # libosmium refuses the whole file; read a copy without the over-long tags instead.
        with _without_long_tags(p) as (copy, dropped), _collector_paused():
            counts = ReadCounts()
            objects = tuple(iter_osm(copy, keys, keep, aoi, location_index, counts))
        counts.tags_dropped["too_long"] += dropped
        log.warning("%s: %d tag(s) over %d bytes left out", p, dropped, LIBOSMIUM_MAX_TAG_BYTES)
    return OsmData(objects, counts.as_dict(), str(path))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a read makes its many objects.

    The objects (tags, records, geometries) hold no reference cycles, yet each few hundred
    allocations start a collection that walks the objects already alive, the caller's included:
    about a tenth of a read's time for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _OverLongTagError(SourceError):
    """libosmium refused the file because a tag is over its 1,024-byte limit."""


def iter_osm(
    path: str | Path,
    keys: Iterable[str],
    keep: Iterable[str] | None = None,
    aoi: Bounds | None = None,
    location_index: str = "auto",
    counts: ReadCounts | None = None,
) -> Iterator[OsmObject]:
    """Stream the objects :func:`read_osm` returns, counting into ``counts``.

    Raises:
        MissingDependencyError: pyosmium is not installed.
        SourceError: the file is missing, truncated or corrupt (raised when the bad part is
            reached; objects already yielded were read correctly).
    """
    osmium = import_osmium()
    p = _check_file(path)
    key_list = sorted(set(keys))
    if not key_list:
        raise RecipeError("read_osm needs at least one tag key to select objects")
    keep_set = None if keep is None else frozenset(keep)
    counts = counts if counts is not None else ReadCounts()
    wkb = osmium.geom.WKBFactory()
    node_type, way_type, area_type = osmium.osm.Node, osmium.osm.Way, osmium.osm.Area
    multipolygons: set[int] = set()  # multipolygon relations with wanted keys
    assembled: set[int] = set()  # ... and those libosmium turned into areas
    batch = _Batch()  # geometries are decoded in batches: much faster than one by one
    with ExitStack() as stack:
        index = _location_index(p, location_index, stack)
        processor = (
            osmium.FileProcessor(str(p))
            .with_locations(index)
            .with_areas(osmium.filter.KeyFilter(*key_list))
            .with_filter(osmium.filter.KeyFilter(*key_list))
        )
        try:
            for obj in processor:
                kind = type(obj)  # one comparison instead of the is_*() method calls
                if kind is node_type:
                    tags = _tags(obj.tags, keep_set, counts)
                    location = obj.location
                    if location.valid():
                        batch.add_point(obj.id, tags, location.lon, location.lat)
                    else:
                        counts.skipped["geometry_not_built"] += 1
                elif kind is way_type:
                    _add_way(obj, wkb, keep_set, counts, batch)
                elif kind is area_type:
                    if obj.from_way():
                        continue  # closed ways come as ways; the caller decides on areas
                    assembled.add(obj.orig_id())
                    _add_area(obj, wkb, keep_set, counts, batch)
                else:
                    if obj.tags.get("type") in ("multipolygon", "boundary"):
                        multipolygons.add(obj.id)
                    continue
                if len(batch) >= _BATCH:
                    yield from batch.finish(aoi, counts)
                    batch = _Batch()
            yield from batch.finish(aoi, counts)
        except RuntimeError as exc:
            raise SourceError(
                f"{p}: cannot be read as OpenStreetMap data ({exc}); the file is truncated or "
                "corrupt — download the extract again, or check it with `osmium fileinfo -e`"
            ) from exc
        except ValueError as exc:
            raise _over_long(p, exc) from exc
    broken = len(multipolygons - assembled)
    if broken:
        counts.skipped["multipolygon_not_assembled"] += broken
        log.info(
            "%s: %d multipolygon relation(s) could not be assembled (broken rings, or members "
            "outside the extract); they are counted and left out",
            p.name,
            broken,
        )


def extract_bounds(path: str | Path) -> Bounds:
    """The area an extract covers: the bounding box of its header, or of its nodes.

    Raises:
        MissingDependencyError: pyosmium is not installed.
        SourceError: the file is unreadable or holds no nodes.
    """
    osmium = import_osmium()
    p = _check_file(path)
    try:
        box = osmium.io.Reader(str(p), osmium.osm.NOTHING).header().box()
        if box.valid():
            bl, tr = box.bottom_left, box.top_right
            return (bl.lon, bl.lat, tr.lon, tr.lat)
        west = south = float("inf")
        east = north = float("-inf")
        for node in osmium.FileProcessor(str(p), osmium.osm.NODE):
            loc = node.location
            if loc.valid():
                west, east = min(west, loc.lon), max(east, loc.lon)
                south, north = min(south, loc.lat), max(north, loc.lat)
    except RuntimeError as exc:
        raise SourceError(
            f"{p}: cannot be read as OpenStreetMap data ({exc}); the file is truncated or "
            "corrupt — download the extract again, or check it with `osmium fileinfo -e`"
        ) from exc
    except ValueError as exc:
        error = _over_long(p, exc)
        if isinstance(error, _OverLongTagError) and is_xml(p):
            # The header has no box: take the nodes of a copy without the long tags.
            with _without_long_tags(p) as (copy, _):
                return extract_bounds(copy)
        raise error from exc
    if west > east:
        raise SourceError(f"{p}: holds no nodes, so it covers no area; is it the right file?")
    return (west, south, east, north)


@contextmanager
def _without_long_tags(path: Path) -> Iterator[tuple[Path, int]]:
    """A temporary copy of an XML extract without tags over libosmium's limit, and how many."""
    with tempfile.TemporaryDirectory(prefix="eotext-osm-") as tmp:
        copy = Path(tmp) / "extract.osm"
        yield copy, xml_without_long_tags(path, copy)


def _over_long(path: Path, exc: ValueError) -> SourceError:
    if "too long" not in str(exc):
        return SourceError(f"{path}: cannot be read as OpenStreetMap data ({exc})")
    return _OverLongTagError(
        f"{path}: holds a tag over {LIBOSMIUM_MAX_TAG_BYTES} bytes, which libosmium cannot read "
        f"({exc}); convert it to .osm XML (eotext then leaves such tags out) or remove the tag"
    )


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise SourceError(
            f"{p}: no such OpenStreetMap file; check the `osm` path in the recipe or --osm"
        )
    return p


def _location_index(path: Path, choice: str, stack: ExitStack) -> str:
    """The libosmium node location index for a file of this size.

    In memory, ``flex_mem`` (libosmium's default: a sparse list for extracts, switching to an
    array indexed by node id when the file holds most ids); on disk, see
    :data:`DENSE_INDEX_BYTES`. The index cost is small next to the read itself (on Helsinki,
    flex_mem, sparse_mem_array and sparse_mem_map are within 2 ms of each other).
    """
    if choice not in LOCATION_INDEXES:
        raise RecipeError(f"location_index must be one of {LOCATION_INDEXES}, got {choice!r}")
    on_disk = choice == "disk" or (choice == "auto" and path.stat().st_size > DISK_INDEX_BYTES)
    if not on_disk:
        return "flex_mem"
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="eotext-osm-"))
    log.info("%s: node locations kept on disk in %s", path.name, folder)
    kind = "dense_file_array" if path.stat().st_size > DENSE_INDEX_BYTES else "sparse_file_array"
    return f"{kind},{os.path.join(folder, 'nodes.idx')}"


_BATCH = 4096


class _Batch:
    """Objects read but not yet turned into :class:`OsmObject`: their geometries are decoded
    together (points from coordinates, lines and areas from WKB), which is much faster than one
    by one."""

    def __init__(self) -> None:
        # element, id, tags, closed; the geometry is in one of the lists below, by position
        self.records: list[tuple[str, int, dict[str, str], bool]] = []
        self.points: tuple[list[int], list[float], list[float]] = ([], [], [])
        self.wkb: tuple[list[int], list[str]] = ([], [])
        self.built: tuple[list[int], list[BaseGeometry]] = ([], [])

    def __len__(self) -> int:
        return len(self.records)

    def add_point(self, osm_id: int, tags: dict[str, str], lon: float, lat: float) -> None:
        self.points[0].append(len(self.records))
        self.points[1].append(lon)
        self.points[2].append(lat)
        self.records.append(("n", osm_id, tags, False))

    def add(
        self,
        element: str,
        osm_id: int,
        tags: dict[str, str],
        geometry: str | BaseGeometry,
        closed: bool,
    ) -> None:
        """An object whose geometry is WKB (hex) from pyosmium, or a shapely geometry."""
        target: Any = self.wkb if isinstance(geometry, str) else self.built
        target[0].append(len(self.records))
        target[1].append(geometry)
        self.records.append((element, osm_id, tags, closed))

    def finish(self, aoi: Bounds | None, counts: ReadCounts) -> list[OsmObject]:
        """The objects, leaving out empty ones and those outside ``aoi`` (counted)."""
        if not self.records:
            return []
        raw = np.empty(len(self.records), dtype=object)
        where, lon, lat = self.points
        if where:
            raw[where] = shapely.points(np.array(lon), np.array(lat))
        where, hexes = self.wkb
        if where:
            # GEOS parses hex WKB several times slower than Python turns it into bytes.
            raw[where] = shapely.from_wkb(np.array([bytes.fromhex(h) for h in hexes], object))
        for i, geometry in zip(*self.built, strict=True):  # few: ways cut at the edge
            raw[i] = geometry
        empty = shapely.is_empty(raw)
        inside = np.ones(len(raw), dtype=bool)
        if aoi is not None:
            west, south, east, north = shapely.bounds(raw).T
            inside = (west <= aoi[2]) & (east >= aoi[0]) & (south <= aoi[3]) & (north >= aoi[1])
        n_empty = int(empty.sum())
        if n_empty:
            counts.skipped["geometry_empty"] += n_empty
        counts.outside_aoi += int((~empty & ~inside).sum())
        geoms, records = raw.tolist(), self.records
        out = []
        for i in np.flatnonzero(~empty & inside).tolist():
            element, osm_id, tags, closed = records[i]
            out.append(OsmObject(element, osm_id, tags, geoms[i], closed))
        counts.objects.update(o.element for o in out)
        return out


def _add_way(
    way: Any, wkb: Any, keep: frozenset[str] | None, counts: ReadCounts, batch: _Batch
) -> None:
    """Put a way's line in ``batch``, or count why it has none (valid only during this call)."""
    tags = _tags(way.tags, keep, counts)
    try:
        geometry, complete = _way_geometry(way, wkb)
    except Exception:  # pyosmium raises several types for unbuildable geometries
        counts.skipped["geometry_not_built"] += 1
        return
    if geometry is None:
        counts.skipped["way_outside_extract"] += 1
        return
    if not complete:
        counts.cut_ways += 1
    batch.add("w", way.id, tags, geometry, complete and way.is_closed())


def _add_area(
    area: Any, wkb: Any, keep: frozenset[str] | None, counts: ReadCounts, batch: _Batch
) -> None:
    """Put an assembled multipolygon in ``batch``, or count it as not assembled."""
    tags = _tags(area.tags, keep, counts)
    try:
        geometry = wkb.create_multipolygon(area)
    except Exception:  # pyosmium raises several types for unbuildable geometries
        counts.skipped["multipolygon_not_assembled"] += 1
        return
    batch.add("a", area.orig_id(), tags, geometry, False)


def _tags(taglist: Any, keep: frozenset[str] | None, counts: ReadCounts) -> dict[str, str]:
    """The tags to keep; too long or undecodable ones are dropped and counted.

    Walking an object's few tags (4 on average in a city extract) costs less than looking up
    each wanted key. The iterator is advanced a known number of times: its StopIteration comes
    from C++ and is slow. A tag that is not valid UTF-8 stops the walk; the object's tags are
    then looked up one by one.
    """
    tags: dict[str, str] = {}
    n = len(taglist)
    if keep is None or n <= len(keep):
        too_long = walked = 0
        tag_iter = iter(taglist)
        try:
            for walked in range(n):  # noqa: B007 (read after a decoding error)
                key, value = next(tag_iter)
                if keep is None or key in keep:
                    if len(key) > MAX_TAG_CHARS or len(value) > MAX_TAG_CHARS:
                        too_long += 1
                    else:
                        tags[key] = value
        except UnicodeDecodeError:
            if keep is not None:
                return _tags_by_key(taglist, keep, counts)
            # The iterator cannot step over the bad tag: the tags after it are left out too.
            counts.tags_dropped["not_utf8"] += n - walked
        if too_long:
            counts.tags_dropped["too_long"] += too_long
        return tags
    return _tags_by_key(taglist, keep, counts)


def _tags_by_key(taglist: Any, keep: frozenset[str], counts: ReadCounts) -> dict[str, str]:
    tags = {}
    for key in keep:
        if key in taglist:
            try:
                value = taglist[key]
            except UnicodeDecodeError:
                counts.tags_dropped["not_utf8"] += 1
                continue
            if len(key) > MAX_TAG_CHARS or len(value) > MAX_TAG_CHARS:
                counts.tags_dropped["too_long"] += 1
            else:
                tags[key] = value
    return tags


def _way_geometry(way: Any, wkb: Any) -> tuple[str | BaseGeometry | None, bool]:
    """A way's line; for a way cut at the extract's edge, the runs of nodes the extract holds.

    Extracts cut with osmium's ``simple`` strategy keep ways whole but drop their nodes outside
    the box; the part inside is still a true piece of the road or river. None when fewer than
    two consecutive nodes are present. The flag says whether the way is complete.
    """
    try:
        return wkb.create_linestring(way), True
    except Exception:  # InvalidLocationError, or fewer than two distinct points
        pass
    runs: list[list[tuple[float, float]]] = [[]]
    for node in way.nodes:
        loc = node.location
        if loc.valid():
            xy = (loc.lon, loc.lat)
            if not runs[-1] or runs[-1][-1] != xy:
                runs[-1].append(xy)
        elif runs[-1]:
            runs.append([])
    lines = [r for r in runs if len(r) >= 2]
    complete = len(runs) == 1 and all(n.location.valid() for n in way.nodes)
    if not lines:
        return None, complete
    if len(lines) > 1:
        return shapely.MultiLineString(lines), complete
    return shapely.LineString(lines[0]), complete


#: File name endings of the OpenStreetMap formats libosmium reads.
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osc", ".o5m", ".opl")


class OsmFormat(SourceFormat):
    """An OpenStreetMap extract: no imagery, a grid over the extract's area at ``grid.gsd_m``."""

    name = "osm"
    summary = "OpenStreetMap extract (.osm.pbf, .osm): a map-only grid over its area"

    def sniff(self, path: Path) -> bool:
        return path.is_file() and path.name.lower().endswith(OSM_SUFFIXES)

    def read(self, path: str, bands: tuple[str, ...] | None) -> list[SourceItem]:
        west, south, east, north = extract_bounds(path)
        if not (west < east and south < north):
            raise SourceError(
                f"{path}: the extract covers no area ({west}, {south}, {east}, {north})"
            )
        return [SourceItem(area=(west, south, east, north), osm_path=path)]

    def s1_partners(self, s1: str, items: list[SourceItem]) -> list[Imagery | None] | None:
        return None  # a map has no pixels to stack radar bands onto
