"""KPI values measured on a project's data (for plans, outreach and campaign impact), defensively: only tables that exist are used.

Metric ids (see docs/planner.md): ``awareness_rate``, ``target_sentiment``, ``hashtag_reach``,
``share_of_voice``, ``help_seeking_volume``. Analysis results are read through the store's
current-results view of each analyser (``Store.results``); posts are the live ones.
Every value is computed over posts whose ``created_at`` falls in ``[lo, hi)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from antena.store.queries import Store

HELP_QUERY = ('ayuda OR auxilio OR denunciar OR denuncia OR "linea de ayuda" OR "donde reporto" '
              'OR help OR hotline OR "how do i report" OR "report it"')


def columns(store: Store, analyser: str) -> dict[str, str]:
    """Column name -> DuckDB type of an analyser's current results; empty when there are none."""
    found = store.results(analyser)
    return found[1] if found else {}


def results_join(store: Store, analyser: str, alias: str, needed: tuple[str, ...]) -> tuple[str, list[Any]] | None:
    """``JOIN <current results> alias ON ...``, or None when the results lack ``needed``."""
    found = store.results(analyser)
    if found is None or any(c not in found[1] for c in needed):
        return None
    return f" JOIN {found[0]} {alias} ON {alias}.post_id = p.post_id", []


def relevant_join(store: Store) -> tuple[str, list[Any], bool]:
    """Join restricting posts to relevant ones (the relevance analyser's decision) when it ran."""
    join = results_join(store, "relevance", "rel", ("relevant",))
    if join is None:
        return "", [], False
    return join[0] + " AND rel.relevant", join[1], True


def data_range(store: Store) -> tuple[datetime, datetime] | None:
    return store.data_range()


def baseline_window(store: Store, days: int, start: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The ``days`` before ``start`` when the data covers them, else the last ``days`` of data."""
    span = data_range(store)
    if span is None:
        return None
    if start is not None and span[0] < start:
        return start - timedelta(days=days), start
    hi = span[1] + timedelta(microseconds=1)
    return hi - timedelta(days=days), hi


def _count(store: Store, lo: datetime, hi: datetime, extra: str = "", params: list[Any] | None = None,
           relevant: bool = True) -> int:
    join, jparams, _ = relevant_join(store) if relevant else ("", [], False)
    sql = (f"SELECT count(*) FROM live_posts p{join} WHERE p.created_at >= ? AND p.created_at < ?"  # noqa: S608
           + (f" AND ({extra})" if extra else ""))
    return int(store.con.execute(sql, jparams + [lo, hi] + (params or [])).fetchone()[0])


def awareness_rate(store: Store, lo: datetime, hi: datetime, programme: str | None) -> float | None:
    """Share of relevant posts in the window that mention the programme (any programme if None)."""
    cols = columns(store, "awareness")
    dtype = cols.get("awareness_programmes")
    join = results_join(store, "awareness", "aw", ("awareness_programmes",))
    if join is None or dtype is None:
        return None
    like = [f"%{(programme or '').lower()}%"]
    if dtype.endswith("[]"):
        cond = "lower(array_to_string(aw.awareness_programmes, '|')) LIKE ?"
    elif dtype == "BOOLEAN":
        cond, like = "aw.awareness_programmes", []
    else:
        cond = "lower(CAST(aw.awareness_programmes AS VARCHAR)) LIKE ?"
    rjoin, rparams, _ = relevant_join(store)
    sql = (f"SELECT count(*), count(*) FILTER (WHERE {cond}) FROM live_posts p{rjoin}{join[0]}"  # noqa: S608
           " WHERE p.created_at >= ? AND p.created_at < ?")
    total, hits = store.con.execute(sql, like + rparams + join[1] + [lo, hi]).fetchone()
    return round(hits / total, 4) if total else None


def awareness_share(store: Store) -> tuple[int, int] | None:
    """(relevant posts with an awareness result, those naming any programme) over all the data."""
    cols = columns(store, "awareness")
    dtype = cols.get("awareness_programmes")
    aw = results_join(store, "awareness", "aw", ("awareness_programmes",))
    if not dtype or aw is None:
        return None
    join, jparams, _ = relevant_join(store)
    if dtype.endswith("[]"):
        mentioned = "len(aw.awareness_programmes) > 0"
    elif dtype == "BOOLEAN":
        mentioned = "aw.awareness_programmes"
    else:
        mentioned = "coalesce(CAST(aw.awareness_programmes AS VARCHAR), '') <> ''"
    sql = f"SELECT count(*), count(*) FILTER (WHERE {mentioned}) FROM live_posts p{join}{aw[0]}"  # noqa: S608
    n, hits = store.con.execute(sql, jparams + aw[1]).fetchall()[0]
    return int(n), int(hits)


def target_mentions(store: Store, lo: datetime, hi: datetime, target: str) -> tuple[int, float | None] | None:
    """(mentions, mean score) of a target in the window, from the target-sentiment analysis."""
    join = results_join(store, "target_sentiment", "ts", ("targets",))
    if join is None:
        return None
    sql = ("SELECT count(*), avg(TRY_CAST(u.t.score AS DOUBLE)) FROM ("  # noqa: S608
           f"SELECT unnest(ts.targets) AS t FROM live_posts p{join[0]}"
           " WHERE p.created_at >= ? AND p.created_at < ?) u WHERE u.t.target = ?")
    try:
        n, mean = store.con.execute(sql, join[1] + [lo, hi, target]).fetchone()
    except Exception:  # noqa: BLE001 - an unexpected struct layout means "not measurable"
        return None
    return int(n), (round(float(mean), 4) if mean is not None else None)


def target_sentiment(store: Store, lo: datetime, hi: datetime, target: str | None) -> float | None:
    if not target:
        return None
    found = target_mentions(store, lo, hi, target)
    return found[1] if found else None


def _hashtag_condition(hashtags: list[str]) -> tuple[str, list[Any]]:
    tags = [h.lower().lstrip("#") for h in hashtags if h.strip("# ")]
    return "len(list_intersect(p.hashtags, ?::VARCHAR[])) > 0", [tags]


def hashtag_reach(store: Store, lo: datetime, hi: datetime, hashtags: list[str]) -> int | None:
    if not hashtags:
        return None
    cond, params = _hashtag_condition(hashtags)
    return _count(store, lo, hi, cond, params, relevant=False)


def share_of_voice(store: Store, lo: datetime, hi: datetime, hashtags: list[str],
                   target: str | None) -> float | None:
    total = _count(store, lo, hi)
    if not total or not (hashtags or target):
        return None
    own = 0
    if hashtags:
        cond, params = _hashtag_condition(hashtags)
        own = _count(store, lo, hi, cond, params)
    if target and not hashtags:
        found = target_mentions(store, lo, hi, target)
        if found is None:
            return None
        own = found[0]
    return round(own / total, 4)


def help_seeking_volume(store: Store, lo: datetime, hi: datetime, query: str = HELP_QUERY) -> float | None:
    condition, params = store.where(query)
    inner = f"p.post_id IN (SELECT post_id FROM posts WHERE {condition})"  # noqa: S608 - compiled query, values are parameters
    n = _count(store, lo, hi, inner, params)
    weeks = max((hi - lo).total_seconds() / (7 * 86400), 1e-9)
    return round(n / weeks, 2)


def measure(store: Store, metric: str, lo: datetime, hi: datetime, *, target: str | None = None,
            hashtags: list[str] | None = None, query: str | None = None) -> float | int | None:
    """One KPI over ``[lo, hi)``; None when the data needed is not there."""
    hashtags = hashtags or []
    if metric == "awareness_rate":
        return awareness_rate(store, lo, hi, target)
    if metric == "target_sentiment":
        return target_sentiment(store, lo, hi, target)
    if metric == "hashtag_reach":
        return hashtag_reach(store, lo, hi, hashtags)
    if metric == "share_of_voice":
        return share_of_voice(store, lo, hi, hashtags, target)
    if metric == "help_seeking_volume":
        return help_seeking_volume(store, lo, hi, query or HELP_QUERY)
    return None


def window_stats(store: Store, lo: datetime, hi: datetime, condition: str, params: list[Any]) -> dict[str, Any]:
    con = store.con
    base = "p.created_at >= ? AND p.created_at < ?"
    filt = f" AND p.post_id IN (SELECT post_id FROM posts WHERE {condition})" if condition != "TRUE" else ""  # noqa: S608
    stats: dict[str, Any] = {
        "posts": int(con.execute(f"SELECT count(*) FROM live_posts p WHERE {base}{filt}",  # noqa: S608
                                 [lo, hi] + params).fetchone()[0]),
    }
    join, jparams, has_relevance = relevant_join(store)
    if has_relevance:
        stats["relevant_posts"] = int(con.execute(
            f"SELECT count(*) FROM live_posts p{join} WHERE {base}{filt}", jparams + [lo, hi] + params).fetchone()[0])  # noqa: S608
    sentiment = columns(store, "sentiment")
    found = results_join(store, "sentiment", "s", ("sentiment",))
    if found is not None:
        sql_join, vparams = found
        dtype = sentiment["sentiment"]
        if dtype in ("DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "DECIMAL") or dtype.startswith("DECIMAL"):
            value = con.execute(f"SELECT avg(s.sentiment) FROM live_posts p{sql_join} WHERE {base}{filt}",  # noqa: S608
                                vparams + [lo, hi] + params).fetchone()[0]
            stats["mean_sentiment"] = round(float(value), 3) if value is not None else None
        else:
            n, neg = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE lower(CAST(s.sentiment AS VARCHAR)) LIKE 'neg%')"  # noqa: S608
                f" FROM live_posts p{sql_join} WHERE {base}{filt}", vparams + [lo, hi] + params).fetchone()
            stats["negative_share"] = round(neg / n, 3) if n else None
    return stats
