// Gradients of the rotated-box intersection area and IoU (included by rbox.h).
//
// The intersection is a convex polygon whose every vertex lies on two lines, recorded by the
// clipper: two edges of one box (then the vertex is that box's corner) or one edge of each
// (an edge-edge crossing that moves with both boxes). The shoelace area is differentiated
// w.r.t. each vertex, the vertex w.r.t. the corners it comes from, and the corners w.r.t.
// (cx, cy, w, h, theta).
#pragma once

#include "rbox.h"

namespace daik {
namespace geom {

// Below this |sin| of the angle between two crossing edges, the crossing is treated as
// sliding with the first edge (its position is ill-conditioned; the area hardly depends on it).
template <typename T>
HOST_DEVICE_INLINE T parallel_eps();
template <>
HOST_DEVICE_INLINE float parallel_eps<float>() { return 1e-5f; }
template <>
HOST_DEVICE_INLINE double parallel_eps<double>() { return 1e-10; }

// The corner shared by edges e1 and e2 of one quadrilateral, or -1 if they are not adjacent.
HOST_DEVICE_INLINE int shared_corner(int e1, int e2) {
  if (e2 == (e1 + 1) % 4) return e2;
  if (e1 == (e2 + 1) % 4) return e1;
  return -1;
}

// Adds to gp1..gq2 the gradient of dot(g, v), v the crossing of lines p1->p2 and q1->q2.
template <typename T>
HOST_DEVICE_INLINE void crossing_grad(const Point<T>& p1, const Point<T>& p2, const Point<T>& q1,
                                      const Point<T>& q2, const Point<T>& v, const Point<T>& g,
                                      Point<T>& gp1, Point<T>& gp2, Point<T>& gq1,
                                      Point<T>& gq2) {
  const Point<T> d = p2 - p1, e = q2 - q1, f = q1 - p1;
  const T den = cross(d, e);
  const T dd = dot(d, d);
  if (!(g_abs(den) > parallel_eps<T>() * g_sqrt(dd * dot(e, e)))) {
    if (!(dd > T(0))) return;
    const T t = g_min(g_max(dot(v - p1, d) / dd, T(0)), T(1));
    gp1 = gp1 + (T(1) - t) * g;
    gp2 = gp2 + t * g;
    return;
  }
  const T t = cross(f, e) / den;
  const T k = dot(g, d) / den;
  const Point<T> e_perp = make_point(e.y, -e.x);
  const Point<T> grad_f = k * e_perp;
  const Point<T> grad_e = k * (make_point(-f.y, f.x) - t * make_point(-d.y, d.x));
  const Point<T> grad_d = t * g - (k * t) * e_perp;
  gp1 = gp1 + (g - grad_f - grad_d);
  gp2 = gp2 + grad_d;
  gq1 = gq1 + (grad_f - grad_e);
  gq2 = gq2 + grad_e;
}

// Sends the gradient g of one polygon vertex to the corners it depends on.
template <typename T>
HOST_DEVICE_INLINE void route_vertex_grad(const ClipVertex<T>& v, const Point<T>& g,
                                          const Point<T> qa[4], const Point<T> qb[4],
                                          Point<T> ga[4], Point<T> gb[4]) {
  const bool in_a = v.in_line < kSubjectBase, out_a = v.out_line < kSubjectBase;
  if (in_a == out_a) {
    const int base = in_a ? 0 : kSubjectBase;
    const int c = shared_corner(v.in_line - base, v.out_line - base);
    if (c < 0) return;  // degenerate (zero-area sliver): no gradient
    Point<T>* gq = in_a ? ga : gb;
    gq[c] = gq[c] + g;
    return;
  }
  const int ea = in_a ? v.in_line : v.out_line;
  const int eb = (in_a ? v.out_line : v.in_line) - kSubjectBase;
  const int ea1 = (ea + 1) % 4, eb1 = (eb + 1) % 4;
  crossing_grad(qa[ea], qa[ea1], qb[eb], qb[eb1], v.p, g, ga[ea], ga[ea1], gb[eb], gb[eb1]);
}

// Gradient of (g_area * intersection area) w.r.t. the local corners of both boxes.
template <typename T>
HOST_DEVICE_INLINE void polygon_area_grad(const ClipVertex<T>* poly, int n, T g_area,
                                          const Point<T> qa[4], const Point<T> qb[4],
                                          Point<T> ga[4], Point<T> gb[4]) {
  for (int k = 0; k < 4; ++k) ga[k] = gb[k] = make_point(T(0), T(0));
  if (n < 3) return;
  const T half = g_area / T(2);
  for (int k = 0; k < n; ++k) {
    const Point<T>& prev = poly[k == 0 ? n - 1 : k - 1].p;
    const Point<T>& next = poly[k + 1 == n ? 0 : k + 1].p;
    const Point<T> g = make_point(half * (next.y - prev.y), half * (prev.x - next.x));
    route_vertex_grad(poly[k], g, qa, qb, ga, gb);
  }
}

// Adds to out[5] the gradient w.r.t. (cx, cy, w, h, theta) given gradients of the corners.
template <typename T>
HOST_DEVICE_INLINE void corner_grad_to_box(const BoxGeom<T>& b, const Point<T> gc[4], T out[5]) {
  for (int k = 0; k < 4; ++k) {
    const Point<T>& g = gc[k];
    out[0] += g.x;
    out[1] += g.y;
    out[2] += b.sign_w * T(corner_sign_x(k)) / T(2) * (g.x * b.cos_t + g.y * b.sin_t);
    out[3] += b.sign_h * T(corner_sign_y(k)) / T(2) * (g.y * b.cos_t - g.x * b.sin_t);
    out[4] += b.off[k].x * g.y - b.off[k].y * g.x;
  }
}

// Gradient of g * box_iou(a, b, iof) w.r.t. both boxes, written to ga[5] and gb[5].
template <typename T>
HOST_DEVICE_INLINE void box_iou_grad(const BoxGeom<T>& a, const BoxGeom<T>& b, bool iof, T g,
                                     T ga[5], T gb[5]) {
  for (int k = 0; k < 5; ++k) ga[k] = gb[k] = T(0);
  if (g == T(0)) return;
  if (!a.finite || !b.finite) {
    for (int k = 0; k < 5; ++k) ga[k] = gb[k] = T(NAN);
    return;
  }
  Point<T> qa[4], qb[4];
  ClipVertex<T> poly[kMaxClipVertices];
  const int n = intersection_polygon(a, b, qa, qb, poly);
  const T inter = clamped_area(a, b, poly, n);
  const T denom = iof ? a.area : a.area + b.area - inter;
  if (!(denom > T(0)) || inter == T(0)) return;  // IoU is 0 around here (or undefined)
  const T d2 = denom * denom;
  const T g_inter = iof ? g / denom : g * (a.area + b.area) / d2;
  const T g_area_a = -g * inter / d2;
  const T g_area_b = iof ? T(0) : g_area_a;
  Point<T> gqa[4], gqb[4];
  polygon_area_grad(poly, n, g_inter, qa, qb, gqa, gqb);
  corner_grad_to_box(a, gqa, ga);
  corner_grad_to_box(b, gqb, gb);
  ga[2] += g_area_a * a.sign_w * a.h;
  ga[3] += g_area_a * a.sign_h * a.w;
  gb[2] += g_area_b * b.sign_w * b.h;
  gb[3] += g_area_b * b.sign_h * b.w;
}

}  // namespace geom
}  // namespace daik
