"""Analysis commands: ``antena analyze`` and ``antena predict``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import orjson
import pyarrow as pa
import typer
from rich.table import Table

from antena import registry
from antena.cli.app import (
    JsonFlag,
    app,
    console,
    emit_json,
    fail,
    open_project,
    progress_bar,
)
from antena.engine.pipeline import checked_settings, run_chain
from antena.errors import AntenaError
from antena.registry import PREDICT_TASKS


@app.command()
def analyze(
    folder: Annotated[Path | None, typer.Argument(help="The project folder (made by `antena init`).")] = None,
    engine: Annotated[str, typer.Option(help="local (DuckDB, default) or spark (PySpark mapInArrow).")] = "local",
    spark_master: Annotated[str, typer.Option(help="Spark master URL for --engine spark.")] = "local[2]",
    list_: Annotated[bool, typer.Option("--list", help="List the available analysers and exit.")] = False,
    json: JsonFlag = False,
) -> None:
    """Run the analysers configured in antena.toml over new or changed posts."""
    if list_:
        rows = [{"name": n, "version": c.version, "requires": list(c.requires), "assigns": list(c.assigns)}
                for n, c in registry.analysers().items()]
        if json:
            emit_json(rows)
        else:
            table = Table("analyser", "version", "needs", "adds")
            for r in rows:
                table.add_row(r["name"], r["version"], ", ".join(r["requires"]), ", ".join(r["assigns"]))
            console.print(table)
        return
    if folder is None:
        fail("give the project folder (or --list to see the analysers)")
    if engine not in ("local", "spark"):
        fail("--engine must be 'local' or 'spark'")
    with open_project(folder) as project, progress_bar(quiet=json) as bar:
        task = bar.add_task("analysing", total=None)
        try:
            report = project.analyze(
                engine=engine, spark_master=spark_master,
                progress=lambda n: bar.advance(task, n),
                on_total=lambda n: bar.update(task, total=n),
            )
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(report.as_dict())
    else:
        console.print(f"analysed {report.analysed} posts ({report.skipped_current} already current) with "
                      f"{', '.join(report.analysers)} on the {report.engine} engine")


def _read_stdin() -> list[dict]:
    rows = []
    for line in sys.stdin.read().splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                obj = {"text": line}
            rows.append(obj if isinstance(obj, dict) else {"text": str(obj)})
        else:
            rows.append({"text": line})
    return rows


@app.command()
def predict(
    task: Annotated[str, typer.Argument(help=f"One of: {', '.join(PREDICT_TASKS)}.")],
    lang: Annotated[str | None, typer.Option(help="Language of the texts when known (e.g. es).")] = None,
    target: Annotated[str | None, typer.Option(help="Target name for target-sentiment.")] = None,
    aliases: Annotated[str | None, typer.Option(help="Comma-separated aliases of --target.")] = None,
    project: Annotated[str | None, typer.Option(help="Use this project's antena.toml (targets, topics, query).")] = None,
    tier: Annotated[str | None, typer.Option(
        help="fast (the default) or accurate: the fine-tuned e5-small model, averaged with the fast one "
             "(sentiment, emotion, target-sentiment; the tier setting of the models table in antena.toml).")] = None,
) -> None:
    """Read texts on stdin (one per line, or JSONL with `text`); write one JSON result per line."""
    if task not in PREDICT_TASKS:
        fail(f"unknown task {task!r}; choose one of {', '.join(PREDICT_TASKS)}")
    config: dict = {}
    if project:
        from pathlib import Path

        from antena.config import load_config

        config = load_config(Path(project))
    else:
        import tomllib

        from antena.config import default_config_text

        config = tomllib.loads(default_config_text("predict"))
    if target:
        names = [a.strip() for a in (aliases or target).split(",") if a.strip()]
        config["targets"] = [{"id": target, "name": target, "aliases": names}]
        # the caller says the texts are about --target: judge a text that never names it as a whole
        config.setdefault("analysers", {}).setdefault("target_sentiment", {}).setdefault("unmentioned", True)
    available = registry.analysers()
    names = [n for n in PREDICT_TASKS[task] if n in available]
    if lang and task != "language":  # the caller's --lang wins over detection ("Aaaau" read Extremaduran)
        names = [n for n in names if n != "language"]
    if PREDICT_TASKS[task][-1] not in available:
        fail(f"the {task} analyser is not installed yet")
    chosen = tier or config.get("models", {}).get("tier", "fast")
    if chosen not in ("fast", "accurate"):
        fail(f"--tier {chosen!r}: choose fast or accurate")
    folder = Path(project) if project else None
    chain = [available[n](**checked_settings(available[n], n, config, folder)) for n in names]
    rows = _read_stdin()
    if not rows:
        return
    model = None
    if chosen == "accurate":
        model = _accurate_model(task, config)
        if task == "target-sentiment":
            from antena.models.accurate_tier import AccurateTargetSentiment

            chain[-1] = AccurateTargetSentiment(model, **checked_settings(available[names[-1]], names[-1], config,
                                                                          folder))
    batch = pa.RecordBatch.from_pylist(
        [{"post_id": str(i), "text": r.get("text"), "lang": r.get("lang") or lang,
          "hashtags": None, "mentions": None, "platform": None, "kind": None, "created_at": None, "author_id": None}
         for i, r in enumerate(rows)],
        schema=pa.schema([("post_id", pa.string()), ("text", pa.string()), ("lang", pa.string()),
                          ("hashtags", pa.list_(pa.string())), ("mentions", pa.list_(pa.string())),
                          ("platform", pa.string()), ("kind", pa.string()),
                          ("created_at", pa.timestamp("us", tz="UTC")), ("author_id", pa.string())]),
    )
    outputs = run_chain(chain, batch)
    final = outputs[names[-1]].to_pylist()
    if model is not None:
        detected = outputs["language"].column("language").to_pylist() if "language" in outputs else [None] * len(rows)
        langs = [d if d and d != "und" else (r.get("lang") or lang) for d, r in zip(detected, rows, strict=True)]
        _accurate(task, model, [r.get("text") or "" for r in rows], langs, final)
    if task == "target-sentiment":  # the five-point scale of SemEval C/E beside the three classes
        from antena.models.target_eval import to_scale

        for result in final:
            for entry in result.get("targets") or []:
                entry["scale"] = to_scale(entry["score"])
    for row, result in zip(rows, final, strict=True):
        result.pop("post_id", None)
        out = {"text": row.get("text"), **result}
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_SERIALIZE_NUMPY).decode() + "\n")


ACCURATE_TASKS = ("sentiment", "emotion", "target-sentiment")


def _accurate_model(task: str, config: dict):  # noqa: ANN202 - an AccurateModel
    """The accurate model: [models] accurate_path, ANTENA_ACCURATE_MODEL, else the packaged one."""
    import os

    if task not in ACCURATE_TASKS:
        fail(f"the accurate tier covers {', '.join(ACCURATE_TASKS)}; use --tier fast for {task}")
    from antena.models.accurate import AccurateModel

    path = config.get("models", {}).get("accurate_path") or os.environ.get("ANTENA_ACCURATE_MODEL")
    try:
        return AccurateModel.load(path)
    except (FileNotFoundError, RuntimeError) as exc:
        fail(str(exc))


def _accurate(task: str, model, texts: list[str], langs: list, final: list[dict]) -> None:  # noqa: ANN001
    """Replace the fast model's probabilities by the accurate tier's (docs/models/accurate.md)."""
    from antena.models import accurate_tier

    if task == "sentiment":
        labels = model.labels["sentiment"]
        for result, text, proba in zip(final, texts, accurate_tier.predict(model, "sentiment", texts, langs),
                                       strict=True):
            if not text.strip():  # nothing said: neutral, as the fast tier
                proba = np.array([float(k == "neutral") for k in labels])
            result["sentiment"] = labels[int(proba.argmax())]
            for label, p in zip(labels, proba, strict=True):
                result[f"sentiment_{label}"] = float(p)
    elif task == "emotion":
        labels = model.labels["emotion"]
        for result, text, proba in zip(final, texts, accurate_tier.predict(model, "emotion", texts, langs),
                                       strict=True):
            if not text.strip():  # nothing said: other, as the fast tier
                proba = np.array([float(k == "other") for k in labels])
            result["emotion"] = labels[int(proba.argmax())]
            result["emotion_score"] = float(proba.max())
    for result in final:
        result["tier"] = "accurate"
