"""Tiled inference over whole scenes: windowed raster reading (any raster rasterio opens,
never the whole scene in memory), a background patch reader, the per-patch model call, the
merge across overlaps (:func:`daik.evaluation.merge.merge_patch_results`), distributed runs
under ``torchrun`` and the outputs (GeoJSON in the raster's CRS, DOTA Task1).

    predictor = TiledPredictor(DetectorPatchFn(model), patch_size=1024, gap=200)
    result = predictor.predict("scene.tif")          # SceneResult, boxes in scene pixels
    write_geojson("scene.geojson", result, class_names)
"""
from .distributed import dist_info, init_distributed, launched_by_torchrun
from .loader import PatchBatch, PatchJob, PatchReader, plan_patches
from .outputs import pixel_to_map, to_geojson, write_geojson, write_task1
from .predictor import DetectorPatchFn, SceneResult, TiledPredictor, centres_on_data
from .progress import PatchProgress
from .raster import RasterReadError, RasterSource, band_indexes

__all__ = [
    "TiledPredictor", "DetectorPatchFn", "SceneResult", "centres_on_data", "RasterSource", "RasterReadError", "band_indexes",
    "PatchJob", "PatchBatch", "PatchReader", "plan_patches", "PatchProgress", "pixel_to_map", "to_geojson",
    "write_geojson", "write_task1", "init_distributed", "dist_info", "launched_by_torchrun",
]
