"""daik infer never overwrites its input, checks every output before the first
window, leaves no temporary file on failure, names the file and window of a read error, and
says when a raster has no CRS."""
import os

import cv2
import numpy as np
import pytest

from daik.data.synthetic import make_config, write_tile
from daik.inference import RasterReadError, RasterSource, write_geojson
from daik.inference.preflight import OutputPathError

from daik.cli import infer as infer_large

from .test_infer_tool import ARGS, CONFIG, IN_PROCESS, ROOT, checkpoint  # noqa: F401  (fixture)


@pytest.fixture()
def no_model(monkeypatch):
    """Loading the model means the checks came too late: fail loudly if it happens."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the outputs were checked")

    import daik.apis

    monkeypatch.setattr(daik.apis, "init_detector", refuse)


def _run(raster, ckpt, *extra):
    return infer_large.main([CONFIG, ckpt, raster, *extra, *ARGS, *IN_PROCESS])


def test_refuses_an_output_that_is_the_input(geo_tile, checkpoint, tmp_path, no_model):  # noqa: F811
    before = open(geo_tile.path, "rb").read()
    same_via_dots = os.path.join(os.path.dirname(geo_tile.path), ".", os.path.basename(geo_tile.path))
    for extra in (["--out", geo_tile.path], ["--out", str(tmp_path / "a.geojson"), "--quicklook", same_via_dots],
                  ["--out", str(tmp_path / "a.geojson"), "--quicklook", str(tmp_path / "a.geojson")],
                  ["--out", checkpoint]):
        with pytest.raises(OutputPathError, match="input|both name"):
            _run(geo_tile.path, checkpoint, *extra)
    assert open(geo_tile.path, "rb").read() == before


def test_outputs_checked_before_the_first_window(geo_tile, checkpoint, tmp_path, no_model):  # noqa: F811
    folder = tmp_path / "out_is_a_folder"
    folder.mkdir()
    with pytest.raises(OutputPathError, match="is a folder"):
        _run(geo_tile.path, checkpoint, "--out", str(folder))
    blocker = tmp_path / "plain_file"
    blocker.write_text("x")
    with pytest.raises(OutputPathError, match="cannot write"):
        _run(geo_tile.path, checkpoint, "--out", str(blocker / "sub" / "scene.geojson"))
    with pytest.raises(OutputPathError, match="is a file, not a folder"):
        _run(geo_tile.path, checkpoint, "--out", str(tmp_path / "a.geojson"), "--task1-dir", str(blocker))
    with pytest.raises(OutputPathError, match="suffixes"):
        _run(geo_tile.path, checkpoint, "--out", str(tmp_path / "a.geojson"), "--quicklook", str(tmp_path / "q.json"))
    assert sorted(os.listdir(tmp_path)) == ["out_is_a_folder", "plain_file"]  # nothing written, no temporaries


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused_up_front(geo_tile, checkpoint, tmp_path, no_model):  # noqa: F811
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    with pytest.raises(OutputPathError, match="cannot write"):
        _run(geo_tile.path, checkpoint, "--out", str(ro / "scene.geojson"))


def test_failed_write_leaves_no_temporary_file(tmp_path):
    import affine

    from daik.evaluation.merge import Detections
    from daik.inference.predictor import SceneResult

    empty = Detections(np.zeros((0, 5)), np.zeros(0), np.zeros(0, np.int64))
    result = SceneResult(empty, "s", 10, 10, None, affine.Affine.identity())
    target = tmp_path / "scene.geojson"
    target.mkdir()  # the rename onto a folder fails
    with pytest.raises(OSError):
        write_geojson(str(target), result, ["a"])
    assert os.listdir(tmp_path) == ["scene.geojson"]


def test_truncated_geotiff_names_file_and_window(tmp_path):
    path = write_tile(str(tmp_path), make_config("quick", size=512, height=512), seed=2)
    data = open(path, "rb").read()
    cut = str(tmp_path / "cut.tif")
    with open(cut, "wb") as f:
        f.write(data[: len(data) // 2])
    with RasterSource(cut) as src, pytest.raises(RasterReadError) as info:
        for y in range(0, 512, 256):
            for x in range(0, 512, 256):
                src.read_patch(x, y, 256)
    msg = str(info.value)
    assert "cut.tif" in msg and "columns" in msg and "rows" in msg and "truncated" in msg


def test_plain_image_without_crs_is_reported(checkpoint, tmp_path, capsys):  # noqa: F811
    png = str(tmp_path / "plain.png")
    cv2.imwrite(png, np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8))
    _run(png, checkpoint, "--out", str(tmp_path / "plain.geojson"))
    err = capsys.readouterr().err
    assert "plain.png has no CRS" in err and "pixel coordinates" in err
