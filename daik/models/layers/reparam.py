"""Switch a whole model to its deployment form."""
import torch.nn as nn


def reparameterize(model: nn.Module) -> nn.Module:
    """Switch every re-parameterisable unit of ``model`` to its deployment form (in place).

    A unit is a module with a ``deployed`` property and a ``reparameterize()`` method: RepVGG
    blocks become one 3x3 conv each, conv + batch-norm pairs one conv with bias. The result
    computes what ``model.eval()`` computed before (running statistics), up to float rounding;
    it is returned in eval mode, having no batch norms left to train.

    Args:
        model: any module (a detector, a backbone, a head...).

    Returns:
        the same ``model``.
    """
    for m in list(model.modules()):
        if hasattr(m, "deployed") and callable(getattr(m, "reparameterize", None)):
            m.reparameterize()
    return model.eval()
