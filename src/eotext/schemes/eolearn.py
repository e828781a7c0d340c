"""The eo-learn Slovenia land-use / land-cover example classes.

Codes and names follow eo-learn's ``example_data/lulc_classes.py``; colours are the ``LULC`` enum
of eo-learn's land-cover-map example (which follows ``example_data/lulc_cmap.py``). Note that the
example colours snow and ice black.
"""

from __future__ import annotations

from eotext.schemes.base import Scheme, make_classes

EOLEARN_LULC = Scheme(
    name="eolearn-lulc",
    title="eo-learn Slovenia LULC",
    classes=make_classes(
        [
            (
                1,
                "Cultivated land",
                "cultivated land",
                "#ffff00",
                ("cropland", "farmland", "fields", "arable land"),
            ),
            (2, "Forest", "forest", "#054907", ("trees", "woodland")),
            (3, "Grassland", "grassland", "#ffa500", ("grass", "meadow", "pasture")),
            (4, "Shrubland", "shrubland", "#806000", ("shrubs", "scrub", "bushes")),
            (5, "Water", "water", "#069af3", ("water body", "water bodies", "lakes", "rivers")),
            (6, "Wetlands", "wetland", "#95d0fc", ("marsh", "swamp")),
            (7, "Tundra", "tundra", "#967bb6", ()),
            (
                8,
                "Artificial surface",
                "artificial surface",
                "#dc143c",
                ("built-up area", "urban", "buildings", "settlement"),
            ),
            (9, "Bareland", "bare land", "#a6a6a6", ("bare ground", "barren land", "bare")),
            (10, "Snow and ice", "snow and ice", "#000000", ("snow", "ice", "glacier")),
        ]
    ),
    nodata=frozenset({0}),
    licence="Slovenian national LULC reference (public open data); eo-learn example data MIT",
    attribution="Sinergise eo-learn example data; contains modified Copernicus Sentinel data",
)
