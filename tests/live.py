"""The hub's app served over real HTTP: uvicorn on a free localhost port, in a thread, or
`hub serve` itself in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app, lifespan: str = "off") -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://127.0.0.1:<port>`).
    `lifespan="on"` runs the app's startup and shutdown as `hub serve` does."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def hub_serving(hub: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """`hub serve` as the operator runs it (the installed script, a subprocess in `env`) on a
    free port until the block ends; yields its base URL once it answers. Its output goes to
    `log` (a file, not a pipe: a chatty server never blocks on it)."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen([str(hub), "serve", "--host", "127.0.0.1", "--port",
                                   str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (or has died)
            assert server.poll() is None, log.read_text()
            try:
                httpx.get(f"{url}/.well-known/jwks.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
