"""Settings of the synthetic aerial scenes, and the presets.

Objects get physical sizes (metres, :data:`SIZES_M`) and every scene a ground sampling
distance (metres per pixel, log-uniform in ``gsd_range``); an object's long side in pixels is
then clamped into ``obj_size_range`` (the whole object is scaled, aspect kept).

Presets:

- ``"dota"`` (default): 512 px scenes, gsd 0.15-0.55 m, objects ~8-200 px, dense clusters
  (parking rows, harbours, tank farms, aprons), distractors, occluding trees, haze, blur and
  noise. Hard enough that a detector has to learn orientation and scale.
- ``"quick"``: the CPU demo set. 256 px scenes, gsd 0.18-0.35 m, objects 14-90 px (about 5
  a scene), the large classes weighted up, lighter clutter and noise, so that a nano
  detector can learn it within minutes on two cores (DESIGN.md §7).
"""
from dataclasses import dataclass, field, fields, replace
from typing import Dict, Optional, Tuple

from daik.classes import SYNTHETIC

# Physical sizes in metres: (length range, width / length range); square-like classes use
# one diameter (width ratio 1).
SIZES_M: Dict[str, Tuple[Tuple[float, float], Tuple[float, float]]] = {
    "plane": ((22.0, 70.0), (0.72, 0.95)),
    "ship": ((9.0, 150.0), (0.16, 0.30)),
    "large-vehicle": ((8.0, 18.0), (0.15, 0.30)),
    "small-vehicle": ((3.9, 5.2), (0.40, 0.48)),
    "tennis-court": ((23.2, 24.3), (0.45, 0.47)),
    "storage-tank": ((8.0, 60.0), (1.0, 1.0)),
    "roundabout": ((26.0, 90.0), (1.0, 1.0)),
}

# Classes whose box has no orientation: an axis-aligned square, theta 0 (as DOTA annotates them).
SQUARE_CLASSES = ("storage-tank", "roundabout")

DEFAULT_WEIGHTS: Dict[str, float] = {
    "plane": 1.0, "ship": 1.0, "large-vehicle": 1.0, "small-vehicle": 1.2, "tennis-court": 0.8,
    "storage-tank": 0.8, "roundabout": 0.5,
}


@dataclass(frozen=True)
class SynthConfig:
    """Everything that shapes a synthetic scene.

    Attributes:
        width / height: scene size in pixels.
        class_weights: relative frequency of each class's clusters; a class absent or at 0
            never appears (all of :data:`daik.classes.SYNTHETIC` by default).
        density: multiplier on the number of clusters and single objects.
        obj_size_range: clamp of an object's long side, pixels.
        gsd_range: metres per pixel, drawn log-uniformly per scene.
        difficult_size: objects whose long side is below it (pixels) are difficult.
        difficult_occlusion: objects more occluded than this fraction are difficult.
        clutter: multiplier on distractors (buildings, trees, pools).
        noise: multiplier on blur, sensor noise and haze.
    """

    width: int = 512
    height: int = 512
    class_weights: Dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    density: float = 1.0
    obj_size_range: Tuple[float, float] = (8.0, 200.0)
    gsd_range: Tuple[float, float] = (0.15, 0.55)
    difficult_size: float = 9.0
    difficult_occlusion: float = 0.35
    clutter: float = 1.0
    noise: float = 1.0

    def __post_init__(self):
        unknown = set(self.class_weights) - set(SYNTHETIC)
        if unknown:
            raise ValueError(f"unknown synthetic classes {sorted(unknown)}; known: {SYNTHETIC}")
        if not any(w > 0 for w in self.class_weights.values()):
            raise ValueError("class_weights gives no class a positive weight")
        lo, hi = self.obj_size_range
        if not 2 <= lo < hi:
            raise ValueError(f"obj_size_range must satisfy 2 <= min < max, got {self.obj_size_range}")
        if self.width < 32 or self.height < 32:
            raise ValueError(f"scenes must be at least 32x32 pixels, got {self.width}x{self.height}")

    @property
    def classes(self) -> Tuple[str, ...]:
        """Classes that can appear, in :data:`daik.classes.SYNTHETIC` order."""
        return tuple(c for c in SYNTHETIC if self.class_weights.get(c, 0) > 0)


PRESETS: Dict[str, dict] = {
    "dota": dict(),
    "quick": dict(width=256, height=256, density=3.0, obj_size_range=(14.0, 90.0), gsd_range=(0.18, 0.35),
                  difficult_size=12.0, clutter=0.5, noise=0.6,
                  class_weights={"plane": 1.5, "ship": 1.5, "large-vehicle": 0.8, "small-vehicle": 0.8,
                                 "tennis-court": 2.0, "storage-tank": 1.2, "roundabout": 0.8}),
}


def make_config(preset: str = "dota", size: Optional[int] = None, height: Optional[int] = None,
                classes=None, **overrides) -> SynthConfig:
    """A :class:`SynthConfig` from a preset, a square ``size`` (or ``size`` x ``height``),
    an optional class subset (names, or ``{name: weight}``) and field overrides (None ignored)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {sorted(PRESETS)}")
    cfg = SynthConfig(**PRESETS[preset])
    known = {f.name for f in fields(SynthConfig)}
    bad = set(overrides) - known
    if bad:
        raise TypeError(f"unknown synthetic settings {sorted(bad)}")
    upd = {k: v for k, v in overrides.items() if v is not None}
    if size is not None:
        upd["width"], upd["height"] = int(size), int(height if height is not None else size)
    if classes is not None:
        if isinstance(classes, dict):
            weights = {c: float(w) for c, w in classes.items()}
        else:
            weights = {c: DEFAULT_WEIGHTS.get(c, 1.0) for c in classes}
        upd["class_weights"] = weights
    return replace(cfg, **upd)
