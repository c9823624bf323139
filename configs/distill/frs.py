# frs with the generic pair (YOLOv6-R-n from YOLOv6-R-s, DOTA classes), no data: the model a
# data set config adds to; see configs/distill/methods/frs.py for the method.
_base_ = ["./pairs/n_from_s.py", "./methods/frs.py"]
