"""Credentials for the collectors: from environment variables or the system keyring only.

They are never read from ``antena.toml`` (a project folder gets copied, zipped and shared), never
written to the database, the spool, logs or exports, and every message that might quote one
(an HTTP error, an exception) goes through :meth:`Secrets.redact` first.

Each credential has one environment variable (``ANTENA_X_BEARER_TOKEN``) and one keyring entry:
service ``antena``, user ``<source>.<name>`` (``keyring set antena x.bearer_token``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from antena.errors import AntenaError

KEYRING_SERVICE = "antena"
# Settings that look like credentials: refused in antena.toml [collect.<source>].
SECRET_LIKE = {"token", "bearer_token", "access_token", "api_key", "key", "password", "app_password",
               "secret", "client_secret", "api_hash", "session", "client_id", "username"}


class CollectError(AntenaError):
    """A collector could not go on (bad credentials, an API error, an unreadable answer)."""


@dataclass(frozen=True)
class Credential:
    """One secret a collector needs: its name, environment variable, and whether it is required."""

    name: str
    env: str
    help: str
    required: bool = True


class Secrets:
    """The credentials a collector was given; prints as names only and redacts messages."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = {k: v for k, v in values.items() if v}

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def add(self, name: str, value: str) -> None:
        """Remember a secret obtained while running (a session token), so it is redacted too."""
        if value:
            self._values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __repr__(self) -> str:
        return f"Secrets({sorted(self._values)})"

    def redact(self, text: Any) -> str:
        """``text`` with every credential value (and its URL-encoded form) replaced by ``***``."""
        from urllib.parse import quote, quote_plus

        out = str(text)
        for value in sorted(self._values.values(), key=len, reverse=True):
            if len(value) < 4:
                continue
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                out = out.replace(form, "***")
        return out


def _from_keyring(source: str, name: str) -> str | None:
    try:
        import keyring
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, f"{source}.{name}")
    except Exception:  # no usable keyring backend (a server, no D-Bus): the environment only
        return None


def resolve_secrets(source: str, specs: Iterable[Credential], use_keyring: bool = True) -> Secrets:
    """Look each credential up in the environment, then in the keyring; fail naming what is missing."""
    values: dict[str, str] = {}
    missing = []
    for spec in specs:
        value = os.environ.get(spec.env) or (_from_keyring(source, spec.name) if use_keyring else None)
        if value:
            values[spec.name] = value.strip()
        elif spec.required:
            missing.append(spec)
    if missing:
        lines = [f"{spec.env} ({spec.help}); or `keyring set {KEYRING_SERVICE} {source}.{spec.name}`"
                 for spec in missing]
        raise CollectError(f"{source}: missing credentials. Set " + "; ".join(lines))
    return Secrets(values)


def check_no_secrets_in_config(source: str, settings: dict[str, Any]) -> None:
    """Refuse credentials written in antena.toml (naming the setting, never quoting its value)."""
    found = sorted(key for key in settings if key.lower() in SECRET_LIKE)
    if found:
        raise CollectError(
            f"antena.toml [collect.{source}] holds {', '.join(found)}: credentials are never read from"
            " antena.toml. Remove them and use environment variables or the system keyring (docs/collect.md)."
        )
