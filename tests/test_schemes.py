"""The built-in land-cover schemes: consistency, look-ups and the BigEarthNet nomenclatures."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
from pathlib import Path

import pytest

from eotext.errors import SchemeError, UnknownClassCodeError
from eotext.schemes import SCHEMES, Scheme, get_scheme
from eotext.schemes.base import normalise_name
from eotext.schemes.corine import (
    BEN43_TO_BEN19,
    BIGEARTHNET_19,
    BIGEARTHNET_43,
    BIGEARTHNET_43_LABELS,
    CORINE,
    ben43_to_ben19,
    bigearthnet_label_codes,
)
from eotext.schemes.scl import (
    SCL,
    SCL_CLOUD,
    SCL_CLOUD_SHADOW,
    SCL_DEFECTIVE,
    SCL_NODATA,
    SCL_SNOW,
)
from eotext.schemes.worldcover import WORLDCOVER

ALL_SCHEMES = list(SCHEMES.values())
ids = [s.name for s in ALL_SCHEMES]

DATA_ROOT = Path(
    os.environ.get("EOTEXT_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)
BEN_V1 = DATA_ROOT / "bigearthnet_v1"

# The official 43 → 19 conversion by name (BigEarthNet label_indices.json, "label_conversion"),
# kept here as an independent check of BEN43_TO_BEN19. None: dropped by the 19-class nomenclature.
OFFICIAL_43_TO_19 = {
    "Continuous urban fabric": "Urban fabric",
    "Discontinuous urban fabric": "Urban fabric",
    "Industrial or commercial units": "Industrial or commercial units",
    "Road and rail networks and associated land": None,
    "Port areas": None,
    "Airports": None,
    "Mineral extraction sites": None,
    "Dump sites": None,
    "Construction sites": None,
    "Green urban areas": None,
    "Sport and leisure facilities": None,
    "Non-irrigated arable land": "Arable land",
    "Permanently irrigated land": "Arable land",
    "Rice fields": "Arable land",
    "Vineyards": "Permanent crops",
    "Fruit trees and berry plantations": "Permanent crops",
    "Olive groves": "Permanent crops",
    "Pastures": "Pastures",
    "Annual crops associated with permanent crops": "Permanent crops",
    "Complex cultivation patterns": "Complex cultivation patterns",
    "Land principally occupied by agriculture, with significant areas of natural vegetation": (
        "Land principally occupied by agriculture, with significant areas of natural vegetation"
    ),
    "Agro-forestry areas": "Agro-forestry areas",
    "Broad-leaved forest": "Broad-leaved forest",
    "Coniferous forest": "Coniferous forest",
    "Mixed forest": "Mixed forest",
    "Natural grassland": "Natural grassland and sparsely vegetated areas",
    "Moors and heathland": "Moors, heathland and sclerophyllous vegetation",
    "Sclerophyllous vegetation": "Moors, heathland and sclerophyllous vegetation",
    "Transitional woodland/shrub": "Transitional woodland, shrub",
    "Beaches, dunes, sands": "Beaches, dunes, sands",
    "Bare rock": None,
    "Sparsely vegetated areas": "Natural grassland and sparsely vegetated areas",
    "Burnt areas": None,
    "Inland marshes": "Inland wetlands",
    "Peatbogs": "Inland wetlands",
    "Salt marshes": "Coastal wetlands",
    "Salines": "Coastal wetlands",
    "Intertidal flats": None,
    "Water courses": "Inland waters",
    "Water bodies": "Inland waters",
    "Coastal lagoons": "Marine waters",
    "Estuaries": "Marine waters",
    "Sea and ocean": "Marine waters",
}

BEN19_ORDER = [
    "Urban fabric",
    "Industrial or commercial units",
    "Arable land",
    "Permanent crops",
    "Pastures",
    "Complex cultivation patterns",
    "Land principally occupied by agriculture, with significant areas of natural vegetation",
    "Agro-forestry areas",
    "Broad-leaved forest",
    "Coniferous forest",
    "Mixed forest",
    "Natural grassland and sparsely vegetated areas",
    "Moors, heathland and sclerophyllous vegetation",
    "Transitional woodland, shrub",
    "Beaches, dunes, sands",
    "Inland wetlands",
    "Coastal wetlands",
    "Inland waters",
    "Marine waters",
]


# --- every scheme -------------------------------------------------------------------------------


def test_registry_keys_match_scheme_names() -> None:
    assert set(SCHEMES) == {
        "worldcover",
        "corine",
        "bigearthnet-43",
        "bigearthnet-19",
        "scl",
        "dynamic-world",
        "eolearn-lulc",
    }
    for key, scheme in SCHEMES.items():
        assert scheme.name == key
        assert get_scheme(key) is scheme
        assert get_scheme(key.upper().replace("-", " ")) is scheme


def test_unknown_scheme_lists_choices() -> None:
    with pytest.raises(SchemeError) as exc:
        get_scheme("no-such-scheme")
    for key in SCHEMES:
        assert key in str(exc.value)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_codes_unique_and_disjoint_from_nodata(scheme: Scheme) -> None:
    assert len(set(scheme.codes)) == len(scheme.codes)
    assert not set(scheme.codes) & scheme.nodata
    assert list(scheme.codes) == sorted(scheme.codes)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_names_unique(scheme: Scheme) -> None:
    names = [normalise_name(c.name) for c in scheme]
    shorts = [normalise_name(c.short_name) for c in scheme]
    assert len(set(names)) == len(names)
    assert len(set(shorts)) == len(shorts)
    # No name of any kind may refer to two classes.
    owner: dict[str, int] = {}
    for cls in scheme:
        for n in cls.all_names:
            key = normalise_name(n)
            assert owner.setdefault(key, cls.code) == cls.code, (
                f"{scheme.name}: '{n}' names both {owner[key]} and {cls.code}"
            )


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_colours_valid_and_distinct(scheme: Scheme) -> None:
    for cls in scheme:
        assert len(cls.color) == 3
        assert all(isinstance(v, int) and 0 <= v <= 255 for v in cls.color)
    colours = [c.color for c in scheme]
    assert len(set(colours)) == len(colours)
    cmap = scheme.colormap()
    assert set(cmap) == set(scheme.codes)
    assert all(len(rgba) == 4 and rgba[3] == 255 for rgba in cmap.values())


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_short_names_are_lower_case(scheme: Scheme) -> None:
    for cls in scheme:
        assert cls.short_name == cls.short_name.lower()
        assert cls.short_name.strip() == cls.short_name


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_metadata_present(scheme: Scheme) -> None:
    assert scheme.title
    assert scheme.licence
    assert scheme.attribution


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_lookups_round_trip(scheme: Scheme) -> None:
    for cls in scheme:
        assert scheme.has_code(cls.code)
        assert scheme.by_code(cls.code) is cls
        for n in cls.all_names:
            assert scheme.by_name(n) is cls
            assert scheme.by_name(n.upper()) is cls
            assert scheme.find_mentions(f"The patch shows {n}, mostly.") == {cls.code}


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_unknown_code_lists_valid_codes(scheme: Scheme) -> None:
    bad = max(scheme.codes) + 1000
    assert not scheme.has_code(bad)
    with pytest.raises(SchemeError) as exc:
        scheme.by_code(bad)
    msg = str(exc.value)
    assert str(bad) in msg
    for code in scheme.codes:
        assert str(code) in msg


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_unknown_name_lists_known_names(scheme: Scheme) -> None:
    with pytest.raises(SchemeError) as exc:
        scheme.by_name("quantum foam")
    msg = str(exc.value)
    assert "quantum foam" in msg
    for cls in scheme:
        assert cls.short_name in msg


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=ids)
def test_nodata_is_not_a_class(scheme: Scheme) -> None:
    for code in scheme.nodata:
        assert not scheme.has_code(code)
        with pytest.raises(SchemeError):
            scheme.by_code(code)


# --- find_mentions --------------------------------------------------------------------------------


def test_find_mentions_herbaceous_wetland_is_one_class() -> None:
    assert WORLDCOVER.find_mentions("A herbaceous wetland borders the water.") == {90, 80}
    assert WORLDCOVER.find_mentions("Mostly herbaceous wetland.") == {90}


def test_find_mentions_prefers_longest_name() -> None:
    # "salt marshes" is one class (421), not also "marshes" (411).
    assert CORINE.find_mentions("salt marshes along the coast") == {421}
    assert CORINE.find_mentions("salt marshes and inland marshes") == {421, 411}
    assert BIGEARTHNET_19.find_mentions("coastal wetlands") == {17}


def test_find_mentions_nothing() -> None:
    assert CORINE.find_mentions("") == set()
    assert SCL.find_mentions("a patch of nothing in particular") == set()


# --- CORINE and BigEarthNet -----------------------------------------------------------------------


def test_corine_has_44_classes() -> None:
    assert len(CORINE) == 44
    assert CORINE.codes[0] == 111
    assert CORINE.codes[-1] == 523
    assert all(100 < c < 600 for c in CORINE.codes)
    assert {0, 999} <= CORINE.nodata


def test_corine_official_colours() -> None:
    assert CORINE.by_code(111).color == (230, 0, 77)
    assert CORINE.by_code(211).color == (255, 255, 168)
    assert CORINE.by_code(312).color == (0, 166, 0)
    assert CORINE.by_code(523).color == (230, 242, 255)


def test_corine_short_names() -> None:
    assert CORINE.by_code(111).short_name == "continuous urban fabric"
    assert CORINE.by_code(211).short_name == "non-irrigated arable land"
    assert CORINE.by_code(231).short_name == "pastures"
    assert CORINE.by_code(311).short_name == "broad-leaved forest"
    assert CORINE.by_code(512).short_name == "water bodies"
    assert CORINE.by_code(523).short_name == "sea"


def test_bigearthnet_43_has_43_classes() -> None:
    assert len(BIGEARTHNET_43) == 43
    assert set(BIGEARTHNET_43.codes) == set(BIGEARTHNET_43_LABELS)
    # CORINE level 3 without "Glaciers and perpetual snow".
    assert set(CORINE.codes) - set(BIGEARTHNET_43.codes) == {335}
    assert [c.name for c in BIGEARTHNET_43] == list(OFFICIAL_43_TO_19)


def test_bigearthnet_43_matches_corine() -> None:
    for cls in BIGEARTHNET_43:
        clc = CORINE.by_code(cls.code)
        assert cls.short_name == clc.short_name
        assert cls.color == clc.color
        assert BIGEARTHNET_43.by_name(clc.name) is cls


def test_bigearthnet_19_has_19_classes_in_official_order() -> None:
    assert len(BIGEARTHNET_19) == 19
    assert BIGEARTHNET_19.codes == tuple(range(1, 20))
    assert [c.name for c in BIGEARTHNET_19] == BEN19_ORDER


def test_ben43_to_ben19_matches_official_conversion() -> None:
    for cls in BIGEARTHNET_43:
        expected = OFFICIAL_43_TO_19[cls.name]
        if expected is None:
            assert cls.code not in BEN43_TO_BEN19
        else:
            assert BIGEARTHNET_19.by_code(BEN43_TO_BEN19[cls.code]).name == expected
    assert set(BEN43_TO_BEN19) <= set(BIGEARTHNET_43.codes)
    assert set(BEN43_TO_BEN19.values()) == set(BIGEARTHNET_19.codes)


def test_every_43_label_maps_to_at_most_one_19_class() -> None:
    for code in BIGEARTHNET_43.codes:
        assert len(ben43_to_ben19([code])) <= 1


def test_ben43_to_ben19_sorts_deduplicates_and_drops() -> None:
    assert ben43_to_ben19([512, 111, 112, 122, 511, 335, 999]) == (1, 18)
    assert ben43_to_ben19([]) == ()
    assert ben43_to_ben19([334, 423]) == ()


def test_bigearthnet_label_codes() -> None:
    labels = ["Water bodies", "Broad-leaved forest", "Transitional woodland/shrub"]
    assert bigearthnet_label_codes(labels) == (311, 324, 512)
    assert bigearthnet_label_codes(["PEATBOGS", "peatbogs"]) == (412,)
    assert bigearthnet_label_codes([]) == ()
    for code, label in BIGEARTHNET_43_LABELS.items():
        assert bigearthnet_label_codes([label]) == (code,)


def test_bigearthnet_label_codes_unknown_label() -> None:
    with pytest.raises(UnknownClassCodeError) as exc:
        bigearthnet_label_codes(["Broad-leaved forest", "Broadleaved forrest"])
    msg = str(exc.value)
    assert "Broadleaved forrest" in msg
    assert "Did you mean 'Broad-leaved forest'" in msg
    assert "Sea and ocean" in msg
    with pytest.raises(UnknownClassCodeError):
        bigearthnet_label_codes(["Glaciers and perpetual snow"])


def _ben_label_files() -> list[Path]:
    if not BEN_V1.is_dir():
        pytest.skip(f"BigEarthNet v1 sample data not found at {BEN_V1} (set EOTEXT_DATA)")
    files = sorted(BEN_V1.glob("**/*_labels_metadata.json"))
    if not files:
        pytest.skip(f"no *_labels_metadata.json files under {BEN_V1}")
    return files


def test_real_bigearthnet_labels_are_known() -> None:
    files = _ben_label_files()
    known = set(BIGEARTHNET_43_LABELS.values())
    seen: set[str] = set()
    for path in files:
        labels = json.loads(path.read_text(encoding="utf-8"))["labels"]
        assert labels, f"{path} has no labels"
        for label in labels:
            assert label in known, f"{path}: unknown BigEarthNet-43 label {label!r}"
            seen.add(label)
        codes = bigearthnet_label_codes(labels)
        assert len(codes) == len(set(labels))
        assert set(ben43_to_ben19(codes)) <= set(BIGEARTHNET_19.codes)
    assert seen


# --- SCL, Dynamic World, eo-learn -----------------------------------------------------------------


def test_scl_constants() -> None:
    assert SCL.codes == tuple(range(1, 12))
    assert SCL.nodata == SCL_NODATA == frozenset({0})
    for group in (SCL_CLOUD, SCL_CLOUD_SHADOW, SCL_SNOW, SCL_DEFECTIVE):
        assert group <= set(SCL.codes)
    assert sorted(SCL_CLOUD) == [8, 9, 10]
    assert sorted(SCL_CLOUD_SHADOW) == [3]
    assert sorted(SCL_SNOW) == [11]
    assert sorted(SCL_DEFECTIVE) == [1]
    assert SCL.by_code(4).color == (0, 160, 0)
    assert SCL.by_code(6).color == (0, 0, 255)


def test_dynamic_world() -> None:
    dw = get_scheme("dynamic-world")
    assert dw.codes == tuple(range(9))
    assert dw.nodata == frozenset()
    assert [c.name for c in dw] == [
        "water",
        "trees",
        "grass",
        "flooded_vegetation",
        "crops",
        "shrub_and_scrub",
        "built",
        "bare",
        "snow_and_ice",
    ]
    assert dw.by_code(0).color == (0x41, 0x9B, 0xDF)
    assert dw.by_name("flooded vegetation").code == 3


def test_eolearn_lulc() -> None:
    lulc = get_scheme("eolearn-lulc")
    assert lulc.codes == tuple(range(1, 11))
    assert lulc.nodata == frozenset({0})
    assert lulc.by_name("cultivated land").code == 1
    assert lulc.by_name("artificial surface").code == 8


def test_a_scheme_hashes_as_its_fields_and_pickles_without_its_cached_hash() -> None:
    scheme = get_scheme("worldcover")
    fields = tuple(getattr(scheme, f.name) for f in dataclasses.fields(scheme) if f.compare)
    assert hash(scheme) == hash(fields) == hash(scheme)  # computed once, then kept
    copy = pickle.loads(pickle.dumps(scheme))
    assert "_hash" not in copy.__dict__  # another process hashes strings differently
    assert copy == scheme and hash(copy) == hash(scheme)
    assert {scheme: 1}[copy] == 1
