"""ChatEarthNet's vision path: four label-map images per request, one answer split in four.

Reproduces ``generate_description_chatgpt4v.py``: a prompt with the colour dictionary, per image
the share of each class in each region and the class distribution of each region, then eight
constraints; the four label maps are sent as images, downsampled by 2 as in the original.
ChatEarthNet then removed cross-image comparisons by hand; here :func:`remove_cross_image`
drops such sentences and records them, and the text is stored ``auto_fixed``.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from eotext.clients.chat import image_data_url
from eotext.schemes.colours import colour_labels
from eotext.text.templates import BANNED_WORDS

if TYPE_CHECKING:
    from eotext.semantics.patch import PatchContext

ORDINALS = ("first", "second", "third", "fourth")
#: ChatEarthNet's region names in the two statistics blocks of the vision prompt.
_PARTS = {
    "top left": ("top left part", "top_left"),
    "top right": ("top right part", "top_right"),
    "bottom left": ("bottom left part", "bottom_left"),
    "bottom right": ("bottom right part", "bottom_right"),
    "center": ("middle part", "middle"),
}
VISION_CONSTRAINTS = (
    "You are given four independent images, describe in long sentences for each image "
    "separately using four paragraphs and avoid saying other things. The following constraints "
    "should be obeyed:\n"
    "1) Do not use color-related words; treat the color as the land cover type directly.\n"
    "2) Generate the four descriptions separately; do not add connection between them.\n"
    "3) When describing water, developed, and crop areas, incorporate shape descriptors.\n"
    "4) Double-check all the presented land cover types based on the distribution of each land "
    "cover type. If some land covers are not presented, do not mention them.\n"
    "5) Describe it objectively; do not use words: "
    + ", ".join(f"'{w}'" for w in (*BANNED_WORDS, "color dictionary"))
    + ", or any words with similar connotations.\n"
    "6) Double-check the shape and location of the developed area, water course, grass, tree, "
    "shrub, wetland, and crop areas based on the given image if they are present.\n"
    "7) Consider the spatial statistics as a unified image without breaking them down into "
    "individual spatial distributions and land cover proportions when describing the overall "
    "scene.\n"
    "8) Describe each land cover separately for each given image, and then describe the main "
    "theme of each given image."
)
_HEADING = re.compile(r"^\W*(?:image\s*\d|(?:first|second|third|fourth)\s+image)\W*$", re.I)


def vision_prompt(contexts: list[PatchContext]) -> str:
    """The text part of one vision request for up to four patches."""
    scheme = contexts[0].scene.scheme
    assert scheme is not None
    colours = "; ".join(f"{list(c.color)}: {c.short_name}" for c in scheme)
    prompt = (
        "You are an AI visual assistant that can analyze the given image. In the image, "
        "different colors represent different land cover types. The color for the land cover "
        f"dictionary is: '{colours}.' You will be provided {len(contexts)} independent images "
        "at once.\n"
    )
    for ordinal, ctx in zip(ORDINALS, contexts, strict=False):
        assert ctx.stats is not None and ctx.layout is not None
        by_class, by_region = [], []
        for code, _ in ctx.stats.ranked():
            shares = [
                f"{_PARTS[r.name][0]}: {r.shares().get(code, 0.0):.2%}" for r in ctx.layout.regions
            ]
            by_class.append(f"{scheme.by_code(code).short_name}: " + " ".join(shares))
        for r in ctx.layout.regions:
            ranked = sorted(r.shares().items(), key=lambda cs: -cs[1])
            items = " ".join(f"{scheme.by_code(c).short_name}: {s:.2f};" for c, s in ranked)
            by_region.append(f"{_PARTS[r.name][1]} distribution: {items}")
        prompt += f"For the {ordinal} image, the distribution of each land cover type is:\n"
        prompt += "\n".join(by_class) + "\n"
        prompt += f"For the {ordinal} image, the spatial distribution of the image is:\n"
        prompt += "\n".join(by_region) + "\n"
    return prompt + VISION_CONSTRAINTS


def label_map_png(ctx: PatchContext) -> str:
    """The patch's label map in the scheme's colours, every second pixel, as a data URL."""
    from PIL import Image

    scheme = ctx.scene.scheme
    labels = ctx.data.labels
    assert scheme is not None and labels is not None
    rgb = colour_labels(labels, ctx.usable, scheme.colormap())
    buffer = io.BytesIO()
    Image.fromarray(rgb[::2, ::2]).save(buffer, format="PNG")
    return image_data_url(buffer.getvalue())


def vision_messages(contexts: list[PatchContext]) -> list[dict[str, Any]]:
    """One user message: the prompt and the label maps of up to four patches."""
    content: list[dict[str, Any]] = [{"type": "text", "text": vision_prompt(contexts)}]
    content += [{"type": "image_url", "image_url": {"url": label_map_png(c)}} for c in contexts]
    return [{"role": "user", "content": content}]


def split_answer(answer: str, n: int) -> list[str] | None:
    """The ``n`` per-image paragraphs of an answer, or None when it does not hold exactly ``n``.

    Headings such as "Image 1:" or "**Second image**" on their own line are dropped, and a
    heading that starts a paragraph ("Image 2: The ...") is cut off.
    """
    paragraphs = []
    for block in re.split(
        r"\n\s*\n|\n(?=\W*(?:image\s*\d|(?:first|second|third|fourth) image))",
        answer.strip(),
        flags=re.I,
    ):
        lines = [ln for ln in block.strip().splitlines() if ln.strip() and not _HEADING.match(ln)]
        text = " ".join(ln.strip() for ln in lines)
        text = re.sub(
            r"^\W*(?:image\s*\d|(?:for )?the (?:first|second|third|fourth) image)\s*[:.\-–]\s*",
            "",
            text,
            flags=re.I,
        ).strip()
        if text:
            paragraphs.append(text)
    return paragraphs if len(paragraphs) == n else None
