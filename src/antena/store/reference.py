"""Reference labels on a random sample: what corrects the fast model's shares (``analytics.estimates``).

Every post (and every mention of a target) has a fixed place in a random order, the md5 of a seed
and its id. A draw hands out the first posts of the working set in that order; the analyst (or the
accurate model) labels them; ``reference_labels`` keeps the labels, newest per (post, task, target).
The sample that estimates use is the longest *unbroken prefix* of that order within the posts
being counted: the labelled posts ranked before the first unlabelled one. Such a prefix is a
uniformly random sample of those posts whatever the scope or the posts imported since, which is
what the bias correction needs; labels on posts outside the prefix (skipped, or new posts ranked
earlier) are kept but not used until the gap is filled.

Tasks: ``sentiment`` and ``emotion`` (post labels), ``target`` (the sentiment toward ``target``
in a post), ``awareness_unaware`` (``yes``/``no``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

SEED = "antena-reference:"
TASKS = ("sentiment", "emotion", "target", "awareness_unaware")

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS reference_seq;
CREATE TABLE IF NOT EXISTS reference_labels (
    seq BIGINT DEFAULT nextval('reference_seq'),
    post_id VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    target VARCHAR NOT NULL DEFAULT '',
    label VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    labelled_at TIMESTAMPTZ DEFAULT current_timestamp
);
"""


@dataclass(frozen=True, slots=True)
class Sample:
    """Fast labels of the counted units in random order with the reference labels of the prefix."""

    fast: list[Any]  # the fast model's label of every counted post/mention
    sample_idx: list[int]  # positions in ``fast`` of the usable (prefix) sample
    reference: list[str]  # their reference labels
    labelled: int  # reference labels present among the counted units (prefix or not)


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    from antena.store.queries import Store

    return Store(con).has_table("reference_labels")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def has_labels(con: duckdb.DuckDBPyConnection, task: str) -> bool:
    """Whether any reference label exists for ``task`` (cheap; works read-only)."""
    if not _exists(con):
        return False
    return bool(con.execute("SELECT count(*) FROM reference_labels WHERE task = ?", [task]).fetchone()[0])


def add(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], source: str) -> int:
    """Store reference labels (dicts with post_id, task, label and, for ``target``, target)."""
    ensure(con)
    clean = []
    for i, row in enumerate(rows, start=1):
        task = str(row.get("task") or "").strip()
        if task not in TASKS:
            raise ValueError(f"row {i}: task {task!r} is not one of {', '.join(TASKS)}")
        if not row.get("post_id"):
            raise ValueError(f"row {i}: post_id is empty")
        if task == "target" and not row.get("target"):
            raise ValueError(f"row {i}: task 'target' needs the target id")
        clean.append([str(row["post_id"]), task, str(row.get("target") or "") if task == "target" else "",
                      str(row["label"]).strip().lower(), source])
    if clean:
        con.executemany("INSERT INTO reference_labels (post_id, task, target, label, source) VALUES (?, ?, ?, ?, ?)",
                        clean)
    return len(clean)


def _current() -> str:
    return ("SELECT post_id, task, target, label FROM reference_labels"
            " QUALIFY row_number() OVER (PARTITION BY post_id, task, target ORDER BY seq DESC) = 1")


def _units(units_sql: str, target: bool) -> str:
    key = "post_id || ':' || target" if target else "post_id"
    return f"SELECT *, md5(? || {key}) AS rank FROM ({units_sql}) u"  # noqa: S608 - fixed text


def draw(con: duckdb.DuckDBPyConnection, units_sql: str, params: list[Any], task: str, n: int,
         target: str | None = None) -> list[dict[str, Any]]:
    """The first ``n`` units of the random order that still lack a ``task`` label.

    ``units_sql`` selects ``post_id``, ``fast`` and ``text`` of the posts (or, for ``target``, the
    mentions of ``target``) being counted; store and analytics build it, never from user text.
    """
    labelled = ""
    if _exists(con):
        labelled = ("AND NOT EXISTS (SELECT 1 FROM reference_labels r WHERE r.post_id = u.post_id"
                    " AND r.task = ? AND r.target = ?)")
    extra = [task, target or ""] if labelled else []
    sql = f"SELECT post_id, text, fast FROM ({_units(units_sql, bool(target))}) u WHERE true {labelled} ORDER BY rank LIMIT ?"  # noqa: S608
    cur = con.execute(sql, [SEED, *params, *extra, n])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def sample(con: duckdb.DuckDBPyConnection, units_sql: str, params: list[Any], task: str,
           target: str | None = None) -> Sample:
    """Fast labels of the counted units and the unbroken prefix of reference labels (see module)."""
    if not _exists(con):
        fast = [r[0] for r in con.execute(f"SELECT fast FROM ({units_sql}) u", params).fetchall()]  # noqa: S608
        return Sample(fast, [], [], 0)
    rows = con.execute(
        f"""SELECT u.fast, r.label FROM ({_units(units_sql, bool(target))}) u
            LEFT JOIN ({_current()}) r ON r.post_id = u.post_id AND r.task = ? AND r.target = ?
            ORDER BY u.rank""",  # noqa: S608 - fixed text
        [SEED, *params, task, target or ""]).fetchall()
    fast = [r[0] for r in rows]
    prefix = 0
    while prefix < len(rows) and rows[prefix][1] is not None:
        prefix += 1
    return Sample(fast, list(range(prefix)), [r[1] for r in rows[:prefix]],
                  sum(r[1] is not None for r in rows))


def prefix_sample(con: duckdb.DuckDBPyConnection, units_sql: str, params: list[Any], task: str,
                  target: str | None = None) -> tuple[list[Any], list[str]]:
    """The usable sample of ``sample`` (fast and reference labels of the unbroken prefix, in
    random order) without fetching every unit: the database finds the first unlabelled unit."""
    if not _exists(con):
        return [], []
    rows = con.execute(
        f"""WITH j AS (SELECT u.fast, r.label, u.rank FROM ({_units(units_sql, bool(target))}) u
                       LEFT JOIN ({_current()}) r ON r.post_id = u.post_id AND r.task = ? AND r.target = ?),
                 gap AS (SELECT min(rank) AS first FROM j WHERE label IS NULL)
            SELECT fast, label FROM j, gap WHERE label IS NOT NULL AND (gap.first IS NULL OR rank < gap.first)
            ORDER BY rank""",  # noqa: S608 - fixed text
        [SEED, *params, task, target or ""]).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]
