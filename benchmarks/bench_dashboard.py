"""Benchmark: the dashboard's overview page, a bounded loop of requests against the real server.

    python benchmarks/bench_dashboard.py PROJECT [--requests 200] [--port 8799] [--path /]

Starts ``antena serve PROJECT`` on 127.0.0.1 (a fresh process, which computes the statistics at
start-up), waits until it answers, times the first request (the page waits for the statistics
and draws its charts), then ``--requests`` more, one after another, and prints the latencies
(p50, p95, max, in ms) as JSON, with the server's peak RSS and the load average. Nothing but
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ANTENA = str(Path(sys.executable).parent / "antena")


def fetch(url: str) -> tuple[float, int, int]:
    """Seconds, HTTP status and body length of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - 127.0.0.1 only
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - started, status, len(body)


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(project: Path, requests: int, port: int, path: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}{path}"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    server = subprocess.Popen([ANTENA, "serve", str(project), "--port", str(port), "--host", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:  # until the server answers at all
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/none", timeout=2)  # noqa: S310
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None:
                    raise RuntimeError("antena serve exited") from None
                time.sleep(0.2)
                continue
            break
        up = time.perf_counter() - started
        first, status, size = fetch(url)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        times = [fetch(url)[0] for _ in range(requests)]
        return {
            "project": str(project), "path": path, "requests": requests, "server_up_s": round(up, 2),
            "first_ms": round(first * 1000, 1), "page_bytes": size,
            "p50_ms": round(percentile(times, 0.50) * 1000, 1), "p95_ms": round(percentile(times, 0.95) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1), "mean_ms": round(statistics.mean(times) * 1000, 1),
            "server_peak_rss_mib": peak_rss_mib(server.pid), "load_avg": round(load, 1),
            "load_avg_after": round(os.getloadavg()[0], 1), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    print(json.dumps(run(args.project, args.requests, args.port, args.path), indent=1))


if __name__ == "__main__":
    main()
