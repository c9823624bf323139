"""What tiled prediction writes: GeoJSON in the raster's CRS and DOTA Task1 files.

GeoJSON: one ``Polygon`` feature per detection, its ring the box's four corners (closed) in
the raster's map coordinates (``transform * (x, y)``, pixel corner convention of
:mod:`daik.inference.raster`). Properties: ``class`` (name), ``label`` (index), ``score``,
``pixel_polygon`` (``x1 y1 ... x4 y4`` in scene pixels) and ``rbox`` (``cx cy w h theta``,
pixels / radians). The CRS is recorded in the (GeoJSON 2008) ``crs`` member as an OGC URN
when it has an EPSG code - GDAL and QGIS read it - and always as WKT in ``daik.crs_wkt``,
with the geotransform and scene size. A plain image (no CRS) gets pixel coordinates (y down)
and ``crs: null``.
"""
import json
import os
from typing import List, Optional, Sequence

import numpy as np

from daik.data.image_io import write_bytes_atomic
from daik.evaluation.dota_io import write_task1_files
from daik.evaluation.merge import to_class_detections
from daik.structures import rbox2poly

from .predictor import SceneResult


def pixel_to_map(xy: np.ndarray, transform) -> np.ndarray:
    """``(..., 2)`` pixel ``(x, y)`` -> ``(..., 2)`` map coordinates with an ``affine.Affine``."""
    xy = np.asarray(xy, dtype=np.float64)
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    x, y = xy[..., 0], xy[..., 1]
    return np.stack([a * x + b * y + c, d * x + e * y + f], axis=-1)


def _crs_member(crs) -> Optional[dict]:
    if crs is None:
        return None
    epsg = crs.to_epsg()
    name = f"urn:ogc:def:crs:EPSG::{epsg}" if epsg is not None else crs.to_string()
    return {"type": "name", "properties": {"name": name}}


def class_name(names: Sequence[str], label: int) -> str:
    """``names[label]``, or ``class_<label>`` past the end of the list."""
    return names[label] if 0 <= label < len(names) else f"class_{label}"


def to_geojson(result: SceneResult, class_names: Sequence[str], digits: int = 3) -> dict:
    """A GeoJSON ``FeatureCollection`` of the scene's detections (see the module docstring)."""
    d = result.detections
    polys = rbox2poly(np.asarray(d.bboxes, dtype=np.float64).reshape(-1, 5)).reshape(-1, 4, 2)  # (K, 4, 2)
    geo = polys if result.crs is None else pixel_to_map(polys, result.transform)
    # whole arrays rounded and listed at once (per-feature numpy calls cost seconds at 30,000)
    rings = np.concatenate([geo, geo[:, :1]], axis=1).round(digits + 6).tolist()  # closed (K, 5, 2)
    pixel = polys.reshape(-1, 8).round(digits).tolist()
    rboxes = np.asarray(d.bboxes, dtype=np.float64).reshape(-1, 5).round(6).tolist()
    labels = np.asarray(d.labels, dtype=np.int64).reshape(-1).tolist()
    scores = np.asarray(d.scores, dtype=np.float64).reshape(-1).tolist()
    features = [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"class": class_name(class_names, label), "label": label, "score": round(score, 6),
                       "pixel_polygon": pix, "rbox": rbox},
    } for ring, label, score, pix, rbox in zip(rings, labels, scores, pixel, rboxes)]
    meta = {"scene_id": result.scene_id, "width": result.width, "height": result.height,
            "crs_wkt": None if result.crs is None else result.crs.to_wkt(),
            "transform": [float(v) for v in tuple(result.transform)[:6]], "classes": list(class_names),
            "stats": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.stats.items()}}
    return {"type": "FeatureCollection", "crs": _crs_member(result.crs), "daik": meta, "features": features}


def write_geojson(path: str, result: SceneResult, class_names: Sequence[str]) -> str:
    """Write :func:`to_geojson` to ``path`` (through a temporary file); returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    text = json.dumps(to_geojson(result, class_names))  # one shot: json's C encoder (json.dump is pure Python)
    write_bytes_atomic(path, text.encode())
    return path


def write_task1(out_dir: str, result: SceneResult, class_names: Sequence[str]) -> List[str]:
    """``out_dir/Task1_<class>.txt`` (scene pixels, image id = the scene id) for every class."""
    per_class = to_class_detections({result.scene_id: result.detections}, class_names)
    return [str(p) for p in write_task1_files(per_class, out_dir, class_names)]
