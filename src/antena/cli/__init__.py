"""The ``antena`` command. Each command group lives in its own module and registers on ``app``."""

from __future__ import annotations

import importlib
import pkgutil

from antena.cli.app import app, console
from antena.errors import AntenaError

_loaded = False


def _load_commands() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("app",):
            importlib.import_module(f"{__name__}.{info.name}")


def main() -> None:
    """Console entry point."""
    _load_commands()
    try:
        app()
    except AntenaError as exc:
        console.print("[bold red]error:[/] ", end="", highlight=False)
        console.print(str(exc), highlight=False, markup=False)
        raise SystemExit(2) from exc


_load_commands()
