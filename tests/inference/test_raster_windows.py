"""Windows and windowed reads at the raster level: every pixel covered, the gap respected, the
patches exactly the raster's pixels, the scene never read whole."""
import numpy as np
import pytest
import rasterio
from rasterio.io import DatasetReader

from daik.data.image_io import to_uint8
from daik.inference import PatchReader, RasterSource, plan_patches

from .helpers import write_geotiff


@pytest.fixture(scope="module")
def noise_raster(tmp_path_factory):
    """A 3-band uint8 raster of random pixels (every patch is distinguishable)."""
    rng = np.random.default_rng(0)
    bands = rng.integers(0, 256, size=(3, 530, 700), dtype=np.uint8)
    return write_geotiff(str(tmp_path_factory.mktemp("noise") / "noise.tif"), bands), bands


@pytest.mark.parametrize("width,height,size,gap", [(700, 530, 256, 64), (1000, 257, 256, 200), (100, 90, 256, 64)])
def test_windows_cover_every_pixel_and_keep_the_gap(width, height, size, gap):
    jobs = plan_patches(width, height, size, gap)
    cover = np.zeros((height, width), np.int32)
    for j in jobs:
        cover[j.y:j.y + size, j.x:j.x + size] += 1
    assert cover.min() >= 1
    xs, ys = sorted({j.x for j in jobs}), sorted({j.y for j in jobs})
    for starts, length in ((xs, width), (ys, height)):
        if length > size:  # neighbours overlap by at least the gap, the last ends at the border
            assert all(b - a <= size - gap for a, b in zip(starts, starts[1:]))
            assert starts[-1] + size == length
        else:
            assert starts == [0]


def test_patches_are_the_raster_pixels_and_cover_it(noise_raster):
    path, bands = noise_raster
    rgb = np.moveaxis(bands, 0, -1)
    seen = np.zeros(rgb.shape[:2], bool)
    with RasterSource(path) as src:
        for job in plan_patches(src.width, src.height, 256, 64):
            img, valid = src.read_patch(job.x, job.y, job.size)
            h, w = valid.sum(0).max(), valid.sum(1).max()
            assert img.shape == (256, 256, 3)
            np.testing.assert_array_equal(img[:h, :w], rgb[job.y:job.y + h, job.x:job.x + w])
            assert not img[h:].any() and not img[:, w:].any()  # padding past the border is 0
            seen[job.y:job.y + h, job.x:job.x + w] = True
    assert seen.all()


def test_rescaled_windows_read_the_resized_scene(noise_raster):
    path, bands = noise_raster
    import cv2

    rgb = np.ascontiguousarray(np.moveaxis(bands, 0, -1))
    with RasterSource(path) as src:
        jobs = plan_patches(src.width, src.height, 256, 64, rates=(0.5,))
        assert {j.rate for j in jobs} == {0.5} and len(jobs) == 4  # 350 x 265 after scaling
        img, valid = src.read_patch(0, 0, 256, 0.5)
    ref = cv2.resize(rgb[:512, :512], (256, 256), interpolation=cv2.INTER_AREA)
    assert valid.all()
    np.testing.assert_array_equal(img, ref)


def test_reader_never_loads_the_whole_scene(noise_raster, monkeypatch):
    path, _ = noise_raster
    calls = []
    orig_read, orig_mask = DatasetReader.read, DatasetReader.dataset_mask

    def spy_read(self, *args, **kwargs):
        calls.append(("read", kwargs.get("window"), kwargs.get("out_shape")))
        return orig_read(self, *args, **kwargs)

    def spy_mask(self, *args, **kwargs):
        calls.append(("mask", kwargs.get("window"), kwargs.get("out_shape")))
        return orig_mask(self, *args, **kwargs)

    monkeypatch.setattr(DatasetReader, "read", spy_read)
    monkeypatch.setattr(DatasetReader, "dataset_mask", spy_mask)
    jobs = plan_patches(700, 530, 256, 64)
    reader = PatchReader(lambda: RasterSource(path, overview_side=128), jobs, batch_size=3)
    n = sum(len(b.jobs) for b in reader)
    assert n == len(jobs)
    reads = [c for c in calls if c[0] == "read"]
    assert len(reads) == len(jobs)  # one windowed read per patch, nothing else for uint8
    for _, window, out_shape in calls:
        assert window is not None and window.width <= 256 and window.height <= 256


def test_sixteen_bit_stretch_comes_from_an_overview(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    data = (1000 + rng.gamma(2.0, 400.0, size=(1, 600, 900))).astype(np.uint16)
    path = write_geotiff(str(tmp_path / "u16.tif"), data)
    shapes = []
    orig = DatasetReader.read

    def spy(self, *args, **kwargs):
        shapes.append(kwargs.get("out_shape"))
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(DatasetReader, "read", spy)
    with RasterSource(path, overview_side=300) as src:
        assert shapes[0] is not None and max(shapes[0][1:]) <= 300  # the statistics read is decimated
        lo, hi = np.percentile(data.astype(np.float64), [2, 98])
        assert abs(src.lo - lo) < 0.02 * (hi - lo) and abs(src.hi - hi) < 0.02 * (hi - lo)
        img, valid = src.read_patch(100, 50, 256)
    grey = to_uint8(data[0, 50:306, 100:356], lo=src.lo, hi=src.hi)
    np.testing.assert_array_equal(img, np.repeat(grey[..., None], 3, axis=2))
    assert valid.all()


def test_band_rules(tmp_path):
    five = np.random.default_rng(2).integers(0, 255, size=(5, 40, 50), dtype=np.uint8)
    path = write_geotiff(str(tmp_path / "five.tif"), five)
    with pytest.raises(ValueError, match="5 bands"):
        RasterSource(path)
    with pytest.raises(ValueError, match="does not pick"):
        RasterSource(path, bands=(0, 1, 7))
    with RasterSource(path, bands=(4, 2, 0)) as src:
        img, _ = src.read_patch(0, 0, 64)
    np.testing.assert_array_equal(img[:40, :50], np.moveaxis(five[[4, 2, 0]], 0, -1))
    with pytest.raises(FileNotFoundError):
        RasterSource(str(tmp_path / "missing.tif"))


def test_bigtiff_and_png_open(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 255, size=(3, 70, 90), dtype=np.uint8)
    big = write_geotiff(str(tmp_path / "big.tif"), rgb, bigtiff=True)
    with rasterio.open(big) as ds:
        assert ds.width == 90
    import cv2

    png = str(tmp_path / "plain.png")
    cv2.imwrite(png, np.moveaxis(rgb, 0, -1)[..., ::-1])
    for p in (big, png):
        with RasterSource(p) as src:
            img, valid = src.read_patch(0, 0, 128)
            np.testing.assert_array_equal(img[:70, :90], np.moveaxis(rgb, 0, -1))
            assert valid[:70, :90].all() and not valid[70:].any()
