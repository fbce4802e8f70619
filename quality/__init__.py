"""Data quality: catalog-derived GX suites run as SQL on DuckDB, the blocking gate, GB/T 36344
scores in the catalog, Data Docs, department feedback files and PII discovery."""

from quality.context import data_docs_index, feedback_dir, gx_context
from quality.expectations import (
    ExpectColumnPairBirthDateToMatchIdNumber,
    ExpectColumnPairGenderToMatchIdNumber,
    ExpectColumnValuesToBeAmountInRange,
    ExpectColumnValuesToBeKnownDistrict,
    ExpectColumnValuesToBePlausibleDate,
    ExpectColumnValuesToBeValidIdNumber,
    ExpectColumnValuesToBeValidUscc,
    ExpectKeyToBeUnique,
)
from quality.extensions import extends
from quality.feedback import clear_feedback, write_feedback, write_rejection
from quality.pii import PiiFinding, discover_pii
from quality.runner import CheckOutcome, ValidationOutcome, validate_files
from quality.scores import compute_scores
from quality.service import QualityReport, current_files, quality_gate, run_quality
from quality.suites import build_suite

__all__ = [
    "CheckOutcome",
    "ExpectColumnPairBirthDateToMatchIdNumber",
    "ExpectColumnPairGenderToMatchIdNumber",
    "ExpectColumnValuesToBeAmountInRange",
    "ExpectColumnValuesToBeKnownDistrict",
    "ExpectColumnValuesToBePlausibleDate",
    "ExpectColumnValuesToBeValidIdNumber",
    "ExpectColumnValuesToBeValidUscc",
    "ExpectKeyToBeUnique",
    "PiiFinding",
    "QualityReport",
    "ValidationOutcome",
    "build_suite",
    "clear_feedback",
    "compute_scores",
    "current_files",
    "data_docs_index",
    "discover_pii",
    "extends",
    "feedback_dir",
    "gx_context",
    "quality_gate",
    "run_quality",
    "validate_files",
    "write_feedback",
    "write_rejection",
]
