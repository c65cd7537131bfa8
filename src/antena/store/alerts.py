"""Alerts and their deliveries, in the project database.

An alert is unique by ``alert_key`` (``spike:hashtag:alertaamber:2026-11-30``): evaluating the
same data again finds it already stored and raises nothing new. A delivery row per alert and
channel is written *before* sending (``sending``) and updated after (``sent`` or ``failed``):
a failed delivery is tried again in the next cycle, a sent one never, and one interrupted
mid-send (still ``sending``) is not repeated either, so nobody is told twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson

from antena.store.queries import Store

TABLES_SQL = """
CREATE SEQUENCE IF NOT EXISTS alert_seq;
CREATE TABLE IF NOT EXISTS alerts (
  id BIGINT DEFAULT nextval('alert_seq'),
  alert_key VARCHAR NOT NULL,
  kind VARCHAR,
  title VARCHAR,
  summary VARCHAR,
  evidence VARCHAR,         -- JSON: counts, top hashtags, redacted example posts
  link VARCHAR,
  created_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS alert_deliveries (
  alert_id BIGINT NOT NULL,
  channel VARCHAR NOT NULL,
  status VARCHAR NOT NULL,  -- sending | sent | failed
  attempts BIGINT,
  detail VARCHAR,
  updated_at TIMESTAMPTZ
);
"""

MAX_ATTEMPTS = 5


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES_SQL)


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return {"alerts", "alert_deliveries"} <= Store(con).tables()


def add_alert(con: duckdb.DuckDBPyConnection, key: str, kind: str, title: str, summary: str,
              evidence: dict[str, Any], link: str) -> int | None:
    """Store an alert unless its key is known; returns the new id, or None when it was known."""
    if con.execute("SELECT 1 FROM alerts WHERE alert_key = ?", [key]).fetchone():
        return None
    return con.execute(
        "INSERT INTO alerts (alert_key, kind, title, summary, evidence, link, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [key, kind, title, summary, orjson.dumps(evidence, default=str).decode(), link, datetime.now(UTC)],
    ).fetchone()[0]


def set_link(con: duckdb.DuckDBPyConnection, alert_id: int, link: str) -> None:
    con.execute("UPDATE alerts SET link = ? WHERE id = ?", [link, alert_id])


def pending_deliveries(con: duckdb.DuckDBPyConnection, channel: str) -> list[dict[str, Any]]:
    """Alerts not yet sent to ``channel`` (never tried, or failed fewer than MAX_ATTEMPTS times)."""
    found = con.execute(
        "SELECT a.id, a.alert_key, a.kind, a.title, a.summary, a.evidence, a.link, a.created_at,"
        " coalesce(d.attempts, 0) FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id AND d.channel = ?"
        " WHERE d.alert_id IS NULL OR (d.status = 'failed' AND d.attempts < ?) ORDER BY a.id",
        [channel, MAX_ATTEMPTS]).fetchall()
    names = ["id", "key", "kind", "title", "summary", "evidence", "link", "created_at", "attempts"]
    out = []
    for row in found:
        item = dict(zip(names, row, strict=True))
        item["evidence"] = orjson.loads(item["evidence"] or "{}")
        out.append(item)
    return out


def mark_delivery(con: duckdb.DuckDBPyConnection, alert_id: int, channel: str, status: str, detail: str = "") -> None:
    now = datetime.now(UTC)
    updated = con.execute(
        "UPDATE alert_deliveries SET status = ?, detail = ?, updated_at = ?,"
        " attempts = attempts + CASE WHEN ? = 'sending' THEN 1 ELSE 0 END"
        " WHERE alert_id = ? AND channel = ? RETURNING alert_id",
        [status, detail, now, status, alert_id, channel]).fetchall()
    if not updated:
        con.execute("INSERT INTO alert_deliveries (alert_id, channel, status, attempts, detail, updated_at)"
                    " VALUES (?, ?, ?, 1, ?, ?)", [alert_id, channel, status, detail, now])


def list_alerts(con: duckdb.DuckDBPyConnection, limit: int = 200) -> list[dict[str, Any]]:
    """Newest alerts first, each with its deliveries."""
    if not tables_exist(con):
        return []
    rows = con.execute(
        "SELECT id, alert_key, kind, title, summary, evidence, link, created_at FROM alerts ORDER BY id DESC LIMIT ?",
        [limit]).fetchall()
    deliveries: dict[int, list[dict[str, Any]]] = {}
    for alert_id, channel, status, attempts, detail, when in con.execute(
            "SELECT alert_id, channel, status, attempts, detail, updated_at FROM alert_deliveries ORDER BY channel").fetchall():
        deliveries.setdefault(alert_id, []).append(
            {"channel": channel, "status": status, "attempts": attempts, "detail": detail, "at": when})
    names = ["id", "key", "kind", "title", "summary", "evidence", "link", "created_at"]
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        item["evidence"] = orjson.loads(item["evidence"] or "{}")
        item["deliveries"] = deliveries.get(item["id"], [])
        out.append(item)
    return out
