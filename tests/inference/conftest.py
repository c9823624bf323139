"""Fixtures of the tiled-inference tests: a synthetic GeoTIFF scene from the generator."""
from types import SimpleNamespace

import numpy as np
import pytest
import rasterio

from daik.classes import SYNTHETIC, class_index
from daik.data.synthetic import make_config, write_tile
from daik.evaluation import read_dota_label
from daik.structures import poly2rbox

PATCH, GAP = 256, 96  # every synthetic object here spans < 80 px, so one window holds it whole


@pytest.fixture(scope="session")
def geo_tile(tmp_path_factory):
    """A 768 x 640 generator ``--tile`` GeoTIFF (CRS + geotransform) and its ground truth."""
    out = tmp_path_factory.mktemp("tile")
    cfg = make_config("quick", size=768, height=640, obj_size_range=(14.0, 56.0))
    path = write_tile(str(out), cfg, seed=1)
    ann = read_dota_label(path.replace("images", "labelTxt").replace(".tif", ".txt"))
    idx = class_index(SYNTHETIC)
    with rasterio.open(path) as src:
        transform, crs, shape = src.transform, src.crs, (src.height, src.width)
    return SimpleNamespace(path=path, rboxes=poly2rbox(ann.polys), labels=np.array([idx[n] for n in ann.names]),
                           polys=ann.polys, transform=transform, crs=crs, shape=shape)
