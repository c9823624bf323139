"""DOTA's text formats: ``labelTxt`` annotations and ``Task1_<class>.txt`` detections.

``labelTxt/<img_id>.txt`` holds one object a line, ``x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]``,
optionally after header lines such as ``imagesource:GoogleEarth`` and ``gsd:0.146``.
``Task1_<class>.txt`` holds one detection a line, ``img_id score x1 y1 x2 y2 x3 y3 x4 y4``.

Readers are strict: a line that is neither a header, blank, nor a well-formed record raises a
``ValueError`` naming the file and the line number, and so do non-finite numbers (DOTA_devkit
would crash later, or score them silently).
"""
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

PathLike = Union[str, os.PathLike]
TASK1_PREFIX = "Task1_"


@dataclass
class ImageAnnotation:
    """Ground truth of one image.

    Attributes:
        polys: float64 ``(M, 8)`` quadrilaterals ``x1 y1 ... x4 y4``.
        names: ``(M,)`` class names (str array).
        difficult: bool ``(M,)``.
    """

    polys: np.ndarray
    names: np.ndarray
    difficult: np.ndarray

    def __post_init__(self):
        self.polys = np.asarray(self.polys, dtype=np.float64).reshape(-1, 8)
        n = len(self.polys)
        self.names = np.asarray(self.names, dtype=str).reshape(n)
        self.difficult = np.asarray(self.difficult, dtype=bool).reshape(n)
        if not np.isfinite(self.polys).all():
            raise ValueError("ground-truth polygons must be finite (found NaN or inf)")


@dataclass
class ClassDetections:
    """Detections of one class, in file order (the order decides how score ties fall).

    Attributes:
        img_ids: ``(D,)`` str array of image ids.
        scores: float64 ``(D,)``.
        polys: float64 ``(D, 8)``.
    """

    img_ids: np.ndarray
    scores: np.ndarray
    polys: np.ndarray

    def __post_init__(self):
        self.polys = np.asarray(self.polys, dtype=np.float64).reshape(-1, 8)
        n = len(self.polys)
        self.scores = np.asarray(self.scores, dtype=np.float64).reshape(n)
        self.img_ids = np.asarray(self.img_ids, dtype=str).reshape(n)
        if not (np.isfinite(self.polys).all() and np.isfinite(self.scores).all()):
            raise ValueError("detection polygons and scores must be finite (found NaN or inf)")

    def __len__(self) -> int:
        return len(self.scores)

    @classmethod
    def empty(cls) -> "ClassDetections":
        return cls(np.zeros(0, dtype=str), np.zeros(0), np.zeros((0, 8)))

    def select(self, mask: np.ndarray) -> "ClassDetections":
        """The detections where ``mask`` (bool ``(D,)``) holds, order kept."""
        return ClassDetections(self.img_ids[mask], self.scores[mask], self.polys[mask])

    @classmethod
    def concat(cls, parts: Sequence["ClassDetections"]) -> "ClassDetections":
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.img_ids for p in parts]), np.concatenate([p.scores for p in parts]),
                   np.concatenate([p.polys for p in parts]))


def _is_header(tokens: List[str]) -> bool:
    # ``imagesource:GoogleEarth``, ``gsd:0.146``, ``gsd:null`` (also with a space after the colon)
    return 0 < len(tokens) <= 2 and tokens[0].endswith(":") or (len(tokens) == 1 and ":" in tokens[0])


def _floats(tokens: Sequence[str], where: str) -> List[float]:
    try:
        vals = [float(t) for t in tokens]
    except ValueError:
        raise ValueError(f"{where}: expected numbers, got {' '.join(tokens)!r}") from None
    if not all(np.isfinite(vals)):
        raise ValueError(f"{where}: non-finite number in {' '.join(tokens)!r}")
    return vals


def parse_dota_label_lines(lines: Iterable[str], source: str = "<labels>") -> ImageAnnotation:
    """Parse the lines of one ``labelTxt`` file (see :func:`read_dota_label`)."""
    rows, names, difficult = [], [], []  # rows: (line number, 8 coordinate strings)
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if len(tokens) not in (9, 10):
            if not tokens or _is_header(tokens):
                continue
            raise ValueError(f"{source}:{lineno}: expected 'x1 y1 ... x4 y4 class [difficult]', got {line.strip()!r}")
        rows.append((lineno, tokens[:8]))
        names.append(tokens[8])
        flag = tokens[9] if len(tokens) == 10 else "0"
        if not flag.lstrip("+-").isdigit():
            raise ValueError(f"{source}:{lineno}: difficult flag must be an integer, got {flag!r}")
        difficult.append(int(flag) != 0)
    try:
        polys = np.array([[float(t) for t in r] for _, r in rows], dtype=np.float64).reshape(-1, 8)
    except ValueError:
        polys = None
    if polys is None or not np.isfinite(polys).all():
        for lineno, r in rows:  # find the offending line for the message
            _floats(r, f"{source}:{lineno}")
    return ImageAnnotation(polys, np.array(names, dtype=str), np.array(difficult, dtype=bool))


def read_dota_label(path: PathLike) -> ImageAnnotation:
    """Read one DOTA ``labelTxt`` file.

    Blank lines and ``key:value`` header lines are skipped; an object line has 9 tokens
    (difficult 0) or 10 (the last an integer; nonzero means difficult).

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: a malformed line, naming ``path:line``.
    """
    with open(path, "r", encoding="utf-8") as f:
        return parse_dota_label_lines(f, str(path))


def read_task1_file(path: PathLike) -> ClassDetections:
    """Read one ``Task1_<class>.txt`` file: ``img_id score x1 y1 ... x4 y4`` a line.

    Blank lines are skipped. Lines keep their file order.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: a line without exactly 10 tokens, or with a non-number, naming ``path:line``.
    """
    with open(path, "r", encoding="utf-8") as f:
        lines = f.read().splitlines()
    parts = [(i, ln.split()) for i, ln in enumerate(lines, 1)]
    parts = [(i, p) for i, p in parts if p]
    for i, p in parts:
        if len(p) != 10:
            raise ValueError(f"{path}:{i}: expected 'img_id score x1 y1 ... x4 y4', got {lines[i - 1].strip()!r}")
    try:
        nums = np.array([p[1:] for _, p in parts], dtype=np.float64).reshape(-1, 9)
    except ValueError:
        for i, p in parts:  # find the offending line for the message
            _floats(p[1:], f"{path}:{i}")
        raise
    bad = np.flatnonzero(~np.isfinite(nums).all(1))
    if len(bad):
        i, p = parts[bad[0]]
        raise ValueError(f"{path}:{i}: non-finite number in {' '.join(p)!r}")
    ids = np.array([p[0] for _, p in parts], dtype=str)
    return ClassDetections(ids, nums[:, 0], nums[:, 1:])


def read_task1_dir(det_dir: PathLike, class_names: Sequence[str]) -> Dict[str, Optional[ClassDetections]]:
    """``{class: detections}`` from ``det_dir/Task1_<class>.txt``; ``None`` where the file is missing."""
    out = {}
    for name in class_names:
        path = Path(det_dir) / f"{TASK1_PREFIX}{name}.txt"
        out[name] = read_task1_file(path) if path.is_file() else None
    return out


def _fmt(x: float, digits: Optional[int]) -> str:
    return repr(float(x)) if digits is None else f"{x:.{digits}f}"


def write_task1_files(dets: Mapping[str, ClassDetections], out_dir: PathLike, class_names: Sequence[str],
                      digits: Optional[int] = None) -> List[Path]:
    """Write ``out_dir/Task1_<class>.txt`` for every class (empty file when it has none).

    Args:
        dets: ``{class: ClassDetections}``; lines are written in their order.
        out_dir: created if absent.
        class_names: the classes to write (each gets a file).
        digits: decimals of scores and coordinates; ``None`` (default) writes the shortest
            text that reads back to the same float64, so evaluating the files gives exactly the
            APs of the in-memory path.

    Returns:
        The written paths, in ``class_names`` order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in class_names:
        d = dets.get(name) or ClassDetections.empty()
        lines = [f"{i} {_fmt(s, digits)} " + " ".join(_fmt(v, digits) for v in p)
                 for i, s, p in zip(d.img_ids.tolist(), d.scores.tolist(), d.polys.tolist())]
        path = out_dir / f"{TASK1_PREFIX}{name}.txt"
        path.write_text("".join(ln + "\n" for ln in lines), encoding="utf-8")
        paths.append(path)
    return paths


def zip_task1_files(paths: Sequence[PathLike], zip_path: PathLike) -> Path:
    """Zip Task1 files flat (at the archive root, as the DOTA evaluation server expects)."""
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in paths:
            zf.write(p, arcname=Path(p).name)
    return zip_path
