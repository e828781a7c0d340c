"""Writing pixel boxes in each model family's convention.

eotext stores boxes as pixel edges ``[x_min, y_min, x_max, y_max]`` (maxima exclusive) in the
patch. Model families expect them normalised and spelled differently:

* ``geochat``: ``{<x1><y1><x2><y2>}`` on 0–100 (GeoChat, MiniGPT-v2 style);
* ``qwen``: ``<box>(x1,y1),(x2,y2)</box>`` on 0–1000 (Qwen-VL);
* ``pixel``: ``[x1, y1, x2, y2]`` in pixels, as stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eotext.errors import RecipeError

BOX_FORMATS = ("qwen", "geochat", "pixel")
_BOX_IN_TEXT = re.compile(r"\[(\d+), (\d+), (\d+), (\d+)\]")


def format_box(box: Sequence[int], width: int, height: int, style: str) -> str:
    """A pixel box written in ``style`` for a patch of ``width`` × ``height`` pixels."""
    x0, y0, x1, y1 = box
    if style == "pixel":
        return f"[{x0}, {y0}, {x1}, {y1}]"
    if style == "geochat":
        v = [_scale(x0, width, 100), _scale(y0, height, 100), _scale(x1, width, 100),
             _scale(y1, height, 100)]  # fmt: skip
        return "{" + "".join(f"<{n}>" for n in v) + "}"
    if style == "qwen":
        a, b = _scale(x0, width, 1000), _scale(y0, height, 1000)
        c, d = _scale(x1, width, 1000), _scale(y1, height, 1000)
        return f"<box>({a},{b}),({c},{d})</box>"
    raise RecipeError(f"unknown box format '{style}'; choose from {', '.join(BOX_FORMATS)}")


def rewrite_boxes(text: str, width: int, height: int, style: str) -> str:
    """Rewrite every ``[x1, y1, x2, y2]`` pixel box inside a text in ``style``."""
    return _BOX_IN_TEXT.sub(
        lambda m: format_box([int(g) for g in m.groups()], width, height, style), text
    )


def _scale(value: int, size: int, top: int) -> int:
    return round(value * top / size)
