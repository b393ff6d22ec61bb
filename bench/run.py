"""Request-latency smoke benchmark of the foundation's pages, through HTTP on loopback.

Starts gunicorn (2 workers) on a free port against the current database, warms up, then
requests each URL N times sequentially and prints p50/p95 per URL and one summary line:
`requests p95_ms=<x> p50_ms=<y> n=<count>`. Run it with `make bench` (after `make demo`).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = ["/healthz", "/", "/territoires/", "/api/v1/regions/", "/api/v1/departements/"]
N = int(os.environ.get("BENCH_N", "200"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # The anonymous API limit would cut the run short: lift it for the benchmark only.
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_ANON_RATE": "1000000/minute",
    }
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(base)
        all_ms: list[float] = []
        for url in URLS:
            for _ in range(10):
                urllib.request.urlopen(base + url, timeout=10).read()  # noqa: S310
            timings = []
            for _ in range(N):
                start = time.perf_counter()
                with urllib.request.urlopen(base + url, timeout=10) as response:  # noqa: S310
                    response.read()
                timings.append((time.perf_counter() - start) * 1000)
            all_ms += timings
            print(
                f"{url:<28} p50={statistics.median(timings):6.2f} ms  p95={percentile(timings, 0.95):6.2f} ms"
            )
        print(
            f"requests p95_ms={percentile(all_ms, 0.95):.2f} p50_ms={statistics.median(all_ms):.2f} n={len(all_ms)}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
