# DAIK's core plus LD on the positives, with the authors' soft targets on the teacher-chosen positives (the
# student's own normalised metric): daik_full until the teacher's targets measured better over five
# seeds. It stays the base of the ld_pos_* ablations (configs/distill/synthetic/ablations/), so each of
# their rows keeps what it measured; the row of this form is daik_full_student_targets.
# DAIK ("Directional Alignment Instance Knowledge Distillation for Arbitrary-Oriented Object
# Detection", IEEE TGRS 2023) as its authors' YOLOv6-R code builds it (see each part's docstring
# for what daik follows and where it deviates):
# - AD: the CSL loss plus lambda * T^2 * KL of the 180-bin angle softmax at T = 20 over the positives;
# - AAL: the rotated-IoU lookup table LUT(AR, dtheta)^3 as a third factor of the assignment metric;
# - SAD: the teacher's metric picks the student's positives, plus a bounded KL between the two
#   models' normalised metrics over each ground truth's candidates;
# - dense class KD (binary KL of the class probabilities at every point) and LD on the DFL bins at
#   every point, both summed over the student's soft-target sum as its own losses are;
# - LD's own main-region term beside the dense LD: the DFL distributions of the student's positives
#   at LD's T = 10, weighted by their alignment score, weight 0.25 (measured below).
# Chosen by measurement on the pico-from-nano benchmark (seed 0, mAP50; benchmarks/kd.md has the rows):
# AD's lambda 1 (5x the CSL weight; 0.2 as the authors' weights gave 58.5, 10 drove clip_grad on
# 91 % of the steps), LD at every point at T = 1 (the authors' positives-only LD at T = 20: 61.9
# against 64.5), the dense terms over the soft-target sum (over the positives instead: 34.9 against
# 48.7 with lambda 10), constant KD weights (YOLOv6-R's cosine decay is an ablation). The authors'
# feature term (CWD on the neck maps, their --distill_feat, weight 10) is off: at 10 it drove clip_grad
# on every step (53.9 against 64.5), at 1 it gave 63.5 (ablations daik_full_cwd, daik_full_cwd1).
# The positives' LD (LD's main region beside its dense term) measured 64.1 +- 1.2 over 3 seeds against
# 63.3 +- 1.9 without it (daik_core.py, the base of the DAIK ablations; row daik_full_no_ld_pos) and
# 80.2 against 79.4 on the n-from-s pair (1 seed); over 24 epochs it is not better: 70.3 +- 1.4
# (70.9, 71.2, 68.7) against 71.2 +- 0.2 (the converged preset).
# Ablations: daik_ad.py (AD only), daik_ad_aal.py (AD + AAL), daik_ad_aal_sad.py (AD + AAL + SAD),
# configs/distill/synthetic/ablations/ (the old sin table, positives-only class KD, cosine decay, ...).
_base_ = ["./daik_core.py"]

kd = dict(components=dict(ld_pos=dict(type="LocalizationDistillation", loss_weight=0.25, temperature=10.0,
                                      region="pos", weighted=True)))
