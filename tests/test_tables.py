"""One reader of a dataset's tables: flagged and rejected texts stay out of exports and
benchmarks unless asked for (a real build whose LLM captions get flagged, against a stub)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import AnnotateSpec, LlmSpec, OutputSpec, Recipe, SourceSpec
from eotext.errors import OutputError
from eotext.run.build import build_dataset
from eotext.store.tables import read_tables
from tests.conftest import WORLDCOVER_1024, need
from tests.llm_stub import StubLLM

#: Texts per patch besides the LLM caption: a detailed and a short template caption.
TEMPLATE_PER_PATCH = 2


@pytest.fixture(scope="module")
def flagged_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 patches, each with two template captions and an LLM caption; 4 of the LLM captions
    are cut at max_tokens and, with no retry allowed, stored flagged."""
    out = tmp_path_factory.mktemp("flagged") / "ds"
    with StubLLM(["length"] * 4) as stub:
        llm = LlmSpec(base_url=stub.base_url, model="stub", validation_retries=0, backoff_s=0.01)
        recipe = Recipe(
            sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
            annotate=AnnotateSpec(kinds=("caption", "llm"), llm=llm),
            output=OutputSpec(workers=1),
        )
        build_dataset(recipe, out, verify=False)  # the stub's flags only, not verification's
    statuses = [r["status"] for r in pq.read_table(out / "texts.parquet").to_pylist()]
    assert len(statuses) == 16 * (TEMPLATE_PER_PATCH + 1) and statuses.count("flagged") == 4
    return out


def test_read_tables_leaves_flagged_texts_out(flagged_dataset: Path) -> None:
    default = read_tables(flagged_dataset)
    everything = read_tables(flagged_dataset, include_flagged=True)
    assert default.left_out == {"flagged": 4} and everything.left_out == {}
    assert len(everything.texts) - len(default.texts) == 4
    assert all(t["status"] != "flagged" for t in default.texts)
    assert len(default.patches) == len(everything.patches) == 16
    some = read_tables(flagged_dataset, text_columns=["text_id"], patch_columns=["patch_id"])
    assert list(some.texts[0]) == ["text_id"] and list(some.patches[0]) == ["patch_id"]
    assert some.left_out == {"flagged": 4}


def test_read_tables_needs_a_dataset_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="not a dataset folder"):
        read_tables(tmp_path)


def _export(fmt: str, dataset: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["export", fmt, str(dataset), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output


def _answers(path: Path) -> list[str]:
    conversations = json.loads(path.read_text())
    return [t["value"] for c in conversations for t in c["conversations"] if t["from"] == "gpt"]


def test_exports_skip_flagged_texts_unless_asked(flagged_dataset: Path, tmp_path: Path) -> None:
    _export("llava", flagged_dataset, tmp_path / "a.json")
    _export("llava", flagged_dataset, tmp_path / "b.json", "--include-flagged")
    assert len(_answers(tmp_path / "a.json")) == 16 * TEMPLATE_PER_PATCH + 12
    assert len(_answers(tmp_path / "b.json")) == 16 * TEMPLATE_PER_PATCH + 16

    _export("bigearthnet-txt", flagged_dataset, tmp_path / "a.parquet")
    _export("bigearthnet-txt", flagged_dataset, tmp_path / "b.parquet", "--include-flagged")
    rows = pq.read_table(tmp_path / "a.parquet").num_rows
    assert rows == 16 * TEMPLATE_PER_PATCH + 12
    assert pq.read_table(tmp_path / "b.parquet").num_rows == rows + 4

    _export("openclip", flagged_dataset, tmp_path / "a.csv", "--style", "llm")
    _export("openclip", flagged_dataset, tmp_path / "b.csv", "--style", "llm", "--include-flagged")
    for name, n in (("a.csv", 12), ("b.csv", 16)):
        with (tmp_path / name).open(newline="") as fh:
            assert len(list(csv.reader(fh))) == n + 1


def test_bench_run_skips_flagged_references(flagged_dataset: Path, tmp_path: Path) -> None:
    with StubLLM(answer=lambda body: "Trees and the sea.") as stub:
        for name, extra in (("default", []), ("all", ["--include-flagged"])):
            args = ["bench", "run", str(flagged_dataset), "--base-url", stub.base_url,
                    "--model", "m", "--style", "llm", "-o", str(tmp_path / name),
                    *extra]  # fmt: skip
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
    default = json.loads((tmp_path / "default" / "references.json").read_text())
    everything = json.loads((tmp_path / "all" / "references.json").read_text())
    assert len(default["annotations"]) == 12 and len(everything["annotations"]) == 16
