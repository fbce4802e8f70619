"""`hub raw show`: any delivered record of the ingested noisy city shown as it was delivered
(issue 18, item 1) — the text of its line in the landing file, its file's SHA-256, and the rules
it failed if it was quarantined — through the command, as a data officer or auditor runs it."""

from __future__ import annotations

import hashlib
import json

import pytest

from catalog import resource
from tests.cli import assert_one_line_error, clean_env, hub
from tests.pipelines.helpers import query

pytestmark = pytest.mark.slow


def _env(settings, language: str | None = "en") -> dict[str, str]:
    env = clean_env(home=settings.home, landing=settings.landing_dir)
    env.pop("HUB_LANGUAGE", None)
    if language:
        env["HUB_LANGUAGE"] = language
    return env


def _lines(settings, file: str, encoding: str) -> list[str]:
    """The landing file's lines as Python's universal newlines read them (LF, CRLF, CR)."""
    codec = "utf-8-sig" if encoding.lower() in {"utf-8", "utf-8-sig"} else "gb18030"
    with open(settings.landing_dir / file, encoding=codec, errors="replace", newline=None) as fh:
        return fh.read().split("\n")


def _shown(settings, code: str, batch: str, line: int, language: str | None = "en") -> list[dict]:
    result = hub("raw", "show", code, "--batch", batch, "--line", str(line), "--json",
                 env=_env(settings, language))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("code", ["ga.population", "sj.enterprises"])
def test_accepted_and_quarantined_lines_are_shown_as_delivered(ingested, code):
    res = resource(code)
    table = res.table
    accepted = query(ingested, f"SELECT _batch_id, _file, _record_no FROM standardised.{table} "
                               "ORDER BY _batch_id, _file, _record_no LIMIT 1 OFFSET 7")
    quarantined = query(ingested, f"SELECT _batch_id, _file, _record_no, _rules, _record FROM "
                                  f"quarantine.{table} WHERE _record IS NOT NULL "
                                  "ORDER BY _record_no LIMIT 3")
    assert accepted and quarantined
    for batch, file, line, *rest in [*accepted, *quarantined]:
        (shown,) = _shown(ingested, code, batch, line)
        assert (shown["batch_id"], shown["file"], shown["record_no"]) == (batch, file, line)
        assert shown["text"] == _lines(ingested, file, res.encoding)[line - 1]
        landing = (ingested.landing_dir / file).read_bytes()
        assert shown["sha256"] == hashlib.sha256(landing).hexdigest()
        if rest:
            rules, record = rest
            assert shown["quarantined"] == list(rules) and shown["text"] == record
        else:
            assert shown["quarantined"] == []


def test_a_sheets_row_is_shown_from_its_raw_part(ingested):
    (batch, file, row, record), = query(
        ingested, "SELECT _batch_id, _file, _record_no, _record FROM raw.rs_pensions "
                  "ORDER BY _record_no LIMIT 1 OFFSET 3")
    (shown,) = _shown(ingested, "rs.pensions", batch, row)
    assert (shown["file"], shown["text"]) == (file, record)
    assert json.loads(shown["text"])  # the row's cells, as a JSON list


def test_the_default_language_is_chinese_and_errors_are_one_line(ingested):
    (batch, line), = query(ingested, "SELECT _batch_id, _record_no FROM standardised.ga_population "
                                     "ORDER BY _batch_id, _record_no LIMIT 1")
    result = hub("raw", "show", "ga.population", "--batch", batch, "--line", str(line),
                 env=_env(ingested, None))
    assert result.returncode == 0, result.stderr
    assert f"批次 {batch}" in result.stdout and f"第 {line} 行" in result.stdout
    missing = hub("raw", "show", "ga.population", "--batch", "19990101T000000", "--line", "2",
                  env=_env(ingested))
    assert_one_line_error(missing, "no batch 19990101T000000 of ga.population",
                          "hub catalog show ga.population")
    header = hub("raw", "show", "ga.population", "--batch", batch, "--line", "1",
                 env=_env(ingested))
    assert_one_line_error(header, "no record at line 1")
    unknown = hub("raw", "show", "no.such", "--batch", batch, "--line", "2", env=_env(ingested))
    assert_one_line_error(unknown, "unknown resource 'no.such'")
