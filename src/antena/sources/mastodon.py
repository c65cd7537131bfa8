"""Mastodon REST API Status entities (and servers speaking the same API).

A file holds one response (or one per line): a single Status, an array of them (home,
public, hashtag and account timelines), search results (``{"statuses": [...]}``), a thread
context (``{"ancestors", "descendants"}``) or notifications carrying a ``status``.
``content`` is HTML and becomes plain text (paragraphs and ``<br>`` kept as line breaks,
the "RE: <link>" fallback of quotes dropped); a content warning (``spoiler_text``) leads
the text. A boost (``reblog``) is a repost carrying the boosted text; the boosted status is
stored too. ``edited_at`` orders versions, so a later edit replaces the older text. A
Status returned by DELETE carries its source ``text`` instead of ``content``: it becomes a
tombstone that marks the stored status deleted.

Status ids are per server, so the post id is the status ``uri`` (its federation id; ``url``
when absent). ``in_reply_to_id`` only names a per-server id: the parent's uri is filled in
when the parent is in the same response (timelines, contexts), otherwise it stays unknown.
Format: https://docs.joinmastodon.org/entities/Status/
"""

from __future__ import annotations

import re
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
    head_text,
    json_records,
    make_post,
    parse_time,
    raw_preview,
    to_int,
)

PLATFORM = "mastodon"
_BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"script", "style", "template"}


class _HtmlText(HTMLParser):
    """Plain text and links of a status's HTML ``content`` (stdlib parser, entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if self._skip_tag:
            self._skip_depth += tag == self._skip_tag
            return
        classes = attributes.get("class", "").split()
        if tag in _SKIPPED or "quote-inline" in classes:
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and attributes.get("href"):
            rel = attributes.get("rel", "").split()
            if not {"mention", "hashtag", "u-url"} & set(classes) and "tag" not in rel:
                self.links.append(attributes["href"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skip_tag:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth <= 0:
                    self._skip_tag = None
            return
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_tag:
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts).replace("\r\n", "\n")
        joined = re.sub(r"[ \t]*\n[ \t]*", "\n", joined)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_to_text(html: str | None) -> tuple[str, list[str]]:
    """``(plain text, link targets)`` of Mastodon HTML; hashtag and mention links are not links."""
    if not html:
        return "", []
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text(), list(dict.fromkeys(parser.links))


def _is_status(obj: Any) -> bool:
    return (
        isinstance(obj, dict) and "id" in obj and "created_at" in obj and "account" in obj
        and ("content" in obj or "text" in obj or "reblog" in obj)
    )


def _version(status: dict[str, Any]) -> str | None:
    when = parse_time(status.get("edited_at") or status.get("created_at"))
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when else None


@register_source
class Mastodon(Source):
    name = "mastodon"
    platform = PLATFORM
    title = "Mastodon API statuses (timelines, search, context)"
    formats_doc = "https://docs.joinmastodon.org/entities/Status/"
    shared_samples = (
        "mastodon_status_json/mdocs_*.json",
        "mastodon_status_json/mpy_test_fetch_*.json",
        "mastodon_status_json/mpy_test_hashtag_*.json",
        "mastodon_status_json/mpy_test_polls_*.json",
        "mastodon_status_json/mpy_test_public_*.json",
        "mastodon_status_json/mpy_test_search_*.json",
        "mastodon_status_json/mpy_test_status_[ceprt]*.json",
        "mastodon_status_json/mpy_test_status_delete_media_0[246].json",
    )

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        if not text.startswith(("{", "[")):
            return 0.0
        window = text[:65536]
        if '"screen_name"' in window or '"retweet_count"' in window:
            return 0.0  # X/Twitter v1.1 users have a "favourites_count" too
        if '"reblogs_count"' in window or '"spoiler_text"' in window:
            return 0.95
        if '"ancestors"' in window and '"descendants"' in window:
            return 0.9
        if all(key in window for key in ('"statuses"', '"accounts"', '"hashtags"')):
            return 0.9
        if '"voters_count"' in window and '"own_votes"' in window:
            return 0.7  # a Poll entity
        if '"blurhash"' in window and '"preview_url"' in window:
            return 0.7  # a MediaAttachment entity
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_records(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, _, doc = item
            found: list[tuple[str, dict[str, Any]]] = []
            for entry in _split(doc, ""):
                if isinstance(entry, Quarantine):
                    entry.line = line
                    yield entry
                else:
                    found.append(entry)
            by_id = _index(status for _, status in found)
            mark = isinstance(doc, dict) and bool(doc.get(SYNTHETIC_MARK))
            for pointer, status in found:
                yield RawRecord(_with_context(status, by_id, mark), line, pointer)
                if isinstance(status.get("reblog"), dict):
                    yield RawRecord(_with_context(status["reblog"], by_id, mark), line, f"{pointer}/reblog")

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        status = raw.get("status")
        if not _is_status(status):
            return Quarantine(reason="not a post: record has no Mastodon status", field="status")
        native_id = status.get("uri") or status.get("url")
        if not native_id:
            return Quarantine(reason="status has no uri or url (ids are per server, so it cannot be identified)",
                              field="uri")
        account = status.get("account") or {}
        author = account.get("url") or account.get("uri") or account.get("acct")
        handle = account.get("acct") or account.get("username")
        if "content" not in status and status.get("text") is not None:  # a DELETE response
            return make_post(
                platform=PLATFORM, native_id=native_id, kind="post", created_at=status.get("created_at"),
                text=None, author_native=author, author_handle=handle, url=status.get("url"),
                deleted=True, version_key="~deleted",
            )
        reblog = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
        shown = reblog or status
        quote_uri = raw.get("quote_uri")
        if reblog:
            kind, parent = "repost", reblog.get("uri") or reblog.get("url")
        elif status.get("in_reply_to_id"):
            kind, parent = "reply", raw.get("in_reply_to_uri")
        elif quote_uri:
            kind, parent = "quote", quote_uri
        else:
            kind, parent = "post", None
        body, links = html_to_text(shown.get("content"))
        spoiler = (shown.get("spoiler_text") or "").strip()
        text = f"{spoiler}\n\n{body}" if spoiler and body else spoiler or body
        card_url = dig(shown, "card", "url")
        media = [m.get("type") for m in shown.get("media_attachments") or [] if isinstance(m, dict)]
        thread = raw.get("thread_uri") or (native_id if kind == "post" else None)
        return make_post(
            platform=PLATFORM,
            native_id=native_id,
            kind=kind,
            created_at=status.get("created_at"),
            text=text,
            author_native=author,
            author_handle=handle,
            url=status.get("url") or shown.get("url") or native_id,
            parent_id=f"{PLATFORM}:{parent}" if parent else None,
            thread_id=f"{PLATFORM}:{thread}" if thread else None,
            lang=shown.get("language") or None,
            like_count=to_int(status.get("favourites_count")),
            share_count=to_int(status.get("reblogs_count")),
            reply_count=to_int(status.get("replies_count")),
            quote_count=to_int(status.get("quotes_count")),
            hashtags=[str(t["name"]).lower() for t in shown.get("tags") or [] if isinstance(t, dict) and t.get("name")],
            mentions=[str(m["acct"]).lower() for m in shown.get("mentions") or [] if isinstance(m, dict) and m.get("acct")],
            urls=list(dict.fromkeys([*links, *([card_url] if card_url else [])])),
            has_media=bool(media),
            media_types=sorted({m for m in media if m}) or None,
            version_key=_version(status),
        )


def _split(doc: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]] | Quarantine]:
    """The statuses of one response, with their JSON pointers; other entities are quarantined."""
    if isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _split(item, f"{pointer}/{index}")
    elif _is_status(doc):
        yield pointer, doc
    elif isinstance(doc, dict) and isinstance(doc.get("statuses"), list):
        yield from _split(doc["statuses"], f"{pointer}/statuses")
    elif isinstance(doc, dict) and ("ancestors" in doc or "descendants" in doc):
        for key in ("ancestors", "descendants"):
            yield from _split(doc.get(key) or [], f"{pointer}/{key}")
    elif isinstance(doc, dict) and _is_status(doc.get("status")):  # a notification
        yield f"{pointer}/status", doc["status"]
    elif isinstance(doc, dict) and _is_status(doc.get("last_status")):  # a conversation
        yield f"{pointer}/last_status", doc["last_status"]
    else:
        yield Quarantine(reason=f"not a post: {_describe(doc)}", field="(document)", pointer=pointer,
                         raw=raw_preview(doc))


def _describe(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "JSON value is not a status"
    if "error" in obj:
        return f"API error response ({str(obj['error'])[:80]})"
    if "options" in obj and "voters_count" in obj:
        return "Poll entity"
    if "blurhash" in obj or ("preview_url" in obj and "type" in obj):
        return "MediaAttachment entity"
    if "content" in obj and "created_at" in obj and "id" not in obj:
        return "StatusEdit (edit history entry, has no status id)"
    if "text" in obj and "spoiler_text" in obj and "created_at" not in obj:
        return "StatusSource entity"
    if "acct" in obj and "username" in obj:
        return "Account entity"
    return "unrecognised Mastodon object"


def _index(statuses: Iterator[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Statuses of one response by their (per-server) id, boosted and quoted ones included."""
    found: dict[str, dict[str, Any]] = {}
    for status in statuses:
        for candidate in (status, status.get("reblog"), dig(status, "quote", "quoted_status")):
            if _is_status(candidate) and candidate.get("id") is not None:
                found.setdefault(str(candidate["id"]), candidate)
    return found


def _uri(status: dict[str, Any] | None) -> str | None:
    return (status.get("uri") or status.get("url")) if status else None


def _self_reply_uri(status: dict[str, Any]) -> str | None:
    """The parent's uri of a self-reply by a local account, whose status uris are
    ``<account uri>/statuses/<id>``: the parent then lives in the same id space."""
    account = status.get("account") or {}
    base = account.get("uri")
    if not base or str(status.get("in_reply_to_account_id")) != str(account.get("id")):
        return None
    if status.get("uri") != f"{base}/statuses/{status.get('id')}":
        return None
    return f"{base}/statuses/{status['in_reply_to_id']}"


def _with_context(status: dict[str, Any], by_id: dict[str, dict[str, Any]], mark: bool) -> dict[str, Any]:
    """The raw record: the status plus parent, thread root and quoted uris found in the response."""
    raw: dict[str, Any] = {"status": status}
    parent_id = status.get("in_reply_to_id")
    if parent_id is not None:
        parent_uri = _uri(by_id.get(str(parent_id))) or _self_reply_uri(status)
        if parent_uri:
            raw["in_reply_to_uri"] = parent_uri
        root, seen = status, set()
        while root is not None and root.get("in_reply_to_id") is not None and id(root) not in seen:
            seen.add(id(root))
            root = by_id.get(str(root["in_reply_to_id"]))
        if root is not None and root.get("in_reply_to_id") is None:
            raw["thread_uri"] = _uri(root)
    quote = status.get("quote")
    if isinstance(quote, dict):
        quoted = quote.get("quoted_status") if isinstance(quote.get("quoted_status"), dict) else None
        if quoted is None and _is_status(quote):  # servers that inline the quoted status
            quoted = quote
        quoted_uri = _uri(quoted) or _uri(by_id.get(str(quote.get("quoted_status_id"))))
        if quoted_uri:
            raw["quote_uri"] = quoted_uri
    if mark:
        raw[SYNTHETIC_MARK] = True
    return raw
