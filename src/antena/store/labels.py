"""The analyst's labels: relevant or not, and the main topic, with who and when.

Labels are an append-only log (``labels``): a new label for the same post supersedes the older
one, ``undo`` removes the labeller's latest row. The current label of a post is its newest row.
Candidates to label are drawn by model uncertainty (relevance score nearest the threshold),
taking turns between (language, platform) groups so a project's minorities get labels too.
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


def candidates(con: duckdb.DuckDBPyConnection, limit: int, threshold: float, seed: int = 0) -> list[dict[str, Any]]:
    """Unlabelled live posts to label next: least certain first, in turns across (language, platform).

    Without analysis results (no ``relevance_score`` yet) posts come in a fixed pseudo-random order.
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
                     coalesce(abs({score} - ?), hash(post_id || ?::VARCHAR) / 1.8446744073709552e19) AS doubt
              FROM {source} a
              WHERE text IS NOT NULL AND length(trim(text)) > 0
                {labelled})
            SELECT post_id, platform, lang, text, score FROM pool
            QUALIFY row_number() OVER (PARTITION BY lang, platform ORDER BY doubt, post_id) <= ?
            ORDER BY row_number() OVER (PARTITION BY lang, platform ORDER BY doubt, post_id), doubt, post_id
            LIMIT ?""",  # noqa: S608 - fixed names chosen above, values are parameters
        [threshold, seed, limit, limit],
    ).fetchall()
    return [dict(zip(("post_id", "platform", "lang", "text", "score"), r, strict=True)) for r in rows]


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

