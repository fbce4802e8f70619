"""Data quality: catalog-derived GX suites run as SQL on DuckDB, the blocking gate, GB/T 36344
scores in the catalog, Data Docs, department feedback files and PII discovery."""

from catalog.lazy import lazy_exports

# Imported on first use: the `hub` command loads this package for its sub-commands only.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "quality.context": ("gx_context",),
    "quality.expectations": (
        "ExpectColumnPairBirthDateToMatchIdNumber", "ExpectColumnPairGenderToMatchIdNumber",
        "ExpectColumnValuesToBeAmountInRange", "ExpectColumnValuesToBeKnownDistrict",
        "ExpectColumnValuesToBePlausibleDate", "ExpectColumnValuesToBeValidIdNumber",
        "ExpectColumnValuesToBeValidUscc", "ExpectKeyToBeUnique",
    ),
    "quality.extensions": ("extends",),
    "quality.feedback": ("clear_feedback", "write_feedback", "write_rejection"),
    "quality.paths": ("data_docs_index", "feedback_dir", "quality_home"),
    "quality.pii": ("PiiFinding", "discover_pii"),
    "quality.runner": ("CheckOutcome", "ValidationOutcome", "validate_files"),
    "quality.scores": ("compute_scores",),
    "quality.service": ("QualityReport", "current_files", "quality_gate", "run_quality"),
    "quality.suites": ("build_suite",),
})
