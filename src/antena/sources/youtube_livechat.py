"""YouTube's own live chat and chat replay JSON (InnerTube ``get_live_chat`` responses).

Accepted as saved by pytchat, chat-downloader or yt-dlp: a whole response
(``continuationContents.liveChatContinuation.actions``, optionally under ``response``),
a JSON array of actions, or JSON lines of actions/responses (yt-dlp's ``.live_chat.json``).
Every ``addChatItemAction`` / ``replaceChatItemAction`` item (also inside a replay's
``replayChatItemAction``) is one raw record; ``markChatItemAsDeletedAction`` is a deletion
notice. Tickers, banners and other UI actions repeat chat items and are not records.

Conventions (see docs/post-schema.md):

* kind ``live_chat``; message text is the ``runs`` joined: text runs as they are, emoji
  as the emoji itself (custom emoji as their ``:shortcut:``), links from their endpoints;
* ``stream_id`` is ``youtube:video:<videoId>`` (the same id YouTube comments use as
  thread), the video id taken from, in order: the message's context-menu params (they
  encode it), a ``live_chat?v=`` / ``watch?v=`` URL or the continuation token of the
  file, a ``[videoId]`` in the file name (yt-dlp), the last video id decoded from an
  earlier message of the file (for deletions and items without params). Failing those it is
  ``youtube:file:<file name stem>``, so one file is still one stream;
* user messages are posts: text messages, Super Chats with a message, membership
  milestone messages; items without viewer text (new member, Super Sticker, gifts,
  system and mode messages, placeholders) are quarantined as ``not a post: ...``;
* a zero ``timestampUsec`` (test data) counts as a missing time.

Format: undocumented; parsers: github.com/xenova/chat-downloader (sites/youtube.py),
github.com/taizan-hokuto/pytchat (processors/).
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterator
from functools import lru_cache
from pathlib import PurePath
from typing import IO, Any

from antena.registry import register_source
from antena.schema import SYNTHETIC_MARK
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    dig,
    extract_urls,
    head_text,
    json_records,
    make_post,
    to_int,
)

MARKERS = ("liveChatTextMessageRenderer", "addChatItemAction", "replayChatItemAction",
           "liveChatContinuation", "liveChatReplayContinuationData", "GetLiveChat_rid", "/live_chat/get_live_chat")
UI_ACTIONS = ("addLiveChatTickerItemAction", "addBannerToLiveChatCommand", "removeBannerForLiveChatCommand",
              "showLiveChatTooltipCommand", "updateLiveChatPollAction", "showLiveChatActionPanelAction",
              "closeLiveChatActionPanelAction", "updateDateTextAction", "updateViewershipAction",
              "updateTitleAction", "updateDescriptionAction", "updateToggleButtonTextAction")
# renderers whose message (``runs``) a viewer wrote
USER_RENDERERS = {"liveChatTextMessageRenderer", "liveChatPaidMessageRenderer", "liveChatMembershipItemRenderer"}
NOT_POSTS = {
    "liveChatPaidStickerRenderer": "Super Sticker (no text)",
    "liveChatLegacyPaidMessageRenderer": "new member announcement",
    "liveChatSponsorshipsGiftPurchaseAnnouncementRenderer": "membership gift announcement",
    "liveChatSponsorshipsGiftRedemptionAnnouncementRenderer": "membership gift received",
    "liveChatPlaceholderItemRenderer": "placeholder item",
    "liveChatViewerEngagementMessageRenderer": "YouTube system message",
    "liveChatModeChangeMessageRenderer": "chat mode change",
    "liveChatDonationAnnouncementRenderer": "donation announcement",
}

_VIDEO_IN_BYTES = re.compile(rb"(?:\x0a\x18UC[\w-]{22}\x12\x0b|[?&]v=|v%3D)([\w-]{11})(?![\w-])")
_B64_CHUNK = re.compile(rb"[A-Za-z0-9_\-+/]{16,}")
_VIDEO_IN_TEXT = re.compile(r"(?:live_chat(?:_replay)?|watch)(?:\?|%3F)(?:[^\s\"']*?[&?]|)v(?:=|%3D)([\w-]{11})(?![\w-])")
_VIDEO_IN_NAME = re.compile(r"\[([\w-]{11})\]")


@lru_cache(maxsize=4096)
def video_id_from_token(token: str) -> str | None:
    """The video id encoded in a continuation token or context-menu params, if any.

    These are URL-encoded base64 protobufs, sometimes nested; the video id appears either
    after the channel id (``\\n\\x18UC...\\x12\\x0b<id>``) or in an embedded ``v=<id>`` URL.
    """
    return _search(urllib.parse.unquote_to_bytes(urllib.parse.unquote(token)), 0)


def _search(data: bytes, depth: int) -> str | None:
    found = _VIDEO_IN_BYTES.search(data)
    if found:
        return found.group(1).decode()
    if depth >= 3:
        return None
    for chunk in _B64_CHUNK.findall(data):
        text = chunk.decode().replace("+", "-").replace("/", "_")
        for offset in range(4):  # the chunk may start with a protobuf length byte
            part = text[offset:]
            try:
                decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            if b"%" in decoded:
                decoded = urllib.parse.unquote_to_bytes(decoded)
            result = _search(decoded, depth + 1)
            if result:
                return result
    return None


def file_video_id(doc: Any, filename: str) -> str | None:
    """The video id a whole file is about: from its URLs or continuation tokens, or a
    ``[videoId]`` in its name (yt-dlp). None when nothing names it."""
    urls: list[str] = []
    tokens: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 12:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if key == "url":
                        urls.append(value)
                    elif key == "continuation":
                        tokens.append(value)
                    elif key in ("videoId", "video_id") and re.fullmatch(r"[\w-]{11}", value):
                        urls.append(f"watch?v={value}")
                elif key not in ("actions", "item"):
                    walk(value, depth + 1)
        elif isinstance(node, list):
            for value in node[:50]:
                walk(value, depth + 1)

    walk(doc, 0)
    for url in urls:
        found = _VIDEO_IN_TEXT.search(urllib.parse.unquote(urllib.parse.unquote(url)))
        if found:
            return found.group(1)
    for token in tokens:
        found_id = video_id_from_token(token)
        if found_id:
            return found_id
    named = _VIDEO_IN_NAME.search(PurePath(filename.split("!")[-1]).name)
    return named.group(1) if named else None


def runs_text(message: Any) -> tuple[str, list[str]]:
    """Plain text of a ``{runs: [...]}`` or ``{simpleText}`` message, plus link targets."""
    if not isinstance(message, dict):
        return "", []
    if "simpleText" in message:
        return str(message["simpleText"]), []
    parts: list[str] = []
    links: list[str] = []
    for run in message.get("runs") or []:
        if not isinstance(run, dict):
            continue
        if "text" in run:
            parts.append(str(run["text"]))
            url = dig(run, "navigationEndpoint", "urlEndpoint", "url")
            if url:
                links.append(_unwrap_redirect(url))
        elif isinstance(run.get("emoji"), dict):
            emoji = run["emoji"]
            shortcuts = emoji.get("shortcuts") or []
            if not emoji.get("isCustomEmoji") and emoji.get("emojiId") and "/" not in str(emoji["emojiId"]):
                parts.append(str(emoji["emojiId"]))
            elif shortcuts:
                parts.append(str(shortcuts[0]))
            else:
                parts.append(str(dig(emoji, "image", "accessibility", "accessibilityData", "label", default="")))
    return "".join(parts), links


def _unwrap_redirect(url: str) -> str:
    """YouTube wraps outside links in /redirect?q=<target>: keep the target."""
    parsed = urllib.parse.urlparse(url)
    if parsed.path == "/redirect":
        target = urllib.parse.parse_qs(parsed.query).get("q")
        if target:
            return target[0]
    return url


@register_source
class YouTubeLiveChat(Source):
    name = "youtube_livechat"
    platform = "youtube"
    title = "YouTube live chat / chat replay JSON (pytchat, chat-downloader, yt-dlp)"
    formats_doc = "undocumented InnerTube get_live_chat(_replay); see github.com/xenova/chat-downloader"
    shared_samples = ("youtube_livechat_json/*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        if not text.startswith(("{", "[")):
            return 0.0
        if any(marker in text for marker in MARKERS[:3]):
            return 0.9
        if any(marker in text for marker in MARKERS[3:]):
            return 0.8
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        stem = PurePath(filename.split("!")[-1]).name.split(".")[0] or "chat"
        file_video: str | None = None
        looked = False
        seen: str | None = None  # last video id decoded from a message of this file
        for item in json_records(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, _, doc = item
            if not looked or file_video is None:  # JSON lines: any line may name the video
                file_video = file_video_id(doc, filename) or file_video
                looked = True
            synthetic = isinstance(doc, dict) and bool(doc.get(SYNTHETIC_MARK))
            context = {"video": file_video, "stem": stem, "synthetic": synthetic, "seen": seen}
            yield from self._walk(doc, line, "", context, None)
            seen = context["seen"]

    def _walk(self, node: Any, line: int, pointer: str, context: dict[str, Any],
              offset: Any) -> Iterator[RawRecord | Quarantine]:
        if isinstance(node, list):
            for index, value in enumerate(node):
                yield from self._walk(value, line, f"{pointer}/{index}", context, offset)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = f"{pointer}/{key}"
            if key == "replayChatItemAction" and isinstance(value, dict):
                yield from self._walk(value.get("actions") or [], line, f"{here}/actions", context,
                                      value.get("videoOffsetTimeMsec"))
            elif key in ("addChatItemAction", "replaceChatItemAction") and isinstance(value, dict):
                item = value.get("item") if key == "addChatItemAction" else value.get("replacementItem")
                yield self._item(item, line, here, context, offset)
            elif key == "markChatItemAsDeletedAction" and isinstance(value, dict):
                raw = self._raw({"deleted": value.get("targetItemId")}, context, None)
                yield RawRecord(raw, line, here)
            elif key == "markChatItemsByAuthorAsDeletedAction":
                yield Quarantine(reason="not a post: all messages of one author removed by a moderator",
                                 field=key, line=line, pointer=here)
            elif key in UI_ACTIONS:
                continue
            elif isinstance(value, dict | list):
                yield from self._walk(value, line, here, context, offset)

    def _item(self, item: Any, line: int, pointer: str, context: dict[str, Any],
              offset: Any) -> RawRecord | Quarantine:
        if not isinstance(item, dict) or len(item) != 1:
            return Quarantine(reason="chat action without one item renderer", field="item", line=line, pointer=pointer)
        (renderer, body), = item.items()
        if not isinstance(body, dict):
            return Quarantine(reason="chat item is not an object", field=renderer, line=line, pointer=pointer)
        params = dig(body, "contextMenuEndpoint", "liveChatItemContextMenuEndpoint", "params")
        video = video_id_from_token(params) if isinstance(params, str) else None
        if video:
            context["seen"] = video  # items without params (deletions, ...) belong to the same chat
        raw = self._raw({"renderer": renderer, "item": body}, context, video)
        if offset is not None:
            raw["videoOffsetTimeMsec"] = offset
        return RawRecord(raw, line, pointer)

    @staticmethod
    def _raw(raw: dict[str, Any], context: dict[str, Any], video: str | None) -> dict[str, Any]:
        video = video or context["video"] or context.get("seen")
        raw["stream_id"] = f"youtube:video:{video}" if video else f"youtube:file:{context['stem']}"
        if video:
            raw["video_id"] = video
        if context["synthetic"]:
            raw[SYNTHETIC_MARK] = True
        return raw

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        stream_id = raw.get("stream_id")
        if "deleted" in raw:
            return make_post(platform=self.platform, native_id=raw["deleted"], kind="live_chat", created_at=None,
                             text=None, stream_id=stream_id, deleted=True, version_key="~deleted")
        renderer = raw.get("renderer") or ""
        body = raw.get("item") or {}
        if renderer in NOT_POSTS:
            return Quarantine(reason=f"not a post: {NOT_POSTS[renderer]}", field=renderer)
        text, links = runs_text(body.get("message"))
        if renderer not in USER_RENDERERS and not (text and body.get("authorExternalChannelId")):
            return Quarantine(reason=f"not a post: {renderer or 'unknown'} chat item", field=renderer or "item")
        if not text:
            what = {"liveChatPaidMessageRenderer": "Super Chat without a message",
                    "liveChatMembershipItemRenderer": "membership event without a message"}.get(renderer)
            return Quarantine(reason=f"not a post: {what or 'chat item without text'}", field=f"{renderer}.message")
        timestamp = body.get("timestampUsec")
        if to_int(timestamp) == 0:
            timestamp = None
        video = raw.get("video_id")
        return make_post(
            platform=self.platform,
            native_id=body.get("id"),
            kind="live_chat",
            created_at=timestamp,
            text=text,
            author_native=body.get("authorExternalChannelId"),
            author_handle=dig(body, "authorName", "simpleText"),
            url=f"https://www.youtube.com/watch?v={video}" if video else None,
            stream_id=stream_id,
            urls=list(dict.fromkeys([*links, *extract_urls(text)])),
            has_media=False,
        )
