"""Findings: short sentences generated from the statistics, each citing its number and its base.

Every statement names how many posts (or mentions) it rests on and which ones (relevant posts,
or all posts in scope before the relevance analyser ran), and is made only when the evidence
reaches the ``[evidence]`` minimums of antena.toml; otherwise it says "too few posts to say
(n = 3)". A target is called positive or negative only when its 95% interval excludes zero.
"""

from __future__ import annotations

from typing import Any

from antena.analytics.base import Evidence, localized, topic_name
from antena.report.i18n import day, num, percent, platform_name, signed, text


def population(stats: dict[str, Any], lang: str, n: int | None = None) -> str:
    """The base of the shares in words: "relevant posts" or "posts in scope" (singular for n = 1)."""
    key = "pop_relevant" if stats.get("population", "relevant") == "relevant" else "pop_all"
    return text(lang, key + ("_one" if n == 1 else ""))


def too_few(what: str, n: int, lang: str, unit: str = "posts") -> str:
    return text(lang, "too_few_mentions" if unit == "mentions" else "too_few_posts", what=what, n=num(n, lang))


def tone(net: float | None, lo: float | None, hi: float | None, lang: str) -> str:
    if lo is not None and lo > 0:
        return text(lang, "tone_positive")
    if hi is not None and hi < 0:
        return text(lang, "tone_negative")
    return text(lang, "tone_mixed")


def findings(stats: dict[str, Any], config: dict[str, Any], lang: str) -> list[str]:
    ev = Evidence(**stats["evidence"]) if stats.get("evidence") else Evidence.from_config(config)
    pop = population(stats, lang)
    out: list[str] = []
    vol = stats.get("volumes", {})
    corpus = stats.get("corpus", {})
    n = vol.get("posts") or 0
    if n:
        top = vol["by_platform"][0]
        head = text(lang, "f_volume", relevant=num(n, lang), posts=num(corpus.get("posts", 0), lang),
                    pop=population(stats, lang, n))
        if n >= ev.min_posts_share:
            head += " " + text(lang, "f_platform", platform=platform_name(top["platform"]),
                               share=percent(top["posts"] / n, lang), n=num(n, lang), pop=population(stats, lang, n))
        else:
            head += " " + too_few(text(lang, "w_platforms"), n, lang)
        out.append(head)
    aw = stats.get("awareness") or {}
    if aw.get("posts"):
        n_aw = aw["posts"]
        if n_aw >= ev.min_posts_share:
            amber = next((p for p in aw.get("programmes", []) if p["programme"] == "amber_alert"),
                         {"rate": 0.0, "ci": [None, None]})
            out.append(text(lang, "f_awareness", rate=percent(amber["rate"], lang), n=num(n_aw, lang), pop=population(stats, lang, n_aw),
                            lo=percent(amber["ci"][0], lang), hi=percent(amber["ci"][1], lang),
                            unaware=percent(aw["unaware"]["rate"] or 0.0, lang)))
        else:
            out.append(too_few(text(lang, "w_awareness"), n_aw, lang))
    tp = stats.get("topics") or {}
    if tp.get("totals"):
        if tp["posts"] >= ev.min_posts_share:
            names = [f"{topic_name(t['topic'], config, lang)} ({percent(t['share'], lang)})" for t in tp["totals"][:3]]
            out.append(text(lang, "f_topics", n=num(tp["posts"], lang), pop=population(stats, lang, tp["posts"]), topics=_join(names, lang)))
        else:
            out.append(too_few(text(lang, "w_topics"), tp["posts"], lang))
    for t in [t for t in stats.get("targets", []) if t["mentions"]][:4]:
        judged = t["mentions"]  # the table's number
        if judged < ev.min_target_mentions or t["net"] is None:
            out.append(too_few(text(lang, "w_target", name=localized(t["name"], lang, t["target"])), judged, lang, "mentions"))
            continue
        lo, hi = t["net_ci"]
        out.append(text(lang, "f_target", name=localized(t["name"], lang, t["target"]), tone=tone(t["net"], lo, hi, lang),
                        neg=percent(t["shares"]["negative"], lang), pos=percent(t["shares"]["positive"], lang),
                        n=num(judged, lang), pop=pop, net=signed(t["net"], lang), lo=signed(lo, lang),
                        hi=signed(hi, lang)))
    tags = (stats.get("hashtags") or {}).get("top", [])
    if tags:
        names = [f"#{t['hashtag']} ({num(t['posts'], lang)})" for t in tags[:3]]
        out.append(text(lang, "f_hashtags", pop=pop, tags=_join(names, lang)))
    emotions = (stats.get("sentiment") or {}).get("emotion") or []
    judged_emotions = sum(e["posts"] for e in emotions)
    strong = [e for e in emotions if e["emotion"] not in ("other", "uncertain")][:2]
    if strong:
        if judged_emotions >= ev.min_posts_share:
            names = [f"{emotion_name(e['emotion'], lang)} ({percent(e['share'], lang)})" for e in strong]
            out.append(text(lang, "f_emotions", n=num(judged_emotions, lang), pop=population(stats, lang, judged_emotions), emotions=_join(names, lang)))
        else:
            out.append(too_few(text(lang, "w_emotions"), judged_emotions, lang))
    streams = vol.get("streams") or []
    if streams:
        total = sum(s["comments"] for s in streams)
        out.append(text(lang, "f_streams", n=num(len(streams), lang), comments=num(total, lang),
                        top=num(streams[0]["comments"], lang)))
    spikes = stats.get("spikes") or []
    if spikes:
        s = spikes[0]
        out.append(text(lang, "f_spike", key=spike_key(s, lang, config), day=day(s["day"], lang), count=num(s["count"], lang),
                        ratio=num(s["ratio"], lang)))
    for campaign in stats.get("campaigns", []):
        for metric in campaign["metrics"]:
            if metric["metric"] in ("awareness_rate",) or metric["metric"].startswith("target_sentiment"):
                if metric.get("clear"):
                    out.append(metric["summary"][lang])
    return out


def spike_key(spike: dict[str, Any], lang: str, config: dict[str, Any] | None = None) -> str:
    """What spiked, in words: a hashtag, a topic, or all relevant posts."""
    if spike["kind"] == "hashtag":
        return f"#{spike['key']}"
    if spike["kind"] == "volume":
        return text(lang, "all_posts_spike")
    return topic_name(str(spike["key"]), config or {}, lang)


def programme_name(programme: str, lang: str) -> str:
    return text(lang, f"programme_{programme}") if programme in PROGRAMMES else programme


PROGRAMMES = ("amber_alert", "hotline", "ngo_campaign")


def emotion_name(name: str, lang: str) -> str:
    return text(lang, f"emotion_{name}") if name in EMOTIONS else name


EMOTIONS = ("anger", "fear", "sadness", "joy", "surprise", "disgust", "other", "uncertain")


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + text(lang, "and") + items[-1]
