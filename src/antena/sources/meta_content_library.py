"""Meta Content Library exports (CrowdTangle's successor): Facebook and Instagram posts, CSV or JSON.

Follows Meta's data dictionary for ``search/facebook_posts`` and ``search/instagram_posts``:
``id``, ``creation_time``, ``modified_time``, ``text``, ``lang``, ``post_owner`` (Facebook) /
``owner`` (Instagram) with ``id``, ``name``, ``type``, ``username``, ``statistics``
(``reaction_count``/``like_count``, ``comment_count``, ``share_count``, ``views``), ``multimedia``,
``link_attachment``, ``is_branded_content``. JSON may be an array, ``{"data": [...]}`` or JSON
lines; CSV columns may be flattened with dots (``post_owner.id``) or underscores.
Format: https://developers.facebook.com/docs/content-library-and-api/appendix/data-dictionary

Platforms change their exports: the mapping is the ``FIELDS`` table below (canonical field ->
candidate paths, first non-empty wins). Fix it and run ``antena remap`` to replay the stored
records. Content Library ids are not Facebook/Instagram ids, so these posts do not merge with
CrowdTangle ones. The platform comes from the record (Facebook-only or Instagram-only fields),
then from the file name ("instagram"/"facebook"), then defaults to Facebook.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import IO, Any

import orjson

from antena.registry import register_source
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    extract_urls,
    head_text,
    make_post,
    to_int,
)
from antena.sources.crowdtangle_api import external_urls
from antena.sources.generic import file_kind, read_csv_rows, read_json_rows, with_head

PLATFORM_HINT = "__antena_platform"  # added by ``records`` when the file name tells the platform

# canonical field -> candidate paths in a record (dotted = nested JSON or a flattened CSV column)
FIELDS: dict[str, tuple[str, ...]] = {
    "native_id": ("id", "post_id"),
    "created_at": ("creation_time", "created_time", "creation_date"),
    "version_key": ("modified_time", "updated_time"),
    "text": ("text", "caption", "message"),
    "lang": ("lang", "language"),
    "author_native": ("post_owner.id", "owner.id", "surface.id"),
    "author_handle": ("post_owner.username", "owner.username", "post_owner.name", "owner.name"),
    "url": ("post_url", "url", "permalink", "link_to_post"),
    "like_count": ("statistics.reaction_count", "statistics.like_count", "reaction_count", "like_count"),
    "reply_count": ("statistics.comment_count", "comment_count"),
    "share_count": ("statistics.share_count", "share_count"),
    "view_count": ("statistics.views", "statistics.view_count", "views"),
    "multimedia": ("multimedia", "media"),
    "link": ("link_attachment.link", "link_attachment.url", "link"),
    "country": ("post_owner.location.country_code", "owner.location.country_code"),
}
# A record holding any of these is Facebook / Instagram.
FACEBOOK_ONLY = ("post_owner", "surface", "statistics.reaction_count", "statistics.share_count",
                 "link_attachment", "reaction_count", "share_count")
INSTAGRAM_ONLY = ("owner", "statistics.like_count", "like_count")
MEDIA_TYPES = {"photo": "photo", "image": "photo", "album": "photo", "carousel": "photo",
               "video": "video", "reel": "video", "live_video": "video", "animated_gif": "gif"}

_ABSENT = object()


def _norm(key: str) -> str:
    return str(key).strip().lower().replace(" ", "_")


def _normalised(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with normalised keys; of keys that normalise alike ("Text", "text"), the last in
    sorted order wins, so the result does not depend on the order of the keys (a stored payload has
    them sorted: import and remap must read it alike)."""
    normalised = {_norm(k): v for k, v in obj.items()}
    if len(normalised) == len(obj):  # no two keys alike: the order does not matter
        return normalised
    return {_norm(k): obj[k] for k in sorted(obj, key=str)}


def lookup(raw: dict[str, Any], path: str) -> Any:
    """The value at ``path`` ("a.b"): a flat column (``a.b`` or ``a_b``, case-insensitive) or
    nested JSON; ``_ABSENT`` when neither exists."""
    flat = _normalised(raw)
    for key in (path, path.replace(".", "_")):
        if key in flat:
            return flat[key]
    node: Any = flat
    for step in path.split("."):
        if isinstance(node, dict):
            node = _normalised(node).get(step, _ABSENT)
        elif isinstance(node, str) and node.startswith("{"):
            try:
                node = orjson.loads(node).get(step, _ABSENT)
            except (orjson.JSONDecodeError, AttributeError):
                return _ABSENT
        else:
            return _ABSENT
        if node is _ABSENT:
            return _ABSENT
    return node


def first_value(raw: dict[str, Any], field: str) -> Any:
    for path in FIELDS[field]:
        value = lookup(raw, path)
        if value is not _ABSENT and value not in (None, ""):
            return value
    return None


def platform_of(raw: dict[str, Any]) -> str:
    if any(lookup(raw, p) not in (_ABSENT, None, "") for p in FACEBOOK_ONLY):
        return "facebook"
    if any(lookup(raw, p) not in (_ABSENT, None, "") for p in INSTAGRAM_ONLY):
        return "instagram"
    if "instagram.com" in str(first_value(raw, "url") or ""):
        return "instagram"
    return raw.get(PLATFORM_HINT) or "facebook"


def media_types(value: Any) -> list[str]:
    """Media types from ``multimedia``: a list of objects, JSON text, or "photo;video"."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                value = []
        else:
            value = [{"type": t} for t in text.replace(",", ";").split(";") if t.strip()]
    if isinstance(value, dict):
        value = [value]
    found = set()
    for item in value or []:
        kind = item.get("type") if isinstance(item, dict) else item
        kind = MEDIA_TYPES.get(str(kind or "").strip().lower())
        if kind:
            found.add(kind)
    return sorted(found)


@register_source
class MetaContentLibrary(Source):
    name = "meta_content_library"
    platform = "facebook"
    title = "Meta Content Library exports (Facebook, Instagram; CSV or JSON)"
    extensions = (".csv", ".json", ".jsonl")
    formats_doc = "https://developers.facebook.com/docs/content-library-and-api/appendix/data-dictionary"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)[:16384]
        if text.startswith(("{", "[")):
            if '"creation_time"' not in text:
                return 0.0
            if any(f'"{k}"' in text for k in ("post_owner", "owner")):
                return 0.97  # above X v2, which also reads {"data": [{"id", "text"}]}
            return 0.85 if '"statistics"' in text else 0.0
        header = _norm(text.split("\n", 1)[0])
        if "creation_time" in header and any(k in header for k in ("post_owner", "owner", "statistics", "surface")):
            return 0.85
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        name = PurePath(filename.split("!")[-1]).name.lower()
        hint = "instagram" if "instagram" in name else "facebook" if "facebook" in name else None
        head, joined = with_head(stream, 64)
        rows: Iterator[Any]
        if file_kind(filename, head) == "csv":
            rows = (item if isinstance(item, Quarantine) else (item[0], "", item[1])
                    for item in read_csv_rows(joined))
        else:
            rows = read_json_rows(joined)
        for item in rows:
            if isinstance(item, Quarantine):
                yield item
                continue
            line, pointer, row = item
            if not isinstance(row, dict):
                yield Quarantine(reason="record is not an object", field="(record)", line=line, pointer=pointer)
                continue
            if hint and PLATFORM_HINT not in row:
                row = {**row, PLATFORM_HINT: hint}
            yield RawRecord(row, line, pointer)

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        platform = str(self.options.get("platform") or platform_of(raw))
        text = first_value(raw, "text")
        text = None if text is None else str(text)
        types = media_types(first_value(raw, "multimedia"))
        native_id = first_value(raw, "native_id")
        if isinstance(native_id, float) and native_id.is_integer():
            native_id = int(native_id)
        version = first_value(raw, "version_key")
        return make_post(
            platform=platform,
            native_id=native_id,
            kind="post",
            created_at=first_value(raw, "created_at"),
            text=text,
            author_native=first_value(raw, "author_native"),
            author_handle=_str(first_value(raw, "author_handle")),
            url=_str(first_value(raw, "url")),
            lang=_str(first_value(raw, "lang")),
            like_count=to_int(first_value(raw, "like_count")),
            reply_count=to_int(first_value(raw, "reply_count")),
            share_count=to_int(first_value(raw, "share_count")),
            view_count=to_int(first_value(raw, "view_count")),
            urls=external_urls(first_value(raw, "link"), *extract_urls(text)),
            has_media=bool(types),
            media_types=types or None,
            country=_str(first_value(raw, "country")),
            version_key=None if version is None else str(version),
        )


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
