"""`hub audits run` as a scheduler or CI job runs it: a subprocess with a clean environment,
exiting non-zero (3) when the run reports an open critical finding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from catalog import HubSettings
from exchange.audit_checks import witness_path

HUB = [sys.executable, "-c", "from catalog.cli import main; main()"]


def _hub(home: Path, landing: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home.parent), "PYTHONPATH": str(Path.cwd()),
           "HUB_LANGUAGE": "en"}
    return subprocess.run([*HUB, "--home", str(home), "--landing", str(landing), *args], env=env,
                          capture_output=True, text=True, timeout=300, cwd=Path.cwd(),
                          check=False)


def _run(home: Path, landing: Path, *args: str) -> subprocess.CompletedProcess:
    return _hub(home, landing, "audits", "run", "audit_chain", *args)


def test_critical_findings_make_the_run_fail(tmp_path):
    home, landing = tmp_path / "home", tmp_path / "landing"
    landing.mkdir()
    made = _hub(home, landing, "init")
    assert made.returncode == 0, made.stderr
    clean = _run(home, landing)
    assert clean.returncode == 0, clean.stderr
    assert "== audit_chain: 0 entries, intact" in clean.stdout
    # A witnessed checkpoint not signed by the hub: the audit log may have been rewritten.
    witness = witness_path(HubSettings(home=home, landing=landing))
    witness.parent.mkdir(parents=True, exist_ok=True)
    witness.write_text(json.dumps({"seq": 1, "hash": "0" * 64, "signature": "forged"}))
    failed = _run(home, landing)
    assert failed.returncode == 3, (failed.stdout, failed.stderr)
    assert "critical" in failed.stdout
    assert "1 open finding(s) at critical or above" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert _run(home, landing, "--fail-on", "never").returncode == 0
