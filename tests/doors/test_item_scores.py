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


def gender(serial: int) -> str:
    return "男" if serial % 2 else "女"  # GB 11643: the 17th digit is odd for men


def population_rows() -> list[str]:
    """Rows 1-7 clean; 8 with a wrong check character; 9 and 10 with impossible birth dates."""
    def row(serial: int, id_number: str, birth: str = "19800101") -> str:
        return (f"{id_number},居民{serial},{gender(serial)},{birth},汉族,{serial:09d},户主,"
                "441302,惠城区,正常,,")

    wrong = person_id(8)[:-1] + ("0" if person_id(8)[-1] != "0" else "1")
    return [*(row(n, person_id(n)) for n in range(1, 8)), row(8, wrong),
            row(9, person_id(9), "1980-02-30"), row(10, person_id(10), "19801345")]


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
