"""``antena demo``: generate the synthetic scenario, import it and run every later stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import tomlkit
import typer
from rich.panel import Panel

from antena.cli.app import JsonFlag, app, console, emit_json, fail, progress_bar
from antena.config import CONFIG_NAME, update_config
from antena.demo import Scenario, expected_records, generate, run_later_stages
from antena.errors import AntenaError
from antena.project import Project

PROJECT_NAME = "demo-robo-infantil"
NOTICE = (
    "[bold]SYNTHETIC DATA[/]: `antena demo` writes an invented corpus that mirrors the source report "
    "(robo infantil in Mexico, 2017). No real person, post or account; every post is marked synthetic."
)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="An empty or new folder: becomes a project holding the demo.")],
    scale: Annotated[float, typer.Option(help="Size relative to the report (1 = 110,560 tweets, 3,560 Facebook, 760 Instagram posts, 76 live streams).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 2017,
    json: JsonFlag = False,
) -> None:
    """Generate a synthetic demo corpus in the platforms' export formats, import it and analyse it."""
    if not 0 < scale <= 100:
        fail("--scale must be above 0 and at most 100")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        fail(f"{folder} is not empty; choose a new or empty folder for the demo")
    scenario = Scenario(scale=scale, seed=seed)
    console.print(Panel(NOTICE, border_style="yellow"), highlight=False)

    with progress_bar(quiet=json) as bar:
        task = bar.add_task("generating synthetic posts", total=expected_records(scenario))
        corpus = generate(folder, scenario, progress=lambda n: bar.advance(task, n))
    try:
        project = Project.init(folder, name=PROJECT_NAME)
    except AntenaError as exc:
        fail(str(exc))
    try:
        add_campaign(folder, scenario)
        project.reload_config()
        with progress_bar(quiet=json) as bar:
            task = bar.add_task("importing", total=corpus.records)
            total, reports = project.import_files(
                [corpus.exports],
                progress=lambda n: bar.advance(task, n),
                on_file=lambda name: bar.update(task, description=f"importing {Path(name).name}"),
            )
        with console.status("running later stages", spinner="dots") if not json else _nothing():
            stages = run_later_stages(project)
        summary = project.summary()
        synthetic = (summary["synthetic_posts"], summary["live_posts"])  # among live posts
    finally:
        project.close()

    result: dict[str, Any] = {
        "synthetic": True,
        "project": str(folder),
        "database": str(folder / "antena.duckdb"),
        "config": str(folder / CONFIG_NAME),
        "exports": str(corpus.exports),
        "files": len(corpus.files),
        "truth": str(corpus.truth_path),
        "labels": str(corpus.labels_path),
        "scale": scale,
        "seed": seed,
        "generated": corpus.counts,
        "import": {"read": total.read, "stored": total.stored, "updated": total.updated,
                   "duplicates": total.duplicates, "quarantined": total.quarantined,
                   "formats": sorted({r.format for r in reports})},
        "posts": summary["posts"],
        "synthetic_posts": synthetic[0],
        "by_platform": summary["by_platform"],
        "campaign": {"id": scenario.campaign_id, "start": scenario.campaign_start.isoformat(),
                     "end": scenario.campaign_end.isoformat()},
        "stages": stages,
    }
    if json:
        emit_json(result)
    else:
        _print_result(result)


def add_campaign(folder: Path, scenario: Scenario) -> None:
    """Write the planted campaign window as a ``[[campaigns]]`` entry of ``antena.toml``."""

    def updater(doc: Any) -> None:
        entry = tomlkit.table()
        entry.add(tomlkit.comment("planted by `antena demo`: see demo_truth.json for the expected effect"))
        entry["id"] = scenario.campaign_id
        entry["name"] = scenario.campaign_name
        entry["start"] = scenario.campaign_start.isoformat()
        entry["end"] = scenario.campaign_end.isoformat()
        entry["before_days"] = scenario.window_days
        entry["after_days"] = scenario.window_days
        if "campaigns" not in doc:
            doc.add(tomlkit.nl())
            doc.append("campaigns", tomlkit.aot())
        doc["campaigns"].append(entry)

    update_config(folder, updater)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print_result(result: dict[str, Any]) -> None:
    imp = result["import"]
    console.print(f"[bold yellow]SYNTHETIC DATA[/] demo project: [bold]{result['project']}[/]", highlight=False)
    console.print(f"  database  {result['database']}", highlight=False)
    console.print(f"  exports   {result['exports']} ({result['files']} files: {', '.join(imp['formats'])})", highlight=False)
    console.print(f"  truth     {result['truth']} (per-post labels: {result['labels']})", highlight=False)
    console.print(f"  campaign  {result['campaign']['id']}: {result['campaign']['start']} to {result['campaign']['end']}"
                  " (in antena.toml)", highlight=False)
    console.print(f"  imported  read {imp['read']} = stored {imp['stored']} + updated {imp['updated']} + duplicates "
                  f"{imp['duplicates']} + quarantined {imp['quarantined']}", highlight=False)
    platforms = ", ".join(f"{name} {n}" for name, n in result["by_platform"].items())
    console.print(f"  posts     {result['posts']} ({platforms}); {result['synthetic_posts']} marked synthetic",
                  highlight=False)
    for stage in result["stages"]:
        detail = stage.get("error", "") or _stage_detail(stage)
        colour = {"done": "green", "failed": "red"}.get(stage["status"], "dim")
        console.print(f"  stage     {stage['stage']}: [{colour}]{stage['status']}[/] ", end="", highlight=False)
        console.print(detail, highlight=False, markup=False)
    console.print(f"  next      antena serve {result['project']}   (the dashboard; antena stats, antena review list)",
                  highlight=False, markup=False)


def _stage_detail(stage: dict) -> str:
    """One line saying where a stage's results are."""
    outcome = stage.get("result")
    if stage["stage"] == "report" and isinstance(outcome, dict):
        return "; ".join(f"{lang}: {paths['html']}" + (f" + {paths['pdf']}" if paths.get("pdf") else "")
                         for lang, paths in outcome.items())
    if stage["stage"] == "analyze" and isinstance(outcome, dict):
        return f"{outcome.get('analysed')} posts with {', '.join(outcome.get('analysers', []))}"
    if stage["stage"] == "sync_reviews" and isinstance(outcome, dict):
        return "posts queued for human review: " + ", ".join(f"{k} {v}" for k, v in outcome.items()
                                                             if isinstance(v, int | float))
    return ""
