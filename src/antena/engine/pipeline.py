"""Assemble the analysis pipeline from ``antena.toml`` (like spaCy's config-built pipelines).

``[pipeline] analysers`` names them in order; ``[analysers.<name>]`` holds each one's settings.
Project-wide settings are passed to the analysers that use them: ``targets`` to
``target_sentiment``, ``topics`` to ``topics``, ``[scope] query`` and ``[relevance]`` to ``relevance``; given the
project folder, ``topics`` also gets the project's trained tagger when there is one.
The chain is a pure function over Arrow batches, shared by the local and the Spark engines.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pyarrow as pa

from antena import registry
from antena.config import CONFIG_NAME, default_config_text, scope_query
from antena.errors import ProjectError
from antena.nlp.topic_tagger import model_path
from antena.schema import POST_COLUMNS
from antena.settings import key_lines, line_of, validate_section

# The default pipeline is the one the commented default antena.toml declares (one source of truth).
DEFAULT_ANALYSERS: list[str] = tomllib.loads(default_config_text("default"))["pipeline"]["analysers"]


def analyser_config(name: str, config: dict[str, Any], folder: Path | None = None) -> dict[str, Any]:
    """The settings one analyser receives from the project's configuration (and folder)."""
    settings = dict(config.get("analysers", {}).get(name, {}))
    project_model = None
    if folder is not None and name in ("relevance", "topics"):
        from antena.models.relevance_model import project_model_dir

        if (project_model_dir(folder) / "meta.json").is_file():
            project_model = str(project_model_dir(folder).resolve())
    if name == "relevance":
        settings.setdefault("query", scope_query(config))
        threshold = config.get("relevance", {}).get("threshold")
        if threshold is not None:
            settings.setdefault("threshold", threshold)
        if project_model:
            settings.setdefault("model", project_model)
    elif name == "topics":
        settings.setdefault("topics", config.get("topics", []))
        if project_model:
            settings.setdefault("relevance_model", project_model)
        if folder is not None:
            if model_path(folder).is_file():
                settings.setdefault("model", str(model_path(folder).resolve()))
    elif name == "target_sentiment":
        settings.setdefault("targets", config.get("targets", []))
    return settings


def _config_text(folder: Path | None) -> tuple[Path, str]:
    """antena.toml's path and text (empty without a project folder), for errors naming lines."""
    path = (folder / CONFIG_NAME) if folder is not None else Path(CONFIG_NAME)
    return path, path.read_text(encoding="utf-8") if folder is not None and path.is_file() else ""


def checked_settings(cls: Any, name: str, config: dict[str, Any], folder: Path | None = None) -> dict[str, Any]:
    """``analyser_config`` validated against the analyser's settings model; errors name the key and
    the line of ``[analysers.<name>]`` in antena.toml."""
    path, text = _config_text(folder)
    model = cls.settings_model()
    validate_section(model, config.get("analysers", {}).get(name, {}), text, path, ("analysers", name))
    settings = analyser_config(name, config, folder)
    validate_section(model, settings, text, path, ("analysers", name))
    return settings


def build_pipeline(config: dict[str, Any], only: list[str] | None = None, folder: Path | None = None) -> list[Any]:
    """Instantiate the configured analysers in order, checking each one's inputs exist."""
    names = config.get("pipeline", {}).get("analysers", DEFAULT_ANALYSERS)
    available = registry.analysers()
    missing = [n for n in names if n not in available]
    if missing:
        path, text = _config_text(folder)
        line = line_of(key_lines(text), "pipeline.analysers")
        raise ProjectError(f"{path}{f':{line}' if line else ''}: pipeline.analysers: unknown analysers {missing};"
                           f" available: {', '.join(available)}")
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            raise ProjectError(f"{unknown} not in the project's pipeline {names}")
    provided = set(POST_COLUMNS)
    chain = []
    for name in names:
        cls = available[name]
        lacking = [c for c in cls.requires if c not in provided]
        if lacking:
            raise ProjectError(f"analyser {name!r} needs columns {lacking}; put the analysers that add them before it")
        chain.append(cls(**checked_settings(cls, name, config, folder)))
        provided.update(cls.assigns)
    return chain


def run_chain(chain: list[Any], batch: pa.RecordBatch) -> dict[str, pa.RecordBatch]:
    """Run every analyser over ``batch``; each sees the columns earlier ones added.

    Returns each analyser's own output batch (post_id + its columns), by name.
    """
    outputs: dict[str, pa.RecordBatch] = {}
    current = batch
    for analyser in chain:
        out = analyser(current)
        if out.num_rows != current.num_rows or out.schema != analyser.output_schema():
            raise ProjectError(f"analyser {analyser.name!r} broke its contract (rows or schema)")
        outputs[analyser.name] = out
        for field in out.schema:
            if field.name == "post_id":
                continue
            if field.name in current.schema.names:
                current = current.set_column(current.schema.get_field_index(field.name), field, out.column(field.name))
            else:
                current = current.append_column(field, out.column(field.name))
    return outputs


def merged_output_schema(chain: list[Any]) -> pa.Schema:
    """One schema with post_id and every analyser's columns (for Spark's mapInArrow)."""
    fields = [pa.field("post_id", pa.string())]
    for analyser in chain:
        fields += [pa.field(k, v) for k, v in analyser.assigns.items()]
    return pa.schema(fields)


def run_chain_merged(chain: list[Any], batch: pa.RecordBatch) -> pa.RecordBatch:
    """``run_chain`` with all outputs side by side in one batch."""
    outputs = run_chain(chain, batch)
    arrays = [batch.column("post_id")]
    for analyser in chain:
        out = outputs[analyser.name]
        arrays += [out.column(k) for k in analyser.assigns]
    return pa.RecordBatch.from_arrays(arrays, schema=merged_output_schema(chain))
