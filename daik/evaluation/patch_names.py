"""Names of the patches a scene is split into, shared by the splitter and the merger.

A patch of image ``P0001`` cut at scale ``rate`` with its top-left corner at ``(x, y)`` of the
rescaled scene is named ``P0001__1.0__1024___824`` (DOTA_devkit's and mmrotate's scheme).
"""
import re
from typing import NamedTuple

_PATTERN = re.compile(r"^(?P<img_id>.+)__(?P<rate>[0-9.]+)__(?P<x>-?\d+)___(?P<y>-?\d+)$")


class PatchName(NamedTuple):
    img_id: str
    rate: float
    x: int
    y: int


def patch_name(img_id: str, rate: float, x: int, y: int) -> str:
    """The file stem of a patch."""
    return f"{img_id}__{float(rate)!r}__{int(x)}___{int(y)}"


def parse_patch_name(name: str) -> PatchName:
    """Inverse of :func:`patch_name`; raises ValueError naming the stem if it does not parse."""
    m = _PATTERN.match(name)
    if m is None:
        raise ValueError(f"{name!r} is not a patch name like 'P0001__1.0__1024___824'")
    return PatchName(m["img_id"], float(m["rate"]), int(m["x"]), int(m["y"]))
