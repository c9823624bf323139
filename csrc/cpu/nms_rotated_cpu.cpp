// CPU kernel of nms_rotated: greedy by descending score (stable), suppression when IoU is
// strictly above the threshold, only among boxes of the same label when labels are given.
//
// Two loops give the same kept boxes in the same order:
// - exhaustive: each kept box is compared with every later box (O(n * kept));
// - grid, for large inputs with a threshold >= 0: a box is suppressed exactly when a kept box
//   of higher rank and the same label has IoU above the threshold with it, and an IoU above a
//   threshold >= 0 needs a positive intersection, hence overlapping axis-aligned hulls. Kept
//   boxes are filed in a uniform grid by hull, and each box is compared only with the kept
//   boxes filed in the cells its hull covers (O(n * local density): merging the patches of a
//   whole scene, where every box meets a handful of neighbours, no longer costs n^2). Boxes
//   whose hull covers many cells go to a list that every later box is compared with.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "checks.h"
#include "common/rbox.h"

namespace daik {
namespace {

// g, lab: per rank (position in score order); order: rank -> index into the boxes. Returns
// the kept indices (into the boxes) in rank order.
template <typename T>
std::vector<int64_t> exhaustive_nms(const std::vector<geom::BoxGeom<T>>& g, const std::vector<int64_t>& lab,
                                    const int64_t* order, int64_t n, T threshold) {
  std::vector<uint8_t> removed(n, 0);
  std::vector<int64_t> keep;
  for (int64_t r = 0; r < n; ++r) {
    if (removed[r]) continue;
    keep.push_back(order[r]);
    const geom::BoxGeom<T> a = g[r];
    for (int64_t s = r + 1; s < n; ++s) {
      if (removed[s] || lab[s] != lab[r]) continue;
      if (geom::box_iou(a, g[s], false) > threshold) removed[s] = 1;
    }
  }
  return keep;
}

// Inputs at least this large (and a threshold >= 0) take the grid loop.
constexpr int64_t kGridMinBoxes = 1024;
// A kept box whose hull covers more cells than this goes to the list of large boxes.
constexpr int64_t kMaxCellsPerBox = 64;
// At most this many cells along an axis.
constexpr int64_t kMaxCellsPerAxis = 4096;

// The greedy result of exhaustive_nms, for threshold >= 0 (see the top of the file).
template <typename T>
std::vector<int64_t> grid_nms(const std::vector<geom::BoxGeom<T>>& g, const std::vector<int64_t>& lab,
                              const int64_t* order, int64_t n, T threshold) {
  // Hulls, widened beyond surely_disjoint's slack so that rounding never hides an overlap.
  std::vector<double> x0(n), y0(n), x1(n), y1(n), side;
  side.reserve(n);
  double lox = INFINITY, loy = INFINITY, hix = -INFINITY, hiy = -INFINITY;
  for (int64_t r = 0; r < n; ++r) {
    if (!g[r].finite) continue;
    const double cx = g[r].cx, cy = g[r].cy;
    const double pad = 1e-6 * (1.0 + std::fabs(cx) + std::fabs(cy));
    const double ex = double(g[r].ex) * (1.0 + 1e-4) + pad, ey = double(g[r].ey) * (1.0 + 1e-4) + pad;
    x0[r] = cx - ex, x1[r] = cx + ex, y0[r] = cy - ey, y1[r] = cy + ey;
    lox = std::min(lox, x0[r]), hix = std::max(hix, x1[r]);
    loy = std::min(loy, y0[r]), hiy = std::max(hiy, y1[r]);
    side.push_back(2.0 * std::max(ex, ey));
  }
  const int64_t nf = static_cast<int64_t>(side.size());
  double cell = 1.0;
  if (nf > 0) {
    std::nth_element(side.begin(), side.begin() + nf / 2, side.end());
    const double w = hix - lox, h = hiy - loy;
    cell = std::max({side[nf / 2], std::sqrt(w * h / (2.0 * nf)), w / kMaxCellsPerAxis, h / kMaxCellsPerAxis});
    if (!(cell > 0.0) || !std::isfinite(cell)) cell = std::max(1.0, std::max(w, h));
  }
  const auto cells_along = [&](double extent) {
    return std::min<int64_t>(kMaxCellsPerAxis, static_cast<int64_t>(extent / cell) + 1);
  };
  const int64_t nx = nf > 0 ? cells_along(hix - lox) : 1, ny = nf > 0 ? cells_along(hiy - loy) : 1;
  const auto cell_x = [&](double x) {
    return std::min<int64_t>(nx - 1, std::max<int64_t>(0, static_cast<int64_t>(std::floor((x - lox) / cell))));
  };
  const auto cell_y = [&](double y) {
    return std::min<int64_t>(ny - 1, std::max<int64_t>(0, static_cast<int64_t>(std::floor((y - loy) / cell))));
  };

  std::vector<std::vector<int32_t>> grid(nx * ny);
  std::vector<int32_t> large, kept_ranks;  // ranks (positions in score order)
  std::vector<int64_t> seen(n, -1);        // the box a kept box was last compared with
  std::vector<int64_t> keep;
  const auto suppresses = [&](int64_t r, int64_t s) {  // kept r (higher rank) against s
    if (seen[r] == s) return false;
    seen[r] = s;
    return lab[r] == lab[s] && geom::box_iou(g[r], g[s], false) > threshold;
  };
  for (int64_t s = 0; s < n; ++s) {
    if (!g[s].finite) {  // its IoU with anything is NaN: it neither suppresses nor is suppressed
      keep.push_back(order[s]);
      continue;
    }
    const int64_t cx0 = cell_x(x0[s]), cx1 = cell_x(x1[s]), cy0 = cell_y(y0[s]), cy1 = cell_y(y1[s]);
    const bool is_large = (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > kMaxCellsPerBox;
    bool removed = false;
    for (size_t k = 0; k < large.size() && !removed; ++k) removed = suppresses(large[k], s);
    if (is_large) {
      for (size_t k = 0; k < kept_ranks.size() && !removed; ++k) removed = suppresses(kept_ranks[k], s);
    } else {
      for (int64_t cy = cy0; cy <= cy1 && !removed; ++cy)
        for (int64_t cx = cx0; cx <= cx1 && !removed; ++cx)
          for (const int32_t r : grid[cy * nx + cx])
            if (suppresses(r, s)) {
              removed = true;
              break;
            }
    }
    if (removed) continue;
    keep.push_back(order[s]);
    kept_ranks.push_back(static_cast<int32_t>(s));
    if (is_large) {
      large.push_back(static_cast<int32_t>(s));
    } else {
      for (int64_t cy = cy0; cy <= cy1; ++cy)
        for (int64_t cx = cx0; cx <= cx1; ++cx) grid[cy * nx + cx].push_back(static_cast<int32_t>(s));
    }
  }
  return keep;
}

template <typename T>
std::vector<int64_t> greedy_nms(const T* boxes, const int64_t* order, const int64_t* labels, int64_t n,
                                T threshold, bool allow_grid) {
  std::vector<geom::BoxGeom<T>> g(n);
  std::vector<int64_t> lab(n, 0);
  at::parallel_for(0, n, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      g[r] = geom::make_box_geom(boxes + 5 * order[r]);
      if (labels != nullptr) lab[r] = labels[order[r]];
    }
  });
  if (allow_grid && n >= kGridMinBoxes && threshold >= T(0) && n < INT32_MAX)
    return grid_nms<T>(g, lab, order, n, threshold);
  return exhaustive_nms<T>(g, lab, order, n, threshold);
}

at::Tensor nms_cpu(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold,
                   const c10::optional<at::Tensor>& labels, bool allow_grid) {
  check_nms(boxes, scores, labels);
  const int64_t n = boxes.size(0);
  if (n == 0) return at::empty({0}, boxes.options().dtype(at::kLong));
  const at::Tensor order =
      std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true)).contiguous();
  const at::Tensor b = boxes.contiguous();
  at::Tensor lab;
  if (labels.has_value()) lab = labels->to(at::kLong).contiguous();
  std::vector<int64_t> keep;
  AT_DISPATCH_FLOATING_TYPES(b.scalar_type(), "nms_rotated_cpu", [&] {
    keep = greedy_nms<scalar_t>(b.data_ptr<scalar_t>(), order.data_ptr<int64_t>(),
                                lab.defined() ? lab.data_ptr<int64_t>() : nullptr, n,
                                static_cast<scalar_t>(iou_threshold), allow_grid);
  });
  at::Tensor out = at::empty({(int64_t)keep.size()}, boxes.options().dtype(at::kLong));
  std::copy(keep.begin(), keep.end(), out.data_ptr<int64_t>());
  return out;
}

at::Tensor nms_rotated_cpu(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold,
                           const c10::optional<at::Tensor>& labels) {
  return nms_cpu(boxes, scores, iou_threshold, labels, /*allow_grid=*/true);
}

// The exhaustive loop whatever the size: the reference the grid loop is tested and timed against.
at::Tensor nms_rotated_exhaustive_cpu(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold,
                                      const c10::optional<at::Tensor>& labels) {
  return nms_cpu(boxes, scores, iou_threshold, labels, /*allow_grid=*/false);
}

}  // namespace

TORCH_LIBRARY_IMPL(daik, CPU, m) {
  m.impl("nms_rotated", &nms_rotated_cpu);
  m.impl("nms_rotated_exhaustive", &nms_rotated_exhaustive_cpu);
}

}  // namespace daik
