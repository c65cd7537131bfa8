"""Export formats of the demo corpus, as the platforms' APIs return them.

* X: API v2 response pages, one per line, as twarc2 writes them (gzipped JSONL);
  https://developer.x.com/en/docs/x-api/data-dictionary/object-model/tweet
* Facebook and Instagram: CrowdTangle ``/posts`` API responses
  (``{"status": 200, "result": {"posts": [...], "pagination": {...}}}``), one page per file;
  https://github.com/CrowdTangle/API/wiki/Posts
* Live streams: YouTube Data API ``liveChatMessages.list`` responses, one file per stream;
  https://developers.google.com/youtube/v3/live/docs/liveChatMessages

Every page, document and line carries ``"__antena_synthetic": true`` at the top level, which
the importers copy into raw records so the store marks each post ``synthetic``.
Output is deterministic: the same inputs give byte-identical files (gzip without a time stamp).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from antena.schema import SYNTHETIC_MARK

GZIP_LEVEL = 3

_HASHTAG_RE = re.compile(r"(?:^|(?<=[^\w&]))#(\w+)")
_MENTION_RE = re.compile(r"(?:^|(?<=[^\w]))@(\w+)")


def iso_ms(when: datetime) -> str:
    """``2017-04-03T18:22:10.000Z``, the time format of X and YouTube."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def ct_date(when: datetime) -> str:
    """``2017-04-03 18:22:10``, CrowdTangle's time format (UTC)."""
    return when.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------- X API v2


def tweet_entities(text: str, user_ids: dict[str, str]) -> dict[str, Any]:
    """Hashtag and mention entities with code-point offsets, as the API reports them."""
    entities: dict[str, Any] = {}
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG_RE.finditer(text)]
    if tags:
        entities["hashtags"] = tags
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1), "id": user_ids.get(m.group(1).lower(), "0")}
        for m in _MENTION_RE.finditer(text)
    ]
    if mentions:
        entities["mentions"] = mentions
    return entities


def twarc_page(
    tweets: list[dict[str, Any]],
    users: Iterable[dict[str, Any]],
    referenced: Iterable[dict[str, Any]],
    places: Iterable[dict[str, Any]],
    next_token: str,
    query: str,
    retrieved_at: str,
) -> bytes:
    """One X API v2 search page as a twarc2 JSONL line (newest tweet first)."""
    includes: dict[str, Any] = {"users": list(users)}
    refs = list(referenced)
    if refs:
        includes["tweets"] = refs
    place_list = list(places)
    if place_list:
        includes["places"] = place_list
    page = {
        "data": tweets,
        "includes": includes,
        "meta": {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"], "result_count": len(tweets),
                 "next_token": next_token},
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all?query=" + query,
                    "version": "2.14.0", "retrieved_at": retrieved_at},
        SYNTHETIC_MARK: True,
    }
    return orjson.dumps(page) + b"\n"


def write_gzip_lines(path: Path, lines: Iterable[bytes]) -> None:
    """Write lines gzipped, with no file name or time stamp in the header (reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                 compresslevel=GZIP_LEVEL) as out:
        for line in lines:
            out.write(line)


# --------------------------------------------------------------------- CrowdTangle


def crowdtangle_document(posts: list[dict[str, Any]], next_page: str | None) -> bytes:
    """One CrowdTangle ``/posts`` API response."""
    result: dict[str, Any] = {"posts": posts}
    if next_page:
        result["pagination"] = {"nextPage": next_page}
    return orjson.dumps({"status": 200, "result": result, SYNTHETIC_MARK: True}, option=orjson.OPT_INDENT_2)


# --------------------------------------------------------------------- YouTube live chat


def livechat_document(items: list[dict[str, Any]], etag: str, next_token: str) -> bytes:
    """One YouTube Data API ``liveChatMessages.list`` response holding a stream's messages."""
    doc = {
        "kind": "youtube#liveChatMessageListResponse",
        "etag": etag,
        "pollingIntervalMillis": 5000,
        "nextPageToken": next_token,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        "items": items,
        SYNTHETIC_MARK: True,
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


def livechat_message(
    message_id: str, live_chat_id: str, published: datetime, text: str, author: dict[str, Any], etag: str,
) -> dict[str, Any]:
    """One ``youtube#liveChatMessage`` of type ``textMessageEvent``."""
    return {
        "kind": "youtube#liveChatMessage",
        "etag": etag,
        "id": message_id,
        "snippet": {
            "type": "textMessageEvent",
            "liveChatId": live_chat_id,
            "authorChannelId": author["channelId"],
            "publishedAt": iso_ms(published),
            "hasDisplayContent": True,
            "displayMessage": text,
            "textMessageDetails": {"messageText": text},
        },
        "authorDetails": author,
    }


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
