"""Volumes: posts by platform, language, kind, day and hour; authors; live streams."""

from __future__ import annotations

from typing import Any

import duckdb

from antena.analytics.base import analysis_has, rows


def volumes(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    lang = "language" if analysis_has(con, "language") else "lang"
    s = f"({scope}) s"
    total = con.execute(f"SELECT count(*), count(DISTINCT author_id), min(created_at), max(created_at) FROM {s}").fetchone()  # noqa: S608
    return {
        "posts": total[0],
        "unique_authors": total[1],
        "period": {"start": total[2], "end": total[3]},
        "by_platform": rows(con, f"SELECT platform, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1"),  # noqa: S608
        "by_language": rows(con, f"SELECT coalesce({lang}, 'und') AS language, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1"),  # noqa: S608
        "by_kind": rows(con, f"SELECT kind, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1"),  # noqa: S608
        "by_day": rows(con, f"SELECT CAST(timezone(?, created_at) AS DATE) AS day, platform, count(*) AS posts FROM {s}"  # noqa: S608
                       " WHERE created_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2", [tz]),
        "by_hour": rows(con, f"SELECT hour(timezone(?, created_at)) AS hour, count(*) AS posts FROM {s}"  # noqa: S608
                        " WHERE created_at IS NOT NULL GROUP BY 1 ORDER BY 1", [tz]),
        "streams": streams(con, scope),
    }


def streams(con: duckdb.DuckDBPyConnection, scope: str) -> list[dict[str, Any]]:
    """Live streams with their comment counts and comment rate per minute over the stream.

    Streams are counted over all their messages (a chat is the context of its relevant parts)."""
    return rows(con, """
        SELECT stream_id, any_value(platform) AS platform, count(*) AS comments,
               count(DISTINCT author_id) AS commenters, min(created_at) AS first, max(created_at) AS last,
               round(count(*) / greatest(1, date_diff('second', min(created_at), max(created_at)) / 60.0), 2) AS per_minute
        FROM live_posts WHERE stream_id IS NOT NULL
        GROUP BY stream_id ORDER BY comments DESC, stream_id""")


def corpus(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Live posts imported, before any relevance filter (the report's 'Data analytics')."""
    first = con.execute("SELECT count(*), count(*) FILTER (WHERE synthetic), min(created_at), max(created_at),"
                        " count(DISTINCT stream_id) FROM live_posts").fetchone()
    return {
        "posts": first[0], "synthetic_posts": first[1], "period": {"start": first[2], "end": first[3]},
        "streams": first[4],
        "by_platform": rows(con, "SELECT platform, count(*) AS posts, count(DISTINCT stream_id) AS streams FROM live_posts"
                                 " GROUP BY 1 ORDER BY 2 DESC, 1"),
        "deleted_or_withheld": con.execute("SELECT count(*) FROM posts").fetchone()[0] - first[0],
        "quarantined": con.execute("SELECT count(*) FROM quarantine").fetchone()[0],
    }
