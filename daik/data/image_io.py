"""Reading images as RGB uint8, whatever the file holds.

- ``.tif`` / ``.tiff`` are read with rasterio (band order as stored), everything else with
  OpenCV (whose BGR(A) order is turned into RGB(A)).
- An EXIF orientation tag (cameras, phones, drones write JPEGs sideways and tag them) is
  applied, as OpenCV's and mmcv's default readers do: the image and its labels were made for
  the upright view. :func:`image_size` reports the upright size too.
- Bands: 1 band is grey and repeated to RGB; 3 bands are RGB; 4 bands are RGB plus alpha or
  near-infrared, and the first three are kept. Any other count is an error unless ``bands``
  names the three to use (0-based, in the file's band order; for OpenCV files, in RGB(A)
  order).
- Depth: uint8 is kept. Other types (16-bit, float) are stretched linearly from ``lo`` to
  ``hi`` onto 0..255; by default ``lo``/``hi`` are the 2nd and 98th percentiles of the image
  (over all bands together, so colour balance is kept). Callers that read one scene in pieces
  (tiled inference) should compute ``lo``/``hi`` once and pass them, so that tiles match.
  ``stretch="scale"`` maps the full range of the type instead (uint16 / 257, float * 255).
"""
import os
import warnings
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

TIFF_SUFFIXES = (".tif", ".tiff")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp") + TIFF_SUFFIXES


def _is_tiff(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in TIFF_SUFFIXES


def _open_raster(path: str):
    """``rasterio.open`` for reading; a plain TIFF without georeferencing is fine here."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.open(path)


def _read_raw(path: str) -> np.ndarray:
    """``(H, W, C)`` array in the file's own dtype, bands in file (tif) or RGB(A) order."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"image file not found: {path}")
    if _is_tiff(path):
        with _open_raster(path) as src:
            return np.moveaxis(src.read(), 0, -1)  # (H, W, C)
    arr = cv2.imread(path, cv2.IMREAD_UNCHANGED)  # (UNCHANGED also means: EXIF orientation ignored)
    if arr is None:
        raise ValueError(f"cannot decode image {path} (corrupt or unsupported format)")
    arr = apply_orientation(arr, exif_orientation(path))
    if arr.ndim == 2:
        return arr[..., None]
    if arr.shape[2] == 3:
        return arr[..., ::-1]
    if arr.shape[2] == 4:
        return arr[..., [2, 1, 0, 3]]
    return arr


def exif_orientation(path: str) -> int:
    """The EXIF orientation tag (1..8) of a non-TIFF image file; 1 (upright) when it has none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                value = im.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return 1
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_orientation(arr: np.ndarray, orientation: int) -> np.ndarray:
    """``(H, W, ...)`` as stored -> as displayed under EXIF ``orientation`` (PIL's ``exif_transpose``)."""
    if orientation == 2:
        return arr[:, ::-1]
    if orientation == 3:
        return arr[::-1, ::-1]
    if orientation == 4:
        return arr[::-1]
    if orientation == 5:
        return arr.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(arr, k=-1)
    if orientation == 7:
        return arr[::-1, ::-1].swapaxes(0, 1)
    if orientation == 8:
        return np.rot90(arr, k=1)
    return arr


def select_bands(arr: np.ndarray, bands: Optional[Sequence[int]] = None, source: str = "") -> np.ndarray:
    """Three channels out of ``(H, W, C)`` following the module's band rules."""
    c = arr.shape[2]
    if bands is not None:
        bands = list(bands)
        if len(bands) != 3 or max(bands) >= c or min(bands) < 0:
            raise ValueError(f"{source}: bands={bands} does not pick 3 of the {c} bands")
        return arr[..., bands]
    if c == 1:
        return np.repeat(arr, 3, axis=2)
    if c in (3, 4):
        return arr[..., :3]
    raise ValueError(f"{source}: {c} bands; pass bands=(r, g, b) to choose the three to use")


def to_uint8(arr: np.ndarray, stretch: str = "percentile", lo: Optional[float] = None,
             hi: Optional[float] = None) -> np.ndarray:
    """Map any numeric image to uint8 (see the module docstring). uint8 input is returned as is."""
    if arr.dtype == np.uint8:
        return arr
    a = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if lo is None or hi is None:
        if stretch == "scale":
            if np.issubdtype(arr.dtype, np.integer):
                info = np.iinfo(arr.dtype)
                lo, hi = float(info.min if info.min < 0 else 0), float(info.max)
            else:
                lo, hi = 0.0, 1.0
        elif stretch == "percentile":
            step = max(1, int(np.sqrt(a.shape[0] * a.shape[1] / 250_000)))
            lo, hi = np.percentile(a[::step, ::step], [2.0, 98.0])
            if hi <= lo:
                lo, hi = float(a.min()), float(a.max())
        else:
            raise ValueError(f"stretch must be 'percentile' or 'scale', got {stretch!r}")
    if hi <= lo:
        return np.zeros(a.shape, dtype=np.uint8)
    out = (a - lo) * (255.0 / (hi - lo))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def read_image_rgb(path: str, bands: Optional[Sequence[int]] = None, stretch: str = "percentile") -> np.ndarray:
    """An image file as ``(H, W, 3)`` uint8 RGB, C-contiguous.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: it cannot be decoded, or its band count has no rule (see module docstring).
    """
    arr = select_bands(_read_raw(path), bands, source=path)
    return np.ascontiguousarray(to_uint8(arr, stretch=stretch))


def image_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` of an image file, read from its header only."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"image file not found: {path}")
    if _is_tiff(path):
        with _open_raster(path) as src:
            return int(src.width), int(src.height)
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # scenes are large by nature
        try:
            with Image.open(path) as im:
                w, h = int(im.size[0]), int(im.size[1])
                return (h, w) if im.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)
        finally:
            Image.MAX_IMAGE_PIXELS = old


def write_image_rgb(path: str, img: np.ndarray) -> None:
    """Write ``(H, W, 3)`` uint8 RGB with OpenCV (format from the suffix), atomically.

    The bytes go to a temporary file next to ``path`` that is renamed into place, so a reader
    (or a resumed run) never sees a half-written file.
    """
    ext = os.path.splitext(path)[1]
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(img[..., ::-1]))
    if not ok:
        raise ValueError(f"cannot encode an image as {ext!r} for {path}")
    write_bytes_atomic(path, buf.tobytes())


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):  # a failed write or rename leaves nothing behind
            os.remove(tmp)
