"""Data-driven suggestions: groups, objectives and tools proposed from what a project's data shows.

Each suggestion carries its evidence (numbers). Only analysis tables that exist are used; with
none, the suggestions rest on post volumes per platform and say so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from antena.plan.knowledge import KnowledgeBase, localize
from antena.plan.metrics import columns, data_range, latest_version, relevant_join, target_mentions
from antena.project import Project

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


def _awareness(project: Project, lang: str) -> list[dict[str, Any]]:
    cols = columns(project, "ann_awareness")
    dtype = cols.get("awareness_programmes")
    if not dtype or "post_id" not in cols:
        return []
    join, jparams, _ = relevant_join(project)
    vcond, vparams = "", []
    if "version" in cols:
        vcond, vparams = " AND aw.version = ?", [latest_version(project, "ann_awareness")]
    if dtype.endswith("[]"):
        mentioned = "len(aw.awareness_programmes) > 0"
    elif dtype == "BOOLEAN":
        mentioned = "aw.awareness_programmes"
    else:
        mentioned = "coalesce(CAST(aw.awareness_programmes AS VARCHAR), '') <> ''"
    sql = (f"SELECT count(*), count(*) FILTER (WHERE {mentioned}) FROM posts p{join}"  # noqa: S608
           f" JOIN ann_awareness aw ON aw.post_id = p.post_id{vcond} WHERE NOT coalesce(p.deleted, false)")
    n, hits = project.con.execute(sql, jparams + vparams).fetchone()
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


def _targets(project: Project, lang: str) -> list[dict[str, Any]]:
    span = data_range(project)
    if span is None or not columns(project, "ann_target_sentiment"):
        return []
    lo, hi = span[0], span[1] + timedelta(seconds=1)
    t = TEXT[lang]
    out = []
    for target in project.config.get("targets", []):
        found = target_mentions(project, lo, hi, target["id"])
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


def _platforms(project: Project, kb: KnowledgeBase, lang: str) -> list[dict[str, Any]]:
    rows = project.con.execute(
        "SELECT platform, count(*) FROM posts WHERE NOT coalesce(deleted, false) GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
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


def analysis_tables(project: Project) -> list[str]:
    rows = project.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ann\\_%' ESCAPE '\\' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def suggest(project: Project, kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """Suggestions with evidence, plus the groups, objectives, tools and channels they add up to."""
    t = TEXT[lang]
    notes = []
    tables = analysis_tables(project)
    suggestions: list[dict[str, Any]] = []
    if not project.con.execute("SELECT count(*) FROM posts").fetchone()[0]:
        notes.append(t["no_posts"])
    else:
        if not tables:
            notes.append(t["no_analysis"])
        suggestions += _awareness(project, lang) + _targets(project, lang) + _platforms(project, kb, lang)

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
