"""``antena report``: the listening report as self-contained HTML and PDF, in Spanish or English."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project


@app.command()
def report(
    folder: ProjectDir,
    lang: Annotated[str, typer.Option(help="Report language: es or en.")] = "es",
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("report.html"),
    pdf: Annotated[Path | None, typer.Option(help="Also write a PDF here.")] = None,
    json: JsonFlag = False,
) -> None:
    """Write the report: findings, data analytics, sentiment per target, topics, awareness, impact."""
    from antena.report.build import build_report

    if lang not in ("es", "en"):
        fail("--lang must be es or en")
    with open_project(folder) as project:
        with console.status("computing statistics and charts"):
            result = build_report(project.store, lang, out, pdf)
    if json:
        emit_json(result.as_dict())
    else:
        console.print(f"report written to {result.html}" + (f" and {result.pdf}" if result.pdf else ""))
