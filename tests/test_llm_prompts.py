"""ChatEarthNet's prompts: wording, thresholds, size words, seeding, overrides."""

from __future__ import annotations

import re

import numpy as np

from eotext.schemes import WORLDCOVER
from eotext.semantics.layout import analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.llm.prompts import (
    CHATEARTHNET_SYSTEM,
    PROMPT_VERSION,
    PromptSpec,
    paraphrase_messages,
    text_messages,
)
from eotext.text.templates import BANNED_WORDS, PART_NOUNS


def _patch() -> tuple[object, object]:
    labels = np.full((64, 64), 10, dtype=np.uint8)  # tree
    labels[:32, 32:] = 80  # water fills the top right
    labels[40:60, 2:12] = 30  # 200 px of grass in the bottom left
    labels[62:, 62:] = 70  # 4 px of snow: below the 20-pixel threshold
    valid = np.ones_like(labels, dtype=bool)
    stats = compute_class_shares(labels, valid)
    codes = sorted(c for c, n in stats.counts.items() if n > 20)
    return stats, analyse_layout(labels, valid, codes)


def test_system_prompt_has_the_six_constraints_and_banned_words() -> None:
    for n in range(1, 7):
        assert f"{n}) " in CHATEARTHNET_SYSTEM
    for word in BANNED_WORDS:
        assert f"'{word}'" in CHATEARTHNET_SYSTEM
    assert CHATEARTHNET_SYSTEM.startswith("You are an AI visual assistant")


def test_user_prompt_reproduces_chatearthnet() -> None:
    stats, layout = _patch()
    messages = text_messages(PromptSpec(), WORLDCOVER, stats, layout, 0, "p1")  # type: ignore[arg-type]
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    lines = user.splitlines()
    assert lines[0] == (
        "Analyze the provided image as an AI visual assistant. The following contexts are provided."
    )
    assert (
        lines[1]
        == "The overall land cover distributions from most to least are: tree; water; grass; "
    )
    assert "snow" not in user  # 4 px: under ChatEarthNet's 20-pixel threshold
    regions = lines[2:7]
    assert [r.split(" mainly")[0] for r in regions] == [
        "The top left", "The top right", "The bottom left", "The bottom right", "The middle",
    ]  # fmt: skip
    nouns = "|".join(PART_NOUNS)
    size = r"(extra small|small|medium|large|extra large)"
    item = rf"[a-z ]+ \({size} ({nouns})\)"
    pattern = re.compile(
        rf"The [a-z ]+ mainly contains the following land cover types, in descending order of "
        rf"content: {item}(, {item}, and {item}| and {item})?\."
    )
    for r in regions:
        assert pattern.fullmatch(r), r
    assert regions[1].startswith(
        "The top right mainly contains the following land cover types, in descending order of "
        "content: water (extra large "
    )
    # 200 of 1024 px is 0.195: ChatEarthNet rounds it to 0.2 first, so it is medium.
    assert "tree (extra large" in regions[0] and "grass (medium" in regions[2]


def test_prompts_are_seeded_by_seed_and_patch_id() -> None:
    stats, layout = _patch()
    spec = PromptSpec()

    def user(seed: int, pid: str) -> str:
        return text_messages(spec, WORLDCOVER, stats, layout, seed, pid)[1]["content"]  # type: ignore[arg-type]

    assert user(0, "a") == user(0, "a")
    assert len({user(s, p) for s in range(4) for p in "abcd"}) > 1


def test_overridden_templates_change_the_version() -> None:
    assert PromptSpec().version == PROMPT_VERSION
    custom = PromptSpec(region="In the {region}: {classes}.")
    assert custom.version.startswith(PROMPT_VERSION + "+custom-")
    stats, layout = _patch()
    user = text_messages(custom, WORLDCOVER, stats, layout, 0, "p")[1]["content"]  # type: ignore[arg-type]
    assert "In the top left: tree (" in user


def test_paraphrase_prompt_carries_the_caption() -> None:
    messages = paraphrase_messages(PromptSpec(), "The image shows tree.")
    assert "The image shows tree." in messages[1]["content"]
    assert "'dynamic'" in messages[0]["content"]
