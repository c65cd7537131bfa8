"""Shared helpers for analytics: the analysed relation, SQL runs, confidence intervals."""

from __future__ import annotations

import math
from typing import Any

import duckdb


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run a query and return rows as dicts (values stay parameters, never formatted in)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column]).fetchone()[0])


# Columns no statistic reads: left out of the working set so it is cheap to materialise.
UNUSED_COLUMNS = {
    "url", "native_id", "thread_id", "author_handle", "reply_count", "quote_count", "view_count", "urls",
    "has_media", "media_types", "place", "country", "version_key", "content_hash", "source_format",
    "source_file", "source_line", "source_pointer", "collected_at", "imported_at", "text_norm",
    "topic_scores", "risk_reasons", "language_score",
}


def scope_sql(con: duckdb.DuckDBPyConnection, relevant_only: bool = True) -> str:
    """The relation analytics read: the ``analysis`` view (after ``antena analyze``) restricted
    to relevant, non-deleted posts; plain ``posts`` before any analysis."""
    source = "analysis" if has_table(con, "analysis") else "posts"
    names = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [source]).fetchall()]
    columns = ", ".join(f'"{n}"' for n in names if n not in UNUSED_COLUMNS)
    base = (f"SELECT {columns} FROM {source}"  # noqa: S608 - names from the catalogue
            " WHERE NOT coalesce(deleted, false) AND NOT coalesce(withheld, false)")
    if source == "analysis" and relevant_only and "relevant" in names:
        base += " AND coalesce(relevant, false)"
    return base


def topic_name(topic_id: str, config: dict[str, Any], lang: str) -> str:
    """A topic's name in ``lang`` as antena.toml gives it (English, then the id, as fallbacks)."""
    for topic in config.get("topics", []):
        if topic["id"] == topic_id:
            name = topic.get("name", topic_id)
            return (name.get(lang) or name.get("en") or topic_id) if isinstance(name, dict) else str(name)
    return topic_id


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion (None for n = 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole
