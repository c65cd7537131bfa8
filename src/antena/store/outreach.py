"""The outreach log's table: awareness actions an organisation records (``antena outreach``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

DDL = """
CREATE SEQUENCE IF NOT EXISTS outreach_seq;
CREATE TABLE IF NOT EXISTS outreach (
  id BIGINT DEFAULT nextval('outreach_seq') PRIMARY KEY,
  action VARCHAR NOT NULL,
  channel VARCHAR,
  group_name VARCHAR,
  date DATE NOT NULL,
  reach BIGINT,
  notes VARCHAR,
  logged_at TIMESTAMPTZ DEFAULT now()
);
"""
COLUMNS = ("id", "action", "channel", "group_name", "date", "reach", "notes")


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def log_action(con: duckdb.DuckDBPyConnection, action: str, channel: str | None, group: str | None, day: date,
               reach: int | None, notes: str | None) -> int:
    """Store one action; returns its id."""
    ensure_table(con)
    row = con.execute(
        "INSERT INTO outreach (action, channel, group_name, date, reach, notes) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [action, channel, group, day, reach, notes]).fetchall()
    return int(row[0][0])


def logged_actions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every logged action, by date."""
    ensure_table(con)
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM outreach ORDER BY date, id").fetchall()  # noqa: S608 - fixed names
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]
