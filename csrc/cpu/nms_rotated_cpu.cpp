// CPU kernel of nms_rotated: greedy by descending score (stable), suppression when IoU is
// strictly above the threshold, only among boxes of the same label when labels are given.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "checks.h"
#include "common/rbox.h"

namespace daik {
namespace {

// boxes (N, 5) contiguous; order: (N,) indices by descending score; labels: (N,) int64 or
// nullptr. Returns the kept indices (into boxes) in order.
template <typename T>
std::vector<int64_t> greedy_nms(const T* boxes, const int64_t* order, const int64_t* labels,
                                int64_t n, T threshold) {
  std::vector<geom::BoxGeom<T>> g(n);
  std::vector<int64_t> lab(n, 0);
  at::parallel_for(0, n, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      g[r] = geom::make_box_geom(boxes + 5 * order[r]);
      if (labels != nullptr) lab[r] = labels[order[r]];
    }
  });
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

at::Tensor nms_rotated_cpu(const at::Tensor& boxes, const at::Tensor& scores,
                           double iou_threshold, const c10::optional<at::Tensor>& labels) {
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
                                static_cast<scalar_t>(iou_threshold));
  });
  at::Tensor out = at::empty({(int64_t)keep.size()}, boxes.options().dtype(at::kLong));
  std::copy(keep.begin(), keep.end(), out.data_ptr<int64_t>());
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(daik, CPU, m) { m.impl("nms_rotated", &nms_rotated_cpu); }

}  // namespace daik
