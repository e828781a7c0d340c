"""GDAL's settings for reading rasters over HTTP (COGs from STAC assets, ``/vsicurl/``).

A cloud-optimised GeoTIFF is read with HTTP range requests: the header first, then only the
tiles a window needs. These defaults keep that cheap and robust; any of them already set in the
environment wins, so a user can tune them (``GDAL_HTTP_MAX_RETRY=10 eotext build ...``):

- ``GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR``: do not list the "folder" of a URL on open (one
  request saved per file, and object stores often refuse listings).
- ``CPL_VSIL_CURL_ALLOWED_EXTENSIONS``: only raster files are probed, not side-car guesses.
- ``GDAL_HTTP_MAX_RETRY`` / ``GDAL_HTTP_RETRY_DELAY``: retry 429/5xx answers, with back-off.
- ``GDAL_HTTP_MULTIRANGE`` / ``GDAL_HTTP_MERGE_CONSECUTIVE_RANGES``: fewer, larger requests.
- ``VSI_CACHE`` / ``VSI_CACHE_SIZE``: keep fetched blocks per open file (units re-read headers).
- ``GDAL_HTTP_TIMEOUT`` / ``GDAL_HTTP_CONNECTTIMEOUT``: fail instead of hanging on a dead host.
"""

from __future__ import annotations

import os

GDAL_HTTP_DEFAULTS: dict[str, str] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff,.jp2,.JP2,.vrt",
    "GDAL_HTTP_MAX_RETRY": "5",
    "GDAL_HTTP_RETRY_DELAY": "1",
    "GDAL_HTTP_MULTIRANGE": "YES",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": str(64 * 1024 * 1024),
    "GDAL_HTTP_TIMEOUT": "60",
    "GDAL_HTTP_CONNECTTIMEOUT": "15",
}


def is_remote(path: str) -> bool:
    """A path GDAL reads over the network."""
    return path.startswith(("http://", "https://", "s3://", "gs://", "az://", "/vsicurl"))


def apply_gdal_http_defaults() -> None:
    """Set :data:`GDAL_HTTP_DEFAULTS` in this process, leaving values the user set alone.

    Called before a remote raster is opened, in whichever process (or worker) opens it.
    """
    for key, value in GDAL_HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
