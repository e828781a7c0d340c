"""Run a model over a dataset folder: send each patch (preview + instruction) to an
OpenAI-compatible endpoint and write its captions as a COCO results file.

References come from the dataset's own captions (COCO captions format), so the pair can be
scored with ``eotext bench score caption`` or tabled with ``eotext bench report caption``.
Answers go into a response cache next to the predictions as they arrive: a rerun (or a resumed
killed run) never sends a request that was already answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.bench.formats import write_json
from eotext.clients.cache import ResponseCache
from eotext.clients.chat import ChatAnswer, ChatClient, ClientSettings, image_data_url
from eotext.errors import LlmError, OutputError

log = logging.getLogger(__name__)

DEFAULT_INSTRUCTION = "Describe this satellite image in detail."


@dataclass(frozen=True)
class RunSettings:
    """What to ask.

    Attributes:
        style: which dataset captions are the references (``detailed``, ``short``, ...).
        split: only patches of this split (``test``, ``bench``, ...); None for all.
        instruction: the text sent with each image.
        send_image: attach the preview as a data URL (False for text-only endpoints, which then
            see only the instruction — useful to test the plumbing, not to score a model).
        max_tokens / temperature: generation parameters (part of the cache key).
    """

    style: str = "detailed"
    split: str | None = None
    instruction: str = DEFAULT_INSTRUCTION
    send_image: bool = True
    max_tokens: int = 300
    temperature: float = 0.0


@dataclass(frozen=True)
class DatasetRows:
    """A dataset folder and the rows to benchmark on.

    The caller reads the tables (``eotext.store.tables.read_tables``, which leaves flagged and
    rejected texts out), so this module depends on no dataset-folder code.

    Attributes:
        root: the dataset folder (previews are read from it).
        patches: ``patches.parquet`` rows (``patch_id``, ``split``, ``preview_path`` used).
        texts: ``texts.parquet`` rows (``patch_id``, ``type``, ``style``, ``text`` used).
    """

    root: Path
    patches: Sequence[Mapping[str, Any]]
    texts: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class RunResult:
    """Where the files went and what happened."""

    references: Path
    predictions: Path
    patches: int
    answered: int
    failed: int
    sent: int
    cached: int


def caption_references(dataset: DatasetRows, style: str, split: str | None) -> dict[str, Any]:
    """The dataset's captions of one style as a COCO captions file (image id = patch id).

    Raises:
        OutputError: the rows hold no caption of ``style`` (in ``split``).
    """
    patches, texts = dataset.patches, dataset.texts
    keep = {p["patch_id"]: p for p in patches if split is None or p.get("split") == split}
    annotations = [
        {"id": i, "image_id": t["patch_id"], "caption": t["text"]}
        for i, t in enumerate(
            t
            for t in texts
            if t["type"] == "caption" and t["style"] == style and t["patch_id"] in keep
        )
    ]
    if not annotations:
        raise OutputError(
            f"{dataset.root}: no '{style}' captions"
            + (f" in split '{split}'" if split else "")
            + "; choose another --style or --split"
        )
    ids = sorted({a["image_id"] for a in annotations})
    images = [{"id": pid, "file_name": keep[pid]["preview_path"]} for pid in ids]
    return {"images": images, "annotations": annotations}


def run_captions(
    dataset: DatasetRows, client: ClientSettings, settings: RunSettings, out_dir: Path
) -> RunResult:
    """Ask the model for a caption of every referenced patch; write references and predictions.

    Raises:
        OutputError: the dataset has no such captions.
        LlmRefusedError: the endpoint refused the key or model.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    refs = caption_references(dataset, settings.style, settings.split)
    references = write_json(refs, out_dir / "references.json")
    cache = ResponseCache(out_dir / "cache.sqlite")
    try:
        chat = ChatClient(client, cache)
        bodies = [
            chat.body(
                [{"role": "user", "content": _content(dataset.root, img, settings)}],
                max_tokens=settings.max_tokens,
                temperature=settings.temperature,
            )
            for img in refs["images"]
        ]
        answers = asyncio.run(chat.complete_many(bodies))
    finally:
        cache.close()
    predictions: list[dict[str, Any]] = []
    failed = 0
    for img, answer in zip(refs["images"], answers, strict=True):
        if isinstance(answer, LlmError) or not isinstance(answer, ChatAnswer):
            log.warning("%s: no answer (%s)", img["id"], answer)
            failed += 1
            continue
        predictions.append({"image_id": img["id"], "caption": answer.content.strip()})
    name = client.model.replace("/", "_")
    preds_path = write_json(predictions, out_dir / f"{name}.json")
    return RunResult(
        references=references,
        predictions=preds_path,
        patches=len(refs["images"]),
        answered=len(predictions),
        failed=failed,
        sent=chat.stats.requests_sent,
        cached=chat.stats.cache_hits,
    )


def _content(dataset: Path, image: dict[str, Any], settings: RunSettings) -> Any:
    if not settings.send_image or not image.get("file_name"):
        return settings.instruction
    png = (dataset / image["file_name"]).read_bytes()
    url = image_data_url(png)
    return [
        {"type": "text", "text": settings.instruction},
        {"type": "image_url", "image_url": {"url": url}},
    ]
