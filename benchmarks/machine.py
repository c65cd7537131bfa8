"""What every benchmark records about the machine and the code it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": model, "cores": psutil.cpu_count(logical=True),
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "os": platform.platform(), "commit": commit,
            "load": round(os.getloadavg()[0], 1), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def describe(info: dict[str, Any]) -> str:
    """One line for docs/benchmarks.md."""
    return (f"{info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM; Python {info['python']}, "
            f"DuckDB {info['duckdb']}; commit {info['commit']}; {info['date']}; load average {info['load']}")
