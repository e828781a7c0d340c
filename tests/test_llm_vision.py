"""ChatEarthNet's vision path: four label maps per request, answers split, comparisons removed."""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from PIL import Image

from eotext.config.recipe import AnnotateSpec, LlmSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.text.llm.vision import split_answer
from eotext.verify.cross_image import remove_cross_image
from tests.conftest import WORLDCOVER_1024, need
from tests.llm_stub import StubLLM

FOUR = """Image 1:
This scene shows a dense landscape in the top left. Compared to the second image, it is denser.

**Second image**
The area is open and flat.

Image 3: The land is divided into fields.

Image 4: The scene holds a wide open area in the bottom right."""


def test_split_answer_into_four() -> None:
    parts = split_answer(FOUR, 4)
    assert parts is not None and len(parts) == 4
    assert parts[1] == "The area is open and flat."
    assert parts[2] == "The land is divided into fields."
    assert split_answer("One paragraph only.", 4) is None


def test_remove_cross_image_comparisons() -> None:
    kept, removed = remove_cross_image(split_answer(FOUR, 4)[0])  # type: ignore[index]
    assert kept == "This scene shows a dense landscape in the top left."
    assert removed == ["Compared to the second image, it is denser."]
    assert remove_cross_image("The top left holds water.") == ("The top left holds water.", [])


def test_vision_build_sends_four_label_maps_per_request(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    answers = [FOUR, FOUR, FOUR, "Only one paragraph."]
    lock = threading.Lock()

    def answer(body: dict[str, Any]) -> str:
        with lock:  # the stub answers from several threads
            return answers.pop(0)

    with StubLLM(answer=answer) as stub:
        llm = LlmSpec(base_url=stub.base_url, model="vlm", mode="vision", validation_retries=0)
        recipe = Recipe(
            sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
            annotate=AnnotateSpec(kinds=("llm",), llm=llm),
            output=OutputSpec(workers=1, write_previews=False),
        )
        # The stub's canned answers are not about these patches: checking them against the
        # data (verify) would flag them all; this test is about the vision request flow.
        build_dataset(recipe, tmp_path / "ds", verify=False)
    assert len(stub.bodies) == 4
    content = stub.bodies[0]["messages"][0]["content"]
    text = content[0]["text"]
    assert "You will be provided 4 independent images at once." in text
    assert "For the fourth image, the spatial distribution of the image is:" in text
    assert "top_left distribution: " in text and "8) Describe each land cover" in text
    images = [p["image_url"]["url"] for p in content[1:]]
    assert len(images) == 4 and all(u.startswith("data:image/png;base64,") for u in images)
    png = Image.open(io.BytesIO(base64.b64decode(images[0].split(",", 1)[1])))
    assert png.size == (128, 128)  # every second pixel of a 256-px patch, as ChatEarthNet did
    rows = pq.read_table(tmp_path / "ds" / "texts.parquet").to_pylist()
    assert len(rows) == 16 and all(r["style"] == "vision" for r in rows)
    statuses = sorted(r["status"] for r in rows)
    assert statuses.count("auto_fixed") == 3 and statuses.count("flagged") == 4
    fixed = next(r for r in rows if r["status"] == "auto_fixed")
    assert "Compared to" not in fixed["text"]
    assert json.loads(fixed["meta"])["removed_sentences"] == [
        "Compared to the second image, it is denser."
    ]
    assert all("unsplittable_answer" in r["findings"] for r in rows if r["status"] == "flagged")
    assert "[image]" in rows[0]["prompt"] and "base64" not in rows[0]["prompt"]
