"""The `hub` command as a user runs it: the installed script, as a subprocess, from a clean
environment (no activated venv: no VIRTUAL_ENV, no venv on PATH, none of the test's HUB_*)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).parent / "hub"


def clean_env(**hub: str | Path) -> dict[str, str]:
    """Only what a fresh login shell has, the suite's HUB_LANGUAGE (delete it from the result
    for the hub's default language), plus the given variables (`home=` → HUB_HOME)."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                           if p and Path(p).resolve() != HUB.parent.resolve())
    env = {"PATH": path or "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "LANG": "C.UTF-8", "TMPDIR": os.environ.get("TMPDIR", "/tmp")}
    if "HUB_LANGUAGE" in os.environ:  # the suite's language (tests/conftest.py), as a user sets it
        env["HUB_LANGUAGE"] = os.environ["HUB_LANGUAGE"]
    env.update({(k if k.isupper() else f"HUB_{k.upper()}"): str(v) for k, v in hub.items()})
    return env


def hub(*args: str | Path, env: dict[str, str], timeout: float = 300,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HUB), *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit non-zero, no traceback, one `Error:` line naming what is wrong."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
