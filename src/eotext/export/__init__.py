"""Exporters: a dataset folder → the formats training code reads. One module per format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from eotext.export.bigearthnet_txt import export_bigearthnet_txt
from eotext.export.llava import export_llava
from eotext.export.openclip import export_openclip

#: Built-in exporters by name: (dataset folder, output path, options) → rows written.
EXPORTERS: dict[str, Callable[..., int]] = {
    "bigearthnet-txt": export_bigearthnet_txt,
    "llava": export_llava,
    "openclip": export_openclip,
}


def export(name: str, dataset: Path, out: Path, **options: Any) -> int:
    """Run the exporter registered as ``name``; returns how many records it wrote."""
    from eotext.errors import RecipeError

    if name not in EXPORTERS:
        raise RecipeError(f"unknown export format '{name}'; choose from {', '.join(EXPORTERS)}")
    return EXPORTERS[name](dataset, out, **options)


__all__ = ["EXPORTERS", "export", "export_bigearthnet_txt", "export_llava", "export_openclip"]
