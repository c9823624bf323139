// IoU of two quadrilaterals with the semantics of the DOTA benchmark's polygon IoU:
// each polygon's area is its shoelace area in the given vertex order, orientation is
// normalised (clockwise, counter-clockwise and any starting vertex give the same result),
// and non-convex simple quadrilaterals are handled by a signed triangle-fan decomposition
// (the intersection is the sum over pairs of fan triangles of the signed product of their
// convex intersections). Strictly convex pairs take a direct convex clip, which equals the
// fan sum. Header-only, double or float.
#pragma once

#include "polygon.h"

namespace daik {
namespace geom {

// Axis-aligned bounds (xmin, ymin, xmax, ymax) of 8 numbers x1 y1 ... x4 y4.
template <typename T>
HOST_DEVICE_INLINE void quad_bounds(const T* q, T* out) {
  out[0] = out[2] = q[0];
  out[1] = out[3] = q[1];
  for (int k = 1; k < 4; ++k) {
    out[0] = g_min(out[0], q[2 * k]);
    out[2] = g_max(out[2], q[2 * k]);
    out[1] = g_min(out[1], q[2 * k + 1]);
    out[3] = g_max(out[3], q[2 * k + 1]);
  }
}

// True when every turn has the same strict sign (then the quadrilateral is simple and convex).
template <typename T>
HOST_DEVICE_INLINE bool strictly_convex(const Point<T> q[4]) {
  int pos = 0, neg = 0;
  for (int k = 0; k < 4; ++k) {
    const T turn = cross(q[(k + 1) % 4] - q[k], q[(k + 2) % 4] - q[(k + 1) % 4]);
    pos += turn > T(0);
    neg += turn < T(0);
  }
  return pos == 4 || neg == 4;
}

// Triangle (origin, a, b) in positive orientation; returns the sign of its signed area.
template <typename T>
HOST_DEVICE_INLINE int fan_triangle(const Point<T>& a, const Point<T>& b, Point<T> tri[3]) {
  const T s = cross(a, b);
  tri[0] = make_point(T(0), T(0));
  tri[1] = s < T(0) ? b : a;
  tri[2] = s < T(0) ? a : b;
  return (s > T(0)) - (s < T(0));
}

// Signed-fan intersection area of two positively oriented quadrilaterals about the origin.
template <typename T>
HOST_DEVICE_INLINE T fan_intersection_area(const Point<T> p[4], const Point<T> q[4]) {
  T sum = T(0);
  Point<T> tp[3], tq[3];
  for (int i = 0; i < 4; ++i) {
    const int si = fan_triangle(p[i], p[(i + 1) % 4], tp);
    if (si == 0) continue;
    for (int j = 0; j < 4; ++j) {
      const int sj = fan_triangle(q[j], q[(j + 1) % 4], tq);
      if (sj == 0) continue;
      const T a = convex_intersection_area(tp, 3, tq, 3);
      sum += si == sj ? a : -a;
    }
  }
  return sum;
}

// IoU of quadrilaterals p and q (8 numbers each). Pairs with a zero union give 0; a
// non-finite coordinate gives NaN.
template <typename T>
HOST_DEVICE_INLINE T quad_iou(const T* p8, const T* q8) {
  T ox = T(0), oy = T(0);
  bool finite = true;
  for (int k = 0; k < 4; ++k) {
    ox += p8[2 * k] / T(4);
    oy += p8[2 * k + 1] / T(4);
    finite = finite && g_finite(p8[2 * k]) && g_finite(p8[2 * k + 1]) && g_finite(q8[2 * k]) &&
             g_finite(q8[2 * k + 1]);
  }
  if (!finite) return T(NAN);
  Point<T> p[4], q[4];  // relative to a local origin, for precision
  for (int k = 0; k < 4; ++k) {
    p[k] = make_point(p8[2 * k] - ox, p8[2 * k + 1] - oy);
    q[k] = make_point(q8[2 * k] - ox, q8[2 * k + 1] - oy);
  }
  T area_p = polygon_area(p, 4), area_q = polygon_area(q, 4);
  if (area_p < T(0)) {  // normalise the orientation: (0, 1, 2, 3) -> (0, 3, 2, 1)
    const Point<T> t = p[1]; p[1] = p[3]; p[3] = t;
    area_p = -area_p;
  }
  if (area_q < T(0)) {
    const Point<T> t = q[1]; q[1] = q[3]; q[3] = t;
    area_q = -area_q;
  }
  T bp[4], bq[4];
  quad_bounds(p8, bp);
  quad_bounds(q8, bq);
  T inter = T(0);
  if (bp[0] <= bq[2] && bq[0] <= bp[2] && bp[1] <= bq[3] && bq[1] <= bp[3]) {
    inter = (strictly_convex(p) && strictly_convex(q)) ? convex_intersection_area(q, 4, p, 4)
                                                       : fan_intersection_area(p, q);
    inter = g_max(inter, T(0));
  }
  const T uni = area_p + area_q - inter;
  return uni > T(0) ? inter / uni : T(0);
}

inline double quad_iou_f64(const double* p8, const double* q8) { return quad_iou(p8, q8); }
inline void quad_bounds_f64(const double* q8, double* out) { quad_bounds(q8, out); }

}  // namespace geom
}  // namespace daik
