"""Which alerts the data raises now: recent volume/hashtag/topic spikes and reached campaign KPIs.

Spikes come from ``analytics.hashtags.spikes`` (z-score against the previous weeks, settings in
``[analytics.spikes]``); only days within ``[alerts] lookback_days`` (default 2) of today raise
alerts, so starting to watch an old project does not flood anyone with history. KPIs come from the
running campaigns' ``kpis`` (``antena plan``), measured with ``analytics.kpis``; a KPI whose goal is
reached raises one alert. Example posts are redacted (``protect.redact``) and carry no author or
address: the link leads to the dashboard, behind its login, for the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from antena.analytics.evidence import recent_spikes
from antena.analytics.kpis import measure
from antena.protect.redact import public_handles, redact
from antena.store import alerts as store

TEXTS = {
    "en": {"volume": "Spike in relevant posts", "hashtag": "Spike in #{key}", "topic": "Spike in topic {key}",
           "spike": "{count} posts on {day}, {ratio}× the previous two weeks (z = {z}).",
           "kpi": "Campaign {campaign}: KPI {metric} reached its goal",
           "kpi_summary": "{metric} = {value} since {start} (goal {goal})."},
    "es": {"volume": "Pico de publicaciones relevantes", "hashtag": "Pico de #{key}", "topic": "Pico del tema {key}",
           "spike": "{count} publicaciones el {day}, {ratio} veces lo de las dos semanas previas (z = {z}).",
           "kpi": "Campaña {campaign}: el KPI {metric} alcanzó su meta",
           "kpi_summary": "{metric} = {value} desde el {start} (meta {goal})."},
}


def alert_settings(config: dict[str, Any]) -> dict[str, Any]:
    settings = dict(config.get("alerts", {}) or {})
    languages = config.get("project", {}).get("languages") or ["es"]
    settings.setdefault("lang", languages[0] if languages[0] in TEXTS else "en")
    settings.setdefault("lookback_days", 2)
    settings.setdefault("dashboard_url", "http://127.0.0.1:8765")
    return settings


def evaluate(project: Any, now: datetime | None = None) -> list[int]:
    """Store the alerts the data raises now; returns the ids of the new ones."""
    con = project.con
    store.ensure_tables(con)
    settings = alert_settings(project.config)
    lang = settings["lang"] if settings["lang"] in TEXTS else "en"
    tz = str(project.config.get("project", {}).get("timezone") or "UTC")
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()
    new = [*_spike_alerts(project, tz, today, settings, lang), *_kpi_alerts(project, tz, today, lang, now)]
    base = str(settings["dashboard_url"]).rstrip("/")
    for alert_id in new:
        store.set_link(con, alert_id, f"{base}/listening#alert-{alert_id}")
    return new


def _spike_alerts(project: Any, tz: str, today: date, settings: dict[str, Any], lang: str) -> list[int]:
    con = project.con
    oldest = today - timedelta(days=int(settings["lookback_days"]))
    found = recent_spikes(project.store, tz, oldest, project.config.get("analytics", {}).get("spikes", {}))
    keep = public_handles(project.config)
    text = TEXTS[lang]
    new = []
    for spike in found:
        evidence = spike.pop("evidence")
        for example in evidence["examples"]:
            example["text"] = redact(example["text"], keep)[:500]
        evidence.update({k: spike[k] for k in ("count", "baseline_mean", "baseline_sd", "z", "ratio")})
        evidence["day"] = str(spike["day"])
        title = text[spike["kind"]].format(key=spike["key"])
        summary = text["spike"].format(count=spike["count"], day=spike["day"], ratio=spike["ratio"], z=spike["z"])
        alert_id = store.add_alert(con, f"spike:{spike['kind']}:{spike['key']}:{spike['day']}", "spike",
                                   title, summary, evidence, "")
        if alert_id is not None:
            new.append(alert_id)
    return new


def _kpi_alerts(project: Any, tz: str, today: date, lang: str, now: datetime | None) -> list[int]:
    text = TEXTS[lang]
    new = []
    for campaign in project.config.get("campaigns", []):
        start, end = date.fromisoformat(str(campaign["start"])), date.fromisoformat(str(campaign["end"]))
        if not start <= today <= end:
            continue
        lo = datetime.combine(start, time(), tzinfo=ZoneInfo(tz))
        hi = now or datetime.now(UTC)
        for index, kpi in enumerate(campaign.get("kpis", [])):
            goal = kpi.get("goal")
            if not isinstance(goal, int | float):
                continue
            hashtags = kpi.get("hashtags") or [h.strip().lstrip("#").lower() for h in str(kpi.get("target") or "").split(",")
                                               if kpi.get("metric") == "hashtag_reach" and h.strip()]
            try:
                value = measure(project.store, kpi.get("metric", ""), lo, hi, target=kpi.get("target"),
                                hashtags=hashtags, query=kpi.get("query"))
            except Exception:  # noqa: S112 - a KPI the data cannot answer raises no alert
                continue
            if not isinstance(value, int | float):
                continue
            reached = value <= goal if kpi.get("direction", "up") == "down" else value >= goal
            if not reached:
                continue
            metric = kpi.get("metric", "")
            evidence = {"campaign": campaign["id"], "metric": metric, "target": kpi.get("target"), "value": value,
                        "goal": goal, "since": str(start), "direction": kpi.get("direction", "up")}
            alert_id = store.add_alert(
                project.con, f"kpi:{campaign['id']}:{index}:{metric}:reached", "kpi",
                text["kpi"].format(campaign=campaign.get("name", campaign["id"]), metric=metric),
                text["kpi_summary"].format(metric=metric, value=value, start=start, goal=goal), evidence, "")
            if alert_id is not None:
                new.append(alert_id)
    return new
