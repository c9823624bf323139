"""Class lists of the data sets daik reads, spelt exactly as their annotation files spell them.

Labels are indices into one of these tuples; mapping between lists is done by name
(:func:`class_index`), never by position.
"""
from typing import Dict, Sequence, Tuple

DOTA_V1_0: Tuple[str, ...] = (
    "plane", "baseball-diamond", "bridge", "ground-track-field", "small-vehicle",
    "large-vehicle", "ship", "tennis-court", "basketball-court", "storage-tank",
    "soccer-ball-field", "roundabout", "harbor", "swimming-pool", "helicopter",
)
DOTA_V1_5: Tuple[str, ...] = DOTA_V1_0 + ("container-crane",)
DOTA_V2_0: Tuple[str, ...] = DOTA_V1_5 + ("airport", "helipad")

# DIOR-R's XML files capitalise the two expressway classes.
DIOR_R: Tuple[str, ...] = (
    "airplane", "airport", "baseballfield", "basketballcourt", "bridge", "chimney", "dam",
    "Expressway-Service-area", "Expressway-toll-station", "golffield", "groundtrackfield",
    "harbor", "overpass", "ship", "stadium", "storagetank", "tenniscourt", "trainstation",
    "vehicle", "windmill",
)

# daik's synthetic aerial scenes: DOTA names, orientation-sensitive classes first, then the
# square-like ones whose angle does not matter.
SYNTHETIC: Tuple[str, ...] = (
    "plane", "ship", "large-vehicle", "small-vehicle", "tennis-court",
    "storage-tank", "roundabout",
)

CLASS_LISTS: Dict[str, Tuple[str, ...]] = {
    "dota1.0": DOTA_V1_0, "dota1.5": DOTA_V1_5, "dota2.0": DOTA_V2_0,
    "dior-r": DIOR_R, "synthetic": SYNTHETIC,
}


def get_classes(name_or_list) -> Tuple[str, ...]:
    """A class list by key of :data:`CLASS_LISTS` (``"dota1.0"``...) or an explicit sequence."""
    if isinstance(name_or_list, str):
        try:
            return CLASS_LISTS[name_or_list.lower()]
        except KeyError:
            raise KeyError(f"unknown class list {name_or_list!r}; known: {sorted(CLASS_LISTS)}") from None
    names = tuple(name_or_list)
    if len(set(names)) != len(names):
        raise ValueError(f"class list has duplicates: {names}")
    return names


def class_index(classes: Sequence[str]) -> Dict[str, int]:
    """``{name: label}`` for a class list."""
    return {name: i for i, name in enumerate(classes)}
