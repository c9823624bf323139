# YOLOv6-R-n from YOLOv6-R-s on DOTA-v1.0 (split ss 1024/200, 15 classes). Train the teacher first:
#   daik train configs/models/rotated_yolo_s_dota.py
student = dict(config="{{ fileDirname }}/../../models/rotated_yolo_n_dota.py")
teacher = dict(config="{{ fileDirname }}/../../models/rotated_yolo_s_dota.py",
               checkpoint="work_dirs/rotated_yolo_s_dota/epoch_300.pth")
