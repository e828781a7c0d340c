"""Exporters: a dataset folder → the formats training and evaluation code reads.

One module per format; :data:`EXPORTERS` is the registry the CLI reads its choices from. Every
exporter reads the dataset through :mod:`eotext.export.items` and takes ``split``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eotext.export.bigearthnet_txt import export_bigearthnet_txt
from eotext.export.coco import export_coco
from eotext.export.hf import export_hf
from eotext.export.llamafactory import export_llamafactory
from eotext.export.llava import export_llava
from eotext.export.lmms_eval import export_lmms_eval
from eotext.export.openclip import export_openclip
from eotext.export.stac import export_stac
from eotext.export.swift import export_swift
from eotext.export.vlmevalkit import export_vlmevalkit
from eotext.export.webdataset import export_webdataset

#: Built-in exporters by name: (dataset folder, output path, options) → records written.
EXPORTERS: dict[str, Callable[..., int]] = {
    "bigearthnet-txt": export_bigearthnet_txt,
    "coco": export_coco,
    "hf": export_hf,
    "llamafactory": export_llamafactory,
    "llava": export_llava,
    "lmms-eval": export_lmms_eval,
    "openclip": export_openclip,
    "stac": export_stac,
    "swift": export_swift,
    "vlmevalkit": export_vlmevalkit,
    "webdataset": export_webdataset,
}

#: What each exporter counts, and whether ``out`` is a folder (True) or a file.
OUTPUTS: dict[str, tuple[str, bool]] = {
    "bigearthnet-txt": ("rows", False),
    "coco": ("annotations", True),
    "hf": ("rows", True),
    "llamafactory": ("conversations", True),
    "llava": ("conversations", False),
    "lmms-eval": ("documents", True),
    "openclip": ("rows", False),
    "stac": ("items", True),
    "swift": ("lines", False),
    "vlmevalkit": ("rows", True),
    "webdataset": ("samples", True),
}


def options_of(name: str) -> tuple[str, ...]:
    """The options the exporter ``name`` takes (besides the dataset and the output)."""
    params = list(inspect.signature(EXPORTERS[name]).parameters)
    return tuple(params[2:])


def export(name: str, dataset: Path, out: Path, **options: Any) -> int:
    """Run the exporter registered as ``name``; returns how many records it wrote.

    Raises:
        RecipeError: unknown format, or an option the format does not take.
    """
    from eotext.errors import RecipeError

    if name not in EXPORTERS:
        raise RecipeError(f"unknown export format '{name}'; choose from {', '.join(EXPORTERS)}")
    taken = options_of(name)
    for key in options:
        if key not in taken:
            flag = "--" + key.replace("_", "-")
            raise RecipeError(
                f"export format '{name}' does not take {flag}; its options: "
                + (", ".join("--" + k.replace("_", "-") for k in taken) or "none")
            )
    return EXPORTERS[name](dataset, out, **options)


__all__ = [
    "EXPORTERS", "OUTPUTS", "export", "export_bigearthnet_txt", "export_coco", "export_hf",
    "export_llamafactory", "export_llava", "export_lmms_eval", "export_openclip", "export_stac",
    "export_swift", "export_vlmevalkit", "export_webdataset", "options_of",
]  # fmt: skip
