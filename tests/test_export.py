"""Exporters: every text becomes one item, boxes follow each convention, nothing leaks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from eotext.config.recipe import AnnotateSpec, GridSpec, Recipe, SourceSpec
from eotext.errors import RecipeError
from eotext.export import export
from eotext.export.boxes import format_box, rewrite_boxes
from eotext.run.build import build_dataset
from eotext.store.tables import read_tables
from tests.conftest import BEN_S2, WORLDCOVER_1024, need

ITEM_TYPES = {"captioning", "binary", "mcq", "open", "bounding box"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "ds"
    recipe = Recipe(
        sources=(
            SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),
            SourceSpec(image=str(need(BEN_S2)), image_format="bigearthnet"),
        ),
        grid=GridSpec(patch_size=256),
        annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
    )
    build_dataset(recipe, out)
    return out


def test_format_box_conventions() -> None:
    assert format_box([0, 0, 256, 128], 256, 256, "qwen") == "<box>(0,0),(1000,500)</box>"
    assert format_box([64, 32, 128, 256], 256, 256, "geochat") == "{<25><12><50><100>}"
    assert format_box([1, 2, 3, 4], 256, 256, "pixel") == "[1, 2, 3, 4]"
    assert (
        rewrite_boxes("region [0, 0, 128, 128]?", 256, 256, "geochat") == "region {<0><0><50><50>}?"
    )
    with pytest.raises(RecipeError, match="unknown box format"):
        format_box([0, 0, 1, 1], 2, 2, "yolo")


def test_bigearthnet_txt_rows(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "ben.parquet"
    n = export("bigearthnet-txt", dataset, out)
    rows = pq.read_table(out).to_pylist()
    texts = read_tables(dataset).texts  # flagged texts (the build verifies) are left out
    assert n == len(rows) == len(texts)
    assert {r["type"] for r in rows} == ITEM_TYPES
    by_id = {t["text_id"]: t for t in texts}
    patches = {p["patch_id"]: p for p in pq.read_table(dataset / "patches.parquet").to_pylist()}
    for r in rows:
        t, p = by_id[r["ID"]], patches[r["patch_id"]]
        assert r["split"] == p["split"] and r["country"] == p["country"]
        for value in (p["country"], p["season"]):  # the leakage guard
            assert not value or not re.search(rf"\b{value}\b", r["input"], re.IGNORECASE)
        if p["climate_zone"]:
            assert not re.search(rf"\b{p['climate_zone']}\b", r["input"])
        if r["type"] == "bounding box":
            x0, y0, x1, y1 = (int(v) for v in re.findall(r"\d+", r["output"]))
            bx0, by0, bx1, by1 = t["box"]
            w = p["width"]
            assert (x0, y0, x1, y1) == tuple(round(v * 1000 / w) for v in (bx0, by0, bx1, by1))


def test_llava_conversations(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "llava.json"
    n = export("llava", dataset, out, box_format="geochat")
    convs = json.loads(out.read_text())
    patches = pq.read_table(dataset / "patches.parquet")
    assert n == len(convs) == patches.num_rows
    turns = 0
    for conv in convs:
        human = [t["value"] for t in conv["conversations"] if t["from"] == "human"]
        assert human[0].startswith("<image>\n") and not any("<image>" in h for h in human[1:])
        assert (dataset / conv["image"]).exists()
        turns += len(human)
        for h in human:
            assert "<box>" not in h  # geochat convention asked for
    assert turns == len(read_tables(dataset).texts)


def test_unknown_format(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="unknown export format"):
        export("coco-panoptic", dataset, tmp_path / "x")
