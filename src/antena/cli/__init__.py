"""The ``antena`` command. Each command group lives in its own module and registers on ``app``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from antena.cli.app import app, console
from antena.errors import AntenaError

_loaded = False
ORDER = ("core", "collect", "search", "analyze", "label", "topics", "models", "stats", "sample", "report", "serve", "plan",
         "review", "demo")
# commands whose module is loaded alone when the ``antena`` script runs them (the others load every
# command group): ``antena stats`` answered from its cache starts in a fraction of a second.
# tests/test_stats_cache.py checks each command is defined in the module named here.
ALONE = {"stats": "stats"}


@app.callback()
def _group() -> None:
    """Always a group of commands, even when one command's module is loaded alone."""


def _load_commands(only: str | None = None) -> None:
    global _loaded
    if _loaded:
        return
    if only is not None:
        importlib.import_module(f"{__name__}.{only}")
        return
    _loaded = True
    found = [info.name for info in pkgutil.iter_modules(__path__) if info.name != "app"]
    ordered = [name for name in ORDER if name in found] + sorted(set(found) - set(ORDER))
    for name in ordered:  # `antena --help` lists commands in the order of the work
        importlib.import_module(f"{__name__}.{name}")


def _alone() -> str | None:
    """The module to load alone for the command the ``antena`` script was asked to run, if any."""
    if Path(sys.argv[0]).name != "antena" or len(sys.argv) < 2:
        return None
    return ALONE.get(sys.argv[1])


def main() -> None:
    """Console entry point."""
    _load_commands(_alone())
    try:
        app()
    except AntenaError as exc:
        console.print("[bold red]error:[/] ", end="", highlight=False)
        console.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(2) from exc


if _alone() is None:
    _load_commands()
