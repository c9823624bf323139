"""daik synth never writes into a folder that holds anything unless told to
overwrite, and then leaves one data set, not two mixed."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from daik.cli import synth as make_synthetic

SMALL = ["--preset", "quick", "--size", "64", "--nproc", "1"]


def _files(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def test_refuses_a_non_empty_folder_and_overwrite_leaves_one_set(tmp_path):
    out = str(tmp_path / "syn")
    make_synthetic.main([out, "--num-images", "3", "--seed", "0", *SMALL])
    first = {f: open(os.path.join(out, f), "rb").read() for f in _files(out)}
    assert len(first) == 6
    with pytest.raises(SystemExit, match="is not empty"):
        make_synthetic.main([out, "--num-images", "2", "--seed", "1", *SMALL])
    assert {f: open(os.path.join(out, f), "rb").read() for f in _files(out)} == first  # untouched
    (tmp_path / "syn" / "notes.txt").write_text("mine")
    make_synthetic.main([out, "--num-images", "2", "--seed", "1", "--overwrite", *SMALL])
    files = _files(out)
    assert len([f for f in files if f.startswith("images")]) == 2  # no scene of the first set left
    assert "notes.txt" in files  # only images/ and labelTxt/ are replaced
    assert open(os.path.join(out, "images", "S00000.png"), "rb").read() != first[os.path.join("images", "S00000.png")]


def test_empty_or_new_folder_is_fine(tmp_path):
    (tmp_path / "empty").mkdir()
    make_synthetic.main([str(tmp_path / "empty"), "--num-images", "1", *SMALL])
    assert len(_files(tmp_path / "empty")) == 2
