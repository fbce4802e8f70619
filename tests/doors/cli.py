"""The `hub` command as users run it: the venv's script in a subprocess with a clean environment
(no activated venv, nothing on PATH but the system's), so a test meets what a user meets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).with_name("hub")


def run_hub(*args: str, home: Path, landing: Path | None = None, timeout: float = 300,
            default_language: bool = False) -> subprocess.CompletedProcess:
    """`hub --home HOME [--landing LANDING] ARGS…`; its output as text, whatever the exit code.
    In the suite's language (HUB_LANGUAGE, tests/conftest.py), or with `default_language` in
    the hub's own default, Chinese."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home.parent), "LANG": "C.UTF-8"}
    if "HUB_LANGUAGE" in os.environ and not default_language:
        env["HUB_LANGUAGE"] = os.environ["HUB_LANGUAGE"]
    options = ["--home", str(home), *(["--landing", str(landing)] if landing else [])]
    return subprocess.run([str(HUB), *options, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
