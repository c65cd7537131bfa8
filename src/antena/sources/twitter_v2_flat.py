"""X API v2 tweets flattened by ``twarc2 flatten``: one tweet per line, expansions inlined.

Each line is a v2 tweet object in which twarc replaced ids by the objects they name:
``author``, ``in_reply_to_user``, ``referenced_tweets[]`` (each with the full tweet merged in),
``attachments.media``, ``geo`` (merged with its place) and ``__twarc`` (collection metadata).
The line itself is the raw record; it maps exactly like a tweet of a v2 page (same post ids,
edits, withheld handling), see ``twitter_v2``.
Format: https://twarc-project.readthedocs.io/en/latest/twarc2_en_us/#flatten
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from antena.registry import register_source
from antena.sources.base import Post, Quarantine, RawRecord, Source, dig, head_text, raw_preview
from antena.sources.twitter_v2 import (
    PLATFORM,
    SYNTHETIC_MARK,
    json_key_paths,
    json_lines_or_document,
    looks_like_v2_tweet,
    tweet_post,
)

WITHHELD_DROPPED = ("text", "note_tweet")


@register_source
class TwitterV2Flat(Source):
    name = "twitter_v2_flat"
    platform = PLATFORM
    title = "X API v2 tweets, flattened (twarc2 flatten JSONL)"
    formats_doc = "https://twarc-project.readthedocs.io/en/latest/twarc2_en_us/#flatten"
    shared_samples = ("twitter_v2_twarc2_flat_jsonl/*.jsonl",)

    def sniff(self, head: bytes, filename: str) -> float:
        top = json_key_paths(head_text(head)).get((), set())
        if "data" in top or not looks_like_v2_tweet(top):
            return 0.0
        if top & {"author", "__twarc"}:
            return 0.95
        if top & {"author_id", "edit_history_tweet_ids", "conversation_id"}:
            return 0.7  # plain v2 tweet objects, one per line, without expansions
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        for item in json_lines_or_document(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, document = item
            if isinstance(document, list):  # a saved list of flattened tweets
                for index, tweet in enumerate(document):
                    yield from self._tweet_record(tweet, line, f"/{index}")
            else:
                yield from self._tweet_record(document, line, "")

    @staticmethod
    def _tweet_record(tweet: Any, line: int, at: str) -> Iterator[RawRecord | Quarantine]:
        if not isinstance(tweet, dict) or "id" not in tweet or not ({"text", "withheld"} & set(tweet)):
            page = isinstance(tweet, dict) and "data" in tweet
            what = "an X API v2 page (use --format twitter_v2)" if page else "a tweet"
            yield Quarantine(reason=f"line is not {what}", field="(line)", line=line, pointer=at,
                             raw=raw_preview(tweet))
            return
        if tweet.get("withheld"):  # withheld text is not kept anywhere
            tweet = {k: v for k, v in tweet.items() if k not in WITHHELD_DROPPED}
        yield RawRecord(tweet, line, at)

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        author = raw.get("author") if isinstance(raw.get("author"), dict) else None
        geo = raw.get("geo") if isinstance(raw.get("geo"), dict) else {}
        media = dig(raw, "attachments", "media", default=[])
        referenced = [r for r in raw.get("referenced_tweets") or [] if isinstance(r, dict) and "text" in r]
        return tweet_post(
            raw,
            author=author,
            referenced=referenced,
            place=geo if geo.get("full_name") or geo.get("name") else None,
            media=[m for m in media if isinstance(m, dict)] if isinstance(media, list) else None,
            collected_at=dig(raw, "__twarc", "retrieved_at"),
            synthetic=bool(raw.get(SYNTHETIC_MARK)),
        )
