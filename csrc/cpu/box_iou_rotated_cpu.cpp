// CPU kernels of box_iou_rotated and its backward. Geometry: common/rbox.h.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "checks.h"
#include "common/rbox.h"

namespace daik {
namespace {

using geom::BoxGeom;

// Per-box data (corners, hulls, areas), computed once per call; boxes: (N, 5) contiguous.
template <typename T>
std::vector<BoxGeom<T>> box_geoms(const at::Tensor& boxes) {
  const T* p = boxes.data_ptr<T>();
  std::vector<BoxGeom<T>> g(boxes.size(0));
  at::parallel_for(0, boxes.size(0), 2048, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) g[i] = geom::make_box_geom(p + 5 * i);
  });
  return g;
}

// Rows per parallel chunk so that a chunk holds a few thousand pairs.
inline int64_t row_grain(int64_t m) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(m, 1)); }

template <typename T>
void iou_forward(const std::vector<BoxGeom<T>>& g1, const std::vector<BoxGeom<T>>& g2, bool iof,
                 bool aligned, T* out) {
  const int64_t n = g1.size(), m = g2.size();
  if (aligned) {
    at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = geom::box_iou(g1[i], g2[i], iof);
    });
    return;
  }
  at::parallel_for(0, n, row_grain(m), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const BoxGeom<T> a = g1[i];
      T* row = out + i * m;
      for (int64_t j = 0; j < m; ++j) row[j] = geom::box_iou(a, g2[j], iof);
    }
  });
}

template <typename T>
void add5(T* dst, const T* src) {
  for (int k = 0; k < 5; ++k) dst[k] += src[k];
}

// Pairwise backward. Rows are split into a fixed number of chunks (independent of the thread
// count, so results are reproducible); each chunk owns its rows of grad1 and accumulates
// grad2 in its own buffer, summed at the end.
template <typename T>
void iou_backward_pairwise(const T* grad, const std::vector<BoxGeom<T>>& g1,
                           const std::vector<BoxGeom<T>>& g2, bool iof, T* grad1, T* grad2) {
  const int64_t n = g1.size(), m = g2.size();
  const int64_t max_chunks = std::max<int64_t>(1, std::min<int64_t>(64, (1 << 22) / (5 * m)));
  const int64_t chunks = std::min<int64_t>(n, max_chunks);
  const int64_t rows = (n + chunks - 1) / chunks;
  std::vector<T> partial(chunks * m * 5, T(0));
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    T ga[5], gb[5];
    for (int64_t c = begin; c < end; ++c) {
      T* acc = partial.data() + c * m * 5;
      for (int64_t i = c * rows; i < std::min(n, (c + 1) * rows); ++i) {
        for (int64_t j = 0; j < m; ++j) {
          const T g = grad[i * m + j];
          if (g == T(0)) continue;
          geom::box_iou_grad(g1[i], g2[j], iof, g, ga, gb);
          add5(grad1 + 5 * i, ga);
          add5(acc + 5 * j, gb);
        }
      }
    }
  });
  at::parallel_for(0, m * 5, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      T s = T(0);
      for (int64_t c = 0; c < chunks; ++c) s += partial[c * m * 5 + k];
      grad2[k] = s;
    }
  });
}

template <typename T>
void iou_backward_aligned(const T* grad, const std::vector<BoxGeom<T>>& g1,
                          const std::vector<BoxGeom<T>>& g2, bool iof, T* grad1, T* grad2) {
  at::parallel_for(0, (int64_t)g1.size(), 512, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      geom::box_iou_grad(g1[i], g2[i], iof, grad[i], grad1 + 5 * i, grad2 + 5 * i);
  });
}

at::Tensor box_iou_rotated_cpu(const at::Tensor& boxes1, const at::Tensor& boxes2,
                               c10::string_view mode, bool aligned) {
  check_pair(boxes1, boxes2, aligned);
  const bool iof = parse_mode(std::string(mode.data(), mode.size()));
  const int64_t n = boxes1.size(0), m = boxes2.size(0);
  at::Tensor out = aligned ? at::empty({n}, boxes1.options()) : at::empty({n, m}, boxes1.options());
  if (out.numel() == 0) return out;
  const at::Tensor b1 = boxes1.contiguous(), b2 = boxes2.contiguous();
  AT_DISPATCH_FLOATING_TYPES(b1.scalar_type(), "box_iou_rotated_cpu", [&] {
    iou_forward<scalar_t>(box_geoms<scalar_t>(b1), box_geoms<scalar_t>(b2), iof, aligned,
                          out.data_ptr<scalar_t>());
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> box_iou_rotated_backward_cpu(const at::Tensor& grad,
                                                                const at::Tensor& boxes1,
                                                                const at::Tensor& boxes2,
                                                                c10::string_view mode,
                                                                bool aligned) {
  check_pair(boxes1, boxes2, aligned);
  check_grad(grad, boxes1, boxes2, aligned);
  const bool iof = parse_mode(std::string(mode.data(), mode.size()));
  at::Tensor grad1 = at::zeros_like(boxes1, at::MemoryFormat::Contiguous);
  at::Tensor grad2 = at::zeros_like(boxes2, at::MemoryFormat::Contiguous);
  if (grad.numel() == 0) return {grad1, grad2};
  const at::Tensor b1 = boxes1.contiguous(), b2 = boxes2.contiguous();
  const at::Tensor g = grad.to(boxes1.scalar_type()).contiguous();
  AT_DISPATCH_FLOATING_TYPES(b1.scalar_type(), "box_iou_rotated_backward_cpu", [&] {
    const auto g1 = box_geoms<scalar_t>(b1);
    const auto g2 = box_geoms<scalar_t>(b2);
    auto fn = aligned ? iou_backward_aligned<scalar_t> : iou_backward_pairwise<scalar_t>;
    fn(g.data_ptr<scalar_t>(), g1, g2, iof, grad1.data_ptr<scalar_t>(),
       grad2.data_ptr<scalar_t>());
  });
  return {grad1, grad2};
}

}  // namespace

TORCH_LIBRARY_IMPL(daik, CPU, m) {
  m.impl("box_iou_rotated", &box_iou_rotated_cpu);
  m.impl("box_iou_rotated_backward", &box_iou_rotated_backward_cpu);
}

}  // namespace daik
