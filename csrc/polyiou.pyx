# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""IoU of DOTA quadrilaterals (the DOTA Task1 overlap); geometry in csrc/common/quad_iou.h."""
import numpy as np


cdef extern from "common/quad_iou.h" namespace "daik::geom" nogil:
    double quad_iou_f64(const double* p8, const double* q8)
    void quad_bounds_f64(const double* q8, double* out)


def poly_iou(const double[:, ::1] p, const double[:, ::1] q):
    """IoU of every pair of quadrilaterals.

    Args:
        p: ``(N, 8)`` float64 C-contiguous, ``x1 y1 ... x4 y4``, any vertex order.
        q: ``(M, 8)`` likewise.

    Returns:
        float64 ``(N, M)``. Pairs with a zero union give 0; a NaN coordinate gives NaN.
    """
    if p.shape[1] != 8 or q.shape[1] != 8:
        raise ValueError(f"polygons must have shape (N, 8), got {p.shape[1]} and {q.shape[1]} columns")
    cdef Py_ssize_t n = p.shape[0], m = q.shape[0], i, j
    out = np.zeros((n, m), dtype=np.float64)
    if n == 0 or m == 0:
        return out
    cdef double[:, ::1] res = out
    cdef double[:, ::1] bq = np.empty((m, 4), dtype=np.float64)
    cdef double bp[4]
    with nogil:
        for j in range(m):
            quad_bounds_f64(&q[j, 0], &bq[j, 0])
        for i in range(n):
            quad_bounds_f64(&p[i, 0], bp)
            for j in range(m):
                # disjoint bounds: IoU 0 (also keeps the per-pair work off most pairs)
                if bq[j, 0] > bp[2] or bp[0] > bq[j, 2] or bq[j, 1] > bp[3] or bp[1] > bq[j, 3]:
                    continue
                res[i, j] = quad_iou_f64(&p[i, 0], &q[j, 0])
    return out
