"""Helpers in daik.utils: benchmark README sections replaced in place, the checkout's commit, malloc tuning."""
import os

from daik.utils import replace_section


def test_sections_are_replaced_in_place_and_others_kept(tmp_path):
    readme = str(tmp_path / "sub" / "README.md")
    replace_section(readme, "ops", "ops table\n")  # creates the folder and the file with its head
    replace_section(readme, "infer", "old infer")
    replace_section(readme, "eval", "eval table")
    replace_section(readme, "infer", "new infer\n")
    replace_section(readme, "export", "export")
    text = open(readme).read()
    assert text.startswith("# Benchmarks")
    assert "old" not in text and "ops table" in text and "eval table" in text
    assert text.index("<!-- ops:end -->") < text.index("new infer") < text.index("<!-- eval:begin -->")
    assert text.rstrip().endswith("export\n<!-- export:end -->")
    for tag in ("ops", "infer", "eval", "export"):
        assert text.count(f"<!-- {tag}:begin -->") == 1 and text.count(f"<!-- {tag}:end -->") == 1


def test_a_stray_end_marker_before_the_section_is_not_used(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro mentions <!-- kd:end --> by accident\n\n<!-- kd:begin -->\nold\n<!-- kd:end -->\ntail\n")
    replace_section(str(readme), "kd", "new")
    text = readme.read_text()
    assert text == "intro mentions <!-- kd:end --> by accident\n\n<!-- kd:begin -->\nnew\n<!-- kd:end -->\ntail\n"


def test_git_commit_names_this_checkout_or_says_unknown(tmp_path):
    import subprocess

    from daik.utils import git_commit

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    assert git_commit() == (head.stdout.strip() if head.returncode == 0 else "unknown")
    assert git_commit(str(tmp_path)) == "unknown"  # not a checkout



_FAULTS_SCRIPT = r"""
import resource, sys
import torch
from daik.utils import retain_freed_memory
ok = retain_freed_memory() if sys.argv[1] == "retain" else None
torch.manual_seed(0)
c = lambda i, o, s: [torch.nn.Conv2d(i, o, 3, s, 1), torch.nn.SiLU()]
net = torch.nn.Sequential(*c(3, 16, 2), *c(16, 16, 1), *c(16, 32, 2), *c(32, 32, 1), *c(32, 64, 2)).eval()
x = torch.rand(2, 3, 640, 640)  # activations of 2-13 MiB, as a detector's stem makes
with torch.no_grad():
    for _ in range(4):
        net(x)
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        net(x)
print(ok, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
"""


def test_retained_memory_is_reused_without_page_faults():
    """Five forward passes of a small conv stack after four warm-ups: with glibc's defaults the
    heap is trimmed and grown back every pass (tens of thousands of minor page faults here);
    with the freed blocks retained the passes reuse the same pages."""
    import platform
    import subprocess
    import sys

    import pytest

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's mallopt only")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, OMP_NUM_THREADS="1")
    out = {mode: subprocess.run([sys.executable, "-c", _FAULTS_SCRIPT, mode], env=env, capture_output=True, text=True,
                                check=True).stdout.split() for mode in ("retain", "default")}
    assert out["retain"][0] == "True"
    retained, default = int(out["retain"][1]), int(out["default"][1])
    # the passes allocate ~90 MiB each: 115,000 pages if none were reused; a retained heap may
    # still grow once in a while as it fragments
    assert retained < 7000, out
    assert default > 5 * max(retained, 1000), out
