"""An independent check of a built dataset: recompute shares from the label files on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import rasterio

from eotext.schemes import get_scheme
from tests.claims import violations
from tests.conftest import as_dict


def check_dataset(out: Path) -> dict[str, Any]:
    """Assert that every caption names only classes in its label patch, names the dominant
    one and makes no exclusivity claim the patch contradicts; return figures for the caller."""
    patches = pq.read_table(out / "patches.parquet").to_pylist()
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    by_patch: dict[str, list[dict[str, Any]]] = {}
    for t in texts:
        if t["type"] == "caption":  # VQA asks about absent classes on purpose
            by_patch.setdefault(t["patch_id"], []).append(t)
    checked = 0
    for p in patches:
        if p["label_path"] is None:
            continue
        scheme = get_scheme(p["scheme"])
        with rasterio.open(out / p["label_path"]) as src:
            labels = src.read(1)
            nodata = src.nodata
        valid = labels != nodata if nodata is not None else np.ones(labels.shape, bool)
        codes, counts = np.unique(labels[valid], return_counts=True)
        present = {int(c) for c in codes}
        # The stored statistics agree with the file.
        assert as_dict(p["class_pixels"]) == {
            int(c): int(n) for c, n in zip(codes, counts, strict=True)
        }
        shares = counts / counts.sum()
        assert abs(sum(as_dict(p["class_fractions"]).values()) - 1) < 1e-9
        order = np.argsort(-counts, kind="stable")
        dominant = int(codes[order[0]])
        tie = len(counts) > 1 and counts[order[0]] == counts[order[1]]
        for t in by_patch.get(p["patch_id"], []):
            mentioned = scheme.find_mentions(t["text"])
            assert mentioned, f"{t['text_id']} names no class: {t['text']}"
            assert mentioned <= present, (
                f"{t['text_id']} names {mentioned - present} absent from {p['label_path']}"
            )
            if not tie:
                assert dominant in mentioned, f"{t['text_id']} misses dominant class {dominant}"
            known = valid & np.isin(labels, scheme.codes)
            bad = violations(scheme, t["text"], labels, known)
            assert not bad, f"{t['text_id']}: {bad}"
            checked += 1
        assert shares.max() <= 1
    captions = sum(len(v) for v in by_patch.values())
    return {"patches": len(patches), "texts": captions, "checked": checked}
