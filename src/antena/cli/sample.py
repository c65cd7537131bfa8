"""``antena sample``: label a random sample so the report's shares are corrected for model bias."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project

sample_app = typer.Typer(help="A random sample labelled by you (or the accurate model) corrects the shares "
                              "the report states and gives them honest 95% intervals.", no_args_is_help=True)
app.add_typer(sample_app, name="sample")

CHOICES = {"sentiment": "negative | neutral | positive", "target": "negative | neutral | positive",
           "emotion": "the emotion name (as in antena stats)", "awareness_unaware": "yes | no"}
COLUMNS = ["post_id", "task", "target", "text", "label", "choices"]


@sample_app.command("draw")
def draw_command(
    folder: ProjectDir,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV to write: fill its `label` column, then `antena sample import`.")],
    task: Annotated[str, typer.Option(help="sentiment, emotion, target (with --target) or awareness_unaware.")] = "sentiment",
    target: Annotated[str | None, typer.Option(help="The target id (antena.toml [[targets]]) for --task target.")] = None,
    precision: Annotated[float, typer.Option(help="Half-width of the 95% interval wanted (0.03 = +-3 points).")] = 0.03,
    n: Annotated[int | None, typer.Option("--n", help="Posts to draw (default: as many as --precision needs).")] = None,
    seconds_per_label: Annotated[float, typer.Option(help="Your time per post, to estimate the labelling time.")] = 10.0,
    json: JsonFlag = False,
) -> None:
    """Write the next posts of the project's random labelling order to a CSV to label.

    Label every row in order: the estimates use the labelled posts up to the first gap.
    """
    from antena.analytics.estimates import sample_cost, sample_size
    from antena.analytics.perception import draw_reference_sample
    from antena.protect.redact import public_handles, redact

    if out.exists():
        fail(f"{out} exists; choose another --out (nothing was written)")
    needed = n if n is not None else sample_size(precision)
    with open_project(folder) as project:
        try:
            rows = draw_reference_sample(project.store, task, needed, target)
        except ValueError as exc:
            fail(str(exc))
        keep = public_handles(project.config)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            text = redact(row["text"], keep_handles=keep)
            if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
                text = "'" + text
            writer.writerow([row["post_id"], task, target or "", text, "", CHOICES[task]])
    cost = sample_cost(len(rows), seconds_per_label=seconds_per_label)
    result = {"task": task, "target": target, "precision": precision, "needed": needed, "drawn": len(rows),
              "out": str(out), "analyst_hours": round(cost["analyst_hours"], 2)}
    if json:
        emit_json(result)
        return
    why = "as asked" if n is not None else f"+-{precision * 100:g} points needs at most {needed}"
    console.print(f"{len(rows)} posts to label written to {out} ({why}; about {cost['analyst_hours']:.1f} h "
                  f"at {seconds_per_label:g} s a post)")
    console.print(f"fill the label column ({CHOICES[task]}), then: antena sample import {folder} {out}")


@sample_app.command("import")
def import_command(
    folder: ProjectDir,
    file: Annotated[Path, typer.Argument(help="The CSV from `antena sample draw` with its label column filled.")],
    source: Annotated[str, typer.Option(help="Who labelled: analyst, or the accurate model's name.")] = "analyst",
    json: JsonFlag = False,
) -> None:
    """Store the labels of a drawn sample (rows with an empty label are skipped)."""
    from antena.store import reference

    if not file.exists():
        fail(f"{file} not found")
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"post_id", "task", "label"} - set(reader.fieldnames or [])
        if missing:
            fail(f"{file}: missing column(s) {', '.join(sorted(missing))} (expected {', '.join(COLUMNS)})")
        rows, skipped = [], 0
        for row in reader:
            if not (row.get("label") or "").strip():
                skipped += 1
                continue
            rows.append(row)
    with open_project(folder) as project:
        try:
            stored = reference.add(project.con, rows, source)
        except ValueError as exc:
            fail(f"{file}: {exc} (counting data rows from 1; nothing was stored)")
        project.audit("sample-import", f"{stored} reference labels from {file.name} ({source})")
    result = {"stored": stored, "skipped_empty": skipped, "source": source}
    if json:
        emit_json(result)
        return
    console.print(f"{stored} labels stored ({skipped} empty rows skipped); `antena stats {folder}` now corrects the shares")
