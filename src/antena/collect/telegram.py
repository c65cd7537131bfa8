"""Telegram: messages of public channels and their comment threads, through a small transport.

MTProto cannot be faked locally in reasonable time, so the collector talks to a
:class:`TelegramTransport` (three methods, plain dicts in Telegram Desktop's export shape) and
knows nothing about Telethon. :class:`antena.collect.telegram_telethon.TelethonTransport`
implements it for real use with Telethon (MIT; ``pip install antena[telegram]``) and a user
account (``ANTENA_TELEGRAM_API_ID``, ``ANTENA_TELEGRAM_API_HASH`` from my.telegram.org and a
``ANTENA_TELEGRAM_SESSION`` string made once, see docs/collect.md); the tests
use a local fake with the same interface. Pages are written as Telegram Desktop ``result.json``
documents and read by the ``telegram_desktop`` importer, so a channel collected live and the
same channel exported from Telegram Desktop give the same posts.

``--channel NAME`` (a public username). Pages go back by message id (``offset_id``); later runs
stop at the newest message already collected (``min_id``); ``--comments`` adds each post's
comment thread from the linked discussion group.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

import orjson

from antena.collect.base import Body, Collector, Page
from antena.collect.credentials import CollectError, Credential
from antena.collect.http import Deadline, HttpStats

T = TypeVar("T")

PAGE = 100


class TelegramTransport(Protocol):
    """What the collector needs from Telegram, in Telegram Desktop export shapes."""

    def channel(self, name: str) -> dict[str, Any]:
        """``{"id", "name", "type"}`` of a public channel (``type``: ``public_channel``)."""
        ...

    def messages(self, name: str, *, offset_id: int, min_id: int, limit: int,
                 offset_date: datetime | None) -> list[dict[str, Any]]:
        """Messages newer than ``min_id`` and older than ``offset_id`` (0: no bound), newest first."""
        ...

    def replies(self, name: str, message_id: int, limit: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The discussion group (as ``channel``) and the comments on one channel post."""
        ...


class TelegramCollector(Collector):
    name = "telegram"
    title = "Telegram public channels (MTProto, Telethon)"
    formats = ("telegram_desktop",)
    targets = ("channel",)
    credentials = (
        Credential("api_id", "ANTENA_TELEGRAM_API_ID", "api_id from my.telegram.org"),
        Credential("api_hash", "ANTENA_TELEGRAM_API_HASH", "api_hash from my.telegram.org"),
        Credential("session", "ANTENA_TELEGRAM_SESSION", "a Telethon session string"),
    )
    default_api_base = ""  # not HTTP
    numeric_markers = True

    transport: TelegramTransport | None = None
    _stats: HttpStats | None = None

    def stats(self) -> HttpStats:
        if self._stats is None:
            self._stats = HttpStats()
        return self._stats

    def _transport(self) -> TelegramTransport:
        """Telethon, or the class named by ``[collect.telegram] transport = "module:Class"``."""
        if self.transport is None:
            named = self.settings.get("transport")
            if named:
                module, _, attr = str(named).partition(":")
                factory = getattr(importlib.import_module(module), attr)
            else:
                from antena.collect.telegram_telethon import TelethonTransport as factory
            self.transport = self._call(factory, self.secrets)
        return self.transport

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the transport; flood waits are waited for, lost connections retried with backoff."""
        stats = self.stats()
        retries = int(self.settings.get("max_retries", 6))
        base = float(self.settings.get("backoff_base", 1.0))
        for attempt in range(retries + 1):
            stats.requests += 1
            try:
                return fn(*args, **kwargs)
            except CollectError:
                raise
            except Exception as exc:  # Telethon's errors are many; they are told apart by name
                flood = getattr(exc, "seconds", None) if "FloodWait" in type(exc).__name__ else None
                transient = flood is not None or isinstance(exc, ConnectionError | OSError | TimeoutError)
                if not transient or attempt == retries:
                    raise CollectError(self.secrets.redact(f"telegram: {type(exc).__name__}: {exc}")) from None
                wait = float(flood) if flood is not None else random.uniform(0, base * 2 ** (attempt + 1))  # noqa: S311
                if flood is not None:
                    stats.waits += 1
                if flood is not None and wait > float(self.settings.get("max_wait", 900)):
                    raise Deadline(f"Telegram asks to wait {wait:.0f} s (more than max_wait)") from None
                if self.deadline is not None and time.monotonic() + wait > self.deadline:
                    raise Deadline(f"a wait of {wait:.0f} s would pass the time limit") from None
                stats.retries += 1
                stats.wait_seconds += wait
                time.sleep(wait)
        raise AssertionError("unreachable")

    def close(self) -> None:
        closer = getattr(self.transport, "close", None)
        if closer is not None:
            closer()

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        transport = self._transport()
        name = self.job.value.lstrip("@")
        chat = self._call(transport.channel, name)
        size = max(1, min(PAGE, limit or PAGE))
        found = self._call(transport.messages, name, offset_id=int(cursor or 0), min_id=int(floor or 0), limit=size,
                                   offset_date=self.job.until if not cursor else None)
        if self.job.since is not None:
            since = self.job.since.timestamp()
            kept = [m for m in found if float(m.get("date_unixtime") or 0) >= since]
            reached_since = len(kept) < len(found)
            found = kept
        else:
            reached_since = False
        if not found:
            return Page([], None)
        ids = [int(m["id"]) for m in found if str(m.get("id", "")).lstrip("-").isdigit()]
        bodies = [Body(_export(chat, found), "telegram_desktop", "messages")]
        if self.job.option("comments"):
            for message in found:
                if int(message.get("replies") or 0) > 0:
                    group, comments = self._call(transport.replies, name, int(message["id"]), 500)
                    if comments:
                        bodies.append(Body(_export(group, comments), "telegram_desktop", f"comments {message['id']}"))
        end = reached_since or len(found) < size or not ids
        return Page(bodies, None if end else str(min(ids)), str(max(ids)) if ids else None)


def _export(chat: dict[str, Any], messages: list[dict[str, Any]]) -> bytes:
    """A Telegram Desktop ``result.json`` document for one chat's messages (oldest first, as it)."""
    ordered = sorted(messages, key=lambda m: int(m.get("id") or 0))
    doc = {"name": chat.get("name"), "type": chat.get("type") or "public_channel", "id": chat.get("id"),
           "messages": [{k: v for k, v in m.items() if k != "replies"} for m in ordered]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)
