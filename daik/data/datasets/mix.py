"""A wrapper that hands multi-image transforms (``Mosaic``) the extra images they mix."""
import copy
from typing import Optional, Sequence

import numpy as np

from daik.registry import DATASETS, TRANSFORMS


@DATASETS.register_module()
class MultiImageMixDataset:
    """Run ``pipeline`` on the items of ``dataset``, giving each transform that has
    ``get_indexes(dataset)`` the items it asks for as ``results['mix_results']``.

    ``dataset``'s own pipeline should only load (e.g. ``[LoadImageFromFile]``); the
    augmentations, ``Mosaic`` and ``PackDetInputs`` go in ``pipeline`` here. A transform
    returning None makes the item be drawn again from another index (at most ``max_refetch``
    times).

    Args:
        dataset: a data set or its config.
        pipeline: transforms or their configs.
        max_refetch: how often to retry an item a transform rejected.
    """

    def __init__(self, dataset, pipeline: Sequence, max_refetch: int = 15):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        self.max_refetch = max_refetch
        self.metainfo = getattr(self.dataset, "metainfo", {})

    def __len__(self) -> int:
        return len(self.dataset)

    def full_init(self) -> None:
        """Load the wrapped data set's list (as mmengine's Runner asks of data sets)."""
        if hasattr(self.dataset, "full_init"):
            self.dataset.full_init()

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def _run(self, idx: int) -> Optional[dict]:
        results = copy.deepcopy(self.dataset[idx])
        for t in self.pipeline:
            if hasattr(t, "get_indexes"):
                results["mix_results"] = [copy.deepcopy(self.dataset[i]) for i in t.get_indexes(self.dataset)]
            results = t(results)
            if results is None:
                return None
            results.pop("mix_results", None)
        return results

    def __getitem__(self, idx: int) -> dict:
        for _ in range(self.max_refetch + 1):
            out = self._run(idx)
            if out is not None:
                return out
            idx = int(np.random.randint(0, len(self)))
        raise RuntimeError(f"no valid item after {self.max_refetch} retries; check the pipeline")
