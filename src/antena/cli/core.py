"""Project commands: init, import, remap, formats, info, quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from antena import registry
from antena.cli.app import (
    JsonFlag,
    ProjectDir,
    app,
    console,
    emit_json,
    fail,
    open_project,
    progress_bar,
)
from antena.errors import AntenaError
from antena.project import Project


@app.command()
def init(
    folder: ProjectDir,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder's name).")] = None,
    json: JsonFlag = False,
) -> None:
    """Create a project folder with a commented antena.toml and an empty database."""
    try:
        project = Project.init(folder, name)
    except AntenaError as exc:
        fail(str(exc))
    project.close()
    if json:
        emit_json({"folder": str(folder), "config": str(folder / "antena.toml")})
    else:
        console.print(f"Created project in [bold]{folder}[/]; edit {folder / 'antena.toml'} to set targets and topics.")


@app.command("import")
def import_(
    folder: ProjectDir,
    files: Annotated[list[Path], typer.Argument(help="Files, folders, .gz or .zip archives.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="Format name (default: detected; see `antena formats`).")] = None,
    mapping: Annotated[str | None, typer.Option(help="Column mapping for the generic format: NAME from antena.toml [import.mappings], or 'field=column,...'.")] = None,
    path: Annotated[str | None, typer.Option("--path", help="Import path: auto (default), vectorised (SQL mapping of large X v2, CrowdTangle CSV, Meta Content Library and generic files) or python (per record).")] = None,
    json: JsonFlag = False,
) -> None:
    """Import exports into the project. Re-importing the same files stores nothing new."""
    if path is not None and path not in ("auto", "vectorised", "python"):
        fail(f"--path must be auto, vectorised or python, not {path!r}")
    options = None
    with open_project(folder) as project:
        if mapping:
            from antena.sources.generic import resolve_mapping

            try:
                options = {"mapping": resolve_mapping(mapping, project.config)}
            except AntenaError as exc:
                fail(str(exc))
        with progress_bar(quiet=json) as bar:
            task = bar.add_task("importing", total=None)
            try:
                total, reports = project.import_files(
                    files, format, options,
                    progress=lambda n: bar.advance(task, n),
                    on_file=lambda name: bar.update(task, description=f"importing {Path(name).name}"),
                    path=path,
                )
            except AntenaError as exc:
                fail(str(exc))
    result = {
        "read": total.read, "stored": total.stored, "updated": total.updated,
        "duplicates": total.duplicates, "quarantined": total.quarantined,
        "files": [r.as_dict() for r in reports],
    }
    if json:
        emit_json(result)
    else:
        table = Table("file", "format", "read", "stored", "updated", "duplicates", "quarantined")
        for r in reports:
            table.add_row(r.file, r.format, *(str(getattr(r, k)) for k in ("read", "stored", "updated", "duplicates", "quarantined")))
        console.print(table)
        for r in reports:
            if r.message:
                console.print(f"[yellow]note:[/] {escape(r.message)}", highlight=False)
            for reason, n in r.quarantine_reasons.items():
                console.print(f"[yellow]quarantined[/] {n} from {escape(r.file)}: {escape(reason)}", highlight=False)
        console.print(
            f"read {total.read} = stored {total.stored} + updated {total.updated} + duplicates "
            f"{total.duplicates} + quarantined {total.quarantined}"
        )
    if total.stored + total.updated + total.duplicates == 0 and (total.quarantined or any(r.message for r in reports) or not reports):
        raise typer.Exit(1)


@app.command()
def remap(folder: ProjectDir, json: JsonFlag = False) -> None:
    """Rebuild posts from the stored raw records with the current importers (no re-import)."""
    with open_project(folder) as project, progress_bar(quiet=json) as bar:
        task = bar.add_task("remapping", total=project.store.raw_records())
        counts = project.remap(progress=lambda n: bar.advance(task, n))
        posts = project.summary()["posts"]
    result = {"read": counts.read, "stored": counts.stored, "updated": counts.updated,
              "duplicates": counts.duplicates, "quarantined": counts.quarantined, "posts": posts}
    if json:
        emit_json(result)
    else:
        console.print(f"replayed {counts.read} raw records into {posts} posts "
                      f"({counts.updated} versions, {counts.quarantined} failed to map)")


@app.command()
def formats(json: JsonFlag = False) -> None:
    """List the import formats Antena recognises."""
    rows = [
        {"name": name, "platform": cls.platform, "title": cls.title, "documented_at": cls.formats_doc}
        for name, cls in registry.sources().items()
    ]
    if json:
        emit_json(rows)
        return
    table = Table("format", "platform", "what")
    for row in rows:
        table.add_row(row["name"], row["platform"], row["title"])
    console.print(table)


@app.command()
def info(folder: ProjectDir, json: JsonFlag = False) -> None:
    """What the project holds: live and relevant posts, posts per platform, versions, quarantine."""
    with open_project(folder, read_only=False) as project:
        summary = project.summary()
    if json:
        emit_json(summary)
        return
    console.print(f"[bold]{summary['project']}[/] in {summary['folder']}")
    relevant = f", {summary['relevant_posts']} of them relevant" if summary["relevant_posts"] is not None else ""
    console.print(f"{summary['live_posts']} posts{relevant} ({summary['deleted_or_withheld']} more deleted or withheld), "
                  f"{summary['versions']} older versions, {summary['quarantined']} quarantined records")
    for platform, n in summary["by_platform"].items():
        console.print(f"  {platform}: {n}")


@app.command()
def quarantine(
    folder: ProjectDir,
    limit: Annotated[int, typer.Option(help="How many records to show.")] = 20,
    unredacted: Annotated[bool, typer.Option("--unredacted", help="Show raw records as stored, personal data included (for debugging a format).")] = False,
    json: JsonFlag = False,
) -> None:
    """Show quarantined records: file, line, field and reason (raw previews redacted unless --unredacted)."""
    from antena.protect.redact import public_handles, redact

    with open_project(folder) as project:
        _, found = project.store.quarantine(limit, preview=200)  # the dashboard's order too
        names = {"source_file": "file", "source_line": "line", "source_pointer": "pointer", "source_format": "format",
                 "field": "field", "reason": "reason", "raw": "raw"}
        rows = [{short: r[long] for long, short in names.items()} for r in found]
        if project.config.get("privacy", {}).get("redact", True) and not unredacted:
            keep = public_handles(project.config)
            for row in rows:
                row["raw"] = redact(row["raw"], keep_handles=keep)
    if json:
        emit_json(rows)
        return
    for r in rows:
        where = f"{r['file']}:{r['line']}{' ' + r['pointer'] if r['pointer'] else ''}"
        console.print(f"{where} [{r['field']}] {r['reason']}", highlight=False, markup=False)
    if not rows:
        console.print("nothing in quarantine")


def _dumps(obj: object) -> str:
    return orjson.dumps(obj, default=str).decode()
