"""DOTA Task1 evaluation (identical to DOTA_devkit), COCO-style mAP50:95, merge of patch
results and submission files, and the mmengine metric ``DOTAMetric``."""
from .ap import AP_FORMS, area_ap, average_precision, coco101_ap, voc07_ap
from .dota_io import (ClassDetections, ImageAnnotation, read_dota_label, read_task1_dir, read_task1_file,
                      write_task1_files, zip_task1_files)
from .dota_metric import DOTAMetric
from .matching import best_overlaps, hbb_prefilter
from .merge import (Detections, merge_patch_results, merge_task1_dir, patch_polys_to_scene, patch_to_scene,
                    scene_id, to_class_detections)
from .patch_names import PatchName, parse_patch_name, patch_name
from .rbbox_map import (COCO_IOU_THRS, ClassResult, MapResult, eval_coco_style, eval_dota_task1, eval_rbbox_map,
                        evaluate, match_all, read_annotations, summarize)
from .report import ap_table_markdown, ap_table_rich, plot_pr_curves

__all__ = [
    "eval_dota_task1", "eval_rbbox_map", "eval_coco_style", "evaluate", "match_all", "summarize", "MapResult",
    "ClassResult", "COCO_IOU_THRS", "ClassDetections", "ImageAnnotation", "read_dota_label", "read_task1_file",
    "read_task1_dir", "read_annotations", "write_task1_files", "zip_task1_files", "merge_patch_results",
    "merge_task1_dir", "patch_to_scene", "patch_polys_to_scene", "scene_id", "to_class_detections", "Detections",
    "DOTAMetric", "ap_table_markdown", "ap_table_rich", "plot_pr_curves", "AP_FORMS", "average_precision",
    "voc07_ap", "area_ap", "coco101_ap", "best_overlaps", "hbb_prefilter", "PatchName", "patch_name",
    "parse_patch_name",
]
