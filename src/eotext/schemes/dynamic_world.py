"""Dynamic World V1 (Google and World Resources Institute), the ``label`` band.

Class names are the product's band names; colours are the official Dynamic World palette.
"""

from __future__ import annotations

from eotext.schemes.base import Scheme, make_classes

DYNAMIC_WORLD = Scheme(
    name="dynamic-world",
    title="Dynamic World V1",
    classes=make_classes(
        [
            (0, "water", "water", "#419bdf", ("water body", "water bodies")),
            (1, "trees", "trees", "#397d49", ("tree", "tree cover", "forest", "woodland")),
            (2, "grass", "grass", "#88b053", ("grassland", "meadow", "meadows")),
            (
                3,
                "flooded_vegetation",
                "flooded vegetation",
                "#7a87c6",
                ("wetland", "wetlands", "marsh"),
            ),
            (4, "crops", "crops", "#e49635", ("crop", "cropland", "farmland", "fields")),
            (
                5,
                "shrub_and_scrub",
                "shrub and scrub",
                "#dfc35a",
                ("shrubs", "shrubland", "scrub", "bushes"),
            ),
            (
                6,
                "built",
                "built-up area",
                "#c4281b",
                ("built area", "built up", "urban", "buildings", "settlement"),
            ),
            (7, "bare", "bare ground", "#a59b8f", ("bare land", "barren land", "bare soil")),
            (8, "snow_and_ice", "snow and ice", "#b39fe1", ("snow", "ice", "glacier")),
        ]
    ),
    nodata=frozenset(),
    licence="CC-BY-4.0",
    attribution="Dynamic World, Google and World Resources Institute (Brown et al. 2022)",
)
