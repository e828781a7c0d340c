"""Typed records: the Arrow schemas follow from the dataclasses, and records survive parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eotext.clients.usage import Usage
from eotext.config.recipe import GridSpec, Recipe, SourceSpec
from eotext.model import Text
from eotext.run.build import build_dataset
from eotext.store.folder import DatasetFolder
from eotext.store.records import (
    PATCH_SCHEMA,
    TEXT_SCHEMA,
    PatchRecord,
    TextRecord,
    UnitSummary,
    arrow_type,
)
from tests.conftest import WORLDCOVER_1024, need

#: The columns of ``patches.parquet`` and ``texts.parquet`` as datasets in the wild hold them.
EXPECTED_PATCH_COLUMNS = [
    ("patch_id", pa.string()),
    ("scene_id", pa.string()),
    ("unit_id", pa.string()),
    ("sensor", pa.string()),
    ("acquired", pa.string()),
    ("crs", pa.string()),
    ("transform", pa.list_(pa.float64())),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("gsd_m", pa.float64()),
    ("geometry", pa.binary()),
    ("scheme", pa.string()),
    ("class_fractions", pa.map_(pa.string(), pa.float64())),
    ("class_pixels", pa.map_(pa.int32(), pa.int64())),
    ("dominant_class", pa.string()),
    ("multilabels", pa.list_(pa.string())),
    ("multilabels_19", pa.list_(pa.string())),
    ("valid_fraction", pa.float64()),
    ("cloud_fraction", pa.float64()),
    ("unknown_px", pa.int64()),
    ("bands", pa.list_(pa.string())),
    ("layer_means", pa.map_(pa.string(), pa.float64())),
    ("latitude", pa.float64()),
    ("longitude", pa.float64()),
    ("country", pa.string()),
    ("country_code", pa.string()),
    ("source_country", pa.string()),
    ("source_split", pa.string()),
    ("season", pa.string()),
    ("climate_zone", pa.string()),
    ("elevation_m", pa.float64()),
    ("image_path", pa.string()),
    ("label_path", pa.string()),
    ("preview_path", pa.string()),
    ("split", pa.string()),
]
EXPECTED_TEXT_COLUMNS = [
    ("text_id", pa.string()),
    ("patch_id", pa.string()),
    ("type", pa.string()),
    ("style", pa.string()),
    ("generator", pa.string()),
    ("prompt", pa.string()),
    ("text", pa.string()),
    ("question", pa.string()),
    ("answer", pa.string()),
    ("choices", pa.list_(pa.string())),
    ("box", pa.list_(pa.int32())),
    ("status", pa.string()),
    ("findings", pa.list_(pa.string())),
    ("category", pa.string()),
    ("meta", pa.string()),
]


def test_schemas_are_derived_with_the_expected_columns() -> None:
    assert PATCH_SCHEMA.equals(pa.schema(EXPECTED_PATCH_COLUMNS))
    assert TEXT_SCHEMA.equals(pa.schema(EXPECTED_TEXT_COLUMNS))
    assert all(f.nullable for f in (*PATCH_SCHEMA, *TEXT_SCHEMA))


def test_a_hint_without_arrow_type_is_refused() -> None:
    with pytest.raises(TypeError, match="no Arrow type"):
        arrow_type(set[str])
    with pytest.raises(TypeError, match="one type"):
        arrow_type(int | str)


def _patch() -> PatchRecord:
    return PatchRecord(
        patch_id="s_r0_c0",
        scene_id="s",
        unit_id="u0",
        sensor=None,
        acquired="2021-06-01",
        crs="EPSG:32633",
        transform=(10.0, 0.0, 5e5, 0.0, -10.0, 5.1e6),
        width=256,
        height=256,
        gsd_m=10.0,
        geometry=b"\x01\x03",
        scheme="worldcover",
        class_fractions={"Tree cover": 0.75, "Grassland": 0.25},
        class_pixels={10: 3, 30: 1},
        dominant_class="Tree cover",
        multilabels=(),
        multilabels_19=(),
        valid_fraction=1.0,
        cloud_fraction=0.0,
        unknown_px=0,
        bands=("B04",),
        layer_means={"DEM": 12.5},
        latitude=0.3,
        longitude=6.7,
        country="São Tomé and Príncipe",
        country_code="ST",
        source_country=None,
        source_split=None,
        season="summer",
        climate_zone="Af",
        elevation_m=None,
        image_path=None,
        label_path="labels/s_r0_c0.tif",
        preview_path=None,
    )


def test_records_round_trip_through_parquet(tmp_path: Path) -> None:
    patch = _patch()
    text = TextRecord.from_text(
        Text(
            "s_r0_c0:vqa:1",
            "s_r0_c0",
            "vqa",
            "template",
            "",
            question="Where?",
            answer="A",
            choices=("A", "B"),
            box=(1, 2, 3, 4),
            findings=("x",),
            style="mcq",
            meta={"b": 1, "a": [2]},
        )
    )
    assert text.meta == '{"a": [2], "b": 1}'
    for record, schema in ((patch, PATCH_SCHEMA), (text, TEXT_SCHEMA)):
        path = tmp_path / "t.parquet"
        pq.write_table(pa.Table.from_pylist([record.to_row()], schema=schema), path)
        back = pq.read_table(path)
        assert back.schema.equals(schema)
        assert type(record).from_row(back.to_pylist()[0]) == record


def test_unit_summary_round_trips_through_its_marker() -> None:
    summary = UnitSummary("u1", "s", 16, 9, 40, {"cloudy": 7}, 3, Usage(requests_sent=2))
    doc = json.loads(json.dumps(summary.to_dict()))
    assert doc["llm"]["requests_sent"] == 2 and doc["dropped"] == {"cloudy": 7}
    assert UnitSummary.from_dict(doc) == summary
    plain = UnitSummary("u2", "s", 16, 16, 0, {}, 0)
    assert "llm" not in plain.to_dict() and UnitSummary.from_dict(plain.to_dict()) == plain


def test_a_real_build_reads_back_as_records(tmp_path: Path) -> None:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    build_dataset(recipe, tmp_path / "ds")
    patches = [
        PatchRecord.from_row(r) for r in pq.read_table(tmp_path / "ds/patches.parquet").to_pylist()
    ]
    texts = [
        TextRecord.from_row(r) for r in pq.read_table(tmp_path / "ds/texts.parquet").to_pylist()
    ]
    assert len(patches) == 16 and texts
    assert all(
        p.scheme == "worldcover" and sum(p.class_fractions.values()) == pytest.approx(1)
        for p in patches
    )
    summaries = DatasetFolder(tmp_path / "ds").unit_summaries()
    assert sum(s.patches_kept for s in summaries) == 16
    assert sum(s.texts for s in summaries) == len(texts)
