# daik_ad_aal_sad with the generic pair (YOLOv6-R-n from YOLOv6-R-s, DOTA classes), no data: the model a
# data set config adds to; see configs/distill/methods/daik_ad_aal_sad.py for the method.
_base_ = ["./pairs/n_from_s.py", "./methods/daik_ad_aal_sad.py"]
