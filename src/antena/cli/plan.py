"""Campaign planning commands: `antena plan` and `antena outreach add|import|list`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project
from antena.errors import AntenaError
from antena.project import Project

PROJECT_KB = "toolbox.yaml"  # an organisation file a project may hold next to antena.toml


def _parse_day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2017-04-01, not {value!r}")
    return None


def _choose(kind: str, options: dict[str, Any], lang: str) -> list[str]:
    """Ask for one or more ids (or their numbers) until the answer is valid."""
    from antena.plan.knowledge import localize

    ids = list(options)
    for i, key in enumerate(ids, 1):
        console.print(f"  {i}. {key}: {localize(options[key]['name'], lang)}", highlight=False, markup=False)
    while True:
        answer = typer.prompt(f"{kind} (numbers or ids, comma-separated)", err=True)
        chosen, bad = [], []
        for part in answer.replace(" ", ",").split(","):
            part = part.strip().lower()
            if not part:
                continue
            key = ids[int(part) - 1] if part.isdigit() and 1 <= int(part) <= len(ids) else part
            (chosen if key in options else bad).append(key)
        if chosen and not bad:
            return list(dict.fromkeys(chosen))
        console.print(f"[yellow]please choose from 1-{len(ids)} or {', '.join(ids)}[/]")


def _interactive(kb: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    lang = typer.prompt("Language / idioma (es, en)", default=defaults["lang"], err=True).strip().lower()
    if lang not in ("es", "en"):
        lang = "en"
    console.print("Target groups / grupos destinatarios:")
    groups = _choose("Groups / grupos", kb.groups, lang)
    console.print("Objectives / objetivos:")
    objectives = _choose("Objectives / objetivos", kb.objectives, lang)
    country = typer.prompt("Country / país (optional)", default="", show_default=False, err=True).strip() or None
    budget = ""
    while budget not in ("low", "medium", "high"):
        budget = typer.prompt("Budget / presupuesto (low, medium, high)", default=defaults["budget"], err=True)
        budget = budget.strip().lower()
    weeks = typer.prompt("Campaign weeks / semanas de campaña", default=defaults["weeks"], type=int, err=True)
    return {"lang": lang, "groups": groups, "objectives": objectives, "country": country,
            "budget": budget, "weeks": weeks}


def _project_targets(project: Project | None, suggestions: list[dict[str, Any]]) -> dict[str, str]:
    """KPI targets: the awareness programme, the authority and the NGO the KPIs refer to."""
    targets = {"awareness_rate": "amber"}
    if project is None:
        return targets
    negative = [s["kpi"]["target"] for s in suggestions if s.get("kpi", {}).get("metric") == "target_sentiment"]
    authorities = [t["id"] for t in project.config.get("targets", []) if t.get("kind") == "authority"]
    ngos = [t["id"] for t in project.config.get("targets", []) if t.get("kind") == "ngo"]
    if negative or authorities:
        targets["target_sentiment"] = (negative or authorities)[0]
    if ngos:
        targets["share_of_voice"] = ngos[0]
    return targets


def _baselines(project: Project, req: Any, kb: Any) -> dict[str, Any]:
    from antena.analytics.kpis import baseline_window, measure

    start = datetime.combine(req.start, datetime.min.time(), tzinfo=UTC) if req.start else None
    window = baseline_window(project.store, req.weeks * 7, start)
    if window is None:
        return {}
    values: dict[str, Any] = {}
    metric_ids = {m for o in req.objectives for m in kb.objectives[o].get("kpis", [])}
    for metric in metric_ids:
        target = req.targets.get(metric)
        try:
            values[metric] = measure(project.store, metric, *window, target=target, hashtags=req.hashtags)
        except AntenaError:
            values[metric] = None
    values["_window"] = [window[0].isoformat(), window[1].isoformat()]
    return values


def save_campaign(folder: Path, result: dict[str, Any], campaign_id: str, name: str) -> dict[str, Any]:
    """Write (or replace) the plan's campaign window and KPIs as ``[[campaigns]]`` in antena.toml."""
    import tomlkit

    from antena.config import update_config

    plan = result["plan"]
    entry: dict[str, Any] = {
        "id": campaign_id, "name": name, "start": plan["window"]["start"], "end": plan["window"]["end"],
        "groups": [g["id"] for g in result["groups"]], "objectives": [o["id"] for o in result["objectives"]],
    }
    kpis = []
    for kpi in plan["kpis"]:
        row = {k: kpi[k] for k in ("metric", "target", "baseline", "goal", "unit", "query") if kpi.get(k) is not None}
        kpis.append(row)

    def updater(doc: Any) -> None:
        campaigns = doc.get("campaigns")
        if campaigns is None:
            campaigns = tomlkit.aot()
            doc.append("campaigns", campaigns)
        for i, existing in enumerate(list(campaigns)):
            if existing.get("id") == campaign_id:
                del campaigns[i]
                break
        table = tomlkit.table()
        for key, value in entry.items():
            table.add(key, value)
        kpi_tables = tomlkit.aot()
        for row in kpis:
            kpi_table = tomlkit.table()
            for key, value in row.items():
                kpi_table.add(key, value)
            kpi_tables.append(kpi_table)
        table.add("kpis", kpi_tables)
        campaigns.append(table)

    update_config(folder, updater)
    return {**entry, "kpis": kpis}


@app.command("plan")
def plan_command(
    group: Annotated[list[str] | None, typer.Option("--group", "-g", help="Target group id(s): children, parents, educators, ngos, public, media, decision-makers.")] = None,
    objective: Annotated[list[str] | None, typer.Option("--objective", "-o", help="Objective id(s): inform, educate, change-behaviour, discussion, policy.")] = None,
    country: Annotated[str | None, typer.Option(help="Country the campaign runs in (filters organisation partners).")] = None,
    budget: Annotated[str, typer.Option(help="low, medium or high.")] = "medium",
    weeks: Annotated[int, typer.Option(help="Length of the public campaign in weeks.")] = 8,
    lang: Annotated[str, typer.Option(help="es or en.")] = "en",
    out: Annotated[Path | None, typer.Option(help="Write the plan to a .md, .html or .pdf file.")] = None,
    org: Annotated[list[Path] | None, typer.Option(help="Organisation knowledge file(s) extending the toolbox.")] = None,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Ask the questions in the terminal.")] = False,
    from_project: Annotated[Path | None, typer.Option("--from-project", help="Suggest groups, objectives and tools from a project's data.")] = None,
    save: Annotated[Path | None, typer.Option(help="Project folder whose antena.toml receives the campaign window and KPIs.")] = None,
    start: Annotated[str | None, typer.Option(help="Launch date of the public campaign (YYYY-MM-DD); needed with --save.")] = None,
    name: Annotated[str | None, typer.Option(help="Campaign name (its id is derived from it).")] = None,
    hashtag: Annotated[list[str] | None, typer.Option(help="Campaign hashtag(s) for the hashtag-reach and share-of-voice KPIs.")] = None,
    json: JsonFlag = False,
) -> None:
    """Plan an awareness campaign: groups x objectives -> tools, tips, phases, messages and KPIs."""
    from antena.plan import render
    from antena.plan.knowledge import load_knowledge
    from antena.plan.planner import PlanRequest, recommend, slug, split_ids
    from antena.plan.suggest import suggest

    start_day = _parse_day(start, "--start")
    if save and not start_day:
        fail("--save needs --start (the launch date of the campaign)")
    data_folder = from_project or save
    extra = list(org or [])
    if data_folder and (data_folder / PROJECT_KB).exists():
        extra.insert(0, data_folder / PROJECT_KB)
    try:
        kb = load_knowledge(extra)
    except AntenaError as exc:
        fail(str(exc))
    groups, objectives = split_ids(group), split_ids(objective)
    if interactive:
        answers = _interactive(kb, {"lang": lang, "budget": budget, "weeks": weeks})
        lang, groups, objectives = answers["lang"], answers["groups"], answers["objectives"]
        country, budget, weeks = answers["country"] or country, answers["budget"], answers["weeks"]
    elif not from_project and not (groups and objectives):
        fail("choose --group and --objective, or use --interactive or --from-project DIR")

    project = None
    found: dict[str, Any] = {"suggestions": [], "notes": [], "groups": [], "objectives": [], "channels": []}
    if data_folder:
        try:
            project = Project(data_folder)
        except AntenaError as exc:
            fail(str(exc))
    try:
        if from_project and project is not None:
            found = suggest(project.store, kb, lang if lang in ("es", "en") else "en")
            groups = groups or found["groups"] or ["public"]
            objectives = objectives or found["objectives"] or ["inform"]
        req = PlanRequest(groups=groups, objectives=objectives, country=country, budget=budget.lower(),
                          weeks=weeks, lang=lang.lower(), start=start_day, name=name, hashtags=list(hashtag or []),
                          targets=_project_targets(project, found["suggestions"]),
                          preferred_channels=found.get("channels", []))
        baselines = _baselines(project, req, kb) if project is not None else {}
        result = recommend(kb, req, baselines)
    except AntenaError as exc:
        if project is not None:
            project.close()
        fail(str(exc))
    result["suggestions"] = found["suggestions"]
    result["notes"] = found["notes"]
    if baselines.get("_window"):
        result["baseline_window"] = baselines["_window"]
    if save:
        campaign_name = name or f"campaign {start_day.isoformat()}"
        campaign_id = slug(name) if name else f"campaign-{start_day.isoformat()}"
        project.close()
        result["saved"] = save_campaign(save, result, campaign_id, campaign_name)
        result["saved"]["config"] = str(save / "antena.toml")
    if project is not None:
        project.close()
    if out:
        try:
            kind = render.write(result, out)
        except AntenaError as exc:
            fail(str(exc))
        console.print(f"wrote the {kind} plan to {out}", highlight=False)
    for note in result["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if result.get("saved"):
        console.print(f"saved campaign `{result['saved']['id']}` and {len(result['saved']['kpis'])} KPIs to "
                      f"{result['saved']['config']}", highlight=False)
    if json:
        emit_json(result)
    elif not out:
        typer.echo(render.to_markdown(result))


# ------------------------------------------------------------------------------------- outreach

outreach_app = typer.Typer(help="Log awareness actions and see what the conversation did afterwards.",
                           no_args_is_help=True)
app.add_typer(outreach_app, name="outreach")


@outreach_app.command("add")
def outreach_add(
    folder: ProjectDir,
    action: Annotated[str, typer.Option("--action", "-a", help="The message or action, e.g. 'AMBER alert post in parents' groups'.")],
    day: Annotated[str, typer.Option("--date", help="Date of the action (YYYY-MM-DD).")],
    channel: Annotated[str | None, typer.Option(help="Channel or platform, e.g. facebook-groups.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Group or audience reached, e.g. '250 Facebook groups'.")] = None,
    reach: Annotated[int | None, typer.Option(help="How many people, groups or posts it reached.")] = None,
    notes: Annotated[str | None, typer.Option(help="Free notes.")] = None,
    json: JsonFlag = False,
) -> None:
    """Record one awareness action in the project's outreach log."""
    from antena.plan import outreach

    with open_project(folder) as project:
        try:
            action_id = outreach.add(project.store, action, day, channel, group, reach, notes)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json({"id": action_id})
    else:
        console.print(f"logged outreach action {action_id}")


@outreach_app.command("import")
def outreach_import(
    folder: ProjectDir,
    file: Annotated[Path, typer.Argument(help="CSV with columns action (or message), channel, group, date, reach, notes.")],
    json: JsonFlag = False,
) -> None:
    """Import an outreach log from CSV; bad rows are reported by line and skipped."""
    from antena.plan import outreach

    with open_project(folder) as project:
        try:
            result = outreach.import_csv(project.store, file)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json({"imported": result.imported, "errors": result.errors})
    else:
        console.print(f"imported {result.imported} actions, {len(result.errors)} rows rejected")
        for err in result.errors:
            console.print(f"{file}:{err['line']}: {err['error']}", highlight=False, markup=False)
    if result.errors and not result.imported:
        raise typer.Exit(1)


@outreach_app.command("list")
def outreach_list(
    folder: ProjectDir,
    days: Annotated[int, typer.Option(help="Compare this many days before and after each action.")] = 7,
    query: Annotated[str | None, typer.Option(help="Only count posts matching this query.")] = None,
    json: JsonFlag = False,
) -> None:
    """Each action with the conversation's volume (and relevance, sentiment when analysed) before and after."""
    from antena.plan import outreach

    with open_project(folder) as project:
        try:
            rows = outreach.effects(project.store, days, query)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(rows)
        return
    if not rows:
        console.print("no outreach actions logged yet (antena outreach add / import)")
        return
    table = Table("id", "date", "action", "channel", "reach", f"posts {days}d before", "after", "change")
    for r in rows:
        change = r["change"].get("posts")
        table.add_row(str(r["id"]), r["date"], r["action"], r["channel"] or "", str(r["reach"] or ""),
                      str(r["before"]["posts"]), str(r["after"]["posts"]),
                      "n/a" if change is None else f"{change:+.0%}")
    console.print(table)
