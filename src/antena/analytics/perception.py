"""Topics, sentiment, emotion, sentiment toward each target, and awareness, over time.

Every share comes with a 95% confidence interval (Wilson for proportions; a normal interval
for net sentiment = share positive - share negative).
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from antena.analytics.base import analysis_has, rows, share, wilson


def _available(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    return analysis_has(con, column)


def topics(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    if not _available(con, "topics"):
        return {}
    s = f"({scope}) s"
    n = con.execute(f"SELECT count(*) FROM {s}").fetchone()[0]  # noqa: S608
    totals = rows(con, f"SELECT unnest(topics) AS topic, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
    for t in totals:
        t["share"] = share(t["posts"], n)
        t["ci"] = wilson(t["posts"], n)
    return {
        "posts": n,
        "totals": totals,
        "by_week": rows(con, f"""
            WITH w AS (SELECT date_trunc('week', timezone(?, created_at)) AS week, topics FROM {s} WHERE created_at IS NOT NULL),
                 n AS (SELECT week, count(*) AS posts FROM w GROUP BY 1),
                 t AS (SELECT week, unnest(topics) AS topic FROM w)
            SELECT CAST(t.week AS DATE) AS week, t.topic, count(*) AS posts, any_value(n.posts) AS week_posts,
                   count(*) / any_value(n.posts) AS share
            FROM t JOIN n USING (week) GROUP BY 1, 2 ORDER BY 1, 2""", [tz]),  # noqa: S608
        "by_platform": rows(con, f"""
            SELECT platform, unnest(topics) AS topic, count(*) AS posts FROM {s} GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"""),  # noqa: S608
    }


def net_ci(pos: int, neg: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Net sentiment (share positive - share negative) with a 95% normal interval."""
    if n <= 0:
        return None, None, None
    p, q = pos / n, neg / n
    net = p - q
    var = (p + q - net * net) / n
    half = 1.96 * math.sqrt(max(var, 0.0))
    return net, max(-1.0, net - half), min(1.0, net + half)


def sentiment(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    if not _available(con, "sentiment"):
        return {}
    s = f"({scope}) s"
    counts = dict(con.execute(f"SELECT sentiment, count(*) FROM {s} WHERE sentiment IS NOT NULL GROUP BY 1").fetchall())  # noqa: S608
    n = sum(counts.values())
    overall = {label: {"posts": counts.get(label, 0), "share": share(counts.get(label, 0), n),
                       "ci": wilson(counts.get(label, 0), n)} for label in ("negative", "neutral", "positive")}
    net, lo, hi = net_ci(counts.get("positive", 0), counts.get("negative", 0), n)
    result: dict[str, Any] = {
        "posts": n, "overall": overall, "net": net, "net_ci": [lo, hi],
        "by_week": rows(con, f"""
            SELECT CAST(date_trunc('week', timezone(?, created_at)) AS DATE) AS week, count(*) AS posts,
                   avg(CASE sentiment WHEN 'positive' THEN 1 WHEN 'negative' THEN -1 ELSE 0 END) AS net,
                   avg(CAST(sentiment = 'negative' AS INTEGER)) AS negative, avg(CAST(sentiment = 'positive' AS INTEGER)) AS positive
            FROM {s} WHERE sentiment IS NOT NULL AND created_at IS NOT NULL GROUP BY 1 ORDER BY 1""", [tz]),  # noqa: S608
    }
    if _available(con, "emotion"):
        emotions = rows(con, f"SELECT emotion, count(*) AS posts FROM {s} WHERE emotion IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
        total = sum(e["posts"] for e in emotions)
        for e in emotions:
            e["share"] = share(e["posts"], total)
            e["ci"] = wilson(e["posts"], total)
        result["emotion"] = emotions
    return result


def targets(con: duckdb.DuckDBPyConnection, scope: str, tz: str, config_targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per target: mentions, sentiment toward it with CIs, share of voice, weekly net sentiment."""
    if not _available(con, "targets"):
        return []
    s = f"({scope}) s"
    mentions = f"SELECT s.post_id, s.created_at, t.target, t.sentiment FROM {s}, unnest(s.targets) AS u(t)"  # noqa: S608
    found = {r["target"]: r for r in rows(con, f"""
        SELECT target, count(DISTINCT post_id) AS mentions,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE sentiment = 'neutral') AS neutral, count(*) AS judged
        FROM ({mentions}) m GROUP BY 1""")}  # noqa: S608
    weekly = rows(con, f"""
        SELECT target, CAST(date_trunc('week', timezone(?, created_at)) AS DATE) AS week, count(*) AS mentions,
               avg(CASE sentiment WHEN 'positive' THEN 1 WHEN 'negative' THEN -1 ELSE 0 END) AS net
        FROM ({mentions}) m WHERE created_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", [tz])  # noqa: S608
    all_mentions = sum(r["mentions"] for r in found.values())
    out = []
    for target in config_targets:
        r = found.get(target["id"], {"mentions": 0, "positive": 0, "negative": 0, "neutral": 0, "judged": 0})
        n = r["judged"]
        net, lo, hi = net_ci(r["positive"], r["negative"], n)
        out.append({
            "target": target["id"], "name": target.get("name", target["id"]), "kind": target.get("kind", ""),
            "mentions": r["mentions"], "positive": r["positive"], "neutral": r["neutral"], "negative": r["negative"],
            "shares": {k: share(r[k], n) for k in ("negative", "neutral", "positive")},
            "net": net, "net_ci": [lo, hi],
            "share_of_voice": share(r["mentions"], all_mentions),
            "by_week": [w for w in weekly if w["target"] == target["id"]],
        })
    return sorted(out, key=lambda t: -t["mentions"])


def awareness(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    if not _available(con, "awareness_programmes"):
        return {}
    s = f"({scope}) s"
    n = con.execute(f"SELECT count(*) FROM {s}").fetchone()[0]  # noqa: S608
    programmes = rows(con, f"SELECT unnest(awareness_programmes) AS programme, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
    for p in programmes:
        p["rate"] = share(p["posts"], n)
        p["ci"] = wilson(p["posts"], n)
    unaware = con.execute(f"SELECT count(*) FILTER (WHERE awareness_unaware) FROM {s}").fetchone()[0]  # noqa: S608
    return {
        "posts": n,
        "programmes": programmes,
        "unaware": {"posts": unaware, "rate": share(unaware, n), "ci": wilson(unaware, n)},
        "by_week": rows(con, f"""
            SELECT CAST(date_trunc('week', timezone(?, created_at)) AS DATE) AS week, count(*) AS posts,
                   avg(CAST(list_contains(awareness_programmes, 'amber_alert') AS INTEGER)) AS amber_rate,
                   avg(CAST(awareness_unaware AS INTEGER)) AS unaware_rate
            FROM {s} WHERE created_at IS NOT NULL GROUP BY 1 ORDER BY 1""", [tz]),  # noqa: S608
    }
