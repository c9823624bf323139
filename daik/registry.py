"""daik's mmengine registries: children of mmengine's roots, so the Runner builds daik's
classes from configs whose ``default_scope`` is ``"daik"``."""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

MODELS = Registry("model", parent=MMENGINE_MODELS, scope="daik", locations=["daik.models", "daik.distill"])
TASK_UTILS = Registry("task util", parent=MMENGINE_TASK_UTILS, scope="daik", locations=["daik.models"])
DATASETS = Registry("dataset", parent=MMENGINE_DATASETS, scope="daik", locations=["daik.data"])
DATA_SAMPLERS = Registry("data sampler", parent=MMENGINE_DATA_SAMPLERS, scope="daik", locations=["daik.data"])
TRANSFORMS = Registry("transform", parent=MMENGINE_TRANSFORMS, scope="daik", locations=["daik.data"])
METRICS = Registry("metric", parent=MMENGINE_METRICS, scope="daik", locations=["daik.evaluation"])
HOOKS = Registry("hook", parent=MMENGINE_HOOKS, scope="daik", locations=["daik.engine", "daik.distill"])
VISUALIZERS = Registry("visualizer", parent=MMENGINE_VISUALIZERS, scope="daik", locations=["daik.engine"])
