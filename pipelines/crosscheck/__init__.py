"""The social-assistance cross-check (社会救助数据比对, docs/crosscheck.md): identity
linkage, the eight rules, flags with evidence, review suppression, scoring against a truth."""

from catalog.lazy import lazy_exports

# Imported on first use: the `hub` command loads this package for its sub-commands only.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "pipelines.crosscheck.service": (
        "FLAGS", "CrosscheckError", "CrosscheckResult", "new_run_id", "run_crosscheck",
    ),
})
