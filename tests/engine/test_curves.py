import json

from tests.engine.test_checkpoint import _runner

from daik.engine.curves import TrainingCurveHook


def test_curve_hook_records_every_iteration_and_draws(tmp_path):
    runner = _runner(tmp_path, 2, name="c")
    hook = TrainingCurveHook()
    runner.register_hook(hook)
    runner.train()
    rec = json.loads((tmp_path / "curves.json").read_text())
    assert [it for it, _ in rec["losses"]["loss"]] == list(range(1, 7))  # 12 samples / 4 x 2 epochs
    assert all(v > 0 for _, v in rec["losses"]["loss"])
    png = (tmp_path / "curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
