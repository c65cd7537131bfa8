"""TikTok Research API responses: video queries and video comment lists.

A file holds one response ``{"data": {...}, "error": {...}}``, JSON lines of responses
(one page per line), or a JSON array of responses or of bare video/comment objects.

* ``data.videos`` (``/v2/research/video/query/`` and the user liked / pinned / reposted
  video lists): each video is a post; ``id`` (``video_id`` in some examples) is the
  native id; ``video_description`` the text; ``username`` the author;
  ``hashtag_names`` / ``video_mention_list`` the hashtags / mentions; ``region_code`` the
  country. ``voice_to_text`` stays in the raw record.
* ``data.comments`` (``/v2/research/video/comment/list/``): each comment has kind
  ``comment``, ``thread_id`` ``tiktok:<video_id>`` (the video's post id) and ``parent_id``
  the comment replied to, or the video for a top-level comment (TikTok sets
  ``parent_comment_id`` to the video id there). The API gives no comment author.
* User info, follower/following lists, playlists, API errors and saved request bodies
  or queries (``{"query": ...}``, ``{"and": [...]}``) are not posts: quarantined as
  ``not a post: ...``; the sniffer does not claim requests or queries at all.

Format: https://developers.tiktok.com/doc/research-api-specs-query-videos and
https://developers.tiktok.com/doc/research-api-specs-query-video-comments
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
    to_int,
)

VIDEO_FIELDS = ("video_description", "region_code", "hashtag_names", "music_id", "voice_to_text", "effect_ids",
                "video_duration", "share_count", "view_count")
USER_FIELDS = ("bio_description", "display_name", "follower_count", "following_count", "likes_count",
               "video_count", "avatar_url", "is_verified")
USER_LISTS = ("user_followers", "user_following", "followers", "following")
QUERY_KEYS = ("and", "or", "not")


def _is_video(obj: dict[str, Any]) -> bool:
    return any(key in obj for key in VIDEO_FIELDS) and ("id" in obj or "video_id" in obj)


def _is_comment(obj: dict[str, Any]) -> bool:
    return "text" in obj and "video_id" in obj and "id" in obj


def _is_request(obj: dict[str, Any]) -> bool:
    if isinstance(obj.get("query"), dict):
        return True
    return any(isinstance(obj.get(k), list) for k in QUERY_KEYS) and "data" not in obj


@register_source
class TikTokResearch(Source):
    name = "tiktok_research"
    platform = "tiktok"
    title = "TikTok Research API (video query, comment list)"
    formats_doc = "https://developers.tiktok.com/doc/research-api-specs-query-videos"
    shared_samples = ("tiktok_research_api_json/*resp*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)[:16384]
        if not text.startswith(("{", "[")):
            return 0.0
        if '"field_name"' in text and '"data"' not in text:
            return 0.0  # a saved request/query, not a response
        if '"videos"' in text and any(f'"{f}"' in text for f in VIDEO_FIELDS[:5]):
            return 0.9
        if '"comments"' in text and '"parent_comment_id"' in text:
            return 0.9
        if '"data"' in text and '"log_id"' in text:
            return 0.8  # the Research API's error struct: user info, lists, errors
        if '"video_description"' in text and '"create_time"' in text:
            return 0.7
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_objects(stream, "TikTok API"):
            if isinstance(item, Quarantine):
                yield item
            else:
                yield from self._response(item[2], item[0], item[1])

    def _response(self, doc: dict[str, Any], line: int, base: str) -> Iterator[RawRecord | Quarantine]:
        synthetic = bool(doc.get(SYNTHETIC_MARK))
        if _is_request(doc):
            yield Quarantine(reason="not a post: a Research API request or query, not a response",
                             field="query", line=line, pointer=base)
            return
        if _is_video(doc) or _is_comment(doc):  # a bare object, e.g. an element of a saved list
            yield RawRecord(self._raw(doc, synthetic), line, base)
            return
        data = doc.get("data")
        if isinstance(data, dict):
            found = False
            for key in ("videos", "comments"):
                if isinstance(data.get(key), list):
                    found = True
                    for index, obj in enumerate(data[key]):
                        pointer = f"{base}/data/{key}/{index}"
                        if isinstance(obj, dict):
                            raw = {"video" if key == "videos" else "comment": obj}
                            if synthetic:
                                raw[SYNTHETIC_MARK] = True
                            yield RawRecord(raw, line, pointer)
                        else:
                            yield Quarantine(reason=f"{key[:-1]} is not an object", field=key, line=line,
                                             pointer=pointer)
            if found:
                return
            if any(key in data for key in USER_LISTS):
                reason = "not a post: a follower/following list"
            elif any(key in data for key in USER_FIELDS):
                reason = "not a post: user info"
            elif "playlist_id" in data or "playlist_video_ids" in data:
                reason = "not a post: playlist info"
            else:
                reason = "not a post: response without videos or comments"
            yield Quarantine(reason=reason, field="data", line=line, pointer=base)
            return
        error = doc.get("error")
        if isinstance(error, dict) and error.get("code") not in (None, "ok"):
            yield Quarantine(reason=f"not a post: API error {error.get('code')}: {error.get('message') or ''}".strip(),
                             field="error", line=line, pointer=base)
            return
        yield Quarantine(reason="not a post: no videos or comments in this object", field="data",
                         line=line, pointer=base)

    @staticmethod
    def _raw(obj: dict[str, Any], synthetic: bool) -> dict[str, Any]:
        raw: dict[str, Any] = {"video" if _is_video(obj) else "comment": obj}
        if synthetic:
            raw[SYNTHETIC_MARK] = True
        return raw

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        if "comment" in raw:
            return self._comment(raw["comment"] or {})
        return self._video(raw.get("video") or {})

    def _video(self, video: dict[str, Any]) -> Post | Quarantine:
        video_id = video.get("id") if video.get("id") is not None else video.get("video_id")
        username = video.get("username")
        hashtags = [str(h).lstrip("#").lower() for h in video.get("hashtag_names") or [] if h]
        mentions = [str(m).lstrip("@").lower() for m in video.get("video_mention_list") or [] if m]
        return make_post(
            platform=self.platform,
            native_id=video_id,
            kind="post",
            created_at=video.get("create_time"),
            text=video.get("video_description"),
            author_native=username,
            author_handle=username,
            url=f"https://www.tiktok.com/@{username}/video/{video_id}" if username else None,
            thread_id=f"tiktok:{video_id}" if video_id is not None else None,
            like_count=to_int(video.get("like_count")),
            share_count=to_int(video.get("share_count")),
            reply_count=to_int(video.get("comment_count")),
            view_count=to_int(video.get("view_count")),
            hashtags=hashtags or None,
            mentions=mentions or None,
            has_media=True,
            media_types=["video"],
            country=video.get("region_code") or None,
        )

    def _comment(self, comment: dict[str, Any]) -> Post | Quarantine:
        video_id = comment.get("video_id")
        parent = comment.get("parent_comment_id")
        if parent in (None, "", 0, "0"):
            parent = video_id
        return make_post(
            platform=self.platform,
            native_id=comment.get("id"),
            kind="comment",
            created_at=comment.get("create_time"),
            text=comment.get("text"),
            parent_id=f"tiktok:{parent}" if parent is not None else None,
            thread_id=f"tiktok:{video_id}" if video_id is not None else None,
            like_count=to_int(comment.get("like_count")),
            reply_count=to_int(comment.get("reply_count")),
            has_media=False,
        )
