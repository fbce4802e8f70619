"""Identity linkage, the hub vs Splink (DuckDB backend), on the same task and data, same run.

Task: department records (ID number + name, after the contract's standardisation) → persons of
the population register. Noise as in the city generator: single-digit substitutions and
adjacent swaps of the ID (fail the check character), traditional/spaced name variants, namesakes
born the same day in the same district, typos whose name is another person's, and records of
persons absent from the register. Truth: each record's person, or none.

    python bench/linkage.py --persons 1000000 --records 200000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog import (
    HubSettings,
    resource,
)
from catalog.identifiers import id_check_char
from catalog.lake import connect
from catalog.sqlfunctions import register_functions
from pipelines.crosscheck.linkage import create_linkage
from pipelines.crosscheck.sources import WANTED

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
TRADITIONAL = {"陈": "陳", "刘": "劉", "黄": "黃", "张": "張", "杨": "楊", "赵": "趙"}


def _ids(rng, n: int) -> list[str]:
    district = rng.choice(["441302", "441303", "441322", "441323", "441324"], n)
    born = np.datetime64("1940-01-01") + rng.integers(0, 30000, n).astype("timedelta64[D]")
    seq = rng.integers(0, 1000, n)
    out, seen = [], set()
    for d, b, s in zip(district, born.astype(str), seq):
        first17 = f"{d}{b.replace('-', '')}{s:03d}"
        while first17 in seen:
            first17 = first17[:14] + f"{(int(first17[14:]) + 1) % 1000:03d}"
        seen.add(first17)
        out.append(first17 + id_check_char(first17))
    return out


def make_task(persons: int, records: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """(population, records with `truth`)."""
    rng = np.random.default_rng(seed)
    ids = _ids(rng, persons)
    names = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, rng.integers(1, 3)))
             for _ in range(persons)]
    # Namesakes: 1% of persons copy another's name, birth date and district (new sequence).
    for i in rng.choice(persons, persons // 100, replace=False).tolist():
        j = int(rng.integers(persons))
        first17 = ids[j][:14] + f"{(int(ids[j][14:17]) + 500) % 1000:03d}"
        if first17 + id_check_char(first17) not in ids[i]:
            ids[i], names[i] = first17 + id_check_char(first17), names[j]
    ids = list(dict.fromkeys(ids))[:persons]
    persons = len(ids)
    population = pa.table({"id_number": ids, "name": names[:persons]})
    who = rng.integers(0, persons, records)
    rec_ids, rec_names, truth = [], [], []
    kinds = rng.random(records)
    for k, p in zip(kinds, who.tolist()):
        idn, name = ids[p], names[p]
        if k < 0.01:  # one substituted digit, same person
            i = int(rng.integers(6, 17))
            idn = idn[:i] + str((int(idn[i]) + int(rng.integers(1, 10))) % 10) + idn[i + 1:]
        elif k < 0.015:  # adjacent swap, same person
            i = int(rng.integers(6, 16))
            if idn[i] != idn[i + 1]:
                idn = idn[:i] + idn[i + 1] + idn[i] + idn[i + 2:]
        elif k < 0.02:  # traditional characters, spaces
            name = " ".join("".join(TRADITIONAL.get(c, c) for c in name))
        elif k < 0.022:  # typo of p's ID with another person's name: not p
            i = int(rng.integers(6, 17))
            idn = idn[:i] + str((int(idn[i]) + 1) % 10) + idn[i + 1:]
            name, p = name[:-1] + ("国" if name[-1] != "国" else "华"), None
        elif k < 0.025:  # somebody absent from the register
            first17 = f"44138119800101{int(rng.integers(1000)):03d}"
            idn, p = first17 + id_check_char(first17), None
        rec_ids.append(idn)
        rec_names.append(name)
        truth.append(ids[p] if p is not None else None)
    return population, pa.table({"record_id": np.arange(records), "id_number": rec_ids,
                                 "name": rec_names, "truth": truth})


def _empty(code: str) -> str:
    res = resource(code)
    columns = res.lake_columns()
    cols = []
    for c in WANTED[code]:
        kind = columns[c].lake_columns().get(c, "VARCHAR")
        cols.append(f"NULL::{kind} AS {c}")
    return ", ".join(cols) + ", NULL::VARCHAR AS _batch_id, NULL::BIGINT AS _record_no, " \
                             "NULL::VARCHAR AS _salvaged WHERE false"


def hub_linkage(con: duckdb.DuckDBPyConnection) -> tuple[float, pa.Table]:
    """The hub's own linkage SQL (pipelines.crosscheck.linkage) over the task's tables."""
    started = time.perf_counter()
    con.execute("CREATE OR REPLACE TEMP VIEW s_ga_population AS SELECT id_number, "
                "hub_id_valid(id_number) AS id_number_valid, name, hub_name_norm(name) AS "
                "name_norm FROM population")
    for code in WANTED:
        if code not in ("ga.population", "ga.vehicles"):
            con.execute(f"CREATE OR REPLACE TEMP VIEW s_{resource(code).table} AS "
                        f"SELECT {_empty(code)}")
    con.execute("CREATE OR REPLACE TEMP TABLE recs AS SELECT record_id, hub_std_id(id_number) "
                "AS id, hub_name(name) AS nm FROM records")
    con.execute("CREATE OR REPLACE TEMP VIEW s_ga_vehicles AS SELECT CAST(record_id AS VARCHAR) "
                "AS plate_number, id AS owner_id_number, hub_id_valid(id) AS "
                "owner_id_number_valid, nm AS owner_name, hub_name_norm(nm) AS owner_name_norm, "
                "NULL::VARCHAR AS vehicle_type, NULL::VARCHAR AS status, '' AS _batch_id, "
                "record_id AS _record_no, NULL::VARCHAR AS _salvaged FROM recs")
    create_linkage(con)
    # A valid ID identifies its holder even when absent from the register; this task scores
    # links to persons of the register.
    links = con.sql("SELECT _record_no AS record_id, _pid AS person FROM l_ga_vehicles "
                        "SEMI JOIN population p ON p.id_number = _pid").to_arrow_table()
    return time.perf_counter() - started, links


def splink_linkage(con: duckdb.DuckDBPyConnection, threshold: float,
                   persons: int) -> tuple[float, pa.Table]:
    """Splink, DuckDB backend: ID (exact / one edit) and name comparisons, EM-trained, best
    candidate above the threshold per record."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    started = time.perf_counter()
    con.execute("CREATE OR REPLACE TABLE l_side AS SELECT CAST(record_id AS VARCHAR) AS "
                "unique_id, hub_std_id(id_number) AS id, hub_name_norm(hub_name(name)) AS nm, "
                "substr(hub_std_id(id_number), 1, 10) AS id_a, "
                "substr(hub_std_id(id_number), 11) AS id_b FROM records")
    con.execute("CREATE OR REPLACE TABLE r_side AS SELECT id_number AS unique_id, id_number AS id, "
                "hub_name_norm(name) AS nm, substr(id_number, 1, 10) AS id_a, "
                "substr(id_number, 11) AS id_b FROM population")
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[cl.DamerauLevenshteinAtThresholds("id", [1]), cl.ExactMatch("nm")],
        blocking_rules_to_generate_predictions=[
            block_on("id"), block_on("nm", "id_a"), block_on("nm", "id_b")],
        probability_two_random_records_match=1 / persons,
        retain_intermediate_calculation_columns=False)
    frames = [db_api.register("l_side", dataset_display_name="records"),
              db_api.register("r_side", dataset_display_name="population")]
    linker = Linker(frames, settings, log_level=30)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nm", "id_a"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    links = con.sql(
        "SELECT CAST(rec AS BIGINT) AS record_id, person FROM (SELECT CASE WHEN "
        "source_dataset_l = 'records' THEN unique_id_l ELSE unique_id_r END AS rec, CASE WHEN "
        "source_dataset_l = 'records' THEN unique_id_r ELSE unique_id_l END AS person, "
        f"match_probability FROM {predictions.physical_name}) QUALIFY row_number() OVER "
        "(PARTITION BY rec ORDER BY match_probability DESC, person) = 1").to_arrow_table()
    return time.perf_counter() - started, links


def accuracy(con: duckdb.DuckDBPyConnection, links: pa.Table) -> tuple[float, float]:
    con.register("links", links)
    made, correct, expected = con.execute(
        "SELECT (SELECT count(*) FROM links), (SELECT count(*) FROM links l JOIN records r "
        "USING (record_id) WHERE l.person = r.truth), "
        "(SELECT count(*) FROM records WHERE truth IS NOT NULL)").fetchall()[0]
    con.unregister("links")
    return correct / made if made else 1.0, correct / expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--home", type=Path, default=Path("/tmp/hub-bench-linkage"))
    args = parser.parse_args()
    population, records = make_task(args.persons, args.records, args.seed)
    settings = HubSettings(home=args.home)
    args.home.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, run in (("hub", hub_linkage),
                      ("splink", lambda c: splink_linkage(c, args.threshold, population.num_rows))):
        con = connect(settings)
        register_functions(con)
        con.register("population_in", population)
        con.register("records_in", records)
        con.execute("CREATE TABLE population AS SELECT * FROM population_in")
        con.execute("CREATE TABLE records AS SELECT * FROM records_in")
        seconds, links = run(con)
        results[name] = (seconds, *accuracy(con, links))
        con.close()
    print(f"persons {population.num_rows}, records {records.num_rows}, "
          f"DuckDB threads {settings.duckdb_threads}")
    print(f"{'linker':8} {'seconds':>8} {'precision':>9} {'recall':>7}")
    for name, (seconds, precision, recall) in results.items():
        print(f"{name:8} {seconds:>8.2f} {precision:>9.4f} {recall:>7.4f}")
    print(f"Splink / hub time: {results['splink'][0] / results['hub'][0]:.1f}x")


if __name__ == "__main__":
    main()
