"""The Python front door: a trained detector on images and whole scenes in three calls.

    from daik.apis import init_detector, inference_detector, infer_scene
    model = init_detector("configs/demo/teacher_n.py", "checkpoints/demo_teacher_n.pth")
    result = inference_detector(model, "scene.png")      # or an (H, W, 3) uint8 RGB array, or a list
    print(result.rboxes, result.scores, [result.class_names[i] for i in result.labels])
    scene = infer_scene(model, "big.tif", out="big.geojson")

What each function returns:

- :func:`init_detector`: the config's detector (a distillation config's student) in eval mode
  on ``device``, its weights loaded strictly through daik's one checkpoint loader
  (:func:`load_detector`). It carries ``model.cfg`` (the resolved
  config) and ``model.dataset_meta = {"classes": (...)}``.
- :func:`inference_detector`: a :class:`DetectionResult` per image (a list for a list):
  ``rboxes`` float64 ``(N, 5)`` as ``(cx, cy, w, h, theta)`` in daik's regularised le90
  convention (theta in radians in [-pi/2, pi/2), w >= h, image axes x right / y down), in the
  pixels of the image as given (before the test pipeline's resize); ``scores`` float64
  ``(N,)``; ``labels`` int64 ``(N,)`` indexing ``class_names``. The image goes through the
  config's test pipeline (resize, then the model's padding and normalisation) and the head's
  post-processing (score threshold, top-k, rotated NMS of ``test_cfg``): what
  ``daik test`` computes for the same image.
- :func:`infer_scene`: a :class:`daik.inference.SceneResult` (``detections.bboxes`` float64
  ``(K, 5)`` le90 in the scene's pixels, ``scores``, ``labels``; ``crs`` and ``transform`` of
  the raster; ``stats``), from the tiled predictor of ``daik infer``
  (``daik infer``); with ``out`` also the GeoJSON that tool writes (polygons in the raster's
  CRS).
"""
from .inference import DetectionResult, config_test_pipeline, infer_scene, inference_detector
from .loading import class_names_from_config, detector_config, init_detector, load_detector

__all__ = ["init_detector", "inference_detector", "infer_scene", "DetectionResult", "load_detector",
           "detector_config", "class_names_from_config", "config_test_pipeline"]
