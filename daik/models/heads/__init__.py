"""Detection heads."""
from .effide_head import EffiDeHead
from .outputs import DecodedPreds, HeadState, RawPreds
from .postprocess import DEFAULT_TEST_CFG, postprocess_single, rescale_rboxes, select_candidates
from .rotated_yolo_head import RotatedYOLOv6Head

__all__ = ["EffiDeHead", "RotatedYOLOv6Head", "RawPreds", "DecodedPreds", "HeadState", "postprocess_single",
           "rescale_rboxes", "select_candidates", "DEFAULT_TEST_CFG"]
