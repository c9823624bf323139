# daik_full_no_ld_pos with AD's temperature at 1 instead of 20 (same lambda). tools/bench_kd.py method daik_full_ad_t1.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ad=dict(temperature=1.0)))
