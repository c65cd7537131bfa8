"""The analyst's labels: relevant or not, and the main topic, with who and when.

Labels are an append-only log (``labels``): a new label for the same post supersedes the older
one, ``undo`` removes the labeller's latest row. The current label of a post is its newest row.
Candidates to label are drawn mostly by model uncertainty (relevance score nearest the
threshold), taking turns between (language, platform) groups so a project's minorities get labels
too, and partly at random, so the labels also sample the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from antena.store.queries import Store

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS label_seq;
CREATE TABLE IF NOT EXISTS labels (
    seq BIGINT DEFAULT nextval('label_seq'),
    post_id VARCHAR NOT NULL,
    relevant BOOLEAN NOT NULL,
    topic VARCHAR,
    labeller VARCHAR NOT NULL,
    labelled_at TIMESTAMPTZ DEFAULT current_timestamp,
    note VARCHAR
);
"""


@dataclass(frozen=True, slots=True)
class Label:
    post_id: str
    relevant: bool
    topic: str | None
    labeller: str
    labelled_at: datetime
    note: str | None


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def add(con: duckdb.DuckDBPyConnection, post_id: str, relevant: bool, topic: str | None, labeller: str,
        note: str | None = None) -> None:
    """Record one label (the newest label of a post is its current one)."""
    ensure(con)
    con.execute("INSERT INTO labels (post_id, relevant, topic, labeller, note) VALUES (?, ?, ?, ?, ?)",
                [post_id, relevant, topic if relevant else None, labeller, note])


def undo(con: duckdb.DuckDBPyConnection, labeller: str) -> str | None:
    """Remove ``labeller``'s latest label; returns its post id, or None when there is none."""
    ensure(con)
    row = con.execute("SELECT seq, post_id FROM labels WHERE labeller = ? ORDER BY seq DESC LIMIT 1",
                      [labeller]).fetchone()
    if row is None:
        return None
    con.execute("DELETE FROM labels WHERE seq = ?", [row[0]])
    return str(row[1])


def current(con: duckdb.DuckDBPyConnection) -> list[Label]:
    """Each labelled post's newest label, oldest first (works on a read-only connection)."""
    if not Store(con).has_table("labels"):
        return []
    rows = con.execute(
        "SELECT post_id, relevant, topic, labeller, labelled_at, note FROM labels"
        " QUALIFY row_number() OVER (PARTITION BY post_id ORDER BY seq DESC) = 1 ORDER BY labelled_at, post_id"
    ).fetchall()
    return [Label(*row) for row in rows]


def labelled_texts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, bool, str | None]]:
    """(text, language, relevant, topic) of every currently labelled live post, for training."""
    if not Store(con).has_table("labels"):
        return []
    return [tuple(r) for r in con.execute(  # type: ignore[misc]
        "WITH cur AS (SELECT post_id, relevant, topic FROM labels"
        " QUALIFY row_number() OVER (PARTITION BY post_id ORDER BY seq DESC) = 1)"
        " SELECT p.text, p.lang, cur.relevant, cur.topic FROM cur JOIN live_posts p USING (post_id)"
        " WHERE p.text IS NOT NULL ORDER BY p.post_id"
    ).fetchall()]


def unlabelled_sample(con: duckdb.DuckDBPyConnection, n: int, seed: int = 0) -> list[tuple[str, str | None]]:
    """(text, language) of up to ``n`` live, unlabelled posts in a fixed pseudo-random order."""
    labelled = "AND post_id NOT IN (SELECT post_id FROM labels)" if Store(con).has_table("labels") else ""
    where = f"text IS NOT NULL AND length(trim(text)) > 0 {labelled}"
    sql = f"SELECT text, lang FROM live_posts WHERE {where} ORDER BY hash(post_id || ?::VARCHAR) LIMIT ?"  # noqa: S608
    return [tuple(r) for r in con.execute(sql, [seed, n]).fetchall()]  # type: ignore[misc]


RANDOM_EVERY = 3  # every third post of the queue is drawn at random, so labels also sample the project


def candidates(con: duckdb.DuckDBPyConnection, limit: int, threshold: float, seed: int = 0) -> list[dict[str, Any]]:
    """Unlabelled live posts to label next.

    Two of every three are the least certain (relevance score nearest the threshold), in turns
    across (language, platform); every third is drawn at random, so that the labels are also a
    sample of the project and scores measured on them are not only scores on hard posts. Without
    analysis results (no ``relevance_score`` yet) all come in a fixed pseudo-random order.
    """
    store = Store(con)
    columns = store.columns("analysis")
    labelled = "AND post_id NOT IN (SELECT post_id FROM labels)" if store.has_table("labels") else ""
    source = "analysis" if "relevance_score" in columns else "live_posts"  # both hold live posts only
    score = "relevance_score" if source == "analysis" else "NULL::FLOAT"
    language = "coalesce(language, lang)" if "language" in columns else "lang"
    rows = con.execute(
        f"""WITH pool AS (
              SELECT post_id, platform, {language} AS lang, text, {score} AS score,
                     hash(post_id || ?::VARCHAR) AS draw,
                     coalesce(abs({score} - ?), draw / 1.8446744073709552e19) AS doubt
              FROM {source} a
              WHERE text IS NOT NULL AND length(trim(text)) > 0
                {labelled}),
            uncertain AS (
              SELECT *, row_number() OVER (PARTITION BY lang, platform ORDER BY doubt, post_id) AS turn FROM pool
              QUALIFY turn <= ?
              ORDER BY turn, doubt, post_id LIMIT ?),
            drawn AS (SELECT * FROM pool ORDER BY draw, post_id LIMIT ?)
            SELECT 'uncertain' AS why, post_id, platform, lang, text, score FROM uncertain
            UNION ALL SELECT 'random', post_id, platform, lang, text, score FROM drawn""",  # noqa: S608 - fixed names chosen above, values are parameters
        [seed, threshold, limit, limit, limit],
    ).fetchall()
    keys = ("post_id", "platform", "lang", "text", "score")
    uncertain = [dict(zip(keys, r[1:], strict=True)) for r in rows if r[0] == "uncertain"]
    drawn = [dict(zip(keys, r[1:], strict=True)) for r in rows if r[0] == "random"]
    return interleave(uncertain, drawn, limit, key=lambda post: post["post_id"])


def interleave(uncertain: list[Any], drawn: list[Any], limit: int, key: Any = None) -> list[Any]:
    """The labelling queue: two uncertain items, then one drawn at random, without repeats."""
    key = key or (lambda item: item)
    uncertain, drawn = list(uncertain), list(drawn)
    out: list[Any] = []
    seen: set[Any] = set()
    while len(out) < limit and (uncertain or drawn):
        take_drawn = (len(out) % RANDOM_EVERY == RANDOM_EVERY - 1 and drawn) or not uncertain
        item = (drawn if take_drawn else uncertain).pop(0)
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Current labels: total, relevant, per topic, per labeller."""
    labels = current(con)
    topics: dict[str, int] = {}
    labellers: dict[str, int] = {}
    for label in labels:
        if label.relevant and label.topic:
            topics[label.topic] = topics.get(label.topic, 0) + 1
        labellers[label.labeller] = labellers.get(label.labeller, 0) + 1
    return {"labelled": len(labels), "relevant": sum(lb.relevant for lb in labels), "topics": topics,
            "labellers": labellers}

