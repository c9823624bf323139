# daik_full without the LD on the positives (configs/distill/methods/daik_core.py): daik_full as it
# was before that term measured better, and the base of the daik_full_* ablations beside this file,
# each of which changes one thing of it. tools/bench_kd.py method daik_full_no_ld_pos.
_base_ = ["../../_base_/synthetic_quick.py", "../../pairs/n_from_s_synthetic.py", "../../methods/daik_core.py"]
