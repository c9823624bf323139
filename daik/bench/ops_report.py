"""The report of :mod:`daik.bench.ops`: the ``ops`` section of benchmarks/README.md and the plot
of daik's speed-ups over each peer."""
import os

from daik.bench.common import md_table, pyplot, save_figure

IMPLS = ["daik", "daik (1 thread)", "daik exhaustive loop", "shapely (all pairs)", "shapely (STRtree)",
         "reference", "mmcv"]


def fmt_seconds(t: float) -> str:
    """``1.23 s``, ``4.56 ms`` or ``7.8 µs``."""
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} µs"


def cell(case: dict, impl: str) -> str:
    """One implementation's time on a case, with its ratio to daik's and the problem if smaller."""
    rows = [r for r in case["results"] if r["impl"] == impl]
    if not rows:
        return "–"
    r = next((x for x in rows if x["problem"] == case["problem"]), rows[0])
    if impl == "daik":
        return fmt_seconds(r["median_s"])
    text = f"{fmt_seconds(r['median_s'])} ({r['daik_speedup']:.1f}x)"
    return text if r["problem"] == case["problem"] else f"{text} at {r['problem']}"


def markdown(report: dict) -> str:
    """The ``ops`` section: one row per case, the checks made in the same run, the target."""
    meta = report["meta"]
    impls = [i for i in IMPLS if any(r["impl"] == i for c in report["cases"] for r in c["results"])]
    lines = [
        "## Geometric ops (`tools/bench_ops.py`)",
        "",
        f"`{meta['command']}` on {meta['device_name']} (torch threads: {meta['torch_threads']}), "
        f"torch {meta['torch']}, shapely {meta['shapely']}, {meta['date']}, commit `{meta['commit']}`, "
        f"load average {meta['load_average_start']:.1f} at the start and "
        f"{meta['load_average_end']:.1f} at the end (the machine's cores are shared).",
        "",
        "Median of repeated runs after a warm-up. `(Nx)`: that column's time over daik's on the "
        "same problem (daik is N times faster); `at RxM`: the peer was timed on that smaller "
        "problem, and so was daik for its ratio. float32 boxes; shapely gets the same corners in "
        "float64. Shapely is single-threaded; the torch references use the same torch threads as "
        "daik. When other work keeps the cores busy, every multi-threaded torch region can stall "
        "for milliseconds (the references, made of many small ops, suffer most): on such a "
        "machine run with `--threads 1`.",
        "",
        *md_table(["case", *impls], [[c["title"], *(cell(c, i) for i in impls)] for c in report["cases"]],
                  "l" * (len(impls) + 1)),
    ]
    lines += ["", "Checks in the same run:", ""]
    for c in report["cases"]:
        checks = [f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in c["check"].items()]
        checks += [f"one polygon against 8 per call: {fmt_seconds(r['median_s'])}"
                   for r in c["results"] if r["problem"] == "1x8"]
        lines += [f"- {c['title']}: " + ", ".join(checks)] if checks else []
    t = report["target"]
    one = f"; single-threaded {t['speedup_1thread']:.0f}x" if t and meta["torch_threads"] > 1 else ""
    lines += ["", f"Target: compiled `box_iou_rotated` {t['problem']} on CPU at least 50x faster than "
                  f"shapely vectorised (all pairs): **{t['speedup']:.0f}x** "
                  f"({'met' if t['speedup'] >= 50 else 'NOT met'}){one}." if t else ""]
    lines += ["", f"![speed-ups]({os.path.basename(report['plot'])})" if report.get("plot") else ""]
    return "\n".join(lines).rstrip() + "\n"


def plot(report: dict, path: str) -> None:
    """Bars of daik's speed-up over each peer (log scale), one group per case."""
    plt = pyplot()
    peers = [i for i in IMPLS[1:] if any(r["impl"] == i for c in report["cases"] for r in c["results"])]
    cases = report["cases"]
    fig, ax = plt.subplots(figsize=(11, 1.5 + 0.2 * len(cases) * len(peers)))
    height = 0.8 / len(peers)
    for k, impl in enumerate(peers):
        ys, xs = [], []
        for i, c in enumerate(cases):
            r = next((x for x in c["results"] if x["impl"] == impl and x["problem"] != "1x8"), None)
            if r is not None:
                ys.append(i + k * height)
                xs.append(r["daik_speedup"])
        ax.barh(ys, xs, height=height, label=impl)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(cases))], [c["title"] for c in cases], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("peer time / daik time (same problem), log scale")
    ax.set_title(f"daik geometric ops on {report['meta']['device_name']}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(fig, path)
