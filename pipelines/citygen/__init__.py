"""Synthetic city generator: the ten department deliveries of a city profile's city (惠州, the
demo's, by default) with planted cross-check cases, configurable noise, and the expected results
(truth, decoys, manifest); and synthetic resource directories at city scale with small
deliveries."""

from .directory import generate_directory, write_directory
from .directory_deliveries import write_deliveries
from .generate import CitySummary, generate_city
from .noise import HARMLESS, NoiseRates
from .truth import RULES
from .writers import BROKEN_KINDS, write_broken_batch

__all__ = [
    "BROKEN_KINDS",
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
