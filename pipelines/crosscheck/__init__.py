"""The social-assistance cross-check (社会救助数据比对, docs/crosscheck.md): identity
linkage, the eight rules, flags with evidence, review suppression, scoring against a truth."""

from pipelines.crosscheck.service import (
    FLAGS,
    CrosscheckError,
    CrosscheckResult,
    new_run_id,
    run_crosscheck,
)

__all__ = ["FLAGS", "CrosscheckError", "CrosscheckResult", "new_run_id", "run_crosscheck"]
