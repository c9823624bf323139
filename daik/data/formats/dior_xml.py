"""DIOR-R annotation files: VOC-style XML with one ``<robndbox>`` per object.

The layout (``Annotations/Oriented Bounding Boxes/00001.xml``)::

    <annotation>
      <filename>00001.jpg</filename>
      <size><width>800</width><height>800</height><depth>3</depth></size>
      <object>
        <type>robndbox</type>
        <name>golffield</name>
        <truncated>0</truncated>
        <difficult>0</difficult>
        <robndbox>
          <x_left_top>133</x_left_top> <y_left_top>237</y_left_top>
          <x_right_top>684</x_right_top> <y_right_top>237</y_right_top>
          <x_right_bottom>684</x_right_bottom> <y_right_bottom>672</y_right_bottom>
          <x_left_bottom>133</x_left_bottom> <y_left_bottom>672</y_left_bottom>
        </robndbox>
        <angle>0</angle>
      </object>
    </annotation>

The corners are read in the order left-top, right-top, right-bottom, left-bottom (the
``angle`` tag is redundant with them and not used). ``<difficult>`` is optional (0). An object
without ``<name>`` or ``<robndbox>``, or with a missing or non-numeric corner, is malformed:
an :class:`AnnotationError` naming file and line, or a counted skip with ``skip_invalid``.
The file is parsed with expat so that every element knows its line.
"""
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import print_log

from .annotations import AnnotationError, LoadStats, RawAnnotations

CORNER_TAGS = ("x_left_top", "y_left_top", "x_right_top", "y_right_top",
               "x_right_bottom", "y_right_bottom", "x_left_bottom", "y_left_bottom")


@dataclass
class Node:
    """An XML element with the line it starts on."""

    tag: str
    line: int
    text: str = ""
    children: List["Node"] = field(default_factory=list)

    def find(self, tag: str) -> Optional["Node"]:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> List["Node"]:
        return [c for c in self.children if c.tag == tag]


def parse_xml_lines(path: str) -> Node:
    """The element tree of an XML file, each :class:`Node` carrying its line number.

    Raises:
        AnnotationError: the file is not well-formed XML (file and line in the message).
    """
    root = Node("#document", 0)
    stack = [root]
    parser = xml.parsers.expat.ParserCreate()

    def start(tag, _attrs):
        node = Node(tag, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_tag):
        node = stack.pop()
        node.text = node.text.strip()

    def chars(data):
        stack[-1].text += data

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    with open(path, "rb") as f:
        try:
            parser.ParseFile(f)
        except xml.parsers.expat.ExpatError as err:
            raise AnnotationError(f"{path}:{err.lineno}: not well-formed XML: {err}") from None
    if not root.children:
        raise AnnotationError(f"{path}:1: empty XML document")
    return root.children[0]


def _parse_object(obj: Node) -> tuple:
    """``(poly, name, difficulty)`` of one ``<object>``; ValueError says what is wrong."""
    name = obj.find("name")
    if name is None or not name.text:
        raise ValueError("<object> without a <name>")
    box = obj.find("robndbox")
    if box is None:
        raise ValueError(f"<object> {name.text!r} has no <robndbox>")
    poly = []
    for tag in CORNER_TAGS:
        node = box.find(tag)
        if node is None:
            raise ValueError(f"<robndbox> of {name.text!r} lacks <{tag}>")
        try:
            poly.append(float(node.text))
        except ValueError:
            raise ValueError(f"<{tag}> of {name.text!r} is not a number: {node.text!r}") from None
    diff = obj.find("difficult")
    try:
        difficulty = int(diff.text) if diff is not None and diff.text else 0
    except ValueError:
        raise ValueError(f"<difficult> of {name.text!r} is not an integer: {diff.text!r}") from None
    return poly, name.text, difficulty


def parse_dior_xml(path: str, skip_invalid: bool = False, stats: Optional[LoadStats] = None) -> RawAnnotations:
    """Read one DIOR-R XML file (see the module docstring).

    Returns:
        :class:`RawAnnotations`; ``meta`` holds ``width``/``height`` from ``<size>`` when present.

    Raises:
        FileNotFoundError: no such file.
        AnnotationError: malformed XML or object (file and line in the message).
    """
    stats = LoadStats() if stats is None else stats
    root = parse_xml_lines(path)
    raw = RawAnnotations(source=path)
    size = root.find("size")
    meta: Dict[str, object] = {}
    if size is not None:
        for key in ("width", "height"):
            node = size.find(key)
            if node is not None and node.text.isdigit():
                meta[key] = int(node.text)
    raw.meta = meta
    polys, names, diffs, lines = [], [], [], []
    for obj in root.findall("object"):
        try:
            poly, name, difficulty = _parse_object(obj)
        except ValueError as err:
            if not skip_invalid:
                raise AnnotationError(f"{path}:{obj.line}: malformed <object>: {err}") from None
            stats["malformed_lines"] += 1
            print_log(f"{path}:{obj.line}: skipped malformed <object>: {err}", logger="current", level=30)
            continue
        polys.append(poly)
        names.append(name)
        diffs.append(difficulty)
        lines.append(obj.line)
    if names:
        raw.polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
        raw.names = names
        raw.difficulty = np.asarray(diffs, dtype=np.int64)
        raw.lines = np.asarray(lines, dtype=np.int64)
    return raw
