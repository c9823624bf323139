// The schema of daik's compiled ops (torch.ops.daik.*). Kernels register per device in
// cpu/*.cpp and cuda/*.cu; autograd for box_iou_rotated is registered from Python
// (daik/ops/_ext.py) with torch.library.register_autograd.
#include <Python.h>
#include <torch/library.h>

TORCH_LIBRARY(daik, m) {
  m.def("box_iou_rotated(Tensor boxes1, Tensor boxes2, str mode, bool aligned) -> Tensor");
  m.def(
      "box_iou_rotated_backward(Tensor grad, Tensor boxes1, Tensor boxes2, str mode, "
      "bool aligned) -> (Tensor, Tensor)");
  m.def("nms_rotated(Tensor boxes, Tensor scores, float iou_threshold, Tensor? labels) -> Tensor");
  // CPU only: nms_rotated's exhaustive loop at every size (tests and benchmarks of the grid loop).
  m.def("nms_rotated_exhaustive(Tensor boxes, Tensor scores, float iou_threshold, Tensor? labels) -> Tensor");
}

// `import daik._C` only has to load this library (which registers the ops above); the
// module itself is empty.
extern "C" PyObject* PyInit__C(void) {
  static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_C", nullptr, -1, nullptr};
  return PyModule_Create(&module_def);
}
