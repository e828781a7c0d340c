"""Train/val/test splits by spatial blocks, and a small stratified ``bench`` split.

Patches are grouped into geographic blocks (cells of about ``block_km`` on a side, by the
patch's centre), and whole blocks go to one split, drawn with the recipe seed; neighbouring
patches in one block can never straddle two splits. Patches that still overlap a patch of
another split (overlapping strides or overlapping scenes across a block edge) go to ``gap``,
which no split uses. ``bench`` takes up to ``bench_per_class`` test patches per dominant class
(or first multi-label) and country, for manual verification.

Patches whose source assigns a split (``source_split``: BigEarthNet v2's train/validation/test)
keep it unless ``[splits] keep_source = false``; they are never moved to ``gap``.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from eotext.config.recipe import SplitSpec

_KM_PER_DEG_LAT = 111.32


def assign_splits(patches: Sequence[dict[str, Any]], spec: SplitSpec, seed: int) -> list[str]:
    """The split of each patch row (``patch_id``, ``geometry`` WKB, ``dominant_class``)."""
    geoms = shapely.from_wkb([p["geometry"] for p in patches]).tolist()
    centres = shapely.get_coordinates(shapely.centroid(geoms)).tolist()
    drawn: dict[tuple[int, int], str] = {}  # a block's split, drawn once

    def block_split(centre: list[float]) -> str:
        block = _block_of(centre[0], centre[1], spec.block_km)
        if block not in drawn:
            drawn[block] = _block_split(block, spec, seed)
        return drawn[block]

    splits = [
        (p.get("source_split") if spec.keep_source else None) or block_split(c)
        for p, c in zip(patches, centres, strict=True)
    ]
    fixed = {i for i, p in enumerate(patches) if spec.keep_source and p.get("source_split")}
    _mark_gaps(patches, geoms, splits, fixed)
    _draw_bench(patches, splits, spec, seed)
    return splits


def _block_of(x: float, y: float, block_km: float) -> tuple[int, int]:
    """The block of a patch centred at (``x``, ``y``) (longitude, latitude)."""
    dlat = block_km / _KM_PER_DEG_LAT
    row = math.floor(y / dlat)
    # Keep blocks about square: longitude cells widen towards the poles.
    dlon = block_km / (_KM_PER_DEG_LAT * max(math.cos(math.radians((row + 0.5) * dlat)), 0.01))
    return row, math.floor(x / dlon)


def _block_split(block: tuple[int, int], spec: SplitSpec, seed: int) -> str:
    digest = hashlib.sha256(f"{seed}:{block[0]}:{block[1]}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    train, val, _ = spec.fractions
    return "train" if u < train else "val" if u < train + val else "test"


def _mark_gaps(
    patches: Sequence[dict[str, Any]], geoms: list[Any], splits: list[str], fixed: set[int]
) -> None:
    if len(fixed) == len(patches):
        return
    overlapping = _overlaps(geoms, splits)
    order = sorted(range(len(patches)), key=lambda i: patches[i]["patch_id"])
    for i in order:
        if splits[i] == "gap" or i in fixed:
            continue
        for j in overlapping.get(i, ()):
            if splits[j] in ("gap", splits[i]):
                continue
            later = i if j in fixed else max(i, j, key=lambda k: patches[k]["patch_id"])
            splits[later] = "gap"
            if later == i:
                break


def _overlaps(geoms: list[Any], splits: list[str]) -> dict[int, list[int]]:
    """The footprints of another split each footprint overlaps, by index, in one query of a
    tree and one vectorised intersection (neighbours on a grid touch along edges: most pairs
    share no area). Sharing an edge is not overlapping; floating-point slivers (below a
    millionth of the smaller area) are allowed for."""
    shapes = np.asarray(geoms, dtype=object)
    first, second = STRtree(shapes).query(shapes, predicate="intersects")
    split = np.asarray(splits, dtype=object)
    other = split[first] != split[second]  # a footprint and itself, or one split: no gap
    first, second = first[other], second[other]
    areas = shapely.area(shapes)
    shared = shapely.area(shapely.intersection(shapes[first], shapes[second]))
    real = shared > 1e-6 * np.minimum(areas[first], areas[second])
    found: dict[int, list[int]] = {}
    for i, j in zip(first[real].tolist(), second[real].tolist(), strict=True):
        found.setdefault(i, []).append(j)
    return found


def _draw_bench(
    patches: Sequence[dict[str, Any]], splits: list[str], spec: SplitSpec, seed: int
) -> None:
    by_class: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(patches):
        if splits[i] == "test":
            labels = p.get("multilabels") or []
            cls = p.get("dominant_class") or (labels[0] if len(labels) else "unlabelled")
            by_class.setdefault((cls, p.get("source_country") or ""), []).append(i)
    rng = random.Random(seed)
    for key in sorted(by_class):
        members = sorted(by_class[key], key=lambda i: patches[i]["patch_id"])
        for i in rng.sample(members, min(spec.bench_per_class, len(members))):
            splits[i] = "bench"
