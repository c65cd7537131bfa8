"""The ``antena`` command. Each command group lives in its own module and registers on ``app``."""

from __future__ import annotations

import importlib
import pkgutil

from antena.cli.app import app, console
from antena.errors import AntenaError

_loaded = False
ORDER = ("core", "collect", "search", "analyze", "label", "topics", "models", "stats", "sample", "report", "serve", "plan",
         "review", "demo")


def _load_commands() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    found = [info.name for info in pkgutil.iter_modules(__path__) if info.name != "app"]
    ordered = [name for name in ORDER if name in found] + sorted(set(found) - set(ORDER))
    for name in ordered:  # `antena --help` lists commands in the order of the work
        importlib.import_module(f"{__name__}.{name}")


def main() -> None:
    """Console entry point."""
    _load_commands()
    try:
        app()
    except AntenaError as exc:
        console.print("[bold red]error:[/] ", end="", highlight=False)
        console.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(2) from exc


_load_commands()
