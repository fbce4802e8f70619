"""Long work shows progress through the `hub` command: a live bar on a terminal, plain
timestamped lines in a log or pipe; `hub generate` ends with a readable summary."""

from __future__ import annotations

import os
import pty
import re
import subprocess

from tests.cli import HUB, clean_env, hub


def test_generate_writes_progress_lines_and_a_summary_when_not_a_terminal(tmp_path):
    result = hub("generate", "--persons", "1000", "--out", tmp_path / "city", env=clean_env())
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d Generating: started", lines[0]), lines
    assert any(line.endswith("Generating: 1/1 slices of the city") for line in lines), lines
    assert re.search(r"Generating: done in \d+\.\d s$", lines[-1]), lines
    assert "CitySummary" not in result.stdout
    assert result.stdout.startswith("Generated a city of 1,000 persons in ")
    assert f"records in {tmp_path / 'city' / 'landing'}" in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr  # no terminal codes in a log


def test_generate_draws_a_bar_on_a_terminal(tmp_path):
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(HUB), "generate", "--persons", "1000", "--out",
                                str(tmp_path / "city")], env={**clean_env(), "TERM": "xterm"},
                               stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has exited
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0
    text = output.decode("utf-8", "replace")
    assert "━" in text and "Generating" in text  # rich's bar
    assert "Generating: started" not in text
    assert "Generated a city of 1,000 persons" in text
