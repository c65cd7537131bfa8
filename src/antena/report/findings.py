"""Findings: short sentences generated from the statistics, each citing its number."""

from __future__ import annotations

from typing import Any

from antena.analytics.base import topic_name
from antena.report.i18n import num, percent, platform_name, signed


def findings(stats: dict[str, Any], config: dict[str, Any], lang: str) -> list[str]:
    es = lang == "es"
    out: list[str] = []
    vol = stats.get("volumes", {})
    corpus = stats.get("corpus", {})
    if vol.get("posts"):
        top = vol["by_platform"][0]
        out.append(
            f"{num(vol['posts'], lang)} publicaciones relevantes de {num(corpus.get('posts', 0), lang)} recopiladas; {platform_name(top['platform'])} concentra {percent(top['posts'] / vol['posts'], lang)} de la conversación."
            if es else
            f"{num(vol['posts'], lang)} relevant posts out of {num(corpus.get('posts', 0), lang)} collected; {platform_name(top['platform'])} carries {percent(top['posts'] / vol['posts'], lang)} of the conversation."
        )
    aw = stats.get("awareness") or {}
    amber = next((p for p in aw.get("programmes", []) if p["programme"] == "amber_alert"), None)
    if aw.get("posts"):
        rate = amber["rate"] if amber else 0.0
        unaware = aw["unaware"]["rate"] or 0.0
        out.append(
            f"Solo {percent(rate, lang)} de las publicaciones relevantes menciona la Alerta Amber y {percent(unaware, lang)} muestra no conocerla."
            if es else
            f"Only {percent(rate, lang)} of relevant posts mention the AMBER alert, and {percent(unaware, lang)} show people do not know it."
        )
    tp = stats.get("topics") or {}
    if tp.get("totals"):
        leaders = tp["totals"][:3]
        names = [f"{topic_name(t['topic'], config, lang)} ({percent(t['share'], lang)})" for t in leaders]
        out.append(("Los temas más frecuentes son " if es else "The most frequent topics are ") + _join(names, lang) + ".")
    for t in stats.get("targets", [])[:4]:
        if t["mentions"] < 5 or t["net"] is None:
            continue
        lo, hi = t["net_ci"]
        neg, pos = percent(t["shares"]["negative"], lang), percent(t["shares"]["positive"], lang)
        tone = _tone(t["net"], lo, hi, lang)
        out.append(
            f"El sentimiento hacia {t['name']} es {tone}: {neg} negativo y {pos} positivo en {num(t['mentions'], lang)} menciones (neto {signed(t['net'], lang)}, IC 95% {signed(lo, lang)} a {signed(hi, lang)})."
            if es else
            f"Sentiment toward {t['name']} is {tone}: {neg} negative and {pos} positive across {num(t['mentions'], lang)} mentions (net {signed(t['net'], lang)}, 95% CI {signed(lo, lang)} to {signed(hi, lang)})."
        )
    tags = (stats.get("hashtags") or {}).get("top", [])
    if tags:
        names = [f"#{t['hashtag']} ({num(t['posts'], lang)})" for t in tags[:3]]
        out.append(("Los hashtags más usados: " if es else "Leading hashtags: ") + _join(names, lang) + ".")
    emotions = (stats.get("sentiment") or {}).get("emotion") or []
    strong = [e for e in emotions if e["emotion"] not in ("other", "uncertain")][:2]
    if strong:
        names = [f"{_emotion(e['emotion'], lang)} ({percent(e['share'], lang)})" for e in strong]
        out.append(("Las emociones dominantes son " if es else "The dominant emotions are ") + _join(names, lang) + ".")
    streams = vol.get("streams") or []
    if streams:
        total = sum(s["comments"] for s in streams)
        out.append(
            f"{len(streams)} transmisiones en vivo reunieron {num(total, lang)} comentarios; la más activa, {num(streams[0]['comments'], lang)}."
            if es else
            f"{len(streams)} live streams drew {num(total, lang)} comments; the busiest drew {num(streams[0]['comments'], lang)}."
        )
    spikes = stats.get("spikes") or []
    if spikes:
        s = spikes[0]
        key = f"#{s['key']}" if s["kind"] == "hashtag" else s["key"]
        out.append(
            f"El mayor pico fue {key} el {s['day']}: {num(s['count'], lang)} publicaciones, {s['ratio']} veces su nivel previo."
            if es else
            f"The largest spike was {key} on {s['day']}: {num(s['count'], lang)} posts, {s['ratio']}× its previous level."
        )
    for campaign in stats.get("campaigns", []):
        for metric in campaign["metrics"]:
            if metric["metric"] in ("awareness_rate",) or metric["metric"].startswith("target_sentiment"):
                its = metric.get("its") or {}
                shift = its.get("during")
                if shift and (shift["ci"][0] > 0 or shift["ci"][1] < 0):
                    out.append(metric["summary"][lang])
    return out


def _tone(net: float, lo: float | None, hi: float | None, lang: str) -> str:
    es = lang == "es"
    if lo is not None and lo > 0:
        return "mayormente positivo" if es else "mostly positive"
    if hi is not None and hi < 0:
        return "mayormente negativo" if es else "mostly negative"
    return "dividido" if es else "mixed"


EMOTIONS = {"es": {"anger": "enojo", "fear": "miedo", "sadness": "tristeza", "joy": "alegría",
                   "surprise": "sorpresa", "disgust": "asco", "other": "otra"}}


def _emotion(name: str, lang: str) -> str:
    return EMOTIONS.get(lang, {}).get(name, name)


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " y " if lang == "es" else " and "
    return ", ".join(items[:-1]) + last + items[-1]
