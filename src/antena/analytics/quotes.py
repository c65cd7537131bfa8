"""Representative quotes: posts typical of their topic (or target) and engaged with.

Typicality is the cosine similarity of a post's word n-gram vector to the centroid of the
group's most engaged posts; the score multiplies it by ``1 + log(1 + likes + shares)``. Reposts and
near-identical texts are skipped; texts are redacted and authors pseudonymous.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np

from antena.analytics.base import analysis_has, rows
from antena.nlp.textutil import fold
from antena.protect.redact import public_handles, redact

MAX_CANDIDATES = 400  # the most engaged posts of a group compete to be its quote


def _score(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not candidates:
        return []
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**18,
                                   alternate_sign=False, norm="l2")
    matrix = vectorizer.transform([fold(c["text"]) for c in candidates])
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid) or 1.0
    typicality = matrix @ (centroid / norm)
    for c, t in zip(candidates, typicality, strict=True):
        engagement = (c.get("like_count") or 0) + (c.get("share_count") or 0)
        c["typicality"] = round(float(t), 4)
        c["score"] = float(t) * (1 + math.log1p(engagement))
    return sorted(candidates, key=lambda c: (-c["score"], c["post_id"]))


def _pick(candidates: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The ``n`` best-scored candidates, near-identical texts skipped; texts not yet redacted."""
    seen: set[str] = set()
    picked = []
    for c in _score(candidates):
        key = fold(c["text"])[:80]
        if key in seen:
            continue
        seen.add(key)
        picked.append({
            "post_id": c["post_id"], "platform": c["platform"], "created_at": c["created_at"],
            "author": c["author_id"], "text": c["text"],
            "likes": c.get("like_count"), "shares": c.get("share_count"),
            "typicality": c["typicality"], "synthetic": bool(c.get("synthetic")),
        })
        if len(picked) >= n:
            break
    return picked


def _public(quote: dict[str, Any], keep_handles: list[str]) -> dict[str, Any]:
    return {**quote, "text": redact(quote["text"], keep_handles)}


def _candidates(con: duckdb.DuckDBPyConnection, scope: str, condition: str, params: list[Any]) -> list[dict[str, Any]]:
    return rows(con, f"""
        SELECT post_id, platform, created_at, author_id, text, like_count, share_count, synthetic
        FROM ({scope}) s WHERE {condition} AND kind <> 'repost' AND length(text) BETWEEN 40 AND 500
        ORDER BY coalesce(like_count, 0) + coalesce(share_count, 0) DESC, post_id LIMIT ?""",  # noqa: S608
        params + [MAX_CANDIDATES])


def _grouped_candidates(con: duckdb.DuckDBPyConnection, scope: str, group_sql: str) -> dict[str, list[dict[str, Any]]]:
    """The ``MAX_CANDIDATES`` most engaged quotable posts of every group, in one pass.

    ``group_sql`` yields a list of group ids per post (its topics, or the targets it mentions).
    Posts are ranked on their ids and engagement alone, and only those at least as engaged as
    their group's ``MAX_CANDIDATES``-th (``max(x, n)``: the top n values); only the winners'
    texts are read."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows(con, f"""
        WITH q AS (
            SELECT post_id, coalesce(like_count, 0) + coalesce(share_count, 0) AS engagement, {group_sql} AS groups
            FROM ({scope}) s WHERE kind <> 'repost' AND length(text) BETWEEN 40 AND 500),
        g AS (SELECT post_id, engagement, unnest(groups) AS grp FROM q),
        floors AS (SELECT grp, list_min(max(engagement, {MAX_CANDIDATES})) AS floor FROM g GROUP BY grp),
        ranked AS (SELECT g.post_id, g.grp, row_number() OVER (PARTITION BY g.grp ORDER BY g.engagement DESC, g.post_id) AS rank
                   FROM g JOIN floors f ON f.grp = g.grp AND g.engagement >= f.floor QUALIFY rank <= ?)
        SELECT s.post_id, s.platform, s.created_at, s.author_id, s.text, s.like_count, s.share_count, s.synthetic, r.grp
        FROM ranked r JOIN ({scope}) s ON s.post_id = r.post_id ORDER BY r.grp, r.rank""",  # noqa: S608
        [MAX_CANDIDATES]):
        found.setdefault(row.pop("grp"), []).append(row)
    return found


Picks = dict[tuple[str, str], list[dict[str, Any]]]


def grouped_picks(con: duckdb.DuckDBPyConnection, scope: str, per_group: int = 3, overall: bool = True) -> Picks:
    """Every group's picked quotes, unredacted: (``topic``, id) and (``target``, id) for every
    topic and target found, and (``all``, "") the best quote of all posts (when ``overall``)."""
    picks: Picks = {}
    groups = (("topic", "topics", "list_distinct(topics)"),
              ("target", "targets", "list_distinct(list_transform(targets, lambda x: x.target))"))
    for kind, column, group_sql in groups:
        if analysis_has(con, column):
            for grp, candidates in _grouped_candidates(con, scope, group_sql).items():
                picked = _pick(candidates, per_group)
                if picked:
                    picks[(kind, grp)] = picked
    if overall:
        picks[("all", "")] = _pick(_candidates(con, scope, "TRUE", []), 1)
    return picks


def from_picks(picks: Picks, config: dict[str, Any], per_group: int = 3,
               overall: Callable[[], list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The quotes section from ``grouped_picks``: the groups ``antena.toml`` names, redacted, and
    the headline (the most engaged topic quote, else the best of all posts: ``overall()`` when
    the picks do not hold it)."""
    keep = public_handles(config)
    result: dict[str, Any] = {"by_topic": {}, "by_target": {}, "headline": None}
    for kind, section, items in (("topic", "by_topic", config.get("topics", [])),
                                 ("target", "by_target", config.get("targets", []))):
        for item in items:
            picked = picks.get((kind, item["id"]), [])[:per_group]
            if picked:
                result[section][item["id"]] = [_public(q, keep) for q in picked]
    pool = [q for qs in result["by_topic"].values() for q in qs[:1]]
    if not pool:
        best = picks.get(("all", ""), []) if ("all", "") in picks or overall is None else overall()
        pool = [_public(q, keep) for q in best[:1]]
    if pool:
        result["headline"] = max(pool, key=lambda q: ((q["likes"] or 0) + (q["shares"] or 0), q["typicality"]))
    return result


def quotes(con: duckdb.DuckDBPyConnection, scope: str, config: dict[str, Any], per_group: int = 3) -> dict[str, Any]:
    return from_picks(grouped_picks(con, scope, per_group, overall=False), config, per_group,
                      overall=lambda: _pick(_candidates(con, scope, "TRUE", []), 1))
