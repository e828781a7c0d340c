"""The open_clip CSV exporter: rows, paths, quoting, styles and errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.errors import OutputError, RecipeError
from eotext.export import EXPORTERS, export, export_openclip
from eotext.store.folder import PATCH_SCHEMA, TEXT_SCHEMA


def _dataset(root: Path) -> Path:
    (root / "previews").mkdir(parents=True)
    patches, texts = [], []
    for i, preview in enumerate([True, True, False]):
        pid = f"s_r{i:06d}_c000000"
        if preview:
            (root / "previews" / f"{pid}.png").write_bytes(b"png")
        patches.append(
            {"patch_id": pid, "preview_path": f"previews/{pid}.png" if preview else None}
        )
        texts.append({"text_id": f"{pid}:t", "patch_id": pid, "style": "title",
                      "text": f'a satellite image of a "park", number {i}'})  # fmt: skip
        texts.append({"text_id": f"{pid}:m", "patch_id": pid, "style": "title_multi_objects",
                      "text": f"a satellite image of a park next to a road {i}"})  # fmt: skip
    pq.write_table(pa.Table.from_pylist(patches, schema=PATCH_SCHEMA), root / "patches.parquet")
    pq.write_table(pa.Table.from_pylist(texts, schema=TEXT_SCHEMA), root / "texts.parquet")
    return root


def _rows(path: Path, sep: str = "\t") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=sep))


def test_rows_pair_previews_with_titles(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds")
    n = export("openclip", root, root / "clip.csv")
    rows = _rows(root / "clip.csv")
    assert n == 2 == len(rows)  # the patch without a preview is left out
    assert rows[0] == {
        "filepath": str((root / "previews/s_r000000_c000000.png").resolve()),
        "title": 'a satellite image of a "park", number 0',
    }


def test_paths_are_absolute_or_relative_to_a_named_folder(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds")
    export_openclip(root, tmp_path / "elsewhere" / "clip.csv", style="title_multi_objects")
    for row in _rows(tmp_path / "elsewhere" / "clip.csv"):
        assert Path(row["filepath"]).is_absolute() and Path(row["filepath"]).is_file()
        assert "next to a road" in row["title"]
    (tmp_path / "run").mkdir()
    export_openclip(root, tmp_path / "rel.csv", relative_to=tmp_path / "run")
    for row in _rows(tmp_path / "rel.csv"):
        assert (tmp_path / "run" / row["filepath"]).is_file()
    export_openclip(root, tmp_path / "sky.csv", separator=",")
    assert len(_rows(tmp_path / "sky.csv", sep=",")) == 2


def test_errors(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds")
    with pytest.raises(OutputError, match=r"no text of style 'short'.*title, title_multi"):
        export_openclip(root, tmp_path / "x.csv", style="short")
    with pytest.raises(RecipeError, match="separator must be"):
        export_openclip(root, tmp_path / "x.csv", separator=";")
    with pytest.raises(OutputError, match="not a dataset folder"):
        export_openclip(tmp_path, tmp_path / "x.csv")
    with pytest.raises(RecipeError, match="image must be one of"):
        export_openclip(root, tmp_path / "x.csv", image="thumbnail")
    with pytest.raises(RecipeError, match="unknown export format 'yolo'"):
        export("yolo", root, tmp_path / "x.csv")
    with pytest.raises(RecipeError, match="'openclip' does not take --shard-size"):
        export("openclip", root, tmp_path / "x.csv", shard_size=3)
    assert EXPORTERS["openclip"] is export_openclip


def test_cli_export(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds")
    out = tmp_path / "c.csv"
    args = ["export", "openclip", str(root), "-o", str(out), "--style", "title_multi_objects"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and f"{out}: 2 rows" in result.output
    assert all("next to a road" in r["title"] for r in _rows(out))
    bad = CliRunner().invoke(cli, ["export", "openclip", str(root), "-o", str(out), "--style", "x"])
    assert bad.exit_code == 1 and "no text of style 'x'" in bad.output
