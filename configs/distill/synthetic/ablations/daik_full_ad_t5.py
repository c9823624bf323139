# daik_full_no_ld_pos with AD's temperature at 5 instead of 20 (same lambda). tools/bench_kd.py method daik_full_ad_t5.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ad=dict(temperature=5.0)))
