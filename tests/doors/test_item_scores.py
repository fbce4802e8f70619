"""Per-item quality scores on known counts, read back through `hub quality scores`.

A population batch of 10 rows: 7 clean, 1 with a wrong GB 11643 check character (accepted;
quality flags it) and 2 with birth dates no calendar has (quarantined `invalid_date`). The
scores are exact ratios of values judged, so birth_date's validity is 8 of 10, not 0."""

from __future__ import annotations

import json

from catalog.identifiers import id_check_char
from tests.doors.cli import run_hub
from tests.pipelines.helpers import POPULATION_HEADER


def person_id(serial: int) -> str:
    first17 = f"44130219800101{serial:03d}"
    return first17 + id_check_char(first17)


def population_rows() -> list[str]:
    rows = [f"{person_id(n)},张{n},男,19800101,汉族,H{n},户主,441302,惠城区,正常,,"
            for n in range(1, 8)]
    wrong = person_id(8)[:-1] + ("0" if person_id(8)[-1] != "0" else "1")
    rows.append(f"{wrong},李八,男,19800101,汉族,H8,户主,441302,惠城区,正常,,")
    rows += [f"{person_id(9)},王九,男,1980-02-30,汉族,H9,户主,441302,惠城区,正常,,",
             f"{person_id(10)},赵十,女,19801345,汉族,H10,户主,441302,惠城区,正常,,"]
    return rows


def test_item_scores_are_exact_ratios_of_values_judged(tmp_path):
    home, landing = tmp_path / "home", tmp_path / "landing"
    (landing / "ga.population").mkdir(parents=True)
    (landing / "ga.population" / "20261101T020000.csv").write_bytes(
        ("\n".join([POPULATION_HEADER, *population_rows()]) + "\n").encode("gb18030"))
    home.mkdir()
    done = run_hub("materialize", "--resource", "ga.population", home=home, landing=landing)
    assert done.returncode == 0, done.stderr[-2000:]

    shown = run_hub("quality", "scores", "ga.population", home=home, landing=landing)
    assert shown.returncode == 0, shown.stderr[-2000:]
    scores = json.loads(shown.stdout)
    items = scores["items"]
    # 2 of 10 birth dates unreadable (quarantined); the 8 published ones all plausible.
    assert items["birth_date"] == {"validity": 0.8, "accuracy": 1.0, "completeness": 1.0,
                                   "consistency": 1.0}
    # 1 of the 8 published ID numbers has a wrong check character.
    assert items["id_number"]["validity"] == 0.875
    assert items["gender"]["validity"] == 1.0
