"""Data-driven suggestions: groups, objectives and tools proposed from what a project's data shows.

Each suggestion carries its evidence (numbers). Only analysis tables that exist are used; with
none, the suggestions rest on post volumes per platform and say so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from antena.analytics.kpis import awareness_share, columns, target_mentions
from antena.plan.knowledge import KnowledgeBase, localize
from antena.store.queries import Store

LOW_AWARENESS = 0.5
NEGATIVE_SENTIMENT = -0.2
MIN_MENTIONS = 5
DOMINANT_PLATFORM = 0.4
PLATFORM_CHANNELS = {"x": "twitter"}  # store platform id -> channel id used by the toolbox

TEXT = {
    "en": {
        "awareness": "Inform the general public about {programme}",
        "awareness.ev": "only {rate:.0%} of {n} relevant posts mention {programme}",
        "authority": "Influence policy with decision makers and media: sentiment toward {name} is negative",
        "authority.ev": "mean sentiment {score:+.2f} over {n} mentions of {name}",
        "ngo": "Work with {name} as a partner: the public sees it positively",
        "ngo.ev": "mean sentiment {score:+.2f} over {n} mentions of {name}",
        "platform": "Favour {platform} channels",
        "platform.ev": "{share:.0%} of {n} posts are on {platform}",
        "no_analysis": "No analysis tables found (run `antena analyze`): suggestions use post volumes per platform only.",
        "no_posts": "The project holds no posts yet: import data to get suggestions.",
    },
    "es": {
        "awareness": "Informar al público general sobre {programme}",
        "awareness.ev": "solo el {rate:.0%} de {n} publicaciones relevantes menciona {programme}",
        "authority": "Incidir en las políticas con responsables políticos y medios: el sentimiento hacia {name} es negativo",
        "authority.ev": "sentimiento medio {score:+.2f} en {n} menciones de {name}",
        "ngo": "Sumar a {name} como aliada: el público la ve de forma positiva",
        "ngo.ev": "sentimiento medio {score:+.2f} en {n} menciones de {name}",
        "platform": "Priorizar los canales de {platform}",
        "platform.ev": "el {share:.0%} de {n} publicaciones está en {platform}",
        "no_analysis": "No hay tablas de análisis (ejecute `antena analyze`): las sugerencias solo usan el volumen de publicaciones por plataforma.",
        "no_posts": "El proyecto aún no tiene publicaciones: importe datos para obtener sugerencias.",
    },
}


def _awareness(store: Store, lang: str) -> list[dict[str, Any]]:
    found = awareness_share(store)
    if found is None:
        return []
    n, hits = found
    if not n:
        return []
    rate = hits / n
    if rate >= LOW_AWARENESS:
        return []
    t = TEXT[lang]
    programme = "la Alerta AMBER" if lang == "es" else "the AMBER alert"
    return [{
        "id": "low-awareness", "title": t["awareness"].format(programme=programme),
        "evidence": t["awareness.ev"].format(rate=rate, n=n, programme=programme),
        "numbers": {"awareness_rate": round(rate, 4), "relevant_posts": int(n)},
        "groups": ["public", "parents"], "objectives": ["inform"],
        "tools": ["social-media", "group-messaging", "press-release", "out-of-home"],
        "kpi": {"metric": "awareness_rate", "baseline": round(rate, 4)},
    }]


def _targets(store: Store, lang: str) -> list[dict[str, Any]]:
    span = store.data_range()
    if span is None or not columns(store, "target_sentiment"):
        return []
    lo, hi = span[0], span[1] + timedelta(seconds=1)
    t = TEXT[lang]
    out = []
    for target in store.config.get("targets", []):
        found = target_mentions(store, lo, hi, target["id"])
        if not found or found[0] < MIN_MENTIONS or found[1] is None:
            continue
        n, score = found
        name = target.get("name", target["id"])
        numbers = {"target": target["id"], "mentions": n, "mean_sentiment": score}
        if target.get("kind") == "authority" and score <= NEGATIVE_SENTIMENT:
            out.append({"id": f"negative-{target['id']}", "title": t["authority"].format(name=name),
                        "evidence": t["authority.ev"].format(score=score, n=n, name=name), "numbers": numbers,
                        "groups": ["decision-makers", "media"], "objectives": ["policy"],
                        "tools": ["position-paper", "advocacy-meetings", "coalitions", "press-conference"],
                        "kpi": {"metric": "target_sentiment", "target": target["id"], "baseline": score}})
        elif target.get("kind") == "ngo" and score > 0:
            out.append({"id": f"positive-{target['id']}", "title": t["ngo"].format(name=name),
                        "evidence": t["ngo.ev"].format(score=score, n=n, name=name), "numbers": numbers,
                        "groups": ["ngos", "public"], "objectives": ["discussion"],
                        "tools": ["coalitions", "community-channels"],
                        "kpi": {"metric": "share_of_voice", "target": target["id"]}})
    return out


def _platforms(store: Store, kb: KnowledgeBase, lang: str) -> list[dict[str, Any]]:
    rows = store.by_platform()
    total = sum(n for _, n in rows)
    if not total:
        return []
    platform, n = rows[0]
    share = n / total
    if share < DOMINANT_PLATFORM:
        return []
    channel = PLATFORM_CHANNELS.get(platform, platform)
    tools = [tool.id for tool in kb.tools.values() if channel in tool.channels]
    t = TEXT[lang]
    return [{"id": f"platform-{platform}", "title": t["platform"].format(platform=platform),
             "evidence": t["platform.ev"].format(share=share, n=total, platform=platform),
             "numbers": {"platform": platform, "posts": int(n), "total_posts": int(total),
                         "share": round(share, 4), "by_platform": {p: int(c) for p, c in rows}},
             "groups": [], "objectives": [], "tools": tools, "channels": [channel]}]


def analysis_tables(store: Store) -> list[str]:
    return sorted(t for t in store.tables() if t.startswith("ann_"))


def suggest(store: Store, kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """Suggestions with evidence, plus the groups, objectives, tools and channels they add up to."""
    t = TEXT[lang]
    notes = []
    tables = analysis_tables(store)
    suggestions: list[dict[str, Any]] = []
    if not store.count():
        notes.append(t["no_posts"])
    else:
        if not tables:
            notes.append(t["no_analysis"])
        suggestions += _awareness(store, lang) + _targets(store, lang) + _platforms(store, kb, lang)

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
