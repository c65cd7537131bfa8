"""Query commands: search and export (query language in docs/query-language.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project
from antena.errors import AntenaError, QuerySyntaxError
from antena.protect.identity import PublicIds
from antena.protect.redact import public_handles, redact
from antena.query.export import FORMATS, export_columns
from antena.textsafe import display_text

RelevantFlag = Annotated[bool, typer.Option(
    "--relevant", help="Only posts the relevance analyser judged relevant (after `antena analyze`).")]
InScopeFlag = Annotated[bool, typer.Option("--in-scope", help="Only posts matching the project's [scope] query.")]
TEXT_WIDTH = 100


def _query_error(exc: AntenaError) -> None:
    """Print a query or project error (with its caret line) on stderr and exit 2."""
    label = "query error" if isinstance(exc, QuerySyntaxError) else "error"
    console.print(f"{label}: {exc}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _one_line(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= TEXT_WIDTH else flat[: TEXT_WIDTH - 1] + "…"


def _record(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    out = {}
    for name in columns:
        value = row.get(name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


@app.command()
def search(
    folder: ProjectDir,
    query: Annotated[str, typer.Argument(help="Boolean query, e.g. 'secuestr* AND (niño OR niña) lang:es'.")],
    count: Annotated[bool, typer.Option("--count", help="Print only the number of matching posts.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many posts to show (0: all).")] = 20,
    relevant: RelevantFlag = False,
    in_scope: InScopeFlag = False,
    json: JsonFlag = False,
) -> None:
    """Find posts matching a boolean query (AND, OR, NOT, "phrases", secuestr*, NEAR/3, #tag, lang:es...)."""
    with open_project(folder, read_only=True) as project:
        try:
            total = project.count(query, relevant=relevant, in_scope=in_scope)
            table = None if count else project.posts(query, limit=limit or None, relevant=relevant, in_scope=in_scope)
        except AntenaError as exc:
            _query_error(exc)
        columns = export_columns(project.config)
        ids = PublicIds.for_project(project)
        keep = public_handles(project.config) if project.config.get("privacy", {}).get("redact", True) else None
    if count:
        if json:
            emit_json({"query": query, "relevant": relevant, "in_scope": in_scope, "count": total})
        else:
            sys.stdout.write(f"{total}\n")
        return
    rows = [ids.row(r) for r in table.to_pylist()]
    if keep is not None:
        for r in rows:
            r["text"] = redact(r["text"], keep) if r.get("text") else r.get("text")
    if json:
        emit_json({"query": query, "relevant": relevant, "in_scope": in_scope, "count": total, "shown": len(rows),
                   "posts": [_record(r, columns) for r in rows]})
        return
    for r in rows:
        when = r["created_at"].strftime("%Y-%m-%d %H:%M") if r["created_at"] else "????-??-?? ??:??"
        line = f"{r['post_id']}\t{when}\t{r['platform']}\t{_one_line(r['text'])}"
        sys.stdout.write(display_text(line).replace("\n", " ") + "\n")
    console.print(f"{len(rows)} of {total} matching posts" + (" (use --limit 0 for all)" if len(rows) < total else ""),
                  highlight=False, markup=False)


@app.command()
def export(
    folder: ProjectDir,
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help=f"{'|'.join(FORMATS)} (default: from --out's suffix).")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Only posts matching this boolean query.")] = None,
    relevant: RelevantFlag = False,
    in_scope: InScopeFlag = False,
    columns: Annotated[str | None, typer.Option(
        "--columns", "-c", help="Comma-separated columns to write (default: post columns and analysis results).")] = None,
    graph: Annotated[str, typer.Option(help="For --format gexf: interactions (replies, reposts, mentions) or hashtags.")] = "interactions",
    partition_by: Annotated[str | None, typer.Option(
        help="For Parquet: 'day' writes a folder partitioned by day (a lake for `antena stats --engine spark`).")] = None,
    json: JsonFlag = False,
) -> None:
    """Export posts (all, or those matching --query / --relevant / --in-scope) with their analysis
    results to CSV, Parquet or JSONL, redacted as antena.toml [privacy] says; or their network to
    GEXF for Gephi (--format gexf)."""
    with open_project(folder) as project:
        try:
            if format == "gexf" or (format is None and out.suffix.lower() == ".gexf"):
                from antena.analytics.networks import export_network

                if graph not in ("interactions", "hashtags"):
                    fail("--graph must be interactions or hashtags")
                result = export_network(project.store, out, graph, query, relevant, in_scope)
            else:
                result = project.export(out, format, query, relevant=relevant, in_scope=in_scope,
                                        columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
                                        partition_by=partition_by)
        except AntenaError as exc:
            _query_error(exc)
    if json:
        emit_json({k: result[k] for k in ("rows", "path", "format")})
    else:
        redacted = ", texts redacted" if result.get("redacted") else ""
        console.print(f"wrote {result['rows']} posts to {result['path']} ({result['format']}{redacted})",
                      highlight=False, markup=False)
