"""Telegram: messages of public channels and their comment threads, through a small transport.

MTProto cannot be faked locally in reasonable time, so the collector talks to a
:class:`TelegramTransport` (three methods, plain dicts in Telegram Desktop's export shape) and
knows nothing about Telethon. :class:`antena.collect.telegram_telethon.TelethonTransport`
implements it for real use with Telethon (MIT; ``pip install antena[telegram]``) and a user
account (``ANTENA_TELEGRAM_API_ID``, ``ANTENA_TELEGRAM_API_HASH`` from my.telegram.org and a
``ANTENA_TELEGRAM_SESSION`` string made once with ``antena collect-login telegram``); the tests
use a local fake with the same interface. Pages are written as Telegram Desktop ``result.json``
documents and read by the ``telegram_desktop`` importer, so a channel collected live and the
same channel exported from Telegram Desktop give the same posts.

``--channel NAME`` (a public username). Pages go back by message id (``offset_id``); later runs
stop at the newest message already collected (``min_id``); ``--comments`` adds each post's
comment thread from the linked discussion group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import orjson

from antena.collect.base import Body, Collector, Page
from antena.collect.credentials import Credential

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

    def _transport(self) -> TelegramTransport:
        if self.transport is None:
            from antena.collect.telegram_telethon import TelethonTransport

            self.transport = TelethonTransport(self.secrets)
        return self.transport

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        transport = self._transport()
        name = self.job.value.lstrip("@")
        chat = transport.channel(name)
        size = max(1, min(PAGE, limit or PAGE))
        found = transport.messages(name, offset_id=int(cursor or 0), min_id=int(floor or 0), limit=size,
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
                    group, comments = transport.replies(name, int(message["id"]), 500)
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
