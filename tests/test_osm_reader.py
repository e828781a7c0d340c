"""Reading OSM files: the real extracts against pyosmium, and bad input made by code."""

from __future__ import annotations

import sys
from pathlib import Path

import osmium
import pytest

from eotext.errors import MissingDependencyError, SourceError
from eotext.sources.osm import extract_bounds, iter_osm, read_osm
from tests.conftest import HELSINKI_PBF, KYMENLAAKSO_PBF, need

KEYS = ("building", "highway", "landuse", "natural", "leisure", "amenity")

_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="eotext-tests">
  <node id="1" lat="60.1700" lon="24.9400"><tag k="natural" v="tree"/></node>
  <node id="2" lat="60.1700" lon="24.9410"/>
  <node id="3" lat="60.1710" lon="24.9410"/>
  <node id="4" lat="60.1710" lon="24.9400"/>
  <node id="5" lat="60.1720" lon="24.9420"/>
  <node id="6" lat="60.1730" lon="24.9430"/>
  <node id="7" lat="60.1740" lon="24.9440"/>
  <node id="8" lat="60.1750" lon="24.9450"/>
  <node id="9" lat="60.1760" lon="24.9440"/>
  <way id="10">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="2"/>
    <tag k="building" v="yes"/><tag k="name" v="Talo"/>
  </way>
  <way id="11"><nd ref="5"/><nd ref="6"/><nd ref="7"/><tag k="highway" v="footway"/></way>
  <way id="12"><nd ref="7"/><nd ref="999"/><tag k="highway" v="service"/></way>
  <way id="13"><nd ref="5"/><nd ref="6"/><nd ref="998"/><nd ref="8"/><nd ref="9"/>
    <tag k="highway" v="residential"/></way>
  <way id="14"><nd ref="5"/><nd ref="8"/><nd ref="9"/><nd ref="5"/></way>
  <way id="15"><nd ref="6"/><nd ref="7"/><nd ref="8"/></way>
  <way id="16"><nd ref="2"/><nd ref="3"/><tag k="landuse" v="{long}"/>
    <tag k="note" v="x"/></way>
  <relation id="20">
    <member type="way" ref="14" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="leisure" v="park"/>
  </relation>
  <relation id="21">
    <member type="way" ref="15" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="landuse" v="grass"/>
  </relation>
  <relation id="22">
    <member type="way" ref="14" role="outer"/>
    <tag k="type" v="route"/><tag k="highway" v="bus"/>
  </relation>
</osm>
""".replace("{long}", "x" * 300)


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm"
    path.write_text(_XML)
    return path


def test_xml_objects_and_counted_skips(small_osm: Path) -> None:
    data = read_osm(small_osm, KEYS)
    by_ref = {o.ref: o for o in data.objects}
    assert set(by_ref) == {"n1", "w10", "w11", "w13", "w16", "a20"}
    assert by_ref["n1"].geometry.geom_type == "Point"
    assert by_ref["w10"].closed and by_ref["w10"].tags == {"building": "yes", "name": "Talo"}
    assert by_ref["a20"].geometry.geom_type == "MultiPolygon" and by_ref["a20"].osm_id == 20
    # Way 13 lost node 998: both parts inside the extract are kept, and it is no longer closed.
    assert by_ref["w13"].geometry.geom_type == "MultiLineString" and not by_ref["w13"].closed
    # Way 16's 300-character value is dropped; the rest of the object stays.
    assert by_ref["w16"].tags == {"note": "x"}
    counts = data.counts
    assert counts["objects"] == {"a": 1, "n": 1, "w": 4}
    assert counts["skipped"] == {"multipolygon_not_assembled": 1, "way_outside_extract": 1}
    assert counts["tags_dropped"] == {"too_long": 1} and counts["cut_ways"] == 1


def test_keep_and_area_of_interest(small_osm: Path) -> None:
    data = read_osm(small_osm, KEYS, keep={"building"}, aoi=(24.9395, 60.1695, 24.9415, 60.1712))
    assert {o.ref for o in data.objects} == {"n1", "w10", "w16"}
    assert data.objects[1].tags == {"building": "yes"}
    assert data.counts["outside_aoi"] == 3


def test_extract_bounds_without_header_box(small_osm: Path) -> None:
    assert extract_bounds(small_osm) == pytest.approx((24.94, 60.17, 24.945, 60.176))


def test_helsinki_matches_pyosmium() -> None:
    """Every node and way with a wanted key is read, or counted as skipped."""
    pbf = need(HELSINKI_PBF)
    expected = {"n": 0, "w": 0, "a": 0}
    for o in osmium.FileProcessor(str(pbf)).with_filter(osmium.filter.KeyFilter(*KEYS)):
        if o.is_relation():
            expected["a"] += o.tags.get("type") in ("multipolygon", "boundary")
        else:
            expected[o.type_str()] += 1
    data = read_osm(pbf, KEYS)
    objects, skipped = data.counts["objects"], data.counts["skipped"]
    assert objects["n"] == expected["n"]
    assert objects["w"] + skipped["way_outside_extract"] == expected["w"]
    assert objects["a"] + skipped["multipolygon_not_assembled"] == expected["a"]
    assert all(any(k in o.tags for k in KEYS) for o in data.objects)
    west, south, east, north = extract_bounds(pbf)  # PROVENANCE.txt: lon 24.935-24.953
    assert (round(west, 3), round(east, 3), round(south, 3), round(north, 3)) == (
        24.935, 24.953, 60.164, 60.179
    )  # fmt: skip


def test_location_index_on_disk_reads_the_same() -> None:
    pbf = need(KYMENLAAKSO_PBF)
    memory = read_osm(pbf, KEYS, location_index="memory")
    disk = read_osm(pbf, KEYS, location_index="disk")
    assert [(o.ref, o.tags, o.geometry.wkb) for o in memory.objects] == [
        (o.ref, o.tags, o.geometry.wkb) for o in disk.objects
    ]
    assert memory.counts == disk.counts


def test_streaming_yields_objects_one_by_one() -> None:
    pbf = need(KYMENLAAKSO_PBF)
    stream = iter_osm(pbf, ["building"])
    first = next(stream)
    assert "building" in first.tags
    stream.close()


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such OpenStreetMap file"):
        read_osm(tmp_path / "missing.osm.pbf", KEYS)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 50)
    with pytest.raises(SourceError, match=r"junk\.osm\.pbf.*truncated or corrupt") as info:
        read_osm(junk, KEYS)
    assert isinstance(info.value, OSError)
    broken_xml = tmp_path / "broken.osm"
    broken_xml.write_text(_XML[: len(_XML) // 2])
    with pytest.raises(SourceError, match="truncated or corrupt"):
        read_osm(broken_xml, KEYS)


def test_without_pyosmium_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "osmium", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'eotext\[osm\]'") as info:
        read_osm("any.osm.pbf", KEYS)
    assert isinstance(info.value, ImportError)


def _helsinki_as_xml(out: Path, extra_tag: tuple[str, str] | None = None) -> Path:
    """The real Helsinki extract written as OSM XML, optionally with one more tag on a way."""
    xml = out.with_suffix(".plain.osm")
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(HELSINKI_PBF)):
            writer.add(obj)
    text = xml.read_text(encoding="utf-8")
    if extra_tag is not None:
        key, value = extra_tag
        # libosmium refuses to write such a value, so it is put into the XML as text.
        text = text.replace('<tag k="building" v="yes"/>', f'<tag k="{key}" v="{value}"/>', 1)
        text = text.replace('<tag k="building" v="yes"/>', '<tag k="building" v="yes"/>', 1)
    out.write_text(text, encoding="utf-8")
    return out


def test_a_tag_over_libosmiums_limit_is_dropped_and_counted(tmp_path: Path) -> None:
    need(HELSINKI_PBF)
    clean = read_osm(_helsinki_as_xml(tmp_path / "clean.osm"), KEYS)
    long = read_osm(_helsinki_as_xml(tmp_path / "long.osm", ("description", "x" * 2000)), KEYS)
    # The way that carried it lost that one tag (and, here, its building tag); the rest is read.
    assert long.counts["tags_dropped"].get("too_long", 0) == 1
    assert abs(len(long.objects) - len(clean.objects)) <= 1
    assert extract_bounds(tmp_path / "long.osm") == extract_bounds(tmp_path / "clean.osm")


def _blob_ends(path: Path) -> list[int]:
    """Byte offsets where the blobs of a PBF file end."""
    import struct

    data, pos, ends = path.read_bytes(), 0, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        header = data[pos + 4 : pos + 4 + n]
        size = header[header.index(b"\x18") + 1 :]  # BlobHeader field 3 (datasize), a varint
        value, shift = 0, 0
        for b in size:
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        pos += 4 + n + value
        ends.append(pos)
    return ends


def test_a_pbf_cut_between_blocks_is_reported(tmp_path: Path) -> None:
    need(HELSINKI_PBF)
    ends = _blob_ends(HELSINKI_PBF)
    assert ends[-1] == HELSINKI_PBF.stat().st_size
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(HELSINKI_PBF.read_bytes()[: ends[1]])  # the header and the first nodes
    data = read_osm(cut, KEYS)
    assert "ends inside the nodes" in data.counts["truncated"]
    assert "truncated" not in read_osm(HELSINKI_PBF, KEYS).counts


def test_a_pbf_cut_inside_a_block_is_refused(tmp_path: Path) -> None:
    need(HELSINKI_PBF)
    ends = _blob_ends(HELSINKI_PBF)
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(HELSINKI_PBF.read_bytes()[: ends[2] - 1000])
    with pytest.raises(SourceError, match=r"cut\.osm\.pbf: is truncated"):
        read_osm(cut, KEYS)


def test_tags_that_are_not_utf8_are_dropped_and_counted(tmp_path: Path) -> None:
    # OPL escapes code points; a lone surrogate is written as bytes that are not valid UTF-8.
    opl = tmp_path / "bad.opl"
    opl.write_text(
        "n1 v1 x24.94 y60.17 Tbuilding=yes,name=a%d800%b,amenity=cafe\n"
        "n2 v1 x24.95 y60.17 Tbuilding=y%d800%s,amenity=bar\n"
    )
    kept = read_osm(opl, KEYS, keep={"building", "name", "amenity"})
    assert [o.tags for o in kept.objects] == [
        {"building": "yes", "amenity": "cafe"},
        {"amenity": "bar"},
    ]
    assert kept.counts["tags_dropped"] == {"not_utf8": 2}
    # Without a list of keys to keep, the tags from the bad one on are left out.
    every = read_osm(opl, KEYS)
    assert [o.tags for o in every.objects] == [{"building": "yes"}, {}]
    assert every.counts["tags_dropped"] == {"not_utf8": 4}


def test_location_index_by_file_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import ExitStack

    from eotext.sources import osm

    path = tmp_path / "x.osm.pbf"
    path.write_bytes(b"x" * 100)
    with ExitStack() as stack:
        assert osm._location_index(path, "auto", stack) == "flex_mem"
        assert osm._location_index(path, "disk", stack).startswith("sparse_file_array,")
        monkeypatch.setattr(osm, "DISK_INDEX_BYTES", 10)
        monkeypatch.setattr(osm, "DENSE_INDEX_BYTES", 50)
        assert osm._location_index(path, "auto", stack).startswith("dense_file_array,")
        assert osm._location_index(path, "memory", stack) == "flex_mem"
