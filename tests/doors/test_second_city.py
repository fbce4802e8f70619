"""The demo flow for the second shipped city, 东莞, through the `hub` command: a home made from
its profile, a city generated for it (towns as districts: nine-digit codes in 行政区划, 441900 in
every ID number), ingested with its quality checks, cross-checked with its own assistance
standards and scored against the generator's truth, catalogued under its departments and
queried through the SQL gateway, by the city and by one town's officer."""

from __future__ import annotations

import json
import re

import pytest

from catalog.city import load_city, profile_path
from catalog.model import ItemType
from pipelines.citygen.place import Place
from tests.cli import clean_env, hub

pytestmark = pytest.mark.slow  # generates a city, runs the ingest and the cross-check (1–2 min)

CITY = load_city(profile_path("dongguan"))
TOWNS = set(CITY.profile.districts)
UNKNOWN = set(Place.of(CITY.profile).unknown_districts)


def test_dongguan_runs_the_demo_flow(tmp_path):
    home = tmp_path / "home"
    created = hub("--home", home, "init", "--profile", "dongguan", env=clean_env())
    assert created.returncode == 0, created.stderr
    env = clean_env(home=home)

    def ok(*args) -> str:
        result = hub(*args, env=env, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    made = ok("generate", "--persons", "1500", "--seed", "3", "--out", home)
    assert "households of 东莞市" in made
    manifest = json.loads((home / "truth" / "manifest.json").read_text(encoding="utf-8"))
    ok("materialize")

    # The cross-check reads 东莞's standards from its profile: every rule, income included,
    # scores as the generator's truth says.
    ok("crosscheck", "run")
    scored = ok("crosscheck", "score", "--truth", home / "truth" / "crosscheck.csv")
    # The score table: its header, the rule under it, a line a rule.
    lines = {line.split()[0]: line.split()[1:] for line in scored.splitlines()[2:]}
    assert set(lines) >= {"income", "deceased", "all"}
    for rule, (expected, flagged, correct, precision, recall) in lines.items():
        assert int(expected) >= 1 and (precision, recall) == ("1.000", "1.000"), (rule, scored)

    listed = json.loads(ok("catalog", "list", "--json"))
    assert {r["provider"]["name"] for r in listed} == {d.name for d in CITY.profile.departments}
    assert "东莞市公安局" in {r["provider"]["name"] for r in listed}
    assert "惠州" not in json.dumps(listed, ensure_ascii=False)

    # Town codes pass the district checks: the only failing values are the planted unknown
    # districts, and no row is quarantined for its district.
    planted = {(f["resource"], f["batch_id"]): f["noise"].get("unknown_district", 0)
               for f in manifest["files"]}
    failing = {}
    for entry in listed:
        items = {i["name"]: i for i in entry["items"]}
        if "district_code" not in items or items["district_code"]["type"] != ItemType.DISTRICT:
            continue
        hub_state = entry["hub"]
        if not hub_state["current_batches"] or entry["code"] == "mz.crosscheck_flags":
            continue
        for batch in hub_state["batches"]:
            assert not any("district" in rule for rule in batch["quarantine_by_rule"]), batch
        scores = json.loads(ok("quality", "scores", entry["code"]))
        validity = scores["items"]["district_code"]["validity"]
        failing[entry["code"]] = round((1 - validity) * hub_state["rows"])
        noise = sum(planted.get((entry["code"], b), 0) for b in hub_state["current_batches"])
        assert failing[entry["code"]] <= noise, (entry["code"], validity, noise)
    assert set(failing) == {"ga.population", "wj.deaths", "zr.real_estate", "sj.enterprises",
                            "mz.recipients"}

    grant = json.loads(ok("grants", "provision", "--resource", "ga.population", "--department",
                          "mz", "--items", "district_code,name", "--purpose", "救助核查",
                          "--legal-basis", "社会救助暂行办法"))
    assert grant["status"] == "active"
    sql = "SELECT district_code, count(*) AS n FROM published.ga_population GROUP BY ALL"
    rows = json.loads(ok("sql", sql, "--subject", "analyst-1", "--department", "mz",
                         "--format", "json").splitlines()[0])
    counts = {r["district_code"]: r["n"] for r in rows}
    assert len(set(counts) & TOWNS) >= 30 and set(counts) - TOWNS <= UNKNOWN
    assert sum(n for code, n in counts.items() if code not in TOWNS) == failing["ga.population"]

    # A town's officer sees its town only (masked names).
    town = "441900003"
    sql = "SELECT district_code, count(*) AS n, min(name) AS m FROM published.ga_population GROUP BY ALL"
    rows = json.loads(ok("sql", sql, "--subject", "officer-1", "--department", "mz",
                         "--district", town, "--format", "json").splitlines()[0])
    assert [(r["district_code"], r["n"]) for r in rows] == [(town, counts[town])]
    assert re.fullmatch(r".\*+", rows[0]["m"])
