"""Hashtags and trends: counts, growth, co-hashtags, and spike alerts against a baseline.

Spike detection follows listening tools: each day's count is compared with the mean and
standard deviation of the ``baseline_days`` before it; a day is a spike when its z-score
reaches ``sensitivity`` and it is at least ``min_ratio`` times the baseline mean and at least
``min_count`` posts. Each alert carries its evidence (counts, baseline, example posts).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import duckdb

from antena.analytics.base import rows
from antena.analytics.discovery import STOP_WORDS


def hashtags(con: duckdb.DuckDBPyConnection, scope: str, top: int = 30) -> dict[str, Any]:
    s = f"({scope}) s"
    counts = rows(con, f"""
        WITH tags AS (SELECT unnest(hashtags) AS hashtag, created_at FROM {s}),
             bounds AS (SELECT max(created_at) AS last FROM {s})
        SELECT hashtag, count(*) AS posts,
               count(*) FILTER (WHERE created_at > last - INTERVAL 7 DAY) AS last_7_days,
               count(*) FILTER (WHERE created_at <= last - INTERVAL 7 DAY AND created_at > last - INTERVAL 14 DAY) AS previous_7_days
        FROM tags, bounds GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?""", [top])  # noqa: S608
    for row in counts:
        prev = row["previous_7_days"]
        row["growth"] = None if not prev else round((row["last_7_days"] - prev) / prev, 3)
    pairs = rows(con, f"""
        WITH t AS (SELECT post_id, unnest(list_distinct(hashtags)) AS tag FROM {s})
        SELECT a.tag AS source, b.tag AS target, count(*) AS posts
        FROM t a JOIN t b ON a.post_id = b.post_id AND a.tag < b.tag
        GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 100""")  # noqa: S608
    return {"top": counts, "co_hashtags": pairs, "terms": terms(con, scope)}


TERM_SAMPLE = 50_000  # above this many posts, words are counted on a sample of about this size
SAMPLE_BUCKETS = 1_000_000


def terms(con: duckdb.DuckDBPyConnection, scope: str, top: int = 30) -> list[dict[str, Any]]:
    """The most used words (accents folded, stop words, links, @handles and #tags left out),
    with the same last-7-days growth as hashtags. Reposts are left out: they repeat their original.

    On more than ``TERM_SAMPLE`` posts the words are counted on a sample of about that size and
    the counts scaled up; such rows say ``estimated``. The sample is chosen by a hash of the post
    id: the same posts on every run, spread evenly over the period (DuckDB's block sample, used
    before, took whole blocks of neighbouring posts, different ones each time the working set was
    copied: the top word's previous-7-days count varied from 5,190 to 11,091 between two runs)."""
    n = con.execute(f"SELECT count(*) FROM ({scope}) s WHERE kind <> 'repost' AND text IS NOT NULL").fetchone()[0]  # noqa: S608
    kept = max(1, round(SAMPLE_BUCKETS * TERM_SAMPLE / n)) if n > TERM_SAMPLE else SAMPLE_BUCKETS
    sample = f" AND hash(post_id) % {SAMPLE_BUCKETS} < {kept}" if kept < SAMPLE_BUCKETS else ""
    factor = SAMPLE_BUCKETS / kept
    counts = rows(con, f"""
        WITH base AS (SELECT created_at, text FROM ({scope}) s WHERE kind <> 'repost' AND text IS NOT NULL{sample}),
        w AS (
            SELECT created_at, unnest(list_distinct(regexp_extract_all(
                strip_accents(lower(regexp_replace(text, '(https?://|www[.])[^ ]+|[@#][^[:space:]]+', ' ', 'g'))),
                '[a-z]{{4,}}'))) AS term
            FROM base),
        bounds AS (SELECT max(created_at) AS last FROM w)
        SELECT term, count(*) AS posts,
               count(*) FILTER (WHERE created_at > last - INTERVAL 7 DAY) AS last_7_days,
               count(*) FILTER (WHERE created_at <= last - INTERVAL 7 DAY AND created_at > last - INTERVAL 14 DAY) AS previous_7_days
        FROM w, bounds WHERE NOT list_contains(?, term) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?""",  # noqa: S608
        [STOP_WORDS, top])
    for row in counts:
        prev = row["previous_7_days"]
        row["growth"] = None if not prev else round((row["last_7_days"] - prev) / prev, 3)
        if sample:
            for key in ("posts", "last_7_days", "previous_7_days"):
                row[key] = round(row[key] * factor)
            row["estimated"] = True
    return counts


def detect_spikes(
    series: dict[str, dict[date, int]],
    kind: str,
    baseline_days: int = 14,
    sensitivity: float = 3.0,
    min_ratio: float = 2.0,
    min_count: int = 10,
) -> list[dict[str, Any]]:
    """Spikes in daily count series (key -> {day: count}); missing days count as zero."""
    alerts = []
    for key, by_day in series.items():
        if not by_day:
            continue
        first, last = min(by_day), max(by_day)
        days = [first + timedelta(d) for d in range((last - first).days + 1)]
        values = [by_day.get(d, 0) for d in days]
        for i in range(baseline_days, len(days)):
            window = values[i - baseline_days:i]
            mean = sum(window) / baseline_days
            sd = math.sqrt(sum((v - mean) ** 2 for v in window) / max(1, baseline_days - 1))
            count = values[i]
            z = (count - mean) / max(sd, math.sqrt(max(mean, 1.0)))  # Poisson floor for flat baselines
            if count >= min_count and z >= sensitivity and count >= min_ratio * max(mean, 0.5):
                alerts.append({"kind": kind, "key": key, "day": days[i], "count": count,
                               "baseline_mean": round(mean, 2), "baseline_sd": round(sd, 2),
                               "z": round(z, 2), "ratio": round(count / max(mean, 0.5), 2)})
    return sorted(alerts, key=lambda a: (-a["z"], str(a["day"]), a["key"]))


def daily_series(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, dict[date, int]]:
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for key, day, n in con.execute(sql, params).fetchall():
        series[str(key)][day] = n
    return series


def spikes(con: duckdb.DuckDBPyConnection, scope: str, tz: str, settings: dict[str, Any] | None = None,
           topics_available: bool = False) -> list[dict[str, Any]]:
    """Spike alerts for total volume, the top hashtags and (after analysis) topics."""
    settings = settings or {}
    s = f"({scope}) s"
    volume = daily_series(con, f"SELECT 'all posts', CAST(timezone(?, created_at) AS DATE) d, count(*) FROM {s} WHERE created_at IS NOT NULL GROUP BY 1, 2", [tz])  # noqa: S608
    tags = daily_series(con, f"""
        WITH t AS (SELECT unnest(hashtags) AS tag, created_at FROM {s} WHERE created_at IS NOT NULL),
             top AS (SELECT tag FROM t GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 50)
        SELECT tag, CAST(timezone(?, created_at) AS DATE), count(*) FROM t WHERE tag IN (SELECT tag FROM top) GROUP BY 1, 2""", [tz])  # noqa: S608
    topic_series = None
    if topics_available:
        topic_series = daily_series(con, f"""
            SELECT unnest(topics) AS topic, CAST(timezone(?, created_at) AS DATE), count(*) FROM {s}
            WHERE created_at IS NOT NULL GROUP BY 1, 2""", [tz])  # noqa: S608
    return alerts_from_series(con, scope, tz, settings, volume, tags, topic_series)


def alerts_from_series(con: duckdb.DuckDBPyConnection, scope: str, tz: str, settings: dict[str, Any],
                       volume: dict[str, dict[date, int]], tags: dict[str, dict[date, int]],
                       topic_series: dict[str, dict[date, int]] | None) -> list[dict[str, Any]]:
    """Spike alerts from daily series (from post rows or the daily aggregates), with examples."""
    alerts = detect_spikes(volume, "volume", **settings) + detect_spikes(tags, "hashtag", **settings)
    if topic_series is not None:
        alerts += detect_spikes(topic_series, "topic", **settings)
    alerts = sorted(alerts, key=lambda a: (-a["z"], str(a["day"])))[:50]
    strongest = alerts[:10]  # the evidence of the strongest alerts
    for alert, found in zip(strongest, examples_of(con, scope, tz, strongest), strict=True):
        alert["examples"] = found
    return alerts


def examples_of(con: duckdb.DuckDBPyConnection, scope: str, tz: str, alerts: list[dict[str, Any]]) -> list[list[str]]:
    """Per alert, the ids of the 3 most engaged posts of its day (its evidence), in one scan."""
    if not alerts:
        return []
    kinds = {a["kind"] for a in alerts}
    matches = ["w.kind = 'volume'"]
    if "hashtag" in kinds:
        matches.append("(w.kind = 'hashtag' AND list_contains(s.hashtags, w.key))")
    if "topic" in kinds:
        matches.append("(w.kind = 'topic' AND list_contains(s.topics, w.key))")
    days = [a["day"] for a in alerts]
    # the UTC window around each day (any time zone's day lies within it) spares converting every post's time
    found = con.execute(f"""
        WITH w AS (SELECT unnest(?) AS i, unnest(?) AS kind, unnest(CAST(? AS VARCHAR[])) AS key,
                          unnest(CAST(? AS DATE[])) AS day)
        SELECT w.i, s.post_id FROM ({scope}) s
        JOIN w ON s.created_at >= CAST(w.day AS TIMESTAMPTZ) - INTERVAL 2 DAY
              AND s.created_at < CAST(w.day AS TIMESTAMPTZ) + INTERVAL 3 DAY
        WHERE s.created_at >= CAST(? AS TIMESTAMPTZ) - INTERVAL 2 DAY AND s.created_at < CAST(? AS TIMESTAMPTZ) + INTERVAL 3 DAY
          AND CAST(timezone(?, s.created_at) AS DATE) = w.day AND ({' OR '.join(matches)})
        QUALIFY row_number() OVER (PARTITION BY w.i ORDER BY coalesce(s.like_count, 0) + coalesce(s.share_count, 0) DESC,
                                   s.post_id) <= 3
        ORDER BY w.i, coalesce(s.like_count, 0) + coalesce(s.share_count, 0) DESC, s.post_id""",  # noqa: S608
        [list(range(len(alerts))), [a["kind"] for a in alerts], [str(a["key"]) for a in alerts], days,
         min(days), max(days), tz]).fetchall()
    out: list[list[str]] = [[] for _ in alerts]
    for i, post_id in found:
        out[i].append(post_id)
    return out

