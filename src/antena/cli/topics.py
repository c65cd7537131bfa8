"""``antena topics``: train the topic tagger from labelled examples, discover new themes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project
from antena.errors import AntenaError

topics_app = typer.Typer(
    help="The topic taxonomy: train the tagger on labelled examples, discover themes it misses.",
    no_args_is_help=True,
)
app.add_typer(topics_app, name="topics")


@topics_app.command()
def train(
    folder: ProjectDir,
    labels: Annotated[Path, typer.Option("--from", help="CSV with columns text,topic (a post on several rows for several topics; topic `none` for a post about none).")],
    json: JsonFlag = False,
) -> None:
    """Train the topic tagger on labelled examples; `antena analyze` then re-tags every post."""
    from antena.nlp.topic_tagger import load_meta, read_labels, save
    from antena.nlp.topic_tagger import train as train_tagger

    with open_project(folder) as project:
        topic_ids = [t["id"] for t in project.config.get("topics", [])]
        if not topic_ids:
            fail(f"{folder}/antena.toml defines no [[topics]] to train")
        threshold = float(project.config.get("analysers", {}).get("topics", {}).get("min_confidence", 0.5))
        started = time.perf_counter()
        try:
            examples = read_labels(labels, topic_ids)
            arrays, meta = train_tagger(examples, topic_ids, threshold)
        except AntenaError as exc:
            fail(str(exc))
        meta["source"] = str(labels)
        meta["seconds"] = round(time.perf_counter() - started, 2)
        path = save(project.folder, arrays, meta)
        project.audit("topics-train", f"{meta['examples']} examples from {labels.name}, model {load_meta(project.folder)['hash']}")
    result = {**load_meta(folder), "path": str(path)}
    if json:
        emit_json(result)
        return
    table = Table("topic", "examples", "cross-validated F1")
    for topic, info in result["topics"].items():
        table.add_row(topic, str(info["examples"]), "-" if info["cv_f1"] is None else f"{info['cv_f1']:.2f}")
    console.print(table)
    for topic, why in result["skipped"].items():
        console.print(f"[yellow]not trained[/] {topic}: {why}", highlight=False)
    console.print(f"trained on {result['examples']} texts in {result['seconds']} s; saved {path} "
                  f"(model {result['hash']}). Run `antena analyze {folder}` to re-tag the posts.", highlight=False)


@topics_app.command()
def discover(
    folder: ProjectDir,
    k: Annotated[int | None, typer.Option("--k", help="Number of clusters (default: grows with the number of posts, at most 12).")] = None,
    min_size: Annotated[int, typer.Option(help="Hide themes with fewer posts than this.")] = 5,
    max_posts: Annotated[int, typer.Option(help="Cluster a fixed-seed sample when there are more candidate posts than this.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed for sampling and clustering.")] = 0,
    json: JsonFlag = False,
) -> None:
    """Themes among relevant posts that no topic explains: size, keywords, example posts."""
    from antena.analytics.discovery import discover as discover_themes

    with open_project(folder, read_only=True) as project:
        try:
            result = discover_themes(project.store, k=k, min_size=min_size, max_posts=max_posts, seed=seed)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(result.as_dict())
        return
    console.print(f"{result.candidates} of {result.relevant} relevant posts have no topic.", highlight=False)
    if result.sampled:
        console.print(f"[yellow]sampled[/]: clustered a random sample of {result.clustered} of them (seed {result.seed}).")
    if result.note:
        console.print(result.note)
    for theme in result.themes:
        console.print(f"\n[bold]theme {theme.id}[/]: {theme.size} posts ({theme.share:.0%}), "
                      f"{theme.distinct_texts} distinct texts, cohesion {theme.cohesion:.2f}", highlight=False)
        console.print("  keywords: " + ", ".join(theme.keywords), highlight=False, markup=False)
        if theme.phrases:
            console.print("  phrases: " + ", ".join(theme.phrases), highlight=False, markup=False)
        for ex in theme.examples:
            text = ex["text"].replace("\n", " ")
            text = text if len(text) <= 240 else text[:239] + "…"
            console.print(f"  - [{ex['author']}] {text}", highlight=False, markup=False)
    if result.themes:
        console.print("\nAdd a topic to antena.toml (seeds) or label examples (`antena topics train`) for themes that matter.")
