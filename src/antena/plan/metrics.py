"""KPI values measured on a project's data, defensively: only tables that exist are used.

Metric ids (see docs/planner.md): ``awareness_rate``, ``target_sentiment``, ``hashtag_reach``,
``share_of_voice``, ``help_seeking_volume``. Analysis results live in ``ann_<analyser>`` tables
keyed by ``post_id`` with a ``version`` column; the newest version of each table is used.
Every value is computed over posts whose ``created_at`` falls in ``[lo, hi)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from antena.project import Project

HELP_QUERY = ('ayuda OR auxilio OR denunciar OR denuncia OR "linea de ayuda" OR "donde reporto" '
              'OR help OR hotline OR "how do i report" OR "report it"')
LIVE = "NOT coalesce(p.deleted, false)"


def columns(project: Project, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of ``table``; empty when the table does not exist."""
    rows = project.con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {name: dtype for name, dtype in rows}


def latest_version(project: Project, table: str) -> Any:
    # table names come from the fixed list in this module, never from user input
    return project.con.execute(f"SELECT max(version) FROM {table}").fetchone()[0]  # noqa: S608


def _ann_join(project: Project, table: str, alias: str, needed: tuple[str, ...]) -> tuple[str, list[Any]] | None:
    """``JOIN ann_x alias ON ...`` restricted to its newest version, or None when unusable."""
    cols = columns(project, table)
    if not cols or "post_id" not in cols or any(c not in cols for c in needed):
        return None
    if "version" in cols:
        return (f" JOIN {table} {alias} ON {alias}.post_id = p.post_id AND {alias}.version = ?",
                [latest_version(project, table)])
    return f" JOIN {table} {alias} ON {alias}.post_id = p.post_id", []


def relevant_join(project: Project) -> tuple[str, list[Any], bool]:
    """Join restricting posts to relevant ones when the relevance analysis exists."""
    join = _ann_join(project, "ann_relevance", "rel", ("relevant",))
    if join is None:
        return "", [], False
    return join[0] + " AND rel.relevant", join[1], True


def data_range(project: Project) -> tuple[datetime, datetime] | None:
    row = project.con.execute("SELECT min(created_at), max(created_at) FROM posts").fetchone()
    return None if row[0] is None else (row[0], row[1])


def baseline_window(project: Project, days: int, start: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The ``days`` before ``start`` when the data covers them, else the last ``days`` of data."""
    span = data_range(project)
    if span is None:
        return None
    if start is not None and span[0] < start:
        return start - timedelta(days=days), start
    hi = span[1] + timedelta(microseconds=1)
    return hi - timedelta(days=days), hi


def _count(project: Project, lo: datetime, hi: datetime, extra: str = "", params: list[Any] | None = None,
           relevant: bool = True) -> int:
    join, jparams, _ = relevant_join(project) if relevant else ("", [], False)
    sql = (f"SELECT count(*) FROM posts p{join} WHERE {LIVE} AND p.created_at >= ? AND p.created_at < ?"  # noqa: S608
           + (f" AND ({extra})" if extra else ""))
    return int(project.con.execute(sql, jparams + [lo, hi] + (params or [])).fetchone()[0])


def awareness_rate(project: Project, lo: datetime, hi: datetime, programme: str | None) -> float | None:
    """Share of relevant posts in the window that mention the programme (any programme if None)."""
    cols = columns(project, "ann_awareness")
    dtype = cols.get("awareness_programmes")
    join = _ann_join(project, "ann_awareness", "aw", ("awareness_programmes",))
    if join is None or dtype is None:
        return None
    like = [f"%{(programme or '').lower()}%"]
    if dtype.endswith("[]"):
        cond = "lower(array_to_string(aw.awareness_programmes, '|')) LIKE ?"
    elif dtype == "BOOLEAN":
        cond, like = "aw.awareness_programmes", []
    else:
        cond = "lower(CAST(aw.awareness_programmes AS VARCHAR)) LIKE ?"
    rjoin, rparams, _ = relevant_join(project)
    sql = (f"SELECT count(*), count(*) FILTER (WHERE {cond}) FROM posts p{rjoin}{join[0]}"  # noqa: S608
           f" WHERE {LIVE} AND p.created_at >= ? AND p.created_at < ?")
    total, hits = project.con.execute(sql, like + rparams + join[1] + [lo, hi]).fetchone()
    return round(hits / total, 4) if total else None


def target_mentions(project: Project, lo: datetime, hi: datetime, target: str) -> tuple[int, float | None] | None:
    """(mentions, mean score) of a target in the window, from the target-sentiment analysis."""
    join = _ann_join(project, "ann_target_sentiment", "ts", ("targets",))
    if join is None:
        return None
    sql = ("SELECT count(*), avg(TRY_CAST(u.t.score AS DOUBLE)) FROM ("  # noqa: S608
           f"SELECT unnest(ts.targets) AS t FROM posts p{join[0]}"
           f" WHERE {LIVE} AND p.created_at >= ? AND p.created_at < ?) u WHERE u.t.target = ?")
    try:
        n, mean = project.con.execute(sql, join[1] + [lo, hi, target]).fetchone()
    except Exception:  # noqa: BLE001 - an unexpected struct layout means "not measurable"
        return None
    return int(n), (round(float(mean), 4) if mean is not None else None)


def target_sentiment(project: Project, lo: datetime, hi: datetime, target: str | None) -> float | None:
    if not target:
        return None
    found = target_mentions(project, lo, hi, target)
    return found[1] if found else None


def _hashtag_condition(hashtags: list[str]) -> tuple[str, list[Any]]:
    tags = [h.lower().lstrip("#") for h in hashtags if h.strip("# ")]
    return "len(list_intersect(p.hashtags, ?::VARCHAR[])) > 0", [tags]


def hashtag_reach(project: Project, lo: datetime, hi: datetime, hashtags: list[str]) -> int | None:
    if not hashtags:
        return None
    cond, params = _hashtag_condition(hashtags)
    return _count(project, lo, hi, cond, params, relevant=False)


def share_of_voice(project: Project, lo: datetime, hi: datetime, hashtags: list[str],
                   target: str | None) -> float | None:
    total = _count(project, lo, hi)
    if not total or not (hashtags or target):
        return None
    own = 0
    if hashtags:
        cond, params = _hashtag_condition(hashtags)
        own = _count(project, lo, hi, cond, params)
    if target and not hashtags:
        found = target_mentions(project, lo, hi, target)
        if found is None:
            return None
        own = found[0]
    return round(own / total, 4)


def help_seeking_volume(project: Project, lo: datetime, hi: datetime, query: str = HELP_QUERY) -> float | None:
    condition, params = project.where(query)
    inner = f"p.post_id IN (SELECT post_id FROM posts WHERE {condition})"  # noqa: S608 - compiled query, values are parameters
    n = _count(project, lo, hi, inner, params)
    weeks = max((hi - lo).total_seconds() / (7 * 86400), 1e-9)
    return round(n / weeks, 2)


def measure(project: Project, metric: str, lo: datetime, hi: datetime, *, target: str | None = None,
            hashtags: list[str] | None = None, query: str | None = None) -> float | int | None:
    """One KPI over ``[lo, hi)``; None when the data needed is not there."""
    hashtags = hashtags or []
    if metric == "awareness_rate":
        return awareness_rate(project, lo, hi, target)
    if metric == "target_sentiment":
        return target_sentiment(project, lo, hi, target)
    if metric == "hashtag_reach":
        return hashtag_reach(project, lo, hi, hashtags)
    if metric == "share_of_voice":
        return share_of_voice(project, lo, hi, hashtags, target)
    if metric == "help_seeking_volume":
        return help_seeking_volume(project, lo, hi, query or HELP_QUERY)
    return None
