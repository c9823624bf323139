import cv2
import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from daik.data.image_io import image_size, read_image_rgb, to_uint8
from daik.data.transforms import LoadImageFromFile


def write_tif(path, bands):
    """``(C, H, W)`` array as a GeoTIFF without georeferencing."""
    c, h, w = bands.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=c, dtype=bands.dtype,
                       crs="EPSG:32633", transform=Affine(0.5, 0, 500000, 0, -0.5, 4000000)) as dst:
        dst.write(bands)


def test_png_is_read_as_rgb(tmp_path):
    img = np.zeros((4, 6, 3), np.uint8)
    img[..., 0] = 200  # red in RGB
    img[:, :2, 2] = 90
    cv2.imwrite(str(tmp_path / "a.png"), img[..., ::-1])
    out = LoadImageFromFile()(dict(img_path=str(tmp_path / "a.png")))
    assert np.array_equal(out["img"], img) and out["ori_shape"] == (4, 6) and out["img_shape"] == (4, 6)
    assert image_size(str(tmp_path / "a.png")) == (6, 4)


def test_grey_and_alpha_pngs(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    cv2.imwrite(str(tmp_path / "g.png"), grey)
    out = read_image_rgb(str(tmp_path / "g.png"))
    assert out.shape == (3, 4, 3) and (out == grey[..., None]).all()
    rgba = np.dstack([np.full((3, 4), 10, np.uint8), np.full((3, 4), 20, np.uint8), np.full((3, 4), 30, np.uint8),
                      np.full((3, 4), 255, np.uint8)])
    cv2.imwrite(str(tmp_path / "a.png"), rgba[..., [2, 1, 0, 3]])  # cv2 writes BGRA
    assert (read_image_rgb(str(tmp_path / "a.png")) == [10, 20, 30]).all()


def test_sixteen_bit_is_stretched(tmp_path):
    ramp = (np.linspace(0, 4095, 64 * 64).reshape(64, 64)).astype(np.uint16)  # 12-bit data in 16 bits
    cv2.imwrite(str(tmp_path / "r.png"), np.dstack([ramp] * 3))
    out = read_image_rgb(str(tmp_path / "r.png"))
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255
    assert (np.diff(out[..., 0].ravel().astype(int)) >= 0).all()  # monotonic
    lo, hi = np.percentile(ramp, [2, 98])
    mid = ramp[32, 32]
    assert abs(int(out[32, 32, 0]) - (mid - lo) * 255 / (hi - lo)) <= 1
    scaled = read_image_rgb(str(tmp_path / "r.png"), stretch="scale")
    assert scaled.max() == round(4095 / 257)
    assert (to_uint8(np.array([[0.0, 0.5, 1.0, np.nan]], np.float32), stretch="scale") == [0, 128, 255, 0]).all()


def test_geotiff_bands(tmp_path):
    rng = np.random.default_rng(0)
    four = rng.integers(0, 255, (4, 5, 7), dtype=np.uint8)
    write_tif(str(tmp_path / "f.tif"), four)
    assert np.array_equal(read_image_rgb(str(tmp_path / "f.tif")), np.moveaxis(four[:3], 0, -1))
    assert image_size(str(tmp_path / "f.tif")) == (7, 5)
    write_tif(str(tmp_path / "two.tif"), four[:2])
    with pytest.raises(ValueError, match="2 bands; pass bands"):
        read_image_rgb(str(tmp_path / "two.tif"))
    out = LoadImageFromFile(bands=(1, 0, 0))(dict(img_path=str(tmp_path / "two.tif")))["img"]
    assert np.array_equal(out, np.moveaxis(four[[1, 0, 0]], 0, -1))
    with pytest.raises(ValueError, match="does not pick 3"):
        read_image_rgb(str(tmp_path / "two.tif"), bands=(0, 1, 5))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        LoadImageFromFile()(dict(img_path=str(tmp_path / "nope.png")))
    (tmp_path / "bad.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="cannot decode image .*bad.png"):
        read_image_rgb(str(tmp_path / "bad.png"))
