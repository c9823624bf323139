# daik_full_no_ld_pos with AD's lambda equal to the CSL weight (0.2), as the authors' loss weights give it,
# instead of 5x (1): at T = 20 its gradient is then ~1/20 of CSL's. tools/bench_kd.py method daik_full_ad_w02.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ad=dict(loss_weight=0.2)))
