"""CORINE Land Cover level 3, and the BigEarthNet v1 nomenclatures built on it.

CORINE codes, names and colours follow the official CLC legend (``clc_legend.csv``: CLC_CODE,
LABEL3, RGB). BigEarthNet-43 label strings are spelt exactly as BigEarthNet v1's
``*_labels_metadata.json`` files spell them, and the 43 → 19 mapping is the ``label_conversion``
of the official ``label_indices.json`` (Sumbul et al. 2021). Note that BigEarthNet-43 is CORINE
level 3 without 335 "Glaciers and perpetual snow"; it keeps 334 "Burnt areas".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from eotext.errors import UnknownClassCodeError
from eotext.schemes.base import Scheme, make_classes, normalise_name

_CLC_LICENCE = "Copernicus Land Monitoring Service data policy (free, full and open)"
_CLC_ATTRIBUTION = (
    "© European Union, Copernicus Land Monitoring Service, European Environment Agency (EEA)"
)

CORINE = Scheme(
    name="corine",
    title="CORINE Land Cover level 3",
    classes=make_classes(
        [
            (
                111,
                "Continuous urban fabric",
                "continuous urban fabric",
                "#e6004d",
                ("dense urban area",),
            ),
            (
                112,
                "Discontinuous urban fabric",
                "discontinuous urban fabric",
                "#ff0000",
                ("suburban area", "residential area"),
            ),
            (
                121,
                "Industrial or commercial units",
                "industrial or commercial units",
                "#cc4df2",
                ("industrial area", "commercial area", "industrial units"),
            ),
            (
                122,
                "Road and rail networks and associated land",
                "road and rail networks",
                "#cc0000",
                ("roads", "railways", "road network"),
            ),
            (123, "Port areas", "port areas", "#e6cccc", ("port", "harbour", "harbor")),
            (124, "Airports", "airports", "#e6cce6", ("airport",)),
            (
                131,
                "Mineral extraction sites",
                "mineral extraction sites",
                "#a600cc",
                ("quarries", "quarry", "mines"),
            ),
            (132, "Dump sites", "dump sites", "#a64d00", ("landfill", "landfills")),
            (133, "Construction sites", "construction sites", "#ff4dff", ("construction site",)),
            (141, "Green urban areas", "green urban areas", "#ffa6ff", ("urban parks", "parks")),
            (
                142,
                "Sport and leisure facilities",
                "sport and leisure facilities",
                "#ffe6ff",
                ("sports facilities", "golf course"),
            ),
            (
                211,
                "Non-irrigated arable land",
                "non-irrigated arable land",
                "#ffffa8",
                ("arable land", "cropland", "farmland", "fields"),
            ),
            (
                212,
                "Permanently irrigated land",
                "permanently irrigated land",
                "#ffff00",
                ("irrigated land", "irrigated cropland"),
            ),
            (213, "Rice fields", "rice fields", "#e6e600", ("rice paddies", "paddy fields")),
            (221, "Vineyards", "vineyards", "#e68000", ("vineyard",)),
            (
                222,
                "Fruit trees and berry plantations",
                "fruit plantations",
                "#f2a64d",
                ("orchards", "fruit trees", "berry plantations"),
            ),
            (223, "Olive groves", "olive groves", "#e6a600", ("olive grove", "olive trees")),
            (231, "Pastures", "pastures", "#e6e64d", ("pasture", "meadows", "meadow")),
            (
                241,
                "Annual crops associated with permanent crops",
                "mixed annual and permanent crops",
                "#ffe6a6",
                (),
            ),
            (
                242,
                "Complex cultivation patterns",
                "complex cultivation patterns",
                "#ffe64d",
                ("mixed cultivation", "complex cultivation"),
            ),
            (
                243,
                "Land principally occupied by agriculture, with significant areas of natural "
                "vegetation",
                "agriculture with natural vegetation",
                "#e6cc4d",
                ("mixed agriculture and natural vegetation",),
            ),
            (244, "Agro-forestry areas", "agro-forestry areas", "#f2cca6", ("agroforestry",)),
            (
                311,
                "Broad-leaved forest",
                "broad-leaved forest",
                "#80ff00",
                ("deciduous forest", "broadleaf forest", "broad-leaved woodland"),
            ),
            (
                312,
                "Coniferous forest",
                "coniferous forest",
                "#00a600",
                ("conifer forest", "needle-leaved forest", "coniferous woodland"),
            ),
            (313, "Mixed forest", "mixed forest", "#4dff00", ("mixed woodland",)),
            (
                321,
                "Natural grasslands",
                "natural grassland",
                "#ccf24d",
                ("grassland", "grasslands"),
            ),
            (
                322,
                "Moors and heathland",
                "moors and heathland",
                "#a6ff80",
                ("heathland", "heath", "moors", "moorland"),
            ),
            (
                323,
                "Sclerophyllous vegetation",
                "sclerophyllous vegetation",
                "#a6e64d",
                ("maquis", "garrigue", "sclerophyllous shrubs"),
            ),
            (
                324,
                "Transitional woodland-shrub",
                "woodland and shrub mosaic",
                "#a6f200",
                ("scrub", "shrubland"),
            ),
            (
                331,
                "Beaches, dunes, sands",
                "beaches and dunes",
                "#e6e6e6",
                ("beaches", "beach", "dunes", "sand dunes"),
            ),
            (332, "Bare rocks", "bare rock", "#cccccc", ("rocks", "rock outcrops")),
            (
                333,
                "Sparsely vegetated areas",
                "sparsely vegetated areas",
                "#ccffcc",
                ("sparse vegetation",),
            ),
            (334, "Burnt areas", "burnt areas", "#000000", ("burnt area", "burned areas")),
            (
                335,
                "Glaciers and perpetual snow",
                "glaciers",
                "#a6e6cc",
                ("glacier", "perpetual snow", "snow", "ice"),
            ),
            (
                411,
                "Inland marshes",
                "inland marshes",
                "#a6a6ff",
                ("marshes", "marsh", "inland marsh"),
            ),
            (412, "Peat bogs", "peat bogs", "#4d4dff", ("peatbogs", "bogs", "bog", "peatland")),
            (421, "Salt marshes", "salt marshes", "#ccccff", ("salt marsh",)),
            (422, "Salines", "salines", "#e6e6ff", ("salt pans", "saltworks")),
            (423, "Intertidal flats", "intertidal flats", "#a6a6e6", ("tidal flats", "mudflats")),
            (
                511,
                "Water courses",
                "water courses",
                "#00ccf2",
                ("rivers", "river", "streams", "canals"),
            ),
            (
                512,
                "Water bodies",
                "water bodies",
                "#80f2e6",
                ("lakes", "lake", "reservoirs", "ponds"),
            ),
            (521, "Coastal lagoons", "coastal lagoons", "#00ffa6", ("lagoons", "lagoon")),
            (522, "Estuaries", "estuaries", "#a6ffe6", ("estuary",)),
            (523, "Sea and ocean", "sea", "#e6f2ff", ("ocean", "open sea")),
        ]
    ),
    # 999 NODATA, 990 UNCLASSIFIED LAND SURFACE, 995 UNCLASSIFIED WATER BODIES (clc_legend.csv);
    # 0 is what resampled or padded rasters hold outside the product.
    nodata=frozenset({0, 990, 995, 999}),
    licence=_CLC_LICENCE,
    attribution=_CLC_ATTRIBUTION,
)

#: The 43 BigEarthNet v1 labels, by CORINE code, spelt exactly as in ``*_labels_metadata.json``.
BIGEARTHNET_43_LABELS: dict[int, str] = {
    111: "Continuous urban fabric",
    112: "Discontinuous urban fabric",
    121: "Industrial or commercial units",
    122: "Road and rail networks and associated land",
    123: "Port areas",
    124: "Airports",
    131: "Mineral extraction sites",
    132: "Dump sites",
    133: "Construction sites",
    141: "Green urban areas",
    142: "Sport and leisure facilities",
    211: "Non-irrigated arable land",
    212: "Permanently irrigated land",
    213: "Rice fields",
    221: "Vineyards",
    222: "Fruit trees and berry plantations",
    223: "Olive groves",
    231: "Pastures",
    241: "Annual crops associated with permanent crops",
    242: "Complex cultivation patterns",
    243: "Land principally occupied by agriculture, with significant areas of natural vegetation",
    244: "Agro-forestry areas",
    311: "Broad-leaved forest",
    312: "Coniferous forest",
    313: "Mixed forest",
    321: "Natural grassland",
    322: "Moors and heathland",
    323: "Sclerophyllous vegetation",
    324: "Transitional woodland/shrub",
    331: "Beaches, dunes, sands",
    332: "Bare rock",
    333: "Sparsely vegetated areas",
    334: "Burnt areas",
    411: "Inland marshes",
    412: "Peatbogs",
    421: "Salt marshes",
    422: "Salines",
    423: "Intertidal flats",
    511: "Water courses",
    512: "Water bodies",
    521: "Coastal lagoons",
    522: "Estuaries",
    523: "Sea and ocean",
}

_BEN_LICENCE = "CDLA-Permissive-1.0 (BigEarthNet); CORINE labels under the CLMS data policy"
_BEN_ATTRIBUTION = (
    "BigEarthNet (Sumbul et al. 2019, 2021); labels from CORINE Land Cover 2018, "
    "© European Union, Copernicus Land Monitoring Service, EEA; "
    "contains modified Copernicus Sentinel data"
)

# Same codes, short names, colours and synonyms as CORINE; only the official names differ where
# BigEarthNet spells them differently (the CORINE spelling then stays a synonym).
BIGEARTHNET_43 = Scheme(
    name="bigearthnet-43",
    title="BigEarthNet v1 43-class nomenclature (CORINE level 3)",
    classes=make_classes(
        [
            (c.code, BIGEARTHNET_43_LABELS[c.code], c.short_name, c.color, (c.name, *c.synonyms))
            for c in CORINE
            if c.code in BIGEARTHNET_43_LABELS
        ]
    ),
    nodata=CORINE.nodata,
    licence=_BEN_LICENCE,
    attribution=_BEN_ATTRIBUTION,
)

BIGEARTHNET_19 = Scheme(
    name="bigearthnet-19",
    title="BigEarthNet 19-class nomenclature (Sumbul et al. 2021)",
    classes=make_classes(
        [
            (1, "Urban fabric", "urban fabric", "#e6004d", ("urban area", "urban areas")),
            (
                2,
                "Industrial or commercial units",
                "industrial or commercial units",
                "#cc4df2",
                ("industrial area", "commercial area"),
            ),
            (3, "Arable land", "arable land", "#ffffa8", ("cropland", "farmland", "fields")),
            (4, "Permanent crops", "permanent crops", "#e68000", ("orchards", "vineyards")),
            (5, "Pastures", "pastures", "#e6e64d", ("pasture", "meadows")),
            (
                6,
                "Complex cultivation patterns",
                "complex cultivation patterns",
                "#ffe64d",
                ("mixed cultivation",),
            ),
            (
                7,
                "Land principally occupied by agriculture, with significant areas of natural "
                "vegetation",
                "agriculture with natural vegetation",
                "#e6cc4d",
                ("mixed agriculture and natural vegetation",),
            ),
            (8, "Agro-forestry areas", "agro-forestry areas", "#f2cca6", ("agroforestry",)),
            (
                9,
                "Broad-leaved forest",
                "broad-leaved forest",
                "#80ff00",
                ("deciduous forest", "broadleaf forest"),
            ),
            (
                10,
                "Coniferous forest",
                "coniferous forest",
                "#00a600",
                ("conifer forest", "needle-leaved forest"),
            ),
            (11, "Mixed forest", "mixed forest", "#4dff00", ("mixed woodland",)),
            (
                12,
                "Natural grassland and sparsely vegetated areas",
                "natural grassland and sparse vegetation",
                "#ccf24d",
                ("natural grassland", "grassland", "sparsely vegetated areas"),
            ),
            (
                13,
                "Moors, heathland and sclerophyllous vegetation",
                "moors and heathland",
                "#a6ff80",
                ("heathland", "moors", "sclerophyllous vegetation"),
            ),
            (
                14,
                "Transitional woodland, shrub",
                "woodland and shrub mosaic",
                "#a6f200",
                ("scrub", "shrubland"),
            ),
            (
                15,
                "Beaches, dunes, sands",
                "beaches and dunes",
                "#e6e6e6",
                ("beaches", "beach", "dunes", "sand dunes"),
            ),
            (
                16,
                "Inland wetlands",
                "inland wetlands",
                "#a6a6ff",
                ("inland marshes", "marshes", "peat bogs", "peatbogs", "bogs"),
            ),
            (17, "Coastal wetlands", "coastal wetlands", "#ccccff", ("salt marshes", "salines")),
            (
                18,
                "Inland waters",
                "inland waters",
                "#80f2e6",
                ("water bodies", "water courses", "rivers", "lakes"),
            ),
            (
                19,
                "Marine waters",
                "marine waters",
                "#e6f2ff",
                ("sea", "ocean", "sea and ocean", "estuaries", "coastal lagoons"),
            ),
        ]
    ),
    nodata=frozenset({0}),
    licence=_BEN_LICENCE,
    attribution=_BEN_ATTRIBUTION,
)

#: CORINE / BigEarthNet-43 code → BigEarthNet-19 code (``label_conversion`` of the official
#: ``label_indices.json``). Absent: 122, 123, 124, 131, 132, 133, 141, 142, 332, 334, 423 (dropped
#: by the 19-class nomenclature) and 335 (not a BigEarthNet label).
BEN43_TO_BEN19: dict[int, int] = {
    111: 1,
    112: 1,
    121: 2,
    211: 3,
    212: 3,
    213: 3,
    221: 4,
    222: 4,
    223: 4,
    241: 4,
    231: 5,
    242: 6,
    243: 7,
    244: 8,
    311: 9,
    312: 10,
    313: 11,
    321: 12,
    333: 12,
    322: 13,
    323: 13,
    324: 14,
    331: 15,
    411: 16,
    412: 16,
    421: 17,
    422: 17,
    511: 18,
    512: 18,
    521: 19,
    522: 19,
    523: 19,
}

_BEN43_BY_LABEL: dict[str, int] = {normalise_name(n): c for c, n in BIGEARTHNET_43_LABELS.items()}


def ben43_to_ben19(codes: Iterable[int]) -> tuple[int, ...]:
    """The sorted, unique BigEarthNet-19 codes of some CORINE / BigEarthNet-43 codes.

    Codes with no 19-class equivalent (see :data:`BEN43_TO_BEN19`) are dropped.
    """
    return tuple(sorted({BEN43_TO_BEN19[int(c)] for c in codes if int(c) in BEN43_TO_BEN19}))


def bigearthnet_label_codes(names: Iterable[str]) -> tuple[int, ...]:
    """The sorted, unique CORINE codes of BigEarthNet-43 label strings (as in the JSON files).

    Matching ignores case and punctuation, but not wording: only the 43 official labels match.

    Raises:
        UnknownClassCodeError: a string is not a BigEarthNet-43 label.
    """
    codes: set[int] = set()
    for name in names:
        code = _BEN43_BY_LABEL.get(normalise_name(name))
        if code is None:
            close = difflib.get_close_matches(name, BIGEARTHNET_43_LABELS.values(), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise UnknownClassCodeError(
                f"'{name}' is not a BigEarthNet-43 label.{hint} Known labels: "
                f"{'; '.join(BIGEARTHNET_43_LABELS.values())}"
            )
        codes.add(code)
    return tuple(sorted(codes))


#: CLC level-3 code → BigEarthNet-19 code, for reading v2 reference maps (CORINE pixel codes)
#: in the 19-class nomenclature: the same ``label_conversion`` as :data:`BEN43_TO_BEN19`, and
#: every other CORINE code (the 11 classes the 19-class nomenclature drops, 335, and CLC's
#: no-data codes 990/995/999) → 0, "no label".
CLC_TO_BEN19: dict[int, int] = {
    **{c.code: 0 for c in CORINE},
    **{code: 0 for code in CORINE.nodata},
    **BEN43_TO_BEN19,
}

#: CLC level-3 code → BigEarthNet-43 code: identical codes, except 335 "Glaciers and perpetual
#: snow", which BigEarthNet-43 does not have → 0.
CLC_TO_BEN43: dict[int, int] = {335: 0}

_BEN19_BY_LABEL: dict[str, int] = {normalise_name(c.name): c.code for c in BIGEARTHNET_19}


def ben19_label_codes(names: Iterable[str]) -> tuple[int, ...]:
    """The sorted, unique BigEarthNet-19 codes of 19-class label strings (as in BigEarthNet
    v2's ``metadata.parquet``: "Arable land", "Urban fabric", "Inland waters", ...).

    Raises:
        UnknownClassCodeError: a string is not a 19-class label (a 43-class label is named so).
    """
    codes: set[int] = set()
    for name in names:
        code = _BEN19_BY_LABEL.get(normalise_name(name))
        if code is None:
            if normalise_name(name) in _BEN43_BY_LABEL:
                raise UnknownClassCodeError(
                    f"'{name}' is a BigEarthNet-43 label, not one of the 19 classes; name the "
                    "source's labels in bigearthnet-43, or list the 19 with "
                    "`eotext schemes bigearthnet-19`"
                )
            close = difflib.get_close_matches(name, [c.name for c in BIGEARTHNET_19], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise UnknownClassCodeError(
                f"'{name}' is not a BigEarthNet-19 label.{hint} "
                "List the labels with `eotext schemes bigearthnet-19`"
            )
        codes.add(code)
    return tuple(sorted(codes))
