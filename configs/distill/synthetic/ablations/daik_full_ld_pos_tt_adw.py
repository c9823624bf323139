# daik_full with both of its two tied probes: the teacher's soft targets on its picks (ld_pos_tt) and AD
# weighted by the alignment score (ld_pos_adw). tools/bench_kd.py method daik_full_ld_pos_tt_adw.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(ad=dict(weighted=True), sad=dict(teacher_targets=True)))
