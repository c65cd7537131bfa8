"""Analytics: counts, trends, perception and campaign impact, computed in DuckDB SQL.

``compute_stats(store)`` gathers every section; each lives in its own module. The report
and ``antena stats --json`` print the very same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from antena.analytics import daily, stored
from antena.analytics.base import Evidence, working_scope
from antena.analytics.hashtags import hashtags, spikes
from antena.analytics.impact import campaign_impact
from antena.analytics.perception import awareness, sentiment, targets, topics
from antena.analytics.quotes import from_picks, quotes
from antena.analytics.volumes import corpus, streams, volumes
from antena.store import aggregates
from antena.store.queries import Store


def use_aggregates(store: Store, source: str = "auto") -> bool:
    """Whether the statistics read the daily aggregates: after ``antena analyze``, when they are
    current (refreshed here first when the database is writable); ``source`` "rows" or
    "aggregates" forces one way."""
    if source == "rows" or not store.analysed:
        return False
    threshold = aggregates.uncertain_threshold(store.config)
    if not aggregates.current(store.con, store.timezone, threshold) and not store.read_only:
        stored.refresh_aggregates(store)
    fresh = aggregates.current(store.con, store.timezone, threshold)
    if source == "aggregates" and not fresh:
        raise ValueError("the daily aggregates are not current: run `antena analyze`")
    return fresh


def compute_stats(store: Store, sections: set[str] | None = None, source: str = "auto") -> dict[str, Any]:
    """Every analytics section for a project's ``Store`` (``project.store``), as JSON-ready data.

    Counts come from the daily aggregates ``antena analyze`` keeps (``store/aggregates.py``)
    when they are current, else from post rows; both give the same numbers."""
    con = store.con
    config = store.config
    tz = config.get("project", {}).get("timezone", "UTC")
    analysed = store.analysed
    relevant = analysed and store.has_relevance
    want = sections or {"corpus", "volumes", "hashtags", "spikes", "topics", "sentiment", "targets",
                        "awareness", "quotes", "campaigns"}
    out: dict[str, Any] = {
        "project": config.get("project", {}).get("name"),
        "analysed": analysed,
        "scope": "relevant posts" if relevant else "all posts",
        # the base every share is computed on: the relevance analyser's relevant posts, or
        # every live post in scope before it ran; and the least evidence a statement needs
        "population": "relevant" if relevant else "all",
        "evidence": vars(Evidence.from_config(config)),
        "query": store.scope_query(),
        "timezone": tz,
    }
    spike_settings = config.get("analytics", {}).get("spikes", {})
    uncertain_below = aggregates.uncertain_threshold(config)
    steps = {
        "corpus": lambda scope: corpus(con),
        "volumes": lambda scope: volumes(con, scope, tz),
        "hashtags": lambda scope: hashtags(con, scope),
        "spikes": lambda scope: spikes(con, scope, tz, spike_settings, analysed and store.has_column("analysis", "topics")),
        "topics": lambda scope: topics(con, scope, tz) if analysed else {},
        "sentiment": lambda scope: sentiment(con, scope, tz, uncertain_below) if analysed else {},
        "targets": lambda scope: targets(con, scope, tz, config.get("targets", [])) if analysed else [],
        "awareness": lambda scope: awareness(con, scope, tz) if analysed else {},
        "quotes": lambda scope: quotes(con, scope, config) if analysed else {},
        "campaigns": lambda scope: campaign_impact(con, scope, tz, config, store, relevant) if analysed else [],
    }
    kept = None
    if use_aggregates(store, source):
        stored.ensure(store)
        kept = stored.load(con)
        d = daily.Daily(con, relevant)
        steps.update({
            "volumes": lambda scope: daily.volumes(con, d, scope),
            "hashtags": lambda scope: daily.hashtags(con, d, scope),
            "spikes": lambda scope: daily.spikes(con, d, scope, tz, spike_settings, store.has_column("analysis", "topics")),
            "topics": lambda scope: daily.topics(d) if store.has_column("analysis", "topics") else {},
            "sentiment": lambda scope: daily.sentiment_estimated(con, d, scope, uncertain_below, store.has_column(
                "analysis", "emotion")) if store.has_column("analysis", "sentiment") else {},
            "targets": lambda scope: daily.targets_estimated(con, d, scope, config.get("targets", []))
            if store.has_column("analysis", "targets") else [],
            "awareness": lambda scope: daily.awareness_estimated(con, d, scope)
            if store.has_column("analysis", "awareness_programmes") else {},
        })
        if kept is not None:  # what sums cannot give, computed by ``antena analyze``: no post rows read
            steps.update({
                "volumes": lambda scope: daily.volume_figures(d, kept["authors"], streams(con, scope)),
                "hashtags": lambda scope: daily.hashtags_stored(d, kept),
                "quotes": lambda scope: from_picks(kept["quotes"], config),
                "campaigns": lambda scope: _or(stored.campaigns(kept, config),
                                               lambda: campaign_impact(con, scope, tz, config, store, relevant)),
            })
    # every section reads the same working set: copied once when many sections scan it, read in
    # place when only examples, estimates' samples and campaigns do
    with working_scope(store, copy=kept is None) as scope:
        for name, step in steps.items():
            if name in want:
                out[name] = step(scope)
    return out


def _or(found: Any, compute: Callable[[], Any]) -> Any:
    return found if found is not None else compute()


__all__ = ["compute_stats"]
