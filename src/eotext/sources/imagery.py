"""What the readers find out about an image source: its band files and how to scale them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BandFile:
    """One spectral band stored in a raster file.

    ``reflectance = DN * scale + offset`` (scale and offset follow GDAL's convention).
    """

    name: str
    path: str
    index: int = 1
    gsd_m: float | None = None
    scale: float = 1.0
    offset: float = 0.0
    sensor: str | None = None  # set when the band comes from another sensor than the imagery


@dataclass(frozen=True)
class Imagery:
    """An image source resolved to band files and metadata.

    Attributes:
        sensor: ``"sentinel-2"``, ``"sentinel-2a"``, ... or ``"unknown"``.
        product_id: the product name when known (``S2A_MSIL2A_...``).
        acquired: ISO-8601 acquisition time when known.
        bands: band files, in output order.
        nodata: the DN that marks missing pixels (Sentinel-2: 0).
        scl_paths: the Scene Classification layer at each resolution present, as (gsd_m, path).
        processing_baseline: Sentinel-2 processing baseline, for example ``"04.00"``.
        licence / attribution: for the manifest.
    """

    sensor: str
    bands: tuple[BandFile, ...]
    product_id: str | None = None
    acquired: str | None = None
    nodata: float | None = None
    scl_paths: tuple[tuple[float, str], ...] = ()
    processing_baseline: str | None = None
    licence: str = ""
    attribution: str = ""

    def scl_for(self, gsd_m: float) -> str | None:
        """The SCL file whose resolution is closest to ``gsd_m`` (finer wins ties)."""
        if not self.scl_paths:
            return None
        return min(self.scl_paths, key=lambda gp: (abs(gp[0] - gsd_m), gp[0]))[1]

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bands)

    def rgb_indices(self) -> tuple[int, int, int] | None:
        """Positions of the red, green and blue bands in ``bands``, when all three exist."""
        names = [n.upper() for n in self.band_names]
        for triple in (("B04", "B03", "B02"), ("RED", "GREEN", "BLUE"), ("R", "G", "B")):
            if all(t in names for t in triple):
                return (names.index(triple[0]), names.index(triple[1]), names.index(triple[2]))
        return None


COPERNICUS_LICENCE = "Copernicus Sentinel data terms (free, full and open)"
