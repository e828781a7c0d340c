"""`eotext report`, `eotext info` and the dataset card on a dataset built from the real data.

The report's numbers are checked against the parquet tables read here independently; the
page is opened in Debian's Chromium (Playwright) from file://, offline.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import Recipe
from eotext.report.html import write_report
from eotext.report.stats import compute_stats, tokens
from eotext.report.tables import load_dataset
from eotext.run.build import build_dataset
from eotext.scene.spec import SourceSpec
from eotext.text.spec import AnnotateSpec
from tests.conftest import BEN_S2, WORLDCOVER_1024, as_dict, need

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned=2'> $x$ & co"
HOSTILE_ANSWER = "<b onmouseover=alert(1)>yes</b>"
HOSTILE_FINDING = "unsupported_class:<i>lava</i>"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """WorldCover over Sao Tome and the BigEarthNet patches, with captions, VQA and boxes."""
    recipe = Recipe(
        name="report-test",
        sources=(
            SourceSpec(id="saotome", labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),
            SourceSpec(image=str(need(BEN_S2)), image_format="bigearthnet"),
        ),
        annotate=AnnotateSpec(kinds=("caption", "vqa", "referring")),
    )
    out = tmp_path_factory.mktemp("report") / "ds"
    build_dataset(recipe, out)
    return out


@pytest.fixture(scope="module")
def hostile(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy whose first caption, one VQA answer and one finding carry HTML and mathtext."""
    out = tmp_path_factory.mktemp("hostile") / "ds"
    shutil.copytree(dataset, out, ignore=shutil.ignore_patterns("report"))
    table = pq.read_table(out / "texts.parquet")
    rows = table.to_pylist()
    caption = next(r for r in rows if r["type"] == "caption")
    caption.update(text=HOSTILE, status="flagged", findings=[HOSTILE_FINDING])
    vqa = next(r for r in rows if r["type"] == "vqa" and r["patch_id"] == caption["patch_id"])
    vqa["answer"] = HOSTILE_ANSWER
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), out / "texts.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["llm"] = {
        "requests_sent": 7,
        "cache_hits": 3,
        "prompt_tokens": 1234,
        "completion_tokens": 567,
        "cost": 0.0421,
        "flagged": 1,
    }
    manifest["recipe"]["annotate"]["llm"]["model"] = "<script>model</script>"
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def test_report_numbers_match_the_tables(dataset: Path) -> None:
    patches = pq.read_table(dataset / "patches.parquet").to_pylist()
    texts = pq.read_table(dataset / "texts.parquet").to_pylist()
    data = load_dataset(dataset)
    stats = compute_stats(data.patches, data.texts)
    assert stats.counts.patches == len(patches) == 16 + 14
    assert stats.counts.by_split == dict(Counter(p["split"] for p in patches).most_common())
    assert sum(stats.counts.by_type.values()) == len(texts)
    assert stats.counts.by_type == dict(Counter(t["type"] for t in texts).most_common())
    split_of = {p["patch_id"]: p["split"] for p in patches}
    for split, by_type in stats.counts.texts_by_split.items():
        assert sum(by_type.values()) == sum(split_of[t["patch_id"]] == split for t in texts)
    # Pixels per class sum to the labelled pixels of each scheme; patch-level labels add none.
    for scheme in ("worldcover", "bigearthnet-43"):
        labelled = sum(
            sum(as_dict(p["class_pixels"]).values()) for p in patches if p["scheme"] == scheme
        )
        counted = sum(c.pixels for c in stats.classes if c.scheme == scheme)
        assert abs(counted - labelled) <= len(patches) * 10, scheme
    ben = [p for p in patches if p["scheme"] == "bigearthnet-43"]
    forest = sum("Broad-leaved forest" in p["multilabels"] for p in ben)
    assert forest > 0
    assert next(c.patches for c in stats.classes if c.name == "Broad-leaved forest") == forest
    water = sum(p["dominant_class"] == "Permanent water bodies" for p in patches)
    assert next(c.dominant for c in stats.classes if c.name == "Permanent water bodies") == water
    # Caption lengths and VQA answers.
    captions = [t for t in texts if t["type"] == "caption"]
    assert sum(len(v) for v in stats.caption_words.values()) == len(captions)
    assert sum(sum(v) for v in stats.caption_words.values()) == sum(
        len(re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", t["text"].lower())) for t in captions
    )
    binary = [t["answer"] for t in texts if t["category"] == "presence" and t["style"] == "binary"]
    assert stats.vqa_answers["presence (binary)"] == dict(Counter(binary).most_common())
    for d in stats.diversity:
        assert 0 < d.distinct[0] <= 1 and d.vocabulary <= d.tokens
        assert d.ttr is None or 0 < d.ttr <= 1

    page = (dataset / "report").exists() or write_report(dataset)
    assert page
    text = (dataset / "report" / "index.html").read_text()
    for split, n in stats.counts.by_split.items():
        assert f"<tr><td>{split}</td><td class='n'>{n}</td></tr>" in text
    for status, n in stats.counts.by_status.items():
        assert f"<tr><td>{status}</td><td class='n'>{n}</td></tr>" in text


def test_word_tokens() -> None:
    assert tokens("Tree-cover, 25% of it; it's water.") == [
        "tree-cover",
        "25",
        "of",
        "it",
        "it's",
        "water",
    ]


def test_cli_report_and_info(dataset: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(dataset), "--gallery", "6"])
    assert result.exit_code == 0, result.output
    assert re.search(r"index\.html: \d+ figures, 6 gallery patches \(30 patches", result.output)
    page = (dataset / "report" / "index.html").read_text()
    assert page.count("<figure class='plot'") >= 7 and page.count("<article class=") == 6
    assert "http://" not in page.replace("http://www.w3.org/", "") and "https://" not in page
    info = CliRunner().invoke(cli, ["info", str(dataset)])
    assert info.exit_code == 0
    patches = pq.read_table(dataset / "patches.parquet").to_pylist()
    for split, n in Counter(p["split"] for p in patches).items():
        assert f"{split} {n}" in info.output
    statuses = Counter(
        pq.read_table(dataset / "texts.parquet", columns=["status"])["status"].to_pylist()
    )
    assert f"generated {statuses['generated']}" in info.output
    assert "caption (multilabel) 14" in info.output
    assert "vqa (binary)" in info.output and "findings: " in info.output
    bad = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and "no manifest.json" in bad.output


def test_data_card_is_a_hugging_face_card(dataset: Path) -> None:
    card = (dataset / "DATACARD.md").read_text()  # written by the build
    front, body = re.fullmatch(r"---\n(.*?)\n---\n(.*)", card, re.S).groups()  # type: ignore[union-attr]
    meta = yaml.safe_load(front)
    assert meta["pretty_name"] == "report-test" and meta["language"] == ["en"]
    # CC-BY-4.0 labels and CDLA-Permissive-1.0 patches: one Hub licence id each
    # (the CORINE labels' CLMS policy has no Hub id: "other", named in license_name).
    assert meta["license"] == ["cc-by-4.0", "cdla-permissive-1.0", "other"]
    assert meta["license_name"]
    assert meta["task_categories"] == [
        "image-to-text",
        "object-detection",
        "visual-question-answering",
    ]
    n_texts = pq.read_metadata(dataset / "texts.parquet").num_rows
    assert meta["size_categories"] == ["n<1K" if n_texts < 1000 else "1K<n<10K"]
    assert "## Sources and licences" in body and "CC-BY-4.0" in body and "## Attribution" in body
    assert "| train |" in body


def test_hostile_text_is_escaped(hostile: Path) -> None:
    write_report(hostile, gallery=4)
    page = (hostile / "report" / "index.html").read_text()
    assert "<script" not in page and "onerror=" not in page.replace("onerror=&#x27;", "")
    assert html.escape(HOSTILE) in page and html.escape(HOSTILE_FINDING) in page
    assert "<b onmouseover" not in page
    llm = page[page.index("id='llm'") :]
    assert "<th>cost</th><td>0.0421</td>" in llm and "<th>prompt_tokens</th><td>1234</td>" in llm
    assert "&lt;script&gt;model&lt;/script&gt;" in llm


def _browse(url: str) -> dict[str, Any]:
    """Open ``url`` in headless Chromium, offline; what rendered and what was requested."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium; `make test` installs it")
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="load")
            figures = page.eval_on_selector_all(
                "figure.plot svg",
                "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return [r.width, r.height, e.querySelectorAll('path,use,rect').length]; })",
            )
            images = page.eval_on_selector_all(
                ".gallery img", "els => els.map(e => [e.complete, e.naturalWidth])"
            )
            boxes = page.eval_on_selector_all(".boxes rect:not(.halo)", "els => els.length")
            texts = page.eval_on_selector_all(".gallery li", "els => els.map(e => e.textContent)")
            pwned = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
            scripts = page.eval_on_selector_all("script", "els => els.length")
        finally:
            browser.close()
    return {
        "requests": requests,
        "errors": errors,
        "figures": figures,
        "images": images,
        "boxes": boxes,
        "texts": texts,
        "pwned": pwned,
        "scripts": scripts,
    }


def test_report_renders_offline_in_chromium(hostile: Path) -> None:
    write_report(hostile, gallery=40)
    index = hostile / "report" / "index.html"
    seen = _browse(index.resolve().as_uri())
    assert seen["errors"] == []
    assert all(u.startswith(("file://", "data:")) for u in seen["requests"]), seen["requests"]
    assert len(seen["figures"]) >= 6
    assert all(w > 100 and h > 100 and n > 5 for w, h, n in seen["figures"]), seen["figures"]
    assert len(seen["images"]) == 30 and all(ok and w > 0 for ok, w in seen["images"])
    texts = pq.read_table(hostile / "texts.parquet").to_pylist()
    boxes = {(t["patch_id"], tuple(t["box"])) for t in texts if t["box"]}
    assert seen["boxes"] == len(boxes) > 0
    # Hostile text is shown as text, never run.
    assert seen["pwned"] is None and seen["scripts"] == 0
    assert any(HOSTILE in t and HOSTILE_FINDING in t for t in seen["texts"])
    assert any(f"A: {HOSTILE_ANSWER}" in t for t in seen["texts"])


def test_report_of_a_dataset_without_patches(tmp_path: Path) -> None:
    """A build where no patch passed the filters still gets a page, a card and a summary."""
    from eotext.report.summary import data_card, summarise
    from eotext.store.folder import PATCH_SCHEMA, TEXT_SCHEMA

    pq.write_table(PATCH_SCHEMA.empty_table(), tmp_path / "patches.parquet")
    pq.write_table(TEXT_SCHEMA.empty_table(), tmp_path / "texts.parquet")
    counts = {"patches": 0, "patches_planned": 4, "texts": 0, "dropped": {"cloudy": 4}}
    manifest = {
        "name": "empty",
        "eotext_version": "0",
        "recipe_fingerprint": "f",
        "complete": True,
        "sources": [],
        "counts": counts,
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    result = write_report(tmp_path)
    assert result.patches == 0 and result.gallery == 0 and result.figures == 1
    assert "splits: none" in summarise(tmp_path)
    assert 'size_categories:\n- "n<1K"' in data_card(tmp_path)
