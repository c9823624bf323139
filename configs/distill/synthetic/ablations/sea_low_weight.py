# sea with its anchor and topology terms at 0.1 instead of 1. At weight 1 they give the student
# ~100x the detection losses' gradient at initialisation (one batch of the pico-from-nano
# benchmark: anchor 68, topology 136 vs 0.6 for cls + bbox + dfl + angle), so clip_grad
# (max_norm 10) scales every gradient down 10x+ for the first epoch and detection barely
# trains. At 0.1 SEA's gradient is of the order of prediction mimicking's. An ablation of the
# benchmark (tools/bench_kd.py, method sea_low_weight).
_base_ = ["../sea.py"]

kd = dict(components=dict(sea=dict(anchor_weight=0.1, topo_weight=0.1)))
