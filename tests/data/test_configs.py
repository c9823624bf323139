import os
import warnings

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

import daik.data  # noqa: F401  (registers the data sets and transforms)
from daik.data.synthetic import make_config, write_dataset
from daik.registry import DATASETS, DATA_SAMPLERS
from daik.structures import DetDataSample

CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "_base_", "datasets")


@pytest.mark.parametrize("name", ["dota.py", "dior.py", "synthetic.py", "synthetic_quick.py"])
def test_configs_parse_and_name_registered_types(name):
    cfg = Config.fromfile(os.path.join(CONFIGS, name))
    for split in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg[split]
        assert loader.collate_fn.type == "pseudo_collate"
        assert DATASETS.get(loader.dataset.type) is not None
        assert DATA_SAMPLERS.get(loader.sampler.type) is not None
        for t in loader.dataset.pipeline:
            assert daik.registry.TRANSFORMS.get(t["type"]) is not None, t
    assert cfg.val_dataloader.dataset.test_mode is True


def test_synthetic_config_builds_and_batches(tmp_path):
    cfg = Config.fromfile(os.path.join(CONFIGS, "synthetic_quick.py"))
    write_dataset(str(tmp_path / "train"), 4, make_config("quick"), seed=0, progress=False)
    write_dataset(str(tmp_path / "val"), 2, make_config("quick"), seed=1, progress=False)
    for split, n in (("train_dataloader", 4), ("val_dataloader", 2)):
        ds_cfg = cfg[split].dataset
        ds_cfg.data_root = str(tmp_path / ("train" if split.startswith("train") else "val"))
        ds = DATASETS.build(ds_cfg)
        assert len(ds) == n
        batch = next(iter(DataLoader(ds, batch_size=2, collate_fn=pseudo_collate)))
        size = (cfg.img_scale, cfg.img_scale)  # the 256 px quick scenes are seen at the config's scale
        assert len(batch["inputs"]) == 2 and all(x.shape[0] == 3 and x.shape[1:] == size for x in batch["inputs"])
        assert all(isinstance(s, DetDataSample) for s in batch["data_samples"])
        if split.startswith("val"):  # boxes stay in original coordinates
            s = batch["data_samples"][0]
            assert s.ori_shape == (256, 256)
            assert s.scale_factor == (cfg.img_scale / 256, cfg.img_scale / 256)
            # boxes were not resized: they still lie in the 256 px original frame
            assert float(s.gt_instances.bboxes[:, :2].max()) > cfg.img_scale or cfg.img_scale == 256


def test_validation_samples_score_perfectly_against_themselves(tmp_path):
    """The val pipeline's samples, given their own boxes as predictions, score mAP 1 with DOTAMetric."""
    from mmengine.evaluator import Evaluator

    from daik.registry import METRICS
    from daik.structures import make_pred_instances

    cfg = Config.fromfile(os.path.join(CONFIGS, "synthetic_quick.py"))
    write_dataset(str(tmp_path), 6, make_config("quick"), seed=3, progress=False)
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.data_root = str(tmp_path)
    ds = DATASETS.build(ds_cfg)
    evaluator = Evaluator(METRICS.build(cfg.val_evaluator))
    evaluator.dataset_meta = ds.metainfo
    for batch in DataLoader(ds, batch_size=3, collate_fn=pseudo_collate):
        outs = []
        for s in batch["data_samples"]:
            g = s.gt_instances
            assert g.polys.shape == (len(g.bboxes), 8)
            s.pred_instances = make_pred_instances(g.bboxes, torch.ones(len(g.bboxes)), g.labels)
            outs.append(s)
        evaluator.process(data_samples=outs, data_batch=batch)
    with warnings.catch_warnings():  # classes absent from these few images get AP 0, with a warning
        warnings.simplefilter("ignore", UserWarning)
        metrics = evaluator.evaluate(len(ds))
    present = {ds.metainfo["classes"][k] for i in range(len(ds)) for k in ds.get_data_info(i)["gt_labels"]}
    assert len(present) >= 4
    for name in present:
        assert metrics[f"dota/AP_{name}"] == pytest.approx(1.0), (name, metrics)
