"""Writing pixel boxes in each model family's convention.

eotext stores boxes as pixel edges ``[x_min, y_min, x_max, y_max]`` (maxima exclusive) in the
patch. Model families expect them scaled and spelled differently:

============ =============================================== ===================================
``--box-format`` written as                                   coordinates (model families)
============ =============================================== ===================================
pixel        ``[x1, y1, x2, y2]``                            pixels of the patch, as stored
norm1        ``[0.438, 0.773, 0.5, 0.828]``                  0–1 of width/height (lmms-eval's
                                                             RefCOCO-style tasks), 3 decimals
geochat      ``{<x1><y1><x2><y2>}``                          0–100 (GeoChat, MiniGPT-v2)
qwen         ``<box>(x1,y1),(x2,y2)</box>``                  0–1000 (Qwen-VL)
qwen2-vl     ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>``     0–1000 (Qwen2-VL)
internvl     ``<box>[[x1, y1, x2, y2]]</box>``               0–1000 (InternVL 2/2.5/3)
qwen3-vl     ``{"bbox_2d": [x1, y1, x2, y2]}``               0–1000 (Qwen3-VL)
qwen2.5-vl   ``{"bbox_2d": [x1, y1, x2, y2]}``               absolute pixels of the image as
                                                             Qwen2.5-VL's processor resizes it:
                                                             sides rounded to multiples of 28,
                                                             area within [4, 16384]·28² (a
                                                             256-px patch becomes 252 px)
============ =============================================== ===================================

Scaled coordinates are rounded to integers (``norm1``: to 3 decimals). ``eotext bench score
referring --box-format NAME`` reads every one of them back (the same names and scales).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eotext.bench.boxes import qwen25_resized_size
from eotext.errors import RecipeError

BOX_FORMATS = (
    "qwen", "geochat", "pixel", "norm1", "qwen2-vl", "qwen2.5-vl", "qwen3-vl", "internvl",
)  # fmt: skip
_BOX_IN_TEXT = re.compile(r"\[(\d+), (\d+), (\d+), (\d+)\]")
_SCALES = {"geochat": 100, "qwen": 1000, "qwen2-vl": 1000, "qwen3-vl": 1000, "internvl": 1000}


def box_values(box: Sequence[int], width: int, height: int, style: str) -> list[float]:
    """The four coordinates of a pixel box as ``style`` scales them (not yet spelled)."""
    x0, y0, x1, y1 = box
    if style == "pixel":
        return [x0, y0, x1, y1]
    if style == "norm1":
        return [round(x0 / width, 3), round(y0 / height, 3),
                round(x1 / width, 3), round(y1 / height, 3)]  # fmt: skip
    if style == "qwen2.5-vl":
        rw, rh = qwen25_resized_size(width, height)
        return [round(x0 * rw / width), round(y0 * rh / height),
                round(x1 * rw / width), round(y1 * rh / height)]  # fmt: skip
    if style in _SCALES:
        top = _SCALES[style]
        return [_scale(x0, width, top), _scale(y0, height, top),
                _scale(x1, width, top), _scale(y1, height, top)]  # fmt: skip
    raise RecipeError(f"unknown box format '{style}'; choose from {', '.join(BOX_FORMATS)}")


def format_box(box: Sequence[int], width: int, height: int, style: str) -> str:
    """A pixel box written in ``style`` for a patch of ``width`` × ``height`` pixels."""
    v = box_values(box, width, height, style)
    a, b, c, d = (_num(n) for n in v)
    if style in ("pixel", "norm1"):
        return f"[{a}, {b}, {c}, {d}]"
    if style == "geochat":
        return "{" + f"<{a}><{b}><{c}><{d}>" + "}"
    if style == "qwen":
        return f"<box>({a},{b}),({c},{d})</box>"
    if style == "qwen2-vl":
        return f"<|box_start|>({a},{b}),({c},{d})<|box_end|>"
    if style == "internvl":
        return f"<box>[[{a}, {b}, {c}, {d}]]</box>"
    return '{"bbox_2d": ' + f"[{a}, {b}, {c}, {d}]" + "}"  # qwen2.5-vl, qwen3-vl


def rewrite_boxes(text: str, width: int, height: int, style: str) -> str:
    """Rewrite every ``[x1, y1, x2, y2]`` pixel box inside a text in ``style``."""
    return _BOX_IN_TEXT.sub(
        lambda m: format_box([int(g) for g in m.groups()], width, height, style), text
    )


def _scale(value: int, size: int, top: int) -> int:
    return round(value * top / size)


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
