"""The cross choice: target groups x objectives -> ranked tools, tips and a campaign plan.

A tool's score sums the tips that cite it: 3 points when the tip concerns one of the chosen
groups *and* one of the chosen objectives, half a point when it concerns only the group or only the
objective. Organisation tools that declare groups/objectives earn 2 points per declared match.
Tools that cost more than the budget keep half their score and say so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from antena.analytics.kpis import HELP_QUERY
from antena.errors import AntenaError
from antena.i18n import Messages
from antena.plan.knowledge import LEVELS, KnowledgeBase, Tip, Tool, localize

EXACT, PARTIAL, DECLARED = 3.0, 0.5, 2.0
MAX_TOOLS = 8
MIN_TIPS = 4

UI = Messages("plan.ui")  # wording: keys plan.ui.* of the gettext catalogue

LEVEL_NAMES = Messages("plan.level")

CHANNEL_NAMES = Messages("plan.channel")  # channel names: keys plan.channel.* of the gettext catalogue


@dataclass
class PlanRequest:
    groups: list[str]
    objectives: list[str]
    country: str | None = None
    budget: str = "medium"
    weeks: int = 8
    lang: str = "en"
    start: date | None = None
    name: str | None = None
    hashtags: list[str] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)  # metric -> target id (from the project)
    preferred_channels: list[str] = field(default_factory=list)  # platforms the data favours


class PlanError(AntenaError):
    """The planning request cannot be satisfied (unknown group, objective, budget...)."""


def split_ids(values: list[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` without duplicates, order kept."""
    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip().lower()
            if part and part not in out:
                out.append(part)
    return out


def validate_request(kb: KnowledgeBase, req: PlanRequest) -> None:
    for kind, ids, known in (("group", req.groups, kb.groups), ("objective", req.objectives, kb.objectives)):
        if not ids:
            raise PlanError(f"choose at least one {kind}: {', '.join(known)}")
        if bad := [i for i in ids if i not in known]:
            raise PlanError(f"unknown {kind} {', '.join(bad)}; choose from {', '.join(known)}")
    if req.budget not in LEVELS:
        raise PlanError(f"budget must be one of {', '.join(LEVELS)}")
    if req.lang not in UI:
        raise PlanError(f"language must be one of {', '.join(UI)}")
    if not 1 <= req.weeks <= 104:
        raise PlanError("weeks must be between 1 and 104")


def tip_source(kb: KnowledgeBase, tip: Tip, lang: str) -> str:
    """Where a tip comes from, e.g. 'MARRI toolbox, Tips, item 17 (Parents and guardians x Educate...)'."""
    ui = UI[lang]
    src = tip.source
    doc = src.get("doc", tip.origin)
    parts = [ui.get(doc, doc)]
    if src.get("section"):
        parts.append(str(src["section"]))
    if src.get("item"):
        parts.append(f"{ui['item']} {src['item']}")
    label = ", ".join(parts)
    cell = src.get("cell") or []
    if len(cell) == 2 and cell[0] in kb.groups and cell[1] in kb.objectives:
        names = f"{localize(kb.groups[cell[0]]['name'], lang)} × {localize(kb.objectives[cell[1]]['name'], lang)}"
        label += f" ({names}" + (f"; {ui['inferred']})" if src.get("placement") == "inferred" else ")")
    return label


def _match(tip: Tip, req: PlanRequest) -> tuple[str | None, list[str], list[str]]:
    groups = [g for g in tip.groups if g in req.groups]
    objectives = [o for o in tip.objectives if o in req.objectives]
    if groups and objectives:
        return "exact", groups, objectives
    if groups:
        return "group", groups, objectives
    if objectives:
        return "objective", groups, objectives
    return None, groups, objectives


def _cells(kb: KnowledgeBase, groups: list[str], objectives: list[str], lang: str) -> str:
    g = ", ".join(localize(kb.groups[i]["name"], lang) for i in groups)
    o = ", ".join(localize(kb.objectives[i]["name"], lang) for i in objectives)
    return f"{g} × {o}"


def _tip_json(kb: KnowledgeBase, tip: Tip, match: str, groups: list[str], objectives: list[str],
              lang: str) -> dict[str, Any]:
    return {"id": tip.id, "text": localize(tip.text, lang), "source": tip_source(kb, tip, lang),
            "ref": tip.source, "match": match, "groups": groups, "objectives": objectives,
            "tools": tip.tools, "origin": tip.origin}


def rank_tools(kb: KnowledgeBase, req: PlanRequest) -> list[dict[str, Any]]:
    """Tools ranked for the request, each with its score and the reasons behind it."""
    ui = UI[req.lang]
    budget_rank = LEVELS.index(req.budget)
    found: dict[str, dict[str, Any]] = {}
    for tip in kb.tips:
        match, groups, objectives = _match(tip, req)
        if match is None:
            continue
        for tool_id in tip.tools:
            entry = found.setdefault(tool_id, {"score": 0.0, "tips": []})
            entry["score"] += EXACT if match == "exact" else PARTIAL
            entry["tips"].append((tip, match, groups, objectives))
    for tool in kb.tools.values():
        groups = [g for g in tool.groups if g in req.groups]
        objectives = [o for o in tool.objectives if o in req.objectives]
        if groups and objectives:
            entry = found.setdefault(tool.id, {"score": 0.0, "tips": []})
            entry["score"] += DECLARED
            entry["declared"] = (groups, objectives)
    ranked = []
    for tool_id, entry in found.items():
        tool = kb.tools[tool_id]
        exact = [t for t in entry["tips"] if t[1] == "exact"]
        reasons = []
        if exact:
            cells = sorted({(g, o) for _, _, gs, os_ in exact for g in gs for o in os_})
            reasons.append(ui["exact"].format(n=len(exact), tips=ui["tip1" if len(exact) == 1 else "tipn"], cells="; ".join(
                _cells(kb, [g], [o], req.lang) for g, o in cells)))
        for kind in ("group", "objective"):
            n = sum(1 for t in entry["tips"] if t[1] == kind)
            if n:
                reasons.append(ui[kind].format(n=n, tips=ui["tip1" if n == 1 else "tipn"]))
        if "declared" in entry:
            reasons.append(ui["declared"].format(origin=tool.origin, cells=_cells(kb, *entry["declared"], req.lang)))
        score = entry["score"]
        over = LEVELS.index(tool.cost) > budget_rank
        if over:
            score /= 2
            names = LEVEL_NAMES[req.lang]
            reasons.append(ui["over_budget"].format(cost=names[tool.cost], budget=names[req.budget]))
        if req.preferred_channels and set(tool.channels) & set(req.preferred_channels):
            score += 1.0
        order = {"exact": 0, "group": 1, "objective": 2}
        tips = sorted(entry["tips"], key=lambda t: (order[t[1]], _tip_order(t[0])))
        ranked.append({
            "id": tool.id, "name": localize(tool.name, req.lang), "score": round(score, 2), "cost": tool.cost,
            "amount": tool.amount, "currency": tool.currency, "over_budget": over, "origin": tool.origin,
            "channels": tool.channels, "why": "; ".join(reasons),
            "reasons": [_tip_json(kb, tip, m, g, o, req.lang) for tip, m, g, o in tips],
            "exact_tips": len(exact),
        })
    ranked.sort(key=lambda t: (-t["score"], -t["exact_tips"], t["id"]))
    return ranked


def _tip_order(tip: Tip) -> tuple[int, str, int, str]:
    doc_order = {"marri": 0, "article": 1, "report": 2}
    doc = tip.source.get("doc", "")
    return doc_order.get(doc, 3), doc, int(tip.source.get("item", 0)), tip.id


def applicable_tips(kb: KnowledgeBase, req: PlanRequest) -> list[dict[str, Any]]:
    """Tips for the chosen groups and objectives; completed with same-group tips when few."""
    exact, near = [], []
    for tip in sorted(kb.tips, key=_tip_order):
        match, groups, objectives = _match(tip, req)
        if match == "exact":
            exact.append(_tip_json(kb, tip, match, groups, objectives, req.lang))
        elif match == "group":
            near.append(_tip_json(kb, tip, match, groups, objectives, req.lang))
    substantive = [t for t in exact if t["tools"]]
    if len(substantive) < MIN_TIPS:
        exact += near[: MIN_TIPS - len(substantive)]
    return exact


# ---------------------------------------------------------------------------------------- plan


def phase_weeks(weeks: int) -> dict[str, tuple[int, int]]:
    """Week ranges (1-based, inclusive) of the four phases for a campaign of ``weeks`` weeks."""
    prep = min(6, max(2, math.ceil(weeks / 2)))
    before = 2
    after = min(6, max(2, math.ceil(weeks / 2)))
    ranges = {}
    first = 1
    for phase, length in (("preparation", prep), ("before", before), ("during", weeks), ("after", after)):
        ranges[phase] = (first, first + length - 1)
        first += length
    return ranges


def campaign_dates(start: date, weeks: int) -> tuple[date, date]:
    """The public campaign window: ``start`` to the last day of week ``weeks``."""
    return start, start + timedelta(days=7 * weeks - 1)


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:60] or "campaign"


def build_plan(kb: KnowledgeBase, req: PlanRequest, tools: list[dict[str, Any]],
               baselines: dict[str, Any] | None = None) -> dict[str, Any]:
    """Phases, activities, messages, channels, partners and KPIs for the chosen tools."""
    ui = UI[req.lang]
    ranges = phase_weeks(req.weeks)
    launch_week = ranges["during"][0]
    phases = []
    for phase, (lo, hi) in ranges.items():
        item: dict[str, Any] = {"id": phase, "name": ui[f"phase.{phase}"], "weeks": [lo, hi]}
        if req.start:
            item["start"] = (req.start + timedelta(weeks=lo - launch_week)).isoformat()
            item["end"] = (req.start + timedelta(weeks=hi - launch_week + 1) - timedelta(days=1)).isoformat()
        phases.append(item)

    def role(owner: str) -> str:
        return localize(kb.roles.get(owner, owner), req.lang)

    def activity(phase: str, text: str, owner: str, tool: str | None = None, weeks: tuple[int, int] | None = None):
        lo, hi = weeks or ranges[phase]
        return {"phase": phase, "activity": text, "owner": role(owner), "owner_id": owner,
                "weeks": [lo, hi], "tool": tool}

    activities = [
        activity("preparation", ui["act.define"], "lead", weeks=(1, 1)),
        activity("preparation", ui["act.partners"], "partnerships"),
        activity("before", ui["act.baseline"], "analyst", weeks=(ranges["before"][0], ranges["before"][0])),
    ]
    for tool in tools:
        t: Tool = kb.tools[tool["id"]]
        text = localize(t.activity, req.lang) or localize(t.name, req.lang)
        activities.append(activity(t.phase, text, t.owner, tool=t.id))
    activities += [
        activity("during", ui["act.log"], "digital"),
        activity("during", ui["act.monitor"], "analyst"),
        activity("after", ui["act.impact"], "analyst"),
        activity("after", ui["act.report"], "lead", weeks=(ranges["after"][1], ranges["after"][1])),
    ]
    order = {p: i for i, p in enumerate(ranges)}
    activities.sort(key=lambda a: (order[a["phase"]], a["weeks"][0]))

    messages = []
    for gid in req.groups:
        group = kb.groups[gid]
        messages.append({
            "group": gid, "group_name": localize(group["name"], req.lang),
            "message": localize(group.get("message"), req.lang),
            "framing": [{"objective": oid, "objective_name": localize(kb.objectives[oid]["name"], req.lang),
                         "text": localize(kb.objectives[oid].get("framing"), req.lang)} for oid in req.objectives],
        })

    channels: list[str] = []
    for channel in list(req.preferred_channels) + [c for tool in tools for c in tool["channels"]]:
        if channel not in channels and any(channel in tool["channels"] for tool in tools):
            channels.append(channel)

    partners: list[dict[str, Any]] = []
    seen: set[str] = set()
    for gid in req.groups:
        for name in kb.groups[gid].get("partners", []):
            label = localize(name, req.lang)
            if label not in seen:
                seen.add(label)
                partners.append({"name": label, "groups": [gid], "origin": "toolbox"})
    for partner in kb.partners:
        fits_group = not partner.groups or set(partner.groups) & set(req.groups)
        fits_obj = not partner.objectives or set(partner.objectives) & set(req.objectives)
        fits_country = not partner.country or not req.country or partner.country.lower() == req.country.lower()
        label = localize(partner.name, req.lang)
        if fits_group and fits_obj and fits_country and label not in seen:
            seen.add(label)
            partners.append({"name": label, "groups": partner.groups, "country": partner.country,
                             "contact": partner.contact, "origin": partner.origin})

    plan: dict[str, Any] = {
        "name": req.name, "country": req.country, "budget": req.budget,
        "budget_name": LEVEL_NAMES[req.lang][req.budget], "weeks": req.weeks,
        "phases": phases, "activities": activities, "messages": messages,
        "channels": [{"id": c, "name": CHANNEL_NAMES[req.lang].get(c, c)} for c in channels],
        "partners": partners, "kpis": plan_kpis(kb, req, baselines or {}),
    }
    if req.start:
        start, end = campaign_dates(req.start, req.weeks)
        plan["window"] = {"start": start.isoformat(), "end": end.isoformat()}
    return plan


def plan_kpis(kb: KnowledgeBase, req: PlanRequest, baselines: dict[str, Any]) -> list[dict[str, Any]]:
    """KPIs of the chosen objectives as Antena metrics, with baseline (from data) and goal."""
    kpis: list[dict[str, Any]] = []
    for oid in req.objectives:
        for metric_id in kb.objectives[oid].get("kpis", []):
            if any(k["metric"] == metric_id for k in kpis):
                continue
            metric = kb.metrics[metric_id]
            kpi: dict[str, Any] = {"metric": metric_id, "name": localize(metric["name"], req.lang),
                                   "unit": metric["unit"], "objective": oid}
            if metric_id == "hashtag_reach" and req.hashtags:
                kpi["target"] = ",".join(h.lstrip("#").lower() for h in req.hashtags)
            elif metric_id in req.targets:
                kpi["target"] = req.targets[metric_id]
            if metric_id == "help_seeking_volume":
                kpi["query"] = HELP_QUERY
            baseline = baselines.get(metric_id)
            kpi["baseline"] = baseline
            kpi["goal"] = goal_for(metric, req.budget, baseline)
            kpi["description"] = localize(metric.get("description"), req.lang)
            kpis.append(kpi)
    return kpis


def goal_for(metric: dict[str, Any], budget: str, baseline: float | None) -> float | None:
    """A starting goal: baseline plus the metric's uplift for the budget (edit it to taste)."""
    if baseline is None:
        return None
    uplift = float(metric.get("uplift", {}).get(budget, 0.1))
    if metric.get("uplift_kind") == "relative":
        return round(max(baseline, 1) * (1 + uplift), 2)
    cap = 1.0
    return round(min(cap, baseline + uplift), 4)


def recommend(kb: KnowledgeBase, req: PlanRequest, baselines: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full answer for a cross choice: ranked tools with reasons, tips and the plan."""
    validate_request(kb, req)
    ranked = rank_tools(kb, req)
    tools = ranked[:MAX_TOOLS]
    return {
        "lang": req.lang,
        "groups": [{"id": g, "name": localize(kb.groups[g]["name"], req.lang)} for g in req.groups],
        "objectives": [{"id": o, "name": localize(kb.objectives[o]["name"], req.lang)} for o in req.objectives],
        "tools": tools,
        "more_tools": [{"id": t["id"], "name": t["name"], "score": t["score"]} for t in ranked[MAX_TOOLS:]],
        "tips": applicable_tips(kb, req),
        "plan": build_plan(kb, req, tools, baselines),
        "knowledge": kb.origins,
    }
