"""The project database: one DuckDB file, its tables, and the pseudonymisation key."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb

from antena.schema import POST_SCHEMA

# DuckDB 2 warns that Arrow output of an execute() result costs a copy. Mixing execute() with
# the relational API on one connection is refused in DuckDB 2 unless every result is drained,
# so Antena reads Arrow from execute() results and accepts the copy.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

DB_NAME = "antena.duckdb"
SECRET_DIR = ".antena"
SECRET_NAME = "secret.key"

_ARROW_TO_DUCKDB = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "bool": "BOOLEAN",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
    "list<item: string>": "VARCHAR[]",
}


def _post_columns_ddl() -> str:
    cols = []
    for f in POST_SCHEMA:
        sql_type = _ARROW_TO_DUCKDB[str(f.type)]
        cols.append(f"{f.name} {sql_type}")
    return ",\n  ".join(cols)


def _versions_columns_ddl() -> str:
    return ",\n  ".join(f"{f.name} {_ARROW_TO_DUCKDB[str(f.type)]}" for f in POST_SCHEMA)


SCHEMA_SQL = f"""
CREATE SEQUENCE IF NOT EXISTS raw_seq;
CREATE TABLE IF NOT EXISTS raw_records (
  seq BIGINT DEFAULT nextval('raw_seq'),
  post_id VARCHAR NOT NULL,
  platform VARCHAR NOT NULL,
  native_id VARCHAR NOT NULL,
  source_format VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  payload VARCHAR,          -- the raw record as JSON; emptied when the post is deleted
  source_file VARCHAR,
  source_line BIGINT,
  source_pointer VARCHAR,
  imported_at TIMESTAMPTZ,
  source_options VARCHAR    -- the importer's options (e.g. a column mapping), for remap
);
CREATE TABLE IF NOT EXISTS posts (
  {_post_columns_ddl()}
);
CREATE TABLE IF NOT EXISTS post_versions (
  {_versions_columns_ddl()},
  superseded_at TIMESTAMPTZ
);
CREATE SEQUENCE IF NOT EXISTS quarantine_seq;
CREATE TABLE IF NOT EXISTS quarantine (
  id BIGINT DEFAULT nextval('quarantine_seq'),
  source_file VARCHAR NOT NULL,
  file_sha256 VARCHAR NOT NULL,
  source_line BIGINT,
  source_pointer VARCHAR,
  source_format VARCHAR,
  field VARCHAR,
  reason VARCHAR NOT NULL,
  raw VARCHAR,
  quarantined_at TIMESTAMPTZ,
  UNIQUE (file_sha256, source_line, source_pointer, reason)
);
CREATE SEQUENCE IF NOT EXISTS import_seq;
CREATE TABLE IF NOT EXISTS imports (
  id BIGINT DEFAULT nextval('import_seq'),
  source_file VARCHAR,
  file_sha256 VARCHAR,
  source_format VARCHAR,
  started_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ,
  read BIGINT, stored BIGINT, updated BIGINT, duplicates BIGINT, quarantined BIGINT,
  message VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT DEFAULT nextval('audit_seq'),
  logged_at TIMESTAMPTZ DEFAULT now(),
  actor VARCHAR,
  action VARCHAR,
  detail VARCHAR
);
"""

# The read model's two views. A live post is neither deleted nor withheld: this is the one place
# that rule is written; every count, page, export and statistic reads ``live_posts`` or
# ``analysis`` (live posts beside every analyser's current results, after ``antena analyze``).
LIVE_POSTS_VIEW = ("CREATE OR REPLACE {temp} VIEW live_posts AS SELECT * FROM posts"
                   " WHERE NOT coalesce(deleted, false) AND NOT coalesce(withheld, false)")
ANALYSIS_VIEW = ("CREATE OR REPLACE {temp} VIEW analysis AS SELECT p.*, r.* EXCLUDE (post_id)"
                 " FROM live_posts p LEFT JOIN analysis_results r ON r.post_id = p.post_id")
BARE_ANALYSIS_VIEW = "CREATE OR REPLACE {temp} VIEW analysis AS SELECT * FROM live_posts"


# DuckDB's buffer pool when ``[project] memory_limit`` is not set: a laptop's share (DuckDB's own
# default is 80% of RAM, which let one import reach 1.7 GB at demo scale 10); it spills beyond it.
# 640MB leaves the analysers' models (~550 MiB) and the import's Python side room under 1.5 GB:
# with 1GB the analysis at demo scale 30 peaked at 1,727 MiB and the import at 1,644 MiB.
DEFAULT_MEMORY_LIMIT = "640MB"


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def connect(folder: Path, read_only: bool = False, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the project's database, creating its tables when needed.

    ``memory_limit`` (e.g. "1GB", from ``[project] memory_limit``) caps DuckDB's buffer pool
    (``DEFAULT_MEMORY_LIMIT`` when not given); DuckDB spills to disk beyond it."""
    config = {"memory_limit": str(memory_limit or DEFAULT_MEMORY_LIMIT).strip()}  # checked in antena.settings
    con = duckdb.connect(str(folder / DB_NAME), read_only=read_only, config=config)
    con.execute("SET enable_progress_bar = false")  # stdout stays machine-readable
    if not read_only:
        con.execute(SCHEMA_SQL)
    ensure_views(con, temporary=read_only)
    return con


def _view_sql(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ? AND NOT internal", [name]).fetchall()
    return row[0][0] if row else None


def ensure_views(con: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Define ``live_posts`` and, once results exist, ``analysis`` over it.

    A database written by an older Antena gets them on its next writable opening; opened
    read-only, the same definitions are made as temporary views for this connection."""
    temp = "TEMP" if temporary else ""
    if _view_sql(con, "live_posts") is None:
        con.execute(LIVE_POSTS_VIEW.format(temp=temp))
    analysis = _view_sql(con, "analysis")
    if analysis is not None and "live_posts" not in analysis:
        has_results = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'analysis_results'"
                                  ).fetchall()[0][0]
        con.execute((ANALYSIS_VIEW if has_results else BARE_ANALYSIS_VIEW).format(temp=temp))


def load_or_create_secret(folder: Path) -> bytes:
    """The per-project pseudonymisation key (32 random bytes), created on first use."""
    path = folder / SECRET_DIR / SECRET_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
        (folder / SECRET_DIR / ".gitignore").write_text("*\n", encoding="utf-8")
    return path.read_bytes()


def pseudonym(key: bytes, platform: str, author: str) -> str:
    """A stable, keyed, non-reversible author id: same author and key, same pseudonym."""
    digest = hmac.new(key, f"{platform}\x1f{author}".encode(), hashlib.sha256).hexdigest()
    return "a_" + digest[:16]
