"""Where ``antena stats`` spends its time: each section of ``compute_stats`` timed in one process.

    python benchmarks/profile_stats.py PROJECT [--repeat 2] [--source auto|rows]

Prints, per run, the seconds (wall and CPU of the process, DuckDB's threads included) of the
working-set copy (made only when the figures ``antena analyze`` stores are not current, or with
``--source rows``) and of each section, then the whole ``compute_stats``. The first run pays the
library imports and a cold buffer pool; the later ones are warm. (``antena stats`` itself also
caches its JSON per project version: this script times the computation, never the cache.)
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from antena import analytics
from antena.analytics import base
from antena.project import open_project


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--source", default="auto")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {}
    original = base.materialised_working_set  # what base.working_scope copies with

    @contextmanager
    def timed_scope(store: Any, name: str = "stats_scope") -> Any:
        w, c = clock()
        with original(store, name) as scope:
            timings["working set"] = [round(time.perf_counter() - w, 3), round(time.process_time() - c, 3)]
            yield scope

    base.materialised_working_set = timed_scope
    for run in range(args.repeat):
        with open_project(args.project, read_only=True) as project:
            store = project.store
            timings.clear()
            wall, cpu = clock()
            sections = ("corpus", "volumes", "hashtags", "spikes", "topics", "sentiment", "targets", "awareness",
                        "quotes", "campaigns")
            for name in sections:
                w, c = clock()
                analytics.compute_stats(store, {name}, args.source)
                copy = timings.pop("working set", [0.0, 0.0])
                timings[name] = [round(time.perf_counter() - w - copy[0], 3), round(time.process_time() - c - copy[1], 3)]
                timings["working set"] = copy
            w, c = clock()
            analytics.compute_stats(store, None, args.source)
            timings["compute_stats (all)"] = [round(time.perf_counter() - w, 3), round(time.process_time() - c, 3)]
            print(json.dumps({"run": run + 1, "aggregates": analytics.use_aggregates(store, args.source),
                              "seconds [wall, cpu]": timings}, indent=1))


if __name__ == "__main__":
    main()
