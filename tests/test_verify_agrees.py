"""The checker and the template writers agree: on builds of real label maps, no template
caption, question or referring expression is flagged, because every claim they make is true.

Where the two disagreed, one of them was wrong: the checker misread the writers ("Smaller shares
go to grass." after a sentence about the bottom left; "all four borders of the image"; "a
top-down view"; "a touch of water"), or a writer wrote English a careful reader could take as a
false claim ("next to" for "and"; a place that could attach to the classes listed after it).
Each flag found here is read against its label patch in the failure message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.windows import Window

from eotext.cli.main import cli
from tests.conftest import SAFE, SLOVENIA, WORLDCOVER_1024, WORLDCOVER_TILE, need

#: Windows of the full WorldCover tile (column, row, width, height) and their patch sizes:
#: Príncipe and its coast, São Tomé's north coast, open ocean in the tile's corner.
_TILE_WINDOWS = {
    "principe": (Window(15872, 15872, 2048, 2048), 256),
    "saotome-north": (Window(5632, 30720, 1024, 1024), 128),
    "ocean": (Window(0, 0, 512, 512), 256),
}


def _window(tile: Path, window: Window, out: Path) -> Path:
    with rasterio.open(tile) as src:
        data = src.read(1, window=window)
        profile = {
            **src.profile,
            "width": int(window.width),
            "height": int(window.height),
            "transform": src.window_transform(window),
            "tiled": False,
        }
    profile.pop("blockxsize", None)
    profile.pop("blockysize", None)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
    return out


def _recipe(tmp_path: Path, sources: list[str], seed: int) -> Path:
    head = f"""name = "agree"
seed = {seed}
[grid]
patch_size = 256
edge = "shift"
[filters]
min_valid_fraction = 0.5
max_cloud_fraction = 0.2
[annotate]
kinds = ["caption", "vqa", "referring"]
[annotate.template]
detailed_captions = true
short_captions = true
[output]
unit_patches = 4
write_images = false
"""
    path = tmp_path / f"recipe{seed}.toml"
    path.write_text(head + "\n".join(sources))
    return path


def _source(sid: str, labels: Path | str, extra: str) -> str:
    return f'[[sources]]\nid = "{sid}"\nlabels = "{labels}"\n{extra}\n'


def _flagged_templates(out: Path) -> list[str]:
    """Each flagged template text with its findings, for the failure message."""
    bad = []
    for row in pq.read_table(out / "texts.parquet").to_pylist():
        if row["generator"] != "template" or row["status"] != "flagged":
            continue
        said = row["text"] if row["type"] != "vqa" else f"{row['question']} {row['answer']}"
        findings = [json.loads(f) for f in row["findings"] if f.startswith("{")]
        bad.append(f"{row['patch_id']} {row['type']}: {said!r} {findings}")
    return bad


def _build(recipe: Path, out: Path) -> int:
    res = CliRunner().invoke(cli, ["-q", "build", str(recipe), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    kinds = {r["type"] for r in rows if r["generator"] == "template"}
    assert {"caption", "vqa", "referring"} <= kinds, kinds
    return len(rows)


def test_no_template_text_flagged_on_the_sao_tome_window(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    recipe = _recipe(tmp_path, [_source("saotome", labels, 'scheme = "worldcover"')], seed=0)
    out = tmp_path / "out"
    n = _build(recipe, out)
    assert n > 100
    assert _flagged_templates(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_no_template_text_flagged_on_every_real_map(tmp_path: Path, seed: int) -> None:
    tile = need(WORLDCOVER_TILE)
    sources = [_source("saotome", need(WORLDCOVER_1024), 'scheme = "worldcover"')]
    for sid, (window, size) in _TILE_WINDOWS.items():
        path = _window(tile, window, tmp_path / f"{sid}.tif")
        sources.append(_source(sid, path, f'scheme = "worldcover"\npatch_size = {size}'))
    lulc = need(SLOVENIA / "LULC.tif")
    sources.append(_source("slovenia50", lulc, 'scheme = "eolearn-lulc"\npatch_size = 50'))
    sources.append(_source("slovenia100", lulc, 'scheme = "eolearn-lulc"\npatch_size = 100'))
    sources.append(f'[[sources]]\nid = "scl"\nimage = "{need(SAFE)}"\nlabels = "scl"\n'
                   "patch_size = 128\n")  # fmt: skip
    out = tmp_path / "out"
    n = _build(_recipe(tmp_path, sources, seed), out)
    assert n > 2000
    assert _flagged_templates(out) == []
