"""Shared helpers for analytics: the analysed relation, SQL runs, confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from antena.store.queries import ANALYSIS, Selection, Store, quote


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run a query and return rows as dicts (values stay parameters, never formatted in)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def analysis_has(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    """Whether the ``analysis`` view has ``column`` (the store's introspection API)."""
    return Store(con).has_column(ANALYSIS, column)


# Columns no statistic reads: left out of the working set so it is cheap to materialise.
UNUSED_COLUMNS = {
    "url", "native_id", "thread_id", "author_handle", "reply_count", "quote_count", "view_count", "urls",
    "has_media", "media_types", "place", "country", "version_key", "content_hash", "source_format",
    "source_file", "source_line", "source_pointer", "collected_at", "imported_at", "text_norm",
    "topic_scores", "risk_reasons", "language_score",
}


def working_set(store: Store, relevant_only: bool = True) -> Selection:
    """The posts analytics read: the store's relevant posts (the relevance analyser's decision)
    after ``antena analyze``, every live post before it; only the columns statistics use."""
    selection = store.select(relevant=relevant_only and store.analysed and store.has_relevance)
    return selection.only(c for c in selection.columns if c not in UNUSED_COLUMNS)


def scope_sql(store: Store, relevant_only: bool = True) -> tuple[str, list[Any]]:
    """SQL and parameters of ``working_set`` (unordered)."""
    selection = working_set(store, relevant_only)
    cols = ", ".join(quote(c) for c in selection.columns)
    return f"SELECT {cols} FROM {selection.source} WHERE {selection.condition}", selection.params  # noqa: S608 - names from the catalogue


@contextmanager
def materialised_working_set(store: Store, name: str = "stats_scope") -> Iterator[str]:
    """The working set copied once into a temporary table for the statements that read it many
    times (statistics, alerts); yields ``SELECT * FROM <it>`` and drops it afterwards."""
    sql, params = scope_sql(store, relevant_only=True)
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params)  # noqa: S608 - fixed names
    try:
        yield f"SELECT * FROM {name}"  # noqa: S608
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {name}")


def topic_name(topic_id: str, config: dict[str, Any], lang: str) -> str:
    """A topic's name in ``lang`` as antena.toml gives it (English, then the id, as fallbacks)."""
    for topic in config.get("topics", []):
        if topic["id"] == topic_id:
            name = topic.get("name", topic_id)
            return (name.get(lang) or name.get("en") or topic_id) if isinstance(name, dict) else str(name)
    return topic_id


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion (None for n = 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole
