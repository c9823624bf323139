# YOLOv6-R large: YOLOv6 v3.0 YOLOv6-L backbone/neck: CSPBep stages (BepC3, csp_e 1/2), SimSPPF,
# CSP RepBiFPAN, depth 1.0, width 1.0, trained with plain conv + SiLU blocks ("conv_silu").
_base_ = "./rotated_yolo_n.py"

deepen_factor = 1.0
widen_factor = 1.0
csp_e = 0.5

model = dict(
    backbone=dict(deepen_factor=deepen_factor, widen_factor=widen_factor, block="ConvBNSiLU", stage_block="BepC3",
                  csp_e=csp_e, sppf="SimSPPF"),
    neck=dict(deepen_factor=deepen_factor, widen_factor=widen_factor, block="ConvBNSiLU", stage_block="BepC3",
              csp_e=csp_e),
    head=dict(widen_factor=widen_factor),
)
