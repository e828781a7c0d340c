"""Checks on an OpenStreetMap file that libosmium does not make: its end, and over-long tags.

* A PBF file is a sequence of blobs (a 4-byte length, a ``BlobHeader``, the blob). A file cut
  inside a blob is refused; a file cut exactly between blobs reads "cleanly" in libosmium, so the
  last blob is decoded: an extract whose data ends inside its nodes (no ways or relations after
  them) is reported as probably truncated.
* libosmium refuses a whole file when one tag key or value exceeds 1,024 bytes. An XML file
  (``.osm``, also ``.gz``/``.bz2``) is then copied with those tags left out (counted), so the
  rest of the extract is still read; a PBF file with such a tag is refused with the fix.
"""

from __future__ import annotations

import bz2
import gzip
import html
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from eotext.errors import SourceError

#: libosmium's limit on the bytes of a tag key or value.
LIBOSMIUM_MAX_TAG_BYTES = 1024
_TAG = re.compile(r"""<tag\s+k=(["'])(.*?)\1\s+v=(["'])(.*?)\3\s*/>""", re.DOTALL)
_GROUP_KINDS = {1: "nodes", 2: "nodes", 3: "ways", 4: "relations", 5: "changesets"}


def is_pbf(path: Path) -> bool:
    return path.name.lower().endswith(".pbf")


def is_xml(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".osm", ".osm.gz", ".osm.bz2", ".xml", ".xml.gz", ".xml.bz2"))


def check_pbf_end(path: Path) -> str | None:
    """Why a PBF file looks truncated, or None when it ends cleanly after its relations or ways.

    Raises:
        SourceError: the file ends inside a blob (cut mid-way), or is not PBF at all.
    """
    last: tuple[int, int] | None = None
    size = path.stat().st_size
    with path.open("rb") as fh:
        pos = 0
        while pos < size:
            head = fh.read(4)
            if len(head) < 4:
                raise _cut(path, pos)
            (n,) = struct.unpack(">I", head)
            if n > 64 * 1024:
                raise SourceError(
                    f"{path}: cannot be read as OpenStreetMap data (a block header of {n} "
                    "bytes); the file is truncated or corrupt — download the extract again"
                )
            header = fh.read(n)
            if len(header) < n:
                raise _cut(path, pos)
            try:
                fields = _fields(header)
            except (ValueError, IndexError) as exc:
                raise SourceError(
                    f"{path}: cannot be read as OpenStreetMap data ({exc}); the file is "
                    "truncated or corrupt — download the extract again"
                ) from exc
            datasize = int(fields.get(3, 0))
            start = pos + 4 + n
            if start + datasize > size:
                raise _cut(path, pos)
            if fields.get(1) == b"OSMData":
                last = (start, datasize)
            fh.seek(start + datasize)
            pos = start + datasize
        if last is None:
            return "it holds no data blocks"
        fh.seek(last[0])
        kinds = _group_kinds(_blob_data(fh.read(last[1])))
    if kinds and kinds <= {"nodes"}:
        return "its data ends inside the nodes: no ways or relations follow them"
    return None


def xml_without_long_tags(path: Path, out: Path) -> int:
    """Copy an OSM XML file to ``out`` without tags over libosmium's limit; returns how many."""
    dropped = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal dropped
        key, value = html.unescape(match.group(2)), html.unescape(match.group(4))
        longest = max(len(key.encode()), len(value.encode()))
        if longest > LIBOSMIUM_MAX_TAG_BYTES:
            dropped += 1
            return ""
        return match.group(0)

    with _open_text(path) as src, out.open("w", encoding="utf-8") as dst:
        for line in _lines(src):
            dst.write(_TAG.sub(keep, line) if "<tag" in line else line)
    return dropped


def _lines(fh: IO[str]) -> Iterator[str]:
    # An element may span lines; join a line with the next while a tag element is open.
    pending = ""
    for line in fh:
        pending += line
        if pending.count("<tag") > pending.count("/>") and len(pending) < 1 << 24:
            continue
        yield pending
        pending = ""
    if pending:
        yield pending


def _open_text(path: Path) -> IO[str]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    if name.endswith(".bz2"):
        return bz2.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _cut(path: Path, pos: int) -> SourceError:
    return SourceError(
        f"{path}: is truncated or corrupt: it ends inside the block that starts at byte {pos}; "
        "download the extract again"
    )


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def _fields(buf: bytes) -> dict[int, Any]:
    """The last value of each field of a protobuf message (varints and byte strings only)."""
    out: dict[int, Any] = {}
    for number, value in _iter_fields(buf):
        out[number] = value
    return out


def _iter_fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            yield number, value
        elif wire == 2:
            n, i = _varint(buf, i)
            yield number, buf[i : i + n]
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _blob_data(blob: bytes) -> bytes:
    fields = _fields(blob)
    if 1 in fields:  # raw
        return bytes(fields[1])
    if 3 in fields:  # zlib_data
        return zlib.decompress(fields[3])
    return b""  # lzma/zstd blobs: not decoded here


def _group_kinds(block: bytes) -> set[str]:
    kinds: set[str] = set()
    try:
        for number, value in _iter_fields(block):
            if number == 2:  # PrimitiveGroup: objects of one kind, so its first field tells
                for inner, _ in _iter_fields(value):
                    if inner in _GROUP_KINDS:
                        kinds.add(_GROUP_KINDS[inner])
                        break
    except (ValueError, IndexError):
        return set()
    return kinds
