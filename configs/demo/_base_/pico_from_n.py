# The demo's pair: the pico student (student_pico.py, the config that trains it alone) distilled
# from the shipped nano teacher (checkpoints/demo_teacher_n.pth, made by the commands in teacher_n.py).
student = dict(config="{{ fileDirname }}/../student_pico.py")
teacher = dict(config="{{ fileDirname }}/../teacher_n.py", checkpoint="checkpoints/demo_teacher_n.pth")
