"""eotext: Earth-observation data to vision-language datasets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("eotext")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
