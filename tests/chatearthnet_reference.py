"""ChatEarthNet's released prompt statistics, re-implemented line for line for comparison.

Source: github.com/zhu-xlab/ChatEarthNet, ``generate_description_chatgpt3_5_text.py``
(functions ``divide_into_patches``, ``overall_distribution``,
``find_most_frequent_types_revised``, ``convert_percent_range``, ``analyze_segmentation_map``
and the user prompt of ``generate_captions``). The arithmetic is kept as released (numpy
shares, ``int(round(share, 2) * 100)``, ``counts >= 20``, ``argsort()[::-1]``); only the
label list is a parameter, so the script runs on any scheme: index 0 is background.
"""

from __future__ import annotations

import copy
import functools
import operator
import random
from collections import Counter
from typing import Any

import numpy as np

from eotext.schemes import WORLDCOVER, Scheme

Array = np.ndarray[Any, Any]
THRESHOLD = 20
#: ChatEarthNet's label list (index 0 is background), WorldCover classes by their short names.
CHATEARTHNET_LABELS = (
    "background", "water", "developed area", "tree", "shrub", "grass",
    "crop", "bare land", "snow", "wetland", "mangroves", "moss",
)  # fmt: skip


def label_list(scheme: Scheme) -> tuple[str, ...]:
    """The script's ``labels`` for a scheme: ChatEarthNet's own list for WorldCover."""
    if scheme.name == WORLDCOVER.name:
        return CHATEARTHNET_LABELS
    return ("background", *(c.short_name for c in scheme.classes))


def to_index_map(scheme: Scheme, labels: Array, valid: Array) -> Array:
    """A label patch as the script's segmentation map: class index per pixel, 0 where invalid."""
    names = label_list(scheme)
    lut = np.zeros(max(scheme.codes) + 1, dtype=np.uint8)
    for cls in scheme.classes:
        lut[cls.code] = names.index(cls.short_name)
    safe = np.where(valid, labels, 0).astype(np.int64)
    return np.where(valid, lut[np.clip(safe, 0, len(lut) - 1)], 0).astype(np.uint8)


def divide_into_patches(image: Array) -> dict[str, Array]:
    rows, cols = image.shape
    return {
        "top left": image[: rows // 2, : cols // 2],
        "top right": image[: rows // 2, cols // 2 :],
        "bottom left": image[rows // 2 :, : cols // 2],
        "bottom right": image[rows // 2 :, cols // 2 :],
        "middle": image[rows // 4 : 3 * rows // 4, cols // 4 : 3 * cols // 4],
    }


def overall_distribution(image: Array, labels: tuple[str, ...]) -> str:
    all_land_types = Counter(list(image.reshape(-1)))
    analyze_prompt = ""
    all_land_types = Counter(
        dict(sorted(all_land_types.items(), key=lambda item: item[1], reverse=True))
    )
    for land_type, _num in all_land_types.items():
        if land_type == 0 or all_land_types[land_type] < THRESHOLD:
            continue
        analyze_prompt += f"{labels[land_type]}; "
    return analyze_prompt


def find_most_frequent_types_revised(patch: Array) -> tuple[Array, dict[Any, Any]]:
    flat = functools.reduce(operator.iconcat, patch.tolist(), [])
    flat = [it for it in flat if it != 0]
    values, counts = np.unique(flat, return_counts=True)
    dvalues = copy.deepcopy(values)
    dcounts = copy.deepcopy(counts)
    sumall = sum(dcounts)
    count_dict = {}
    for i in range(len(dvalues)):
        count_dict[dvalues[i]] = dcounts[i] / float(sumall)
    ncounts = []
    nvalues = []
    for i in range(len(counts)):
        if counts[i] >= THRESHOLD:
            ncounts.append(counts[i])
            nvalues.append(values[i])
    frequencies = np.column_stack((nvalues, ncounts))
    frequencies = frequencies[frequencies[:, 1].argsort()[::-1]]
    out_idx = frequencies[:3, 0] if frequencies.shape[0] >= 3 else frequencies[:, 0]
    return out_idx, count_dict


def convert_percent_range(percent: int) -> str:
    candidates = ["fraction", "part", "portion", "amount", "quantity"]
    if percent >= 0 and percent <= 9:
        return f"extra small {random.choice(candidates)}"
    elif percent >= 10 and percent <= 19:
        return f"small {random.choice(candidates)}"
    elif percent >= 20 and percent <= 49:
        return f"medium {random.choice(candidates)}"
    elif percent >= 50 and percent <= 79:
        return f"large {random.choice(candidates)}"
    elif percent >= 80 and percent <= 100:
        return f"extra large {random.choice(candidates)}"
    else:
        raise Exception("Wrong portion")


def analyze_segmentation_map(image: Array, labels: tuple[str, ...]) -> str:
    overalld = overall_distribution(image, labels)
    patches = divide_into_patches(image)
    frequent_types = {}
    frequent_percents = {}
    for patch_name, patch in patches.items():
        out_idx, cdict = find_most_frequent_types_revised(patch)
        out_percent = [convert_percent_range(int(round(cdict[it], 2) * 100)) for it in out_idx]
        frequent_types[patch_name] = out_idx
        frequent_percents[patch_name] = out_percent
    context_str = overalld + "\n"
    for patch_name, lst in frequent_types.items():
        frequent_percent = frequent_percents[patch_name]
        context_str += (
            f"The {patch_name} mainly contains the following land cover types, in descending "
            "order of content: "
        )
        if len(lst) == 3:
            context_str += (
                f"{labels[lst[0]]} ({frequent_percent[0]}), {labels[lst[1]]} "
                f"({frequent_percent[1]}), and {labels[lst[2]]} ({frequent_percent[2]}).\n"
            )
        if len(lst) == 2:
            context_str += (
                f"{labels[lst[0]]} ({frequent_percent[0]}) and {labels[lst[1]]} "
                f"({frequent_percent[1]}).\n"
            )
        if len(lst) == 1:
            context_str += f"{labels[lst[0]]} ({frequent_percent[0]}).\n"
    return context_str


def user_prompt(image: Array, labels: tuple[str, ...]) -> str:
    """The user message of ``generate_captions`` for one segmentation map."""
    analyze_prompt = analyze_segmentation_map(image, labels)
    prompt = (
        "Analyze the provided image as an AI visual assistant. The following contexts are "
        "provided.\n"
    )
    prompt += "The overall land cover distributions from most to least are: "
    prompt += analyze_prompt
    prompt += "\n"
    return prompt
