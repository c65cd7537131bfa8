"""One watch cycle, and the loop that repeats it.

A cycle opens the project, runs every ``[[collect.jobs]]`` (an error in one job is recorded and
the others go on), analyses the new posts with the configured analysers (``antena analyze``),
evaluates the alerts and delivers the new ones, then closes the project so the dashboard and
other commands can open it between cycles.

``antena.toml``::

    [[collect.jobs]]
    source = "bluesky"
    query = "\"alerta amber\" OR robachicos"
    max = 2000            # records per cycle
    time_limit = "10m"    # per job and cycle
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from antena.collect import CollectError, Limits, build_collector
from antena.project import Project

TARGET_KEYS = ("query", "hashtag", "channel", "video")


def _duration(value: Any) -> float | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1:] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def run_job(project: Project, job: dict[str, Any], index: int) -> dict[str, Any]:
    """One ``[[collect.jobs]]`` entry; problems come back in the summary, never raised."""
    source = str(job.get("source") or "")
    given = [(k, str(job[k])) for k in TARGET_KEYS if job.get(k)]
    kind, value = given[0] if given else (None, "")
    options: dict[str, Any] = {name: True for name in ("comments", "archive") if job.get(name)}
    if source == "reddit" and job.get("query") and job.get("channel"):
        kind, value, options["subreddit"] = "query", str(job["query"]), str(job["channel"])
    if job.get("live"):
        kind = "live"
    try:
        collector = build_collector(project.config, source, kind, value,
                                    since=_text(job.get("since")), until=_text(job.get("until")),
                                    api_base=job.get("api_base"), options=options)
        limit = _duration(job.get("time_limit"))
        if kind == "live" and limit is None:
            limit = 60.0  # a stream never ends by itself: one minute per cycle unless told
        limits = Limits(max_records=job.get("max"), time_limit=limit)
        return collector.run(project, limits).summary()
    except (CollectError, ValueError) as exc:
        return {"source": source, "job": index + 1, "status": "error", "error": str(exc),
                "received": 0, "stored": 0, "updated": 0, "duplicates": 0, "quarantined": 0, "cursor": None}


def run_cycle(folder: Path, analyse: bool = True, now: datetime | None = None) -> dict[str, Any]:
    """Collect, analyse, evaluate and deliver once; returns what happened."""
    from antena.watch.deliver import deliver
    from antena.watch.evaluate import evaluate

    with Project(folder) as project:
        jobs = project.config.get("collect", {}).get("jobs", []) or []
        results = [run_job(project, job, i) for i, job in enumerate(jobs)]
        changed = sum(r["stored"] + r["updated"] for r in results)
        analysed = None
        if analyse and changed:
            analysed = project.analyze().analysed
        new = evaluate(project, now)
        sent = deliver(project)
        project.audit("watch", f"{len(jobs)} jobs, {changed} new or updated posts, {len(new)} new alerts")
    return {"at": datetime.now().astimezone().isoformat(timespec="seconds"), "collect": results,
            "analysed": analysed, "new_alerts": new, "deliveries": sent}


def watch(folder: Path, every: float, once: bool = False, on_cycle: Callable[[dict[str, Any]], None] | None = None,
          sleep: Callable[[float], None] = time.sleep, analyse: bool = True) -> None:
    """Run cycles every ``every`` seconds (measured start to start) until interrupted."""
    while True:
        started = time.monotonic()
        try:
            summary = run_cycle(folder, analyse)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or once:
                raise
            # another antena command holds the database: this cycle is skipped, the next one catches up
            summary = {"at": datetime.now().astimezone().isoformat(timespec="seconds"), "collect": [],
                       "analysed": None, "new_alerts": [], "deliveries": {"sent": 0, "failed": 0},
                       "skipped": "the project is being written by another antena command"}
        if on_cycle:
            on_cycle(summary)
        if once:
            return
        sleep(max(0.0, every - (time.monotonic() - started)))
