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
