"""Analytics: counts, trends, perception and campaign impact, computed in DuckDB SQL.

``compute_stats(project)`` gathers every section; each lives in its own module. The report
and ``antena stats --json`` print the very same numbers.
"""

from __future__ import annotations

from typing import Any

from antena.analytics.base import has_column, has_table, scope_sql
from antena.analytics.hashtags import hashtags, spikes
from antena.analytics.impact import campaign_impact
from antena.analytics.perception import awareness, sentiment, targets, topics
from antena.analytics.quotes import quotes
from antena.analytics.volumes import corpus, volumes


def compute_stats(project: Any, sections: set[str] | None = None) -> dict[str, Any]:
    """Every analytics section for ``project`` (a ``Project``), as JSON-ready data."""
    con = project.con
    config = project.config
    tz = config.get("project", {}).get("timezone", "UTC")
    analysed = has_table(con, "analysis")
    # every section reads the same working set: materialise it once per call
    con.execute(f"CREATE OR REPLACE TEMP TABLE stats_scope AS {scope_sql(con, relevant_only=True)}")  # noqa: S608
    scope = "SELECT * FROM stats_scope"
    want = sections or {"corpus", "volumes", "hashtags", "spikes", "topics", "sentiment", "targets",
                        "awareness", "quotes", "campaigns"}
    out: dict[str, Any] = {
        "project": config.get("project", {}).get("name"),
        "analysed": analysed,
        "scope": "relevant posts" if analysed and has_column(con, "analysis", "relevant") else "all posts",
        "query": project.relevance_query(),
        "timezone": tz,
    }
    spike_settings = config.get("analytics", {}).get("spikes", {})
    steps = {
        "corpus": lambda: corpus(con),
        "volumes": lambda: volumes(con, scope, tz),
        "hashtags": lambda: hashtags(con, scope),
        "spikes": lambda: spikes(con, scope, tz, spike_settings, analysed and has_column(con, "analysis", "topics")),
        "topics": lambda: topics(con, scope, tz) if analysed else {},
        "sentiment": lambda: sentiment(con, scope, tz) if analysed else {},
        "targets": lambda: targets(con, scope, tz, config.get("targets", [])) if analysed else [],
        "awareness": lambda: awareness(con, scope, tz) if analysed else {},
        "quotes": lambda: quotes(con, scope, config) if analysed else {},
        "campaigns": lambda: campaign_impact(con, scope, tz, config, project) if analysed else [],
    }
    try:
        for name, step in steps.items():
            if name in want:
                out[name] = step()
    finally:
        con.execute("DROP TABLE IF EXISTS stats_scope")
    return out


__all__ = ["compute_stats"]
