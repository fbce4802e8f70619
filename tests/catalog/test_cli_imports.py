"""The light `hub` commands load none of the heavy libraries (Great Expectations, Dagster,
FastAPI, DuckDB, sqlglot, pyarrow): together they cost seconds at start (bench/cli_start.py
measures the time)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli import HUB, clean_env

HEAVY = ("great_expectations", "dagster", "fastapi", "duckdb", "sqlglot", "pyarrow")


def imported(*args: str, env: dict[str, str]) -> set[str]:
    """Top-level packages the installed `hub` script imports for ARGS (`-X importtime`)."""
    result = subprocess.run([sys.executable, "-X", "importtime", str(HUB), *args], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip().split(".")[0]
            for line in result.stderr.splitlines() if line.startswith("import time:")}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-imports") / "home"
    made = subprocess.run([str(HUB), "--home", str(path), "init"], env=clean_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    return path


@pytest.mark.parametrize("args", [
    ("--help",), ("catalog", "list"), ("catalog", "show", "ga.population"), ("summary",),
    ("audits", "findings"), ("audits", "list"), ("quality", "scores", "ga.population"),
    ("sql", "--help"),
])
def test_light_commands_import_no_heavy_library(home, args):
    loaded = imported(*args, env=clean_env(home=home))
    assert "catalog" in loaded  # the measurement sees the hub's own imports
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
