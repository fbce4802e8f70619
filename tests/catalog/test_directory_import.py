"""`hub catalog import`: a department's directory spreadsheet becomes submitted revisions for the
chief data officer; a refused row imports nothing; importing again changes nothing; a changed
resource becomes a schema revision. Through the `hub` command, on a new home."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli import assert_one_line_error, clean_env, hub

TEMPLATE = Path(__file__).resolve().parents[2] / "docs/templates/directory-template.csv"
OFFICER = ("--actor", "ga-officer", "--department", "ga", "--role", "reviewer")
CDO = ("--actor", "cdo", "--department", "hub", "--role", "cdo")


def ok(*args, env) -> str:
    result = hub(*args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _sheet(rows: list[list[str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _rows() -> list[list[str]]:
    with TEMPLATE.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _only(code: str) -> list[list[str]]:
    """The header and the rows of one resource (first-row-only layout)."""
    header, *body = _rows()
    column = header.index("信息资源代码")
    mine, inside = [], False
    for row in body:
        if row[column]:
            inside = row[column] == code
        if inside:
            mine.append(row)
    return [header, *mine]


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "hub"
    ok("--home", home, "init", env=clean_env())
    return home


def test_only_the_officers_own_resources_and_all_or_nothing(home, tmp_path):
    env = clean_env(home=home)
    refused = hub("catalog", "import", TEMPLATE, *OFFICER, env=env)
    assert_one_line_error(refused, "nothing was imported")
    assert "sj.food_licences" in refused.stderr and "rs.employment_subsidies" in refused.stderr
    assert ok("catalog", "queue", env=env) == ""  # not even ga's own was written


def test_import_publish_reimport_and_revise(home, tmp_path):
    env = clean_env(home=home)
    sheet = _sheet(_only("ga.residence_permits"), tmp_path / "ga.csv")
    assert "1 registered, 0 revised" in ok("catalog", "import", sheet, *OFFICER, env=env)
    queue = ok("catalog", "queue", env=env)
    assert "ga.residence_permits" in queue and "submitted" in queue
    ok("catalog", "publish", "ga.residence_permits", "--reason", "同意", *CDO, env=env)
    shown = json.loads(ok("catalog", "show", "ga.residence_permits", env=env))
    assert shown["provider"]["code"] == "ga" and shown["status"] == "published"

    said = ok("catalog", "import", sheet, *OFFICER, env=env)
    assert "0 registered, 0 revised (submitted for review), 1 unchanged" in said

    rows = _only("ga.residence_permits")
    name = rows[0].index("信息项名称")
    rows[-1][name] = "现居住地址"  # a data item renamed: a schema revision
    changed = _sheet(rows, tmp_path / "ga-2.csv")
    assert "0 registered, 1 revised" in ok("catalog", "import", changed, *OFFICER, env=env)
    assert "现居住地址" in ok("catalog", "queue", env=env)


def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(home, tmp_path):
    env = clean_env(home=home)
    rows = _only("ga.residence_permits")
    kind = rows[0].index("信息项类型") if "信息项类型" in rows[0] else rows[0].index("类型")
    rows[2][kind] = "颜色型"
    result = hub("catalog", "import", _sheet(rows, tmp_path / "bad.csv"), *OFFICER, env=env)
    assert_one_line_error(result, "nothing was imported")
    assert "row 3 " in result.stderr
    assert ok("catalog", "queue", env=env) == ""
