"""The planner's knowledge base: the packaged toolbox plus organisations' extension files.

``load_knowledge(extra_files)`` reads ``toolbox.yaml`` (validated by ``toolbox.schema.json``),
then merges each organisation file in order: tools and groups with a known id are updated
field by field, new tools, tips and partners are added, ``costs`` override tool costs.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from antena.errors import AntenaError

LANGS = ("es", "en")
LEVELS = ("low", "medium", "high")
PHASES = ("preparation", "before", "during", "after")
PACKAGE_FILE = "toolbox.yaml"


class KnowledgeError(AntenaError):
    """A knowledge-base file is missing, unreadable or invalid."""


def localize(value: Any, lang: str) -> str:
    """Text in ``lang`` from a plain string or a ``{es: .., en: ..}`` mapping (falls back to English)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("en") or next(iter(value.values()), "")


@dataclass
class Tool:
    id: str
    name: Any
    kind: str = "other"
    cost: str = "medium"
    amount: float | None = None
    currency: str | None = None
    owner: str = "lead"
    phase: str = "during"
    channels: list[str] = field(default_factory=list)
    activity: Any = None
    groups: list[str] = field(default_factory=list)  # declared fit (organisation tools)
    objectives: list[str] = field(default_factory=list)
    origin: str = "toolbox"


@dataclass
class Tip:
    id: str
    text: Any
    groups: list[str]
    objectives: list[str]
    tools: list[str]
    source: dict[str, Any]
    quote: str = ""
    origin: str = "toolbox"


@dataclass
class Partner:
    name: Any
    groups: list[str] = field(default_factory=list)
    objectives: list[str] = field(default_factory=list)
    country: str | None = None
    contact: str | None = None
    origin: str = "toolbox"


@dataclass
class KnowledgeBase:
    groups: dict[str, dict[str, Any]]
    objectives: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    tools: dict[str, Tool]
    tips: list[Tip]
    roles: dict[str, Any]
    sources: dict[str, dict[str, Any]]
    partners: list[Partner] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)

    def tip(self, tip_id: str) -> Tip:
        return next(t for t in self.tips if t.id == tip_id)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 3x faster


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(files("antena.plan").joinpath("toolbox.schema.json").read_text(encoding="utf-8"))


def _read(text: str, label: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{label}: not valid YAML: {exc}") from exc
    data = data or {}
    errors = sorted(Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path).lstrip(".")
        raise KnowledgeError(f"{label}: {where or 'top level'}: {first.message}"
                             + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""))
    return data


def _apply_cost(tool: Tool, cost: Any) -> None:
    if isinstance(cost, str):
        tool.cost = cost
        return
    tool.cost = cost.get("level", tool.cost)
    tool.amount = cost.get("amount", tool.amount)
    tool.currency = cost.get("currency", tool.currency)


def _merge(kb: KnowledgeBase, data: dict[str, Any], origin: str) -> None:
    kb.origins.append(origin)
    kb.sources.update(data.get("sources", {}))
    kb.roles.update(data.get("roles", {}))
    for key, target in (("groups", kb.groups), ("objectives", kb.objectives), ("metrics", kb.metrics)):
        for item in data.get(key, []):
            current = target.setdefault(item["id"], {"id": item["id"]})
            for name, value in item.items():
                if name == "partners":
                    current.setdefault("partners", []).extend(value)
                else:
                    current[name] = value
    for item in data.get("tools", []):
        tool = kb.tools.get(item["id"])
        if tool is None:
            if "name" not in item:
                raise KnowledgeError(f"{origin}: new tool `{item['id']}` needs a `name`")
            tool = kb.tools[item["id"]] = Tool(id=item["id"], name=item["name"], origin=origin)
        for name, value in item.items():
            if name == "cost":
                _apply_cost(tool, value)
            elif name != "id":
                setattr(tool, name, value)
    known_tips = {t.id for t in kb.tips}
    for item in data.get("tips", []):
        if item["id"] in known_tips:
            raise KnowledgeError(f"{origin}: tip id `{item['id']}` already exists; choose another id")
        source = dict(item.get("source", {}))
        source.setdefault("doc", origin)
        kb.tips.append(Tip(id=item["id"], text=item["text"], groups=item["groups"], objectives=item["objectives"],
                           tools=item.get("tools", []), source=source, quote=item.get("quote", ""), origin=origin))
        known_tips.add(item["id"])
    for item in data.get("partners", []):
        kb.partners.append(Partner(name=item["name"], groups=item.get("groups", []),
                                   objectives=item.get("objectives", []), country=item.get("country"),
                                   contact=item.get("contact"), origin=origin))
    for tool_id, cost in data.get("costs", {}).items():
        if tool_id not in kb.tools:
            raise KnowledgeError(f"{origin}: costs: unknown tool `{tool_id}`")
        _apply_cost(kb.tools[tool_id], cost)


def _check_references(kb: KnowledgeBase) -> None:
    def unknown(ids: list[str], known: dict[str, Any]) -> list[str]:
        return [i for i in ids if i not in known]

    for tip in kb.tips:
        for kind, ids, known in (("group", tip.groups, kb.groups), ("objective", tip.objectives, kb.objectives),
                                 ("tool", tip.tools, kb.tools)):
            if bad := unknown(ids, known):
                raise KnowledgeError(f"{tip.origin}: tip `{tip.id}` names unknown {kind} {', '.join(bad)}")
    for tool in kb.tools.values():
        if bad := unknown(tool.groups, kb.groups) + unknown(tool.objectives, kb.objectives):
            raise KnowledgeError(f"{tool.origin}: tool `{tool.id}` names unknown group/objective {', '.join(bad)}")
    for partner in kb.partners:
        if bad := unknown(partner.groups, kb.groups) + unknown(partner.objectives, kb.objectives):
            raise KnowledgeError(f"{partner.origin}: partner names unknown group/objective {', '.join(bad)}")
    for objective in kb.objectives.values():
        if bad := unknown(objective.get("kpis", []), kb.metrics):
            raise KnowledgeError(f"objective `{objective['id']}` names unknown metric {', '.join(bad)}")


def _check_bilingual(data: dict[str, Any]) -> None:
    """The packaged file must hold every text in both Spanish and English."""

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if set(node) & set(LANGS) and all(isinstance(v, str) for v in node.values()):
                missing = [lang for lang in LANGS if not node.get(lang)]
                if missing:
                    raise KnowledgeError(f"{PACKAGE_FILE}: {path} lacks {', '.join(missing)}")
                return
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    for key in ("groups", "objectives", "metrics", "tools", "tips", "roles"):
        walk(data.get(key), key)


@lru_cache(maxsize=1)
def _package_data() -> dict[str, Any]:
    data = _read(files("antena.plan").joinpath(PACKAGE_FILE).read_text(encoding="utf-8"), PACKAGE_FILE)
    _check_bilingual(data)
    return data


def load_knowledge(extra_files: list[Path] | None = None) -> KnowledgeBase:
    """The packaged toolbox merged with organisation files (later files win)."""
    data = copy.deepcopy(_package_data())
    kb = KnowledgeBase(groups={}, objectives={}, metrics={}, tools={}, tips=[], roles={}, sources={})
    _merge(kb, data, "toolbox")
    for path in extra_files or []:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KnowledgeError(f"{path}: cannot read: {exc.strerror}") from exc
        _merge(kb, _read(text, str(path)), data_origin(path, text))
    _check_references(kb)
    return kb


def data_origin(path: Path, text: str) -> str:
    """The label an organisation file's entries carry: its `organisation` name, else the file name."""
    try:
        name = (yaml.safe_load(text) or {}).get("organisation")
    except yaml.YAMLError:
        name = None
    return str(name) if name else path.name
