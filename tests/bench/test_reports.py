"""The benchmark suites' reports: tables and verdicts from a report dict."""
from daik.bench import export as bench_export
from daik.bench import infer as bench_infer
from daik.bench.export_report import markdown as export_markdown


def _infer_report(wall, rss):
    stats = dict(seconds_model=90.0, seconds_waiting=1.0, seconds_merge=0.5, raw_detections=900, detections=700)
    return dict(date="d", commit="c", machine="m", torch="t", threads=1, batch_size=2, raster="r.tif",
                raster_size=(10000, 10000), objects=500, patch=1024, gap=200, checkpoint=None, load_start=1.0,
                load_end=1.0, rounds=2, tiled=dict(wall_s=wall, stats=stats, peak_rss_mib=rss, rss_after_model_mib=400),
                bare=dict(patches=144, forward_s=100.0, patch_call_s=104.0, peak_rss_mib=900),
                ratio_vs_forward=wall / 100.0, ratio_vs_patch_call=wall / 104.0)


def test_infer_table_states_the_targets():
    ok = bench_infer.markdown(_infer_report(105.0, 700))
    assert "**1.050x** (met" in ok and "**700 MiB** (met)" in ok
    bad = bench_infer.markdown(_infer_report(130.0, 2500))
    assert "**1.300x** (NOT met" in bad and "**2500 MiB** (NOT met)" in bad
    assert "page faults" not in ok  # reports from before the fault counts still render


def test_infer_table_says_how_memory_was_allocated():
    r = _infer_report(105.0, 700)
    r["tiled"]["minor_faults"], r["bare"]["minor_faults"] = 144 * 500, 144 * 20
    r["all_runs"] = dict(tiled=[dict(wall_s=110.0), dict(wall_s=105.0)],
                         bare=[dict(forward_s=100.0), dict(forward_s=102.0)])
    r["tiled"]["stats"]["seconds_postprocess_thread"] = 3.5
    text = bench_infer.markdown(dict(r, malloc="retain"))
    assert "retain_freed_memory" in text and "tiled 500, bare (forward + patch call) 20." in text
    assert "Round by round, tiled / bare forward: 1.100x, 1.029x." in text
    assert "(decoding + NMS 3.5 s beside it on the worker thread)" in text
    assert "glibc's default malloc" in bench_infer.markdown(dict(r, malloc="default"))


def test_export_table_states_the_target_and_int8_drop():
    impls = bench_export.IMPLS
    lat = {256: dict(zip(impls, [0.2, 0.15, 0.1, 0.12, 0.05]))}
    quality = {k: dict(mAP=m, images_per_s=10.0) for k, m in zip(impls, [0.5, 0.5, 0.5, 0.5, 0.45])}
    r = dict(sizes=[256], latency_s=lat, quality=quality, ratio_fp32_vs_eager={256: 0.5},
             ratio_fp32_vs_fused={256: 0.67}, int8_map_drop=0.05, target_ratio=0.7, checkpoint="c.pth",
             threads=1, machine="m", torch="t", onnxruntime="o", date="d", commit="c", load_start=1.0,
             load_end=1.0, val_dir="v", calib_num=64)
    text = export_markdown(r)
    assert "**0.50x** (met)" in text and "**+0.0500**" in text and "| ORT INT8 | 50.0 ms (0.25x) |" in text
