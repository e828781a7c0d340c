"""Label previews: the directly encoded palette PNG is the image Pillow would write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eotext.schemes import get_scheme
from eotext.store.rasters import palette_png, write_label_png


@pytest.mark.parametrize("scheme", ["worldcover", "dynamic_world"])
def test_label_png_has_the_scheme_colours_and_black_invalid_pixels(
    scheme: str, tmp_path: Path
) -> None:
    colormap = get_scheme(scheme).colormap()
    codes = np.array(sorted(colormap), dtype=np.uint8)
    rng = np.random.default_rng(0)
    labels = rng.choice(codes, size=(37, 50))
    valid = rng.random(labels.shape) > 0.2
    write_label_png(tmp_path / "p.png", labels, valid, colormap)
    with Image.open(tmp_path / "p.png") as image:
        assert image.mode == "P" and image.size == (50, 37)
        rgb = np.asarray(image.convert("RGB"))
    expected = np.array([colormap[int(c)][:3] for c in labels.ravel()], dtype=np.uint8)
    expected = expected.reshape(37, 50, 3)
    expected[~valid] = 0
    assert (rgb == expected).all()


def test_palette_png_decodes_like_pillows_own(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    index = rng.integers(0, 7, size=(256, 256), dtype=np.uint8)
    palette = rng.integers(0, 256, size=(256, 3), dtype=np.uint8)
    ours = tmp_path / "ours.png"
    ours.write_bytes(palette_png(index, palette))
    theirs = Image.fromarray(index, mode="P")
    theirs.putpalette(palette.ravel().tolist())
    theirs.save(tmp_path / "theirs.png", compress_level=1)
    with Image.open(ours) as a, Image.open(tmp_path / "theirs.png") as b:
        assert (np.asarray(a) == np.asarray(b)).all()
        assert a.getpalette() == b.getpalette()


@pytest.mark.parametrize("scheme", ["worldcover", "dynamic_world"])
def test_label_png_of_a_written_label_patch_needs_no_mask(scheme: str, tmp_path: Path) -> None:
    # As the build writes it: unusable pixels already hold the scheme's fill code.
    s = get_scheme(scheme)
    colormap = s.colormap()
    codes = np.array(sorted(colormap), dtype=np.uint8)
    rng = np.random.default_rng(2)
    valid = rng.random((64, 70)) > 0.3
    labels = rng.choice(codes, size=valid.shape)
    fill = s.fill_code(np.uint8)
    labels[~valid] = fill
    write_label_png(tmp_path / "masked.png", labels, valid, colormap)
    write_label_png(tmp_path / "filled.png", labels, valid, colormap, fill)
    with Image.open(tmp_path / "masked.png") as a, Image.open(tmp_path / "filled.png") as b:
        assert (np.asarray(a.convert("RGB")) == np.asarray(b.convert("RGB"))).all()
        assert (np.asarray(b.convert("RGB"))[~valid] == 0).all()
