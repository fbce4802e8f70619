"""Synthetic city generator: the ten department deliveries of 惠州 with planted cross-check cases,
configurable noise, and the expected results (truth, decoys, manifest); and synthetic resource
directories at city scale with small deliveries."""

from .directory import generate_directory, write_directory
from .directory_deliveries import write_deliveries
from .generate import CitySummary, generate_city
from .noise import HARMLESS, NoiseRates
from .truth import DEFAULT_STANDARDS, RULES
from .writers import BROKEN_KINDS, write_broken_batch

__all__ = [
    "BROKEN_KINDS",
    "DEFAULT_STANDARDS",
    "HARMLESS",
    "RULES",
    "CitySummary",
    "NoiseRates",
    "generate_city",
    "generate_directory",
    "write_broken_batch",
    "write_deliveries",
    "write_directory",
]
