"""A dry run plans the LLM prompts in memory: it never creates or changes a dataset folder, so a
recipe with ``[annotate.llm] dry_run = true`` cannot poison a later real build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import load_recipe
from eotext.errors import RecipeError
from eotext.run.build import build_dataset
from eotext.run.dry_run import dry_run
from tests.conftest import WORLDCOVER_1024, need
from tests.llm_stub import StubLLM


def _recipe_file(tmp_path: Path, base_url: str, dry: bool) -> Path:
    path = tmp_path / "r.toml"
    path.write_text(
        f"""
[annotate]
kinds = ["llm"]
[annotate.llm]
endpoint = "{base_url}"
model = "stub"
backoff_s = 0.01
dry_run = {"true" if dry else "false"}
[output]
workers = 1
[[sources]]
labels = "{need(WORLDCOVER_1024)}"
scheme = "worldcover"
"""
    )
    return path


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_dry_run_recipe_then_real_build_then_export(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubLLM() as stub:
        recipe = _recipe_file(tmp_path, stub.base_url, dry=True)
        planned = _invoke("build", str(recipe), "-o", str(out))
        assert "dry run: 16 requests" in planned and planned.count("=== ") == 16
        assert not out.exists() and stub.bodies == []

        recipe = _recipe_file(tmp_path, stub.base_url, dry=False)
        built = _invoke("build", str(recipe), "-o", str(out))
        assert "16 patches, 16 texts (1 units built, 0 already done" in built
        assert len(stub.bodies) == 16
    _invoke("export", "llava", str(out), "-o", str(tmp_path / "llava.json"))
    answers = [
        turn["value"]
        for conv in json.loads((tmp_path / "llava.json").read_text())
        for turn in conv["conversations"]
        if turn["from"] == "gpt"
    ]
    assert len(answers) == 16
    assert all(a.startswith("The image is dominated by") for a in answers)


def test_dry_run_leaves_an_existing_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubLLM() as stub:
        _invoke("build", str(_recipe_file(tmp_path, stub.base_url, dry=False)), "-o", str(out))
        before = _tree(out)
        sent = len(stub.bodies)
        recipe = _recipe_file(tmp_path, stub.base_url, dry=True)
        _invoke("build", str(recipe), "-o", str(out))
        _invoke("build", str(recipe), "--dry-run", "-o", str(out))
        assert _tree(out) == before and len(stub.bodies) == sent


def test_dry_run_prompts_are_those_a_build_sends(tmp_path: Path) -> None:
    with StubLLM() as stub:
        recipe = load_recipe(_recipe_file(tmp_path, stub.base_url, dry=False))
        plan = dry_run(recipe)
        assert stub.bodies == []
        build_dataset(recipe, tmp_path / "out")
    sent = sorted(
        "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in body["messages"])
        for body in stub.bodies
    )
    assert sorted(p.prompt for p in plan.prompts) == sent
    assert plan.est_prompt_tokens > 0 and len(plan.prompts) == 16


def test_building_a_dry_run_recipe_is_refused(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe_file(tmp_path, "http://127.0.0.1:9/v1", dry=True))
    with pytest.raises(RecipeError, match="dry run"):
        build_dataset(recipe, tmp_path / "out")
    assert not (tmp_path / "out").exists()
