"""``antena stats``: the analytics behind the report, as tables or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from antena.cli.app import JsonFlag, ProjectDir, app, console, fail, json_text, open_project
from antena.store.version import ResultCache, named


@app.command()
def stats(
    folder: ProjectDir,
    section: Annotated[list[str] | None, typer.Option(help="Only these sections (repeatable): corpus, volumes, hashtags, spikes, topics, sentiment, targets, awareness, quotes, campaigns.")] = None,
    engine: Annotated[str, typer.Option(help="local (DuckDB, default) or spark (Spark SQL over a Parquet lake).")] = "local",
    lake: Annotated[str | None, typer.Option(help="For --engine spark: the Parquet lake (a folder or an s3a:// URL) written by "
                                             "`antena export --format parquet --partition-by day`; default: exported now.")] = None,
    spark_master: Annotated[str, typer.Option(help="Spark master URL for --engine spark.")] = "local[2]",
    json: JsonFlag = False,
) -> None:
    """Counts, trends, spikes, sentiment per target, awareness and campaign impact.

    The JSON is kept per project version (.antena/cache/) and printed again until anything changes."""
    if engine not in ("local", "spark"):
        fail("--engine must be 'local' or 'spark'")
    cache = ResultCache(folder, named("stats", section)) if engine == "local" else None
    if json and cache is not None and (text := cache.get()) is not None:
        sys.stdout.write(text)
        return
    from antena.analytics import compute_stats
    from antena.protect.identity import PublicIds

    with open_project(folder) as project:
        version = cache.stamp() if cache is not None else None
        if engine == "spark":
            result = _spark_stats(project, lake, spark_master, set(section) if section else None)
        else:
            result = compute_stats(project.store, set(section) if section else None)
        result = PublicIds.for_project(project).deep(result)
    text = json_text(result)
    if cache is not None and version is not None:
        cache.put(version, text)  # only when nothing was written while it was computed
    if json:
        sys.stdout.write(text)
        return
    corpus = result.get("corpus", {})
    console.print(f"[bold]{result['project']}[/]: {corpus.get('posts', '?')} posts imported; analysing {result['scope']}")
    if "volumes" in result:
        v = result["volumes"]
        console.print(f"{v['posts']} posts by {v['unique_authors']} authors, {v['period']['start']} to {v['period']['end']}")
        _table("posts by platform", ["platform", "posts"], v["by_platform"])
    if result.get("hashtags"):
        _table("top hashtags", ["hashtag", "posts", "growth"], result["hashtags"]["top"][:10])
        _table("top terms", ["term", "posts", "growth"], result["hashtags"].get("terms", [])[:10])
    if result.get("spikes"):
        _table("spike alerts", ["kind", "key", "day", "count", "baseline_mean", "z"], result["spikes"][:10])
    if result.get("topics"):
        _table("topics", ["topic", "posts", "share"], result["topics"]["totals"])
    if result.get("targets"):
        _table("sentiment toward targets", ["name", "mentions", "net", "share_of_voice"], result["targets"])
    _methods(result)
    if result.get("awareness"):
        _table("awareness", ["programme", "posts", "rate"], result["awareness"]["programmes"])
    for campaign in result.get("campaigns", []):
        console.print(f"[bold]campaign {campaign['name']}[/]")
        for metric in campaign["metrics"]:
            console.print("  " + metric["summary"]["en"], highlight=False)


def _methods(result: dict) -> None:
    """One line per model-made share saying how it was estimated (antena sample corrects them)."""
    found = [("overall sentiment", result.get("sentiment", {}).get("estimates")),
             ("emotion", result.get("sentiment", {}).get("emotion_estimates")),
             *((f"sentiment toward {t['name']}", t.get("estimates")) for t in result.get("targets", [])),
             ("unaware of the programmes", result.get("awareness", {}).get("unaware", {}).get("estimates"))]
    for name, est in found:
        if est:
            console.print(f"  {name}: {est['note']}", highlight=False)


def _spark_stats(project: Any, lake: str | None, master: str, sections: set[str] | None) -> dict[str, Any]:
    """The statistics Spark computes over ``lake`` (default: the project's posts exported now)."""
    import tempfile

    from antena.engine.spark import spark_session
    from antena.engine.spark_stats import lake_stats

    spark = spark_session(master)
    if lake is not None:
        return lake_stats(spark, lake, project.config, sections)
    with tempfile.TemporaryDirectory(prefix="antena-lake-") as tmp:
        path = Path(tmp) / "lake"
        project.export(path, "parquet", partition_by="day")
        return lake_stats(spark, str(path), project.config, sections)


def _table(title: str, columns: list[str], rows: list[dict]) -> None:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)
