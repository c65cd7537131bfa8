"""Legacy X (Twitter) API v1.1 statuses.

Reads a single status, a JSON array of statuses (timelines, retweets), search results
``{"statuses": [...], "search_metadata": ...}`` and streaming output (one JSON object per
line). In a stream, ``{"delete": ...}`` notices become deletion tombstones and
``{"status_withheld": ...}`` withheld tombstones; the other notices (``limit``,
``scrub_geo``, ``warning``, ``disconnect``, ...) and trend lists are reported as
quarantined records whose reason starts with "not a post:".

Text comes from ``extended_tweet.full_text``, then ``full_text``, then ``text``; a retweet's
text is rebuilt from ``retweeted_status``. Ids are always read from the ``*_str`` fields
(numeric ids above 2^53 lose precision in many JSON tools). Posts share platform "x" and
ids with the v2 sources, so the same tweet from a v1.1 and a v2 file is one post.
Format: https://developer.x.com/en/docs/x-api/v1/data-dictionary/object-model/tweet
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    dig,
    head_text,
    make_post,
    raw_preview,
    to_int,
)
from antena.sources.twitter_v2 import (
    PLATFORM,
    SYNTHETIC_MARK,
    json_key_paths,
    json_lines_or_document,
    reference_kind,
    tombstone,
    x_lang,
    x_url,
    x_version_key,
)

# Streaming notices that are not posts, with what to tell the user.
NOTICES = {
    "limit": "rate-limit notice (some matching tweets were not delivered)",
    "scrub_geo": "scrub_geo notice (location data of earlier tweets should be removed; not applied)",
    "user_withheld": "user withheld notice",
    "disconnect": "disconnect notice",
    "warning": "stall warning",
    "friends": "friends list (user stream)",
    "friends_str": "friends list (user stream)",
    "event": "user stream event",
    "control": "control message",
    "for_user": "site stream envelope",
}
WITHHELD_DROPPED = ("text", "full_text", "extended_tweet")
V1_DATE = re.compile(r'"created_at"\s*:\s*"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [+-]\d{4} \d{4}"')


def _id(obj: Any) -> str | None:
    """The id of a v1.1 object, from ``id_str`` whenever present."""
    if not isinstance(obj, dict):
        return None
    value = obj.get("id_str") or obj.get("id")
    return None if value in (None, "") else str(value)


def _is_status(obj: Any) -> bool:
    return isinstance(obj, dict) and _id(obj) is not None and bool(
        {"text", "full_text", "extended_tweet"} & set(obj)
    ) and "created_at" in obj


def _text_and_entities(status: dict[str, Any]) -> tuple[str | None, dict[str, Any], list[Any]]:
    """Full text, entities and media of a status (extended tweet first)."""
    extended = status.get("extended_tweet") if isinstance(status.get("extended_tweet"), dict) else {}
    text = extended.get("full_text") or status.get("full_text") or status.get("text")
    entities = extended.get("entities") or status.get("entities") or {}
    media = dig(extended, "extended_entities", "media") or dig(status, "extended_entities", "media") \
        or entities.get("media") or []
    return text, entities, media


def _entities(entities: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    tags = [h.get("text", "").lower() for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    names = [m.get("screen_name", "").lower() for m in entities.get("user_mentions") or [] if isinstance(m, dict)]
    links = [u.get("expanded_url") or u.get("url") for u in entities.get("urls") or [] if isinstance(u, dict)]
    return _unique(tags), _unique(names), _unique(links)


def _unique(values: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v))


def status_post(status: dict[str, Any]) -> Post | Quarantine:
    """Map one v1.1 status to a canonical post."""
    status_id = _id(status)
    history = [str(i) for i in dig(status, "edit_history", "edit_tweet_ids", default=[])]
    native_id = str(dig(status, "edit_history", "initial_tweet_id", default="") or "") or \
        (history[0] if history else status_id)
    withheld = bool(status.get("withheld_in_countries") or status.get("withheld_copyright"))
    retweeted = status.get("retweeted_status") if isinstance(status.get("retweeted_status"), dict) else None
    quoted_id = status.get("quoted_status_id_str") or _id(status.get("quoted_status")) \
        or (str(status["quoted_status_id"]) if status.get("quoted_status_id") else None)
    kind, parent = reference_kind({
        "retweeted": _id(retweeted),
        "replied_to": status.get("in_reply_to_status_id_str")
        or (str(status["in_reply_to_status_id"]) if status.get("in_reply_to_status_id") else None),
        "quoted": quoted_id if status.get("is_quote_status", True) else None,
    })
    text, entities, media = _text_and_entities(status)
    hashtags, mentions, urls = _entities(entities)
    if retweeted is not None and not withheld:
        original_text, original_entities, original_media = _text_and_entities(retweeted)
        if original_text:
            screen_name = dig(retweeted, "user", "screen_name")
            prefix = text.split(":", 1)[0] if text and text.startswith("RT @") else f"RT @{screen_name}"
            text = f"{prefix}: {original_text}"
            tags, names, links = _entities(original_entities)
            hashtags, mentions, urls = _unique(hashtags + tags), _unique(mentions + names), _unique(urls + links)
            media = media or original_media
    if withheld:
        text, hashtags, mentions, urls = None, [], [], []
    user = status.get("user") if isinstance(status.get("user"), dict) else {}
    place = status.get("place") if isinstance(status.get("place"), dict) else {}
    media_types = sorted({str(m["type"]) for m in media if isinstance(m, dict) and m.get("type")})
    return make_post(
        platform=PLATFORM,
        native_id=native_id,
        kind=kind,
        created_at=status.get("created_at") or status.get("timestamp_ms"),
        text=text,
        author_native=_id(user),
        author_handle=user.get("screen_name"),
        url=x_url(status_id),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=None if kind == "reply" else f"{PLATFORM}:{native_id}",
        lang=x_lang(status.get("lang")),
        like_count=to_int(status.get("favorite_count")),
        share_count=to_int(status.get("retweet_count")),
        reply_count=to_int(status.get("reply_count")),
        quote_count=to_int(status.get("quote_count")),
        hashtags=hashtags if withheld else hashtags or None,
        mentions=mentions if withheld else mentions or None,
        urls=urls if withheld else urls or None,
        has_media=bool(media),
        media_types=media_types or None,
        place=place.get("full_name") or place.get("name"),
        country=(place.get("country_code") or "").upper() or None,
        withheld=withheld,
        synthetic=bool(status.get(SYNTHETIC_MARK)) or None,
        version_key=_version_key(status, history, status_id),
    )


def _version_key(status: dict[str, Any], history: list[str], status_id: str | None) -> str:
    """Edit position; a complete text ("+") sorts after a compatibility-mode truncated one,
    and both before a v2 version, which carries its collection time after a "|"."""
    key = x_version_key(history.index(status_id) if status_id in history else 0)
    complete = not status.get("truncated") or status.get("full_text") or status.get("extended_tweet")
    return f"{key}+" if complete else key


@register_source
class TwitterV1(Source):
    name = "twitter_v1"
    platform = PLATFORM
    title = "X API v1.1 statuses (JSON, search results, timelines, stream lines)"
    formats_doc = "https://developer.x.com/en/docs/x-api/v1/data-dictionary/object-model/tweet"
    shared_samples = ("twitter_v1_1_json/*.json", "twitter_v1_1_json/*.jsonl")

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        paths = json_key_paths(text)
        top = paths.get((), set())
        # v1.1's own date format ("Wed Oct 10 20:19:24 +0000 2018") makes the match near certain
        sure = 0.03 if V1_DATE.search(text[:65_536]) else 0.0
        if "statuses" in top and "id_str" in paths.get(("statuses",), set()):
            return 0.95 + sure
        if "id_str" in top and "created_at" in top and top & {"text", "full_text", "extended_tweet", "user"}:
            return 0.95 + sure
        if "delete" in top and "id_str" in paths.get(("delete", "status"), set()):
            return 0.85
        if "status_withheld" in top and "withheld_in_countries" in paths.get(("status_withheld",), set()):
            return 0.85
        if "limit" in top and "track" in paths.get(("limit",), set()):
            return 0.6
        if {"trends", "as_of", "locations"} <= top:
            return 0.6
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_lines_or_document(stream):
            if isinstance(item, Quarantine):
                yield item
            else:
                yield from self._dispatch(item[1], item[0], "", {})

    def _dispatch(self, obj: Any, line: int, pointer: str, mark: dict[str, Any]) -> Iterator[RawRecord | Quarantine]:
        if isinstance(obj, list):
            for index, item in enumerate(obj):
                yield from self._dispatch(item, line, f"{pointer}/{index}", mark)
            return
        if not isinstance(obj, dict):
            yield Quarantine(reason="not a v1.1 status", field="(record)", line=line, pointer=pointer,
                             raw=raw_preview(obj))
            return
        if obj.get(SYNTHETIC_MARK):
            mark = {SYNTHETIC_MARK: True}
        if isinstance(obj.get("statuses"), list):
            for index, status in enumerate(obj["statuses"]):
                yield from self._dispatch(status, line, f"{pointer}/statuses/{index}", mark)
            return
        if _is_status(obj):
            if obj.get("withheld_in_countries") or obj.get("withheld_copyright"):
                obj = {k: v for k, v in obj.items() if k not in WITHHELD_DROPPED}
            yield RawRecord({**obj, **mark}, line, pointer)
        elif isinstance(obj.get("delete"), dict) or isinstance(obj.get("status_withheld"), dict):
            yield RawRecord({**obj, **mark}, line, pointer)
        else:
            notice = next((NOTICES[key] for key in obj if key in NOTICES), None)
            if notice is None and "trends" in obj:
                notice = "trending topics list"
            reason = f"not a post: {notice}" if notice else "not a v1.1 status"
            yield Quarantine(reason=reason, field="(record)", line=line, pointer=pointer,
                             raw=raw_preview(obj))

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        synthetic = bool(raw.get(SYNTHETIC_MARK))
        if isinstance(raw.get("delete"), dict):
            status = dig(raw, "delete", "status", default={})
            return tombstone(_id(status), author=status.get("user_id_str") or status.get("user_id"),
                             synthetic=synthetic)
        if isinstance(raw.get("status_withheld"), dict):
            notice = raw["status_withheld"]
            return tombstone(_id(notice), author=notice.get("user_id_str") or notice.get("user_id"),
                             withheld=True, synthetic=synthetic)
        return status_post(raw)
