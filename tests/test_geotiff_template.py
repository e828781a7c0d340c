"""Patch GeoTIFFs written from a template read back exactly like GDAL's own, on real patches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.windows import Window

from eotext.schemes import get_scheme
from eotext.store import rasters

from .conftest import COG_FOLDER, WORLDCOVER_TILE, need


def _facts(path: Path) -> dict[str, Any]:
    """Everything a reader of a patch GeoTIFF can ask for."""
    from rio_cogeo.cogeo import cog_validate

    valid, errors, _ = cog_validate(str(path), strict=True)
    with rasterio.open(path) as src:
        profile = dict(src.profile)
        nodata = profile.pop("nodata")
        return {
            "profile": profile,
            "nodata": "nan" if nodata is not None and np.isnan(nodata) else nodata,
            "tags": src.tags(),
            "descriptions": src.descriptions,
            "scales": src.scales,
            "offsets": src.offsets,
            "colormap": src.colormap(1) if src.count == 1 and src.dtypes[0] == "uint8" else None,
            "data": src.read().tobytes(),
            "masks": src.read_masks().tobytes(),
            "cog": (valid, errors),
        }


def _write_both(
    tmp_path: Path,
    patches: list[tuple[np.ndarray[Any, Any], Affine]],
    monkeypatch: pytest.MonkeyPatch,
    **kwargs: Any,
) -> None:
    """Write ``patches`` of one layout the fast way (from the template of the first), then
    each by GDAL alone; every file must read back the same, and be a valid COG."""
    rasters._TEMPLATES.clear()
    for i, (array, transform) in enumerate(patches):
        rasters.write_geotiff(tmp_path / f"fast{i}.tif", array, transform=transform, **kwargs)
    assert any(t is not None for t in rasters._TEMPLATES.values()), "no template was made"
    with monkeypatch.context() as m:
        m.setattr(rasters, "_layout_key", lambda *args: None)  # no template: GDAL writes all
        for i, (array, transform) in enumerate(patches):
            rasters.write_geotiff(tmp_path / f"gdal{i}.tif", array, transform=transform, **kwargs)
    for i, (_, transform) in enumerate(patches):
        fast, gdal = _facts(tmp_path / f"fast{i}.tif"), _facts(tmp_path / f"gdal{i}.tif")
        assert fast == gdal, i
        assert fast["cog"] == (True, [])
        assert fast["profile"]["transform"] == transform

    assert not list(tmp_path.glob("*.aux.xml")) and not list(tmp_path.glob(".*"))


def test_worldcover_label_patches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scheme = get_scheme("worldcover")
    with rasterio.open(need(WORLDCOVER_TILE)) as src:
        # The coast of Sao Tome: sea, mangroves, trees, built-up; and an all-nodata corner.
        origin = (16384, 15360)
        block = src.read(1, window=Window(*origin, 1024, 1024))
        patches = []
        for r in range(0, 1024, 256):
            for c in range(0, 1024, 256):
                window = Window(origin[0] + c, origin[1] + r, 256, 256)
                patches.append((block[r : r + 256, c : c + 256], src.window_transform(window)))
        crs = src.crs
    assert len({np.unique(p).tobytes() for p, _ in patches}) > 4  # patches that differ
    _write_both(
        tmp_path,
        patches,
        monkeypatch,
        crs=crs,
        nodata=255,
        colormap=scheme.colormap(),
        tags={"EOTEXT_SCHEME": "worldcover"},
    )


def test_sentinel2_image_patches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bands = ("B02", "B03", "B04", "B08")
    stack = []
    for band in bands:
        with rasterio.open(need(COG_FOLDER / f"{band}.tif")) as src:
            stack.append(src.read(1, window=Window(300, 300, 512, 512)))
            crs = src.crs
            transforms = [
                src.window_transform(Window(300 + c, 300 + r, 256, 256))
                for r in (0, 256)
                for c in (0, 256)
            ]
    image = np.stack(stack)
    patches = [
        (image[:, r : r + 256, c : c + 256], t)
        for (r, c), t in zip(((0, 0), (0, 256), (256, 0), (256, 256)), transforms, strict=True)
    ]
    _write_both(
        tmp_path,
        patches,
        monkeypatch,
        crs=crs,
        nodata=0,
        band_names=list(bands),
        scales=[1e-4] * 4,
        offsets=[-0.1] * 4,
    )
    # Reflectance as float32 with NaN for no data, in patches smaller than a tile.
    floats = [((a[:, :100, :120] * 1e-4).astype("float32"), t) for a, t in patches]
    floats[0][0][:, :10] = np.nan
    (tmp_path / "f").mkdir()
    _write_both(tmp_path / "f", floats, monkeypatch, crs=crs, nodata=float("nan"))


@pytest.fixture(autouse=True)
def _own_templates() -> Any:
    saved = dict(rasters._TEMPLATES)
    yield
    rasters._TEMPLATES.clear()
    rasters._TEMPLATES.update(saved)


def test_a_rotated_grid_is_always_written_by_gdal(tmp_path: Path) -> None:
    rasters._TEMPLATES.clear()
    labels = (np.arange(64 * 64).reshape(64, 64) % 7).astype("uint8")
    for i in range(3):
        transform = Affine(10, 2, 500000 + 640 * i, 2, -10, 5100000)
        rasters.write_geotiff(tmp_path / f"{i}.tif", labels, CRS.from_epsg(32633), transform)
        with rasterio.open(tmp_path / f"{i}.tif") as src:
            assert src.transform == transform and (src.read(1) == labels).all()
    assert rasters._TEMPLATES == {}


def test_a_gdal_file_of_another_shape_is_not_a_template(tmp_path: Path) -> None:
    labels = (np.arange(256 * 256).reshape(256, 256) % 7).astype("uint8")
    transform = Affine(10, 0, 500000, 0, -10, 5100000)
    rasters.write_geotiff(tmp_path / "a.tif", labels, CRS.from_epsg(32633), transform)
    raw = (tmp_path / "a.tif").read_bytes()
    template = rasters._OneTileTemplate.from_file
    # Big-endian, BigTIFF and truncated files are refused, not misread.
    for bad in (b"MM\x00*" + raw[4:], b"II+\x00" + raw[4:], raw[:-10], raw[:6]):
        (tmp_path / "b.tif").write_bytes(bad)
        assert template(tmp_path / "b.tif", labels[None], transform, 256) is None
    # The tile must be exactly these pixels, deflated.
    assert template(tmp_path / "a.tif", labels[None] + 1, transform, 256) is None
    assert template(tmp_path / "a.tif", labels[None], transform, 256) is not None


def test_a_files_bytes_do_not_depend_on_which_patch_came_first(tmp_path: Path) -> None:
    labels = [(np.arange(256 * 256).reshape(256, 256) * k % 7).astype("uint8") for k in (1, 3)]
    transforms = [Affine(10, 0, 500000 + 2560 * k, 0, -10, 5100000) for k in (0, 1)]
    for order in ((0, 1), (1, 0)):
        rasters._TEMPLATES.clear()
        for k in order:
            path = tmp_path / f"{order[0]}" / f"{k}.tif"
            path.parent.mkdir(exist_ok=True)
            rasters.write_geotiff(path, labels[k], CRS.from_epsg(32633), transforms[k], nodata=0)
    for k in (0, 1):
        assert (tmp_path / "0" / f"{k}.tif").read_bytes() == (
            tmp_path / "1" / f"{k}.tif"
        ).read_bytes()


def test_patches_of_one_value_are_deflated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Open water: every patch of one value has the same tile, deflated once, and reads back
    as GDAL's own file does (zero and negative zero kept apart)."""
    rasters._ONE_VALUE.clear()
    (tmp_path / "codes").mkdir()
    (tmp_path / "floats").mkdir()
    crs = CRS.from_epsg(32631)
    values = [80, 80, 10, 80, 0]
    patches = [
        (np.full((256, 256), v, dtype=np.uint8), Affine(10, 0, 500_000 + 2_560 * i, 0, -10, 4e6))
        for i, v in enumerate(values)
    ]
    colormap = get_scheme("worldcover").colormap()
    _write_both(tmp_path / "codes", patches, monkeypatch, crs=crs, nodata=255, colormap=colormap)
    tiles = {k[-1] for k in rasters._ONE_VALUE if k[0] == "tile"}
    assert tiles == {np.uint8(v).tobytes() for v in values}
    floats = [
        (
            np.full((1, 128, 128), v, dtype=np.float32),
            Affine(10, 0, 500_000 + 1280 * i, 0, -10, 4e6),
        )
        for i, v in enumerate([0.0, -0.0, 0.0, -0.0])
    ]
    _write_both(tmp_path / "floats", floats, monkeypatch, crs=crs)
    zeros = {k[-1] for k in rasters._ONE_VALUE if k[0] == "tile" and k[1] == "<f4"}
    assert zeros == {np.float32(0.0).tobytes(), np.float32(-0.0).tobytes()}


def test_label_previews_of_one_value_are_encoded_once(tmp_path: Path) -> None:
    from PIL import Image

    scheme = get_scheme("worldcover")
    colormap = scheme.colormap()
    rasters._ONE_VALUE.clear()
    for i, code in enumerate([80, 80, 10]):
        labels = np.full((256, 256), code, dtype=np.uint8)
        rasters.write_label_png(tmp_path / f"{i}.png", labels, np.ones_like(labels, bool), colormap)
        with Image.open(tmp_path / f"{i}.png") as img:
            assert img.mode == "P" and img.getpixel((5, 7)) == code
            assert tuple(img.convert("RGB").getpixel((0, 0))) == colormap[code][:3]
    assert (tmp_path / "0.png").read_bytes() == (tmp_path / "1.png").read_bytes()
    assert sum(k[0] == "png" for k in rasters._ONE_VALUE) == 2
