"""Bluesky Jetstream: the live firehose of new posts, filtered by the project's query.

``antena collect DIR --source bluesky --live [--query Q]`` connects to Jetstream's
``/subscribe?wantedCollections=app.bsky.feed.post`` websocket (no account needed; default
``wss://jetstream2.us-east.bsky.network``, or ``--api-base``), reads events in batches
(``jetstream_batch_seconds``, default 5, or 2,000 events), and keeps the creates and edits whose
text matches ``--query`` or, without it, the project's ``[scope] query`` (evaluated by the
``relevance`` analyser's own compiler). Matching events are stored as JSON lines read by the
``bluesky_jetstream`` importer. The cursor is the last event's ``time_us``: a resumed run
replays from there (Jetstream keeps about a day), and a dropped connection is reopened from it.
A stream never ends by itself: bound it with ``--max`` or ``--time-limit``. Deletions are not
followed here (most concern posts the project never stored).
Docs: https://github.com/bluesky-social/jetstream#consuming-jetstream
"""

from __future__ import annotations

import contextlib
import random
import time
from typing import Any

import orjson
import pyarrow as pa

from antena.collect.base import Body, Page
from antena.collect.credentials import CollectError
from antena.collect.http import Deadline
from antena.schema import POST_SCHEMA
from antena.sources.base import Post

JETSTREAM = "wss://jetstream2.us-east.bsky.network"
POST_COLLECTION = "app.bsky.feed.post"


class JetstreamReader:
    """The websocket side of the Bluesky collector's ``live`` mode."""

    def __init__(self, collector: Any, query: str) -> None:
        from antena.nlp.relevance import Relevance
        from antena.sources.bluesky_jetstream import BlueskyJetstream

        if not query.strip():
            raise CollectError("bluesky --live: give --query, or set the project's [scope] query, to filter the firehose")
        self.collector = collector
        self.matcher = Relevance(query=query)
        self.source = BlueskyJetstream()
        self.ws: Any = None
        self._stack = contextlib.ExitStack()

    def close(self) -> None:
        self._stack.close()
        self.ws = None

    def _connect(self, cursor: str | None) -> None:
        from websockets.sync.client import connect

        url = f"{self.collector.api_base}/subscribe?wantedCollections={POST_COLLECTION}"
        if cursor:
            url += f"&cursor={int(cursor)}"
        self.ws = self._stack.enter_context(connect(url, open_timeout=30, max_size=2 ** 22, close_timeout=2))

    def fetch(self, cursor: str | None, limit: int | None) -> Page:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        settings = self.collector.settings
        seconds = float(settings.get("jetstream_batch_seconds", 5))
        most = int(settings.get("jetstream_batch_events", 2000))
        stats = self.collector.stats()
        messages: list[tuple[bytes, dict[str, Any]]] = []
        last = cursor
        attempt = 0
        until = time.monotonic() + seconds
        while len(messages) < most and time.monotonic() < until:
            try:
                if self.ws is None:
                    stats.requests += 1
                    self._connect(last)
                message = self.ws.recv(timeout=max(0.01, until - time.monotonic()))
            except TimeoutError:
                break
            except (ConnectionClosed, InvalidHandshake, OSError) as exc:
                self.close()
                attempt += 1
                if attempt > int(settings.get("max_retries", 6)):
                    raise CollectError(f"bluesky jetstream: {type(exc).__name__}: {exc}") from None
                wait = random.uniform(0, float(settings.get("backoff_base", 1.0)) * 2 ** attempt)  # noqa: S311
                deadline = self.collector.deadline
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise Deadline("the stream dropped and the time limit is near") from None
                stats.retries += 1
                stats.wait_seconds += wait
                time.sleep(wait)
                continue
            raw = message.encode() if isinstance(message, str) else message
            try:
                event = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # not an event; Jetstream only sends JSON
            if isinstance(event, dict) and event.get("time_us"):
                last = str(event["time_us"])
                messages.append((raw, event))
        kept = self._matching(messages)
        if limit is not None:
            kept = kept[:max(1, limit)]
        body = [Body(b"\n".join(raw for raw, _ in kept) + b"\n", "bluesky_jetstream", "jetstream")] if kept else []
        return Page(body, last, None, follows=True)

    def _matching(self, messages: list[tuple[bytes, dict[str, Any]]]) -> list[tuple[bytes, dict[str, Any]]]:
        """Creates and edits of posts whose text matches the query."""
        candidates, rows = [], []
        for raw, event in messages:
            commit = event.get("commit") if isinstance(event.get("commit"), dict) else event
            if commit.get("collection") != POST_COLLECTION or commit.get("operation") not in ("create", "update"):
                continue
            mapped = self.source.map(event)
            if not isinstance(mapped, Post):
                continue
            row = dict.fromkeys(POST_SCHEMA.names)
            row.update({k: v for k, v in mapped.fields.items() if k in row})
            row["post_id"] = f"bluesky:{row['native_id']}"
            candidates.append((raw, event))
            rows.append(row)
        if not rows:
            return []
        batch = pa.RecordBatch.from_pylist(rows, schema=POST_SCHEMA)
        matches = self.matcher(batch).column("query_match").to_pylist()
        return [item for item, match in zip(candidates, matches, strict=True) if match]
