"""Loading of the compiled extension ``daik._C`` with an error that says how to build it."""
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


def load_ops():
    """Return ``torch.ops.daik`` after importing ``daik._C``; raise ImportError if it is absent."""
    global _error, _loaded
    if not _loaded and _error is None:
        try:
            importlib.import_module("daik._C")
            _loaded = True
        except ImportError as e:  # keep the cause for the message
            _error = e
    if not _loaded:
        raise ImportError(f"{_INSTALL}\n(cause: {_error})")
    import torch

    return torch.ops.daik


def load_polyiou():
    """Return the Cython module ``daik.ops._polyiou``; raise ImportError if it is absent."""
    try:
        return importlib.import_module("daik.ops._polyiou")
    except ImportError as e:
        raise ImportError(f"{_INSTALL}\n(cause: {e})") from e


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
