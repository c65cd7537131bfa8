"""Telegram Desktop chat export (``result.json``, "Export chat history" in JSON).

Two shapes: one chat ``{name, type, id, messages: [...]}``, or the full account export
``{chats: {list: [chat, ...]}, left_chats: {list: [...]}, ...}``. Each message becomes one
raw record carrying its chat's id, name and type.

Conventions (see docs/post-schema.md):

* platform ``telegram``; ``native_id`` is ``<chat id>/<message id>`` (message ids are only
  unique within a chat); ``thread_id`` is ``telegram:chat:<chat id>``;
* kind ``reply`` when ``reply_to_message_id`` is set (parent ``telegram:<chat>/<id>``),
  ``repost`` for a forwarded message (``forwarded_from``; the original is not exported,
  so no parent), else ``post``;
* ``text`` is a string or an array of strings and entities ``{type, text, href?}``: it is
  flattened to plain text; hashtags, mentions (``mention`` entities) and links
  (``link``; ``text_link`` → its ``href``) come from the entities (``text_entities`` when
  present), from the text only when no entities were exported;
* time is ``date_unixtime`` (UTC); older exports only have ``date``, the exporting
  computer's local time, read as UTC (may be off by that computer's UTC offset);
* ``edited_unixtime`` / ``edited`` is the ``version_key``: a later export of an edited
  message replaces the earlier version;
* ``type: "service"`` messages (joins, calls, pins, ...) are quarantined as
  ``not a post: service message (<action>)``;
* ``photo``, ``file`` / ``media_type``, stickers, polls, locations and contacts set
  ``has_media`` and ``media_types``; reactions' counts are summed into ``like_count``.

Format: none official; written by telegramdesktop/tdesktop
(Telegram/SourceFiles/export/output/export_output_json.cpp).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.schema import SYNTHETIC_MARK
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    head_text,
    load_json_salvaged,
    make_post,
    parse_time,
    to_int,
)

CHAT_TYPES = ("personal_chat", "private_group", "private_supergroup", "public_supergroup", "public_channel",
              "private_channel", "bot_chat", "saved_messages")
MEDIA_KEYS = {"photo": "photo", "poll": "poll", "location_information": "location",
              "contact_information": "contact", "game_title": "game", "invoice_information": "invoice"}


def flatten_text(text: Any) -> tuple[str, list[dict[str, Any]]]:
    """Plain text of a message's ``text`` (string or array), and the entity objects in it."""
    if text is None:
        return "", []
    if isinstance(text, str):
        return text, []
    if isinstance(text, dict):  # a single entity object
        text = [text]
    if not isinstance(text, list):
        return str(text), []
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            parts.append(str(part.get("text") or ""))
            entities.append(part)
    return "".join(parts), entities


def entity_fields(entities: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Hashtags, mentions and urls named by Telegram's text entities."""
    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    for entity in entities:
        kind, value = entity.get("type"), str(entity.get("text") or "")
        if kind == "hashtag" and value.lstrip("#"):
            hashtags.append(value.lstrip("#").lower())
        elif kind == "mention" and value.lstrip("@"):
            mentions.append(value.lstrip("@").lower())
        elif kind == "link" and value:
            urls.append(value if re.match(r"(?i)[a-z][a-z0-9+.-]*://", value) else f"https://{value}")
        elif kind == "text_link" and entity.get("href"):
            urls.append(str(entity["href"]))
    return {name: list(dict.fromkeys(values)) for name, values in
            (("hashtags", hashtags), ("mentions", mentions), ("urls", urls))}


def media_types(message: dict[str, Any]) -> list[str]:
    found = [label for key, label in MEDIA_KEYS.items() if message.get(key)]
    if message.get("media_type"):
        found.append(str(message["media_type"]))
    elif message.get("file"):
        found.append("file")
    return list(dict.fromkeys(found))


def _version(message: dict[str, Any]) -> str | None:
    when = parse_time(message.get("edited_unixtime")) or parse_time(message.get("edited"))
    return when.isoformat() if when else None


@register_source
class TelegramDesktop(Source):
    name = "telegram_desktop"
    platform = "telegram"
    title = "Telegram Desktop export (result.json)"
    extensions = (".json",)
    formats_doc = "https://github.com/telegramdesktop/tdesktop (export_output_json.cpp)"
    shared_samples = ("telegram_desktop_json/*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        if not text.startswith("{"):
            return 0.0
        if '"messages"' in text and any(f'"{t}"' in text for t in CHAT_TYPES):
            return 0.95
        if '"chats"' in text and '"list"' in text and ('"personal_information"' in text or '"about"' in text):
            return 0.9
        if '"messages"' in text and ('"date_unixtime"' in text or '"text_entities"' in text or '"from_id"' in text):
            return 0.85
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        doc, quarantined = load_json_salvaged(stream)
        yield from quarantined
        if doc is None:
            return
        if not isinstance(doc, dict):
            yield Quarantine(reason="not a Telegram Desktop export (expected an object)", field="(file)", line=1)
            return
        synthetic = bool(doc.get(SYNTHETIC_MARK))
        if isinstance(doc.get("messages"), list):
            yield from self._chat(doc, "", synthetic)
            return
        found = False
        for section in ("chats", "left_chats"):
            chats = (doc.get(section) or {}).get("list") if isinstance(doc.get(section), dict) else None
            for index, chat in enumerate(chats or []):
                found = True
                if isinstance(chat, dict):
                    yield from self._chat(chat, f"/{section}/list/{index}", synthetic)
                else:
                    yield Quarantine(reason="chat is not an object", field=section, line=1,
                                     pointer=f"/{section}/list/{index}")
        if not found:
            yield Quarantine(reason="not a post: export without chat messages", field="messages", line=1)

    def _chat(self, chat: dict[str, Any], base: str, synthetic: bool) -> Iterator[RawRecord | Quarantine]:
        info = {"id": chat.get("id"), "name": chat.get("name"), "type": chat.get("type")}
        for index, message in enumerate(chat.get("messages") or []):
            pointer = f"{base}/messages/{index}"
            if not isinstance(message, dict):
                yield Quarantine(reason="message is not an object", field="messages", line=1, pointer=pointer)
                continue
            raw: dict[str, Any] = {"chat": info, "message": message}
            if synthetic or chat.get(SYNTHETIC_MARK):
                raw[SYNTHETIC_MARK] = True
            yield RawRecord(raw, 1, pointer)

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        chat = raw.get("chat") or {}
        message = raw.get("message") or {}
        chat_id = chat.get("id")
        if chat_id is None or message.get("id") is None:
            return Quarantine(reason="message or chat has no id", field="id")
        if message.get("type") == "service":
            action = message.get("action") or "unknown action"
            return Quarantine(reason=f"not a post: service message ({action})", field="type")
        text, inline = flatten_text(message.get("text"))
        listed = message.get("text_entities")
        entities = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else inline
        from_entities = isinstance(listed, list) or isinstance(message.get("text"), list)
        found = entity_fields(entities) if from_entities else {}
        reply_to = message.get("reply_to_message_id")
        reply_chat = _peer_id(message.get("reply_to_peer_id")) or chat_id
        if reply_to is not None:
            kind, parent = "reply", f"telegram:{reply_chat}/{reply_to}"
        elif message.get("forwarded_from") or message.get("forwarded_from_id"):
            kind, parent = "repost", None
        else:
            kind, parent = "post", None
        media = media_types(message)
        reactions = [r for r in message.get("reactions") or [] if isinstance(r, dict)]
        likes = sum(to_int(r.get("count")) or 0 for r in reactions) if reactions else None
        return make_post(
            platform=self.platform,
            native_id=f"{chat_id}/{message['id']}",
            kind=kind,
            created_at=message.get("date_unixtime") or message.get("date"),
            text=text or None,
            author_native=message.get("from_id") or message.get("from"),
            author_handle=message.get("from"),
            parent_id=parent,
            thread_id=f"telegram:chat:{chat_id}",
            like_count=likes,
            hashtags=found.get("hashtags"),
            mentions=found.get("mentions"),
            urls=found.get("urls"),
            has_media=bool(media),
            media_types=media or None,
            version_key=_version(message),
        )


def _peer_id(peer: Any) -> str | None:
    """The numeric chat id of a ``reply_to_peer_id`` such as ``channel1234``."""
    if peer is None:
        return None
    digits = re.sub(r"\D", "", str(peer))
    return digits or None
