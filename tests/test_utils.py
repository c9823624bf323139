"""The benchmark tools' README sections: replaced in place, others kept, appended when new."""
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
