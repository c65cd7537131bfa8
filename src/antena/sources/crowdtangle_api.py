"""CrowdTangle API responses (``/posts``, ``/posts/search``): Facebook and Instagram posts.

A file is one response ``{"status": 200, "result": {"posts": [...], "pagination": {...}}}``,
or one response per line (saved pages), or a bare list of posts. Each post becomes one raw
record; its platform ("Facebook"/"Instagram") comes from the record itself.
Format: https://github.com/CrowdTangle/API/wiki/Post (Post object) and the CrowdTangle
codebook (help.crowdtangle.com/en/articles/3213537-crowdtangle-codebook).

Mapping notes: Facebook text is ``message`` (``description``/``title`` describe a shared link,
not the author's words); Instagram captions are in ``description``. ``like_count`` is the sum of
all Facebook reactions (like, love, wow, haha, sad, angry, care, thankful) and Instagram's
``favoriteCount``. ``updated`` orders versions of a post. Instagram posts are keyed by their
shortcode (``/p/<code>/``) so CSV exports of the same post match.
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
    dig,
    extract_urls,
    head_text,
    json_records,
    make_post,
    to_int,
)

# Facebook reaction counters CrowdTangle reports; their sum is the post's like_count.
FACEBOOK_REACTIONS = ("likeCount", "loveCount", "wowCount", "hahaCount", "sadCount",
                      "angryCount", "careCount", "thankfulCount")
VIEW_COUNTERS = ("videoViewCount", "viewCount", "videoViews", "postViews", "totalViews")

# CrowdTangle post ``type`` -> canonical media type.
MEDIA_BY_TYPE = {
    "photo": "photo", "album": "photo", "video": "video", "native_video": "video",
    "live_video": "video", "live_video_complete": "video", "live_video_scheduled": "video",
    "youtube": "video", "vine": "video", "igtv": "video", "reel": "video",
    "live_video_ended": "video",
}

_INSTAGRAM_CODE_RE = re.compile(r"instagram\.com/(?:[^/?#]+/)?(?:p|reel|reels|tv)/([A-Za-z0-9_-]+)")
_PLATFORM_HOSTS = ("facebook.com", "fb.com", "fb.watch", "instagram.com")


def instagram_shortcode(url: Any) -> str | None:
    """The shortcode of an Instagram post URL (``https://www.instagram.com/p/<code>/``)."""
    match = _INSTAGRAM_CODE_RE.search(str(url or ""))
    return match.group(1) if match else None


def media_type(post_type: Any) -> str | None:
    return MEDIA_BY_TYPE.get(str(post_type or "").strip().lower().replace(" ", "_"))


def external_urls(*candidates: Any) -> list[str]:
    """Unique URLs that point outside Facebook/Instagram (shared links), in order."""
    found: list[str] = []
    for url in candidates:
        if not url or not isinstance(url, str) or not url.startswith("http"):
            continue
        host = url.split("/", 3)[2].lower() if url.count("/") >= 2 else ""
        if any(host == h or host.endswith("." + h) for h in _PLATFORM_HOSTS):
            continue
        if url not in found:
            found.append(url)
    return found


def _posts_of(document: Any) -> tuple[list[Any], str] | None:
    """The list of posts in one response and the JSON pointer of that list."""
    if isinstance(document, list):
        return document, ""
    if not isinstance(document, dict):
        return None
    if isinstance(dig(document, "result", "posts"), list):
        return document["result"]["posts"], "/result/posts"
    if isinstance(document.get("posts"), list):
        return document["posts"], "/posts"
    return None


@register_source
class CrowdTangleApi(Source):
    name = "crowdtangle_api"
    platform = "facebook"
    title = "CrowdTangle API posts (Facebook, Instagram)"
    extensions = (".json", ".jsonl")
    formats_doc = "https://github.com/CrowdTangle/API/wiki/Post"
    shared_samples = ("crowdtangle_api_json/*.json",)

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)[:16384]
        if not text.startswith(("{", "[")):
            return 0.0
        has_posts = '"posts"' in text
        markers = sum(m in text for m in ('"platformId"', '"statistics"', '"postUrl"', '"subscriberCount"'))
        if has_posts and '"result"' in text and markers:
            return 0.9
        if markers >= 3 and '"account"' in text:
            return 0.7
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_records(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, _, document = item
            if isinstance(document, dict) and document.get("status") not in (None, 200):
                yield Quarantine(
                    reason=f"CrowdTangle error response (status {document.get('status')}): "
                    f"{str(document.get('message') or '')[:200]}",
                    field="status", line=line,
                )
                continue
            found = _posts_of(document)
            if found is None:
                yield Quarantine(reason="not a CrowdTangle response: no result.posts list",
                                 field="result.posts", line=line)
                continue
            posts, pointer = found
            marked = isinstance(document, dict) and bool(document.get(SYNTHETIC_MARK))
            for index, post in enumerate(posts):
                if not isinstance(post, dict):
                    yield Quarantine(reason="post is not an object", field="(record)",
                                     line=line, pointer=f"{pointer}/{index}")
                    continue
                raw = dict(post)
                if marked:
                    raw[SYNTHETIC_MARK] = True
                yield RawRecord(raw, line, f"{pointer}/{index}")

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        account = raw.get("account") if isinstance(raw.get("account"), dict) else {}
        platform = str(raw.get("platform") or account.get("platform") or self.platform).strip().lower()
        if platform not in ("facebook", "instagram"):
            return Quarantine(reason=f"unsupported CrowdTangle platform {platform!r}", field="platform")
        actual = dig(raw, "statistics", "actual", default={})
        post_url = raw.get("postUrl")
        if platform == "instagram":
            native_id = instagram_shortcode(post_url) or raw.get("platformId") or raw.get("id")
            text = raw.get("description") or raw.get("message") or raw.get("title")
            likes = to_int(actual.get("favoriteCount"))
            if likes is None:
                likes = to_int(actual.get("likeCount"))
        else:
            native_id = raw.get("platformId") or raw.get("id") or raw.get("Id")
            text = raw.get("message")
            counts = [to_int(actual.get(k)) for k in FACEBOOK_REACTIONS]
            likes = sum(c for c in counts if c) if any(c is not None for c in counts) else None
        media = [m for m in raw.get("media") or [] if isinstance(m, dict)]
        types = {m.get("type") for m in media if m.get("type")}
        if not types and media_type(raw.get("type")):
            types.add(media_type(raw.get("type")))
        links = raw.get("expandedLinks") or []
        expanded = [lk.get("expanded") or lk.get("original") for lk in links if isinstance(lk, dict)]
        urls = external_urls(*expanded, raw.get("link"), *extract_urls(text))
        views = next((to_int(actual[k]) for k in VIEW_COUNTERS if actual.get(k) is not None), None)
        return make_post(
            platform=platform,
            native_id=native_id,
            kind="post",
            created_at=raw.get("date"),
            text=text,
            author_native=account.get("platformId") or account.get("id"),
            author_handle=account.get("handle") or account.get("name"),
            url=post_url,
            lang=raw.get("languageCode") or None,
            like_count=likes,
            share_count=to_int(actual.get("shareCount")),
            reply_count=to_int(actual.get("commentCount")),
            view_count=views,
            urls=urls,
            has_media=bool(media) or bool(types),
            media_types=sorted(types) or None,
            version_key=str(raw["updated"]) if raw.get("updated") else None,
        )
