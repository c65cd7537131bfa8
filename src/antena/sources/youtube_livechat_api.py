"""YouTube Data API v3 ``liveChatMessages.list`` responses (live-stream chat).

A file holds one ``youtube#liveChatMessageListResponse``, JSON lines of them (one page per
poll, as ``antena demo`` writes them), or single ``youtube#liveChatMessage`` resources.
Each item becomes one raw record.

Conventions (see docs/post-schema.md):

* kind ``live_chat``; ``stream_id`` is ``youtube:livechat:<liveChatId>``, so messages group
  by stream (the Data API gives the chat id, not the video id);
* events carrying text a viewer wrote are posts: ``textMessageEvent`` (messageText),
  ``superChatEvent`` / ``memberMilestoneChatEvent`` / ``fanFundingEvent`` (their
  ``userComment``);
* events without viewer text (new member, gifts, Super Stickers, bans, polls, mode changes,
  a Super Chat with no comment, ...) are quarantined as ``not a post: <type>``: their
  ``displayMessage`` is written by YouTube ("NEW MEMBER! Welcome ..."), not by a viewer;
* ``messageDeletedEvent`` is a deletion notice for ``deletedMessageId``: the stored
  message loses its text, like a deleted tweet.

Format: https://developers.google.com/youtube/v3/live/docs/liveChatMessages
"""

from __future__ import annotations

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
    json_objects,
    make_post,
)

LIST_KIND = "youtube#liveChatMessageListResponse"
MESSAGE_KIND = "youtube#liveChatMessage"

# event type -> (details object, field holding the text the viewer wrote)
TEXT_EVENTS = {
    "textMessageEvent": ("textMessageDetails", "messageText"),
    "superChatEvent": ("superChatDetails", "userComment"),
    "memberMilestoneChatEvent": ("memberMilestoneChatDetails", "userComment"),
    "fanFundingEvent": ("fanFundingEventDetails", "userComment"),
}


@register_source
class YouTubeLiveChatApi(Source):
    name = "youtube_livechat_api"
    platform = "youtube"
    title = "YouTube Data API v3 live chat messages (liveChatMessages.list)"
    formats_doc = "https://developers.google.com/youtube/v3/live/docs/liveChatMessages"
    shared_samples = ("youtube_datav3_livechatmessages_json/*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)[:16384]
        if f'"{LIST_KIND}"' in text or f'"{MESSAGE_KIND}"' in text:
            return 0.95
        if '"youtube#liveBroadcast' in text:
            return 0.0  # broadcasts name their liveChatId too, but are not chat messages
        if text.startswith(("{", "[")) and '"liveChatId"' in text and '"snippet"' in text:
            return 0.7
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_objects(stream, "YouTube API"):
            if isinstance(item, Quarantine):
                yield item
            else:
                yield from self._page(item[2], item[0], item[1])

    def _page(self, page: dict[str, Any], line: int, base: str) -> Iterator[RawRecord | Quarantine]:
        synthetic = bool(page.get(SYNTHETIC_MARK))
        if isinstance(page.get("items"), list):
            messages = [(f"{base}/items/{i}", m) for i, m in enumerate(page["items"])]
        elif page.get("kind") == MESSAGE_KIND or "snippet" in page:
            messages = [(base, page)]
        else:
            error = page.get("error")
            reason = f"not a post: API error response ({error.get('message') if isinstance(error, dict) else error})" \
                if error else "not a post: no live chat messages in this object"
            yield Quarantine(reason=reason, field="items", line=line, pointer=base)
            return
        for pointer, message in messages:
            if not isinstance(message, dict):
                yield Quarantine(reason="item is not an object", field="items", line=line, pointer=pointer)
                continue
            raw: dict[str, Any] = {"message": message}
            if synthetic:
                raw[SYNTHETIC_MARK] = True
            yield RawRecord(raw, line, pointer)

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        message = raw.get("message") or {}
        snippet = message.get("snippet") or {}
        author = message.get("authorDetails") or {}
        if message.get("kind") not in (None, MESSAGE_KIND):
            return Quarantine(reason=f"not a post: {message['kind']} resource", field="kind")
        event = snippet.get("type") or "textMessageEvent"
        chat = snippet.get("liveChatId")
        stream_id = f"youtube:livechat:{chat}" if chat else None
        if event == "messageDeletedEvent":
            deleted_id = (snippet.get("deletedMessageDetails") or {}).get("deletedMessageId")
            return make_post(
                platform=self.platform, native_id=deleted_id, kind="live_chat", created_at=None,
                text=None, stream_id=stream_id, deleted=True, version_key="~deleted",
            )
        if event not in TEXT_EVENTS:
            return Quarantine(reason=f"not a post: {event} (no text written by a viewer)", field="snippet.type")
        details, field = TEXT_EVENTS[event]
        text = (snippet.get(details) or {}).get(field)
        if text is None and event == "textMessageEvent":
            text = snippet.get("displayMessage")
        if not text:
            return Quarantine(reason=f"not a post: {event} without a comment", field=f"snippet.{details}.{field}")
        return make_post(
            platform=self.platform,
            native_id=message.get("id"),
            kind="live_chat",
            created_at=snippet.get("publishedAt"),
            text=text,
            author_native=author.get("channelId") or snippet.get("authorChannelId"),
            author_handle=author.get("displayName"),
            stream_id=stream_id,
            has_media=False,
        )
