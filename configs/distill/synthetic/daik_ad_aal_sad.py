# daik_ad_aal_sad on daik's quick synthetic scenes: YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher
# first (it lands in work_dirs/rotated_yolo_s/epoch_30.pth, EMA weights):
#   python tools/train.py configs/synthetic/rotated_yolo_s.py
#   python tools/train.py configs/distill/synthetic/daik_ad_aal_sad.py
# The distilled checkpoint loads straight into the student's config for test and export:
#   python tools/test.py configs/synthetic/rotated_yolo_n.py work_dirs/daik_ad_aal_sad/epoch_30.pth
_base_ = ["../daik_ad_aal_sad.py", "../_base_/synthetic_quick.py"]

model = dict(
    student=dict(head=dict(num_classes=7), test_cfg=dict(score_thr=0.01, nms_pre=1000, max_per_img=300)),
    teacher_config="../../synthetic/rotated_yolo_s.py",  # relative to configs/distill/_base_
    teacher_ckpt="work_dirs/rotated_yolo_s/epoch_30.pth",
)
