"""The review queue's table (``reviews``) and the reads a reviewer needs (``antena review``).

``protect/review.py`` holds the rules (thresholds, statuses, redaction, the CSV for partners);
this module holds its SQL. Decisions are written together with their ``audit_log`` entry.
"""

from __future__ import annotations

from typing import Any

import duckdb

from antena.store.database import transaction

RESULTS_TABLE = "ann_risk"  # where the local engine stores the risk analyser's results

REVIEWS_SQL = """
CREATE TABLE IF NOT EXISTS reviews (
  post_id VARCHAR PRIMARY KEY,
  signal VARCHAR NOT NULL,      -- the strongest signal when the post was queued
  signals VARCHAR[],            -- every signal that fired
  score DOUBLE NOT NULL,
  reasons VARCHAR[],            -- the rules that fired, in English, without quoting the post
  status VARCHAR NOT NULL DEFAULT 'open',
  reviewer VARCHAR,
  note VARCHAR,
  decided_at TIMESTAMPTZ,
  queued_at TIMESTAMPTZ DEFAULT now()
)
"""

_SCORED = (
    f"FROM {RESULTS_TABLE} r JOIN live_posts p USING (post_id) WHERE r.version = ?"
    " AND r.content_hash IS NOT DISTINCT FROM p.content_hash AND r.risk_score >= ?"
    " AND len(r.risk_signals) > 0"
)


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REVIEWS_SQL)


def queue_risky(con: duckdb.DuckDBPyConnection, risk_version: str, threshold: float) -> tuple[int, int, int, int]:
    """Queue live posts whose current risk score reaches ``threshold`` (once per post).

    Returns (candidates, added, open, queued)."""
    params = [risk_version, threshold]
    candidates = con.execute(f"SELECT count(*) {_SCORED}", params).fetchall()[0][0]  # noqa: S608 - fixed SQL
    added = con.execute(
        "INSERT INTO reviews (post_id, signal, signals, score, reasons, status, queued_at)"  # noqa: S608
        " SELECT r.post_id, r.risk_signals[1], r.risk_signals, r.risk_score, r.risk_reasons, 'open', now()"
        f" {_SCORED} AND NOT EXISTS (SELECT 1 FROM reviews q WHERE q.post_id = r.post_id)", params).fetchall()[0][0]
    open_, total = con.execute("SELECT count(*) FILTER (WHERE status = 'open'), count(*) FROM reviews").fetchall()[0]
    return int(candidates), int(added), int(open_), int(total)


def cases(con: duckdb.DuckDBPyConnection, status: str | None, signal: str | None, limit: int | None = None,
          offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(total, cases) with status and signal (None: any), highest score first, each with its post's
    platform, kind, time and text (not redacted: callers redact)."""
    where = "WHERE (?::VARCHAR IS NULL OR q.status = ?) AND (?::VARCHAR IS NULL OR list_contains(q.signals, ?))"
    params: list[Any] = [status, status, signal, signal]
    total = con.execute(f"SELECT count(*) FROM reviews q {where}", params).fetchall()[0][0]  # noqa: S608 - fixed SQL
    sql = ("SELECT q.post_id, q.signal, q.signals, q.score, q.reasons, q.status, q.reviewer, q.decided_at,"  # noqa: S608
           f" p.platform, p.kind, p.created_at, p.text FROM reviews q LEFT JOIN posts p USING (post_id) {where}"
           " ORDER BY q.score DESC, p.created_at, q.post_id")
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = params + [int(limit), int(offset)]
    return int(total), _dicts(con, sql, params)


def status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("SELECT status, count(*) FROM reviews GROUP BY 1").fetchall())


def case(con: duckdb.DuckDBPyConnection, post_id: str) -> dict[str, Any] | None:
    rows = _dicts(con, "SELECT post_id, signal, signals, score, reasons, status, reviewer, note, decided_at, queued_at"
                       " FROM reviews WHERE post_id = ?", [post_id])
    return rows[0] if rows else None


def post(con: duckdb.DuckDBPyConnection, post_id: str) -> dict[str, Any] | None:
    """A post as a reviewer sees it (deleted and withheld ones too: the case stays readable)."""
    rows = _dicts(con, "SELECT post_id, platform, kind, parent_id, created_at, author_id, author_handle, url,"
                       " text, deleted, withheld FROM posts WHERE post_id = ?", [post_id])
    return rows[0] if rows else None


def post_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every queued post id (to find a case named by its public, pseudonymous id)."""
    return [r[0] for r in con.execute("SELECT post_id FROM reviews").fetchall()]


def history(con: duckdb.DuckDBPyConnection, post_id: str) -> list[dict[str, Any]]:
    """The audited decisions on one case, oldest first."""
    return _dicts(con, "SELECT logged_at, actor, action, detail FROM audit_log WHERE action = 'review.decide'"
                       " AND starts_with(detail, ?) ORDER BY id", [post_id + " "])


def decide(con: duckdb.DuckDBPyConnection, post_id: str, status: str, reviewer: str, note: str, audit: str) -> None:
    """Write a decision and its audit entry in one transaction."""
    with transaction(con):
        con.execute("UPDATE reviews SET status = ?, reviewer = ?, note = ?, decided_at = now() WHERE post_id = ?",
                    [status, reviewer, note, post_id])
        con.execute("INSERT INTO audit_log (actor, action, detail) VALUES (?, 'review.decide', ?)", [reviewer, audit])


def export_rows(con: duckdb.DuckDBPyConnection, statuses: list[str]) -> list[dict[str, Any]]:
    """Cases in ``statuses`` with their post and the post they answer, highest score first."""
    return _dicts(con,
        "SELECT q.post_id, p.platform, p.kind, p.created_at, p.author_id, p.author_handle, p.url, q.signal,"
        " q.signals, q.score, q.reasons, q.status, q.reviewer, q.note, q.decided_at, p.text, p.parent_id,"
        " pp.text AS parent_text, pp.author_handle AS parent_author_handle"
        " FROM reviews q LEFT JOIN posts p USING (post_id) LEFT JOIN posts pp ON pp.post_id = p.parent_id"
        " WHERE list_contains(?, q.status) ORDER BY q.score DESC, q.post_id", [statuses])


def risk_signals(con: duckdb.DuckDBPyConnection, post_id: str) -> list[str]:
    row = con.execute(f"SELECT risk_signals FROM {RESULTS_TABLE} WHERE post_id = ? LIMIT 1",  # noqa: S608 - constant
                      [post_id]).fetchall()
    return list(row[0][0] or []) if row else []
