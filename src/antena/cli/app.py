"""The Typer application and helpers every command module shares."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.segment import Segment

from antena.errors import AntenaError
from antena.textsafe import display_text

if TYPE_CHECKING:
    from antena.project import Project

app = typer.Typer(
    name="antena",
    help="Antena: listen to social media about child trafficking, report, plan campaigns, protect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
class SafeConsole(Console):
    """A rich console whose printed text passes ``antena.textsafe.display_text``: a post, file
    name or quarantine reason cannot send terminal escape sequences, control characters or
    bidi overrides to the analyst's terminal (rich's own styling is kept)."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (segment if segment.control else Segment(display_text(segment.text), segment.style)
                for segment in buffer)
        return super()._render_buffer(safe)


console = SafeConsole(stderr=True)  # human messages go to stderr; stdout stays machine-readable

ProjectDir = Annotated[Path, typer.Argument(help="The project folder (made by `antena init`).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def json_text(data: Any) -> str:
    """What ``emit_json`` writes: indented JSON (dates as ISO 8601) and a newline."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode() + "\n"


def emit_json(data: Any) -> None:
    """Write JSON to stdout (dates as ISO 8601)."""
    sys.stdout.write(json_text(data))


def fail(message: str, code: int = 2) -> None:
    console.print("[bold red]error:[/] ", end="", highlight=False)
    console.print(message, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def open_project(folder: Path, read_only: bool = False) -> Iterator[Project]:
    """Open a project for a command; user errors become one clear line, exit code 2."""
    # imported here: a command answered without opening a project (a cached result) starts faster
    from antena.project import Project

    try:
        project = Project(folder, read_only=read_only)
    except AntenaError as exc:
        fail(str(exc))
    try:
        yield project
    finally:
        project.close()


def progress_bar(quiet: bool = False) -> Progress:
    """A rich progress bar on stderr, invisible when output is not a terminal or ``quiet``."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    )
