"""Exporters: a dataset folder → the formats training and evaluation code reads.

One module per format; :data:`FORMATS` names them (the CLI's choices) and ``EXPORTERS``, the
registry, imports them when first asked for. Every exporter reads the dataset through
:mod:`eotext.export.items` and takes ``split``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Built-in exporters by name: the module and function of each, imported when first asked for
#: (the exporters import pyarrow, Pillow, ...: listing the formats must not).
_EXPORTERS_AT: dict[str, tuple[str, str]] = {
    "bigearthnet-txt": ("eotext.export.bigearthnet_txt", "export_bigearthnet_txt"),
    "coco": ("eotext.export.coco", "export_coco"),
    "hf": ("eotext.export.hf", "export_hf"),
    "llamafactory": ("eotext.export.llamafactory", "export_llamafactory"),
    "llava": ("eotext.export.llava", "export_llava"),
    "lmms-eval": ("eotext.export.lmms_eval", "export_lmms_eval"),
    "openclip": ("eotext.export.openclip", "export_openclip"),
    "stac": ("eotext.export.stac", "export_stac"),
    "swift": ("eotext.export.swift", "export_swift"),
    "vlmevalkit": ("eotext.export.vlmevalkit", "export_vlmevalkit"),
    "webdataset": ("eotext.export.webdataset", "export_webdataset"),
}
#: The export formats, as the CLI offers them.
FORMATS: tuple[str, ...] = tuple(_EXPORTERS_AT)


def _exporters() -> dict[str, Callable[..., int]]:
    """Built-in exporters by name: (dataset folder, output path, options) → records written."""
    return {name: _exporter(name) for name in _EXPORTERS_AT}


def _exporter(name: str) -> Callable[..., int]:
    module, function = _EXPORTERS_AT[name]
    found: Callable[..., int] = getattr(importlib.import_module(module), function)
    return found


def __getattr__(name: str) -> Any:
    # EXPORTERS (the registry) and each export_* function, imported on first use.
    if name == "EXPORTERS":
        return _exporters()
    for fmt, (_, function) in _EXPORTERS_AT.items():
        if function == name:
            return _exporter(fmt)
    raise AttributeError(f"module 'eotext.export' has no attribute {name!r}")


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
    params = list(inspect.signature(_exporter(name)).parameters)
    return tuple(params[2:])


def export(name: str, dataset: Path, out: Path, **options: Any) -> int:
    """Run the exporter registered as ``name``; returns how many records it wrote.

    Raises:
        RecipeError: unknown format, or an option the format does not take.
    """
    from eotext.errors import RecipeError

    if name not in _EXPORTERS_AT:
        raise RecipeError(f"unknown export format '{name}'; choose from {', '.join(FORMATS)}")
    taken = options_of(name)
    for key in options:
        if key not in taken:
            flag = "--" + key.replace("_", "-")
            raise RecipeError(
                f"export format '{name}' does not take {flag}; its options: "
                + (", ".join("--" + k.replace("_", "-") for k in taken) or "none")
            )
    return _exporter(name)(dataset, out, **options)


__all__ = [
    "EXPORTERS", "FORMATS", "OUTPUTS", "export", "export_bigearthnet_txt", "export_coco",
    "export_hf", "export_llamafactory", "export_llava", "export_lmms_eval", "export_openclip",
    "export_stac", "export_swift", "export_vlmevalkit", "export_webdataset", "options_of",
]  # fmt: skip
