"""A finished unit without rows (open sea) stores only its completion marker; the merge reads
it as no rows, beside units with rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from eotext.config.recipe import OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.store.folder import DatasetFolder
from eotext.store.records import UnitSummary
from tests.conftest import WORLDCOVER_1024, need


def test_a_unit_without_rows_stores_only_its_marker(tmp_path: Path) -> None:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        output=OutputSpec(workers=1),
    )
    out = tmp_path / "ds"
    built = build_dataset(recipe, out)
    assert built.patches == 16 and built.texts > 0
    folder = DatasetFolder(out)
    sea = UnitSummary("sea", "sea-scene", 64, 0, 0, {"low_valid_fraction": 64}, 0)
    folder.save_unit("sea", [], [], sea)
    assert sorted(p.name for p in folder.units.glob("sea.*")) == ["sea.done.json"]
    assert folder.merge_tables() == (built.patches, built.texts)
    assert pq.read_table(out / "patches.parquet").num_rows == 16
    # Every unit without rows: empty tables with the full schema.
    for p in folder.units.glob("*.arrow"):
        p.unlink()
    assert folder.merge_tables() == (0, 0)
    assert "patch_id" in pq.read_table(out / "texts.parquet").column_names
