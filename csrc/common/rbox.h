// Rotated-box geometry, header-only, shared by the CPU and CUDA kernels: corners in daik's
// convention, exact intersection area of two boxes, IoU / IoF, and their gradients w.r.t.
// both boxes' (cx, cy, w, h, theta).
//
// Convention (daik/structures/rbox.py): corner k = (cx, cy) + R(theta) (sx_k w/2, sy_k h/2)
// with (sx, sy) = (-1,-1), (1,-1), (1,1), (-1,1). A box with a negative size covers the same
// region as with its absolute value, so |w| and |h| are used; its area is |w h|.
//
// Precision: every pair is computed relative to a local origin, the centre of the first box,
// so float32 stays accurate for coordinates of 1e4 px and more.
#pragma once

#include "polygon.h"

namespace daik {
namespace geom {

// What a pair computation needs of one box, computed once per box.
template <typename T>
struct BoxGeom {
  T cx, cy;        // centre
  T w, h;          // |w|, |h|
  T area;          // |w h|
  T ex, ey;        // half extents of the axis-aligned hull
  T radius;        // half diagonal: bounding circle
  T cos_t, sin_t;  // unit axes u = (cos, sin), v = (-sin, cos)
  T sign_w, sign_h;
  Point<T> off[4];  // corners relative to the centre
  bool finite;
};

HOST_DEVICE_INLINE float corner_sign_x(int k) { return (k == 1 || k == 2) ? 1.f : -1.f; }
HOST_DEVICE_INLINE float corner_sign_y(int k) { return k >= 2 ? 1.f : -1.f; }

template <typename T>
HOST_DEVICE_INLINE BoxGeom<T> make_box_geom(const T* box) {
  BoxGeom<T> g;
  g.finite = g_finite(box[0]) && g_finite(box[1]) && g_finite(box[2]) && g_finite(box[3]) &&
             g_finite(box[4]);
  g.cx = box[0];
  g.cy = box[1];
  g.w = g_abs(box[2]);
  g.h = g_abs(box[3]);
  const T hw = g.w / T(2), hh = g.h / T(2);
  g.sign_w = box[2] < T(0) ? T(-1) : T(1);
  g.sign_h = box[3] < T(0) ? T(-1) : T(1);
  g.area = g_abs(box[2] * box[3]);
  g.cos_t = g_cos(box[4]);
  g.sin_t = g_sin(box[4]);
  const T ac = g_abs(g.cos_t), as = g_abs(g.sin_t);
  g.ex = hw * ac + hh * as;
  g.ey = hw * as + hh * ac;
  g.radius = g_sqrt(hw * hw + hh * hh);
  for (int k = 0; k < 4; ++k) {
    const T dx = T(corner_sign_x(k)) * hw, dy = T(corner_sign_y(k)) * hh;
    g.off[k] = make_point(dx * g.cos_t - dy * g.sin_t, dx * g.sin_t + dy * g.cos_t);
  }
  return g;
}

// True when the boxes certainly do not overlap (disjoint axis-aligned hulls or bounding
// circles, with a little slack so rounding never rejects a real overlap).
template <typename T>
HOST_DEVICE_INLINE bool surely_disjoint(const BoxGeom<T>& a, const BoxGeom<T>& b) {
  const T dx = b.cx - a.cx, dy = b.cy - a.cy;
  const T slack = T(1) + T(1e-5);
  if (g_abs(dx) > (a.ex + b.ex) * slack || g_abs(dy) > (a.ey + b.ey) * slack) return true;
  const T r = (a.radius + b.radius) * slack;
  return dx * dx + dy * dy > r * r;
}

// Corners of both boxes relative to the centre of `a`.
template <typename T>
HOST_DEVICE_INLINE void local_corners(const BoxGeom<T>& a, const BoxGeom<T>& b, Point<T> qa[4],
                                      Point<T> qb[4]) {
  const Point<T> shift = make_point(b.cx - a.cx, b.cy - a.cy);
  for (int k = 0; k < 4; ++k) {
    qa[k] = a.off[k];
    qb[k] = shift + b.off[k];
  }
}

// Intersection polygon of two finite boxes in the local frame of `a`, with the provenance of
// each vertex (lines 0..3: edges of `a`; kSubjectBase + 0..3: edges of `b`). Also fills the
// local corners. Returns the vertex count (0 when the boxes cannot overlap).
template <typename T>
HOST_DEVICE_INLINE int intersection_polygon(const BoxGeom<T>& a, const BoxGeom<T>& b,
                                            Point<T> qa[4], Point<T> qb[4],
                                            ClipVertex<T>* poly) {
  if (a.area == T(0) || b.area == T(0) || surely_disjoint(a, b)) return 0;
  local_corners(a, b, qa, qb);
  return clip_convex(qb, 4, qa, 4, poly);
}

template <typename T>
HOST_DEVICE_INLINE T clamped_area(const BoxGeom<T>& a, const BoxGeom<T>& b,
                                  const ClipVertex<T>* poly, int n) {
  if (n < 3) return T(0);
  return g_min(g_max(polygon_area(poly, n), T(0)), g_min(a.area, b.area));
}

// Area of the intersection of two finite boxes.
template <typename T>
HOST_DEVICE_INLINE T intersection_area(const BoxGeom<T>& a, const BoxGeom<T>& b) {
  Point<T> qa[4], qb[4];
  ClipVertex<T> poly[kMaxClipVertices];
  const int n = intersection_polygon(a, b, qa, qb, poly);
  return clamped_area(a, b, poly, n);
}

// IoU (iof=false) or intersection over the area of `a` (iof=true). A zero denominator gives
// 0; a non-finite box gives NaN.
template <typename T>
HOST_DEVICE_INLINE T box_iou(const BoxGeom<T>& a, const BoxGeom<T>& b, bool iof) {
  if (!a.finite || !b.finite) return T(NAN);
  const T inter = intersection_area(a, b);
  const T denom = iof ? a.area : a.area + b.area - inter;
  if (!(denom > T(0))) return T(0);
  return g_min(inter / denom, T(1));
}

template <typename T>
HOST_DEVICE_INLINE T box_iou(const T* box_a, const T* box_b, bool iof) {
  return box_iou(make_box_geom(box_a), make_box_geom(box_b), iof);
}

}  // namespace geom
}  // namespace daik

#include "rbox_grad.h"
