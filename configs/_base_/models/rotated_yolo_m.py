# YOLOv6-R medium: YOLOv6 v3.0 YOLOv6-M backbone/neck: CSPBep stages (BepC3, csp_e 2/3),
# SimSPPF, CSP RepBiFPAN, depth 0.60, width 0.75.
_base_ = "./rotated_yolo_n.py"

deepen_factor = 0.6
widen_factor = 0.75
csp_e = 2 / 3

model = dict(
    backbone=dict(deepen_factor=deepen_factor, widen_factor=widen_factor, stage_block="BepC3", csp_e=csp_e,
                  sppf="SimSPPF"),
    neck=dict(deepen_factor=deepen_factor, widen_factor=widen_factor, stage_block="BepC3", csp_e=csp_e),
    head=dict(widen_factor=widen_factor),
)
