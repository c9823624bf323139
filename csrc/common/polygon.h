// Convex polygon clipping and areas, header-only, shared by the CPU and CUDA kernels and the
// Cython polyiou. Templates on the scalar type (float or double); no heap, no exceptions.
//
// Orientation: a polygon is *positive* when its shoelace area is > 0 in image axes (x right,
// y down), which is the order of the box corners in daik/structures/rbox.py. A point X is
// inside the half-plane of the directed edge A->B of a positive polygon when
// cross(B - A, X - A) >= 0.
#pragma once

#include <math.h>

#include "macros.h"

namespace daik {
namespace geom {

// Overloads so templated code calls the float maths for float (host and device alike).
HOST_DEVICE_INLINE float g_sin(float x) { return sinf(x); }
HOST_DEVICE_INLINE double g_sin(double x) { return sin(x); }
HOST_DEVICE_INLINE float g_cos(float x) { return cosf(x); }
HOST_DEVICE_INLINE double g_cos(double x) { return cos(x); }
HOST_DEVICE_INLINE float g_sqrt(float x) { return sqrtf(x); }
HOST_DEVICE_INLINE double g_sqrt(double x) { return sqrt(x); }
HOST_DEVICE_INLINE float g_abs(float x) { return fabsf(x); }
HOST_DEVICE_INLINE double g_abs(double x) { return fabs(x); }

template <typename T>
HOST_DEVICE_INLINE T g_min(T a, T b) { return a < b ? a : b; }
template <typename T>
HOST_DEVICE_INLINE T g_max(T a, T b) { return a > b ? a : b; }

// False for NaN and +-inf, without relying on std::isfinite (works on device, no fast-math).
template <typename T>
HOST_DEVICE_INLINE bool g_finite(T x) { return (x - x) == T(0); }

template <typename T>
struct Point {
  T x, y;
};

template <typename T>
HOST_DEVICE_INLINE Point<T> make_point(T x, T y) {
  Point<T> p;
  p.x = x;
  p.y = y;
  return p;
}
template <typename T>
HOST_DEVICE_INLINE Point<T> operator+(const Point<T>& a, const Point<T>& b) {
  return make_point(a.x + b.x, a.y + b.y);
}
template <typename T>
HOST_DEVICE_INLINE Point<T> operator-(const Point<T>& a, const Point<T>& b) {
  return make_point(a.x - b.x, a.y - b.y);
}
template <typename T>
HOST_DEVICE_INLINE Point<T> operator*(T s, const Point<T>& a) {
  return make_point(s * a.x, s * a.y);
}
template <typename T>
HOST_DEVICE_INLINE T cross(const Point<T>& a, const Point<T>& b) {
  return a.x * b.y - a.y * b.x;
}
template <typename T>
HOST_DEVICE_INLINE T dot(const Point<T>& a, const Point<T>& b) {
  return a.x * b.x + a.y * b.y;
}

// A vertex of a clipped polygon and the two lines it lies on: `in_line` carries the edge
// arriving at it, `out_line` the edge leaving it. Lines 0..kSubjectBase-1 are clipper edges
// (edge k runs from clipper vertex k to k+1); kSubjectBase + k is subject edge k.
template <typename T>
struct ClipVertex {
  Point<T> p;
  int in_line, out_line;
};

constexpr int kSubjectBase = 8;
// A convex n-gon cut by m half-planes has at most n + m vertices; rounding can add a few
// more for near-degenerate input, which the guard below drops rather than overflowing.
constexpr int kMaxClipVertices = 16;

// Keep the part of polygon `in` (n vertices) on the inner side of the directed line a->b,
// labelled `line`. Writes to `out`, returns its vertex count.
template <typename T>
HOST_DEVICE_INLINE int clip_halfplane(const ClipVertex<T>* in, int n, const Point<T>& a,
                                      const Point<T>& b, int line, ClipVertex<T>* out) {
  if (n == 0) return 0;
  const Point<T> d = b - a;
  int m = 0;
  ClipVertex<T> prev = in[n - 1];
  T s_prev = cross(d, prev.p - a);
  for (int i = 0; i < n; ++i) {
    const ClipVertex<T> cur = in[i];
    const T s_cur = cross(d, cur.p - a);
    const bool prev_in = s_prev >= T(0);
    const bool cur_in = s_cur >= T(0);
    if (prev_in != cur_in && m < kMaxClipVertices) {
      // signed distances of opposite sign: t is in [0, 1] and never divides by zero.
      const T t = s_prev / (s_prev - s_cur);
      ClipVertex<T> v;
      v.p = prev.p + t * (cur.p - prev.p);
      v.in_line = prev_in ? prev.out_line : line;  // leaving: along the edge, then the line
      v.out_line = prev_in ? line : prev.out_line;  // entering: along the line, then the edge
      out[m++] = v;
    }
    if (cur_in && m < kMaxClipVertices) out[m++] = cur;
    prev = cur;
    s_prev = s_cur;
  }
  return m;
}

// Intersection of convex polygons: `subject` (ns vertices) clipped by every edge of
// `clipper` (nc vertices, positive orientation, nc <= kSubjectBase). The result, with the
// provenance of each vertex, lands in `poly` (kMaxClipVertices); returns its vertex count.
template <typename T>
HOST_DEVICE_INLINE int clip_convex(const Point<T>* subject, int ns, const Point<T>* clipper,
                                   int nc, ClipVertex<T>* poly) {
  ClipVertex<T> tmp[kMaxClipVertices];
  for (int k = 0; k < ns; ++k) {
    poly[k].p = subject[k];
    poly[k].in_line = kSubjectBase + (k == 0 ? ns - 1 : k - 1);
    poly[k].out_line = kSubjectBase + k;
  }
  int n = ns;
  ClipVertex<T>* src = poly;
  ClipVertex<T>* dst = tmp;
  for (int e = 0; e < nc; ++e) {
    n = clip_halfplane(src, n, clipper[e], clipper[e + 1 == nc ? 0 : e + 1], e, dst);
    ClipVertex<T>* swap = src;
    src = dst;
    dst = swap;
  }
  if (src != poly) {
    for (int k = 0; k < n; ++k) poly[k] = src[k];
  }
  return n;
}

// Shoelace area of polygon vertices (positive for positive orientation). Neighbours are
// found without `%`: an integer division per vertex is a noticeable cost here.
template <typename T>
HOST_DEVICE_INLINE T polygon_area(const ClipVertex<T>* poly, int n) {
  if (n == 0) return T(0);
  T twice = cross(poly[n - 1].p, poly[0].p);
  for (int k = 0; k + 1 < n; ++k) twice += cross(poly[k].p, poly[k + 1].p);
  return twice / T(2);
}

template <typename T>
HOST_DEVICE_INLINE T polygon_area(const Point<T>* pts, int n) {
  if (n == 0) return T(0);
  T twice = cross(pts[n - 1], pts[0]);
  for (int k = 0; k + 1 < n; ++k) twice += cross(pts[k], pts[k + 1]);
  return twice / T(2);
}

// Area of the intersection of two convex polygons (the clipper positively oriented).
template <typename T>
HOST_DEVICE_INLINE T convex_intersection_area(const Point<T>* subject, int ns,
                                              const Point<T>* clipper, int nc) {
  ClipVertex<T> poly[kMaxClipVertices];
  const int n = clip_convex(subject, ns, clipper, nc, poly);
  return n < 3 ? T(0) : g_max(polygon_area(poly, n), T(0));
}

}  // namespace geom
}  // namespace daik
