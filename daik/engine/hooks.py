"""Small training hooks."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from daik.registry import HOOKS


@HOOKS.register_module()
class SetEpochHook(Hook):
    """Tell the model which epoch starts (``model.set_epoch(epoch)``), e.g. so a detector can
    leave its warm-up assigner after ``warmup_epochs``. Models without ``set_epoch`` are left alone."""

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if hasattr(model, "set_epoch"):
            model.set_epoch(runner.epoch)
