"""Shared helpers for analytics: the analysed relation, SQL runs, confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
    "topic_scores", "risk_reasons", "language_score", "relevance_score", "query_match", "risk_signals", "risk_score",
    "deleted", "withheld",  # always false in the working set (live posts)
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


@contextmanager
def working_scope(store: Store, copy: bool = True) -> Iterator[str]:
    """The working set as SQL to read from: ``materialised_working_set`` when ``copy``, else its
    query read in place (a subquery; copied anyway when it has parameters)."""
    sql, params = scope_sql(store, relevant_only=True)
    if copy or params:
        with materialised_working_set(store) as scope:
            yield scope
    else:
        yield sql


def topic_name(topic_id: str, config: dict[str, Any], lang: str) -> str:
    """A topic's name in ``lang`` as antena.toml gives it (English, then the id, as fallbacks)."""
    for topic in config.get("topics", []):
        if topic["id"] == topic_id:
            name = topic.get("name", topic_id)
            return (name.get(lang) or name.get("en") or topic_id) if isinstance(name, dict) else str(name)
    return topic_id


def localized(name: Any, lang: str, fallback: str = "") -> str:
    """A name written per language (``{ es = ..., en = ... }`` in antena.toml) in ``lang``."""
    if isinstance(name, dict):
        return str(name.get(lang) or name.get("en") or next(iter(name.values()), fallback))
    return str(name) if name else fallback


Z95 = 1.9599639845400545  # scipy.stats.norm.isf(0.025), as statsmodels computes it


def wilson(successes: int, n: int) -> tuple[float | None, float | None]:
    """Wilson score 95% interval of a proportion (None for n = 0): honest at small n, never
    zero-width (1 of 1 gives 0.21 to 1). statsmodels' ``proportion_confint(..., method="wilson")``
    step for step, written out because importing ``statsmodels.stats.proportion`` loads scipy.stats
    (about 2 s of every ``antena stats``); ``tests/test_stats_wilson.py`` checks they agree exactly.
    The campaigns' regressions (statsmodels) and the quotes' hashing (scikit-learn) run in
    ``antena analyze`` (``analytics/stored.py``) and, when the settings changed since, in ``antena stats``."""
    if n <= 0:
        return None, None
    q = successes / n
    crit2 = Z95**2
    denom = 1 + crit2 / n
    center = (q + crit2 / (2 * n)) / denom
    dist = Z95 * math.sqrt(q * (1.0 - q) / n + crit2 / (4.0 * n**2))
    dist /= denom
    return max(0.0, float(center - dist)), min(1.0, float(center + dist))


BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20170405


def net_interval(pos: int, neg: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Net sentiment (share positive - share negative) with a 95% bootstrap interval.

    A Bayesian bootstrap of the three counts (Dirichlet with Jeffreys' ½ added to each of
    positive, neutral and negative; 2000 draws, fixed seed, so reports are reproducible): unlike
    the normal approximation or a plain resampling it is never zero-width, so three negative
    mentions give −1.00 (−0.99 to +0.05), not −1.00 (−1.00 to −1.00)."""
    if n <= 0:
        return None, None, None
    import numpy as np

    neutral = max(0, n - pos - neg)
    draws = np.random.default_rng(BOOTSTRAP_SEED).dirichlet([pos + 0.5, neutral + 0.5, neg + 0.5], BOOTSTRAP_DRAWS)
    nets = draws[:, 0] - draws[:, 2]
    low, high = np.percentile(nets, [2.5, 97.5])
    return (pos - neg) / n, max(-1.0, float(low)), min(1.0, float(high))


@dataclass(frozen=True)
class Evidence:
    """The least evidence a statement needs (``[evidence]`` of antena.toml)."""

    min_posts_share: int = 30
    min_target_mentions: int = 20
    min_impact_days: int = 7

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Evidence:
        from antena.settings import EvidenceSettings

        return cls(**EvidenceSettings(**(config.get("evidence") or {})).model_dump())


def share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def with_shares(items: list[dict[str, Any]], whole: int | None = None, field: str = "share") -> list[dict[str, Any]]:
    """Set each item's ``field`` (its ``posts`` over ``whole``, by default the items' sum) and its
    Wilson ``ci``; returns the items."""
    whole = sum(i["posts"] for i in items) if whole is None else whole
    for item in items:
        item[field] = share(item["posts"], whole)
        item["ci"] = wilson(item["posts"], whole)
    return items
