# The generic pair: a YOLOv6-R-n student distilled from a YOLOv6-R-s teacher (DOTA's 15 classes,
# the model files alone: no data). The student is the model of a detector config (the one you would
# train it alone with); the teacher is built from its own config and loaded from its checkpoint.
# Paths: "{{ fileDirname }}/..." is relative to this file; the checkpoint, like mmengine's load_from,
# is absolute or relative to the working directory. Point it at a trained teacher, e.g.
#   daik train CONFIG --cfg-options model.teacher_ckpt=work_dirs/rotated_yolo_s/epoch_36.pth
student = dict(config="{{ fileDirname }}/../../_base_/models/rotated_yolo_n.py")
teacher = dict(config="{{ fileDirname }}/../../_base_/models/rotated_yolo_s.py",
               checkpoint="work_dirs/rotated_yolo_s/teacher.pth")
