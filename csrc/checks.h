// Argument checks shared by the CPU and CUDA entry points (host code only).
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace daik {

// boxes: (N, 5) float32/float64.
inline void check_boxes(const at::Tensor& boxes, const char* name) {
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 5, name,
              " must have shape (N, 5) as (cx, cy, w, h, theta), got ", boxes.sizes());
  TORCH_CHECK(boxes.scalar_type() == at::kFloat || boxes.scalar_type() == at::kDouble, name,
              " must be float32 or float64, got ", boxes.scalar_type());
}

inline void check_pair(const at::Tensor& boxes1, const at::Tensor& boxes2, bool aligned) {
  check_boxes(boxes1, "boxes1");
  check_boxes(boxes2, "boxes2");
  TORCH_CHECK(boxes1.scalar_type() == boxes2.scalar_type(),
              "boxes1 and boxes2 must share a dtype, got ", boxes1.scalar_type(), " and ",
              boxes2.scalar_type());
  TORCH_CHECK(boxes1.device() == boxes2.device(), "boxes1 and boxes2 must share a device, got ",
              boxes1.device(), " and ", boxes2.device());
  TORCH_CHECK(!aligned || boxes1.size(0) == boxes2.size(0),
              "aligned IoU needs as many boxes1 as boxes2, got ", boxes1.size(0), " and ",
              boxes2.size(0));
}

// "iou" -> false, "iof" -> true.
inline bool parse_mode(const std::string& mode) {
  TORCH_CHECK(mode == "iou" || mode == "iof", "mode must be 'iou' or 'iof', got '", mode, "'");
  return mode == "iof";
}

// grad: the shape of box_iou_rotated's output for these boxes.
inline void check_grad(const at::Tensor& grad, const at::Tensor& boxes1, const at::Tensor& boxes2,
                       bool aligned) {
  const bool ok = aligned ? (grad.dim() == 1 && grad.size(0) == boxes1.size(0))
                          : (grad.dim() == 2 && grad.size(0) == boxes1.size(0) &&
                             grad.size(1) == boxes2.size(0));
  TORCH_CHECK(ok, "grad has shape ", grad.sizes(), ", not that of the IoU output");
  TORCH_CHECK(grad.device() == boxes1.device(), "grad must be on ", boxes1.device());
}

inline void check_nms(const at::Tensor& boxes, const at::Tensor& scores,
                      const c10::optional<at::Tensor>& labels) {
  check_boxes(boxes, "boxes");
  TORCH_CHECK(scores.dim() == 1 && scores.size(0) == boxes.size(0), "scores must have shape (",
              boxes.size(0), ",), got ", scores.sizes());
  TORCH_CHECK(scores.device() == boxes.device(), "scores must be on ", boxes.device());
  TORCH_CHECK(scores.is_floating_point(), "scores must be floating point, got ",
              scores.scalar_type());
  if (labels.has_value()) {
    const at::Tensor& l = *labels;
    TORCH_CHECK(l.dim() == 1 && l.size(0) == boxes.size(0), "labels must have shape (",
                boxes.size(0), ",), got ", l.sizes());
    TORCH_CHECK(l.device() == boxes.device(), "labels must be on ", boxes.device());
    TORCH_CHECK(!l.is_floating_point() && !l.is_complex(), "labels must be integers, got ",
                l.scalar_type());
  }
}

}  // namespace daik
