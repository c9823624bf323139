"""DOTA ``labelTxt`` files: one object a line, ``x1 y1 x2 y2 x3 y3 x4 y4 class difficult``.

Reading rules:

- Blank lines are ignored. A line ``key:value`` whose key is letters only (DOTA's
  ``imagesource:GoogleEarth``, ``gsd:0.146``) is a header line; ``gsd`` becomes a float (None
  when it is not a number, e.g. ``gsd:null``).
- An object line has 9 or 10 whitespace-separated fields: eight numbers, a class name (no
  spaces), and an optional integer difficulty (0 when absent, as DOTA_devkit reads it).
  ``nan``/``inf`` parse as numbers here; such boxes are dropped later and counted
  (:func:`daik.data.formats.annotations.to_instances`).
- Anything else is malformed: an :class:`AnnotationError` naming file and line, or with
  ``skip_invalid=True`` a logged and counted skip.
"""
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from .annotations import AnnotationError, LoadStats, RawAnnotations

_HEADER = re.compile(r"^(?P<key>[A-Za-z_]+)\s*:(?P<value>.*)$")


def _parse_header(key: str, value: str):
    value = value.strip()
    if key.lower() == "gsd":
        try:
            return float(value)
        except ValueError:
            return None
    return value


def _parse_object(fields: List[str]) -> Tuple[List[float], str, int]:
    """``(poly, name, difficulty)`` of one object line; ValueError says what is wrong."""
    if len(fields) not in (9, 10):
        raise ValueError(f"expected 9 or 10 fields (8 coordinates, class, [difficult]), got {len(fields)}")
    try:
        poly = [float(v) for v in fields[:8]]
    except ValueError:
        raise ValueError(f"coordinates must be numbers, got {fields[:8]}") from None
    try:
        difficulty = int(fields[9]) if len(fields) == 10 else 0
    except ValueError:
        raise ValueError(f"difficult must be an integer, got {fields[9]!r}") from None
    return poly, fields[8], difficulty


def parse_dota_txt(path: str, skip_invalid: bool = False, stats: Optional[LoadStats] = None) -> RawAnnotations:
    """Read one labelTxt file (see the module docstring for the rules).

    Args:
        path: the file.
        skip_invalid: skip malformed lines (logged, counted in ``stats['malformed_lines']``)
            instead of raising.
        stats: counters to update.

    Returns:
        :class:`RawAnnotations` with polygons ``(N, 8)`` float64.

    Raises:
        FileNotFoundError: no such file.
        AnnotationError: a malformed line (file and line number in the message).
    """
    stats = LoadStats() if stats is None else stats
    raw = RawAnnotations(source=path)
    polys, names, diffs, lines = [], [], [], []
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, start=1):
            text = line.strip()
            if not text:
                continue
            m = _HEADER.match(text)
            if m is not None:
                raw.meta[m["key"].lower()] = _parse_header(m["key"], m["value"])
                continue
            try:
                poly, name, difficulty = _parse_object(text.split())
            except ValueError as err:
                if not skip_invalid:
                    raise AnnotationError(f"{path}:{lineno}: malformed label line {text!r}: {err}") from None
                stats["malformed_lines"] += 1
                print_log(f"{path}:{lineno}: skipped malformed label line {text!r}: {err}",
                          logger="current", level=30)
                continue
            polys.append(poly)
            names.append(name)
            diffs.append(difficulty)
            lines.append(lineno)
    if names:
        raw.polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
        raw.names = names
        raw.difficulty = np.asarray(diffs, dtype=np.int64)
        raw.lines = np.asarray(lines, dtype=np.int64)
    return raw


def format_number(v: float, decimals: int = 4) -> str:
    """A coordinate as short text: at most ``decimals`` decimals, no trailing zeros."""
    s = f"{float(v):.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def format_dota_lines(polys: np.ndarray, names: Sequence[str], difficulty: Sequence[int],
                      meta: Optional[dict] = None, decimals: int = 4) -> str:
    """Text of a labelTxt file: header lines from ``meta`` (e.g. ``imagesource``, ``gsd``), then objects.

    Args:
        polys: ``(N, 8)``.
        names: ``N`` class names (no whitespace).
        difficulty: ``N`` integers.
        meta: header ``{key: value}`` written as ``key:value`` lines, in order.
        decimals: decimals kept per coordinate.
    """
    out = [f"{k}:{v}" for k, v in (meta or {}).items()]
    polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
    for poly, name, diff in zip(polys, names, difficulty):
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"class name {name!r} cannot be written to a labelTxt line")
        out.append(" ".join(format_number(v, decimals) for v in poly) + f" {name} {int(diff)}")
    return "\n".join(out) + ("\n" if out else "")
