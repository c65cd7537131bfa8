"""Reddit JSON: API listings, submission pages with their comment trees, and dump lines.

Reads Listings (``{"kind": "Listing", "data": {"children": [things]}}``), the two-element
array of a submission page (``[submission listing, comment listing]``), ``morechildren``
responses (``{"json": {"data": {"things": [...]}}}``), single things (``{"kind", "data"}``)
and Pushshift / Arctic Shift style lines of bare submission or comment objects. Comment
``replies`` trees are walked; each comment is stored without its replies. "more" stubs
(comments not loaded) and other things (accounts, subreddits, messages) are quarantined as
"not a post".

Submissions (t3) are posts: text is ``title + "\\n\\n" + selftext``; comments (t1) are
comments whose ``parent_id`` / ``link_id`` give parent and thread. ``[deleted]`` /
``[removed]`` bodies are deletions (no text kept); a ``[deleted]`` author has no author id.
The subreddit goes in ``place`` as ``r/<name>`` (the community a post was made in; Reddit
has no geography). ``score`` is the like count. The post id is the fullname (``t3_…``,
``t1_…``). Reddit escapes ``& < >`` in JSON text; they are unescaped.
Format: https://www.reddit.com/dev/api (listings, things) and https://github.com/reddit-archive/reddit/wiki/JSON
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.schema import SYNTHETIC_MARK
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    extract_urls,
    first_json_line,
    head_text,
    make_post,
    parse_time,
    raw_preview,
    to_int,
)

PLATFORM = "reddit"
GONE = ("[deleted]", "[removed]")
THING_KINDS = {"t1": "comment", "t2": "account", "t3": "submission", "t4": "message", "t5": "subreddit",
               "t6": "award", "more": "'more' stub", "Listing": "listing"}
SITE = "https://www.reddit.com"


def _bare_kind(obj: dict[str, Any]) -> str | None:
    """The thing kind of an unwrapped object (dump lines), guessed from its fields."""
    name = str(obj.get("name") or "")
    if name[:3] in ("t1_", "t3_"):
        return name[:2]
    if "body" in obj and ("link_id" in obj or "parent_id" in obj):
        return "t1"
    if "title" in obj and ("selftext" in obj or "subreddit" in obj):
        return "t3"
    return None


@register_source
class Reddit(Source):
    name = "reddit"
    platform = PLATFORM
    title = "Reddit JSON (listings, comment trees, dumps)"
    formats_doc = "https://www.reddit.com/dev/api"
    shared_samples = ("reddit_json/praw_*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        if not text.startswith(("{", "[")):
            return 0.0
        window = text[:65536].replace(" ", "")
        if '"kind":"Listing"' in window or any(f'"kind":"{k}"' in window for k in ("t1", "t3")):
            return 0.95
        if '"json":{"errors"' in window and '"things"' in window:
            return 0.9
        first = first_json_line(head)
        if isinstance(first, dict) and "subreddit" in first and "created_utc" in first and _bare_kind(first):
            return 0.9
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in _documents(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, doc = item
            mark = isinstance(doc, dict) and bool(doc.get(SYNTHETIC_MARK))
            for rec in _walk(doc, "", line):
                if isinstance(rec, RawRecord) and mark:
                    rec.payload[SYNTHETIC_MARK] = True
                yield rec

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        kind, data = raw.get("kind"), raw.get("data")
        if kind not in ("t1", "t3") or not isinstance(data, dict):
            return Quarantine(reason=f"not a post: {THING_KINDS.get(str(kind), kind)}", field="kind")
        fullname = data.get("name") or (f"{kind}_{data['id']}" if data.get("id") else None)
        author = data.get("author")
        author = None if author in GONE or not author else str(author)
        subreddit = data.get("subreddit")
        permalink = data.get("permalink")
        edited = data.get("edited")
        version = parse_time(edited if edited not in (None, False, True) else data.get("created_utc"))
        common = {
            "platform": PLATFORM,
            "native_id": fullname,
            "created_at": data.get("created_utc") if data.get("created_utc") is not None else data.get("created"),
            "author_native": author,
            "author_handle": author,
            "place": f"r/{subreddit}" if subreddit else None,
            "like_count": to_int(data.get("score")),
            "version_key": version.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if version else None,
        }
        if kind == "t3":
            selftext = _unescape(data.get("selftext"))
            title = _unescape(data.get("title"))
            deleted = selftext in GONE or (title in GONE and not selftext)
            text = f"{title}\n\n{selftext}" if title and selftext else title or selftext
            crosspost = data.get("crosspost_parent")
            media = _media_types(data)
            return make_post(
                kind="quote" if crosspost else "post",
                text=text,
                url=f"{SITE}{permalink}" if permalink else data.get("url"),
                parent_id=f"{PLATFORM}:{crosspost}" if crosspost else None,
                thread_id=f"{PLATFORM}:{fullname}" if fullname else None,
                reply_count=to_int(data.get("num_comments")),
                urls=None if data.get("is_self", True) or not data.get("url") else _urls(data["url"], selftext),
                has_media=bool(media),
                media_types=media or None,
                deleted=deleted,
                **common,
            )
        body = _unescape(data.get("body"))
        link = data.get("link_id")
        if permalink:
            url = f"{SITE}{permalink}"
        elif link and data.get("id"):
            url = f"{SITE}/comments/{str(link).removeprefix('t3_')}/_/{data['id']}/"
        else:
            url = None
        return make_post(
            kind="comment",
            text=body,
            url=url,
            parent_id=f"{PLATFORM}:{data['parent_id']}" if data.get("parent_id") else None,
            thread_id=f"{PLATFORM}:{link}" if link else None,
            deleted=body in GONE,
            **common,
        )


def _documents(stream: IO[bytes]) -> Iterator[tuple[int, Any] | Quarantine]:
    """``(line, document)``: JSON lines are streamed (dumps are large), else one JSON document."""
    from antena.sources.jsonread import json_values

    return json_values(stream)


def _unescape(value: Any) -> str:
    return html.unescape(value) if isinstance(value, str) else ""


def _urls(link: str, selftext: str) -> list[str]:
    return list(dict.fromkeys([link, *extract_urls(selftext)]))


def _media_types(data: dict[str, Any]) -> list[str]:
    hint = data.get("post_hint") or ""
    types = set()
    if data.get("is_video") or hint.endswith("video"):
        types.add("video")
    if hint == "image" or data.get("is_gallery") or data.get("gallery_data"):
        types.add("image")
    return sorted(types)


def _walk(doc: Any, pointer: str, line: int) -> Iterator[RawRecord | Quarantine]:
    """Raw records of one document: listings, arrays of listings, things, comment trees."""
    if isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _walk(item, f"{pointer}/{index}", line)
        return
    if not isinstance(doc, dict):
        yield _bad("not a post: JSON value is not a Reddit thing", pointer, line, doc)
        return
    kind = doc.get("kind")
    data = doc.get("data")
    if kind == "Listing" and isinstance(data, dict):
        for index, child in enumerate(data.get("children") or []):
            yield from _walk(child, f"{pointer}/data/children/{index}", line)
    elif isinstance(doc.get("json"), dict):
        things = (doc["json"].get("data") or {}).get("things") or []
        for index, child in enumerate(things):
            yield from _walk(child, f"{pointer}/json/data/things/{index}", line)
    elif kind in ("t1", "t3") and isinstance(data, dict):
        yield from _thing(kind, data, pointer, line)
    elif kind == "more" and isinstance(data, dict):
        yield _bad("not a post: 'more' stub (comments not loaded; fetch them with morechildren)",
                   pointer, line, doc, "kind")
    elif kind is not None and isinstance(data, dict):
        yield _bad(f"not a post: {THING_KINDS.get(str(kind), str(kind))} thing", pointer, line, doc, "kind")
    elif _bare_kind(doc):
        yield from _thing(_bare_kind(doc) or "", doc, pointer, line)
    else:
        yield _bad("not a post: unrecognised Reddit object", pointer, line, doc)


def _thing(kind: str, data: dict[str, Any], pointer: str, line: int) -> Iterator[RawRecord | Quarantine]:
    """One submission or comment (stored without its replies), then its replies, depth first."""
    replies = data.get("replies")
    own = {k: v for k, v in data.items() if k != "replies"}
    yield RawRecord({"kind": kind, "data": own}, line, pointer)
    if isinstance(replies, dict):
        yield from _walk(replies, f"{pointer}/data/replies", line)


def _bad(reason: str, pointer: str, line: int, obj: Any, field: str = "(record)") -> Quarantine:
    return Quarantine(reason=reason, field=field, line=line, pointer=pointer,
                      raw=raw_preview(obj))
