"""Every export loads with the library its users load it with (or that library's exact parsing).

The dataset is a real build (WorldCover map + BigEarthNet Sentinel-2 patches). Where a tool's
package pulls in torch (open_clip, LLaVA, LLaMA-Factory, lmms-eval, ms-swift), the test repeats
the parsing of its loading code, cited at each test.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from eotext.bench.boxes import parse_box, qwen25_resized_size
from eotext.cli.main import cli
from eotext.config.recipe import AnnotateSpec, GridSpec, Recipe, SourceSpec
from eotext.errors import RecipeError
from eotext.export import EXPORTERS, FORMATS, OUTPUTS, export
from eotext.export.boxes import BOX_FORMATS, format_box
from eotext.files import csv_safe
from eotext.run.build import build_dataset
from tests.conftest import BEN_S2, WORLDCOVER_1024, need


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("formats") / "ds"
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


def _patches(dataset: Path) -> list[dict[str, Any]]:
    return pq.read_table(dataset / "patches.parquet").to_pylist()


def _texts(dataset: Path) -> list[dict[str, Any]]:
    """The texts an export covers: flagged ones (the build verifies every text) left out."""
    from eotext.store.tables import read_tables

    return read_tables(dataset).texts


def _out(tmp_path: Path, name: str) -> Path:
    return tmp_path / ("out" if OUTPUTS[name][1] else f"out.{name}")


# ---------------------------------------------------------------- open_clip


def test_openclip_loads_with_open_clip_defaults(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "clip.csv"
    n = export("openclip", dataset, out, style="short")
    # open_clip src/open_clip_train/data.py, CsvDataset: pd.read_csv(input_filename, sep=sep)
    # with --csv-separator "\t", --csv-img-key filepath, --csv-caption-key title; __getitem__
    # opens Image.open(str(self.images[idx])) from the training run's working directory.
    monkeypatch.chdir(tmp_path)
    df = pd.read_csv(out, sep="\t")
    images, captions = df["filepath"].tolist(), df["title"].tolist()
    assert n == len(images) == sum(1 for t in _texts(dataset) if t["style"] == "short")
    for path, caption in zip(images, captions, strict=True):
        with Image.open(str(path)) as im:
            assert im.size[0] > 0
        assert isinstance(caption, str) and caption
    run = tmp_path / "run"
    run.mkdir()
    export("openclip", dataset, tmp_path / "rel.csv", style="short", relative_to=run)
    monkeypatch.chdir(run)
    for path in pd.read_csv(tmp_path / "rel.csv", sep="\t")["filepath"]:
        assert not os.path.isabs(path) and Path(path).is_file()
    export("openclip", dataset, tmp_path / "sky.csv", style="short", separator=",")
    assert len(pd.read_csv(tmp_path / "sky.csv", sep=",")) == n
    # No --style: a label-map build has no OSM titles, so its one-sentence captions are used.
    result = CliRunner().invoke(cli, ["export", "openclip", str(dataset), "-o", str(out)])
    assert result.exit_code == 0 and f"{n} rows" in result.output


# ---------------------------------------------------------------- Hugging Face


def test_hf_export_loads_with_images_and_a_card(dataset: Path, tmp_path: Path) -> None:
    import datasets

    out = tmp_path / "hf"
    n = export("hf", dataset, out)
    # The Hub cache is keyed by the folder path, which pytest reuses across sessions: a cached
    # copy of an earlier build's export would be read back instead of this one.
    ds = datasets.load_dataset(str(out), download_mode="force_redownload")
    patches = _patches(dataset)
    splits = {p["split"] for p in patches}
    assert set(ds) == splits and n == len(patches) == sum(len(ds[s]) for s in ds)
    assert isinstance(ds["train"].features["image"], datasets.Image)
    texts = 0
    for split in ds:
        for row in ds[split]:
            assert row["split"] == split and row["image"].size == (row["width"], row["height"])
            texts += len(row["texts"])
    assert texts == len(_texts(dataset))
    card = (out / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert {"license", "task_categories", "size_categories", "configs", "dataset_info"} <= set(
        header
    )
    assert "cc-by-4.0" in header["license"] and header["source_attribution"]
    assert "# " in card.split("---", 2)[2]  # the dataset card's body follows


def test_patches_table_loads_in_datasets_and_geopandas(dataset: Path) -> None:
    import datasets
    import geopandas as gpd
    import shapely

    ds = datasets.load_dataset("parquet", data_files=str(dataset / "patches.parquet"))["train"]
    assert len(ds) == len(_patches(dataset))
    fractions = {e["key"]: e["value"] for e in ds[0]["class_fractions"]}
    assert all(0 <= v <= 1 for v in fractions.values())
    geo = json.loads(pq.read_schema(dataset / "patches.parquet").metadata[b"geo"])
    column = geo["columns"]["geometry"]
    assert geo["version"] == "1.1.0" and column["crs"]["id"]["code"] == "CRS84"
    assert column["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    frame = gpd.read_parquet(dataset / "patches.parquet")
    assert frame.crs is not None and frame.crs.to_string() == "OGC:CRS84"
    rows = pq.read_table(dataset / "patches.parquet", columns=["geometry", "bbox"]).to_pylist()
    for row in rows:
        bounds = shapely.from_wkb(row["geometry"]).bounds
        assert tuple(row["bbox"].values()) == pytest.approx(bounds)
    west, south, east, north = rows[0]["bbox"].values()
    inside = gpd.read_parquet(dataset / "patches.parquet", bbox=(west, south, east, north))
    assert 1 <= len(inside) <= len(rows)


# ---------------------------------------------------------------- WebDataset


def _webdataset(urls: list[str], decode: str | None = None) -> list[dict[str, Any]]:
    """Every sample of the shards, read with the webdataset library.

    webdataset leaves its shard files for the garbage collector to close; they are collected
    here, so their ResourceWarning does not leak into other tests.
    """
    import gc
    import warnings

    import webdataset as wds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        pipeline = wds.WebDataset(urls, shardshuffle=False)
        samples = list(pipeline.decode(decode) if decode else pipeline)
        del pipeline
        gc.collect()
    return samples


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_webdataset_shards_read_back_with_webdataset(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "wds"
    n = export("webdataset", dataset, out, shard_size=7)
    shards = sorted(str(p) for p in out.glob("*.tar"))
    assert len(shards) == -(-n // 7)
    samples = _webdataset(shards, "pil")
    assert len(samples) == n == len(_patches(dataset))
    by_key = {s["__key__"]: s for s in samples}
    texts = 0
    for p in _patches(dataset):
        s = by_key[p["patch_id"]]
        assert s["png"].size == (p["width"], p["height"])
        assert s["json"]["patch"]["patch_id"] == p["patch_id"]
        texts += len(s["json"]["texts"])
        assert isinstance(s.get("txt", ""), str)
    assert texts == len(_texts(dataset))
    both = tmp_path / "both"
    export("webdataset", dataset, both, image="both")
    raw = _webdataset(sorted(str(p) for p in both.glob("*.tar")))
    with_tif = [s for s in raw if "tif" in s]
    assert with_tif and all(s["tif"][:2] in (b"II", b"MM") for s in with_tif)


# ---------------------------------------------------------------- COCO


def test_coco_captions_and_instances(dataset: Path, tmp_path: Path) -> None:
    from eotext.bench.formats import read_caption_references

    out = tmp_path / "coco"
    export("coco", dataset, out)
    captions = json.loads((out / "captions.json").read_text())
    instances = json.loads((out / "instances.json").read_text())
    images = {i["id"]: i for i in captions["images"]}
    assert all((dataset / i["file_name"]).is_file() for i in images.values())
    texts = _texts(dataset)
    assert len(captions["annotations"]) == sum(1 for t in texts if t["type"] == "caption")
    refs = read_caption_references(out / "captions.json")
    assert len(refs.image_ids) == len({a["image_id"] for a in captions["annotations"]})
    boxes = {t["text_id"]: t["box"] for t in texts if t["style"] == "expression"}
    assert len(instances["annotations"]) == len(boxes)
    cats = {c["id"] for c in instances["categories"]}
    for a in instances["annotations"]:
        x, y, w, h = a["bbox"]
        assert [x, y, x + w, y + h] == boxes[a["text_id"]] and a["category_id"] in cats
        assert a["area"] == w * h and a["image_id"] in images


# ---------------------------------------------------------------- LLaMA-Factory / ms-swift / LLaVA


def test_llamafactory_sharegpt(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "lf"
    n = export("llamafactory", dataset, out, box_format="qwen2-vl")
    info = json.loads((out / "dataset_info.json").read_text())["eotext"]
    # LLaMA-Factory src/llamafactory/data/parser.py + converter.py (SharegptDatasetConverter):
    # messages = example[columns.messages]; roles alternate user_tag (odd turns: human) and
    # assistant_tag (gpt); images = example[columns.images], each opened from media_dir
    # joined with the path; mm_plugin checks that the "<image>" tokens equal the images.
    assert info["formatting"] == "sharegpt"
    records = json.loads((out / info["file_name"]).read_text())
    assert n == len(records) == len(_patches(dataset))
    tags = info["tags"]
    for record in records:
        messages = record[info["columns"]["messages"]]
        images = record[info["columns"]["images"]]
        assert len(messages) % 2 == 0
        for i, m in enumerate(messages):
            assert m[tags["role_tag"]] == (
                tags["user_tag"] if i % 2 == 0 else tags["assistant_tag"]
            )
        tokens = sum(m[tags["content_tag"]].count("<image>") for m in messages)
        assert tokens == len(images) == 1
        assert Path(os.path.join(str(out), images[0])).is_file()


def test_swift_messages_and_objects(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "swift.jsonl"
    n = export("swift", dataset, out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert n == len(lines)
    boxes = {t["text_id"]: t["box"] for t in _texts(dataset) if t["type"] == "referring"}
    grounded = 0
    # ms-swift: "<image>" tags match "images"; "<ref-object>"/"<bbox>" tags are replaced in
    # order by objects["ref"]/objects["bbox"]; bbox_type "real" means pixel coordinates.
    for line in lines:
        content = "".join(m["content"] for m in line["messages"])
        assert content.count("<image>") == len(line["images"]) == 1
        roles = [m["role"] for m in line["messages"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2)
        objects = line.get("objects")
        if objects:
            grounded += 1
            assert objects["bbox_type"] == "real"
            assert content.count("<bbox>") == len(objects["bbox"]) == 1
            assert content.count("<ref-object>") == len(objects["ref"])
            assert objects["bbox"][0] == boxes[line["id"]]
    assert grounded == len(boxes)


def test_llava_says_where_images_are(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "llava.json"
    result = CliRunner().invoke(cli, ["export", "llava", str(dataset), "-o", str(out)])
    assert result.exit_code == 0 and f"--image_folder {dataset.resolve()}" in result.output
    # LLaVA llava/train/train.py LazySupervisedDataset: Image.open(os.path.join(image_folder,
    # image_file)) with --image_folder.
    for conv in json.loads(out.read_text()):
        assert Path(os.path.join(str(dataset), conv["image"])).is_file()


# ---------------------------------------------------------------- VLMEvalKit


def test_vlmevalkit_tsvs(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "vlm"
    export("vlmevalkit", dataset, out)
    texts = _texts(dataset)
    # VLMEvalKit vlmeval/smp/file.py load(): pd.read_csv(f, sep="\t"); images decode from base64.
    mcq = pd.read_csv(out / "EOTEXT_MCQ.tsv", sep="\t")
    assert list(mcq.columns[:10]) == [
        "index", "image", "question", "A", "B", "C", "D", "answer", "category", "split"
    ]  # fmt: skip
    by_id = {t["text_id"]: t for t in texts}
    for row in mcq.itertuples():
        t = by_id[row.text_id]
        option = getattr(row, row.answer)
        assert t["answer"].endswith(option)
        Image.open(io.BytesIO(base64.b64decode(row.image))).verify()
    yorn = pd.read_csv(out / "EOTEXT_YORN.tsv", sep="\t")
    assert set(yorn["answer"]) <= {"Yes", "No"}
    assert len(yorn) == sum(1 for t in texts if t["style"] == "binary")
    caption = pd.read_csv(out / "EOTEXT_CAPTION.tsv", sep="\t")
    for answer in caption["answer"]:
        refs = eval(answer)  # as VLMEvalKit's caption dataset reads it
        assert isinstance(refs, list) and all(isinstance(r, str) for r in refs)


# ---------------------------------------------------------------- lmms-eval


def _load_lmms_yaml(path: Path) -> dict[str, Any]:
    """lmms-eval lmms_eval/utils.py load_yaml_config: a yaml.FullLoader with a ``!function``
    constructor that imports ``module.function`` from ``<yaml folder>/module.py``."""

    def import_function(loader: yaml.Loader, node: yaml.Node) -> Callable[..., Any]:
        name = loader.construct_scalar(node)  # type: ignore[arg-type]
        module_name, function_name = str(name).rsplit(".", 1)
        module_path = os.path.join(os.path.dirname(str(path)), f"{module_name}.py")
        spec = importlib.util.spec_from_file_location(module_name, module_path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, function_name)  # type: ignore[no-any-return]

    loader = yaml.FullLoader
    yaml.add_constructor("!function", import_function, Loader=loader)
    with path.open() as fh:
        return yaml.load(fh, Loader=loader)  # type: ignore[no-any-return]


def _run_lmms_task(config: dict[str, Any], predict: Callable[[dict[str, Any]], str]) -> dict:
    import datasets

    docs = datasets.load_dataset(config["dataset_path"], **config["dataset_kwargs"])
    docs = docs[config["test_split"]]
    results: dict[str, list[Any]] = {m["metric"]: [] for m in config["metric_list"]}
    for doc in docs:
        visual = config["doc_to_visual"](doc)
        assert visual[0].mode == "RGB"
        assert config["doc_to_text"](doc, {"pre_prompt": "", "post_prompt": ""})
        out = config["process_results"](doc, [predict(doc)])
        for key, value in out.items():
            if key in results:  # lmms-eval aggregates the metrics its YAML lists
                results[key].append(value)
    return {m["metric"]: m["aggregation"](results[m["metric"]]) for m in config["metric_list"]}


def test_lmms_eval_task_reproduces_eotext_bench(dataset: Path, tmp_path: Path) -> None:
    from eotext.bench.boxes import Box
    from eotext.bench.captions import CaptionReferences, CaptionScorer
    from eotext.bench.referring import ReferringExpression, score_referring

    out = tmp_path / "lmms"
    export("lmms-eval", dataset, out, box_format="norm1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    vqa = _run_lmms_task(_load_lmms_yaml(out / "eotext_vqa.yaml"), lambda d: d["answer"])
    assert vqa == {"accuracy": 1.0}
    ref = _load_lmms_yaml(out / "eotext_referring.yaml")
    shifted = _run_lmms_task(ref, lambda d: format_box(
        [v + 2 for v in d["box"]], d["width"], d["height"], "norm1"))  # fmt: skip
    # the same predictions scored by eotext directly
    docs = pq.read_table(out / "data" / "referring.parquet").to_pylist()
    expressions = [ReferringExpression(d["doc_id"], Box(*map(float, d["box"])), d["width"],
                                       d["height"]) for d in docs]  # fmt: skip
    preds = {d["doc_id"]: format_box([v + 2 for v in d["box"]], d["width"], d["height"], "norm1")
             for d in docs}  # fmt: skip
    direct = score_referring(expressions, preds, convention="norm1")
    assert shifted == {"acc@0.5": direct.overall.accuracy, "mean_iou": direct.overall.mean_iou}
    config = _load_lmms_yaml(out / "eotext_caption.yaml")
    config["metric_list"] = [m for m in config["metric_list"] if m["metric"] in ("Bleu_4", "CIDEr")]
    docs = pq.read_table(out / "data" / "caption.parquet").to_pylist()
    other = {d["patch_id"]: docs[(i + 1) % len(docs)]["references"][0] for i, d in enumerate(docs)}
    got = _run_lmms_task(config, lambda d: other[d["patch_id"]])
    refs = CaptionReferences(
        tuple(d["patch_id"] for d in docs), {d["patch_id"]: tuple(d["references"]) for d in docs}
    )
    with CaptionScorer(metrics=["bleu", "cider"]) as scorer:
        expected = scorer.score(refs, other).corpus
    assert got == {"Bleu_4": expected["Bleu_4"], "CIDEr": expected["CIDEr"]}


# ---------------------------------------------------------------- boxes


@pytest.mark.parametrize("box_format", BOX_FORMATS)
def test_box_formats_round_trip_through_bench(
    dataset: Path, tmp_path: Path, box_format: str
) -> None:
    out = tmp_path / "items.parquet"
    export("bigearthnet-txt", dataset, out, box_format=box_format)
    rows = [r for r in pq.read_table(out).to_pylist() if r["type"] == "bounding box"]
    patches = {p["patch_id"]: p for p in _patches(dataset)}
    texts = {t["text_id"]: t for t in _texts(dataset)}
    refs = [{"ref_id": r["ID"], "box": texts[r["ID"]]["box"], "width": patches[r["patch_id"]]
             ["width"], "height": patches[r["patch_id"]]["height"]} for r in rows]  # fmt: skip
    preds = [{"ref_id": r["ID"], "answer": r["output"]} for r in rows]
    (tmp_path / "refs.json").write_text(json.dumps(refs))
    (tmp_path / "preds.json").write_text(json.dumps(preds))
    args = ["bench", "score", "referring", "--pred", str(tmp_path / "preds.json"), "--refs",
            str(tmp_path / "refs.json"), "--box-format", box_format, "-o",
            str(tmp_path / "scores.json")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["unparsed"] == 0 and scores["expressions"] == len(rows) > 0
    assert scores["Acc@0.5"] == 1.0
    assert scores["mean_iou"] == 1.0 if box_format == "pixel" else scores["mean_iou"] > 0.8


#: Largest error of a read-back edge, in pixels, per convention (half a step of its grid).
def _tolerance(style: str, size: int) -> float:
    if style == "pixel":
        return 0.0
    if style == "norm1":
        return size * 0.0005 + 1e-9
    if style == "geochat":
        return size / 200 + 1e-9
    if style == "qwen2.5-vl":
        w, _ = qwen25_resized_size(size, size)
        return size / w / 2 + 1e-9
    return size / 2000 + 1e-9


@given(
    st.integers(8, 1024),
    st.sampled_from(BOX_FORMATS),
    st.data(),
)
def test_every_box_format_reads_back(size: int, style: str, data: st.DataObject) -> None:
    x0 = data.draw(st.integers(0, size - 1))
    y0 = data.draw(st.integers(0, size - 1))
    x1 = data.draw(st.integers(x0 + 1, size))
    y1 = data.draw(st.integers(y0 + 1, size))
    text = f"It is at {format_box([x0, y0, x1, y1], size, size, style)}."
    box = parse_box(text, size, size, style)
    assert box is not None
    tol = _tolerance(style, size)
    for got, want in zip(box.to_list(), (x0, y0, x1, y1), strict=True):
        assert abs(got - want) <= tol


def test_qwen25_resize_rule() -> None:
    assert qwen25_resized_size(256, 256) == (252, 252)
    assert qwen25_resized_size(120, 120) == (112, 112)
    assert qwen25_resized_size(1024, 512) == (1036, 504)
    assert format_box([0, 0, 256, 128], 256, 256, "qwen2.5-vl") == '{"bbox_2d": [0, 0, 252, 126]}'
    assert format_box([64, 32, 128, 256], 256, 256, "norm1") == "[0.25, 0.125, 0.5, 1]"


# ---------------------------------------------------------------- dataset folder: COG, STAC


def test_patch_geotiffs_are_valid_cogs(dataset: Path) -> None:
    from rio_cogeo.cogeo import cog_validate

    tifs = sorted((dataset / "images").glob("*.tif")) + sorted((dataset / "labels").glob("*.tif"))
    assert tifs
    for tif in tifs:
        valid, errors, _ = cog_validate(str(tif), strict=True)
        assert valid and not errors, (tif, errors)


def test_stac_catalog_validates(dataset: Path, tmp_path: Path) -> None:
    import pystac
    from pystac.validation import validate_dict

    out = tmp_path / "stac"
    n = export("stac", dataset, out)
    collection = pystac.read_file(str(out / "collection.json"))
    assert isinstance(collection, pystac.Collection)
    items = list(collection.get_items())
    assert n == len(items) == len(_patches(dataset))
    # Core schemas ship with pystac; extension schemas are fetched from the network, so the
    # extensions are checked through pystac's own extension classes instead.
    core = collection.to_dict()
    core["stac_extensions"] = []
    validate_dict(core)
    for item in items:
        d = item.to_dict()
        assert any("label" in e for e in d["stac_extensions"])
        d["stac_extensions"] = []
        validate_dict(d)
        props = item.properties
        assert props["label:type"] == "raster" and props["label:classes"][0]["classes"]
        assert {"label:description", "label:tasks", "label:methods"} <= set(props)
        assert {"preview"} <= set(item.assets)
        for asset in item.assets.values():
            assert Path(asset.get_absolute_href() or "").is_file()


# ---------------------------------------------------------------- every exporter


def _read_back(name: str, out: Path, dataset: Path) -> set[str]:
    """The patch ids an export holds, read the way its users read it."""
    if name == "bigearthnet-txt":
        return {r["patch_id"] for r in pq.read_table(out).to_pylist()}
    if name == "coco":
        return {i["patch_id"] for i in json.loads((out / "captions.json").read_text())["images"]}
    if name == "hf":
        import datasets

        ds = datasets.load_dataset(str(out), download_mode="force_redownload")
        return {pid for split in ds for pid in ds[split]["patch_id"]}
    if name in ("llava",):
        return {c["id"] for c in json.loads(out.read_text())}
    if name == "llamafactory":
        return {c["id"] for c in json.loads((out / "eotext.json").read_text())}
    if name == "lmms-eval":
        return {
            d["patch_id"]
            for f in (out / "data").glob("*.parquet")
            for d in pq.read_table(f, columns=["patch_id"]).to_pylist()
        }
    if name == "openclip":
        by_preview = {str((dataset / p["preview_path"]).resolve()): p["patch_id"]
                      for p in _patches(dataset)}  # fmt: skip
        return {by_preview[f] for f in pd.read_csv(out, sep="\t")["filepath"]}
    if name == "stac":
        import pystac

        return {i.id for i in pystac.read_file(str(out / "collection.json")).get_items()}  # type: ignore[attr-defined]
    if name == "swift":
        ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
        return {re.sub(r":.*", "", i) for i in ids}
    if name == "vlmevalkit":
        return {
            re.sub(r":.*", "", str(i))
            for f in out.glob("*.tsv")
            for i in pd.read_csv(f, sep="\t")["text_id"]
        }
    if name == "webdataset":
        return {s["__key__"] for s in _webdataset(sorted(str(p) for p in out.glob("*.tar")))}
    raise AssertionError(f"no reader for {name}")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_every_exporter_round_trips_and_takes_split(
    dataset: Path, tmp_path: Path, name: str
) -> None:
    options: dict[str, Any] = {"style": "short"} if name == "openclip" else {}
    patches = _patches(dataset)
    with_texts = {t["patch_id"] for t in _texts(dataset)}
    full = _read_back(name, _export(name, dataset, tmp_path / "all", options), dataset)
    assert full and full <= {p["patch_id"] for p in patches}
    if name in ("hf", "webdataset", "stac", "llava", "llamafactory", "bigearthnet-txt"):
        assert full == with_texts or full == {p["patch_id"] for p in patches}
    train = _read_back(name, _export(name, dataset, tmp_path / "tr", options, "train"), dataset)
    train_ids = {p["patch_id"] for p in patches if p["split"] == "train"}
    assert train and train <= train_ids and train_ids != {p["patch_id"] for p in patches}
    with pytest.raises(RecipeError, match="no patch in split 'nope'"):
        _export(name, dataset, tmp_path / "nope", options, "nope")


def _export(
    name: str, dataset: Path, base: Path, options: dict[str, Any], split: str | None = None
) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    out = _out(base, name)
    export(name, dataset, out, split=split, **options)
    return out


def test_cli_lists_every_exporter_and_rejects_foreign_options(
    dataset: Path, tmp_path: Path
) -> None:
    help_text = CliRunner().invoke(cli, ["export", "--help"]).output
    assert all(name in help_text for name in EXPORTERS)
    # The CLI lists the formats without importing the exporters (nor pyarrow).
    assert FORMATS == tuple(EXPORTERS) == tuple(OUTPUTS)
    modules = [EXPORTERS[name].__module__ for name in FORMATS] + ["pyarrow"]
    code = f"import sys, eotext.cli.main; print(sorted(set({modules!r}) & set(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]", run.stdout
    bad = CliRunner().invoke(
        cli, ["export", "coco", str(dataset), "-o", str(tmp_path / "c"), "--shard-size", "3"]
    )
    assert bad.exit_code == 1 and "does not take --shard-size" in bad.output
    ok = CliRunner().invoke(
        cli, ["export", "webdataset", str(dataset), "-o", str(tmp_path / "w"), "--split", "val"]
    )
    assert ok.exit_code == 0 and "samples" in ok.output
    with open(tmp_path / "w" / "eotext-000000.tar", "rb") as fh:
        assert fh.read(1)


def test_hf_card_keeps_the_dataset_cards_metadata(tmp_path: Path) -> None:
    from eotext.export.hf import dataset_card
    from eotext.export.items import Tables

    (tmp_path / "DATACARD.md").write_text(
        "---\nlicense: mit\npretty_name: Coast\nconfigs: broken\n---\n# Coast\n\nBody.\n"
    )
    card = dataset_card(Tables(tmp_path, {}, []), ["train"])
    header = yaml.safe_load(card.split("---")[1])
    assert header["license"] == "mit" and header["pretty_name"] == "Coast"
    assert header["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/train-*.parquet"}
    ]
    assert card.rstrip().endswith("# Coast\n\nBody.")


def test_geotiff_writer_makes_cogs_of_any_size(tmp_path: Path) -> None:
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS
    from rio_cogeo.cogeo import cog_validate

    from eotext.store.rasters import write_geotiff

    for height, width in ((37, 100), (120, 120), (600, 700)):
        labels = (np.arange(height * width).reshape(height, width) % 5).astype("uint8")
        path = tmp_path / f"{height}x{width}.tif"
        write_geotiff(
            path, labels, CRS.from_epsg(32633), Affine(10, 0, 0, 0, -10, 0), nodata=0,
            band_names=["lc"], colormap={1: (255, 0, 0, 255)}, tags={"scheme": "x"},
        )  # fmt: skip
        valid, errors, _ = cog_validate(str(path), strict=True)
        assert valid and not errors
        with rasterio.open(path) as src:
            assert (src.read(1) == labels).all() and src.descriptions == ("lc",)
            assert src.colormap(1)[1] == (255, 0, 0, 255) and src.tags()["scheme"] == "x"
            assert src.block_shapes[0][0] in (128, 256)
            assert (src.overviews(1) != []) == (max(height, width) > 256)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "120x120.tif",
        "37x100.tif",
        "600x700.tif",
    ]
    # Band names, scales and offsets of a multi-band patch must not move the IFD behind the data.
    bands = (np.arange(12 * 120 * 120).reshape(12, 120, 120) % 9000).astype("uint16")
    path = tmp_path / "bands.tif"
    write_geotiff(
        path, bands, CRS.from_epsg(32633), Affine(10, 0, 0, 0, -10, 0), nodata=0,
        band_names=[f"B{i}" for i in range(12)], scales=[1e-4] * 12, offsets=[-0.1] * 12,
    )  # fmt: skip
    valid, errors, _ = cog_validate(str(path), strict=True)
    assert valid and not errors, errors
    with rasterio.open(path) as src:
        assert src.descriptions[0] == "B0" and src.scales[0] == 1e-4 and src.offsets[0] == -0.1
        assert (src.read() == bands).all()


# ---------------------------------------------------------------- round trip of arbitrary texts

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\"',;"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())


def _synthetic(root: Path, captions: list[list[str]]) -> Path:
    """A dataset folder with one patch per caption list (previews are real PNGs)."""
    import pyarrow as pa
    import shapely

    from eotext.store.folder import PATCH_SCHEMA, TEXT_SCHEMA

    (root / "previews").mkdir(parents=True)
    patches, texts = [], []
    for i, caps in enumerate(captions):
        pid = f"p{i}"
        Image.new("RGB", (32, 32), (i * 40 % 256, 90, 20)).save(root / "previews" / f"{pid}.png")
        patches.append(
            {
                "patch_id": pid,
                "width": 32,
                "height": 32,
                "split": ("train", "val")[i % 2],
                "preview_path": f"previews/{pid}.png",
                "crs": "EPSG:32633",
                "transform": [10.0, 0.0, 0.0, 0.0, -10.0, 0.0],
                "geometry": shapely.box(6 + i, 0, 6.1 + i, 0.1).wkb,
            }
        )
        for j, cap in enumerate(caps):
            texts.append({"text_id": f"{pid}:c{j}", "patch_id": pid, "type": "caption",
                          "style": "short", "text": cap})  # fmt: skip
        texts.append({"text_id": f"{pid}:r", "patch_id": pid, "type": "referring",
                      "style": "expression", "text": "the pond", "question": "Where is the pond?",
                      "box": [1, 2, 30, 31]})  # fmt: skip
    pq.write_table(pa.Table.from_pylist(patches, schema=PATCH_SCHEMA), root / "patches.parquet")
    pq.write_table(pa.Table.from_pylist(texts, schema=TEXT_SCHEMA), root / "texts.parquet")
    return root


def _captions_back(name: str, out: Path) -> list[str]:
    """The caption texts an export holds, read back as its users read it."""
    if name == "openclip":
        return [str(t) for t in pd.read_csv(out, sep="\t", keep_default_na=False)["title"]]
    if name == "bigearthnet-txt":
        rows = pq.read_table(out).to_pylist()
        return [r["output"] for r in rows if r["type"] == "captioning"]
    if name == "coco":
        return [
            a["caption"] for a in json.loads((out / "captions.json").read_text())["annotations"]
        ]
    if name == "hf":
        return [t["output"] for f in (out / "data").glob("*.parquet")
                for r in pq.read_table(f).to_pylist() for t in r["texts"]
                if t["type"] == "captioning"]  # fmt: skip
    if name in ("llava", "llamafactory"):
        convs = json.loads((out if name == "llava" else out / "eotext.json").read_text())
        return [t["value"] for c in convs for t in c["conversations"][1::2]
                if not t["value"].startswith("<box>")]  # fmt: skip
    if name == "swift":
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        return [m["content"] for line in lines if "objects" not in line
                for m in line["messages"][1::2]]  # fmt: skip
    if name == "vlmevalkit":
        frame = pd.read_csv(out / "EOTEXT_CAPTION.tsv", sep="\t", keep_default_na=False)
        return [c for answer in frame["answer"] for c in eval(answer)]
    if name == "lmms-eval":
        docs = pq.read_table(out / "data" / "caption.parquet").to_pylist()
        return [c for d in docs for c in d["references"]]
    if name == "webdataset":
        samples = _webdataset(sorted(str(p) for p in out.glob("*.tar")))
        return [t["output"] for s in samples for t in json.loads(s["json"])["texts"]
                if t["type"] == "captioning"]  # fmt: skip
    return []  # stac: no texts, only their count


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=8, deadline=None)
@given(st.lists(st.lists(_TEXT, min_size=1, max_size=3), min_size=1, max_size=3))
@example([['a "park"\tnext to\na road', "x,y;z'"], ["NA"], ["ümlaut — 東京"]])
def test_every_exporter_keeps_arbitrary_texts(captions: list[list[str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = _synthetic(Path(tmp) / "ds", captions)
        want = sorted(c for caps in captions for c in caps)
        for name in EXPORTERS:
            key = {"openclip": "style", "vlmevalkit": "caption_style"}.get(name)
            key = "caption_style" if name == "lmms-eval" else key
            options: dict[str, Any] = {key: "short"} if key else {}
            out = _out(Path(tmp) / name, name)
            out.parent.mkdir(parents=True, exist_ok=True)
            export(name, root, out, **options)
            if name == "openclip":  # a spreadsheet must not run a caption as a formula
                assert sorted(_captions_back(name, out)) == sorted(map(csv_safe, want)), name
            elif name != "stac":
                assert sorted(_captions_back(name, out)) == want, name
