"""Necks."""
from .rep_pan import RepPAN

__all__ = ["RepPAN"]
