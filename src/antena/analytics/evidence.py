"""The evidence an alert carries: the day's top hashtags and its most engaged posts."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb


def _condition(kind: str, key: str) -> tuple[str, list[Any]]:
    if kind == "hashtag":
        return "list_contains(hashtags, ?)", [key]
    if kind == "topic":
        return "list_contains(topics, ?)", [key]
    return "TRUE", []


def spike_evidence(con: duckdb.DuckDBPyConnection, scope: str, tz: str, kind: str, key: str, day: date,
                   top: int = 5, examples: int = 3) -> dict[str, Any]:
    """Top hashtags and example posts (text, platform, time, engagement) of a spike's day."""
    condition, params = _condition(kind, key)
    day_sql = f"FROM ({scope}) s WHERE {condition} AND CAST(timezone(?, created_at) AS DATE) = ?"  # noqa: S608 - fixed fragments
    tags = con.execute(
        f"SELECT tag, count(*) n FROM (SELECT unnest(hashtags) tag {day_sql}) GROUP BY tag ORDER BY n DESC, tag LIMIT ?",  # noqa: S608
        [*params, tz, day, top]).fetchall()
    posts = con.execute(
        f"SELECT platform, created_at, text, coalesce(like_count, 0) + coalesce(share_count, 0) AS engagement {day_sql}"  # noqa: S608
        " ORDER BY engagement DESC, post_id LIMIT ?", [*params, tz, day, examples]).fetchall()
    return {
        "top_hashtags": [{"hashtag": t, "posts": n} for t, n in tags],
        "examples": [{"platform": p, "created_at": str(c), "text": text or "", "engagement": e} for p, c, text, e in posts],
    }


def recent_spikes(store: Any, tz: str, oldest: date, settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Spikes (as ``antena stats`` finds them) on ``oldest`` or later, each with its evidence."""
    from antena.analytics.base import scope_sql
    from antena.analytics.hashtags import spikes

    con = store.con
    sql, params = scope_sql(store, relevant_only=True)
    con.execute(f"CREATE OR REPLACE TEMP TABLE alert_scope AS {sql}", params)  # noqa: S608 - from the store's catalogue
    scope = "SELECT * FROM alert_scope"
    try:
        found = spikes(con, scope, tz, settings or {}, store.analysed and store.has_column("analysis", "topics"))
        recent = [s for s in found if s["day"] >= oldest]
        for spike in recent:
            spike["evidence"] = spike_evidence(con, scope, tz, spike["kind"], spike["key"], spike["day"])
        return recent
    finally:
        con.execute("DROP TABLE IF EXISTS alert_scope")
