"""The source formats eotext reads, by name: grep here to see what exists.

``auto`` tries each format's ``sniff`` in the order of :data:`FORMATS`, and the first that
claims the path reads it; the catch-all ``bands`` (any folder) comes last. Recipe validation
(``image_format``) and the command line read their choices from this dict, so registering a
format is one entry here.
"""

from __future__ import annotations

from pathlib import Path

from eotext.errors import SourceError
from eotext.sources.bigearthnet import BigEarthNetFormat
from eotext.sources.bigearthnet_v2 import BigEarthNetV2Format
from eotext.sources.item import SourceFormat
from eotext.sources.osm import OsmFormat
from eotext.sources.sentinel1 import Sentinel1Format
from eotext.sources.sentinel2 import BandFolderFormat, GeoTiffFormat, SafeFormat
from eotext.sources.stac import StacItemFormat

#: Built-in formats by name, in sniffing order (specific first, the catch-all folder last).
FORMATS: dict[str, SourceFormat] = {
    "stac": StacItemFormat(),
    "osm": OsmFormat(),
    "geotiff": GeoTiffFormat(),
    "safe": SafeFormat(),
    "s1": Sentinel1Format(),
    "bigearthnet": BigEarthNetFormat(),
    "bigearthnet-v2": BigEarthNetV2Format(),
    "bands": BandFolderFormat(),
}

#: The values of a source's ``image_format``: ``auto`` (sniff) or a format name.
IMAGE_FORMATS: tuple[str, ...] = ("auto", *FORMATS)


def get_format(name: str, path: str) -> SourceFormat:
    """The format called ``name``, or for ``"auto"`` the first whose sniff claims ``path``.

    Raises:
        SourceError: ``path`` does not exist, or no format claims it.
    """
    if name != "auto":
        return FORMATS[name]
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder; check `image` in the recipe")
    for fmt in FORMATS.values():
        if fmt.sniff(p):
            return fmt
    raise SourceError(
        f"{p}: not a source eotext can read; set image_format to one of {', '.join(FORMATS)}"
    )
