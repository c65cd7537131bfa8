"""The real Telegram transport: Telethon (MIT) over MTProto with a user account.

The MTProto calls are not exercised by the test suite (MTProto cannot be faked locally); the
collector's logic is tested against a fake transport with the same three methods, and
:func:`to_export` with Telethon ``Message`` objects built locally. Telethon messages are turned into
Telegram Desktop export dicts (``id``, ``type``, ``date``, ``date_unixtime``, ``from``,
``from_id``, ``text``, ``text_entities``, ``edited_unixtime``, ``reply_to_message_id``,
``forwarded_from``, ``photo``/``media_type``, ``reactions``), which the ``telegram_desktop``
importer reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from antena.collect.credentials import CollectError, Secrets

ENTITY_TYPES = {
    "MessageEntityHashtag": "hashtag", "MessageEntityMention": "mention", "MessageEntityUrl": "link",
    "MessageEntityTextUrl": "text_link", "MessageEntityMentionName": "mention_name",
    "MessageEntityBotCommand": "bot_command", "MessageEntityEmail": "email", "MessageEntityPhone": "phone",
    "MessageEntityCashtag": "cashtag", "MessageEntityBold": "bold", "MessageEntityItalic": "italic",
    "MessageEntityCode": "code", "MessageEntityPre": "pre", "MessageEntityUnderline": "underline",
    "MessageEntityStrike": "strikethrough", "MessageEntitySpoiler": "spoiler",
    "MessageEntityBlockquote": "blockquote",
}


class TelethonTransport:
    """:class:`antena.collect.telegram.TelegramTransport` with Telethon's synchronous client."""

    def __init__(self, secrets: Secrets) -> None:
        try:
            from telethon.sessions import StringSession
            from telethon.sync import TelegramClient
        except ImportError as exc:
            raise CollectError("telegram: install Telethon first: pip install 'antena[telegram]'") from exc
        try:
            api_id = int(secrets.get("api_id") or "")
        except ValueError:
            raise CollectError("telegram: ANTENA_TELEGRAM_API_ID must be the number from my.telegram.org") from None
        self.client = TelegramClient(StringSession(secrets.get("session")), api_id, secrets.get("api_hash"))
        self.client.connect()
        if not self.client.is_user_authorized():
            raise CollectError("telegram: the session is not logged in; make a new ANTENA_TELEGRAM_SESSION")
        self._entities: dict[str, Any] = {}

    def _entity(self, name: str) -> Any:
        if name not in self._entities:
            self._entities[name] = self.client.get_entity(name)
        return self._entities[name]

    def channel(self, name: str) -> dict[str, Any]:
        entity = self._entity(name)
        kind = "public_channel" if getattr(entity, "broadcast", False) else "public_supergroup"
        return {"id": entity.id, "name": getattr(entity, "title", name), "type": kind}

    def messages(self, name: str, *, offset_id: int, min_id: int, limit: int,
                 offset_date: datetime | None) -> list[dict[str, Any]]:
        entity = self._entity(name)
        found = self.client.get_messages(entity, limit=limit, offset_id=offset_id, min_id=min_id,
                                         offset_date=offset_date)
        return [to_export(m, getattr(entity, "title", name)) for m in found]

    def replies(self, name: str, message_id: int, limit: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        entity = self._entity(name)
        found = self.client.get_messages(entity, reply_to=message_id, limit=limit)
        group_id = found[0].peer_id.channel_id if found and hasattr(found[0].peer_id, "channel_id") else entity.id
        group = {"id": group_id, "name": f"{getattr(entity, 'title', name)} (comments)", "type": "public_supergroup"}
        return group, [to_export(m, None) for m in found]

    def close(self) -> None:
        self.client.disconnect()


def to_export(message: Any, channel_title: str | None) -> dict[str, Any]:
    """A Telethon ``Message`` as Telegram Desktop's export writes it."""
    from telethon.helpers import add_surrogate, del_surrogate

    when = message.date.astimezone(UTC)
    out: dict[str, Any] = {
        "id": message.id,
        "type": "service" if type(message).__name__ == "MessageService" else "message",
        "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "date_unixtime": str(int(when.timestamp())),
    }
    sender = getattr(message, "sender", None)
    if message.from_id is None and channel_title is not None:  # a channel post
        out["from"], out["from_id"] = channel_title, f"channel{message.peer_id.channel_id}"
    elif sender is not None:
        names = [getattr(sender, "first_name", None), getattr(sender, "last_name", None)]
        out["from"] = " ".join(n for n in names if n) or getattr(sender, "title", None)
        out["from_id"] = ("user" if hasattr(sender, "first_name") else "channel") + str(sender.id)
    elif message.from_id is not None:  # the sender's entity was not fetched: its id is enough
        peer = message.from_id
        user = getattr(peer, "user_id", None)
        out["from_id"] = f"user{user}" if user is not None else f"channel{getattr(peer, 'channel_id', '')}"
    if message.edit_date:
        edited = message.edit_date.astimezone(UTC)
        out["edited"], out["edited_unixtime"] = edited.strftime("%Y-%m-%dT%H:%M:%S"), str(int(edited.timestamp()))
    if message.reply_to and getattr(message.reply_to, "reply_to_msg_id", None):
        out["reply_to_message_id"] = message.reply_to.reply_to_msg_id
    if message.fwd_from is not None:
        out["forwarded_from"] = getattr(message.fwd_from, "from_name", None) or "channel"
    if message.photo:
        out["photo"] = "(File not included. Change data exporting settings to download.)"
    elif message.document:
        out["media_type"] = "video_file" if message.video else "file"
    text = message.message or ""
    surrogate = add_surrogate(text)
    parts: list[dict[str, Any]] = []
    position = 0
    for entity in sorted(message.entities or [], key=lambda e: e.offset):
        if entity.offset > position:
            parts.append({"type": "plain", "text": del_surrogate(surrogate[position:entity.offset])})
        piece = {"type": ENTITY_TYPES.get(type(entity).__name__, "unknown"),
                 "text": del_surrogate(surrogate[entity.offset:entity.offset + entity.length])}
        if getattr(entity, "url", None):
            piece["href"] = entity.url
        parts.append(piece)
        position = max(position, entity.offset + entity.length)
    if position < len(surrogate):
        parts.append({"type": "plain", "text": del_surrogate(surrogate[position:])})
    out["text"] = [p if p["type"] != "plain" else p["text"] for p in parts] if message.entities else text
    out["text_entities"] = parts
    if message.reactions is not None:
        out["reactions"] = [{"type": "emoji", "count": r.count, "emoji": getattr(r.reaction, "emoticon", "")}
                            for r in message.reactions.results or []]
    if message.replies is not None:
        out["replies"] = message.replies.replies
    return out
