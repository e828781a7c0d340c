"""ESA WorldCover 10 m (v100 2020, v200 2021).

Codes, names and colours follow the product user manual; short names are the ones ChatEarthNet
uses in its prompts and captions.
"""

from __future__ import annotations

from eotext.schemes.base import Scheme, make_classes

WORLDCOVER = Scheme(
    name="worldcover",
    title="ESA WorldCover 10 m",
    classes=make_classes(
        [
            (10, "Tree cover", "tree", "#006400", ("trees", "forest", "woodland")),
            (20, "Shrubland", "shrub", "#ffbb22", ("shrubs", "shrubland", "bushes")),
            (30, "Grassland", "grass", "#ffff4c", ("grassland", "meadow", "pasture")),
            (40, "Cropland", "crop", "#f096ff", ("cropland", "crops", "farmland", "fields")),
            (
                50,
                "Built-up",
                "developed area",
                "#fa0000",
                ("built-up area", "built up", "urban", "buildings", "settlement", "developed"),
            ),
            (
                60,
                "Bare / sparse vegetation",
                "bare land",
                "#b4b4b4",
                ("bare", "barren land", "sparse vegetation", "bare ground"),
            ),
            (70, "Snow and ice", "snow", "#f0f0f0", ("ice", "snow cover", "glacier")),
            (80, "Permanent water bodies", "water", "#0064c8", ("water body", "water bodies")),
            (
                90,
                "Herbaceous wetland",
                "wetland",
                "#0096a0",
                ("wetlands", "marsh", "swamp"),
            ),
            (95, "Mangroves", "mangroves", "#00cf75", ("mangrove", "mangrove forest")),
            (100, "Moss and lichen", "moss", "#fae6a0", ("lichen", "moss and lichens")),
        ]
    ),
    nodata=frozenset({0}),
    licence="CC-BY-4.0",
    attribution=(
        "© ESA WorldCover project / Contains modified Copernicus Sentinel data processed by "
        "ESA WorldCover consortium (Zanaga et al.)"
    ),
)
