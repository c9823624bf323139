"""daik's embedded data set: synthetic top-down aerial scenes with rotated-box labels.

``daik synth OUT --num-images N --size S --seed K`` writes
``OUT/images/*.png`` and ``OUT/labelTxt/*.txt`` (DOTA layout, ``imagesource``/``gsd`` header
lines), the same bytes for the same seed; ``--tile`` writes GeoTIFF scenes with a CRS and a
geotransform instead. Classes: :data:`daik.classes.SYNTHETIC`. See :mod:`.config` for the
settings and presets, :mod:`.scene` for what a scene holds.
"""
from .config import PRESETS, SIZES_M, SQUARE_CLASSES, SynthConfig, make_config
from .scene import Scene, generate_scene
from .writer import image_name, label_text, prepare_output_folder, scene_rng, write_dataset, write_tile

__all__ = [
    "SynthConfig", "make_config", "PRESETS", "SIZES_M", "SQUARE_CLASSES", "Scene", "generate_scene",
    "scene_rng", "image_name", "label_text", "write_dataset", "write_tile", "prepare_output_folder",
]
