"""Render a recommendation as Markdown, HTML (Jinja2, autoescaped) or PDF (WeasyPrint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from antena.errors import AntenaError
from antena.i18n import Messages

HEADINGS = Messages("plan.render")  # wording: keys plan.render.* of the gettext catalogue


def _value(value: Any, h: dict[str, str]) -> str:
    return h["unknown"] if value is None else str(value)


def _md_escape_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: dict[str, Any]) -> str:
    h = HEADINGS[result["lang"]]
    plan = result["plan"]
    out = [f"# {h['title']}" + (f": {plan['name']}" if plan.get("name") else ""), ""]
    out.append(f"- **{h['groups']}:** " + ", ".join(g["name"] for g in result["groups"]))
    out.append(f"- **{h['objectives']}:** " + ", ".join(o["name"] for o in result["objectives"]))
    if plan.get("country"):
        out.append(f"- **{h['country']}:** {plan['country']}")
    out.append(f"- **{h['budget']}:** {plan['budget_name']}")
    out.append(f"- **{h['weeks']}:** {plan['weeks']}")
    if plan.get("window"):
        out.append(f"- **{h['window']}:** {plan['window']['start']} – {plan['window']['end']}")
    if result.get("suggestions"):
        out += ["", f"## {h['suggestions']}", ""]
        for s in result["suggestions"]:
            out.append(f"- **{s['title']}** — {h['evidence']}: {s['evidence']}")
    out += ["", f"## {h['tools']}", ""]
    for i, tool in enumerate(result["tools"], 1):
        out.append(f"{i}. **{tool['name']}** — {tool['why']}")
        for reason in tool["reasons"][:3]:
            out.append(f"   - “{reason['text']}” ({reason['source']})")
    if result.get("more_tools"):
        out += ["", f"*{h['more']}:* " + ", ".join(t["name"] for t in result["more_tools"])]
    out += ["", f"## {h['tips']}", ""]
    for tip in result["tips"]:
        out.append(f"- {tip['text']} *({tip['source']})*")
    out += ["", f"## {h['plan']}", "", f"### {h['phases']}", ""]
    for phase in plan["phases"]:
        dates = f", {phase['start']} – {phase['end']}" if phase.get("start") else ""
        out.append(f"- **{phase['name']}**: {h['week']} {phase['weeks'][0]}–{phase['weeks'][1]}{dates}")
    out += ["", f"### {h['activities']}", "", f"| {h['phase']} | {h['activity']} | {h['owner']} | {h['week']} |",
            "|---|---|---|---|"]
    names = {p["id"]: p["name"] for p in plan["phases"]}
    for act in plan["activities"]:
        out.append(f"| {names[act['phase']]} | {_md_escape_cell(act['activity'])} | {act['owner']} | "
                   f"{act['weeks'][0]}–{act['weeks'][1]} |")
    out += ["", f"### {h['messages']}", ""]
    for msg in plan["messages"]:
        out.append(f"- **{msg['group_name']}:** {msg['message']}")
        for f in msg["framing"]:
            out.append(f"  - *{f['objective_name']}:* {f['text']}")
    out += ["", f"### {h['channels']}", "", ", ".join(c["name"] for c in plan["channels"]), ""]
    out += [f"### {h['partners']}", ""]
    for partner in plan["partners"]:
        extra = f" ({partner['contact']})" if partner.get("contact") else ""
        out.append(f"- {partner['name']}{extra}")
    out += ["", f"### {h['kpis']}", "",
            f"| {h['metric']} | {h['target']} | {h['baseline']} | {h['goal']} | {h['unit']} |", "|---|---|---|---|---|"]
    for kpi in plan["kpis"]:
        out.append(f"| {kpi['name']} (`{kpi['metric']}`) | {_md_escape_cell(kpi.get('target') or '—')} | "
                   f"{_value(kpi['baseline'], h)} | {_value(kpi['goal'], h)} | {kpi['unit']} |")
    return "\n".join(out) + "\n"


def _env() -> Environment:
    return Environment(loader=PackageLoader("antena.plan", "."), autoescape=select_autoescape(["html", "j2"]))


def to_html(result: dict[str, Any]) -> str:
    template = _env().get_template("plan_template.html")
    return template.render(r=result, plan=result["plan"], h=HEADINGS[result["lang"]])


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"external resources are not loaded ({url})")


def write_pdf(result: dict[str, Any], path: Path) -> None:
    from weasyprint import HTML

    HTML(string=to_html(result), url_fetcher=_no_fetch).write_pdf(str(path))


def write(result: dict[str, Any], path: Path) -> str:
    """Write ``result`` to ``path``; the suffix (.md, .html, .pdf) chooses the format."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".md", ".markdown"):
        path.write_text(to_markdown(result), encoding="utf-8")
        return "markdown"
    if suffix in (".html", ".htm"):
        path.write_text(to_html(result), encoding="utf-8")
        return "html"
    if suffix == ".pdf":
        write_pdf(result, path)
        return "pdf"
    raise AntenaError(f"{path}: choose a .md, .html or .pdf file name")
