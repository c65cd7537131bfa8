"""Bluesky AppView JSON responses (``app.bsky.feed.*`` XRPC queries and repo records).

Reads ``searchPosts``/``getPosts``/``getQuotes`` (``posts: [postView]``), ``getAuthorFeed``,
``getTimeline``, ``getFeed``, ``getActorLikes`` (``feed: [feedViewPost]``; a ``reason`` of
type ``#reasonRepost`` is a repost by ``reason.by``; the reposted post is stored too),
``getPostThread`` (``thread``, walked up through ``parent`` and down through ``replies``; the
flat V2 list too), and ``com.atproto.repo.getRecord`` /
``listRecords`` (``{uri, cid, value}``). A file may hold one response or one per line.
Follows, likes and other non-post responses are quarantined as "not a post".

The post id is the record's at-uri (``at://<did>/app.bsky.feed.post/<rkey>``), shared with
the Jetstream source so a firehose delete marks a post imported from here as deleted.
Format: https://docs.bsky.app/docs/api/app-bsky-feed-search-posts (lexicons
app.bsky.feed.defs, app.bsky.feed.post, app.bsky.richtext.facet).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from antena.registry import register_source
from antena.schema import SYNTHETIC_MARK
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    dig,
    head_text,
    json_records,
    make_post,
    raw_preview,
    to_int,
)

PLATFORM = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
_AT_URI = re.compile(r"^at://([^/]+)/([^/]+)/([^/?#]+)$")
_MEDIA_EMBEDS = {
    "app.bsky.embed.images": "image",
    "app.bsky.embed.video": "video",
    "app.bsky.embed.gallery": "image",
}
# Responses that list things other than posts: quarantined, never guessed at.
_NON_POST_LISTS = {
    "follows": "follows list", "followers": "followers list", "likes": "likes list",
    "repostedBy": "reposted-by list", "actors": "actor list", "profiles": "profile list",
    "feeds": "feed generator list", "lists": "list of lists", "notifications": "notifications",
    "starterPacks": "starter pack list", "blocks": "blocks list", "mutes": "mutes list",
}


# ---------------------------------------------------------------- shared with bluesky_jetstream


def split_at_uri(uri: Any) -> tuple[str, str, str] | None:
    """``(did, collection, rkey)`` of an at-uri, or None."""
    match = _AT_URI.match(uri) if isinstance(uri, str) else None
    return (match.group(1), match.group(2), match.group(3)) if match else None


def post_url(uri: str, handle: str | None = None) -> str | None:
    """The bsky.app web address of a post at-uri."""
    parts = split_at_uri(uri)
    if not parts or parts[1] != POST_COLLECTION:
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def iso_key(when: datetime | None) -> str | None:
    """A fixed-width UTC ISO string, so version keys sort as times."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when else None


def _facet_text(text: str, facet: dict[str, Any]) -> str | None:
    """The slice of ``text`` a facet covers (facet indexes count UTF-8 bytes)."""
    index = facet.get("index") or {}
    start, end = to_int(index.get("byteStart")), to_int(index.get("byteEnd"))
    if start is None or end is None or not 0 <= start < end:
        return None
    return text.encode("utf-8")[start:end].decode("utf-8", "replace")


def _embed_parts(embed: Any) -> tuple[str | None, list[str], list[str]]:
    """From a post record's embed: (uri of an embedded post, media types, external links)."""
    if not isinstance(embed, dict):
        return None, [], []
    kind = embed.get("$type", "")
    quoted, media, links = None, [], []
    if kind == "app.bsky.embed.record":
        quoted = dig(embed, "record", "uri")
    elif kind == "app.bsky.embed.recordWithMedia":
        quoted = dig(embed, "record", "record", "uri")
        _, media, links = _embed_parts(embed.get("media"))
    elif kind in _MEDIA_EMBEDS:
        media = [_MEDIA_EMBEDS[kind]]
    elif kind == "app.bsky.embed.external" and dig(embed, "external", "uri"):
        links = [embed["external"]["uri"]]
    parts = split_at_uri(quoted)
    return (quoted if parts and parts[1] == POST_COLLECTION else None), media, links


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Canonical fields found in an ``app.bsky.feed.post`` record (text, kind, links, tags)."""
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    for facet in record.get("facets") or []:
        if not isinstance(facet, dict):
            continue
        for feature in facet.get("features") or []:
            kind = feature.get("$type", "") if isinstance(feature, dict) else ""
            if kind.endswith("#tag") and feature.get("tag"):
                hashtags.append(str(feature["tag"]).lstrip("#").lower())
            elif kind.endswith("#mention"):
                shown = (_facet_text(text, facet) or "").strip().lstrip("@")
                mentions.append((shown or str(feature.get("did") or "")).lower())
            elif kind.endswith("#link") and feature.get("uri"):
                urls.append(str(feature["uri"]))
    hashtags += [str(t).lstrip("#").lower() for t in record.get("tags") or [] if isinstance(t, str)]
    quoted, media, links = _embed_parts(record.get("embed"))
    urls += links
    parent = dig(record, "reply", "parent", "uri")
    root = dig(record, "reply", "root", "uri")
    if parent:
        kind, parent_uri = "reply", parent
    elif quoted:
        kind, parent_uri = "quote", quoted
    else:
        kind, parent_uri = "post", None
    langs = [lang for lang in record.get("langs") or [] if isinstance(lang, str) and lang]
    return {
        "kind": kind,
        "text": text,
        "parent_id": f"{PLATFORM}:{parent_uri}" if parent_uri else None,
        "thread_root": root or parent,
        "lang": langs[0] if langs else None,
        "hashtags": list(dict.fromkeys(h for h in hashtags if h)) or None,
        "mentions": list(dict.fromkeys(m for m in mentions if m)) or None,
        "urls": list(dict.fromkeys(urls)) or None,
        "has_media": bool(media),
        "media_types": sorted(set(media)) or None,
    }


def map_post_record(
    uri: str, record: dict[str, Any], *, author_did: str | None, handle: str | None, **extra: Any
) -> Post | Quarantine:
    """Map one post record (AppView or Jetstream) to a canonical post."""
    found = record_fields(record)
    root = found.pop("thread_root")
    extra.setdefault("created_at", record.get("createdAt"))
    return make_post(
        platform=PLATFORM,
        native_id=uri,
        author_native=author_did,
        author_handle=handle,
        url=post_url(uri, handle),
        thread_id=f"{PLATFORM}:{root or uri}",
        **found,
        **extra,
    )


# ---------------------------------------------------------------- the AppView source


@register_source
class BlueskyAppView(Source):
    name = "bluesky_appview"
    platform = PLATFORM
    title = "Bluesky AppView responses (searchPosts, getAuthorFeed, getPosts, getPostThread)"
    formats_doc = "https://docs.bsky.app/docs/category/http-reference (lexicon app.bsky.feed.defs)"
    shared_samples = ("bluesky_appview_json/bskyr_*.json", "bluesky_appview_json/*_record.json",
                      "bluesky_appview_json/get_*.json")

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        if not text.startswith(("{", "[")) or '"time_us"' in text[:2000]:
            return 0.0  # Jetstream lines carry at-uris too
        window = text[:65536]
        if "at://did:" not in window and '"did:' not in window:
            return 0.0
        if re.search(r'"(posts|feed|thread|records)"\s*:\s*[\[{]', window):
            return 0.95
        if re.search(r'"app\.bsky\.(feed|graph|actor)\.', window) or '"handle"' in window:
            return 0.8
        return 0.3

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_records(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, _, doc = item
            mark = isinstance(doc, dict) and bool(doc.get(SYNTHETIC_MARK))
            for rec in _document_records(doc, "", line):
                if isinstance(rec, RawRecord) and mark:
                    rec.payload[SYNTHETIC_MARK] = True
                yield rec

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        if "post" in raw:
            return _map_post_view(raw["post"], raw.get("reason"))
        if "record_view" in raw:
            view = raw["record_view"]
            parts = split_at_uri(view.get("uri"))
            value = view.get("value") or {}
            if not parts or value.get("$type") != POST_COLLECTION:
                return Quarantine(reason=f"not a post: {value.get('$type') or 'unknown'} record", field="value.$type")
            return map_post_record(view["uri"], value, author_did=parts[0], handle=None)
        return Quarantine(reason="not a post: unrecognised Bluesky record", field="(record)")


def _map_post_view(view: dict[str, Any], reason: dict[str, Any] | None) -> Post | Quarantine:
    uri = view.get("uri")
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    author = view.get("author") or {}
    if not uri:
        return Quarantine(reason="post view without uri cannot be identified", field="uri")
    counts = {
        "like_count": to_int(view.get("likeCount")),
        "share_count": to_int(view.get("repostCount")),
        "reply_count": to_int(view.get("replyCount")),
        "quote_count": to_int(view.get("quoteCount")),
    }
    if reason and reason.get("$type") == REPOST_REASON:
        by = reason.get("by") or {}
        found = record_fields(record)
        repost_uri = reason.get("uri") or f"{uri}#repost-by-{by.get('did') or by.get('handle')}"
        return make_post(
            platform=PLATFORM,
            native_id=repost_uri,
            kind="repost",
            created_at=reason.get("indexedAt") or view.get("indexedAt"),
            text=found["text"],
            author_native=by.get("did"),
            author_handle=by.get("handle"),
            url=post_url(uri, author.get("handle")),
            parent_id=f"{PLATFORM}:{uri}",
            thread_id=f"{PLATFORM}:{found['thread_root'] or uri}",
            lang=found["lang"], hashtags=found["hashtags"], mentions=found["mentions"], urls=found["urls"],
            has_media=found["has_media"], media_types=found["media_types"],
        )
    return map_post_record(
        uri, record, author_did=author.get("did"), handle=author.get("handle"),
        created_at=record.get("createdAt") or view.get("indexedAt"), **counts,
    )


def _raw(payload: dict[str, Any], line: int, pointer: str) -> RawRecord:
    return RawRecord(payload, line, pointer)


def _document_records(doc: Any, pointer: str, line: int) -> Iterator[RawRecord | Quarantine]:
    """Split one AppView response (or record) into raw records and quarantines."""
    if isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _document_records(item, f"{pointer}/{index}", line)
        return
    if not isinstance(doc, dict):
        yield Quarantine(reason="not a post: JSON value is not an object", field="(document)", line=line, pointer=pointer)
        return
    if isinstance(doc.get("posts"), list):
        for index, view in enumerate(doc["posts"]):
            yield from _post_view(view, None, line, f"{pointer}/posts/{index}")
    elif isinstance(doc.get("feed"), list):
        for index, item in enumerate(doc["feed"]):
            where = f"{pointer}/feed/{index}"
            if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
                yield _bad("feed item has no post", where, line, item)
                continue
            yield from _post_view(item["post"], None, line, f"{where}/post")
            reason = item.get("reason")
            if isinstance(reason, dict) and reason.get("$type") == REPOST_REASON:
                yield _raw({"post": item["post"], "reason": reason}, line, f"{where}/reason")
    elif isinstance(doc.get("thread"), dict):
        yield from _thread(doc["thread"], line, f"{pointer}/thread", up=True, down=True)
    elif isinstance(doc.get("thread"), list):  # getPostThreadV2: flat items {uri, depth, value}
        for index, item in enumerate(doc["thread"]):
            view = dig(item, "value", "post")
            yield from _post_view(view if isinstance(view, dict) else dig(item, "value") or item,
                                  None, line, f"{pointer}/thread/{index}")
    elif isinstance(doc.get("records"), list):
        for index, view in enumerate(doc["records"]):
            yield from _document_records(view, f"{pointer}/records/{index}", line)
    elif "value" in doc and "uri" in doc:
        value = doc.get("value") if isinstance(doc.get("value"), dict) else {}
        if value.get("$type") == POST_COLLECTION:
            yield _raw({"record_view": doc}, line, pointer)
        else:
            yield _bad(f"not a post: {value.get('$type') or 'unknown'} record", pointer, line, doc, "value.$type")
    elif "record" in doc and "author" in doc:
        yield from _post_view(doc, None, line, pointer)
    elif doc.get("$type") == POST_COLLECTION or ("text" in doc and "createdAt" in doc):
        yield _bad("post record without uri cannot be identified (export the view or getRecord response)",
                   pointer, line, doc, "uri")
    else:
        listed = next((label for key, label in _NON_POST_LISTS.items() if key in doc), None)
        label = listed or f"{doc.get('$type') or 'unrecognised'} object"
        yield _bad(f"not a post: {label}", pointer, line, doc, "(document)")


def _post_view(view: Any, reason: Any, line: int, pointer: str) -> Iterator[RawRecord | Quarantine]:
    if not isinstance(view, dict):
        yield _bad("post view is not an object", pointer, line, view)
    elif view.get("notFound") or view.get("blocked"):
        state = "not found (deleted?)" if view.get("notFound") else "blocked"
        yield _bad(f"not a post: referenced post {state}", pointer, line, view, "uri")
    elif "uri" not in view or "record" not in view:
        yield _bad(f"not a post: {view.get('$type') or 'object without uri and record'}", pointer, line, view, "uri")
    else:
        yield _raw({"post": view} if reason is None else {"post": view, "reason": reason}, line, pointer)


def _thread(node: Any, line: int, pointer: str, *, up: bool, down: bool) -> Iterator[RawRecord | Quarantine]:
    """A ``threadViewPost``: its parents (walked up), the post, and its replies (walked down)."""
    if not isinstance(node, dict):
        return
    if up and isinstance(node.get("parent"), dict):
        yield from _thread(node["parent"], line, f"{pointer}/parent", up=True, down=False)
    if isinstance(node.get("post"), dict):
        yield from _post_view(node["post"], None, line, f"{pointer}/post")
    else:
        yield from _post_view(node, None, line, pointer)
    if down:
        for index, reply in enumerate(node.get("replies") or []):
            yield from _thread(reply, line, f"{pointer}/replies/{index}", up=False, down=True)


def _bad(reason: str, pointer: str, line: int, obj: Any, field: str = "(record)") -> Quarantine:
    return Quarantine(reason=reason, field=field, line=line, pointer=pointer,
                      raw=raw_preview(obj))
