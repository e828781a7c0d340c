"""The rows of a dataset folder's tables as typed records, and the Arrow schemas derived from them.

Each table has one frozen dataclass; its fields, in order, are the table's columns. The Arrow
type of a column follows from the field's type hint (:func:`arrow_schema`): ``str`` → string,
``float`` → float64, ``int`` → int64, ``bytes`` → binary, ``tuple[X, ...]`` → list of X,
``dict[K, V]`` → map; ``Annotated[int, pa.int32()]`` picks another Arrow type, and ``X | None``
is the same column (every column is nullable). Nothing else keeps a schema by hand.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Annotated, Any, TypeVar, Union

import pyarrow as pa

from eotext.clients.usage import Usage
from eotext.model import Text

Int32 = Annotated[int, pa.int32()]

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    float: pa.float64(),
    int: pa.int64(),
    bytes: pa.binary(),
    bool: pa.bool_(),
}


def arrow_type(hint: Any) -> pa.DataType:
    """The Arrow type of a record field's type hint (see the module docstring)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Annotated:
        return next(a for a in args[1:] if isinstance(a, pa.DataType))
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"a column is one type or that type | None, not {hint}")
        return arrow_type(inner[0])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return pa.list_(arrow_type(args[0]))
    if origin is dict:
        return pa.map_(arrow_type(args[0]), arrow_type(args[1]))
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise TypeError(f"no Arrow type for {hint}")


def arrow_schema(record: type[Any]) -> pa.Schema:
    """The Arrow schema of a record dataclass: one nullable column per field, in order."""
    hints = typing.get_type_hints(record, include_extras=True)
    return pa.schema([(f.name, arrow_type(hints[f.name])) for f in fields(record)])


R = TypeVar("R", bound="_Record")


class _Record:
    """Conversion between a record and a table row (a dict with one value per column)."""

    def to_row(self) -> dict[str, Any]:
        """The record as a row for ``pa.Table.from_pylist``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_row(cls: type[R], row: dict[str, Any]) -> R:
        """A record from a row read back with ``Table.to_pylist`` (maps as pairs or key/values)."""
        readers = _readers(cls)  # type: ignore[arg-type]
        return cls(**{name: read(row.get(name)) for name, read in readers})


@functools.cache
def _readers(record: type[Any]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """Each field of a record class and how its column's value becomes the field's value."""
    hints = typing.get_type_hints(record, include_extras=True)
    out = []
    for f in fields(record):
        dtype = arrow_type(hints[f.name])
        if pa.types.is_map(dtype):
            read: Callable[[Any], Any] = _none_or(key_values)
        elif pa.types.is_list(dtype):
            read = _none_or(tuple)
        else:
            read = _same
        out.append((f.name, read))
    return tuple(out)


def _same(value: Any) -> Any:
    return value


def _none_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def key_values(entries: Any) -> dict[Any, Any]:
    """A key-value column of ``patches.parquet`` (a list of ``{key, value}``) as a dict."""
    out: dict[Any, Any] = {}
    for e in entries or []:
        key, value = (e["key"], e["value"]) if isinstance(e, dict) else e
        out[key] = value
    return out


@dataclass(frozen=True)
class PatchRecord(_Record):
    """One row of ``patches.parquet``: a kept patch, where it lies and what it shows.

    ``geometry`` is the footprint in WGS84 as WKB (GeoParquet); ``split`` is assigned when the
    units' tables are merged (:mod:`eotext.run.splits`), so a unit stores None.
    """

    patch_id: str
    scene_id: str
    unit_id: str | None
    sensor: str | None
    acquired: str | None
    crs: str
    transform: tuple[float, ...]
    width: Int32
    height: Int32
    gsd_m: float
    geometry: bytes
    scheme: str | None
    class_fractions: dict[str, float]
    class_pixels: dict[Int32, int]
    dominant_class: str | None
    multilabels: tuple[str, ...]
    multilabels_19: tuple[str, ...]  # the BigEarthNet 19-class nomenclature
    valid_fraction: float
    cloud_fraction: float
    unknown_px: int
    bands: tuple[str, ...]
    layer_means: dict[str, float]
    latitude: float | None
    longitude: float | None
    country: str | None
    country_code: str | None
    source_country: str | None  # the source's own metadata (BigEarthNet v2)
    source_split: str | None  # kept as `split` unless [splits] keep_source = false
    season: str | None
    climate_zone: str | None
    elevation_m: float | None
    image_path: str | None
    label_path: str | None
    preview_path: str | None
    split: str | None = None


@dataclass(frozen=True)
class TextRecord(_Record):
    """One row of ``texts.parquet``: a text annotation of a patch.

    ``status`` is one of :data:`eotext.model.TEXT_STATUSES`; readers leave ``flagged`` and
    ``rejected`` texts out by default (:mod:`eotext.store.tables`). ``meta`` is a JSON object
    of generator-specific metadata (e.g. OSM element ids).
    """

    text_id: str
    patch_id: str
    type: str
    style: str | None
    generator: str
    prompt: str | None
    text: str
    question: str | None
    answer: str | None
    choices: tuple[str, ...] | None
    box: tuple[Int32, ...] | None
    status: str
    findings: tuple[str, ...]
    category: str | None
    meta: str | None

    @classmethod
    def from_text(cls, text: Text) -> TextRecord:
        """The row of a text annotation."""
        return cls(
            text_id=text.text_id,
            patch_id=text.patch_id,
            type=text.type,
            style=text.style,
            generator=text.generator,
            prompt=text.prompt,
            text=text.text,
            question=text.question,
            answer=text.answer,
            choices=tuple(text.choices) if text.choices is not None else None,
            box=tuple(text.box) if text.box is not None else None,
            status=text.status,
            findings=tuple(text.findings),
            category=text.category,
            meta=json.dumps(text.meta, sort_keys=True) if text.meta else None,
        )


@dataclass(frozen=True)
class VerifiedCounts:
    """What checking a unit's texts found: claims checked, findings by kind."""

    claims: int = 0
    findings: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> VerifiedCounts:
        findings = doc.get("findings", {})
        return cls(int(doc.get("claims", 0)), {str(k): int(v) for k, v in findings.items()})


@dataclass(frozen=True)
class UnitSummary:
    """What one finished unit of work did; stored as its ``.done.json`` completion marker.

    Attributes:
        unit_id / scene_id: which unit of which scene.
        patches_planned: the patches the unit covers.
        patches_kept: those that passed the filters and were written.
        texts: the texts written for them.
        dropped: patches left out, by reason (filter names and scene skip reasons).
        unknown_px: label pixels with codes the scheme does not define (treated as unlabelled).
        llm: the unit's LLM usage, when an annotator called a model.
        country_mismatches: patches whose source names another country than the borders.
        incomplete: requests that got no answer, by annotator (``{"llm": 3}``); a unit with
            any is stored with the texts it has, and built again by the next run.
        verified: when the unit's texts were checked against its label patches as they were
            written, the claims checked and the findings by kind; None: not checked.
    """

    unit_id: str
    scene_id: str
    patches_planned: int
    patches_kept: int
    texts: int
    dropped: dict[str, int]
    unknown_px: int
    llm: Usage | None = None
    country_mismatches: int = 0
    incomplete: dict[str, int] = field(default_factory=dict)
    verified: VerifiedCounts | None = None

    def to_dict(self) -> dict[str, Any]:
        """The marker's JSON object (``llm`` only when there was LLM usage)."""
        doc: dict[str, Any] = {
            "unit_id": self.unit_id,
            "scene_id": self.scene_id,
            "patches_planned": self.patches_planned,
            "patches_kept": self.patches_kept,
            "texts": self.texts,
            "dropped": dict(self.dropped),
            "unknown_px": self.unknown_px,
        }
        if self.llm is not None:
            doc["llm"] = self.llm.to_dict()
        if self.country_mismatches:
            doc["country_mismatches"] = self.country_mismatches
        if self.incomplete:
            doc["incomplete"] = dict(self.incomplete)
        if self.verified is not None:
            doc["verified"] = {"claims": self.verified.claims, "findings": self.verified.findings}
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> UnitSummary:
        """A summary from a marker's JSON object."""
        llm = doc.get("llm")
        return cls(
            unit_id=doc["unit_id"],
            scene_id=doc["scene_id"],
            patches_planned=int(doc["patches_planned"]),
            patches_kept=int(doc["patches_kept"]),
            texts=int(doc["texts"]),
            dropped={str(k): int(v) for k, v in doc["dropped"].items()},
            unknown_px=int(doc["unknown_px"]),
            llm=Usage.from_dict(llm) if llm is not None else None,
            country_mismatches=int(doc.get("country_mismatches", 0)),
            incomplete={str(k): int(v) for k, v in doc.get("incomplete", {}).items()},
            verified=VerifiedCounts.from_dict(doc["verified"]) if "verified" in doc else None,
        )


#: The Arrow schemas of ``patches.parquet`` and ``texts.parquet``.
PATCH_SCHEMA = arrow_schema(PatchRecord)
TEXT_SCHEMA = arrow_schema(TextRecord)
