"""X (Twitter) API v2 response pages, one JSON page per line, as twarc2 writes them.

Each line is ``{"data": [tweets], "includes": {"users", "tweets", "places", "media"},
"meta", "errors", "__twarc"}``. Each tweet becomes one raw record carrying the expansions
it needs (author, referenced tweets, place, media), so ``map`` stays pure.
Format: https://developer.x.com/en/docs/x-api/data-dictionary (Tweet object, expansions).
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
    dig,
    first_json_line,
    iter_json_lines,
    make_post,
    to_int,
)

SYNTHETIC_MARK = "__antena_synthetic"


@register_source
class TwitterV2(Source):
    name = "twitter_v2"
    platform = "x"
    title = "X API v2 pages (twarc2 JSONL)"
    formats_doc = "https://developer.x.com/en/docs/x-api/data-dictionary/object-model/tweet"
    shared_samples = ("twitter_v2_twarc2_jsonl/brexit.jsonl", "twitter_v2_twarc2_jsonl/edited*.jsonl",
                      "twitter_v2_twarc2_jsonl/withheld.jsonl")

    def sniff(self, head: bytes, filename: str) -> float:
        first = first_json_line(head)
        if isinstance(first, dict) and isinstance(first.get("data"), list) and (
            "includes" in first or "meta" in first or "__twarc" in first
        ):
            sample = first["data"][0] if first["data"] else {}
            return 0.9 if isinstance(sample, dict) and "text" in sample else 0.3
        if b'"__twarc"' in head[:4096] and b'"data"' in head[:4096]:
            return 0.5
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in iter_json_lines(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, page = item
            if not isinstance(page, dict) or not isinstance(page.get("data", []), list):
                yield Quarantine(reason="line is not an X API v2 page", field="data", line=line)
                continue
            includes = page.get("includes") or {}
            users = {u.get("id"): u for u in includes.get("users", []) if isinstance(u, dict)}
            tweets = {t.get("id"): t for t in includes.get("tweets", []) if isinstance(t, dict)}
            places = {p.get("id"): p for p in includes.get("places", []) if isinstance(p, dict)}
            media = {m.get("media_key"): m for m in includes.get("media", []) if isinstance(m, dict)}
            for index, tweet in enumerate(page.get("data") or []):
                if not isinstance(tweet, dict):
                    yield Quarantine(reason="tweet is not an object", field="data", line=line, pointer=f"/data/{index}")
                    continue
                raw: dict[str, Any] = {"tweet": tweet}
                if tweet.get("author_id") in users:
                    raw["author"] = users[tweet["author_id"]]
                refs = [tweets[r.get("id")] for r in tweet.get("referenced_tweets") or [] if r.get("id") in tweets]
                if refs:
                    raw["referenced"] = refs
                place_id = dig(tweet, "geo", "place_id")
                if place_id in places:
                    raw["place"] = places[place_id]
                keys = dig(tweet, "attachments", "media_keys", default=[])
                found = [media[k] for k in keys if k in media]
                if found:
                    raw["media"] = found
                if page.get(SYNTHETIC_MARK):
                    raw[SYNTHETIC_MARK] = True
                yield RawRecord(raw, line, f"/data/{index}")
            # Withheld/deleted tweets reported in "errors" (resource not found/authorized)
            for index, error in enumerate(page.get("errors") or []):
                if isinstance(error, dict) and error.get("resource_type") == "tweet" and error.get("resource_id"):
                    yield RawRecord({"error": error}, line, f"/errors/{index}")

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        if "error" in raw:
            error = raw["error"]
            return make_post(
                platform=self.platform, native_id=error.get("resource_id"), kind="post",
                created_at=None, text=None, deleted=True,
                version_key="~deleted",
            )
        tweet = raw.get("tweet") or {}
        author = raw.get("author") or {}
        refs = {r.get("type"): r.get("id") for r in tweet.get("referenced_tweets") or []}
        if "retweeted" in refs:
            kind, parent = "repost", refs["retweeted"]
        elif "quoted" in refs:
            kind, parent = "quote", refs["quoted"]
        elif "replied_to" in refs:
            kind, parent = "reply", refs["replied_to"]
        else:
            kind, parent = "post", None
        text = tweet.get("text")
        if kind == "repost":  # a retweet's text is truncated: take the full original when expanded
            original = next((t for t in raw.get("referenced", []) if t.get("id") == parent), None)
            if original and original.get("text"):
                prefix = text.split(":", 1)[0] + ": " if text and text.startswith("RT @") else ""
                text = prefix + original["text"]
        if dig(tweet, "note_tweet", "text"):
            text = tweet["note_tweet"]["text"]
        entities = tweet.get("entities") or {}
        metrics = tweet.get("public_metrics") or {}
        handle = author.get("username")
        history = tweet.get("edit_history_tweet_ids") or []
        native_id = history[0] if history else tweet.get("id")
        withheld = bool(tweet.get("withheld")) and not text
        place = raw.get("place") or {}
        media = raw.get("media") or []
        return make_post(
            platform=self.platform,
            native_id=native_id,
            kind=kind,
            created_at=tweet.get("created_at"),
            text=text,
            author_native=tweet.get("author_id"),
            author_handle=handle,
            url=f"https://x.com/{handle or 'i'}/status/{tweet.get('id')}",
            parent_id=f"x:{parent}" if parent else None,
            thread_id=f"x:{tweet['conversation_id']}" if tweet.get("conversation_id") else None,
            lang=None if tweet.get("lang") in (None, "und", "qst", "qme", "zxx") else tweet.get("lang"),
            like_count=to_int(metrics.get("like_count")),
            share_count=to_int(metrics.get("retweet_count")),
            reply_count=to_int(metrics.get("reply_count")),
            quote_count=to_int(metrics.get("quote_count")),
            view_count=to_int(metrics.get("impression_count")),
            hashtags=[h.get("tag", "").lower() for h in entities.get("hashtags", []) if h.get("tag")] or None,
            mentions=[m.get("username", "").lower() for m in entities.get("mentions", []) if m.get("username")] or None,
            urls=[u.get("expanded_url") or u.get("url") for u in entities.get("urls", []) if u.get("url")] or None,
            has_media=bool(dig(tweet, "attachments", "media_keys")),
            media_types=sorted({m.get("type") for m in media if m.get("type")}) or None,
            place=place.get("full_name"),
            country=place.get("country_code"),
            withheld=withheld,
            version_key=str(len(history)) if history else None,
        )
