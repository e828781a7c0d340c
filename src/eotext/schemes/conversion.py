"""Naming the classes of one nomenclature in another: scene-level labels and label-map codes.

BigEarthNet v1 patches carry their labels as BigEarthNet-43 names, BigEarthNet v2 patches as
19-class names; a recipe may ask for 43-class labels in the 43-class scheme, in CORINE (same
codes) or in the BigEarthNet-19 nomenclature (the official 43 → 19 ``label_conversion``).
BigEarthNet v2's reference maps hold CORINE codes, read in CORINE, BigEarthNet-43 or -19 by the
same conversion (:data:`~eotext.schemes.corine.CLC_TO_BEN19`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eotext.errors import RecipeError
from eotext.schemes.base import Scheme
from eotext.schemes.corine import (
    CLC_TO_BEN19,
    CLC_TO_BEN43,
    CORINE,
    ben19_label_codes,
    ben43_to_ben19,
    bigearthnet_label_codes,
)


def _same(codes: tuple[int, ...]) -> tuple[int, ...]:
    return codes


#: How names of a nomenclature become codes: nomenclature → (names → its codes).
_CODES_OF_NAMES: dict[str, Callable[[Iterable[str]], tuple[int, ...]]] = {
    "bigearthnet-43": bigearthnet_label_codes,
    "bigearthnet-19": ben19_label_codes,
}

#: (nomenclature, scheme) → code conversion, for the schemes a nomenclature can be put in.
_CONVERSIONS: dict[tuple[str, str], Callable[[tuple[int, ...]], tuple[int, ...]]] = {
    ("bigearthnet-43", "bigearthnet-43"): _same,
    ("bigearthnet-43", "corine"): _same,
    ("bigearthnet-43", "bigearthnet-19"): ben43_to_ben19,
    ("bigearthnet-19", "bigearthnet-19"): _same,
}

_CLC_SAME = {c.code: c.code for c in CORINE}

#: (nomenclature of a label map's codes, scheme) → file code → scheme code. Codes not listed
#: (outside the legend) become 0, unlabelled, as do classes the scheme drops.
_MAP_CONVERSIONS: dict[tuple[str, str], dict[int, int]] = {
    ("corine", "corine"): _CLC_SAME,
    ("corine", "bigearthnet-43"): {**_CLC_SAME, **CLC_TO_BEN43},
    ("corine", "bigearthnet-19"): CLC_TO_BEN19,
}


def label_codes(names: Iterable[str], nomenclature: str, scheme: Scheme) -> tuple[int, ...]:
    """The sorted, unique codes in ``scheme`` of class names given in ``nomenclature``.

    Classes with no equivalent in ``scheme`` (BigEarthNet-19 drops a few) are left out.

    Raises:
        UnknownClassCodeError: a name is not a class of ``nomenclature``.
        RecipeError: the labels cannot be put in ``scheme``.
    """
    convert = _CONVERSIONS.get((nomenclature, scheme.name))
    if convert is None or nomenclature not in _CODES_OF_NAMES:
        choices = sorted(s for n, s in _CONVERSIONS if n == nomenclature)
        raise RecipeError(
            f"labels named in {nomenclature} cannot be put in scheme '{scheme.name}'; "
            f"set scheme to one of: {', '.join(choices) or nomenclature}"
        )
    return tuple(sorted(set(convert(_CODES_OF_NAMES[nomenclature](names)))))


def map_code_pairs(nomenclature: str, scheme: Scheme) -> tuple[tuple[int, int], ...]:
    """(file code, scheme code) pairs that read a label map coded in ``nomenclature`` in
    ``scheme``; every other file code is unlabelled (0).

    Raises:
        RecipeError: the map's codes cannot be put in ``scheme``.
    """
    table = _MAP_CONVERSIONS.get((nomenclature, scheme.name))
    if table is None:
        choices = sorted(s for n, s in _MAP_CONVERSIONS if n == nomenclature)
        raise RecipeError(
            f"a label map coded in {nomenclature} cannot be read in scheme '{scheme.name}'; "
            f"set scheme to one of: {', '.join(choices) or nomenclature}"
        )
    return tuple(sorted(table.items()))
