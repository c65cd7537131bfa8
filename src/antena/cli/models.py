"""``antena models``: train the text classifiers and print their validation scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from antena.cli.app import JsonFlag, app, console, emit_json, fail

models_app = typer.Typer(help="Train and evaluate Antena's text classifiers (sentiment, emotion, target sentiment).",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


def _summary(scores: dict[str, Any]) -> dict[str, float]:
    return {name: entry["macro_f1"] for name, entry in scores.items()}


@models_app.command("train")
def train_command(
    task: Annotated[str, typer.Argument(help="sentiment, emotion, target_sentiment or all; with --from, any name.")],
    labels: Annotated[Path | None, typer.Option("--from", help="Your labelled CSV (columns text,label[,lang]).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: the package for public data, ./models/TASK with --from).")] = None,
    json: JsonFlag = False,
) -> None:
    """Train from ../shared/data (fixed seeds) or from your own labels."""
    from antena.models import TASKS, datasets, train

    results: dict[str, Any] = {}
    if labels is not None:
        if task == "all":
            fail("--from trains one task; name it")
        if not labels.exists():
            fail(f"{labels} does not exist")
        try:
            results[task] = train.train_user(task, labels, out or Path("models") / task)
        except ValueError as exc:
            fail(str(exc))
    else:
        tasks = list(TASKS) if task == "all" else [task]
        if any(t not in TASKS for t in tasks):
            fail(f"unknown task {task!r}; known: {', '.join(TASKS)}, all (or pass --from labels.csv)")
        if not datasets.available():
            fail(f"training data not found at {datasets.data_root()} (set ANTENA_DATA)")
        for name in tasks:
            if not json:
                console.print(f"training {name} ...")
            target = (out / name if task == "all" else out) if out is not None else None
            results[name] = train.train_public(name, target)
    if json:
        emit_json({name: {"path": r["path"], "validation": r["validation"]} for name, r in results.items()})
        return
    for name, result in results.items():
        console.print(f"[bold]{name}[/] saved to {result['path']}")
        _print_scores(name, result["validation"])


@models_app.command("eval")
def eval_command(json: JsonFlag = False) -> None:
    """Macro-F1 per task, dataset and language on the validation splits, beside published anchors."""
    from antena.models import TASKS, datasets, evaluate, load_model, train

    live = datasets.available()
    report: dict[str, Any] = {
        "source": "computed" if live else "recorded",
        "split": "validation (val/dev); test splits are held out",
        "data": str(datasets.data_root()) if live else None,
        "tasks": {},
    }
    for task in TASKS:
        model = load_model(task)
        if live:
            rows = [r for r in datasets.LOADERS[task]() if r.split == "val"]
            scores = evaluate.score(model, rows, texts=[train.model_input(r) for r in rows])
        else:
            scores = model.meta.get("validation", {})
        report["tasks"][task] = {"version": model.version, "labels": model.labels, "scores": scores}
        if task == "target_sentiment":
            report["tasks"][task]["analyser_scores"] = (
                evaluate.target_analyser_scores(rows) if live else model.meta.get("analyser_validation", {})
            )
    if json:
        emit_json(report)
        return
    if not live:
        console.print("[yellow]../shared/data is absent: showing the scores recorded at training time (meta.json).[/]")
    for task, entry in report["tasks"].items():
        console.print(f"[bold]{task}[/] v{entry['version']}")
        _print_scores(task, entry["scores"])
        if entry.get("analyser_scores"):
            _print_scores(f"{task} analyser (mention clause + both models + cues)", entry["analyser_scores"])


def _print_scores(task: str, scores: dict[str, Any]) -> None:
    table = Table(title=f"{task}: macro-F1 on validation splits", title_justify="left")
    for column in ("dataset", "lang", "n", "macro-F1", "target (val)", "published (test)"):
        table.add_column(column)
    for name, entry in scores.items():
        anchor = entry.get("anchor")
        table.add_row(
            name, str(entry.get("lang") or ""), str(entry.get("n", "")), f"{entry['macro_f1']:.3f}",
            f"{entry['target']:.2f}" if "target" in entry else "",
            f"{anchor['score']:.3f} {anchor['model']}" if anchor else "",
        )
    console.print(table)
