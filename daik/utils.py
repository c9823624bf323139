"""Small helpers shared by the tools."""
import os

BENCH_README_HEAD = ("# Benchmarks\n\nEach section is written by its `tools/bench_*.py`; "
                     "rerun the tool to refresh it.\n")


def replace_section(path: str, tag: str, body: str, head: str = BENCH_README_HEAD) -> None:
    """Rewrite the part of the markdown file ``path`` between ``<!-- tag:begin -->`` and
    ``<!-- tag:end -->`` with ``body``; the section is appended when absent and the file created
    (starting with ``head``) when missing. Everything outside the markers stays as it was."""
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    text = open(path).read() if os.path.isfile(path) else head
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text[text.index(begin):]:
        start = text.index(begin)
        stop = text.index(end, start) + len(end)
        text = text[:start] + block + text[stop:]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def git_commit(root: str = None) -> str:
    """Short hash of the checkout's HEAD (what a benchmark was measured on), or ``"unknown"``."""
    import subprocess

    root = root or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):  # not a git checkout, or no git
        return "unknown"


# glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def retain_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 1 << 30) -> bool:
    """Let glibc keep freed blocks for reuse instead of handing them back to the kernel.

    By default glibc serves blocks above a (moving) threshold of a few MiB with fresh ``mmap``
    pages and unmaps them on free, so every forward pass of a detector at 1024 px page-faults
    its activations in again: ~45,000 minor faults a batch of two for the n model, about a tenth of
    its CPU time. With blocks up to ``mmap_threshold`` taken from the heap, and the heap trimmed
    only past ``trim_threshold`` free bytes at its top, the next pass reuses the same pages. The
    price: memory freed after the peak stays with the process (its peak RSS does not grow).

    Process-wide and a no-op (False) where libc is not glibc; the long-running tools call it
    once at start-up. glibc caps ``mmap_threshold`` at 32 MiB on 64-bit machines.
    """
    import ctypes
    import ctypes.util
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))) and bool(mallopt(_M_TRIM_THRESHOLD,
                                                                                  int(trim_threshold)))
