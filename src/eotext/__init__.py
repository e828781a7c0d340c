"""eotext: Earth-observation data to vision-language datasets."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # The version is looked up when asked for: importlib.metadata costs every eotext process
    # (and every build worker) 40 ms to import, and most never need it.
    if name != "__version__":
        raise AttributeError(f"module 'eotext' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("eotext")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
