"""YouTube Data API v3 comments: ``commentThreads.list`` and ``comments.list`` responses.

A file holds one response document, JSON lines of responses, or single resources
(``youtube#commentThread`` / ``youtube#comment``, as ``insert`` returns them). A thread's
top-level comment and the replies in ``replies.comments`` each become one raw record that
carries the thread facts it needs (video, channel, reply count), so ``map`` stays pure.

Conventions (see docs/post-schema.md):

* every comment, top-level or reply, has kind ``comment``; a reply's ``parent_id`` is
  ``youtube:<parentId>`` (the top-level comment's post id);
* ``thread_id`` is ``youtube:video:<videoId>`` (the video is not itself a post); a
  channel discussion comment without a video gets ``youtube:channel:<channelId>``;
* text is ``textOriginal`` (plain) when the API returns it, else ``textDisplay`` turned
  from HTML into plain text (links kept in ``urls``);
* ``version_key`` is ``updatedAt``: an edited comment replaces the older version.

Format: https://developers.google.com/youtube/v3/docs/commentThreads and .../docs/comments
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from html.parser import HTMLParser
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
    guarded,
    head_text,
    json_records,
    make_post,
    parse_time,
    to_int,
)

THREAD_KINDS = ("youtube#commentThreadListResponse", "youtube#commentListResponse")
RESOURCE_KINDS = ("youtube#commentThread", "youtube#comment")


class _HtmlText(HTMLParser):
    """Plain text and link targets of YouTube's ``textDisplay`` HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith(("http://", "https://")):
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """``textDisplay`` HTML as plain text, plus the hrefs of its links."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return html.unescape("".join(parser.parts)), parser.links


def version_key(snippet: dict[str, Any], knows_thread: bool) -> str | None:
    """``updatedAt`` as ISO UTC, so versions compare in time order. For one and the same
    version, a copy that knows its video/channel (from a thread) outranks a bare
    ``comments.list`` copy, so importing both keeps the thread."""
    when = parse_time(snippet.get("updatedAt")) or parse_time(snippet.get("publishedAt"))
    if when is None:
        return None
    return when.isoformat() + (" thread" if knows_thread else "")


@register_source
class YouTubeComments(Source):
    name = "youtube_comments"
    platform = "youtube"
    title = "YouTube Data API v3 comments (commentThreads / comments)"
    formats_doc = "https://developers.google.com/youtube/v3/docs/commentThreads"
    shared_samples = ("youtube_datav3_comments_json/*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)[:8192]
        if any(f'"{kind}"' in text for kind in THREAD_KINDS):
            return 0.95
        if '"youtube#commentThread"' in text or '"youtube#comment"' in text:
            return 0.9
        if text.startswith(("{", "[")) and '"topLevelComment"' in text:
            return 0.7
        if text.startswith(("{", "[")) and '"textOriginal"' in text and '"authorChannelId"' in text:
            return 0.5
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_records(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, _, doc = item
            documents = doc if isinstance(doc, list) else [doc]
            for index, document in enumerate(documents):
                base = f"/{index}" if isinstance(doc, list) else ""
                yield from self._document(document, line, base)

    def _document(self, doc: Any, line: int, base: str) -> Iterator[RawRecord | Quarantine]:
        if not isinstance(doc, dict):
            yield Quarantine(reason="not a YouTube API object", field="(document)", line=line, pointer=base)
            return
        synthetic = bool(doc.get(SYNTHETIC_MARK))
        if isinstance(doc.get("items"), list):
            for index, resource in enumerate(doc["items"]):
                pointer = f"{base}/items/{index}"
                yield from guarded(self._resource(resource, line, pointer, synthetic), line, pointer, resource)
        elif doc.get("kind") in RESOURCE_KINDS or "snippet" in doc:
            yield from guarded(self._resource(doc, line, base, synthetic), line, base, doc)
        elif "error" in doc:
            error = doc.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            yield Quarantine(reason=f"not a post: API error response ({message})", field="error",
                             line=line, pointer=base)
        else:
            yield Quarantine(reason="not a post: no comments in this object", field="items", line=line, pointer=base)

    def _resource(self, res: Any, line: int, pointer: str, synthetic: bool) -> Iterator[RawRecord | Quarantine]:
        if not isinstance(res, dict):
            yield Quarantine(reason="item is not an object", field="items", line=line, pointer=pointer)
            return
        snippet = res.get("snippet") or {}
        top = snippet.get("topLevelComment")
        if res.get("kind") == "youtube#commentThread" or isinstance(top, dict):
            thread = {
                "id": res.get("id"),
                "videoId": snippet.get("videoId"),
                "channelId": snippet.get("channelId"),
                "totalReplyCount": snippet.get("totalReplyCount"),
            }
            if isinstance(top, dict):
                yield RawRecord(_raw(top, thread, synthetic), line, f"{pointer}/snippet/topLevelComment")
            else:
                yield Quarantine(reason="thread has no topLevelComment", field="snippet.topLevelComment",
                                 line=line, pointer=pointer)
            for index, reply in enumerate(dig(res, "replies", "comments", default=[])):
                if isinstance(reply, dict):
                    yield RawRecord(_raw(reply, thread, synthetic), line, f"{pointer}/replies/comments/{index}")
                else:
                    yield Quarantine(reason="reply is not an object", field="replies.comments",
                                     line=line, pointer=f"{pointer}/replies/comments/{index}")
        else:
            yield RawRecord(_raw(res, None, synthetic), line, pointer)

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        comment = raw.get("comment") or {}
        thread = raw.get("thread") or {}
        snippet = comment.get("snippet") or {}
        if not snippet:
            return Quarantine(reason="comment has no snippet", field="snippet")
        comment_id = comment.get("id")
        parent = snippet.get("parentId")
        if not parent and thread.get("id") and comment_id != thread["id"]:
            parent = thread["id"]  # a reply listed under its thread
        is_top = bool(thread) and not parent
        video = snippet.get("videoId") or thread.get("videoId")
        channel = snippet.get("channelId") or thread.get("channelId")
        if video:
            thread_id = f"youtube:video:{video}"
        elif channel:
            thread_id = f"youtube:channel:{channel}"
        else:
            thread_id = None
        links: list[str] = []
        text = snippet.get("textOriginal")
        if text is None and snippet.get("textDisplay") is not None:
            text, links = html_to_text(str(snippet["textDisplay"]))
        urls = list(dict.fromkeys([*links, *extract_urls(text)]))
        author = snippet.get("authorChannelId")
        author_id = author.get("value") if isinstance(author, dict) else author
        return make_post(
            platform=self.platform,
            native_id=comment_id,
            kind="comment",
            created_at=snippet.get("publishedAt"),
            text=text,
            author_native=author_id,
            author_handle=snippet.get("authorDisplayName"),
            url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
            parent_id=f"youtube:{parent}" if parent else None,
            thread_id=thread_id,
            like_count=to_int(snippet.get("likeCount")),
            reply_count=to_int(thread.get("totalReplyCount")) if is_top else None,
            urls=urls,
            has_media=False,
            version_key=version_key(snippet, bool(video or channel)),
        )


def _raw(comment: dict[str, Any], thread: dict[str, Any] | None, synthetic: bool) -> dict[str, Any]:
    raw: dict[str, Any] = {"comment": comment}
    if thread:
        raw["thread"] = thread
    if synthetic:
        raw[SYNTHETIC_MARK] = True
    return raw
