"""``antena stats --engine spark``: the statistics over a Parquet lake, aggregated by Spark SQL.

The lake is what ``antena export --format parquet --partition-by day`` writes, or any Parquet
with the canonical columns (``schema.POST_SCHEMA`` plus the analysis columns the statistics
read). Spark computes the same daily aggregates as ``store/aggregates.py`` (one Spark SQL
statement per dimension) and the few row-level figures sums cannot give (distinct authors, the
hashtags' last-14-days windows, live streams, spike examples). The aggregates, a few thousand
rows, are then summed by the very functions the local engine uses (``analytics/daily.py``) on
an in-memory DuckDB, so both engines give the same numbers.

Not computed on Spark: ``corpus`` (it describes the project's import, not the lake), the most
used words (sampled by post id in DuckDB), ``quotes`` and ``campaigns``.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import duckdb

from antena.analytics import daily
from antena.analytics.base import rows
from antena.analytics.hashtags import detect_spikes
from antena.store.aggregates import SEP, TABLE_SQL

SECTIONS = ("volumes", "hashtags", "spikes", "topics", "sentiment", "targets", "awareness")
OPTIONAL = ("language", "lang", "relevant", "topics", "sentiment", "emotion", "targets",
            "awareness_programmes", "awareness_unaware", "hashtags", "deleted", "withheld",
            "stream_id", "like_count", "share_count", "author_id")


def _dims(cols: set[str]) -> list[str]:
    """Spark SQL twins of ``store.aggregates._dims`` over the temp view ``agg_src``."""
    base = ("SELECT day, relevant, {platform} AS platform, '{dim}' AS dim, {key} AS key, count(DISTINCT post_id) AS posts,"
            " count(*) AS items, min(created_at) AS first, max(created_at) AS last FROM {src}"
            " GROUP BY ALL")
    lang = "language" if "language" in cols else "lang"
    tags = ("(SELECT day, relevant, platform, post_id, created_at, explode(array_distinct(hashtags)) AS tag"
            " FROM agg_src)")
    out = [
        base.format(platform="platform", dim="all", key="CAST(NULL AS STRING)", src="agg_src"),
        base.format(platform="CAST(NULL AS STRING)", dim="language", key=f"coalesce({lang}, 'und')", src="agg_src"),
        base.format(platform="CAST(NULL AS STRING)", dim="kind", key="kind", src="agg_src"),
        base.format(platform="CAST(NULL AS STRING)", dim="hour", key="CAST(hour AS STRING)", src="(SELECT * FROM agg_src WHERE created_at IS NOT NULL)"),
        base.format(platform="CAST(NULL AS STRING)", dim="hashtag", key="tag", src="(SELECT *, explode(hashtags) AS tag FROM agg_src)"),
        base.format(platform="CAST(NULL AS STRING)", dim="pair", key=f"concat(t1tag, '{SEP}', t2tag)", src=(
            "(SELECT t1.day, t1.relevant, t1.platform, t1.post_id, t1.created_at, t1.tag AS t1tag, t2.tag AS t2tag"  # noqa: S608
            f" FROM {tags} t1 JOIN {tags} t2 ON t1.post_id = t2.post_id AND t1.tag < t2.tag)")),
    ]
    if "topics" in cols:
        out.append(base.format(platform="platform", dim="topic", key="topic", src="(SELECT *, explode(topics) AS topic FROM agg_src)"))
    for name in ("sentiment", "emotion"):
        if name in cols:
            out.append(base.format(platform="CAST(NULL AS STRING)", dim=name, key=name, src=f"(SELECT * FROM agg_src WHERE {name} IS NOT NULL)"))  # noqa: S608
    if "targets" in cols:
        mentions = ("(SELECT *, m.target AS target_id, m.sentiment AS target_sent FROM"
                    " (SELECT *, explode(targets) AS m FROM agg_src))")
        out.append(base.format(platform="CAST(NULL AS STRING)", dim="target", key="target_id", src=mentions))
        out.append(base.format(platform="CAST(NULL AS STRING)", dim="target_sentiment", key=f"concat(target_id, '{SEP}', coalesce(target_sent, ''))",
                               src=mentions))
    if "awareness_programmes" in cols:
        out.append(base.format(platform="CAST(NULL AS STRING)", dim="programme", key="programme",
                               src="(SELECT *, explode(awareness_programmes) AS programme FROM agg_src)"))
        flags = [("programmes_known", "awareness_programmes IS NOT NULL"),
                 ("amber_alert", "array_contains(awareness_programmes, 'amber_alert')")]
        if "awareness_unaware" in cols:
            flags += [("unaware", "awareness_unaware"), ("unaware_known", "awareness_unaware IS NOT NULL")]
        for name, condition in flags:
            out.append(base.format(platform="CAST(NULL AS STRING)", dim="flag", key=f"'{name}'", src=f"(SELECT * FROM agg_src WHERE {condition})"))  # noqa: S608
    return out


def lake_stats(spark: Any, lake: str, config: dict[str, Any], sections: set[str] | None = None) -> dict[str, Any]:
    """The statistics of the posts in ``lake`` (a path or URL Spark reads) with ``config``'s
    settings (time zone, targets, spike settings)."""
    tz = str(config.get("project", {}).get("timezone") or "UTC")
    want = set(sections or SECTIONS) & set(SECTIONS)
    frame = spark.read.parquet(lake)
    cols = set(frame.columns)
    frame.createOrReplaceTempView("lake")
    live = " AND ".join(f"NOT coalesce({c}, false)" for c in ("deleted", "withheld") if c in cols) or "TRUE"
    relevant_only = "relevant" in cols
    wanted = ["post_id", "platform", "kind", "created_at"] + sorted(c for c in OPTIONAL if c in cols and c not in
                                                                    ("relevant", "deleted", "withheld"))
    spark.sql(f"SELECT * FROM lake WHERE {live}").createOrReplaceTempView("live")  # noqa: S608 - fixed names
    spark.sql(
        f"SELECT to_date(from_utc_timestamp(created_at, '{tz}')) AS day,"  # noqa: S608 - tz checked by settings
        f" {'coalesce(relevant, false)' if relevant_only else 'true'} AS relevant,"
        f" hour(from_utc_timestamp(created_at, '{tz}')) AS hour, {', '.join(wanted)} FROM live"
    ).createOrReplaceTempView("agg_src")
    scope = "coalesce(relevant, false)" if relevant_only else "TRUE"  # a condition on the view ``live``
    aggregated = spark.sql(" UNION ALL ".join(_dims(cols))).toArrow()

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(TABLE_SQL)
    con.register("spark_daily", aggregated)
    con.execute("INSERT INTO stats_daily SELECT day, relevant, platform, dim, key, posts, items,"
                " CAST(first AS TIMESTAMPTZ), CAST(last AS TIMESTAMPTZ) FROM spark_daily")
    con.unregister("spark_daily")
    d = daily.Daily(con, relevant_only)
    out: dict[str, Any] = {"project": config.get("project", {}).get("name"), "analysed": "relevant" in cols,
                           "scope": "relevant posts" if relevant_only else "all posts", "timezone": tz,
                           "engine": "spark", "lake": lake}

    def one(sql: str) -> Any:
        return spark.sql(sql).collect()[0][0]

    if "volumes" in want:
        out["volumes"] = daily.volume_figures(
            d, one(f"SELECT count(DISTINCT author_id) FROM live WHERE {scope}"),  # noqa: S608
            _streams(spark, con) if "stream_id" in cols else [])
    if "topics" in want:
        out["topics"] = daily.topics(d) if "topics" in cols else {}
    if "sentiment" in want:
        out["sentiment"] = daily.sentiment(d, "emotion" in cols) if "sentiment" in cols else {}
    if "targets" in want:
        out["targets"] = daily.targets(d, config.get("targets", [])) if "targets" in cols else []
    if "awareness" in want:
        out["awareness"] = daily.awareness(d) if "awareness_programmes" in cols else {}
    if "hashtags" in want:
        out["hashtags"] = _hashtags(spark, d, scope)
    if "spikes" in want:
        out["spikes"] = _spikes(spark, d, scope, tz, config.get("analytics", {}).get("spikes", {}), "topics" in cols)
    con.close()
    return out


def _streams(spark: Any, con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Live streams as ``analytics.volumes.streams`` gives them (through Arrow, so types match)."""
    found = spark.sql("""
        SELECT stream_id, any_value(platform) AS platform, count(*) AS comments,
               count(DISTINCT author_id) AS commenters, min(created_at) AS first, max(created_at) AS last,
               round(count(*) / greatest(1, (unix_timestamp(max(created_at)) - unix_timestamp(min(created_at))) / 60.0D), 2)
                 AS per_minute
        FROM live WHERE stream_id IS NOT NULL GROUP BY stream_id""").toArrow()
    con.register("spark_streams", found)
    try:
        return rows(con, "SELECT stream_id, platform, comments, commenters, CAST(first AS TIMESTAMPTZ) AS first,"
                         " CAST(last AS TIMESTAMPTZ) AS last, per_minute FROM spark_streams ORDER BY comments DESC, stream_id")
    finally:
        con.unregister("spark_streams")


def _hashtags(spark: Any, d: daily.Daily, scope: str, top: int = 30) -> dict[str, Any]:
    counts, last = daily.top_hashtags(d, top)
    windows: dict[str, tuple[int, int]] = {}
    if counts and last is not None:
        spark.createDataFrame([(c["hashtag"],) for c in counts], "tag string").createOrReplaceTempView("top_tags")
        stamp = f"TIMESTAMP '{last.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S.%f')}'"
        for r in spark.sql(f"""
                WITH tags AS (SELECT explode(hashtags) AS hashtag, created_at FROM live
                              WHERE {scope} AND created_at > {stamp} - INTERVAL 14 DAYS)
                SELECT hashtag, count_if(created_at > {stamp} - INTERVAL 7 DAYS) AS recent,
                       count_if(created_at <= {stamp} - INTERVAL 7 DAYS) AS previous
                FROM tags WHERE hashtag IN (SELECT tag FROM top_tags) GROUP BY 1""").collect():  # noqa: S608
            windows[r["hashtag"]] = (r["recent"], r["previous"])
    return daily.hashtag_figures(d, counts, windows)


def _spikes(spark: Any, d: daily.Daily, scope: str, tz: str, settings: dict[str, Any],
            topics_available: bool) -> list[dict[str, Any]]:
    top = [r["key"] for r in d.rows("SELECT key, sum(items) AS n FROM {d} d WHERE dim = 'hashtag' AND day IS NOT NULL"
                                    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50")]
    alerts = detect_spikes(d.series("all"), "volume", **settings) + detect_spikes(d.series("hashtag", top), "hashtag", **settings)
    if topics_available:
        alerts += detect_spikes(d.series("topic"), "topic", **settings)
    alerts = sorted(alerts, key=lambda a: (-a["z"], str(a["day"])))[:50]
    for alert in alerts[:10]:
        alert["examples"] = _examples(spark, scope, tz, alert)
    return alerts


def _examples(spark: Any, scope: str, tz: str, alert: dict[str, Any]) -> list[str]:
    day: date = alert["day"]
    condition = "TRUE"
    if alert["kind"] in ("hashtag", "topic"):
        column = "hashtags" if alert["kind"] == "hashtag" else "topics"
        key = str(alert["key"]).replace("\\", "\\\\").replace("'", "\\'")
        condition = f"array_contains({column}, '{key}')"
    found = spark.sql(
        f"SELECT post_id FROM live WHERE {scope} AND {condition}"  # noqa: S608 - key escaped, names fixed
        f" AND to_date(from_utc_timestamp(created_at, '{tz}')) = DATE '{day.isoformat()}'"
        " ORDER BY coalesce(like_count, 0) + coalesce(share_count, 0) DESC, post_id LIMIT 3").collect()
    return [r[0] for r in found]
