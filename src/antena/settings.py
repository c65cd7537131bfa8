"""Typed, validated settings of ``antena.toml`` (pydantic v2).

Every section has a model; a key the model does not know is an error, not silently dropped.
Errors name the file, the line and the key (``antena.toml:42: targets[1].aliases: ...``), so an
analyst can open the file at the right place. Analysers validate their own ``[analysers.<name>]``
section against the settings model they declare (``Analyser.settings_model``).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from antena.errors import ProjectError

_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


class Section(BaseModel):
    """A table of antena.toml: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ProjectSettings(Section):
    name: str | None = None
    languages: list[str] = Field(default_factory=lambda: ["es", "en"])
    timezone: str = "UTC"
    memory_limit: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'America/Mexico_City'") from None
        return value

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        if value is not None and not _MEMORY.match(value.strip()):
            raise ValueError(f"must look like '2GB' or '512MB', not {value!r}")
        return value


class PrivacySettings(Section):
    keep_handles: bool = False
    redact: bool = True


class ScopeSettings(Section):
    query: str = ""


class RelevanceSettings(Section):
    threshold: float | None = Field(None, ge=0, le=1)  # None: the relevance model's own threshold


class Target(Section):
    id: str = Field(min_length=1)
    name: str | dict[str, str] | None = None  # text, or { es = "...", en = "..." }
    kind: str | None = None
    aliases: list[str] = Field(default_factory=list)


class Topic(Section):
    id: str = Field(min_length=1)
    name: str | dict[str, str] | None = None
    seeds: list[str] = Field(default_factory=list)


class Kpi(Section):
    metric: str
    target: str | None = None
    hashtags: list[str] | None = None
    query: str | None = None
    baseline: float | None = None
    goal: float | None = None
    unit: str | None = None
    direction: Literal["up", "down"] = "up"
    description: str | None = None


class Campaign(Section):
    id: str = Field(min_length=1)
    name: str | None = None
    start: date
    end: date
    before_days: int | None = Field(None, ge=1)
    after_days: int | None = Field(None, ge=1)
    groups: list[str] = Field(default_factory=list)
    objectives: list[str] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Campaign:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class PipelineSettings(Section):
    analysers: list[str] | None = None


class ProtectSettings(Section):
    threshold: float = Field(0.5, ge=0, le=1)


class SpikeSettings(Section):
    baseline_days: int = Field(14, ge=1)
    sensitivity: float = Field(3.0, gt=0)
    min_ratio: float = Field(2.0, ge=1)
    min_count: int = Field(10, ge=0)


class AnalyticsSettings(Section):
    spikes: SpikeSettings = Field(default_factory=SpikeSettings)
    # posts whose top calibrated probability is below this count as "uncertain" (0: never)
    uncertain_below: float = Field(0.4, ge=0, lt=1)


class EvidenceSettings(Section):
    """``[evidence]``: the least evidence a statement in findings, recommendations or impact
    summaries needs; below it the report says "too few posts to say (n = ...)"."""

    min_posts_share: int = Field(30, ge=1)  # posts behind a share (awareness, topic, emotion, platform)
    min_target_mentions: int = Field(20, ge=1)  # mentions behind a target's sentiment
    min_impact_days: int = Field(7, ge=1)  # days with data on each side of a campaign comparison


class ImportSettings(Section):
    mappings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # limits against hostile or broken files (antena.store.limits, docs/security.md)
    max_line_mib: float = Field(16, gt=0)
    max_document_mib: float = Field(256, gt=0)
    max_member_gib: float = Field(4, gt=0)
    max_ratio: float = Field(200, gt=1)
    # which import path reads the big formats (antena.store.vectorised): auto, vectorised or python
    path: Literal["auto", "vectorised", "python"] = "auto"


class ServeSettings(Section):
    """Sign-in throttling of ``antena serve`` (antena.web.throttle, docs/security.md)."""

    login_free_failures: int = Field(3, ge=0)
    login_max_delay: float = Field(300, ge=0)
    login_lock_after: int = Field(20, ge=1)
    login_account_free_failures: int = Field(20, ge=0)
    login_account_max_delay: float = Field(30, ge=0)
    login_account_lock_after: int = Field(500, ge=1)


class ModelsSettings(Section):
    # "accurate": `antena predict sentiment|emotion|target-sentiment` uses the fine-tuned e5-small
    # model averaged with the fast one (docs/models/accurate.md)
    tier: Literal["fast", "accurate"] = "fast"
    accurate_path: str | None = None  # a model folder (model.onnx + meta.json); default: the packaged one


# Settings that look like credentials: refused in [collect] (they come from the environment or keyring).
SECRET_LIKE = {"token", "bearer_token", "access_token", "api_key", "key", "password", "app_password",
               "secret", "client_secret", "api_hash", "session", "client_id", "username"}


class CollectSourceSettings(Section):
    """``[collect]`` and ``[collect.<source>]`` (docs/collect.md); never credentials."""

    api_base: str | None = None
    auth_base: str | None = None
    jetstream_url: str | None = None
    user_agent: str | None = None
    subreddit: str | None = None
    transport: str | None = None
    lang: str | None = None
    replies: bool = True
    keyring: bool = True
    min_interval: float | None = Field(None, ge=0)
    max_retries: int | None = Field(None, ge=0)
    backoff_base: float | None = Field(None, ge=0)
    backoff_cap: float | None = Field(None, ge=0)
    max_wait: float | None = Field(None, ge=0)
    timeout: float | None = Field(None, gt=0)
    min_poll: float | None = Field(None, ge=0)
    jetstream_batch_seconds: float | None = Field(None, gt=0)
    jetstream_batch_events: int | None = Field(None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _no_credentials(cls, values: Any) -> Any:
        if isinstance(values, dict):
            found = sorted(str(k) for k in values if str(k).lower() in SECRET_LIKE)
            if found:
                raise ValueError(f"{', '.join(found)}: credentials are never read from antena.toml; use environment"
                                 " variables or the system keyring (docs/collect.md)")
        return values


class CollectJob(Section):
    """One ``[[collect.jobs]]`` entry run by ``antena watch``."""

    source: Literal["bluesky", "mastodon", "youtube", "telegram", "x", "reddit"]
    query: str | None = None
    hashtag: str | None = None
    channel: str | None = None
    video: str | None = None
    live: bool = False
    comments: bool = False
    archive: bool = False
    since: str | date | None = None
    until: str | date | None = None
    max: int | None = Field(None, ge=1)
    time_limit: str | float | None = None
    api_base: str | None = None


class CollectSettings(CollectSourceSettings):
    bluesky: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    mastodon: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    youtube: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    telegram: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    x: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    reddit: CollectSourceSettings = Field(default_factory=CollectSourceSettings)
    jobs: list[CollectJob] = Field(default_factory=list)


class WebhookSettings(Section):
    name: str | None = None
    url: str | None = None
    url_env: str | None = None
    token_env: str | None = None
    slack: bool = False

    @model_validator(mode="after")
    def _has_url(self) -> WebhookSettings:
        if not self.url and not self.url_env:
            raise ValueError("a webhook needs `url`, or `url_env` naming an environment variable")
        return self


class EmailSettings(Section):
    host: str
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    from_: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    cafile: str | None = None
    user_env: str = "ANTENA_SMTP_USER"
    password_env: str = "ANTENA_SMTP_PASSWORD"
    timeout: float = Field(30.0, gt=0)


class AlertSettings(Section):
    """``[alerts]``: where ``antena watch`` sends alerts (docs/collect.md)."""

    dashboard_url: str = "http://127.0.0.1:8765"
    lookback_days: int = Field(2, ge=0)
    lang: Literal["es", "en"] | None = None
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    email: EmailSettings | None = None


class Settings(Section):
    """The whole of antena.toml."""

    project: ProjectSettings = Field(default_factory=ProjectSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    scope: ScopeSettings = Field(default_factory=ScopeSettings)
    relevance: RelevanceSettings = Field(default_factory=RelevanceSettings)
    targets: list[Target] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    analysers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    protect: ProtectSettings = Field(default_factory=ProtectSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    models: ModelsSettings = Field(default_factory=ModelsSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    import_: ImportSettings = Field(default_factory=ImportSettings, alias="import")
    collect: CollectSettings = Field(default_factory=CollectSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    @model_validator(mode="after")
    def _unique_ids(self) -> Settings:
        for section in ("targets", "topics", "campaigns"):
            ids = [item.id for item in getattr(self, section)]
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{section} ids must be unique; repeated: {', '.join(repeated)}")
        return self


# ---------------------------------------------------------------- where a key is written


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]+"|'[^']+'|[A-Za-z0-9_-]+)\s*=""")


def key_lines(text: str) -> dict[str, int]:
    """Dotted key (``targets[1].aliases``) -> line number (from 1) where it is written.

    Tables and arrays of tables are followed; text inside multi-line strings is skipped."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            name = ".".join(part.strip().strip("\"'") for part in header.group(2).split("."))
            if header.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                table = f"{name}[{counts[name]}]"
            else:
                parts = name.split(".")  # a sub-table of the latest array item: campaigns.kpis
                base = parts[0]
                table = f"{base}[{counts[base]}]" + "".join("." + p for p in parts[1:]) if base in counts else name
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            dotted = (table + "." if table else "") + key.group(1).strip("\"'")
            lines.setdefault(dotted, number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return lines


def dotted(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted key: ('targets', 1, 'aliases') -> targets[1].aliases."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, or of the nearest enclosing key or table that is written."""
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return None


def explain(error: ValidationError, text: str, path: Path | str, prefix: tuple[Any, ...] = ()) -> str:
    """One line per problem: ``path:line: key: message``."""
    lines = key_lines(text)
    out = []
    for problem in error.errors():
        loc = tuple("import" if p == "import_" else p for p in prefix + tuple(problem["loc"]))
        key = dotted(loc)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown setting (check its spelling and docs/configuration.md)"
        line = line_of(lines, key)
        where = f"{path}:{line}" if line else str(path)
        out.append(f"{where}: {key or '(top level)'}: {message}")
    return "\n".join(out)


def validate_settings(config: dict[str, Any], text: str, path: Path | str) -> Settings:
    """``config`` (parsed antena.toml) as ``Settings``; ``ProjectError`` naming line and key."""
    try:
        return Settings.model_validate(config)
    except ValidationError as exc:
        raise ProjectError(explain(exc, text, path)) from None


def validate_section(model: type[BaseModel], values: dict[str, Any], text: str, path: Path | str,
                     prefix: tuple[Any, ...]) -> BaseModel:
    """Validate one section (e.g. ``[analysers.topics]``) against its model, errors as above."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ProjectError(explain(exc, text, path, prefix)) from None
