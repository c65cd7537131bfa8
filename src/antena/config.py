"""Reading and writing ``antena.toml``."""

from __future__ import annotations

import tomllib
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomlkit

from antena.errors import ProjectError
from antena.settings import Settings, key_lines, line_of, validate_settings

CONFIG_NAME = "antena.toml"


def default_config_text(name: str) -> str:
    """The commented default ``antena.toml`` for a new project called ``name``."""
    template = files("antena").joinpath("default_config.toml").read_text(encoding="utf-8")
    return template.replace("__NAME__", name.replace('"', "'"))


def load_config(folder: Path) -> dict[str, Any]:
    """Parse and validate the project's ``antena.toml``; errors name the file, line and key.

    Returns the parsed tables (what callers read); ``load_settings`` gives the typed model."""
    return _load(folder)[0]


def load_settings(folder: Path) -> Settings:
    """The project's ``antena.toml`` as typed ``Settings``."""
    return _load(folder)[1]


def _load(folder: Path) -> tuple[dict[str, Any], Settings]:
    path = folder / CONFIG_NAME
    if not path.exists():
        raise ProjectError(f"{folder} is not an Antena project (no {CONFIG_NAME}); run `antena init {folder}`")
    text = path.read_text(encoding="utf-8")
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}") from exc
    migrate_scope(config, path, text)
    return config, validate_settings(config, text, path)


def migrate_scope(config: dict[str, Any], path: Path | str = CONFIG_NAME, text: str = "") -> None:
    """Read the old ``[relevance] query`` as ``[scope] query`` (with a deprecation warning)."""
    old = config.get("relevance", {})
    if "query" not in old:
        return
    scope = config.setdefault("scope", {})
    if "query" in scope:
        line = line_of(key_lines(text), "relevance.query")
        raise ProjectError(f"{path}{f':{line}' if line else ''}: relevance.query: [relevance] query and [scope] query"
                           " are both set; keep only [scope] query")
    warnings.warn(f"{path}: [relevance] query is now called [scope] query (what the project collects and looks "
                  "at); rename the section's key, the old name will stop working", FutureWarning, stacklevel=3)
    scope["query"] = old.pop("query")


def scope_query(config: dict[str, Any]) -> str:
    """The project's scope: the boolean query of ``[scope] query`` (stripped; empty when none)."""
    return str(config.get("scope", {}).get("query", "") or "").strip()


def update_config(folder: Path, updater: Any) -> None:
    """Edit ``antena.toml`` in place keeping the user's comments: ``updater(doc)`` mutates it."""
    path = folder / CONFIG_NAME
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    updater(doc)
    text = tomlkit.dumps(doc)
    tomllib.loads(text)  # never write a file we cannot read back
    path.write_text(text, encoding="utf-8")
