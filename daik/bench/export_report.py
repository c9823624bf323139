"""The report of :mod:`daik.bench.export`: ``export.md`` (latency, mAP50, parity and file size of
every runtime x precision; the CAKD student's parity; the INT8 ablation) and its plot."""
from daik.bench.common import md_table, pyplot, save_figure

DEFAULT_CONFIG = "configs/demo/teacher_n.py"  # reports from before the config was recorded


def _ms(lat: dict, s, k: str) -> str:
    """Latency of ``k`` at size ``s`` and its ratio to PyTorch eager's."""
    return f"{lat[s][k] * 1000:.1f} ms ({lat[s][k] / lat[s]['PyTorch eager']:.2f}x)" if k in lat[s] else "-"


def _parity_cell(p: dict) -> str:
    """Largest score and box differences against PyTorch (99th percentile of the boxes too)."""
    if not p:
        return "-"
    p99 = f" (99%: {p['boxes_px_p99']:.1e})" if "boxes_px_p99" in p else ""
    return f"{p['scores']:.1e} / {p['boxes_px']:.1e} px{p99}"


def markdown(r: dict) -> str:
    """The report as markdown (reports from before the parity columns still render)."""
    sizes, lat, q = r["sizes"], r["latency_s"], r["quality"]
    s0 = sizes[0]
    impls = list(lat[s0])
    par, mib = r.get("parity", {}), r.get("file_mib", {})
    head = ["implementation", *(f"latency {s} px" for s in sizes), f"mAP50 ({s0} px)", "images/s",
            "scores / boxes vs PyTorch", "file"]
    rows = [[k, *(_ms(lat, s, k) for s in sizes), f"{q[k]['mAP']:.4f}", f"{q[k]['images_per_s']:.1f}",
             _parity_cell(par.get(k)), f"{mib[k]:.1f} MiB" if k in mib else "-"] for k in impls]
    lines = md_table(head, rows, "l" + "r" * (len(sizes) + 4))
    ratio = r["ratio_fp32_vs_eager"][s0]
    ok = "met" if ratio <= r["target_ratio"] else "NOT met"
    ckpt = f"`{r['checkpoint']}`" if r["checkpoint"] else "untrained weights (mAP meaningless)"
    config = r.get("config", DEFAULT_CONFIG)
    runtimes = f"onnxruntime {r['onnxruntime']}" + "".join(
        f", {lab} {r[k]}" for k, lab in (("openvino", "OpenVINO"), ("ncnn", "ncnn"), ("litert", "LiteRT")) if r.get(k))
    out = [
        "## Export to edge runtimes (`tools/bench_export.py`)", "",
        ("`DAIK_ONNX2TF=<onnx2tf of its own environment, see README> " if r.get("litert") else "`")
        + f"python tools/bench_export.py --config {config} --threads {r['threads']} --sizes {' '.join(map(str, sizes))}"
        + (f" --checkpoint {r['checkpoint']}" if r["checkpoint"] else "") + f"` on {r['machine']}, torch "
        f"{r['torch']}, {runtimes} ({r['threads']} thread(s) everywhere), {r['date']}, commit "
        f"`{r['commit']}`, load average {r['load_start']:.1f} at the start and {r['load_end']:.1f} at the end.", "",
        f"Detector of `{config}`, weights {ckpt}, exported once (reparameterised, decode inside, NMS outside). "
        "Scores / boxes: the largest |score difference| and the largest box corner distance (input pixels, "
        "points PyTorch scores above 0.05; in brackets the 99th percentile: one CSL bin flipped by a rounding turns "
        "a box by a degree or more) of the runtime's raw outputs against the fused PyTorch module on "
        f"{r.get('parity_images', '-')} held-out scenes at {s0} px. Latency: batch 1, median of interleaved calls, "
        "input tensor to decoded rboxes and scores (ncnn, LiteRT: their graph stops at the logits, the numpy "
        "decode is included); (Nx): over PyTorch eager. mAP50: DOTA VOC07 "
        f"at IoU 0.5 on `{r['val_dir']}` (held out), end to end (the same letterboxed {s0} px input, the same "
        f"numpy post-processing); INT8 calibrated on {r['calib_num']} training images. FP16 on these CPUs runs "
        "in float32 kernels (no half-precision units: onnxruntime casts, OpenVINO, ncnn and LiteRT keep FP16 "
        "weights and compute in float32): it "
        "is there for boards with them, its CPU latency says little.", "",
        *lines, "",
        f"Target: ORT FP32 latency <= 0.7x PyTorch eager at {s0} px: **{ratio:.2f}x** ({ok}); against the fused "
        f"eager module (the same graph): {r['ratio_fp32_vs_fused'][s0]:.2f}x. INT8 mAP drop against FP32: "
        f"**{r['int8_map_drop']:+.4f}** ({q['ORT FP32']['mAP']:.4f} -> {q['ORT INT8']['mAP']:.4f})"
        + "".join(f"; {lab} **{q[f'{lab} FP32']['mAP'] - q[f'{lab} INT8']['mAP']:+.4f}**"
                  for lab in ("OpenVINO",) if f"{lab} INT8" in q) + ".", ""]
    return "\n".join(out + _student_section(r) + _ablation_section(r) + _unavailable_section(r)
                     + ["![export latency](export.png)", ""])


def _student_section(r: dict) -> list:
    """Parity of the NMS-free CAKD student on every runtime."""
    sp = r.get("student_parity")
    if not sp:
        return []
    rows = [[k, f"{p['scores']:.1e}", f"{p['boxes_px']:.1e} px ({p['boxes_compared']} rows)"] for k, p in sp.items()]
    return [f"NMS-free CAKD student (`{r['student_config']}`, seeded weights), exported end to end to "
            f"`detections (1, 100, 7)` (top-K inside, no NMS, no plugin), against PyTorch on the same scenes "
            "(boxes: rows above 0.05 whose rank is unambiguous):", "",
            *md_table(["runtime", "scores", "boxes"], rows, "lrr"), ""]


def _ablation_section(r: dict) -> list:
    """What each INT8 choice costs in mAP50, per runtime."""
    ab = r.get("int8_ablation")
    if not ab:
        return []
    labs = [k for k in ("ORT", "OpenVINO") if k in ab[0]]
    fp32 = {lab: r["quality"][f"{lab} FP32"]["mAP"] for lab in labs}
    rows = [[a["variant"], a["calib_images"], *(f"{a[lab]:.4f} ({a[lab] - fp32[lab]:+.4f})" for lab in labs)]
            for a in ab]
    return ["INT8 choices at the first size (mAP50 on the held-out set, change against the same runtime's FP32; "
            "the prediction convs and the decode always stay in float). 8-bit weights saturate this CPU's "
            "uint8 x int8 kernels (AVX2 without VNNI sums pairs of products in 16 bits), most at the first conv, "
            "which sees the dense image: 7-bit weights remove it. ORT's entropy calibration with its default 128 "
            "bins picks the min-max ranges here.", "",
            *md_table(["variant", "calibration images", *(f"{lab} INT8" for lab in labs)], rows,
                      "lr" + "r" * len(labs)), ""]


def _unavailable_section(r: dict) -> list:
    """The formats this machine kind cannot produce, and why."""
    un = r.get("unavailable")
    if not un:
        return []
    return ["Not produced on this machine kind:", "", *[f"- **{k}**: {v}." for k, v in un.items()], ""]


def plot(r: dict, path: str) -> None:
    """Latency per implementation and size, relative to PyTorch eager."""
    import numpy as np

    sizes, impls = r["sizes"], list(r["latency_s"][r["sizes"][0]])
    fig, ax = pyplot().subplots(figsize=(9, 3.4))
    w = 0.8 / len(impls)
    for i, k in enumerate(impls):
        vals = [r["latency_s"][s][k] / r["latency_s"][s]["PyTorch eager"] for s in sizes]
        ax.bar(np.arange(len(sizes)) + i * w, vals, w, label=k)
    ax.axhline(r["target_ratio"], color="tab:red", ls="--", lw=1, label="0.7x target (ORT FP32)")
    ax.set_xticks(np.arange(len(sizes)) + 0.4 - w / 2, [f"{s} px" for s in sizes])
    ax.set_ylabel("latency / PyTorch eager")
    ax.set_ylim(0, 1.45)
    ax.legend(fontsize=7, ncol=4, loc="upper center")
    save_figure(fig, path)
