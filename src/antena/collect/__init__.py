"""Collectors: listen live to the platforms that still give access (``antena collect``).

One module per platform; :mod:`antena.collect.base` owns the loop. :func:`build_collector`
turns CLI arguments and ``antena.toml [collect.<source>]`` settings into a ready collector.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from antena.collect.base import TARGET_KINDS, Collector, Job, Limits, RunResult
from antena.collect.credentials import CollectError, check_no_secrets_in_config, resolve_secrets
from antena.collect.http import PoliteClient, Politeness


def collectors() -> dict[str, type[Collector]]:
    """Every collector by source name."""
    from antena.collect.bluesky import BlueskyCollector
    from antena.collect.mastodon import MastodonCollector
    from antena.collect.reddit import RedditCollector
    from antena.collect.telegram import TelegramCollector
    from antena.collect.x import XCollector
    from antena.collect.youtube import YouTubeCollector

    found = (BlueskyCollector, MastodonCollector, YouTubeCollector, TelegramCollector, XCollector, RedditCollector)
    return {cls.name: cls for cls in found}


_AGE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: Any, option: str = "--since") -> datetime | None:
    """An ISO date/time (UTC unless it says otherwise) or an age such as ``7d``, ``12h``."""
    from antena.sources.base import parse_time

    if value in (None, ""):
        return None
    match = _AGE.match(str(value).strip())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    when = parse_time(value)
    if when is None:
        raise CollectError(f"{option} {value!r}: give a date like 2026-11-30, a time like 2026-11-30T18:00Z, or an age like 7d")
    return when


def settings_for(config: dict[str, Any], source: str) -> dict[str, Any]:
    """``[collect]`` settings overlaid with ``[collect.<source>]`` (sub-tables and jobs dropped)."""
    section = config.get("collect", {}) or {}
    own = section.get(source, {}) or {}
    check_no_secrets_in_config(source, own)
    merged = {k: v for k, v in section.items() if not isinstance(v, dict | list)}
    merged.update(own)
    return merged


def normalise_target(source: str, kind: str, value: str) -> str:
    """One spelling per target, so ``#Tag``/``Tag`` or ``@chan``/``chan`` continue the same job."""
    value = value.strip()
    if kind == "hashtag":
        return value.lstrip("#")
    if source == "telegram":
        return value.lstrip("@")
    if source == "reddit" and kind == "channel":
        return value.removeprefix("/").removeprefix("r/")
    return value


def build_collector(
    config: dict[str, Any],
    source: str,
    kind: str | None,
    value: str = "",
    *,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    api_base: str | None = None,
    options: dict[str, Any] | None = None,
    transport: Any = None,
) -> Collector:
    """A collector for one job; errors name the option to change."""
    table = collectors()
    if source not in table:
        raise CollectError(f"unknown source {source!r}; choose one of {', '.join(table)}")
    cls = table[source]
    window = None
    if isinstance(since, str) or isinstance(until, str):  # as written: "7d" keeps one job across runs
        window = f"{since or ''}..{until or ''}"
    since = parse_when(since, "--since") if isinstance(since, str) else since
    until = parse_when(until, "--until") if isinstance(until, str) else until
    settings = settings_for(config, source)
    if kind is None:
        if "public" not in cls.targets:
            raise CollectError(f"{source}: say what to collect with one of "
                               + ", ".join(f"--{k}" for k in cls.targets if k in TARGET_KINDS))
        kind = "public"
    if kind not in cls.targets:
        raise CollectError(f"{source} cannot collect by --{kind}; it takes "
                           + ", ".join(f"--{k}" for k in cls.targets if k != "public"))
    if until is not None and not cls.supports_until:
        raise CollectError(f"{source}: its API cannot select posts before a date, so --until is not available")
    value = normalise_target(source, kind, value or "")
    configured = settings.get("jetstream_url" if kind == "live" and source == "bluesky" else "api_base")
    base = (api_base or configured or cls.default_base_for(kind)).rstrip("/")
    if cls.default_api_base and not base.startswith(("http://", "https://", "ws://", "wss://")):
        raise CollectError(f"--api-base must be an http(s) URL, not {base!r}")
    if source == "bluesky" and kind == "live":
        from antena.config import scope_query

        settings.setdefault("scope_query", scope_query(config))
    job = Job(source, kind, value or "", since, until, base, tuple(sorted((options or {}).items())), window)
    secrets = resolve_secrets(source, cls.credentials, use_keyring=bool(settings.get("keyring", True)))
    client = None
    if cls.default_api_base:
        client = PoliteClient(Politeness.from_settings(settings, cls.min_interval), secrets, transport=transport)
    collector = cls(job, secrets, client, settings)
    if transport is not None and client is None:  # a non-HTTP transport (Telegram's)
        collector.transport = transport
    return collector


__all__ = ["Collector", "CollectError", "Job", "Limits", "RunResult", "build_collector", "collectors", "parse_when",
           "settings_for"]
