"""Public names of a package imported on first use (PEP 562), so `hub --help` and the light
commands do not pay for Great Expectations, Dagster, FastAPI or DuckDB they never touch.

A package's `__init__.py` lists where each of its public names lives, as it would import them:

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"quality.runner": ("validate_files",)})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, where: Mapping[str, Iterable[str]]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """The package's `__getattr__`, `__dir__` and `__all__` for names defined in `where`'s
    modules. A name is imported from its module when first read, then kept on the package."""
    home = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__, sorted(home)
