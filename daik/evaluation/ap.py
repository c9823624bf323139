"""Average precision from a precision/recall curve, in the three forms daik reports.

- ``"voc07"``: PASCAL VOC 2007's 11-point form, exactly as DOTA_devkit computes it. The grid
  is ``np.arange(0., 1.1, 0.1)`` *with its floating-point values*: its fourth point is
  ``0.30000000000000004``, so a recall of exactly 0.3 does not reach it (likewise 0.6 ->
  ``0.6000000000000001`` and 0.7 -> ``0.7000000000000001``). This is kept on purpose, because
  the DOTA benchmark's numbers carry it.
- ``"area"``: VOC 2010+'s all-point form: the area under the precision envelope (precision made
  non-increasing from the right), summed where recall changes.
- ``"coco101"``: COCO's form: the precision envelope sampled at the 101 recalls
  ``0.00, 0.01, ..., 1.00`` (at each, the envelope at the first detection whose recall reaches
  it; 0 where recall never does), averaged.
"""
import numpy as np

AP_FORMS = ("voc07", "area", "coco101")


def voc07_ap(rec: np.ndarray, prec: np.ndarray) -> float:
    """11-point AP.

    Args:
        rec: float64 ``(D,)`` recall after each detection (non-decreasing).
        prec: float64 ``(D,)`` precision after each detection.
    """
    ap = 0.0
    for t in np.arange(0.0, 1.1, 0.1):  # the devkit's grid, floating-point values and all
        reached = rec >= t
        p = np.max(prec[reached]) if np.sum(reached) > 0 else 0.0
        ap = ap + p / 11.0  # summed point by point in grid order, as the devkit does
    return float(ap)


def area_ap(rec: np.ndarray, prec: np.ndarray) -> float:
    """All-point (area) AP; arguments as :func:`voc07_ap`."""
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]  # precision envelope (max is exact)
    i = np.where(mrec[1:] != mrec[:-1])[0]  # where recall changes
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def coco101_ap(rec: np.ndarray, prec: np.ndarray) -> float:
    """COCO's 101-point AP; arguments as :func:`voc07_ap`."""
    if len(rec) == 0:
        return 0.0
    env = np.maximum.accumulate(np.asarray(prec, dtype=np.float64)[::-1])[::-1]
    grid = np.linspace(0.0, 1.0, 101)
    idx = np.searchsorted(rec, grid, side="left")  # first detection whose recall >= r
    q = np.where(idx < len(rec), env[np.minimum(idx, len(rec) - 1)], 0.0)
    return float(np.mean(q))


def average_precision(rec: np.ndarray, prec: np.ndarray, form: str = "voc07") -> float:
    """AP of a curve in one of :data:`AP_FORMS`."""
    if form == "voc07":
        return voc07_ap(rec, prec)
    if form == "area":
        return area_ap(rec, prec)
    if form == "coco101":
        return coco101_ap(rec, prec)
    raise ValueError(f"AP form must be one of {AP_FORMS}, got {form!r}")
