"""ChatEarthNet's prompts, as templates a recipe can override.

The text path reproduces ``generate_description_chatgpt3_5_text.py`` of ChatEarthNet
(Yuan et al. 2024): its system prompt with six constraints and the banned words, and a user
prompt that lists the overall land-cover distribution and, for each of the five regions, the top
three classes (20 pixels or more) with a size word and a noun ("large part"). The statistics are
the script's: ``counts >= 20``, size words from ``int(round(share, 2) * 100)``, regions sliced as
its ``divide_into_patches``, the overall list as its ``overall_distribution``; the user prompt is
the same text but for the random nouns (tests/chatearthnet_reference.py re-implements the script
and compares). Three deliberate differences: whitespace in the system prompt is normalised (the
original's line continuations glue the constraints together with runs of spaces), random
choices are seeded from (recipe seed, patch id) so a rebuild sends the same prompts, and a
region without any visible class is left out (the script writes a sentence without an end).
Ties in pixel counts are broken by class code (the script's order there is numpy's sort order).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eotext.model import LandCoverStats, Layout
from eotext.schemes import Scheme
from eotext.semantics.layout import MIN_PX
from eotext.semantics.stats import size_word
from eotext.text.grammar import join_words
from eotext.text.templates import BANNED_WORDS, PART_NOUNS, text_rng

#: Version of the built-in templates; stored with every text in ``meta.prompt_version``.
PROMPT_VERSION = "chatearthnet-text-2"

CHATEARTHNET_SYSTEM = (
    "You are an AI visual assistant who can help describe images based on the given contexts. "
    "Please write the description in a paragraph, and avoid saying other things. "
    "The following constraints should be obeyed:\n"
    "1) Describe the image in the order of the spatial distributions presented in the given "
    "contexts. Link descriptions of different parts to make the overall image description more "
    "fluent.\n"
    "2) Describe the dominant land cover type in the image and its spatial locations.\n"
    "3) Describe the land cover types in each part of the image in descending order of their "
    "coverage areas.\n"
    "4) Diversify descriptions related to portions in each paragraph.\n"
    "5) Summarize the main theme of the image in the final sentence.\n"
    "6) Describe it objectively; do not use words: "
    + ", ".join(f"'{w}'" for w in BANNED_WORDS)
    + ", or any words with similar connotations."
)
CHATEARTHNET_USER = (
    "Analyze the provided image as an AI visual assistant. The following contexts are provided.\n"
    "The overall land cover distributions from most to least are: {overall}\n{regions}\n"
)
CHATEARTHNET_REGION = (
    "The {region} mainly contains the following land cover types, in descending order of "
    "content: {classes}."
)
PARAPHRASE_SYSTEM = (
    "You rewrite descriptions of satellite images. Keep every land cover type, size and location "
    "exactly as given; add no land cover type that is not mentioned; write one paragraph and "
    "avoid saying other things. Do not use words: "
    + ", ".join(f"'{w}'" for w in BANNED_WORDS)
    + ", or any words with similar connotations."
)
PARAPHRASE_USER = "Rewrite this description in your own words:\n{caption}\n"

#: ChatEarthNet calls the centre crop "middle".
_REGION_WORDS = {"center": "middle"}


@dataclass(frozen=True)
class PromptSpec:
    """Prompt templates: ``[annotate.llm.prompts]``; any of them can be replaced.

    Placeholders: ``{overall}`` and ``{regions}`` in ``user``; ``{region}`` and ``{classes}`` in
    ``region``; ``{caption}`` in ``paraphrase_user``.
    """

    system: str = CHATEARTHNET_SYSTEM
    user: str = CHATEARTHNET_USER
    region: str = CHATEARTHNET_REGION
    paraphrase_system: str = PARAPHRASE_SYSTEM
    paraphrase_user: str = PARAPHRASE_USER

    @property
    def version(self) -> str:
        """``chatearthnet-text-1``, or that plus a hash of the templates when overridden."""
        if self == PromptSpec():
            return PROMPT_VERSION
        blob = "\x1f".join(
            (self.system, self.user, self.region, self.paraphrase_system, self.paraphrase_user)
        )
        return f"{PROMPT_VERSION}+custom-{hashlib.sha256(blob.encode()).hexdigest()[:8]}"


def land_cover_context(
    spec: PromptSpec,
    scheme: Scheme,
    stats: LandCoverStats,
    layout: Layout,
    seed: int,
    patch_id: str,
) -> tuple[str, str]:
    """ChatEarthNet's two context parts: the overall distribution and the region lines.

    Returns:
        ``(overall, regions)``: ``"tree; water; "`` (classes of 20 pixels or more, most to
        least) and one line per region (each ending in a newline) with its top three
        classes, e.g.
        ``"... content: tree (large part), water (small fraction), and grass (extra small
        portion)."``
    """
    rng = text_rng(seed, patch_id, "llm-prompt")
    overall = "".join(
        f"{scheme.by_code(c).short_name}; " for c, _ in stats.ranked() if stats.counts[c] >= MIN_PX
    )
    sentences = []
    for region in layout.regions:
        top = region.top(3, MIN_PX)
        if not top:
            continue  # ChatEarthNet would emit a broken sentence here; an empty region says nothing
        classes = [
            f"{scheme.by_code(c).short_name} ({size_word(s)} {rng.choice(PART_NOUNS)})"
            for c, s in top
        ]
        where = _REGION_WORDS.get(region.name, region.name)
        sentences.append(spec.region.format(region=where, classes=join_words(classes)))
    return overall, "".join(f"{s}\n" for s in sentences)


def text_messages(
    spec: PromptSpec,
    scheme: Scheme,
    stats: LandCoverStats,
    layout: Layout,
    seed: int,
    patch_id: str,
) -> list[dict[str, str]]:
    """The chat messages of ChatEarthNet's text path for one patch."""
    overall, regions = land_cover_context(spec, scheme, stats, layout, seed, patch_id)
    return [
        {"role": "system", "content": spec.system},
        {"role": "user", "content": spec.user.format(overall=overall, regions=regions)},
    ]


def paraphrase_messages(spec: PromptSpec, caption: str) -> list[dict[str, str]]:
    """Chat messages asking to rewrite a template caption."""
    return [
        {"role": "system", "content": spec.paraphrase_system},
        {"role": "user", "content": spec.paraphrase_user.format(caption=caption)},
    ]


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """The messages as one string, as stored in ``texts.parquet``'s ``prompt`` column.

    Images (vision path) are stored as ``[image]`` placeholders, not as their data.
    """

    def content(c: Any) -> str:
        if isinstance(c, str):
            return c
        return "\n".join(p["text"] if p.get("type") == "text" else "[image]" for p in c)

    return "\n\n".join(f"[{m['role']}]\n{content(m['content'])}" for m in messages)
