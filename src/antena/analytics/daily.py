"""The statistics read from the daily aggregates (``store/aggregates.py``) instead of post rows.

Each function returns exactly what its row-based twin in ``volumes``, ``perception`` and
``hashtags`` returns (``tests/test_aggregates.py`` compares them on the demo). ``sentiment``,
``targets`` and ``awareness`` give the plain counts, as the Spark engine reports them;
``*_estimated`` add what the local engine reports besides (the uncertain label, the estimates of
``analytics.estimates``), whose counts also come from the aggregates: post rows are read for them
only when a reference sample exists (its rows). What sums cannot give is still read from the
working set (``scope``): distinct authors, the hashtags' last-14-days windows (only the posts of
those days), words, quotes, examples and campaigns.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import duckdb

from antena.analytics.base import rows, share, wilson, with_shares
from antena.analytics.hashtags import alerts_from_series, terms
from antena.analytics.perception import (
    SENTIMENTS,
    emotion_label,
    emotion_units,
    estimates,
    net_ci,
    sentiment_label,
    sentiment_units,
    target_entry,
    target_units,
    unaware_units,
)
from antena.analytics.volumes import streams
from antena.store.aggregates import SEP, UNCERTAIN

WEEK = "CAST(date_trunc('week', day) AS DATE)"


class Daily:
    """The aggregates of one scope: relevant posts, or every live post."""

    def __init__(self, con: duckdb.DuckDBPyConnection, relevant_only: bool) -> None:
        self.con = con
        self.where = "relevant" if relevant_only else "TRUE"

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        source = f"(SELECT * FROM stats_daily WHERE {self.where})"  # noqa: S608 - fixed SQL
        return rows(self.con, sql.replace("{d}", source), params)

    def total(self) -> int:
        return int(self.rows("SELECT CAST(coalesce(sum(posts), 0) AS BIGINT) AS n FROM {d} d WHERE dim = 'all'")[0]["n"])

    def by_key(self, dim: str, measure: str = "items", label: str = "key") -> list[dict[str, Any]]:
        return self.rows(f"SELECT key AS {label}, CAST(sum({measure}) AS BIGINT) AS posts FROM {{d}} d"  # noqa: S608 - fixed names
                         " WHERE dim = ? GROUP BY 1 ORDER BY 2 DESC, 1", [dim])

    def series(self, dim: str, keys: list[str] | None = None) -> dict[str, dict[date, int]]:
        out: dict[str, dict[date, int]] = defaultdict(dict)
        key = "'all posts'" if dim == "all" else "key"
        found = self.rows(f"SELECT {key} AS key, day, CAST(sum(items) AS BIGINT) AS n FROM {{d}} d"  # noqa: S608
                          " WHERE dim = ? AND day IS NOT NULL GROUP BY 1, 2", [dim])
        wanted = set(keys) if keys is not None else None
        for r in found:
            if wanted is None or r["key"] in wanted:
                out[str(r["key"])][r["day"]] = r["n"]
        return out


def volumes(con: duckdb.DuckDBPyConnection, d: Daily, scope: str) -> dict[str, Any]:
    authors = con.execute(f"SELECT count(DISTINCT author_id) FROM ({scope}) s").fetchone()[0]  # noqa: S608
    return volume_figures(d, authors, streams(con, scope))


def volume_figures(d: Daily, authors: int, live_streams: list[dict[str, Any]]) -> dict[str, Any]:
    """Volumes from the aggregates, with the two figures they cannot hold (distinct authors, streams)."""
    total = d.rows("SELECT CAST(coalesce(sum(posts), 0) AS BIGINT) AS n, min(first) AS start, max(last) AS end"
                   " FROM {d} d WHERE dim = 'all'")[0]
    return {
        "posts": total["n"],
        "unique_authors": authors,
        "period": {"start": total["start"], "end": total["end"]},
        "by_platform": d.rows("SELECT platform, CAST(sum(posts) AS BIGINT) AS posts FROM {d} d WHERE dim = 'all'"
                              " GROUP BY 1 ORDER BY 2 DESC, 1"),
        "by_language": d.by_key("language", "posts", "language"),
        "by_kind": d.by_key("kind", "posts", "kind"),
        "by_day": d.rows("SELECT day, platform, CAST(sum(posts) AS BIGINT) AS posts FROM {d} d"
                         " WHERE dim = 'all' AND day IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"),
        "by_hour": d.rows("SELECT CAST(key AS BIGINT) AS hour, CAST(sum(posts) AS BIGINT) AS posts FROM {d} d"
                          " WHERE dim = 'hour' GROUP BY 1 ORDER BY 1"),
        "streams": live_streams,
    }


def topics(d: Daily) -> dict[str, Any]:
    n = d.total()
    totals = d.by_key("topic", label="topic")
    with_shares(totals, n)
    return {
        "posts": n,
        "totals": totals,
        "by_week": d.rows(f"""
            WITH n AS (SELECT {WEEK} AS week, sum(posts) AS posts FROM {{d}} d WHERE dim = 'all' AND day IS NOT NULL GROUP BY 1),
                 t AS (SELECT {WEEK} AS week, key AS topic, sum(items) AS posts FROM {{d}} d WHERE dim = 'topic' AND day IS NOT NULL GROUP BY 1, 2)
            SELECT t.week, t.topic, CAST(t.posts AS BIGINT) AS posts, CAST(n.posts AS BIGINT) AS week_posts,
                   CAST(t.posts AS BIGINT) / CAST(n.posts AS BIGINT) AS share
            FROM t JOIN n USING (week) ORDER BY 1, 2"""),  # noqa: S608
        "by_platform": d.rows("SELECT platform, key AS topic, CAST(sum(items) AS BIGINT) AS posts FROM {d} d"
                              " WHERE dim = 'topic' GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"),
    }


def _sentiment_weeks(d: Daily) -> list[dict[str, Any]]:
    return d.rows(f"""
        WITH w AS (SELECT {WEEK} AS week, CAST(sum(items) AS BIGINT) AS posts,
                          CAST(sum(items) FILTER (WHERE key = 'positive') AS BIGINT) AS pos,
                          CAST(sum(items) FILTER (WHERE key = 'negative') AS BIGINT) AS neg
                   FROM {{d}} d WHERE dim = 'sentiment' AND day IS NOT NULL GROUP BY 1)
        SELECT week, posts, (coalesce(pos, 0) - coalesce(neg, 0)) / posts AS net,
               coalesce(neg, 0) / posts AS negative, coalesce(pos, 0) / posts AS positive
        FROM w ORDER BY 1""")  # noqa: S608


def sentiment(d: Daily, with_emotion: bool) -> dict[str, Any]:
    counts = {r["key"]: r["posts"] for r in d.by_key("sentiment")}
    n = sum(counts.values())
    overall = {label: {"posts": counts.get(label, 0), "share": share(counts.get(label, 0), n),
                       "ci": wilson(counts.get(label, 0), n)} for label in ("negative", "neutral", "positive")}
    net, lo, hi = net_ci(counts.get("positive", 0), counts.get("negative", 0), n)
    result: dict[str, Any] = {"posts": n, "overall": overall, "net": net, "net_ci": [lo, hi], "by_week": _sentiment_weeks(d)}
    if with_emotion:
        result["emotion"] = with_shares(d.by_key("emotion", label="emotion"))
    return result


def sentiment_estimated(con: duckdb.DuckDBPyConnection, d: Daily, scope: str, uncertain_below: float,
                        with_emotion: bool) -> dict[str, Any]:
    """``perception.sentiment`` from the aggregates: the labels with abstention (``uncertain``),
    net sentiment from the forced labels, estimates from the label counts."""
    labelled = {r["key"]: r["posts"] for r in d.by_key("sentiment_label")}
    forced = {r["key"]: r["posts"] for r in d.by_key("sentiment")}
    n = sum(labelled.values())
    overall = {k: {"posts": labelled.get(k, 0), "share": share(labelled.get(k, 0), n),
                   "ci": wilson(labelled.get(k, 0), n)} for k in (*SENTIMENTS, UNCERTAIN)}
    net, lo, hi = net_ci(forced.get("positive", 0), forced.get("negative", 0), n)
    label = sentiment_label(con, uncertain_below)
    result: dict[str, Any] = {
        "posts": n, "overall": overall, "uncertain_below": uncertain_below, "net": net, "net_ci": [lo, hi],
        "estimates": estimates(con, sentiment_units(scope, label) + " WHERE sentiment IS NOT NULL", [], "sentiment",
                               SENTIMENTS, counts=labelled, n=n),
        "by_week": _sentiment_weeks(d),
    }
    if with_emotion:
        emo = emotion_label(con, uncertain_below)
        emotions = with_shares(d.by_key("emotion_label", label="emotion"))
        result["emotion"] = emotions
        result["emotion_estimates"] = estimates(
            con, emotion_units(scope, emo) + " WHERE emotion IS NOT NULL", [], "emotion",
            [e["emotion"] for e in emotions if e["emotion"] != UNCERTAIN],
            counts={e["emotion"]: e["posts"] for e in emotions}, n=sum(e["posts"] for e in emotions))
    return result


def _target_counts(d: Daily) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per target: mentions, judged mentions and their sentiments; and the weekly net sentiment."""
    found: dict[str, dict[str, Any]] = {}
    for r in d.rows("SELECT key, CAST(sum(posts) AS BIGINT) AS mentions, CAST(sum(items) AS BIGINT) AS judged"
                    " FROM {d} d WHERE dim = 'target' GROUP BY 1"):
        found[r["key"]] = {"mentions": r["mentions"], "judged": r["judged"], "positive": 0, "negative": 0, "neutral": 0}
    for r in d.rows("SELECT key, CAST(sum(items) AS BIGINT) AS n FROM {d} d WHERE dim = 'target_sentiment' GROUP BY 1"):
        target, label = r["key"].split(SEP, 1)
        if label in ("positive", "negative", "neutral") and target in found:
            found[target][label] = r["n"]
    weekly = d.rows(f"""
        WITH m AS (SELECT split_part(key, '{SEP}', 1) AS target, {WEEK} AS week, CAST(sum(items) AS BIGINT) AS mentions,
                          CAST(sum(items) FILTER (WHERE split_part(key, '{SEP}', 2) = 'positive') AS BIGINT) AS pos,
                          CAST(sum(items) FILTER (WHERE split_part(key, '{SEP}', 2) = 'negative') AS BIGINT) AS neg
                   FROM {{d}} d WHERE dim = 'target_sentiment' AND day IS NOT NULL GROUP BY 1, 2)
        SELECT target, week, mentions, (coalesce(pos, 0) - coalesce(neg, 0)) / mentions AS net FROM m ORDER BY 1, 2""")  # noqa: S608
    return found, weekly


def targets(d: Daily, config_targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found, weekly = _target_counts(d)
    all_mentions = sum(r["mentions"] for r in found.values())
    out = [target_entry(target, found, all_mentions, weekly) for target in config_targets]
    return sorted(out, key=lambda t: -t["mentions"])


def targets_estimated(con: duckdb.DuckDBPyConnection, d: Daily, scope: str,
                      config_targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``perception.targets`` from the aggregates, each target's estimates from its mention counts."""
    found, weekly = _target_counts(d)
    all_mentions = sum(r["mentions"] for r in found.values())
    out = []
    for target in config_targets:
        entry = target_entry(target, found, all_mentions, weekly)
        r = found.get(target["id"], {"judged": 0})
        entry["estimates"] = estimates(con, target_units(scope), [target["id"]], "target", SENTIMENTS, target["id"],
                                       counts={k: r.get(k, 0) for k in SENTIMENTS}, n=r["judged"])
        out.append(entry)
    return sorted(out, key=lambda t: -t["mentions"])


def awareness(d: Daily) -> dict[str, Any]:
    n = d.total()
    programmes = d.by_key("programme", label="programme")
    with_shares(programmes, n, "rate")
    flags = {r["key"]: r["posts"] for r in d.by_key("flag", "posts")}
    unaware = flags.get("unaware", 0)
    return {
        "posts": n,
        "programmes": programmes,
        "unaware": {"posts": unaware, "rate": share(unaware, n), "ci": wilson(unaware, n)},
        "by_week": d.rows(f"""
            WITH w AS (SELECT {WEEK} AS week, CAST(sum(posts) AS BIGINT) AS posts FROM {{d}} d
                       WHERE dim = 'all' AND day IS NOT NULL GROUP BY 1),
                 f AS (SELECT {WEEK} AS week,
                              sum(posts) FILTER (WHERE key = 'amber_alert') AS amber,
                              sum(posts) FILTER (WHERE key = 'programmes_known') AS known,
                              sum(posts) FILTER (WHERE key = 'unaware') AS unaware,
                              sum(posts) FILTER (WHERE key = 'unaware_known') AS unaware_known
                       FROM {{d}} d WHERE dim = 'flag' AND day IS NOT NULL GROUP BY 1)
            SELECT w.week, w.posts,
                   CASE WHEN coalesce(known, 0) > 0 THEN coalesce(amber, 0) / known END AS amber_rate,
                   CASE WHEN coalesce(unaware_known, 0) > 0 THEN coalesce(f.unaware, 0) / unaware_known END AS unaware_rate
            FROM w LEFT JOIN f USING (week) ORDER BY 1"""),  # noqa: S608
    }


def awareness_estimated(con: duckdb.DuckDBPyConnection, d: Daily, scope: str) -> dict[str, Any]:
    """``perception.awareness`` from the aggregates, the unaware share's estimates included."""
    result = awareness(d)
    unaware = result["unaware"]
    unaware["estimates"] = estimates(con, unaware_units(scope), [], "awareness_unaware", ("yes",),
                                     counts={"yes": unaware["posts"]}, n=result["posts"])
    return result


def top_hashtags(d: Daily, top: int = 30) -> tuple[list[dict[str, Any]], Any]:
    """The ``top`` hashtags with their post counts, and the time of the newest post."""
    counts = d.rows("SELECT key AS hashtag, CAST(sum(items) AS BIGINT) AS posts FROM {d} d WHERE dim = 'hashtag'"
                    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", [top])
    return counts, d.rows("SELECT max(last) AS last FROM {d} d WHERE dim = 'all'")[0]["last"]


def hashtag_figures(d: Daily, counts: list[dict[str, Any]], windows: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Growth over the last 7 days against the 7 before (``windows``: hashtag -> (recent, previous))
    and the co-occurring pairs: what both engines report once they have counted the windows."""
    for row in counts:
        row["last_7_days"], row["previous_7_days"] = windows.get(row["hashtag"], (0, 0))
        prev = row["previous_7_days"]
        row["growth"] = None if not prev else round((row["last_7_days"] - prev) / prev, 3)
    return {"top": counts, "co_hashtags": co_hashtags(d)}


def co_hashtags(d: Daily) -> list[dict[str, Any]]:
    """The 100 most frequent pairs of hashtags used together."""
    return d.rows(f"SELECT split_part(key, '{SEP}', 1) AS source, split_part(key, '{SEP}', 2) AS target,"  # noqa: S608
                  " CAST(sum(items) AS BIGINT) AS posts FROM {d} d WHERE dim = 'pair' GROUP BY key ORDER BY 3 DESC, 1, 2 LIMIT 100")


def hashtag_top(con: duckdb.DuckDBPyConnection, d: Daily, scope: str, top: int = 30) -> dict[str, Any]:
    """The top hashtags and their pairs, with the growth windows read from the posts of the last
    14 days of ``scope``."""
    counts, last = top_hashtags(d, top)
    windows: dict[str, tuple[int, int]] = {}
    if counts and last is not None:
        for tag, recent, previous in con.execute(f"""
                WITH tags AS (SELECT unnest(hashtags) AS hashtag, created_at FROM ({scope}) s
                              WHERE created_at > CAST(? AS TIMESTAMPTZ) - INTERVAL 14 DAY)
                SELECT hashtag, count(*) FILTER (WHERE created_at > CAST(? AS TIMESTAMPTZ) - INTERVAL 7 DAY),
                       count(*) FILTER (WHERE created_at <= CAST(? AS TIMESTAMPTZ) - INTERVAL 7 DAY)
                FROM tags WHERE list_contains(?, hashtag) GROUP BY 1""",  # noqa: S608
                [last, last, last, [c["hashtag"] for c in counts]]).fetchall():
            windows[tag] = (recent, previous)
    return hashtag_figures(d, counts, windows)


def hashtags(con: duckdb.DuckDBPyConnection, d: Daily, scope: str, top: int = 30) -> dict[str, Any]:
    return {**hashtag_top(con, d, scope, top), "terms": terms(con, scope)}


def hashtags_stored(d: Daily, stored: dict[str, Any]) -> dict[str, Any]:
    """``hashtags`` with the top hashtags and words kept by ``analytics.stored``."""
    return {"top": [dict(r) for r in stored["hashtags"]], "co_hashtags": co_hashtags(d),
            "terms": [dict(r) for r in stored["terms"]]}


def spikes(con: duckdb.DuckDBPyConnection, d: Daily, scope: str, tz: str, settings: dict[str, Any] | None,
           topics_available: bool) -> list[dict[str, Any]]:
    top = [r["key"] for r in d.rows("SELECT key, sum(items) AS n FROM {d} d WHERE dim = 'hashtag' AND day IS NOT NULL"
                                    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50")]
    return alerts_from_series(con, scope, tz, settings or {}, d.series("all"), d.series("hashtag", top),
                              d.series("topic") if topics_available else None)
