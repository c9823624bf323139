import math

import cv2
import numpy as np
import pytest

from daik.data.windows import num_windows, scaled_size, sliding_windows


def mmrotate_windows(width, height, size, gap, img_rate_thr=0.6):
    """mmrotate's get_sliding_window, written out independently as the reference."""
    step = size - gap
    x_num = 1 if width <= size else math.ceil((width - size) / step + 1)
    xs = [step * i for i in range(x_num)]
    if len(xs) > 1 and xs[-1] + size > width:
        xs[-1] = width - size
    y_num = 1 if height <= size else math.ceil((height - size) / step + 1)
    ys = [step * i for i in range(y_num)]
    if len(ys) > 1 and ys[-1] + size > height:
        ys[-1] = height - size
    wins = np.array([[x, y, x + size, y + size] for x in xs for y in ys], np.int64)
    on = (np.minimum(wins[:, 2], width) - wins[:, 0]) * (np.minimum(wins[:, 3], height) - wins[:, 1])
    rates = on / (size * size)
    if not (rates > img_rate_thr).any():
        rates[np.abs(rates - rates.max()) < 0.01] = 1
    return wins[rates > img_rate_thr]


def scene_sizes(n=300, seed=0):
    rng = np.random.default_rng(seed)
    edge = [1, 2, 511, 512, 513, 1023, 1024, 1025, 1848, 1849, 2000, 4000]
    out = [(w, h) for w in edge for h in edge[::3]]
    out += [tuple(int(v) for v in rng.integers(1, 6000, 2)) for _ in range(n)]
    return out


@pytest.mark.parametrize("size,gap", [(1024, 200), (1024, 500), (512, 128), (800, 0), (300, 90)])
def test_windows_cover_every_pixel_and_overlap_by_gap(size, gap):
    for w, h in scene_sizes(150, seed=size + gap):
        wins = sliding_windows(w, h, size, gap)
        assert wins.dtype == np.int64 and wins.shape[1] == 4
        assert ((wins[:, 2] - wins[:, 0]) == size).all() and ((wins[:, 3] - wins[:, 1]) == size).all()
        for lo, hi, length in ((0, 2, w), (1, 3, h)):
            starts = np.unique(wins[:, lo])
            ends = starts + size
            assert starts[0] == 0
            assert ends[-1] >= length  # the last window reaches the border
            if length >= size:
                assert ends[-1] == length and (starts >= 0).all()  # shifted back onto the scene
            overlaps = ends[:-1] - starts[1:]
            assert (overlaps >= gap).all(), (w, h, starts)
        # every pixel centre lies in some window (checked on a grid, exact along both axes)
        xs = np.unique(np.concatenate([np.arange(0, w, 97), [w - 1]])) + 0.5
        ys = np.unique(np.concatenate([np.arange(0, h, 89), [h - 1]])) + 0.5
        inx = (xs[:, None] > wins[None, :, 0]) & (xs[:, None] < wins[None, :, 2])  # (X, K)
        iny = (ys[:, None] > wins[None, :, 1]) & (ys[:, None] < wins[None, :, 3])  # (Y, K)
        assert (inx.astype(int) @ iny.T.astype(int) > 0).all()


def test_windows_equal_mmrotate_rule():
    for size, gap in [(1024, 200), (1024, 500), (640, 100)]:
        for w, h in scene_sizes(200, seed=7):
            got = sliding_windows(w, h, size, gap)
            assert np.array_equal(got, mmrotate_windows(w, h, size, gap)), (w, h, size, gap)
            assert num_windows(w, h, size, gap) == len(got)


def test_windows_x_major_and_hand_case():
    wins = sliding_windows(2000, 1100, 1024, 200)
    # x starts 0, 824, 976 (last shifted to 2000 - 1024); y starts 0, 76
    assert wins.tolist() == [[0, 0, 1024, 1024], [0, 76, 1024, 1100], [824, 0, 1848, 1024],
                             [824, 76, 1848, 1100], [976, 0, 2000, 1024], [976, 76, 2000, 1100]]
    assert sliding_windows(300, 200, 1024, 200).tolist() == [[0, 0, 1024, 1024]]
    assert sliding_windows(300, 200, 1024, 200, clip=True).tolist() == [[0, 0, 300, 200]]


def test_rate_rescales_the_scene_like_cv2():
    rng = np.random.default_rng(1)
    for _ in range(40):
        w, h = (int(v) for v in rng.integers(3, 900, 2))
        for rate in (0.5, 1.5, 0.37, 2.0):
            out = cv2.resize(np.zeros((h, w), np.uint8), None, fx=rate, fy=rate)
            assert scaled_size(w, h, rate) == (out.shape[1], out.shape[0])
    sw, sh = scaled_size(3000, 2000, 0.5)
    assert np.array_equal(sliding_windows(3000, 2000, 1024, 500, rate=0.5), sliding_windows(sw, sh, 1024, 500))


def test_bad_arguments():
    with pytest.raises(ValueError):
        sliding_windows(100, 100, 512, 512)
    with pytest.raises(ValueError):
        sliding_windows(0, 100, 512, 100)
    with pytest.raises(ValueError):
        sliding_windows(100, 100, 512, 100, rate=0)
