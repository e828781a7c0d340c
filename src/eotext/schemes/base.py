"""The land-cover scheme data model: classes declared once, as data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eotext.errors import SchemeError


def normalise_name(name: str) -> str:
    """Lower-case a class name and collapse punctuation and spaces, for look-ups."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@dataclass(frozen=True)
class LandCoverClass:
    """One class of a land-cover scheme.

    Attributes:
        code: the integer stored in label rasters.
        name: the official name.
        short_name: the name used in generated text (ChatEarthNet's short names for WorldCover).
        color: RGB colour for previews, 0-255 each.
        synonyms: further names that refer to this class in free text.
    """

    code: int
    name: str
    short_name: str
    color: tuple[int, int, int]
    synonyms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.color) != 3 or any(not 0 <= c <= 255 for c in self.color):
            raise SchemeError(f"class {self.code} ({self.name}): colour must be 3 values in 0..255")

    @property
    def all_names(self) -> tuple[str, ...]:
        """Every name by which text may refer to the class."""
        return (self.name, self.short_name, *self.synonyms)


@dataclass(frozen=True)
class Scheme:
    """A land-cover nomenclature.

    Attributes:
        name: registry key, for example ``"worldcover"``.
        title: human-readable title.
        classes: the classes, in code order.
        nodata: codes that mean "no label" (never counted as a class).
        licence: licence of the nomenclature's products, for the manifest.
        attribution: the attribution text a dataset built from this scheme must carry.
    """

    name: str
    title: str
    classes: tuple[LandCoverClass, ...]
    nodata: frozenset[int] = frozenset()
    licence: str = ""
    attribution: str = ""
    _by_code: dict[int, LandCoverClass] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, LandCoverClass] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code: dict[int, LandCoverClass] = {}
        by_name: dict[str, LandCoverClass] = {}
        for cls in self.classes:
            if cls.code in by_code:
                raise SchemeError(f"scheme {self.name}: code {cls.code} declared twice")
            if cls.code in self.nodata:
                raise SchemeError(f"scheme {self.name}: code {cls.code} is both a class and nodata")
            by_code[cls.code] = cls
        # Official and short names win over synonyms when a synonym is shared.
        for pass_names in (lambda c: (c.name, c.short_name), lambda c: c.synonyms):
            for cls in self.classes:
                for n in pass_names(cls):
                    by_name.setdefault(normalise_name(n), cls)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_name", by_name)

    def __hash__(self) -> int:
        # Computed once: a scheme keys the caches asked for every patch and text (code
        # tables, lexicons), and its hash is that of all its classes.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.name, self.title, self.classes, self.nodata, self.licence,
                           self.attribution))  # fmt: skip
            object.__setattr__(self, "_hash", cached)
        return cached

    def __getstate__(self) -> dict[str, Any]:
        # Not the cached hash: string hashes differ from one process to the next.
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    def __iter__(self) -> Iterator[LandCoverClass]:
        return iter(self.classes)

    def __len__(self) -> int:
        return len(self.classes)

    @property
    def codes(self) -> tuple[int, ...]:
        """All class codes, in declaration order."""
        return tuple(c.code for c in self.classes)

    def has_code(self, code: int) -> bool:
        """Whether ``code`` is one of the scheme's classes."""
        return int(code) in self._by_code

    def fill_code(self, dtype: Any) -> int:
        """The value that marks unlabelled pixels in a label raster of ``dtype``.

        The scheme's own nodata code when it has one; else the largest value of the type that
        is not a class code (255 for a byte raster whose classes leave it free).

        Raises:
            SchemeError: every value of the type is a class code, so none is left free.
        """
        if self.nodata:
            return min(self.nodata)
        kind = np.dtype(dtype)
        if not np.issubdtype(kind, np.integer):
            kind = np.dtype(np.uint8)  # label maps are integer; a byte's range for anything else
        info = np.iinfo(kind)
        top = int(info.max)
        for value in range(top, max(int(info.min), top - len(self.classes)) - 1, -1):
            if not self.has_code(value):
                return value
        raise SchemeError(
            f"scheme {self.name}: its classes use every value of a {kind} label raster, so "
            "none is left to mark unlabelled pixels; declare a nodata code in the scheme or "
            "store the labels in a wider integer type"
        )

    def by_code(self, code: int) -> LandCoverClass:
        """The class with this raster code.

        Raises:
            SchemeError: the code is not a class of this scheme.
        """
        try:
            return self._by_code[int(code)]
        except KeyError:
            raise SchemeError(
                f"code {code} is not a class of scheme '{self.name}' "
                f"(valid codes: {', '.join(map(str, self.codes))}; nodata: "
                f"{', '.join(map(str, sorted(self.nodata))) or 'none'})"
            ) from None

    def by_name(self, name: str) -> LandCoverClass:
        """The class with this official name, short name or synonym (case-insensitive).

        Raises:
            SchemeError: no class has this name.
        """
        try:
            return self._by_name[normalise_name(name)]
        except KeyError:
            raise SchemeError(
                f"'{name}' names no class of scheme '{self.name}'; "
                f"known names: {', '.join(c.short_name for c in self.classes)}"
            ) from None

    def find_mentions(self, text: str) -> set[int]:
        """Codes of the classes a free text mentions by any of their names."""
        norm = f" {normalise_name(text)} "
        found: set[int] = set()
        # Longest names first so "herbaceous wetland" is not also read as a bare "wetland".
        for key in sorted(self._by_name, key=len, reverse=True):
            # Whole words only; every occurrence is blanked so it cannot match a shorter name.
            norm, hits = re.subn(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", "|", norm)
            if hits:
                found.add(self._by_name[key].code)
        return found

    def colormap(self) -> dict[int, tuple[int, int, int, int]]:
        """A rasterio colour map (code → RGBA) for label GeoTIFFs."""
        return {c.code: (*c.color, 255) for c in self.classes}


def make_classes(
    rows: Iterable[tuple[int, str, str, str | tuple[int, int, int], tuple[str, ...]]],
) -> tuple[LandCoverClass, ...]:
    """Build classes from ``(code, name, short_name, colour, synonyms)`` rows.

    Colours may be given as ``"#rrggbb"`` strings, as the products' legends print them.
    """
    out = []
    for code, name, short, color, synonyms in rows:
        rgb = _parse_color(color) if isinstance(color, str) else color
        out.append(LandCoverClass(code, name, short, rgb, synonyms))
    return tuple(out)


def _parse_color(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise SchemeError(f"colour '{hex_color}' is not of the form #rrggbb")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
