"""Daily aggregates behind the statistics, kept up to date by ``antena analyze``.

``stats_daily`` holds one row per (day, relevant, platform, dimension, key): ``posts`` (distinct
posts) and ``items`` (occurrences, e.g. a hashtag used) with the first and last ``created_at``.
Days are calendar days in the project's time zone; posts without a date have ``day`` NULL.
Dimensions: ``all``, ``language``, ``kind``, ``hour``, ``topic``, ``sentiment``, ``emotion``,
``sentiment_label`` and ``emotion_label`` (the label with abstention: ``uncertain`` below the
``[analytics] uncertain_below`` threshold, which is part of the fingerprint), ``target``,
``target_sentiment`` (key ``target\\x1fsentiment``), ``programme``, ``flag``
(``unaware``, ``unaware_known``, ``amber_alert``, ``programmes_known``), ``hashtag`` and
``pair`` (co-hashtags, key ``a\\x1fb``). ``relevant`` is the relevance analyser's decision (true
for every post when there is no relevance analyser), so statistics read relevant posts or all.

Refreshing is incremental: only days holding posts analysed in this run (``analysis_todo``) or
imported, edited or deleted since the last refresh are recomputed. ``stats_state`` keeps the
fingerprint (time zone, analysis columns, posts, deletions, last import) that says whether the
aggregates still describe the database; when it does not, readers fall back to post rows.
"""

from __future__ import annotations

from typing import Any

import duckdb

from antena.store.database import transaction
from antena.store.queries import Store

SEP = "\x1f"
LAYOUT = "3"  # the rows' layout; a new one makes the next refresh recompute every day
TABLE_SQL = """
CREATE TABLE IF NOT EXISTS stats_daily (
  day DATE, relevant BOOLEAN, platform VARCHAR, dim VARCHAR, key VARCHAR,
  posts BIGINT, items BIGINT, first TIMESTAMPTZ, last TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS stats_state (
  timezone VARCHAR, columns VARCHAR, posts BIGINT, hidden BIGINT, last_import TIMESTAMPTZ,
  refreshed_at TIMESTAMPTZ
);
"""
SOURCE_COLUMNS = ("language", "lang", "relevant", "topics", "sentiment", "emotion", "targets",
                  "awareness_programmes", "awareness_unaware", "hashtags", "sentiment_negative",
                  "sentiment_neutral", "sentiment_positive", "emotion_score")
PROBABILITIES = ("sentiment_negative", "sentiment_neutral", "sentiment_positive")
UNCERTAIN = "uncertain"  # the abstention label (antena.models.calibration.UNCERTAIN; not imported: it loads sklearn)
DEFAULT_UNCERTAIN_BELOW = 0.4  # [analytics] uncertain_below when antena.toml does not set it (antena.settings)


def uncertain_threshold(config: dict[str, Any] | None) -> float:
    """``[analytics] uncertain_below`` of a project's configuration."""
    return float(((config or {}).get("analytics") or {}).get("uncertain_below", DEFAULT_UNCERTAIN_BELOW))


def sentiment_label_sql(columns: set[str] | list[str], uncertain_below: float) -> str:
    """SQL for a post's sentiment with abstention: ``uncertain`` when the model's top calibrated
    probability is below ``uncertain_below`` (0 turns the rule off)."""
    if uncertain_below <= 0 or not all(c in columns for c in PROBABILITIES):
        return "sentiment"
    return (f"CASE WHEN greatest({', '.join(PROBABILITIES)}) < {float(uncertain_below)!r} "
            f"THEN '{UNCERTAIN}' ELSE sentiment END")


def emotion_label_sql(columns: set[str] | list[str], uncertain_below: float) -> str:
    if uncertain_below <= 0 or "emotion_score" not in columns:
        return "emotion"
    return f"CASE WHEN emotion_score < {float(uncertain_below)!r} THEN '{UNCERTAIN}' ELSE emotion END"


def _analysis_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(c for c in Store(con).columns("analysis") if c in SOURCE_COLUMNS)


def _fingerprint(con: duckdb.DuckDBPyConnection, tz: str, uncertain_below: float) -> tuple[str, str, int, int, Any]:
    posts, hidden, last = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE coalesce(deleted, false) OR coalesce(withheld, false)),"
        " max(imported_at) FROM posts").fetchall()[0]
    columns = f"{LAYOUT}:" + ",".join(_analysis_columns(con)) + f":uncertain_below={float(uncertain_below)!r}"
    return tz, columns, int(posts), int(hidden), last


def _state(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    if not Store(con).has_table("stats_state"):
        return None
    row = con.execute("SELECT timezone, columns, posts, hidden, last_import FROM stats_state").fetchall()
    return tuple(row[0]) if row else None


def current(con: duckdb.DuckDBPyConnection, tz: str, uncertain_below: float = DEFAULT_UNCERTAIN_BELOW) -> bool:
    """Whether ``stats_daily`` describes the database as it is (same fingerprint)."""
    if not Store(con).analysed:
        return False
    return _state(con) == _fingerprint(con, tz, uncertain_below)


def _dims(cols: set[str], uncertain_below: float) -> list[str]:
    """One SELECT per dimension over temp table ``agg_src``; only ``all`` and ``topic`` keep the
    platform (the statistics break nothing else down by platform), the others have it NULL."""
    base = "SELECT day, relevant, {platform} AS platform, '{dim}' AS dim, {key} AS key, count(DISTINCT post_id) AS posts, count(*) AS items," \
           " min(created_at) AS first, max(created_at) AS last FROM {src} GROUP BY ALL"
    lang = "language" if "language" in cols else "lang"
    out = [
        base.format(platform="platform", dim="all", key="CAST(NULL AS VARCHAR)", src="agg_src"),
        base.format(platform="CAST(NULL AS VARCHAR)", dim="language", key=f"coalesce({lang}, 'und')", src="agg_src"),
        base.format(platform="CAST(NULL AS VARCHAR)", dim="kind", key="kind", src="agg_src"),
        base.format(platform="CAST(NULL AS VARCHAR)", dim="hour", key="CAST(hour AS VARCHAR)", src="agg_src WHERE created_at IS NOT NULL"),
        base.format(platform="CAST(NULL AS VARCHAR)", dim="hashtag", key="tag",
                    src="(SELECT *, unnest(hashtags) AS tag FROM agg_src)"),
        base.format(platform="CAST(NULL AS VARCHAR)", dim="pair", key=f"a || '{SEP}' || b", src=(
            "(SELECT t1.day, t1.relevant, t1.platform, t1.post_id, t1.created_at, t1.tag AS a, t2.tag AS b FROM"
            " (SELECT day, relevant, platform, post_id, created_at, unnest(list_distinct(hashtags)) AS tag FROM agg_src) t1"
            " JOIN (SELECT post_id, unnest(list_distinct(hashtags)) AS tag FROM agg_src) t2"
            " ON t1.post_id = t2.post_id AND t1.tag < t2.tag)")),
    ]
    if "topics" in cols:
        out.append(base.format(platform="platform", dim="topic", key="topic", src="(SELECT *, unnest(topics) AS topic FROM agg_src)"))
    if "sentiment" in cols:
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="sentiment", key="sentiment", src="agg_src WHERE sentiment IS NOT NULL"))
    if "sentiment" in cols:
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="sentiment_label", key=sentiment_label_sql(cols, uncertain_below),
                               src="agg_src WHERE sentiment IS NOT NULL"))
    if "emotion" in cols:
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="emotion", key="emotion", src="agg_src WHERE emotion IS NOT NULL"))
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="emotion_label", key=emotion_label_sql(cols, uncertain_below),
                               src="agg_src WHERE emotion IS NOT NULL"))
    if "targets" in cols:
        mentions = "(SELECT *, u.t.target AS target_id, u.t.sentiment AS target_sent FROM agg_src, unnest(agg_src.targets) AS u(t))"
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="target", key="target_id", src=mentions))
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="target_sentiment", key=f"target_id || '{SEP}' || coalesce(target_sent, '')",
                               src=mentions))
    if "awareness_programmes" in cols:
        out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="programme", key="programme",
                               src="(SELECT *, unnest(awareness_programmes) AS programme FROM agg_src)"))
        flags = [("programmes_known", "awareness_programmes IS NOT NULL"),
                 ("amber_alert", "list_contains(awareness_programmes, 'amber_alert')")]
        if "awareness_unaware" in cols:
            flags += [("unaware", "awareness_unaware"), ("unaware_known", "awareness_unaware IS NOT NULL")]
        for name, condition in flags:
            out.append(base.format(platform="CAST(NULL AS VARCHAR)", dim="flag", key=f"'{name}'", src=f"agg_src WHERE {condition}"))
    return out


def refresh(con: duckdb.DuckDBPyConnection, tz: str, uncertain_below: float = DEFAULT_UNCERTAIN_BELOW) -> int:
    """Recompute the days touched since the last refresh (all days when the time zone, the
    analysis columns or the uncertain threshold changed); returns how many days were recomputed."""
    if not Store(con).analysed:
        return 0
    con.execute(TABLE_SQL)
    state, now = _state(con), _fingerprint(con, tz, uncertain_below)
    cols = set(_analysis_columns(con))
    day = "CAST(timezone(?, created_at) AS DATE)"
    # rows removed from ``posts`` (cleared, remapped) leave no day to find: recompute every day
    full = state is None or state[:2] != now[:2] or now[2] < state[2]
    con.execute("CREATE OR REPLACE TEMP TABLE agg_days (day DATE)")
    if full:
        con.execute(f"INSERT INTO agg_days SELECT DISTINCT {day} FROM posts", [tz])  # noqa: S608 - fixed SQL
    else:
        con.execute(f"INSERT INTO agg_days SELECT DISTINCT {day} FROM posts WHERE imported_at > ?",  # noqa: S608
                    [tz, state[4]])
        if Store(con).has_table("analysis_todo"):
            con.execute(f"INSERT INTO agg_days SELECT DISTINCT {day} FROM posts"  # noqa: S608
                        " WHERE post_id IN (SELECT post_id FROM analysis_todo)", [tz])
    days = con.execute("SELECT count(DISTINCT coalesce(day, DATE '0001-01-01')) FROM agg_days").fetchall()[0][0]
    relevant = "coalesce(relevant, false)" if "relevant" in cols else "true"
    wanted = ["post_id", "platform", "kind", "created_at", *sorted(c for c in cols if c != "relevant")]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE agg_src AS SELECT {day} AS day, {relevant} AS relevant,"  # noqa: S608 - names from the catalogue
        f" hour(timezone(?, created_at)) AS hour, {', '.join(wanted)} FROM analysis"
        f" WHERE {day} IN (SELECT day FROM agg_days)"
        f" OR (created_at IS NULL AND EXISTS (SELECT 1 FROM agg_days WHERE day IS NULL))", [tz, tz, tz])
    try:
        with transaction(con):
            con.execute("DELETE FROM stats_daily WHERE day IN (SELECT day FROM agg_days)"
                        " OR (day IS NULL AND EXISTS (SELECT 1 FROM agg_days WHERE day IS NULL))")
            if full:
                con.execute("DELETE FROM stats_daily")
            con.execute("INSERT INTO stats_daily " + " UNION ALL ".join(_dims(cols, uncertain_below)))  # noqa: S608 - fixed SQL
            con.execute("DELETE FROM stats_state")
            con.execute("INSERT INTO stats_state VALUES (?, ?, ?, ?, ?, now())", list(now))
    finally:
        con.execute("DROP TABLE IF EXISTS agg_src")
        con.execute("DROP TABLE IF EXISTS agg_days")
    return int(days)


def after_analysis(con: duckdb.DuckDBPyConnection, tz: str, uncertain_below: float = DEFAULT_UNCERTAIN_BELOW) -> int:
    """What ``antena analyze`` runs last: refresh the aggregates from the engine's
    ``analysis_todo`` (the posts it analysed), then drop that table."""
    try:
        return refresh(con, tz, uncertain_below)
    finally:
        con.execute("DROP TABLE IF EXISTS analysis_todo")
