"""The statistics' figures that sums cannot give, computed once per refresh of the daily aggregates.

Distinct authors, the top hashtags with their last-14-days windows, the most used words, the
representative quotes and the campaigns' impact read post rows (the last two also scikit-learn and
statsmodels, slow to import). ``antena analyze`` computes them right after refreshing ``stats_daily``
(``refresh_aggregates``) with the very functions the row-based statistics use, over the same
working set, and keeps them in ``stats_figures``, ``stats_words``, ``stats_quotes`` and
``stats_sections`` (the campaigns as JSON, with a digest of the settings they were computed with:
read back only under the very same ``antena.toml``); ``antena stats`` then reads them instead of
post rows. Quotes are kept unredacted and per group (every topic and target found, and the best
quote of all posts): the redaction and the choice of groups follow ``antena.toml`` when they are read.

``stats_stored_state`` holds the ``stats_state.refreshed_at`` they were computed at: they are
current exactly when the aggregates were not refreshed since (a refresh that recomputed no day
keeps them, restamped). When they are not current, the statistics read post rows as before.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import duckdb

from antena.analytics.base import materialised_working_set
from antena.store import aggregates
from antena.store.database import transaction
from antena.store.queries import Store

LAYOUT = "3"  # a new layout makes the stored figures stale (3: words sampled by post id)
TABLE_SQL = """
CREATE TABLE IF NOT EXISTS stats_figures (name VARCHAR, value BIGINT);
CREATE TABLE IF NOT EXISTS stats_words (
  kind VARCHAR, rank INTEGER, key VARCHAR, posts BIGINT, last_7_days BIGINT, previous_7_days BIGINT,
  growth DOUBLE, estimated BOOLEAN
);
CREATE TABLE IF NOT EXISTS stats_quotes (
  kind VARCHAR, grp VARCHAR, rank INTEGER, post_id VARCHAR, platform VARCHAR, created_at TIMESTAMPTZ,
  author_id VARCHAR, text VARCHAR, like_count BIGINT, share_count BIGINT, typicality DOUBLE, synthetic BOOLEAN
);
CREATE TABLE IF NOT EXISTS stats_sections (name VARCHAR, settings VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS stats_stored_state (refreshed_at TIMESTAMPTZ, layout VARCHAR);
"""
QUOTE_FIELDS = ("post_id", "platform", "created_at", "author", "text", "likes", "shares", "typicality", "synthetic")


def _refreshed_at(con: duckdb.DuckDBPyConnection) -> Any:
    store = Store(con)
    if not store.has_table("stats_state"):
        return None
    found = con.execute("SELECT refreshed_at FROM stats_state").fetchall()
    return found[0][0] if found else None


def current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored figures belong to the aggregates as they are (same refresh)."""
    if not Store(con).has_table("stats_stored_state"):
        return False
    stamp = _refreshed_at(con)
    found = con.execute("SELECT refreshed_at, layout FROM stats_stored_state").fetchall()
    return stamp is not None and found == [(stamp, LAYOUT)]


def settings_key(config: dict[str, Any]) -> str:
    """A digest of the whole of ``antena.toml`` as read: sections kept with it are read back only
    under the very same settings."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def compute(store: Store) -> dict[str, Any]:
    """The figures, from post rows (the working set), exactly as the row-based statistics give them;
    the campaigns' impact too (it depends on the settings as well: kept with ``settings_key``)."""
    from antena.analytics import daily
    from antena.analytics.hashtags import terms
    from antena.analytics.impact import campaign_impact
    from antena.analytics.quotes import grouped_picks

    con, config = store.con, store.config
    relevant = store.analysed and store.has_relevance
    d = daily.Daily(con, relevant)
    with materialised_working_set(store, "stats_stored_scope") as scope:
        authors = con.execute(f"SELECT count(DISTINCT author_id) FROM ({scope}) s").fetchone()[0]  # noqa: S608
        hashtags = daily.hashtag_top(con, d, scope)["top"]
        words = terms(con, scope)
        quotes = grouped_picks(con, scope)
        tz = config.get("project", {}).get("timezone", "UTC")  # as compute_stats reads it
        campaigns = campaign_impact(con, scope, tz, config, store, relevant) if store.analysed else []
    return {"authors": int(authors), "hashtags": hashtags, "terms": words, "quotes": quotes,
            "campaigns": (settings_key(config), campaigns)}


def write(con: duckdb.DuckDBPyConnection, figures: dict[str, Any]) -> None:
    """Replace the stored figures by ``figures`` (``compute``'s), stamped with the current refresh."""
    stamp = _refreshed_at(con)
    con.execute(TABLE_SQL)
    with transaction(con):
        for table in ("stats_figures", "stats_words", "stats_quotes", "stats_sections", "stats_stored_state"):
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        con.execute("INSERT INTO stats_figures VALUES ('authors', ?)", [figures["authors"]])
        words = [("hashtag", i, r["hashtag"], r["posts"], r["last_7_days"], r["previous_7_days"], r["growth"], False)
                 for i, r in enumerate(figures["hashtags"])]
        words += [("term", i, r["term"], r["posts"], r["last_7_days"], r["previous_7_days"], r["growth"],
                   bool(r.get("estimated"))) for i, r in enumerate(figures["terms"])]
        if words:
            con.executemany("INSERT INTO stats_words VALUES (?, ?, ?, ?, ?, ?, ?, ?)", words)
        quotes = [(kind, grp, i, *(q[f] for f in QUOTE_FIELDS))
                  for (kind, grp), picked in figures["quotes"].items() for i, q in enumerate(picked)]
        if quotes:
            con.executemany("INSERT INTO stats_quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quotes)
        key, campaigns = figures["campaigns"]
        con.execute("INSERT INTO stats_sections VALUES ('campaigns', ?, ?)", [key, json.dumps(campaigns)])
        con.execute("INSERT INTO stats_stored_state VALUES (?, ?)", [stamp, LAYOUT])


def _restamp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE stats_stored_state SET refreshed_at = ?", [_refreshed_at(con)])


def refresh_aggregates(store: Store, after_analysis: bool = False) -> int:
    """Refresh the daily aggregates (``store.aggregates``; after ``antena analyze``, from the posts it
    analysed) and then the stored figures, unless the refresh recomputed no day and they were
    current; returns the days recomputed."""
    con = store.con
    kept = current(con)
    tz, threshold = store.timezone, aggregates.uncertain_threshold(store.config)
    refresh = aggregates.after_analysis if after_analysis else aggregates.refresh
    days = refresh(con, tz, threshold)
    if not aggregates.current(con, tz, threshold):
        return days
    if kept and days == 0:
        _restamp(con)
    else:
        write(con, compute(store))
    return days


def ensure(store: Store) -> None:
    """Compute and store the figures when the aggregates are current but the figures are not."""
    if not store.read_only and not current(store.con):
        write(store.con, compute(store))


def load(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The stored figures, or None when they are not current."""
    if not current(con):
        return None
    authors = con.execute("SELECT value FROM stats_figures WHERE name = 'authors'").fetchall()
    hashtags: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for kind, key, posts, recent, previous, growth, estimated in con.execute(
            "SELECT kind, key, posts, last_7_days, previous_7_days, growth, estimated FROM stats_words"
            " ORDER BY kind, rank").fetchall():
        if kind == "hashtag":
            hashtags.append({"hashtag": key, "posts": posts, "last_7_days": recent, "previous_7_days": previous,
                             "growth": growth})
        else:
            row = {"term": key, "posts": posts, "last_7_days": recent, "previous_7_days": previous, "growth": growth}
            if estimated:
                row["estimated"] = True
            words.append(row)
    quotes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for kind, grp, *values in con.execute(
            "SELECT kind, grp, post_id, platform, created_at, author_id, text, like_count, share_count, typicality,"
            " synthetic FROM stats_quotes ORDER BY kind, grp, rank").fetchall():
        quotes.setdefault((kind, grp), []).append(dict(zip(QUOTE_FIELDS, values, strict=True)))
    campaigns = con.execute("SELECT settings, value FROM stats_sections WHERE name = 'campaigns'").fetchall()
    return {"authors": int(authors[0][0]) if authors else 0, "hashtags": hashtags, "terms": words, "quotes": quotes,
            "campaigns": (campaigns[0][0], json.loads(campaigns[0][1])) if campaigns else (None, None)}


def campaigns(kept: dict[str, Any], config: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The campaigns' impact kept by ``antena analyze``, when the settings are still those it used."""
    key, value = kept["campaigns"]
    return value if key is not None and key == settings_key(config) else None
