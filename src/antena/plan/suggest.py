"""Data-driven suggestions: groups, objectives and tools proposed from what a project's data shows.

Each suggestion carries its evidence (numbers, the base n and the population) from the same
``compute_stats`` output as the report. Only relevant posts count; before the relevance analyser
has run, or below the ``[evidence]`` minimums, nothing is suggested and a note says why.
"""

from __future__ import annotations

from typing import Any

from antena.analytics import compute_stats
from antena.analytics.base import Evidence, localized, wilson
from antena.i18n import Messages
from antena.plan.knowledge import KnowledgeBase, localize
from antena.report.i18n import num, percent, platform_name, signed
from antena.store.queries import Store

LOW_AWARENESS = 0.5
NEGATIVE_SENTIMENT = -0.2
DOMINANT_PLATFORM = 0.4
PLATFORM_CHANNELS = {"x": "twitter"}  # store platform id -> channel id used by the toolbox
SECTIONS = {"volumes", "awareness", "targets"}

TEXT = Messages("suggest")  # wording: keys suggest.* of the gettext catalogue


def _awareness(stats: dict[str, Any], ev: Evidence, lang: str) -> list[dict[str, Any]]:
    aw = stats.get("awareness") or {}
    n = aw.get("posts") or 0
    if n < ev.min_posts_share:
        return []
    amber = next((p for p in aw.get("programmes", []) if p["programme"] == "amber_alert"),
                 {"rate": 0.0, "ci": list(wilson(0, n))})
    rate = amber["rate"]
    if rate >= LOW_AWARENESS:
        return []
    t = TEXT[lang]
    programme = t["amber_programme"]
    return [{
        "id": "low-awareness", "title": t["awareness"].format(programme=programme),
        "evidence": t["awareness.ev"].format(rate=percent(rate, lang), n=num(n, lang), programme=programme,
                                             lo=percent(amber["ci"][0], lang), hi=percent(amber["ci"][1], lang)),
        "numbers": {"awareness_rate": round(rate, 4), "relevant_posts": int(n)},
        "groups": ["public", "parents"], "objectives": ["inform"],
        "tools": ["social-media", "group-messaging", "press-release", "out-of-home"],
        "kpi": {"metric": "awareness_rate", "baseline": round(rate, 4)},
    }]


def _targets(stats: dict[str, Any], ev: Evidence, lang: str) -> list[dict[str, Any]]:
    t = TEXT[lang]
    out = []
    for target in stats.get("targets") or []:
        n = target["mentions"]  # the number the report's table shows
        if n < ev.min_target_mentions or target["net"] is None:
            continue
        net, (lo, hi) = target["net"], target["net_ci"]
        name = localized(target["name"], lang, target["target"])
        values = {"score": signed(net, lang), "n": num(n, lang), "name": name, "lo": signed(lo, lang), "hi": signed(hi, lang)}
        numbers = {"target": target["target"], "mentions": n, "net_sentiment": round(net, 4), "net_ci": [lo, hi]}
        if target.get("kind") == "authority" and net <= NEGATIVE_SENTIMENT and hi < 0:
            out.append({"id": f"negative-{target['target']}", "title": t["authority"].format(name=name),
                        "evidence": t["authority.ev"].format(**values), "numbers": numbers,
                        "groups": ["decision-makers", "media"], "objectives": ["policy"],
                        "tools": ["position-paper", "advocacy-meetings", "coalitions", "press-conference"],
                        "kpi": {"metric": "target_sentiment", "target": target["target"], "baseline": round(net, 4)}})
        elif target.get("kind") == "ngo" and lo > 0:
            out.append({"id": f"positive-{target['target']}", "title": t["ngo"].format(name=name),
                        "evidence": t["ngo.ev"].format(**values), "numbers": numbers,
                        "groups": ["ngos", "public"], "objectives": ["discussion"],
                        "tools": ["coalitions", "community-channels"],
                        "kpi": {"metric": "share_of_voice", "target": target["target"]}})
    return out


def _platforms(stats: dict[str, Any], ev: Evidence, kb: KnowledgeBase, lang: str) -> list[dict[str, Any]]:
    vol = stats.get("volumes") or {}
    rows = [(r["platform"], r["posts"]) for r in vol.get("by_platform", [])]
    total = vol.get("posts") or 0
    if total < ev.min_posts_share or not rows:
        return []
    platform, n = rows[0]
    share = n / total
    if share < DOMINANT_PLATFORM:
        return []
    channel = PLATFORM_CHANNELS.get(platform, platform)
    tools = [tool.id for tool in kb.tools.values() if channel in tool.channels]
    t = TEXT[lang]
    name = platform_name(platform)
    return [{"id": f"platform-{platform}", "title": t["platform"].format(platform=name),
             "evidence": t["platform.ev"].format(share=percent(share, lang), n=num(total, lang), platform=name),
             "numbers": {"platform": platform, "posts": int(n), "total_posts": int(total),
                         "share": round(share, 4), "by_platform": {p: int(c) for p, c in rows}},
             "groups": [], "objectives": [], "tools": tools, "channels": [channel]}]


def analysis_tables(store: Store) -> list[str]:
    return sorted(t for t in store.tables() if t.startswith("ann_"))


def suggest(store: Store, kb: KnowledgeBase, lang: str = "en", stats: dict[str, Any] | None = None) -> dict[str, Any]:
    """Suggestions with evidence, plus the groups, objectives, tools and channels they add up to.

    They read ``compute_stats`` (given, or computed here), the very numbers of the report's
    findings and tables, over relevant posts only, and only where ``[evidence]`` is met."""
    t = TEXT[lang]
    notes = []
    tables = analysis_tables(store)
    suggestions: list[dict[str, Any]] = []
    if not store.count():
        notes.append(t["no_posts"])
    elif not (store.analysed and store.has_relevance):
        notes.append(t["no_analysis"])
    else:
        stats = stats if stats is not None else compute_stats(store, SECTIONS)
        ev = Evidence(**stats["evidence"]) if stats.get("evidence") else Evidence.from_config(store.config)
        relevant = (stats.get("volumes") or {}).get("posts") or 0
        if relevant < min(ev.min_posts_share, ev.min_target_mentions):
            notes.append(t["too_few"].format(n=relevant, min=min(ev.min_posts_share, ev.min_target_mentions)))
        suggestions += _awareness(stats, ev, lang) + _targets(stats, ev, lang) + _platforms(stats, ev, kb, lang)

    def collect(key: str) -> list[str]:
        out: list[str] = []
        for s in suggestions:
            for value in s.get(key, []):
                if value not in out:
                    out.append(value)
        return out

    return {
        "suggestions": suggestions, "notes": notes, "analysis_tables": tables,
        "groups": collect("groups"), "objectives": collect("objectives"),
        "tools": [{"id": i, "name": localize(kb.tools[i].name, lang)} for i in collect("tools") if i in kb.tools],
        "channels": collect("channels"),
    }
