"""Real builds where the command line or the unit size changes between runs."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import GridSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.run.engine import LocalRunner
from tests.conftest import BEN_S2, WORLDCOVER_1024, need


class _DiesAfter(LocalRunner):
    """A runner killed after ``n`` units, like a build interrupted halfway."""

    def __init__(self, n: int) -> None:
        self.n = n

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for i, task in enumerate(tasks):
            if i == self.n:
                raise KeyboardInterrupt
            yield fn(task)


@pytest.mark.parametrize("other_size", [3, 1])
def test_resume_with_another_unit_size_neither_duplicates_nor_drops(
    tmp_path: Path, other_size: int
) -> None:
    labels = need(WORLDCOVER_1024)
    recipe = Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=128),
        output=OutputSpec(unit_patches=2, write_previews=False),
    )
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build_dataset(recipe, out, runner=_DiesAfter(3))
    assert pq.read_table(out / "patches.parquet").num_rows == 3 * 4
    resumed = dataclasses.replace(
        recipe, output=OutputSpec(unit_patches=other_size, write_previews=False)
    )
    result = build_dataset(resumed, out)
    # The folder keeps its 2 x 2 units: 3 were done, 13 are left, 64 patches in all.
    assert (result.units_skipped, result.units_run, result.units_total) == (3, 13, 16)
    patches = pq.read_table(out / "patches.parquet").column("patch_id").to_pylist()
    assert len(patches) == len(set(patches)) == 64
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["counts"]["patches"] == 64
    clean = tmp_path / "clean"
    build_dataset(recipe, clean)
    assert pq.read_table(out / "texts.parquet").equals(pq.read_table(clean / "texts.parquet"))


def test_every_image_flag_becomes_a_scene(tmp_path: Path) -> None:
    folders = sorted(p for p in need(BEN_S2).iterdir() if p.is_dir())[:2]
    out = tmp_path / "ben"
    args = ["-q", "build", "--image", str(folders[0]), "--image", str(folders[1]), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    scenes = pq.read_table(out / "patches.parquet").column("scene_id").to_pylist()
    assert sorted(scenes) == sorted(f.name for f in folders)
