"""Topics, sentiment, emotion, sentiment toward each target, and awareness, over time.

Every share comes with a 95% confidence interval (Wilson for proportions, via statsmodels; a
Bayesian bootstrap with a fixed seed for net sentiment = share positive - share negative), and
every section says its base: ``posts`` (or ``mentions``) and the population (``relevant`` posts,
or ``all`` posts in scope before the relevance analyser ran). Each model-made share (overall sentiment,
emotion, sentiment toward each target, unawareness) also carries ``estimates`` and ``method``
(``analytics.estimates``): with reference labels on a random sample (``store.reference``), the
fast model's shares corrected for its bias (``ppi``); without, the model's counts (``model``),
whose Wilson interval covers sampling noise only.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np

from antena.analytics.base import analysis_has, net_interval, rows, share, wilson, with_shares
from antena.analytics.estimates import METHOD_MODEL, Z95, estimate_share_counts
from antena.store import reference
from antena.store.aggregates import PROBABILITIES, UNCERTAIN, emotion_label_sql, sentiment_label_sql
from antena.store.queries import Store

SENTIMENTS = ("negative", "neutral", "positive")
METHOD_NOTES = {
    "ppi": "fast model on every post, corrected for its bias by {n_sample} reference labels on a random sample "
           "(prediction-powered inference), 95% interval",
    "model": "fast model's count; the 95% interval covers sampling noise only, not the model's errors "
             "(label a random sample: antena sample draw)",
}


def _available(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    return analysis_has(con, column)


def topics(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    if not _available(con, "topics"):
        return {}
    s = f"({scope}) s"
    n = con.execute(f"SELECT count(*) FROM {s}").fetchone()[0]  # noqa: S608
    totals = rows(con, f"SELECT unnest(topics) AS topic, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
    with_shares(totals, n)
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
    """Net sentiment with its 95% bootstrap interval (``base.net_interval``)."""
    return net_interval(pos, neg, n)


def estimates(con: duckdb.DuckDBPyConnection, units_sql: str, params: list[Any], task: str,
              classes: tuple[str, ...] | list[str], target: str | None = None,
              counts: dict[str, int] | None = None, n: int | None = None) -> dict[str, Any]:
    """Each class's share among the units ``units_sql`` selects (``post_id``, ``fast``, ``text``),
    as ``analytics.estimates`` estimates it, with the method and a sentence saying how.

    ``counts`` and ``n``: the fast model's units per class and all units, when the caller has
    them (the daily aggregates); else counted from ``units_sql``. Post rows are read only for the
    reference sample, when there is one."""
    if counts is None or n is None:
        found_counts = con.execute(f"SELECT fast, count(*) FROM ({units_sql}) u GROUP BY 1", params).fetchall()  # noqa: S608
        n = sum(int(c) for _, c in found_counts)
        counts = {k: int(c) for k, c in found_counts if k is not None}
    fast_sample: list[Any] = []
    ref: list[str] = []
    if reference.has_labels(con, task):
        fast_sample, ref = reference.prefix_sample(con, units_sql, params, task, target)
    found = estimate_share_counts(counts, n, fast_sample, ref, classes)
    net = None
    if {"positive", "negative"} <= set(classes) and len(ref) >= 2:
        net = net_estimate(counts, n, fast_sample, ref)
    first = next(iter(found.values()), None)
    method = first.method if first else METHOD_MODEL
    n_sample = first.n_sample if first else 0
    out = {"method": method, "note": METHOD_NOTES[method].format(n_sample=n_sample), "n_sample": n_sample,
           "shares": {c: e.as_dict() for c, e in found.items()}}
    if net is not None:
        out["net"] = net
    return out


def net_estimate(counts: dict[str, int], n: int, fast_sample: list[Any], ref: list[Any],
                 z: float = Z95) -> dict[str, float]:
    """Net sentiment (share positive - share negative) by PPI++ on the values +1 / 0 / -1, from the
    fast model's counts over all ``n`` units and the random sample's fast and reference labels."""
    value = {"positive": 1.0, "negative": -1.0}
    f_s = np.array([value.get(label, 0.0) for label in fast_sample])
    y_s = np.array([value.get(label, 0.0) for label in ref])
    m, n_u = len(y_s), n - len(y_s)
    if n_u <= 0:
        est = float(y_s.mean())
        return {"net": est, "low": est, "high": est}
    pos_u = counts.get("positive", 0) - int((f_s > 0).sum())
    neg_u = counts.get("negative", 0) - int((f_s < 0).sum())

    def var(pos: int, neg: int, size: int) -> float:  # sample variance of +1/0/-1 values from counts
        if size < 2:
            return 0.0
        mean = (pos - neg) / size
        return max(0.0, ((pos + neg) / size - mean * mean) * size / (size - 1))

    var_f = var(counts.get("positive", 0), counts.get("negative", 0), n)
    cov = float(np.cov(y_s, f_s, ddof=1)[0, 1])
    lam = 0.0 if var_f <= 0 else min(1.0, max(0.0, cov / ((1 + m / n_u) * var_f)))
    rectifier = y_s - lam * f_s
    est = lam * (pos_u - neg_u) / n_u + float(rectifier.mean())
    half = z * math.sqrt(max(lam * lam * var(pos_u, neg_u, n_u) / n_u + float(np.var(rectifier, ddof=1)) / m, 0.0))
    return {"net": est, "low": max(-1.0, est - half), "high": min(1.0, est + half)}


def sentiment_label(con: duckdb.DuckDBPyConnection, uncertain_below: float) -> str:
    """SQL for a post's sentiment with abstention: ``uncertain`` when the model's top calibrated
    probability is below ``uncertain_below`` (0 turns the rule off); the aggregates count the same."""
    return sentiment_label_sql({c for c in PROBABILITIES if _available(con, c)}, uncertain_below)


def emotion_label(con: duckdb.DuckDBPyConnection, uncertain_below: float) -> str:
    return emotion_label_sql({"emotion_score"} if _available(con, "emotion_score") else set(), uncertain_below)


def sentiment_units(scope: str, label: str = "sentiment") -> str:
    return f"SELECT post_id, text, {label} AS fast FROM ({scope}) s"  # noqa: S608


def emotion_units(scope: str, label: str = "emotion") -> str:
    return f"SELECT post_id, text, {label} AS fast FROM ({scope}) s"  # noqa: S608


def target_units(scope: str) -> str:
    """Mentions of one target (parameter: the target id)."""
    return (f"SELECT s.post_id, s.text, t.target, t.sentiment AS fast FROM ({scope}) s, unnest(s.targets) AS u(t)"  # noqa: S608
            " WHERE t.target = ?")


def unaware_units(scope: str) -> str:
    return (f"SELECT post_id, text, CASE WHEN awareness_unaware THEN 'yes' ELSE 'no' END AS fast FROM ({scope}) s")  # noqa: S608


def sentiment(con: duckdb.DuckDBPyConnection, scope: str, tz: str, uncertain_below: float = 0.0) -> dict[str, Any]:
    """Shares of each sentiment (posts under the confidence threshold as ``uncertain``); net
    sentiment from the model's labels (an uncertain post sits near a class boundary, so forcing
    it moves a mean little); weekly; emotions (likewise with ``uncertain``)."""
    if not _available(con, "sentiment"):
        return {}
    s = f"({scope}) s"
    label = sentiment_label(con, uncertain_below)
    labelled = dict(con.execute(f"SELECT {label}, count(*) FROM {s} WHERE sentiment IS NOT NULL GROUP BY 1").fetchall())  # noqa: S608
    forced = dict(con.execute(f"SELECT sentiment, count(*) FROM {s} WHERE sentiment IS NOT NULL GROUP BY 1").fetchall())  # noqa: S608
    n = sum(labelled.values())
    overall = {k: {"posts": labelled.get(k, 0), "share": share(labelled.get(k, 0), n),
                   "ci": wilson(labelled.get(k, 0), n)} for k in (*SENTIMENTS, UNCERTAIN)}
    net, lo, hi = net_ci(forced.get("positive", 0), forced.get("negative", 0), n)
    result: dict[str, Any] = {
        "posts": n, "overall": overall, "uncertain_below": uncertain_below, "net": net, "net_ci": [lo, hi],
        "estimates": estimates(con, sentiment_units(scope, label) + " WHERE sentiment IS NOT NULL", [], "sentiment",
                               SENTIMENTS),
        "by_week": rows(con, f"""
            SELECT CAST(date_trunc('week', timezone(?, created_at)) AS DATE) AS week, count(*) AS posts,
                   avg(CASE sentiment WHEN 'positive' THEN 1 WHEN 'negative' THEN -1 ELSE 0 END) AS net,
                   avg(CAST(sentiment = 'negative' AS INTEGER)) AS negative, avg(CAST(sentiment = 'positive' AS INTEGER)) AS positive
            FROM {s} WHERE sentiment IS NOT NULL AND created_at IS NOT NULL GROUP BY 1 ORDER BY 1""", [tz]),  # noqa: S608
    }
    if _available(con, "emotion"):
        emo = emotion_label(con, uncertain_below)
        emotions = rows(con, f"SELECT {emo} AS emotion, count(*) AS posts FROM {s} WHERE emotion IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
        with_shares(emotions)
        result["emotion"] = emotions
        result["emotion_estimates"] = estimates(con, emotion_units(scope, emo) + " WHERE emotion IS NOT NULL", [],
                                                "emotion", [e["emotion"] for e in emotions if e["emotion"] != UNCERTAIN])
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
        entry = target_entry(target, found, all_mentions, weekly)
        entry["estimates"] = estimates(con, target_units(scope), [target["id"]], "target", SENTIMENTS, target["id"])
        out.append(entry)
    return sorted(out, key=lambda t: -t["mentions"])


def target_entry(target: dict[str, Any], counts: dict[str, dict[str, Any]], all_mentions: int,
                 weekly: list[dict[str, Any]]) -> dict[str, Any]:
    """One target's perception: mentions, shares, net with its interval, share of voice, weeks."""
    r = counts.get(target["id"], {"mentions": 0, "positive": 0, "negative": 0, "neutral": 0, "judged": 0})
    n = r["judged"]
    net, lo, hi = net_ci(r["positive"], r["negative"], n)
    return {
        "target": target["id"], "name": target.get("name", target["id"]), "kind": target.get("kind", ""),
        "mentions": r["mentions"], "positive": r["positive"], "neutral": r["neutral"], "negative": r["negative"],
        "shares": {k: share(r[k], n) for k in ("negative", "neutral", "positive")},
        "net": net, "net_ci": [lo, hi],
        "share_of_voice": share(r["mentions"], all_mentions),
        "by_week": [w for w in weekly if w["target"] == target["id"]],
    }


def awareness(con: duckdb.DuckDBPyConnection, scope: str, tz: str) -> dict[str, Any]:
    if not _available(con, "awareness_programmes"):
        return {}
    s = f"({scope}) s"
    n = con.execute(f"SELECT count(*) FROM {s}").fetchone()[0]  # noqa: S608
    programmes = rows(con, f"SELECT unnest(awareness_programmes) AS programme, count(*) AS posts FROM {s} GROUP BY 1 ORDER BY 2 DESC, 1")  # noqa: S608
    with_shares(programmes, n, "rate")
    unaware = con.execute(f"SELECT count(*) FILTER (WHERE awareness_unaware) FROM {s}").fetchone()[0]  # noqa: S608
    return {
        "posts": n,
        "programmes": programmes,
        "unaware": {"posts": unaware, "rate": share(unaware, n), "ci": wilson(unaware, n),
                    "estimates": estimates(con, unaware_units(scope), [], "awareness_unaware", ("yes",))},
        "by_week": rows(con, f"""
            SELECT CAST(date_trunc('week', timezone(?, created_at)) AS DATE) AS week, count(*) AS posts,
                   avg(CAST(list_contains(awareness_programmes, 'amber_alert') AS INTEGER)) AS amber_rate,
                   avg(CAST(awareness_unaware AS INTEGER)) AS unaware_rate
            FROM {s} WHERE created_at IS NOT NULL GROUP BY 1 ORDER BY 1""", [tz]),  # noqa: S608
    }


UNITS = {"sentiment": sentiment_units, "emotion": emotion_units, "target": target_units,
         "awareness_unaware": unaware_units}


def draw_reference_sample(store: Store, task: str, n: int, target: str | None = None) -> list[dict[str, Any]]:
    """The next ``n`` posts (mentions, for ``target``) of the random labelling order in the working
    set that lack a ``task`` reference label (``store.reference``)."""
    from antena.analytics.base import scope_sql

    if task not in UNITS:
        raise ValueError(f"task {task!r} is not one of {', '.join(UNITS)}")
    if task == "target" and not target:
        raise ValueError("task 'target' needs --target ID")
    sql, params = scope_sql(store, relevant_only=True)
    return reference.draw(store.con, UNITS[task](sql), [*params, *([target] if task == "target" else [])],
                          task, n, target)
