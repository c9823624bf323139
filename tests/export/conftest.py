"""Fixtures of the export tests: a nano detector with non-degenerate predictions, exported once."""
import os
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from daik.data.synthetic import make_config, write_dataset
from daik.apis import load_detector

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")
SIZE = 256


def spread_predictions(model, seed: int = 0):
    """Re-draw the prediction convs so that scores and CSL angle bins are well apart (the
    default initialisation leaves every angle logit at the same value, where an arg-max tie
    decides); trained weights look like this."""
    g = torch.Generator().manual_seed(seed)
    for branch, convs in model.head.preds.items():
        for conv in convs:
            torch.nn.init.normal_(conv.weight, std=3.0, generator=g)
            torch.nn.init.constant_(conv.bias, -1.0 if branch == "cls" else 0.0)
    return model


@pytest.fixture(scope="session")
def images_dir(tmp_path_factory):
    """Eight 256 px synthetic scenes (generator preset ``quick``)."""
    out = str(tmp_path_factory.mktemp("synth"))
    write_dataset(out, 8, make_config("quick"), seed=3, nproc=1, progress=False)
    return out


@pytest.fixture(scope="session")
def image(images_dir):
    from daik.data import read_image_rgb

    return read_image_rgb(os.path.join(images_dir, "images", "S00000.png"))


@pytest.fixture(scope="session")
def detector():
    torch.manual_seed(0)
    model, _, names = load_detector(CONFIG)
    return SimpleNamespace(model=spread_predictions(model), names=names)


@pytest.fixture(scope="session")
def exported(detector, tmp_path_factory):
    """The detector exported with a dynamic batch and size (NMS outside)."""
    from daik.export import export_onnx

    path = str(tmp_path_factory.mktemp("onnx") / "n.onnx")
    info = export_onnx(detector.model, path, img_size=SIZE, dynamic_batch=True, dynamic_size=True,
                       class_names=detector.names)
    return info


@pytest.fixture(scope="session")
def exported_e2e(detector, tmp_path_factory):
    """The same detector made NMS-free (``test_cfg`` ``nms=None``, best class per point),
    exported end to end with K = 100 and a dynamic size."""
    import copy

    from daik.export import export_onnx

    model = copy.deepcopy(detector.model)
    model.head.test_cfg.update(nms=None, multi_label=False, score_thr=0.3, max_per_img=100)
    path = str(tmp_path_factory.mktemp("onnx_e2e") / "n_e2e.onnx")
    return SimpleNamespace(info=export_onnx(model, path, img_size=SIZE, dynamic_size=True, topk=100,
                                            class_names=detector.names), model=model)


def corner_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per box, the largest corner distance between two ``(..., 5)`` rbox arrays, minimised
    over the four ways of pairing the corners (the same rectangle written with theta wrapped
    at +-pi/2 or with w and h swapped has its corners in another cyclic order)."""
    from daik.structures import rbox2poly

    pa = rbox2poly(np.asarray(a, np.float64).reshape(-1, 5)).reshape(-1, 4, 2)
    pb = rbox2poly(np.asarray(b, np.float64).reshape(-1, 5)).reshape(-1, 4, 2)
    return np.min([np.abs(pa - np.roll(pb, k, axis=1)).max(axis=(1, 2)) for k in range(4)], axis=0)


def assert_rboxes_close(a: np.ndarray, b: np.ndarray, atol: float = 1e-4, rtol: float = 1e-6) -> None:
    """Rboxes equal within ``atol + rtol * |b|`` per coordinate (float32 pixel coordinates of
    a 256 px input are resolved to ~3e-5), theta compared modulo pi. A box whose w and h are
    within 1e-3 of each other may come out with them swapped (and theta turned by pi/2); those
    few are compared by their corners instead."""
    a, b = np.asarray(a, np.float64).reshape(-1, 5), np.asarray(b, np.float64).reshape(-1, 5)
    square = np.abs(b[:, 2] - b[:, 3]) < 1e-3
    d = np.abs(a - b)
    d[:, 4] = np.abs((a[:, 4] - b[:, 4] + np.pi / 2) % np.pi - np.pi / 2)
    bad = (d > atol + rtol * np.abs(b)).any(1) & ~square
    assert not bad.any(), f"{bad.sum()} boxes differ, e.g. {a[bad][:2]} vs {b[bad][:2]}"
    if square.any():
        assert corner_diff(a[square], b[square]).max() < 10 * atol
