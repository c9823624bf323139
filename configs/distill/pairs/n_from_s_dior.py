# YOLOv6-R-n from YOLOv6-R-s on DIOR-R (20 classes). Train the teacher first:
#   daik train configs/models/rotated_yolo_s_dior.py
student = dict(config="{{ fileDirname }}/../../models/rotated_yolo_n_dior.py")
teacher = dict(config="{{ fileDirname }}/../../models/rotated_yolo_s_dior.py",
               checkpoint="work_dirs/rotated_yolo_s_dior/epoch_100.pth")
