"""Open downloads: what a request costs the server when served from the encoded file, vs what
encoding the open read costs (every request paid it before the files), in the same run, on a
home the ingest benchmark built (`bench/out/hub-<persons>`, see bench/ingest.py;
`sj.enterprises` is the open resource).

The hub runs in a real uvicorn server process (`hub serve`'s app); its CPU time is read from
/proc around each download, which the client streams to nowhere.

    python bench/opendata.py --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import cpu_seconds_of, run_facts

from catalog import get_settings
from catalog.formats import Encoded, encode
from policies import open_extract

CODE = "sj.enterprises"


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server(home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "exchange.serve:app", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        env={**os.environ, "HUB_HOME": str(home)}, cwd=ROOT.parent)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{base}/open/v1/resources", timeout=1)
            return child, base
        except httpx.HTTPError:
            time.sleep(0.1)
    child.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    args = parser.parse_args()
    home = ROOT / "out" / f"hub-{args.persons}"
    os.environ["HUB_HOME"] = str(home)
    settings = get_settings()
    shutil.rmtree(settings.home / "open", ignore_errors=True)
    child, base = _server(home)
    url = f"{base}/open/v1/resources/{CODE}/data.{args.format}"

    def download() -> tuple[float, float, int]:
        """(wall s, server CPU s, bytes) of one download."""
        cpu, started, size = cpu_seconds_of(child.pid), time.perf_counter(), 0
        with httpx.stream("GET", url, timeout=600) as response:
            assert response.status_code == 200, response.read()
            for chunk in response.iter_bytes():
                size += len(chunk)
        return time.perf_counter() - started, cpu_seconds_of(child.pid) - cpu, size

    def encode_again() -> tuple[float, float]:
        """(wall s, CPU s) of encoding the open read once more."""
        cpu, started = _own_cpu(), time.perf_counter()
        reader, totals = open_extract(settings, CODE), Encoded()
        for _ in encode(reader, args.format, totals):
            pass
        reader.close()
        return time.perf_counter() - started, _own_cpu() - cpu

    try:
        first = download()
        served, encoded = [], []
        for _ in range(args.repeat):  # alternately, so both see the same machine
            served.append(download())
            encoded.append(encode_again())
    finally:
        child.terminate()
        child.wait()
    served_cpu = statistics.median(c for _, c, _ in served)
    encode_cpu = statistics.median(c for _, c in encoded)
    result = {
        "persons": args.persons, "format": args.format, "bytes": first[2],
        "first_request": {"wall_s": round(first[0], 3), "server_cpu_s": round(first[1], 3)},
        "served_from_file": {"wall_s": round(statistics.median(w for w, _, _ in served), 3),
                             "server_cpu_s": round(served_cpu, 3)},
        "encode_once_more": {"wall_s": round(statistics.median(w for w, _ in encoded), 3),
                             "cpu_s": round(encode_cpu, 3)},
        "server_cpu_served_over_encode": round(served_cpu / encode_cpu, 3),
        **run_facts(),
    }
    (ROOT / "out" / f"opendata-{args.persons}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
