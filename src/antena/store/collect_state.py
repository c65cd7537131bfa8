"""The collectors' state in the project database: one cursor per job, one row per run.

A *job* is one source asked one thing (``bluesky`` + ``query:trata``, at one API base, within
one time window); its key is stable, so a second ``antena collect`` with the same arguments
continues where the first stopped. Tables are created on first use, so projects made before
the collectors existed gain them without a migration.

``collect_cursors`` rows are unique by ``job_key``, kept so by this module (no index: DuckDB's
unique indexes refuse some update patterns, as for ``posts``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from antena.store.database import transaction
from antena.store.queries import Store

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS collect_cursors (
  job_key VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  target VARCHAR,
  api_base VARCHAR,
  cursor VARCHAR,          -- the next page of the sweep under way; NULL between sweeps
  sweep_newest VARCHAR,    -- newest item seen by the sweep under way
  high_water VARCHAR,      -- newest item of the last complete sweep: the next sweep stops there
  pages BIGINT,            -- pages received so far (numbers the spooled pages)
  updated_at TIMESTAMPTZ
);
CREATE SEQUENCE IF NOT EXISTS collect_run_seq;
CREATE TABLE IF NOT EXISTS collect_runs (
  id BIGINT DEFAULT nextval('collect_run_seq'),
  job_key VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  target VARCHAR,
  started_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ,
  status VARCHAR,          -- running | complete | stopped (a limit) | error | interrupted (killed)
  received BIGINT, stored BIGINT, updated BIGINT, duplicates BIGINT, quarantined BIGINT,
  pages BIGINT, retries BIGINT, waits BIGINT, wait_seconds DOUBLE,
  cursor VARCHAR,
  error VARCHAR
);
"""

RUN_COUNTS = ("received", "stored", "updated", "duplicates", "quarantined", "pages", "retries", "waits")


@dataclass
class CursorState:
    """Where one job stands."""

    job_key: str
    source: str
    target: str = ""
    api_base: str = ""
    cursor: str | None = None
    sweep_newest: str | None = None
    high_water: str | None = None
    pages: int = 0


@dataclass
class RunRecord:
    """One ``antena collect`` run of one job, as the dashboard shows it."""

    job_key: str
    source: str
    target: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    status: str = "running"
    received: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    pages: int = 0
    retries: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    cursor: str | None = None
    error: str | None = None
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES_SQL)


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the collector tables exist (a read-only connection cannot create them)."""
    return {"collect_cursors", "collect_runs"} <= Store(con).tables()


def load_cursor(con: duckdb.DuckDBPyConnection, job_key: str) -> CursorState | None:
    row = con.execute(
        "SELECT job_key, source, target, api_base, cursor, sweep_newest, high_water, pages"
        " FROM collect_cursors WHERE job_key = ?",
        [job_key],
    ).fetchone()
    if row is None:
        return None
    return CursorState(*row[:7], pages=int(row[7] or 0))


def save_cursor(con: duckdb.DuckDBPyConnection, state: CursorState) -> None:
    """Write a job's cursor (one statement each way, so a crash leaves the old or the new row)."""
    values = [state.source, state.target, state.api_base, state.cursor, state.sweep_newest,
              state.high_water, state.pages, datetime.now(UTC)]
    with transaction(con):
        updated = con.execute(
            "UPDATE collect_cursors SET source = ?, target = ?, api_base = ?, cursor = ?, sweep_newest = ?,"
            " high_water = ?, pages = ?, updated_at = ? WHERE job_key = ? RETURNING job_key",
            [*values, state.job_key],
        ).fetchall()
        if not updated:
            con.execute(
                "INSERT INTO collect_cursors (source, target, api_base, cursor, sweep_newest, high_water,"
                " pages, updated_at, job_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, state.job_key],
            )


def start_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> RunRecord:
    """Record a run starting; a run of the same job still marked running was killed (the database
    is one process's at a time), so it is marked ``interrupted``."""
    con.execute("UPDATE collect_runs SET status = 'interrupted' WHERE job_key = ? AND status = 'running'", [run.job_key])
    run.id = con.execute(
        "INSERT INTO collect_runs (job_key, source, target, started_at, status, received, stored, updated,"
        " duplicates, quarantined, pages, retries, waits, wait_seconds)"
        " VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0) RETURNING id",
        [run.job_key, run.source, run.target, run.started_at, run.status],
    ).fetchone()[0]
    return run


def update_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    """Keep a run's counts current (after each page, so a killed run still shows its progress)."""
    con.execute(
        "UPDATE collect_runs SET finished_at = ?, status = ?, received = ?, stored = ?, updated = ?,"
        " duplicates = ?, quarantined = ?, pages = ?, retries = ?, waits = ?, wait_seconds = ?,"
        " cursor = ?, error = ? WHERE id = ?",
        [run.finished_at, run.status, *(getattr(run, name) for name in RUN_COUNTS), run.wait_seconds,
         run.cursor, run.error, run.id],
    )


def quarantine_page(
    con: duckdb.DuckDBPyConnection, display: str, sha: str, fmt: str, reason: str, raw: str
) -> None:
    """Keep a page the collector could not read (a body that is not the API's JSON)."""
    con.execute(
        "INSERT OR IGNORE INTO quarantine (source_file, file_sha256, source_line, source_pointer,"
        " source_format, field, reason, raw, quarantined_at) VALUES (?, ?, 0, '', ?, '(page)', ?, ?, ?)",
        [display, sha, fmt, reason, raw[:1_000_000], datetime.now(UTC)],
    )


def collector_overview(con: duckdb.DuckDBPyConnection, runs: int = 50) -> dict[str, list[dict[str, Any]]]:
    """Each job's cursor with its last run, and the latest runs (for the dashboard)."""
    if not tables_exist(con):
        return {"jobs": [], "runs": []}
    jobs = _dicts(con.execute(
        "SELECT c.job_key, c.source, c.target, c.api_base, c.cursor, c.high_water, c.pages, c.updated_at,"
        " r.started_at AS last_run, r.status AS last_status, r.error AS last_error,"
        " r.waits AS last_waits, r.wait_seconds AS last_wait_seconds"
        " FROM collect_cursors c LEFT JOIN (SELECT * FROM collect_runs"
        "   QUALIFY row_number() OVER (PARTITION BY job_key ORDER BY id DESC) = 1) r USING (job_key)"
        " ORDER BY c.source, c.target"))
    recent = _dicts(con.execute(
        "SELECT id, source, target, started_at, finished_at, status, received, stored, updated, duplicates,"
        " quarantined, pages, retries, waits, wait_seconds, error FROM collect_runs ORDER BY id DESC LIMIT ?",
        [runs]))
    return {"jobs": jobs, "runs": recent}


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
