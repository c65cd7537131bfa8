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
    project: Annotated[Path | None, typer.Option(help="relevance: adapt the model to this project's labels (antena label).")] = None,
    tier: Annotated[str, typer.Option(help="fast (default) or accurate: fine-tune e5-small (needs PyTorch; hours of CPU). "
                                           "With 'all': the joint sentiment + emotion recipe of the packaged model.")] = "fast",
    epochs: Annotated[float, typer.Option(help="--tier accurate: passes over the training rows.")] = 2.0,
    max_steps: Annotated[int | None, typer.Option(help="--tier accurate: stop after this many steps (resume later).")] = None,
    langs: Annotated[str, typer.Option(help="--tier accurate sentiment: training languages, comma-separated ('' = all).")] = "es",
    threads: Annotated[int, typer.Option(help="--tier accurate: CPU threads (keep at or below the cores).")] = 1,
    init_from: Annotated[Path | None, typer.Option(help="--tier accurate: start from this checkpoint.pt's weights.")] = None,
    json: JsonFlag = False,
) -> None:
    """Train from ../shared/data (fixed seeds), from your own labels, or (relevance) from a project's labels."""
    from antena.models import TASKS, datasets, train

    results: dict[str, Any] = {}
    if tier == "accurate":
        _train_accurate(task, out, epochs, max_steps, langs, threads, init_from, json)
        return
    if tier != "fast":
        fail(f"--tier {tier!r}: choose fast or accurate")
    if task in ("relevance", "topics"):
        if project is not None:
            _train_project(project, json)
        else:
            _train_relevance(out, json)
        return
    if project is not None:
        fail("--project adapts the relevance and topic model: antena models train relevance --project DIR")
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


def _train_accurate(task: str, out: Path | None, epochs: float, max_steps: int | None, langs: str, threads: int,
                    init_from: Path | None, json: bool) -> None:
    """Fine-tune e5-small (resumes from OUT/checkpoint.pt), then write the int8 ONNX model of the
    best checkpoint to OUT/model with its validation scores and ensemble weights."""
    from antena.models import accurate_export, datasets, train_accurate

    if task not in ("sentiment", "all"):
        fail("--tier accurate trains sentiment, or all (sentiment and emotion; docs/models/accurate.md)")
    if not datasets.available():
        fail(f"training data not found at {datasets.data_root()} (set ANTENA_DATA)")
    if init_from is not None and not init_from.exists():
        fail(f"--init-from {init_from} does not exist")
    folder = out or Path("models") / "accurate"
    start = str(init_from) if init_from else None
    if task == "all":
        settings = train_accurate.joint_settings(threads=threads, init_from=start,
                                                 **({"max_steps": max_steps} if max_steps else {}))
    else:
        settings = train_accurate.Settings(epochs=epochs, max_steps=max_steps, threads=threads, init_from=start,
                                           langs=tuple(x for x in langs.split(",") if x))
    say = (lambda _: None) if json else console.print
    try:
        result = train_accurate.train(folder, settings, log=say)
        best = folder / "best.pt" if (folder / "best.pt").exists() else folder / "checkpoint.pt"
        package = accurate_export.package(best, folder / "model", log_path=folder / "log.jsonl")
        accurate_export.validate(package, log=say)
    except RuntimeError as exc:
        fail(str(exc))
    if json:
        emit_json({**result, "model": str(package)})
        return
    console.print(f"[bold]accurate {task}[/] {result['steps']}/{result['total']} steps; model in {package}; "
                  f"validation macro-F1 {result['validation']}")
    console.print(f"use it: --tier accurate with ANTENA_ACCURATE_MODEL={package}, or accurate_path = "
                  f"\"{package}\" under the models table of antena.toml")


def _train_relevance(out: Path | None, json: bool) -> None:
    """The packaged relevance and topic model (one model) from the reference labels and seeds."""
    from antena.models import datasets, train_relevance

    if not datasets.available():
        fail(f"training data not found at {datasets.data_root()} (set ANTENA_DATA)")
    if not json:
        console.print("training relevance and topics (with 5-fold cross-validation) ...")
    result = train_relevance.train_package(out)
    if json:
        emit_json(result)
        return
    console.print(f"[bold]relevance[/] saved to {result['path']}")
    print_relevance_scores(result["validation"])


def _train_project(folder: Path, json: bool) -> None:
    from antena.cli.app import open_project
    from antena.models import train_relevance

    with open_project(folder) as project:
        rows = train_relevance.project_rows(project.con)
        if not json:
            console.print(f"adapting the relevance and topic model to {len(rows)} labels ...")
        try:
            result = train_relevance.train_project(project.folder, rows, train_relevance.project_anchors(project.con))
        except ValueError as exc:
            fail(str(exc))
        project.audit("models-train", f"relevance adapted to {len(rows)} labels")
    if json:
        emit_json(result)
        return
    console.print(f"[bold]relevance[/] (project model) saved to {result['path']}; run `antena analyze {folder}`")
    print_relevance_scores({k: result[k] for k in ("packaged", "adapted_cv") if k in result})


def print_relevance_scores(validation: dict[str, Any]) -> None:
    """Precision, recall, F1 and topic accuracy with 95% intervals, one row per evaluation."""
    table = Table(title="relevance (relevant class) and topics, with 95% intervals", title_justify="left")
    for column in ("evaluation", "n", "relevant", "precision", "recall", "F1", "macro-F1", "other langs", "main topic"):
        table.add_column(column)
    for name, m in validation.items():
        other = m.get("recall_other_languages", {})
        topic = m.get("topic_main_in_predicted", {})
        table.add_row(
            name, str(m["n"]), str(m["relevant"]),
            f"{m['precision']:.2f} {_ci(m['precision_ci'])}", f"{m['recall']:.2f} {_ci(m['recall_ci'])}",
            f"{m['f1']:.2f} {_ci(m['f1_ci'])}", f"{m['macro_f1']:.2f}",
            f"{other.get('found', 0)}/{other.get('of', 0)}",
            f"{topic.get('share', 0):.2f} ({topic.get('hits', 0)}/{topic.get('of', 0)})" if topic else "",
        )
    console.print(table)


def _ci(ci: list[float]) -> str:
    return f"({ci[0]:.2f}-{ci[1]:.2f})"


@models_app.command("eval")
def eval_command(
    project: Annotated[Path | None, typer.Option(help="Score relevance on this project's own labels (cross-validated).")] = None,
    json: JsonFlag = False,
) -> None:
    """Macro-F1 per task, dataset and language on the validation splits, beside published anchors."""
    from antena.models import (
        TASKS,
        datasets,
        evaluate,
        load_model,
        relevance_model,
        target_eval,
        train,
        train_relevance,
    )

    if project is not None:
        from antena.cli.app import open_project

        with open_project(project, read_only=True) as opened:
            result = train_relevance.evaluate_project(train_relevance.project_rows(opened.con),
                                                      anchor_rows=train_relevance.project_anchors(opened.con))
        if json:
            emit_json(result)
            return
        console.print(f"{result['labels']} labels ({result['relevant']} relevant) in {project}")
        if not result["labels"]:
            console.print("no labels yet (antena label); the packaged model's dev-set scores:")
            print_relevance_scores({"packaged model, dev set": result["packaged_dev"]} if result.get("packaged_dev") else {})
        else:
            print_relevance_scores({k: result[k] for k in ("packaged", "adapted_cv") if k in result})
        return

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
                target_eval.evaluate_all() if live else model.meta.get("analyser_validation", {})
            )
    relevance = relevance_model.load()
    report["tasks"]["relevance"] = {"version": relevance.version, "scores": (
        {"dev": train_relevance.evaluate(relevance, train_relevance.read_references(
            train_relevance.LABELS_DIR / "dev.tsv")[0])} if live and train_relevance.LABELS_DIR.is_dir()
        else relevance.meta.get("validation", {}))}
    if json:
        emit_json(report)
        return
    if not live:
        console.print("[yellow]../shared/data is absent: showing the scores recorded at training time (meta.json).[/]")
    for task, entry in report["tasks"].items():
        console.print(f"[bold]{task}[/] v{entry['version']}")
        if task == "relevance":
            print_relevance_scores(entry["scores"])
            continue
        _print_scores(task, entry["scores"])
        if entry.get("analyser_scores"):
            _print_target_scores(entry["analyser_scores"])


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


def _print_target_scores(scores: dict[str, Any]) -> None:
    """The target_sentiment analyser per target set (``antena.models.target_eval``)."""
    table = Table(title="target_sentiment analyser, as `antena predict --target` (validation splits)",
                  title_justify="left")
    for column in ("set", "n", "measure", "value"):
        table.add_column(column)
    measures = {"semeval_bd": ("avg_recall", "macro_f1"), "semeval_ce": ("mae_macro", "macro_f1_5", "macro_f1_3")}
    for name, entry in scores.items():
        if not isinstance(entry, dict):
            continue
        keys = measures.get(name, ("macro_f1", "f_avg"))
        label = f"{name} (mean of {entry['topics']} topics)" if "topics" in entry else name
        for key in keys:
            if key in entry:
                table.add_row(label, str(entry.get("n", "")), key, f"{entry[key]:.3f}")
    console.print(table)


@models_app.command("calibrate")
def calibrate_command(
    task: Annotated[list[str] | None, typer.Argument(help="sentiment, emotion, target_sentiment (default: all three).")] = None,
    apply: Annotated[bool, typer.Option(help="Use the per-language-head temperatures from now on (sentiment).")] = False,
    json: JsonFlag = False,
) -> None:
    """Measure calibration (ECE) on the validation splits: no temperature, the shipped one, and
    per-language-head temperatures (cross-fitted); record it in the packaged models' meta.json.
    Decisions, and so macro-F1, never change."""
    from antena.models import TASKS, calibration, datasets

    if not datasets.available():
        fail(f"calibration needs the validation data under {datasets.data_root()}")
    unknown = [t for t in task or [] if t not in TASKS]
    if unknown:
        fail(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(TASKS)}")
    results = {t: calibration.calibrate_packaged(t, apply=apply) for t in task or TASKS}
    if json:
        emit_json(results)
        return
    table = Table("task", "n", "ECE no temperature", "ECE one temperature", "ECE per-head (cross-fitted)",
                  title="calibration on validation splits", title_justify="left")
    for name, r in results.items():
        table.add_row(name, str(r["n"]), f"{r['ece_uncalibrated']:.3f}", f"{r['ece_single_temperature']:.3f}",
                      f"{r['ece_head_temperatures_crossfit']:.3f}")
    console.print(table)
