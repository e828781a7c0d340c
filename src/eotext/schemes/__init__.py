"""Land-cover schemes, declared once as data, and the registry that finds them by name."""

from __future__ import annotations

from eotext.errors import SchemeError
from eotext.schemes.base import LandCoverClass, Scheme, normalise_name
from eotext.schemes.corine import BIGEARTHNET_19, BIGEARTHNET_43, CORINE, ben43_to_ben19
from eotext.schemes.dynamic_world import DYNAMIC_WORLD
from eotext.schemes.eolearn import EOLEARN_LULC
from eotext.schemes.scl import SCL
from eotext.schemes.worldcover import WORLDCOVER

#: Built-in schemes by registry name. Grep here to see what exists.
SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (WORLDCOVER, CORINE, BIGEARTHNET_43, BIGEARTHNET_19, SCL, DYNAMIC_WORLD, EOLEARN_LULC)
}


def get_scheme(name: str) -> Scheme:
    """The built-in scheme registered under ``name`` (case- and punctuation-insensitive).

    Raises:
        SchemeError: no scheme has that name.
    """
    key = normalise_name(name).replace(" ", "-")
    for scheme in SCHEMES.values():
        if scheme.name == key:
            return scheme
    raise SchemeError(f"unknown scheme '{name}'; choose one of: {', '.join(sorted(SCHEMES))}")


__all__ = [
    "BIGEARTHNET_19",
    "BIGEARTHNET_43",
    "CORINE",
    "DYNAMIC_WORLD",
    "EOLEARN_LULC",
    "SCHEMES",
    "SCL",
    "WORLDCOVER",
    "LandCoverClass",
    "Scheme",
    "ben43_to_ben19",
    "get_scheme",
]
