"""Sharing-API benchmark: ratios against bare FastAPI baselines measured in the same run.

1. Verification calls per second (token validation, order and grant checks, metering and a
   hash-chained audit write) vs a bare FastAPI endpoint doing the same DuckDB point lookup.
2. An extract streamed as Arrow IPC through the API vs a bare endpoint streaming the unmasked
   rows as Arrow IPC: the lineage and every lake column of the same items (`lake`, what the
   engine may expose of them) and, for reference, the six item columns alone (`items`). Two
   orders: `visible` (社会救助核查: civil affairs sees the items as they are) and `masked`
   (统计分析: HMAC tokens and display masks).

Both apps run in real uvicorn servers; one httpx client calls them alternately, in rounds.

    python bench/api.py --home /tmp/big/home [--calls 400] [--rounds 3] [--population 1000000]

`--population N` benchmarks a copy of the home whose published `ga.population` has N rows:
the accepted rows repeated by DuckDB SQL (copies get distinct, invalid ID numbers, so the
verification sample still comes from real residents), re-listed and re-published in the copy.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from catalog import RESOURCES, HubSettings, Registry, resource
from catalog.analystdb import LINEAGE_COLUMNS, rebuild_analyst_db
from catalog.formats import Encoded, encode
from catalog.identifiers import normalise_name, standardise_id
from catalog.lake import connect
from exchange import create_app
from exchange.checks import CHECKS
from exchange.clients import create_client
from exchange.lakeread import LakeReader

ITEMS = ["id_number", "name", "gender", "birth_date", "district_code", "address"]


def bare_app(settings: HubSettings) -> FastAPI:
    """The baseline: no auth, no policy, no audit; the same lookup and the same rows."""
    app = FastAPI()
    lake = LakeReader(settings)
    check = CHECKS["identity"]

    @app.post("/lookup")
    def lookup(body: dict) -> dict:
        params = {"id": standardise_id(body["id_number"]), "name": normalise_name(body["name"]),
                  "districts": []}
        (count,) = lake.cursor().execute(check.sql, params).fetchone()
        return {"answer": count > 0}

    population = resource("ga.population")
    selected = {"items": ITEMS, "lake": [*LINEAGE_COLUMNS, *[
        c for i in ITEMS for c in population.item(i).lake_columns()]]}

    @app.get("/rows")
    def rows(columns: str = "lake") -> StreamingResponse:
        def stream():
            con = connect(settings)
            con.execute("ATTACH ? AS hub (READ_ONLY)", [str(settings.analyst_db)])
            reader = con.sql(f"SELECT {', '.join(selected[columns])} "
                             "FROM hub.published.ga_population").to_arrow_reader(65_536)
            try:
                yield from encode(reader, "arrow", Encoded())  # the API's own encoder
            finally:
                con.close()
        return StreamingResponse(stream(), media_type="application/vnd.apache.arrow.stream")

    return app


def scaled_home(home: Path, rows: int) -> Path:
    """A copy of `home` whose current `ga.population` version has `rows` rows."""
    target = Path(tempfile.mkdtemp()) / "home"
    shutil.copytree(home, target, ignore=shutil.ignore_patterns("dagster", "tmp", "*.wal"))
    old, new = str(home.resolve()), str(target)
    with sqlite3.connect(target / "registry.db") as c:
        for column in ("raw_path", "accepted_path", "quarantine_path"):
            c.execute(f"UPDATE batches SET {column} = replace({column}, ?, ?)", [old, new])
        (path,) = c.execute("SELECT accepted_path FROM batches WHERE resource_code = "
                            "'ga.population' ORDER BY batch_id DESC LIMIT 1").fetchone()
        c.execute("UPDATE publications SET rows = ? WHERE resource_code = 'ga.population'",
                  [rows])
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        n = con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0]
        con.execute(
            "COPY (SELECT * EXCLUDE (k) REPLACE (CASE WHEN k = 0 THEN id_number "
            "ELSE id_number || '-' || k END AS id_number, id_number_valid AND k = 0 AS "
            "id_number_valid) FROM (SELECT *, unnest(range(?)) AS k "
            "FROM read_parquet(?)) LIMIT ?) TO '" + path + ".scaled' (FORMAT parquet)",
            [-(-rows // n), path, rows])
    Path(path + ".scaled").replace(path)
    settings = HubSettings(home=target)
    rebuild_analyst_db(settings, Registry(settings.registry_url), list(RESOURCES.values()))
    return target


def serve(app: FastAPI) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning",
                                           access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def people(settings: HubSettings, n: int) -> list[tuple[str, str]]:
    with connect(settings, settings.analyst_db, read_only=True) as con:
        return con.execute("SELECT id_number, name FROM published.ga_population "
                           f"WHERE id_number_valid USING SAMPLE {n} ROWS").fetchall()


def token(http: httpx.Client, base: str, role: str, secret: str) -> dict:
    response = http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(f"bench-{role}", secret))
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def order(http: httpx.Client, base: str, auth: dict, body: dict) -> str:
    until = (date.today() + timedelta(days=30)).isoformat()
    response = http.post(f"{base}/v1/orders", headers=auth["requester"], json={
        "purpose": "社会救助核查", "legal_basis": "《社会救助暂行办法》第十一条",
        "valid_until": until, "quota_calls": 10_000_000, **body})
    response.raise_for_status()
    order_id = response.json()["id"]
    for role in ("cdo", "reviewer"):
        http.post(f"{base}/v1/orders/{order_id}/review", headers=auth[role],
                  json={"decision": "approve", "reason": "bench"}).raise_for_status()
    return order_id


def rate(fn, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True, help="An ingested hub home.")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--population", type=int, default=0,
                        help="Scale ga.population of a copy of the home to this many rows.")
    args = parser.parse_args()
    if args.population:
        args.home = scaled_home(args.home, args.population)
        atexit.register(shutil.rmtree, args.home.parent, True)
    registry = Path(tempfile.mkdtemp()) / "registry.db"
    # The rate limits are checked on every call (their cost is measured) but set out of reach:
    # the benchmark's one client makes more calls a minute than the defaults allow.
    settings = HubSettings(home=args.home, registry_url=f"sqlite:///{registry}",
                           rate_limit_per_address=10**9, rate_limit_per_client=10**9)
    api = create_app(settings)
    store = api.state.hub.store
    secrets = {role: create_client(store, f"bench-{role}", role, dept, [role]).secret
               for role, dept in (("requester", "mz"), ("cdo", "hub"), ("reviewer", "ga"))}
    api_base, bare_base = serve(api), serve(bare_app(settings))
    sample = people(settings, args.calls)
    with httpx.Client(timeout=600) as http:
        auth = {role: token(http, api_base, role, s) for role, s in secrets.items()}
        verify_order = order(http, api_base, auth, {"resource": "ga.population",
                                                    "mode": "verify"})
        extract_orders = {kind: order(http, api_base, auth, {
            "resource": "ga.population", "mode": "extract", "items": ITEMS, "purpose": purpose})
            for kind, purpose in (("visible", "社会救助核查"), ("masked", "统计分析"))}

        def api_call(i):
            pid, name = sample[i % len(sample)]
            r = http.post(f"{api_base}/v1/verify/identity", headers=auth["requester"],
                          json={"order_id": verify_order, "id_number": pid, "name": name})
            assert r.status_code == 200 and r.json()["answer"] is True, r.text

        def bare_call(i):
            pid, name = sample[i % len(sample)]
            r = http.post(f"{bare_base}/lookup", json={"id_number": pid, "name": name})
            assert r.json()["answer"] is True

        def stream(url, headers=None) -> float:
            started = time.perf_counter()
            with http.stream("GET", url, headers=headers) as r:
                r.raise_for_status()
                for _chunk in r.iter_bytes():
                    pass
            return rows / (time.perf_counter() - started)

        api_call(0), bare_call(0)  # warm both
        rows = connect(settings, settings.analyst_db, read_only=True).execute(
            "SELECT count(*) FROM published.ga_population").fetchone()[0]
        runs: dict[str, list[float]] = {}
        load = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            measured = {
                "verify_bare": rate(bare_call, args.calls),
                "verify_api": rate(api_call, args.calls),
                "rows_bare_items": stream(f"{bare_base}/rows?columns=items"),
                "rows_bare_lake": stream(f"{bare_base}/rows?columns=lake"),
                **{f"rows_api_{kind}": stream(
                    f"{api_base}/v1/orders/{oid}/extract?format=arrow", auth["requester"])
                   for kind, oid in extract_orders.items()},
            }
            for name, value in measured.items():
                runs.setdefault(name, []).append(round(value, 1))
            load.append(os.getloadavg()[0])
    median = {name: statistics.median(values) for name, values in runs.items()}
    result = {"rows": rows, "calls_per_round": args.calls, "rounds": args.rounds,
              "load_average_1min": load, "runs": runs, "median": median, "ratios": {
                  "verify": median["verify_api"] / median["verify_bare"],
                  **{f"extract_{kind}_vs_{base}": median[f"rows_api_{kind}"]
                     / median[f"rows_bare_{base}"]
                     for kind in ("visible", "masked") for base in ("lake", "items")}}}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
