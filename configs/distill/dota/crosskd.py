# crosskd on DOTA-v1.0 (split ss 1024/200): YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher first:
#   daik train configs/models/rotated_yolo_s_dota.py
#   daik train configs/distill/dota/crosskd.py
# Any other method: the same three lines with its configs/distill/methods/<method>.py.
_base_ = ["../_base_/dota.py", "../pairs/n_from_s_dota.py", "../methods/crosskd.py"]
