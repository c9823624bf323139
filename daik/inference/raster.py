"""Windowed reading of any raster rasterio opens, normalised to the detector's uint8 RGB.

A :class:`RasterSource` never holds the scene: it reads one window at a time (plus, once, a
decimated overview for the stretch and the quick-look).

- Bands follow :mod:`daik.data.image_io`'s rules: 1 band is grey (repeated to RGB), 3 bands
  are RGB, 4 bands are RGB + alpha/NIR (the first three are used); any other count needs
  ``bands`` (three 0-based band indices in file order). Only the bands used are read.
- Depth: uint8 is kept. Other types are stretched to 0..255 with one ``(lo, hi)`` for the
  whole scene, so that neighbouring patches match: ``stretch="percentile"`` takes the
  ``percentiles`` (2nd and 98th by default, all used bands together, nodata excluded) of a
  decimated overview read (at most ``overview_side`` pixels a side, GDAL's overviews when the
  file has them); ``stretch="scale"`` maps the full range of the type; explicit ``lo``/``hi``
  override both.
- Nodata: GDAL's dataset mask (nodata value, internal mask or alpha band) says which pixels
  hold data. Nodata pixels and the padding past the scene's border are 0 in a patch and
  ``False`` in its validity mask.
- Pixel coordinates are continuous with ``(0, 0)`` at the upper-left corner of the first
  pixel (GDAL's convention), so ``map = transform * (x, y)``.
"""
import math
import os
import warnings
from contextlib import ExitStack
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from daik.data.image_io import select_bands, to_uint8

STRETCHES = ("percentile", "scale")


def band_indexes(count: int, bands: Optional[Sequence[int]], source: str = "") -> Tuple[int, ...]:
    """1-based band indexes to read for :func:`daik.data.image_io.select_bands`'s rules."""
    if bands is not None:
        bands = [int(b) for b in bands]
        if len(bands) != 3 or max(bands) >= count or min(bands) < 0:
            raise ValueError(f"{source}: bands={bands} does not pick 3 of the {count} bands")
        return tuple(b + 1 for b in bands)
    if count == 1:
        return (1,)
    if count in (3, 4):
        return (1, 2, 3)
    raise ValueError(f"{source}: {count} bands; pass bands=(r, g, b) to choose the three to use")


class RasterReadError(OSError):
    """A window of a raster could not be read; the message names the file and the window."""


def _gdal_cause(err: BaseException) -> str:
    """The innermost message of a rasterio/GDAL exception chain (the useful one)."""
    while err.__cause__ is not None or err.__context__ is not None:
        err = err.__cause__ or err.__context__
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


class RasterSource:
    """A raster opened for windowed, normalised reads (see the module docstring).

    Args:
        path: any file rasterio opens (GeoTIFF incl. tiled / BigTIFF, PNG, JPEG...).
        bands: three 0-based band indices, or None for the default rule.
        stretch: ``"percentile"`` or ``"scale"`` (non-uint8 rasters only).
        percentiles: low and high percentile of the ``"percentile"`` stretch.
        lo: explicit low end of the stretch (with ``hi``); skips the overview statistics.
        hi: explicit high end of the stretch.
        overview_side: longest side of the decimated read used for the statistics.
        gdal_cache_mb: GDAL's block cache for this reader (GDAL's default is 5 % of the RAM).

    Raises:
        FileNotFoundError: no such file.
        ValueError: a band count without a rule, or a bad option.
    """

    def __init__(self, path: str, bands: Optional[Sequence[int]] = None, stretch: str = "percentile",
                 percentiles: Tuple[float, float] = (2.0, 98.0), lo: Optional[float] = None,
                 hi: Optional[float] = None, overview_side: int = 1024, gdal_cache_mb: int = 128):
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning

        if not os.path.isfile(path):
            raise FileNotFoundError(f"raster not found: {path}")
        if stretch not in STRETCHES:
            raise ValueError(f"stretch must be one of {STRETCHES}, got {stretch!r}")
        self.path = path
        self._stack = ExitStack()
        self._stack.enter_context(rasterio.Env(GDAL_CACHEMAX=int(gdal_cache_mb) * (1 << 20)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            self.ds = self._stack.enter_context(rasterio.open(path))
        self.width, self.height = int(self.ds.width), int(self.ds.height)
        self.bands = None if bands is None else [int(b) for b in bands]
        self.indexes = band_indexes(self.ds.count, bands, source=path)
        self.dtype = np.dtype(self.ds.dtypes[self.indexes[0] - 1])
        flags = [self.ds.mask_flag_enums[i - 1] for i in self.indexes]
        self.has_mask = any(f != [rasterio.enums.MaskFlags.all_valid] for f in flags)
        self.stretch, self.percentiles, self.overview_side = stretch, tuple(percentiles), int(overview_side)
        self.lo, self.hi = lo, hi
        if self.dtype != np.uint8 and (lo is None or hi is None):
            self.lo, self.hi = self._stretch_range()

    # ------------------------------------------------------------------ metadata
    @property
    def crs(self):
        """The raster's ``rasterio.crs.CRS`` (None for a plain image)."""
        return self.ds.crs

    @property
    def transform(self):
        """The pixel-to-map ``affine.Affine`` (identity for a plain image)."""
        return self.ds.transform

    def norm_params(self) -> dict:
        """Keyword arguments that reopen this source with the same normalisation (other
        threads and processes must use the same ``lo``/``hi``)."""
        return dict(bands=self.bands, stretch=self.stretch, percentiles=self.percentiles, lo=self.lo, hi=self.hi)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ reads
    def _stretch_range(self) -> Tuple[Optional[float], Optional[float]]:
        """``(lo, hi)`` of the scene: percentiles of the overview, or the type's range."""
        if self.stretch == "scale":
            return None, None  # to_uint8 uses the type's range
        arr, valid = self.overview(self.overview_side, normalise=False)
        vals = arr[valid].astype(np.float64).reshape(-1)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            return 0.0, 1.0
        lo, hi = np.percentile(vals, self.percentiles)
        if hi <= lo:
            lo, hi = float(vals.min()), float(vals.max())
        return float(lo), float(hi)

    def overview(self, max_side: int, normalise: bool = True) -> Tuple[np.ndarray, np.ndarray]:
        """A decimated read of the whole scene, at most ``max_side`` pixels a side.

        Returns:
            ``(H', W', 3)`` uint8 RGB (or the raw ``(H', W', C)`` bands when ``normalise`` is
            False) and the ``(H', W')`` bool validity mask.
        """
        from rasterio.enums import Resampling

        scale = min(1.0, max_side / max(self.width, self.height))
        oh, ow = max(1, int(round(self.height * scale))), max(1, int(round(self.width * scale)))
        arr = self.ds.read(self.indexes, out_shape=(len(self.indexes), oh, ow), resampling=Resampling.nearest)
        valid = np.ones((oh, ow), dtype=bool)
        if self.has_mask:
            valid = self.ds.dataset_mask(out_shape=(oh, ow), resampling=Resampling.nearest) > 0
        arr = np.moveaxis(arr, 0, -1)  # (H', W', C)
        if not normalise:
            return arr, valid
        return self._normalise(arr, valid), valid

    def _normalise(self, arr: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Raw ``(h, w, C)`` bands -> ``(h, w, 3)`` uint8 RGB; nodata pixels become 0."""
        rgb = to_uint8(select_bands(arr, None, source=self.path), stretch=self.stretch, lo=self.lo, hi=self.hi)
        if not valid.all():
            rgb = rgb * valid[..., None].astype(np.uint8)
        return rgb

    def read_patch(self, x1: int, y1: int, size: int, rate: float = 1.0,
                   out: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> Tuple[np.ndarray, np.ndarray]:
        """:meth:`_read_patch`, with a read error (a truncated or corrupt file) reported as a
        :class:`RasterReadError` naming the file and the window instead of GDAL's error chain."""
        from rasterio.errors import RasterioError

        try:
            return self._read_patch(x1, y1, size, rate, out)
        except RasterioError as e:
            c0, r0 = max(0, int(math.floor(x1 / rate))), max(0, int(math.floor(y1 / rate)))
            c1 = min(self.width, int(math.ceil((x1 + size) / rate)))
            r1 = min(self.height, int(math.ceil((y1 + size) / rate)))
            raise RasterReadError(
                f"{self.path}: cannot read the window of columns {c0}..{c1}, rows {r0}..{r1} "
                f"(patch at x={x1}, y={y1}, size {size}, rate {rate:g}) of this {self.width} x {self.height} "
                f"raster - the file is probably truncated or corrupt ({type(e).__name__}: "
                f"{_gdal_cause(e)})") from None

    def _read_patch(self, x1: int, y1: int, size: int, rate: float = 1.0,
                    out: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> Tuple[np.ndarray, np.ndarray]:
        """The window ``[x1, x1 + size) x [y1, y1 + size)`` of the scene rescaled by ``rate``.

        Only the part of the window that lies on the scene is read (in original pixels
        ``[x1 / rate, (x1 + size) / rate)``) and resized by ``rate``; the rest is padding.
        8-bit RGB at rate 1 (the common case) is read by GDAL straight into the patch, pixel
        interleaved: no band-sequential array to transpose and copy.

        Args:
            out: zero-filled ``(size, size, 3)`` uint8 and ``(size, size)`` bool arrays to
                fill (e.g. slots of a batch) instead of new ones.

        Returns:
            ``(size, size, 3)`` uint8 RGB and the ``(size, size)`` bool validity mask (False on
            nodata and padding).
        """
        from rasterio.windows import Window

        if out is None:
            img, valid = np.zeros((size, size, 3), dtype=np.uint8), np.zeros((size, size), dtype=bool)
        else:
            img, valid = out
        c0, r0 = max(0, int(math.floor(x1 / rate))), max(0, int(math.floor(y1 / rate)))
        c1 = min(self.width, int(math.ceil((x1 + size) / rate)))
        r1 = min(self.height, int(math.ceil((y1 + size) / rate)))
        if c1 <= c0 or r1 <= r0:
            return img, valid
        win = Window(c0, r0, c1 - c0, r1 - r0)
        if rate == 1.0 and self.dtype == np.uint8 and len(self.indexes) == 3:
            return self._read_direct(win, c0 - x1, r0 - y1, img, valid)
        arr = np.moveaxis(self.ds.read(self.indexes, window=win), 0, -1)  # (h, w, C)
        mask = self.ds.dataset_mask(window=win) > 0 if self.has_mask else np.ones(arr.shape[:2], dtype=bool)
        rgb = self._normalise(arr, mask)
        ox, oy = int(round(c0 * rate)) - x1, int(round(r0 * rate)) - y1  # placement in the patch
        if rate != 1.0:
            w, h = max(1, int(round((c1 - c0) * rate))), max(1, int(round((r1 - r0) * rate)))
            interp = cv2.INTER_AREA if rate < 1 else cv2.INTER_LINEAR
            rgb = cv2.resize(rgb, (w, h), interpolation=interp)
            mask = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        if ox < 0 or oy < 0:  # rounding put the read a pixel before the window
            rgb, mask = rgb[max(0, -oy):, max(0, -ox):], mask[max(0, -oy):, max(0, -ox):]
            ox, oy = max(0, ox), max(0, oy)
        h, w = min(rgb.shape[0], size - oy), min(rgb.shape[1], size - ox)
        img[oy:oy + h, ox:ox + w] = rgb[:h, :w]
        valid[oy:oy + h, ox:ox + w] = mask[:h, :w]
        return img, valid

    def _read_direct(self, win, ox: int, oy: int, img: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """8-bit RGB window ``win`` read into ``img`` at ``(ox, oy)`` (rate 1)."""
        h, w = int(win.height), int(win.width)
        dst = img[oy:oy + h, ox:ox + w]
        got = self.ds.read(self.indexes, window=win, out=np.moveaxis(dst, -1, 0))  # GDAL fills dst's strides
        if not np.shares_memory(got, dst):  # a rasterio that copies instead
            dst[...] = np.moveaxis(got, 0, -1)
        if self.has_mask:
            mask = self.ds.dataset_mask(window=win) > 0
            dst[~mask] = 0
            valid[oy:oy + h, ox:ox + w] = mask
        else:
            valid[oy:oy + h, ox:ox + w] = True
        return img, valid
