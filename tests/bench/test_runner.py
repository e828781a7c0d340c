"""`eotext bench run`: a model over a dataset folder, then the table — stub and real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import GridSpec, Recipe, SourceSpec, load_recipe
from eotext.errors import OutputError
from eotext.run.build import build_dataset
from tests.conftest import RECIPES, WORLDCOVER_1024, need
from tests.llm_stub import StubLLM
from tests.test_llm_real import llama_server  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "wc"
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    build_dataset(recipe, out)
    return out


def _run(dataset: Path, base_url: str, out: Path, *extra: str) -> str:
    args = ["bench", "run", str(dataset), "--base-url", base_url, "--model", "stub-model",
            "-o", str(out), *extra]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_run_then_report_against_a_stub(dataset: Path, tmp_path: Path) -> None:
    from eotext.store.tables import read_tables

    out = tmp_path / "run"
    # Patches with a detailed caption that verification did not flag: the references.
    n = len({t["patch_id"] for t in read_tables(dataset).texts if t["style"] == "detailed"})
    assert 12 <= n <= 16
    with StubLLM(answer=lambda body: "A satellite image of trees, grass and the sea.") as stub:
        first = _run(dataset, stub.base_url, out)
        assert f"{n} of {n} patches answered (0 failed; {n} requests sent, 0 from cache)" in first
        sent = len(stub.bodies)
        again = _run(dataset, stub.base_url, out)  # a rerun answers from the cache
        assert f"0 requests sent, {n} from cache" in again and len(stub.bodies) == sent
    body = stub.bodies[0]
    parts = body["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    refs = json.loads((out / "references.json").read_text())
    preds = json.loads((out / "stub-model.json").read_text())
    assert len(refs["images"]) == len(preds) == n
    table = tmp_path / "table.md"
    result = CliRunner().invoke(
        cli,
        ["bench", "report", "caption", "--refs", str(out / "references.json"),
         "--pred", f"stub={out / 'stub-model.json'}", "-o", str(table)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = table.read_text()
    assert f"| stub | {n} |" in text and "CIDEr" in text and "BLEU-4" in text


def test_run_needs_captions_of_the_style(dataset: Path, tmp_path: Path) -> None:
    from eotext.bench.runner import DatasetRows, caption_references
    from eotext.store.tables import read_tables

    tables = read_tables(dataset)
    with pytest.raises(OutputError, match="no 'poem' captions"):
        caption_references(DatasetRows(dataset, tables.patches, tables.texts), "poem", None)


@pytest.mark.slow
def test_real_model_on_the_demo_produces_the_table(
    llama_server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """SmolLM2-135M is text-only: the instruction goes without the image (--text-only)."""
    demo = tmp_path / "demo"
    build_dataset(load_recipe(RECIPES / "demo.toml"), demo)
    out = tmp_path / "run"
    args = ["bench", "run", str(demo), "--base-url", llama_server, "--model", "smollm2-135m",
            "--split", "val", "--text-only", "--max-tokens", "60", "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    preds = json.loads((out / "smollm2-135m.json").read_text())
    assert preds and all(p["caption"] for p in preds)
    table = tmp_path / "table.md"
    report = ["bench", "report", "caption", "--refs", str(out / "references.json"),
              "--pred", f"SmolLM2-135M={out / 'smollm2-135m.json'}", "-o", str(table)]  # fmt: skip
    result = CliRunner().invoke(cli, report)
    assert result.exit_code == 0, result.output
    print(table.read_text())
    assert "SmolLM2-135M" in table.read_text()
