# YOLOv6-R-n from YOLOv6-R-s on daik's quick synthetic scenes (7 classes). Train the teacher first
# (it lands in work_dirs/rotated_yolo_s/epoch_30.pth, EMA weights):
#   daik train configs/synthetic/rotated_yolo_s.py
student = dict(config="{{ fileDirname }}/../../synthetic/rotated_yolo_n.py")
teacher = dict(config="{{ fileDirname }}/../../synthetic/rotated_yolo_s.py",
               checkpoint="work_dirs/rotated_yolo_s/epoch_30.pth")
