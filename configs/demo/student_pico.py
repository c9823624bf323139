# The demo's student: YOLOv6-R-n's depth at half its width (0.125; ~1.4 M parameters), on the
# quick synthetic scenes. Small enough that `make demo` trains it, and distils it from a nano
# teacher four times its compute, within minutes on a 2-core CPU.
_base_ = ["../synthetic/rotated_yolo_n.py"]
widen_factor = 0.125
model = dict(backbone=dict(widen_factor=widen_factor), neck=dict(widen_factor=widen_factor),
             head=dict(widen_factor=widen_factor))
