# daik_ad_aal_sad on daik's quick synthetic scenes: YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher
# first (it lands in work_dirs/rotated_yolo_s/epoch_30.pth, EMA weights):
#   daik train configs/synthetic/rotated_yolo_s.py
#   daik train configs/distill/synthetic/daik_ad_aal_sad.py
# The distilled checkpoint loads straight into the student's config for test and export:
#   daik test configs/synthetic/rotated_yolo_n.py work_dirs/daik_ad_aal_sad/epoch_30.pth
_base_ = ["../_base_/synthetic_quick.py", "../pairs/n_from_s_synthetic.py", "../methods/daik_ad_aal_sad.py"]
