"""The value written for unlabelled pixels is never a class of the scheme."""

from __future__ import annotations

import numpy as np
import pytest

from eotext.errors import SchemeError
from eotext.schemes import WORLDCOVER, Scheme
from eotext.schemes.base import LandCoverClass


def _scheme(codes: list[int]) -> Scheme:
    return Scheme(
        "test",
        "test",
        tuple(LandCoverClass(c, f"class {c}", f"class {c}", (0, 0, 0)) for c in codes),
    )


def test_fill_is_not_a_class_when_255_is_one() -> None:
    scheme = _scheme([1, 2, 254, 255])
    fill = scheme.fill_code(np.dtype(np.uint8))
    assert fill == 253 and not scheme.has_code(fill)


def test_fill_is_the_top_of_the_type_when_free() -> None:
    assert _scheme([1, 2]).fill_code(np.uint8) == 255
    assert _scheme([1, 65535]).fill_code(np.uint16) == 65534
    assert WORLDCOVER.fill_code(np.uint8) == min(WORLDCOVER.nodata)


def test_no_free_value_is_a_clear_error() -> None:
    with pytest.raises(SchemeError, match="every value of a uint8"):
        _scheme(list(range(256))).fill_code(np.uint8)
