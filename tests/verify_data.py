"""Real label patches for the checker tests and benchmark: the sample São Tomé window, windows
of the full WorldCover tile elsewhere on São Tomé and on Príncipe, and the Slovenian LULC map."""

from __future__ import annotations

from pathlib import Path

import rasterio

from eotext.verify.corpus import tile_facts
from eotext.verify.facts import PatchFacts

DATA_DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

#: (lon, lat) of window corners on the full tile, away from the derived 1024 window.
TILE_POINTS = [
    (lon, lat) for lon in (6.50, 6.55, 6.60, 6.65, 6.70) for lat in (0.10, 0.20, 0.30)
] + [(7.38, 1.58), (7.38, 1.64), (7.42, 1.58), (7.42, 1.64)]


def real_patches(data: Path, size: int = 256) -> dict[str, PatchFacts]:
    """Facts of every real label patch used by the checker's quality measurement."""
    wc = data / "worldcover_N00E006_2021"
    out = tile_facts(
        str(wc / "derived" / "WorldCover_2021_SaoTome_NE_1024.tif"),
        "worldcover",
        size,
        prefix="wc1024_",
    )
    tile = wc / "ESA_WorldCover_10m_2021_v200_N00E006_Map.tif"
    with rasterio.open(tile) as src:
        inverse = ~src.transform
    origins = []
    for lon, lat in TILE_POINTS:
        col, row = inverse @ (lon, lat)
        origins.append((int(row), int(col)))
    out.update(tile_facts(str(tile), "worldcover", size, origins, prefix="tile_"))
    slovenia = data / "eolearn_slovenia" / "derived" / "LULC.tif"
    out.update(tile_facts(str(slovenia), "eolearn-lulc", 100, prefix="slo_"))
    return out
