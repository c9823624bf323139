"""Annotation file formats: DOTA labelTxt and DIOR-R XML, and the shared conversion rules."""
from .annotations import (INSTANCE_KEYS, MIN_SIDE, AnnotationError, LoadStats, RawAnnotations, empty_instances,
                          to_instances)
from .dior_xml import parse_dior_xml, parse_xml_lines
from .dota_txt import format_dota_lines, format_number, parse_dota_txt

__all__ = [
    "AnnotationError", "LoadStats", "RawAnnotations", "to_instances", "empty_instances", "INSTANCE_KEYS",
    "MIN_SIDE", "parse_dota_txt", "format_dota_lines", "format_number", "parse_dior_xml", "parse_xml_lines",
]
