"""Public identifiers: what views, APIs and exports show instead of ids and links that name
a person.

A post id is ``<platform>:<native id>``. Many native ids are opaque numbers (X, Facebook,
YouTube, Reddit), but Mastodon's are status URIs (``https://host/users/<handle>/statuses/1``)
and Bluesky's carry the author's DID (``at://did:plc:.../app.bsky.feed.post/...``). With
``[privacy] keep_handles = false`` every id whose native part is not a plain token is shown as a
stable keyed pseudonym, ``<platform>:~<16 hex>`` (HMAC with the project's secret key, like the
author pseudonyms), links are dropped unless they are known to carry no handle (an X status
link is rewritten to ``x.com/i/web/status/<id>``), and mentioned accounts other than the targets'
public handles become keyed pseudonyms (``u_<10 hex>``). The native id stays in the store, for
de-duplication and for evidence escalated by the review team (``review export --include-text``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

_PROCESS_KEY = secrets.token_bytes(32)  # pseudonyms stay private, if not stable, without a project key
PLAIN_NATIVE = re.compile(r"[A-Za-z0-9_-]+")
ID_COLUMNS = ("post_id", "parent_id", "thread_id", "quoted_id", "parent_post_id")
HANDLE_FREE_URL = re.compile(
    r"https://(?:www\.|m\.)?(?:youtube\.com/watch\?v=[\w-]+(?:&lc=[\w.-]+)?$|youtu\.be/[\w-]+$"
    r"|(?:x|twitter)\.com/i/web/status/\d+$|reddit\.com/r/\w+/comments/)")
X_STATUS = re.compile(r"https://(?:www\.|mobile\.)?(?:x|twitter)\.com/[^/]+/status(?:es)?/(\d+)")


class PublicIds:
    """Maps stored post ids and links to what may be shown (see the module docstring)."""

    def __init__(self, key: bytes, keep_handles: bool = False, public_handles: Iterable[str] = ()) -> None:
        self.key = key
        self.keep_handles = keep_handles
        self.public = {h.lower().lstrip("@") for h in public_handles}

    @classmethod
    def for_project(cls, project: Any) -> PublicIds:
        from antena.protect.redact import public_handles
        from antena.store.database import load_or_create_secret

        keep = bool(project.config.get("privacy", {}).get("keep_handles", False))
        folder = getattr(project, "folder", None)
        key = load_or_create_secret(folder) if folder is not None else _PROCESS_KEY  # a Store without a folder
        return cls(key, keep, public_handles(project.config))

    def mention(self, handle: str) -> str:
        """A mentioned account: kept when it is a target's public handle, else a keyed pseudonym."""
        name = handle.lstrip("@")
        if self.keep_handles or name.lower() in self.public:
            return handle
        digest = hmac.new(self.key, f"mention\x1f{name.lower()}".encode(), hashlib.sha256).hexdigest()
        return ("@" if handle.startswith("@") else "") + "u_" + digest[:10]

    def post_id(self, post_id: str | None) -> str | None:
        if post_id is None or self.keep_handles:
            return post_id
        platform, _, native = str(post_id).partition(":")
        if PLAIN_NATIVE.fullmatch(native):
            return post_id
        digest = hmac.new(self.key, f"post\x1f{post_id}".encode(), hashlib.sha256).hexdigest()
        return f"{platform}:~{digest[:16]}"

    def url(self, url: str | None) -> str | None:
        if not url or self.keep_handles:
            return url
        status = X_STATUS.match(url)
        if status:
            return f"https://x.com/i/web/status/{status.group(1)}"
        return url if HANDLE_FREE_URL.match(url) else None

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``row`` with its ids, native id and link made public."""
        if self.keep_handles:
            return row
        out = dict(row)
        for column in ID_COLUMNS:
            if column in out and isinstance(out[column], str):
                out[column] = self.post_id(out[column])
        if isinstance(out.get("native_id"), str) and not PLAIN_NATIVE.fullmatch(out["native_id"]):
            out["native_id"] = (self.post_id(f"{out.get('platform')}:{out['native_id']}") or "").partition(":")[2]
        if "url" in out:
            out["url"] = self.url(out["url"])
        if isinstance(out.get("mentions"), list):
            out["mentions"] = [self.mention(m) if isinstance(m, str) else m for m in out["mentions"]]
        if isinstance(out.get("examples"), list):  # a spike alert's evidence: post ids
            out["examples"] = [self.post_id(e) if isinstance(e, str) else e for e in out["examples"]]
        return out

    def batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """``row`` over an Arrow batch (exports)."""
        if self.keep_handles:
            return batch
        names = batch.schema.names
        touched = [n for n in (*ID_COLUMNS, "native_id", "url", "mentions") if n in names]
        if not touched:
            return batch
        rows = [self.row({n: r.get(n) for n in (*touched, "platform") if n in r}) for r in
                batch.select([n for n in (*touched, "platform") if n in names]).to_pylist()]
        arrays = [pa.array([r[n] for r in rows], batch.schema.field(n).type) if n in touched else batch.column(n)
                  for n in names]
        return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)

    def deep(self, value: Any) -> Any:
        """``row`` applied to every dict inside ``value`` (statistics: quotes carry post ids)."""
        if self.keep_handles:
            return value
        if isinstance(value, dict):
            return self.row({k: self.deep(v) for k, v in value.items()})
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value

    def resolve(self, public_id: str, candidates: Iterable[str]) -> str:
        """The stored post id among ``candidates`` whose public id is ``public_id`` (itself when
        it is a stored id already or nothing matches)."""
        if "~" not in public_id.partition(":")[2]:
            return public_id
        for candidate in candidates:
            if self.post_id(candidate) == public_id:
                return candidate
        return public_id
