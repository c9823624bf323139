# Prediction mimicking (the baseline every distiller must beat) for the demo's pico student and
# nano teacher; see daik_full_pico.py.
_base_ = ["../distill/_base_/synthetic_quick.py", "./_base_/pico_from_n.py", "../distill/methods/mimic.py"]
