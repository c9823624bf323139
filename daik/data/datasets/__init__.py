"""Data sets (registered in :data:`daik.registry.DATASETS`)."""
from .base import RotatedDetDataset, data_entry, list_images
from .dior import DIORRDataset
from .dota import DOTADataset, SyntheticDataset
from .mix import MultiImageMixDataset

__all__ = ["RotatedDetDataset", "DOTADataset", "SyntheticDataset", "DIORRDataset", "MultiImageMixDataset",
           "data_entry", "list_images"]
