"""CrowdTangle CSV exports (dashboard downloads and Historical Data): Facebook and Instagram.

Facebook exports (Pages or groups) have columns such as "Page Name" (or "Group Name"),
"User Name", "Facebook Id", "Post Created", "Type", "Likes" ... "Care", "Post Views", "URL",
"Message", "Link", "Final Link"; Instagram exports have "Account", "User Name",
"Followers at Posting", "Post Created", "Likes", "Comments", "Views", "URL", "Description".
Format: https://help.crowdtangle.com/en/articles/3213537-crowdtangle-codebook and the
CrowdTangle glossary (help.crowdtangle.com/en/articles/1184978-crowdtangle-glossary).

"Post Created" carries the exporting user's time zone ("2017-03-01 12:00:00 CST"); the
abbreviations below and numeric offsets are understood, anything else is quarantined naming
the field. Without a zone the time is taken as UTC. Facebook posts are keyed
"<Facebook Id>_<post id>" like the API's ``platformId``; Instagram posts by shortcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.sources.base import Post, Quarantine, RawRecord, Source, extract_urls, make_post, to_int
from antena.sources.crowdtangle_api import external_urls, instagram_shortcode, media_type
from antena.sources.generic import read_csv_rows
from antena.sources.zoned_time import TimeError, parse_zoned_time

_FACEBOOK_POST_ID_RES = (
    re.compile(r"/(?:posts|permalink|videos|reel)/(?:[^/?#]+/)?(\d+|pfbid\w+)"),
    re.compile(r"/photos/[^/?#]+/(\d+)"),
    re.compile(r"[?&]story_fbid=(\d+|pfbid\w+)"),
    re.compile(r"[?&]fbid=(\d+)"),
    re.compile(r"[?&]v=(\d+)"),
)

FACEBOOK_REACTION_COLUMNS = ("Likes", "Love", "Wow", "Haha", "Sad", "Angry", "Care")


def facebook_post_id(url: str) -> str | None:
    for pattern in _FACEBOOK_POST_ID_RES:
        match = pattern.search(url)
        if match:
            return match.group(1)
    return None


@register_source
class CrowdTangleCsv(Source):
    name = "crowdtangle_csv"
    platform = "facebook"
    title = "CrowdTangle CSV exports (Facebook pages/groups, Instagram)"
    extensions = (".csv",)
    formats_doc = "https://help.crowdtangle.com/en/articles/3213537-crowdtangle-codebook"

    def sniff(self, head: bytes, filename: str) -> float:
        first = head.decode("utf-8", "replace").lstrip("\ufeff").split("\n", 1)[0]
        if "Post Created" not in first:
            return 0.0
        hits = sum(c in first for c in ("User Name", "Facebook Id", "Page Name", "Account",
                                         "Total Interactions", "Overperforming Score", "URL"))
        return 0.9 if hits >= 2 else 0.4

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in read_csv_rows(stream):
            if isinstance(item, Quarantine):
                yield item
            else:
                yield RawRecord(item[1], item[0])

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
        instagram = "Facebook Id" not in row and ("Account" in row or "instagram.com" in (row.get("URL") or ""))
        url = row.get("URL") or ""
        if not url:
            return Quarantine(reason="no post URL: CrowdTangle CSV posts are identified by it", field="URL")
        stamp = row.get("Post Created")
        field = "Post Created"
        if not stamp and row.get("Post Created Date"):
            stamp = f"{row['Post Created Date']} {row.get('Post Created Time') or '00:00:00'}"
            field = "Post Created Date"
        if not stamp:
            return Quarantine(reason="missing creation time", field="Post Created")
        try:
            created = parse_zoned_time(stamp)
        except TimeError as exc:
            return Quarantine(reason=str(exc), field=field)
        post_type = row.get("Type")
        kind_media = media_type(post_type)
        has_photo = bool(row.get("Photo"))
        if instagram:
            native_id = instagram_shortcode(url) or url.rstrip("/")
            text = row.get("Description") or row.get("Title") or None
            likes = to_int(row.get("Likes"))
            views = to_int(row.get("Views"))
            author = row.get("User Name") or row.get("Account")
            handle = row.get("User Name") or row.get("Account")
        else:
            post_id = facebook_post_id(url)
            owner = row.get("Facebook Id")
            if post_id and owner:
                native_id = f"{owner}_{post_id}"
            else:
                native_id = post_id or url.split("?")[0].rstrip("/")
            text = row.get("Message") or None
            counts = [to_int(row.get(c)) for c in FACEBOOK_REACTION_COLUMNS]
            likes = sum(c for c in counts if c) if any(c is not None for c in counts) else None
            views = to_int(row.get("Post Views")) or to_int(row.get("Total Views"))
            author = owner or row.get("User Name") or row.get("Page Name") or row.get("Group Name")
            handle = row.get("User Name") or row.get("Page Name") or row.get("Group Name")
        return make_post(
            platform="instagram" if instagram else "facebook",
            native_id=native_id,
            kind="post",
            created_at=created,
            text=text,
            author_native=author,
            author_handle=handle,
            url=url,
            like_count=likes,
            share_count=to_int(row.get("Shares")),
            reply_count=to_int(row.get("Comments")),
            view_count=views,
            urls=external_urls(row.get("Final Link"), row.get("Link"), *extract_urls(text)),
            has_media=bool(kind_media) or has_photo,
            media_types=[kind_media] if kind_media else (["photo"] if has_photo else None),
        )
