"""Ground textures and the sensor look (blur, haze, noise) of synthetic scenes.

Images are ``(H, W, 3)`` uint8 RGB; every random choice comes from the ``numpy.random.Generator``
passed in, so a scene is a pure function of its generator's seed.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

# Ground colours (RGB): grass, dry grass, soil, urban grey, sand.
GROUND = np.array([(88, 108, 66), (138, 132, 96), (122, 104, 80), (118, 116, 110), (184, 166, 132)], np.float32)


def value_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth noise in ``[0, 1]`` with features about ``cell`` pixels wide: ``(h, w)`` float32."""
    gh, gw = max(int(h / cell) + 2, 2), max(int(w / cell) + 2, 2)
    small = rng.random((gh, gw), dtype=np.float32)
    big = cv2.resize(small, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_LINEAR)
    return big[:h, :w]


def fractal_noise(rng: np.random.Generator, h: int, w: int,
                  octaves: Sequence[Tuple[float, float]] = ((96, 0.5), (24, 0.3), (6, 0.2))) -> np.ndarray:
    """Sum of :func:`value_noise` layers ``(cell, weight)``, built at half resolution and
    upsampled: ``(h, w)`` float32 in ``[0, 1]``."""
    hh, hw = (h + 1) // 2, (w + 1) // 2
    out = np.zeros((hh, hw), np.float32)
    for cell, weight in octaves:
        out += weight * value_noise(rng, hh, hw, cell / 2)
    out *= 1.0 / sum(wt for _, wt in octaves)
    return cv2.resize(out, (hw * 2, hh * 2), interpolation=cv2.INTER_LINEAR)[:h, :w]


_BANK_SIDE = 1024
_bank = None


def noise_bank() -> np.ndarray:
    """A fixed ``(1024, 1024, 3)`` float32 block of standard normals (same in every process)."""
    global _bank
    if _bank is None:
        _bank = np.random.default_rng(20240101).standard_normal((_BANK_SIDE, _BANK_SIDE, 3), dtype=np.float32)
    return _bank


def sensor_noise(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Unit Gaussian noise ``(h, w, 3)``: random crops of :func:`noise_bank`, randomly flipped
    (drawing fresh normals costs more than the rest of a scene's finish)."""
    bank = noise_bank()
    out = np.empty((h, w, 3), np.float32)
    for y0 in range(0, h, _BANK_SIDE):
        for x0 in range(0, w, _BANK_SIDE):
            th, tw = min(_BANK_SIDE, h - y0), min(_BANK_SIDE, w - x0)
            by, bx = rng.integers(0, _BANK_SIDE - th + 1), rng.integers(0, _BANK_SIDE - tw + 1)
            tile = bank[by:by + th, bx:bx + tw]
            if rng.random() < 0.5:
                tile = tile[::-1]
            out[y0:y0 + th, x0:x0 + tw] = tile[:, ::-1] if rng.random() < 0.5 else tile
    return out


def random_blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int = 9) -> np.ndarray:
    """A star-shaped irregular polygon around ``(cx, cy)`` with mean radius ``r``: ``(n, 2)``."""
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * rng.uniform(0.6, 1.3, n)
    return np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], axis=1)


def ground(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Textured ground with a few field patches of other colours: ``(h, w, 3)`` uint8."""
    base = GROUND[rng.integers(len(GROUND))] * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    colour = np.empty((h, w, 3), np.uint8)
    colour[:] = np.clip(base, 0, 255).astype(np.uint8)
    n_fields = int(rng.integers(1, 5) * max(1.0, h * w / 512 ** 2) ** 0.5)
    for _ in range(n_fields):
        c = GROUND[rng.integers(len(GROUND))] * rng.uniform(0.8, 1.2, 3)
        pts = random_blob(rng, rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.1, 0.4) * max(h, w), 7)
        cv2.fillPoly(colour, [np.round(pts).astype(np.int32)], tuple(int(v) for v in np.clip(c, 0, 255)))
    shade = 0.72 + 0.56 * fractal_noise(rng, h, w)  # (h, w)
    tint = shade * (0.93 + 0.14 * value_noise(rng, h, w, 40))
    gain = cv2.merge([shade, tint, shade])  # (h, w, 3): texture, with a green-channel tint
    return cv2.multiply(colour, gain, dtype=cv2.CV_8U)  # saturating


def finish(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0, band: int = 1024) -> np.ndarray:
    """The sensor look: optical blur, patchy haze, global brightness/contrast and Gaussian noise.

    Works on horizontal bands of ``band`` rows after the blur, so large tiles stay within memory.
    """
    h, w = img.shape[:2]
    sigma = rng.uniform(0.35, 1.0) * strength
    if sigma > 0.2:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    haze_amp = rng.uniform(0.1, 0.4) * strength if rng.random() < 0.25 else 0.0
    haze = value_noise(rng, h, w, max(h, w) / 3) * haze_amp if haze_amp > 0 else None
    gain, bias = rng.uniform(0.88, 1.12), rng.uniform(-10, 10)
    noise_sd = rng.uniform(1.5, 5.0) * strength
    out = np.empty_like(img)
    for y0 in range(0, h, band):
        y1 = min(y0 + band, h)
        x = img[y0:y1].astype(np.float32)
        if haze is not None:
            a = haze[y0:y1, :, None]
            x = x * (1 - a) + 225.0 * a
        cv2.addWeighted(x, gain, sensor_noise(rng, y1 - y0, w), noise_sd, bias, dst=x)
        np.clip(x, 0, 255, out=x)
        out[y0:y1] = x.astype(np.uint8)
    return out
