"""Naming the classes of one nomenclature in another: scene-level labels into a scene's scheme.

BigEarthNet patches carry their labels as BigEarthNet-43 names; a recipe may ask for them in the
43-class scheme, in CORINE (same codes) or in the BigEarthNet-19 nomenclature (the official
43 → 19 ``label_conversion``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eotext.errors import RecipeError
from eotext.schemes.base import Scheme
from eotext.schemes.corine import ben43_to_ben19, bigearthnet_label_codes


def _same(codes: tuple[int, ...]) -> tuple[int, ...]:
    return codes


#: How names of a nomenclature become codes: nomenclature → (names → its codes).
_CODES_OF_NAMES: dict[str, Callable[[Iterable[str]], tuple[int, ...]]] = {
    "bigearthnet-43": bigearthnet_label_codes,
}

#: (nomenclature, scheme) → code conversion, for the schemes a nomenclature can be put in.
_CONVERSIONS: dict[tuple[str, str], Callable[[tuple[int, ...]], tuple[int, ...]]] = {
    ("bigearthnet-43", "bigearthnet-43"): _same,
    ("bigearthnet-43", "corine"): _same,
    ("bigearthnet-43", "bigearthnet-19"): ben43_to_ben19,
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
