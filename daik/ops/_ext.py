"""Loading of the compiled extension ``daik._C`` with an error that says how to build it.

Loading also registers, once, what the C++ side leaves to Python:

* autograd of ``daik::box_iou_rotated`` (``torch.library.register_autograd``), whose backward
  is the compiled ``daik::box_iou_rotated_backward`` (first order; no double backward);
* fake (meta) kernels, so the ops trace under ``torch.compile`` / ``torch.export``.
"""
import importlib
import os

_INSTALL = (
    "daik's compiled ops (daik._C / daik.ops._polyiou) are not built. From the repository root run\n"
    "    pip install torch==2.13.0\n"
    "    pip install --no-build-isolation -e .[dev]\n"
    "(or `make install`). Pure-torch references live in daik.ops.reference."
)
_error = None
_loaded = False
_polyiou = None


def _setup_context(ctx, inputs, output):
    boxes1, boxes2, mode, aligned = inputs
    ctx.save_for_backward(boxes1, boxes2)
    ctx.mode, ctx.aligned = mode, aligned


def _backward(ctx, grad):
    import torch

    boxes1, boxes2 = ctx.saved_tensors
    g1, g2 = torch.ops.daik.box_iou_rotated_backward(grad.contiguous(), boxes1, boxes2, ctx.mode, ctx.aligned)
    return g1, g2, None, None


def _register_python_parts() -> None:
    import torch

    torch.library.register_autograd("daik::box_iou_rotated", _backward, setup_context=_setup_context)

    @torch.library.register_fake("daik::box_iou_rotated")
    def _(boxes1, boxes2, mode, aligned):
        shape = (boxes1.shape[0],) if aligned else (boxes1.shape[0], boxes2.shape[0])
        return boxes1.new_empty(shape)

    @torch.library.register_fake("daik::box_iou_rotated_backward")
    def _(grad, boxes1, boxes2, mode, aligned):
        return boxes1.new_empty(boxes1.shape), boxes2.new_empty(boxes2.shape)

    @torch.library.register_fake("daik::nms_rotated")
    def _(boxes, scores, iou_threshold, labels):
        k = torch.library.get_ctx().new_dynamic_size()
        return boxes.new_empty((k,), dtype=torch.long)


def load_ops():
    """Return ``torch.ops.daik`` after importing ``daik._C``; raise ImportError if it is absent."""
    global _error, _loaded
    if not _loaded and _error is None:
        try:
            importlib.import_module("daik._C")
            _register_python_parts()
            _loaded = True
        except ImportError as e:  # keep the cause for the message
            _error = e
    if not _loaded:
        raise ImportError(f"{_INSTALL}\n(cause: {_error})")
    import torch

    return torch.ops.daik


def load_polyiou():
    """Return the Cython module ``daik.ops._polyiou``; raise ImportError if it is absent."""
    global _polyiou
    if _polyiou is None:
        try:
            _polyiou = importlib.import_module("daik.ops._polyiou")
        except ImportError as e:
            raise ImportError(f"{_INSTALL}\n(cause: {e})") from e
    return _polyiou


def use_reference_ops() -> bool:
    """True when ``DAIK_USE_REFERENCE_OPS=1``: daik.ops then runs the pure-torch references
    (slow; for platforms where the extension cannot be built, and for development)."""
    return os.environ.get("DAIK_USE_REFERENCE_OPS", "0") == "1"


def has_extension() -> bool:
    """True when ``daik._C`` imports."""
    try:
        load_ops()
        return True
    except ImportError:
        return False
