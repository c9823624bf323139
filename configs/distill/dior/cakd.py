# cakd on DIOR-R: YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher first:
#   daik train configs/models/rotated_yolo_s_dior.py
#   daik train configs/distill/dior/cakd.py
# Any other method: the same three lines with its configs/distill/methods/<method>.py.
_base_ = ["../_base_/dior.py", "../pairs/n_from_s_dior.py", "../methods/cakd.py"]
