"""Sentinel-2 Level-2A Scene Classification (SCL), as written by Sen2Cor.

Codes and names follow the Sentinel-2 L2A algorithm description; colours are the SCL legend of
the Sen2Cor software user manual (ESA). Code 2 was "Dark area pixels" before processing baseline
04.00 (2022-01-25) and is "Casted shadows" since.
"""

from __future__ import annotations

from eotext.schemes.base import Scheme, make_classes

SCL = Scheme(
    name="scl",
    title="Sentinel-2 L2A Scene Classification (SCL)",
    classes=make_classes(
        [
            (
                1,
                "Saturated or defective",
                "defective pixels",
                "#ff0000",
                ("saturated pixels", "saturated or defective pixels"),
            ),
            (
                2,
                "Dark area pixels / casted shadows",
                "dark area",
                "#2f2f2f",
                ("dark area pixels", "casted shadows", "topographic shadows", "dark features"),
            ),
            (3, "Cloud shadows", "cloud shadow", "#643200", ("cloud shadows",)),
            (4, "Vegetation", "vegetation", "#00a000", ("vegetated",)),
            (5, "Not vegetated", "bare soil", "#ffe65a", ("bare soils", "not vegetated")),
            (6, "Water", "water", "#0000ff", ("water bodies",)),
            (7, "Unclassified", "unclassified", "#808080", ("cloud low probability",)),
            (
                8,
                "Cloud medium probability",
                "medium-probability cloud",
                "#c0c0c0",
                ("clouds medium probability",),
            ),
            (
                9,
                "Cloud high probability",
                "high-probability cloud",
                "#ffffff",
                ("clouds high probability", "opaque clouds"),
            ),
            (10, "Thin cirrus", "thin cirrus", "#64c8ff", ("cirrus",)),
            (11, "Snow or ice", "snow", "#ff96ff", ("ice", "snow and ice", "snow / ice")),
        ]
    ),
    nodata=frozenset({0}),
    licence="Copernicus Sentinel data (free, full and open)",
    attribution="Contains modified Copernicus Sentinel data",
)

#: SCL codes that mean "no data".
SCL_NODATA = frozenset({0})
#: SCL cloud codes: medium and high probability cloud, thin cirrus.
SCL_CLOUD = frozenset({8, 9, 10})
#: SCL cloud-shadow code.
SCL_CLOUD_SHADOW = frozenset({3})
#: SCL snow / ice code.
SCL_SNOW = frozenset({11})
#: SCL saturated or defective code.
SCL_DEFECTIVE = frozenset({1})
