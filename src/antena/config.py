"""Reading and writing ``antena.toml``."""

from __future__ import annotations

import tomllib
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomlkit

from antena.errors import ProjectError

CONFIG_NAME = "antena.toml"


def default_config_text(name: str) -> str:
    """The commented default ``antena.toml`` for a new project called ``name``."""
    template = files("antena").joinpath("default_config.toml").read_text(encoding="utf-8")
    return template.replace("__NAME__", name.replace('"', "'"))


def load_config(folder: Path) -> dict[str, Any]:
    """Parse the project's ``antena.toml``; errors name the file, line and column."""
    path = folder / CONFIG_NAME
    if not path.exists():
        raise ProjectError(f"{folder} is not an Antena project (no {CONFIG_NAME}); run `antena init {folder}`")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}") from exc
    validate_config(config, path)
    migrate_scope(config, path)
    return config


def migrate_scope(config: dict[str, Any], path: Path | str = CONFIG_NAME) -> None:
    """Read the old ``[relevance] query`` as ``[scope] query`` (with a deprecation warning)."""
    old = config.get("relevance", {})
    if "query" not in old:
        return
    scope = config.setdefault("scope", {})
    if "query" in scope:
        raise ProjectError(f"{path}: [relevance] query and [scope] query are both set; keep only [scope] query")
    warnings.warn(f"{path}: [relevance] query is now called [scope] query (what the project collects and looks "
                  "at); rename the section's key, the old name will stop working", FutureWarning, stacklevel=3)
    scope["query"] = old.pop("query")


def scope_query(config: dict[str, Any]) -> str:
    """The project's scope: the boolean query of ``[scope] query`` (stripped; empty when none)."""
    return str(config.get("scope", {}).get("query", "") or "").strip()


def validate_config(config: dict[str, Any], path: Path) -> None:
    """Check the parts later stages rely on, with messages that name the setting."""
    for i, target in enumerate(config.get("targets", [])):
        if not target.get("id") or not isinstance(target.get("aliases", []), list):
            raise ProjectError(f"{path}: targets[{i}] needs an `id` and a list of `aliases`")
    for i, topic in enumerate(config.get("topics", [])):
        if not topic.get("id"):
            raise ProjectError(f"{path}: topics[{i}] needs an `id`")
    for i, campaign in enumerate(config.get("campaigns", [])):
        for key in ("id", "start", "end"):
            if key not in campaign:
                raise ProjectError(f"{path}: campaigns[{i}] needs `{key}`")


def update_config(folder: Path, updater: Any) -> None:
    """Edit ``antena.toml`` in place keeping the user's comments: ``updater(doc)`` mutates it."""
    path = folder / CONFIG_NAME
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    updater(doc)
    text = tomlkit.dumps(doc)
    tomllib.loads(text)  # never write a file we cannot read back
    path.write_text(text, encoding="utf-8")
