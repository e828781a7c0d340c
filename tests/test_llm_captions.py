"""LLM captions in real builds against a stub endpoint: stored, validated, cached, resumable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import AnnotateSpec, LlmSpec, OutputSpec, Recipe, SourceSpec, load_recipe
from eotext.errors import LlmError, LlmRefusedError, RecipeError
from eotext.run.build import build_dataset
from tests.conftest import WORLDCOVER_1024, need
from tests.llm_stub import StubLLM


def _recipe(base_url: str, unit_patches: int = 8, **llm: Any) -> Recipe:
    labels = need(WORLDCOVER_1024)
    opts: dict[str, Any] = {"model": "stub", "backoff_s": 0.01, "retries": 2, **llm}
    return Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        annotate=AnnotateSpec(kinds=("llm",), llm=LlmSpec(base_url=base_url, **opts)),
        output=OutputSpec(unit_patches=unit_patches, workers=1, write_previews=False),
    )


def _llm_rows(out: Path) -> list[dict[str, Any]]:
    return [r for r in pq.read_table(out / "texts.parquet").to_pylist() if r["style"] == "llm"]


def test_build_stores_prompt_generator_and_usage(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    with StubLLM() as stub:
        result = build_dataset(_recipe(stub.base_url, price_per_1k_prompt=2.0), out)
    rows = _llm_rows(out)
    assert result.texts == len(rows) == len(stub.bodies) == 16
    for row in rows:
        assert row["generator"] == "llm:stub" and row["status"] == "generated"
        assert row["prompt"].startswith("[system]\nYou are an AI visual assistant")
        assert "The top left mainly contains" in row["prompt"] and row["findings"] == []
        assert json.loads(row["meta"])["prompt_version"] == "chatearthnet-text-2"
    usage = json.loads((out / "manifest.json").read_text())["llm"]
    assert usage["requests_sent"] == 16 and usage["cache_hits"] == 0
    assert usage["cost"] == pytest.approx(usage["prompt_tokens"] * 2.0 / 1000, abs=1e-6)


def test_bad_answers_are_retried_then_flagged(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    # 16 first answers: 2 empty, 2 cut at max_tokens; the retries of the first two succeed,
    # those of the other two are cut again and stored flagged.
    faults = ["empty", "length"] * 2 + [None] * 12 + [None, "length", None, "length"]
    with StubLLM(faults) as stub:
        build_dataset(_recipe(stub.base_url, validation_retries=1), out)
    assert len(stub.bodies) == 20
    retried = [b for b in stub.bodies[16:]]
    assert {b["seed"] for b in retried}.isdisjoint({b["seed"] for b in stub.bodies[:16]})
    rows = _llm_rows(out)
    flagged = [r for r in rows if r["status"] == "flagged"]
    assert len(rows) == 16 and len(flagged) == 2
    assert all(r["findings"] == ["truncated"] for r in flagged)


def test_wrong_classes_are_flagged(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    with StubLLM(answer=lambda body: "The image shows snow and moss on the top left.") as stub:
        build_dataset(_recipe(stub.base_url, validation_retries=0), out)
    rows = _llm_rows(out)
    assert all(r["status"] == "flagged" for r in rows)
    assert all("class_not_in_patch:snow" in r["findings"] for r in rows)


def test_paraphrase_falls_back_to_the_template(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    with StubLLM(["empty"]) as stub:
        build_dataset(_recipe(stub.base_url, mode="paraphrase", validation_retries=0), out)
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    assert "Rewrite this description" in stub.bodies[0]["messages"][1]["content"]
    fallback = [r for r in rows if r["generator"] == "template"]
    good = [r for r in rows if r["generator"] == "llm:stub"]
    assert len(fallback) == 1 and len(good) == 15
    assert fallback[0]["findings"] == ["paraphrase_rejected:empty"]
    assert any(fallback[0]["text"] in b["messages"][1]["content"] for b in stub.bodies)


def test_failed_prompts_are_skipped_and_counted_or_stop(tmp_path: Path) -> None:
    with StubLLM(["500"]) as stub:
        build_dataset(_recipe(stub.base_url, retries=0), tmp_path / "skip")
    manifest = json.loads((tmp_path / "skip" / "manifest.json").read_text())
    assert manifest["llm"]["failed"] == 1 and len(_llm_rows(tmp_path / "skip")) == 15
    with StubLLM(["500"]) as stub, pytest.raises(LlmError, match="on_error = 'stop'"):
        build_dataset(_recipe(stub.base_url, retries=0, on_error="stop"), tmp_path / "stop")


def test_killed_run_resumes_without_resending(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    # 4 units of 4 patches; the key is revoked after 6 answers: unit 1 is done, unit 2 half.
    with StubLLM([None] * 6 + ["401"] * 50) as stub, pytest.raises(LlmRefusedError):
        build_dataset(_recipe(stub.base_url, unit_patches=2), out)
    answered = [json.dumps(b, sort_keys=True) for b in stub.answered]
    assert len(answered) == 6
    with StubLLM(port=stub.port) as stub:  # the same endpoint comes back
        build_dataset(_recipe(stub.base_url, unit_patches=2), out)
    resent = [b for b in stub.bodies if json.dumps(b, sort_keys=True) in answered]
    assert resent == [] and len(stub.bodies) == 10
    assert len(_llm_rows(out)) == 16
    usage = json.loads((out / "manifest.json").read_text())["llm"]
    # Units finished in either run: 4 + 10 requests sent, 2 answers from the killed run's cache.
    assert usage["cache_hits"] == 2 and usage["requests_sent"] == 14


def test_rebuild_with_other_concurrency_resumes(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    with StubLLM() as stub:
        build_dataset(_recipe(stub.base_url, concurrency=2), out)
        second = build_dataset(_recipe(stub.base_url, concurrency=16), out)
    assert second.units_run == 0 and len(stub.bodies) == 16


def test_recipe_section_and_cli_flags(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text(
        f"""
[annotate]
kinds = ["caption", "llm"]
[annotate.llm]
endpoint = "http://127.0.0.1:9/v1"
model = "gpt-4o-mini"
mode = "paraphrase"
concurrency = 3
price_per_1k_prompt = 0.15
api_key_env = "MY_KEY"
[annotate.llm.prompts]
region = "In the {{region}}: {{classes}}."
[[sources]]
labels = "{labels}"
scheme = "worldcover"
"""
    )
    spec = load_recipe(recipe_file).annotate.llm
    assert spec.base_url == "http://127.0.0.1:9/v1" and spec.mode == "paraphrase"
    assert spec.concurrency == 3 and spec.api_key_env == "MY_KEY"
    assert spec.prompts.version.startswith("chatearthnet-text-2+custom-")
    with pytest.raises(RecipeError, match="needs a model"):
        AnnotateSpec(kinds=("llm",))
    with pytest.raises(RecipeError, match="mode must be one of"):
        LlmSpec(model="m", mode="speech")
    bad = recipe_file.read_text().replace("concurrency = 3", "concurency = 3")
    recipe_file.write_text(bad)
    with pytest.raises(RecipeError, match="concurency"):
        load_recipe(recipe_file)


def test_cli_dry_run_sends_and_writes_nothing(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "out"
    with StubLLM() as stub:
        args = ["-q", "build", "--labels", str(labels), "--scheme", "worldcover"]
        args += ["--llm-model", "m", "--llm-base-url", stub.base_url, "--dry-run", "-o", str(out)]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert stub.bodies == [] and not out.exists()
    assert result.output.count("=== ") == 16
    assert "dry run: 16 requests" in result.output and "prompt tokens" in result.output


def test_cli_build_with_llm_flags_and_refused_key(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    with StubLLM(["401"]) as stub:
        args = ["-q", "build", "--labels", str(labels), "--scheme", "worldcover"]
        args += ["--llm-model", "m", "--llm-base-url", stub.base_url, "-o", str(tmp_path / "o")]
        result = CliRunner().invoke(cli, args, env={"OPENAI_API_KEY": "sk-very-secret"})
    assert result.exit_code == 1
    assert "refused the API key" in result.output and "sk-very-secret" not in result.output
    assert stub.headers[0]["Authorization"] == "Bearer sk-very-secret"


def test_units_share_the_concurrency_slots(tmp_path: Path) -> None:
    """Requests of different units are in flight together, never more than ``concurrency``,
    and each unit still stores exactly its own patches' answers."""
    with StubLLM(latency_s=0.2) as stub:
        build_dataset(_recipe(stub.base_url, unit_patches=1, concurrency=4), tmp_path / "ds")
    assert 2 <= stub.max_in_flight <= 4  # one patch per unit: only overlap can exceed 1
    rows = _llm_rows(tmp_path / "ds")
    assert len(rows) == len(stub.answered) == 16
    patches = pq.read_table(tmp_path / "ds" / "patches.parquet").to_pylist()
    unit_of = {p["patch_id"]: p["unit_id"] for p in patches}
    assert len(set(unit_of.values())) == 16 and {r["patch_id"] for r in rows} == set(unit_of)
    usage = json.loads((tmp_path / "ds" / "manifest.json").read_text())["llm"]
    assert usage["requests_sent"] == 16


def test_units_take_turns_and_requests_fly_while_the_next_is_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Units in flight analyse one at a time (no slicing of the interpreter between them), and
    the first unit's requests fill all ``concurrency`` slots while the next unit is analysed
    rather than after every unit in flight has been."""
    import threading
    import time

    import eotext.run.unit as unit_module

    analyse = unit_module.analyse_unit
    lock = threading.Lock()
    analysing, most, seen_full = 0, 0, []

    def watched(*args: Any) -> Any:
        nonlocal analysing, most
        with lock:
            analysing += 1
            most = max(most, analysing)
            mine = len(seen_full)
            seen_full.append(False)
        if mine:  # a later unit: the first one's requests are out meanwhile
            deadline = time.monotonic() + 30
            while stub.max_in_flight < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            seen_full[mine] = stub.max_in_flight == 4
        try:
            return analyse(*args)
        finally:
            with lock:
                analysing -= 1

    monkeypatch.setattr(unit_module, "analyse_unit", watched)
    with StubLLM(latency_s=0.3) as stub:
        build_dataset(_recipe(stub.base_url, unit_patches=2, concurrency=4), tmp_path / "ds")
    assert len(seen_full) == 4 and all(seen_full[1:]) and most == 1
    assert len(_llm_rows(tmp_path / "ds")) == len(stub.answered) == 16
