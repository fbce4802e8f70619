"""The catalog at city scale (issue 17, item 5): a hub holding N resources, measured.

For each size a fresh home is made from a city folder (`hub generate-directory --city`: the
demo's 12 declarations plus N − 12 generated ones; size 12 is the demo city itself, the
baseline) with `hub init --profile`, every delivered resource gets a landing folder and
`--deliveries` of them a small delivery. Then, each in a fresh process as a code server or a
door would start:

- `defs`: `import pipelines.definitions` (it builds `defs` from the home's settings), then the
  repository resolved as Dagster's code server does (`get_repository_def()`), against
  `import dagster` alone; peak RSS. `validate`: `dagster definitions validate -m
  pipelines.definitions`, the CLI's own offline load.
- `tick`: the landing sensor evaluated by Dagster against the loaded Definitions
  (`evaluate_tick`, as tests/pipelines/test_sensor_tick.py does), on a fresh instance.
- `hub catalog list` (first page, and `--all`) as a subprocess.
- over real HTTP (uvicorn in a thread, httpx): `/resources` search and filters, the web list's
  pages, `/v1/resources` pages, `/open/dcat.jsonld`, `/stats`: p50/p95 of `--requests` each.

    .venv/bin/python bench/catalog_scale.py --sizes 12,1000,10000 [--deliveries 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from ingest import run_facts

PYTHON = sys.executable
HUB = str(Path(PYTHON).with_name("hub"))
DAGSTER = str(Path(PYTHON).with_name("dagster"))
DEMO_SIZE = 12
PASSWORD = "correct horse battery staple"


def _env(home: Path, landing: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_HOME": str(home), "HUB_LANDING": str(landing),
            "DAGSTER_HOME": str(home / "dagster"), "PYTHONPATH": str(ROOT.parent)}


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True,
                          cwd=ROOT.parent)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {done.stderr[-2000:]}")
    return round(seconds, 2), done.stdout


def make_home(size: int, deliveries: int, work: Path, seed: int) -> tuple[Path, Path, dict]:
    """A hub home of `size` resources, with its landing folders and a few deliveries."""
    from pipelines.citygen.city_folder import write_city_folder
    from pipelines.citygen.directory import generate_directory
    from pipelines.citygen.directory_deliveries import write_deliveries

    facts: dict = {}
    home, landing = work / "home", work / "landing"
    env = _env(home, landing)
    if size <= DEMO_SIZE:
        profile = "huizhou"
    else:
        declared = generate_directory(size - DEMO_SIZE, 46, seed=seed)
        facts["city_folder_declarations"] = write_city_folder(declared, work / "city")
        write_deliveries(declared, landing, deliveries, seed=seed)
        profile = str(work / "city")
    facts["init_s"], _ = _run([HUB, "init", "--profile", profile], env)
    # Every resource's folder exists, as on a hub where each department has its landing.
    from catalog.city import load_city

    city = load_city(home / "city")
    for code, declared_resource in city.resources.items():
        if declared_resource.is_delivered:
            (landing / code).mkdir(parents=True, exist_ok=True)
    facts["resources"] = len(city.resources)
    facts["landing_folders"] = sum(1 for p in landing.iterdir() if p.is_dir())
    facts["landing_folders_with_batches"] = sum(1 for p in landing.iterdir() if any(p.iterdir()))
    facts["second_open_s"], _ = _run([HUB, "catalog", "list", "--limit", "1"], env)
    return home, landing, facts


# --- a fresh process: the definitions and the sensor's tick -----------------------------------

def child_defs() -> dict:
    """Run in a fresh process (HUB_HOME set): what a code server does to load the hub."""
    out = {}
    start = time.perf_counter()
    import dagster as dg

    out["import_dagster_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    from pipelines.definitions import defs

    out["import_definitions_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    repository = defs.get_repository_def()
    assets = repository.asset_graph.get_all_asset_keys()
    out["resolve_repository_s"] = round(time.perf_counter() - start, 2)
    out["assets"] = len(assets)
    out["asset_checks"] = len(list(repository.asset_graph.asset_check_keys))
    out["peak_rss_after_defs_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    sensor = repository.get_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        for label in ("tick_first_s", "tick_again_s"):
            start = time.perf_counter()
            with dg.build_sensor_context(
                    instance=instance, definitions=defs, sensor_name=sensor.name,
                    resources=dict(repository.get_top_level_resources())) as context:
                requests = list(sensor.evaluate_tick(context).run_requests or [])
            out[label] = round(time.perf_counter() - start, 2)
    out["tick_run_requests"] = len(requests)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


def measure_defs(home: Path, landing: Path) -> dict:
    env = _env(home, landing)
    instance = Path(env["DAGSTER_HOME"])
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    _, text = _run([PYTHON, __file__, "--child", "defs"], env)
    out = json.loads(text.strip().splitlines()[-1])
    out["dagster_definitions_validate_s"], _ = _run(
        [DAGSTER, "definitions", "validate", "-m", "pipelines.definitions"], env)
    return out


# --- the doors people use: the CLI and HTTP ----------------------------------------------------

def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "n": len(ordered)}


def measure_cli(home: Path, landing: Path, repeat: int) -> dict:
    env = _env(home, landing)
    out = {}
    for label, args in (("hub_catalog_list_page_s", ["catalog", "list"]),
                        ("hub_catalog_list_all_json_s", ["catalog", "list", "--all", "--json"])):
        times = [_run([HUB, *args], env)[0] for _ in range(repeat)]
        out[label] = {"median": round(statistics.median(times), 2), "n": repeat}
    return out


def measure_http(home: Path, landing: Path, requests: int, work: Path) -> dict:
    import httpx

    from catalog import HubSettings
    from catalog.settings import get_settings
    from exchange import create_app
    from exchange.clients import create_client
    from tests.live import serving

    os.environ.update({"HUB_HOME": str(home), "HUB_LANDING": str(landing)})
    get_settings.cache_clear()
    settings = HubSettings(home=home, landing=landing)
    app = create_app(settings)
    store = app.state.hub.store
    issued = create_client(store, "bench-cdo", "bench", "hub", ["cdo"])
    create_client(store, "bench-person", "bench person", "hub", ["cdo"], kind="user",
                  password=PASSWORD)
    from catalog import RESOURCES

    department = next(iter(RESOURCES.values())).provider.code
    some = list(RESOURCES)[len(RESOURCES) // 2]
    total = len(RESOURCES)
    probes = {
        "web_resources_first_page": "/resources",
        "web_resources_search_text": "/resources?q=许可",
        "web_resources_search_code": f"/resources?q={some}",
        "web_resources_filter_department": f"/resources?department={department}",
        "web_resources_filter_combined": "/resources?sharing=有条件共享&grade=核心&grade_of=highest",
        "web_resources_last_page": f"/resources?page={max(1, -(-total // 50))}",
        "web_stats": "/stats",
        "api_v1_resources_first_page": "/v1/resources?limit=50",
        "api_v1_resources_last_page": f"/v1/resources?limit=50&offset={max(0, total - 50)}",
        "api_v1_resource_one": f"/v1/resources/{some}",
        "open_dcat_jsonld": "/open/dcat.jsonld",
    }
    out: dict = {}
    with serving(app) as url, httpx.Client(base_url=url, timeout=300) as http:
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("bench-cdo", issued.secret)).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        form = http.get("/login")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = http.post("/login", data={"username": "bench-person", "password": PASSWORD,
                                           "csrf": csrf, "next": "/resources"})
        assert signed.status_code in (200, 303), signed.text[:300]
        for name, path in probes.items():
            headers = bearer if path.startswith("/v1") else {}
            samples, size = [], 0
            count = requests if not name.startswith("open_dcat") else max(3, requests // 5)
            for _ in range(count + 1):  # the first is a warm-up
                start = time.perf_counter()
                response = http.get(path, headers=headers)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code,
                                                    response.text[:300])
                size = len(response.content)
            out[name] = {**_percentiles(samples[1:]), "first_ms": round(samples[0] * 1000, 1),
                         "bytes": size}
    app.state.hub.store.registry.dispose() if hasattr(app.state.hub.store, "registry") else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,1000,10000")
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--cli-repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip", default="", help="Comma list of: defs, cli, http.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "defs":
        print(json.dumps(child_defs()))
        return
    skip = set(filter(None, args.skip.split(",")))
    results: dict = {**run_facts(), "sizes": {}}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{size}-") as tmp:
            home, landing, facts = make_home(size, args.deliveries, Path(tmp), args.seed)
            row = {**facts, "load_average_before": round(os.getloadavg()[0], 2)}
            if "defs" not in skip:
                row["dagster"] = measure_defs(home, landing)
            if "cli" not in skip:
                row["cli"] = measure_cli(home, landing, args.cli_repeat)
            if "http" not in skip:
                row["http"] = measure_http(home, landing, args.requests, Path(tmp))
            results["sizes"][size] = row
            print(json.dumps({size: row}, ensure_ascii=False), flush=True, file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
