"""Bluesky Jetstream firehose events, one JSON event per line.

Legacy ``/subscribe`` lines: ``{"did", "time_us", "kind": "commit"|"identity"|"account",
"commit": {"operation": "create"|"update"|"delete", "collection", "rkey", "record", "cid"}}``;
the newer ``xrpc.v1.json`` frames (``$type ...#commit`` with ``seq``, ``time``, ``operation``,
``collection``, ``rkey``, ``record`` at the top level) are read too.

Only ``app.bsky.feed.post`` commits are posts: a create is a post, an update a new version
of it (``version_key`` is the event time), a delete a tombstone with the same post id
(``at://<did>/app.bsky.feed.post/<rkey>``, shared with the AppView source) so a stored
post is marked deleted. Likes, follows, reposts, profiles, identity and account events are
quarantined as "not a post".
Format: https://github.com/bluesky-social/jetstream (README, lexicons/subscribeEvents).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    first_json_line,
    iter_json_lines,
    make_post,
    parse_time,
    raw_preview,
)
from antena.sources.bluesky_appview import (
    PLATFORM,
    POST_COLLECTION,
    iso_key,
    map_post_record,
    post_url,
)

OPERATIONS = ("create", "update", "delete")


def _commit(event: dict[str, Any]) -> dict[str, Any] | None:
    """The commit of an event in either framing, or None when it is not a commit."""
    if event.get("kind") == "commit" and isinstance(event.get("commit"), dict):
        return event["commit"]
    if str(event.get("$type", "")).endswith("#commit") or ("operation" in event and "collection" in event):
        return event
    return None


def _event_kind(event: dict[str, Any]) -> str:
    kind = event.get("kind") or str(event.get("$type", "")).rpartition("#")[2]
    return str(kind or "unknown")


def _event_time(event: dict[str, Any]) -> Any:
    return event.get("time_us") if event.get("time_us") is not None else event.get("time")


@register_source
class BlueskyJetstream(Source):
    name = "bluesky_jetstream"
    platform = PLATFORM
    title = "Bluesky Jetstream events (JSON lines)"
    formats_doc = "https://github.com/bluesky-social/jetstream#consuming-jetstream"
    shared_samples = ("bluesky_jetstream/jetstream_*.jsonl",)

    def sniff(self, head: bytes, filename: str) -> float:
        first = first_json_line(head)
        if not isinstance(first, dict) or "did" not in first:
            return 0.0
        if "time_us" in first and first.get("kind") in ("commit", "identity", "account"):
            return 0.95
        if str(first.get("$type", "")).startswith("network.bsky.jetstream") or (
            "seq" in first and "rev" in first and "collection" in first
        ):
            return 0.9
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in iter_json_lines(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, event = item
            if not isinstance(event, dict):
                yield Quarantine(reason="line is not a Jetstream event", field="(line)", line=line,
                                 raw=raw_preview(event))
                continue
            problem = _not_a_post(event)
            if problem:
                yield Quarantine(reason=problem, field="commit.collection" if _commit(event) else "kind",
                                 line=line, raw=raw_preview(event))
                continue
            yield RawRecord(event, line, "")

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        problem = _not_a_post(raw)
        if problem:
            return Quarantine(reason=problem, field="commit.collection")
        commit = _commit(raw) or {}
        did = raw.get("did") or commit.get("did")
        if not did or not commit.get("rkey"):
            return Quarantine(reason="commit without did or rkey cannot be identified", field="commit.rkey")
        uri = f"at://{did}/{POST_COLLECTION}/{commit['rkey']}"
        when = parse_time(_event_time(raw))
        version = iso_key(when)
        if commit.get("operation") == "delete":
            return make_post(
                platform=PLATFORM, native_id=uri, kind="post", created_at=None, text=None,
                author_native=did, url=post_url(uri), deleted=True, version_key=version,
            )
        record = commit.get("record")
        if not isinstance(record, dict):
            return Quarantine(reason=f"{commit.get('operation')} commit has no record", field="commit.record")
        created = record.get("createdAt") if parse_time(record.get("createdAt")) else when
        return map_post_record(uri, record, author_did=did, handle=None, created_at=created, version_key=version)


def _not_a_post(event: dict[str, Any]) -> str | None:
    """Why an event is not a post create/update/delete, or None when it is one."""
    commit = _commit(event)
    if commit is None:
        return f"not a post: {_event_kind(event)} event"
    if commit.get("collection") != POST_COLLECTION:
        return f"not a post: {commit.get('collection') or 'unknown'} {commit.get('operation') or 'commit'}"
    if commit.get("operation") not in OPERATIONS:
        return f"not a post: unknown operation {commit.get('operation')!r}"
    return None
