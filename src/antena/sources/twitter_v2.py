"""X (Twitter) API v2 response pages, one JSON page per line, as twarc2 writes them.

Each line is ``{"data": [tweets], "includes": {"users", "tweets", "places", "media"},
"meta", "errors", "__twarc"}``; a filtered-stream line has ``data`` as one tweet plus
``matching_rules``. Each tweet becomes one raw record carrying the expansions it needs
(author, referenced tweets, place, media) and the collection time, so ``map`` stays pure.

* ``errors`` about tweets (not found, not authorized) become deletion tombstones;
  every other error entry is reported as a ``Quarantine`` whose reason starts with
  "not a post:" (so the counts still add up and the user sees why).
* Pages that are not tweets (``counts`` pages, user lookups) are recognised, and each of
  their records is quarantined as "not a post: ..." the same way.
* Batch compliance results (``{"id", "action": "delete", "reason", ...}`` per line, which
  ``twarc2 compliance-job download`` writes) become deletion tombstones, so importing them
  after the tweets marks those tweets deleted and the store drops their text. Results of a
  *users* job look the same but carry user ids: a file whose name contains "user" is read as
  one and its lines are reported as "not a post:" (removing a user's posts is not supported
  yet), as are ``scrub_geo`` results (removing only the location is not supported yet).
* Edits: a post's native id is the first id of ``edit_history_tweet_ids``, so an edit replaces
  the original; the version key (edit position, zero-padded, then collection time) orders
  versions as strings. Earlier versions found in ``includes.tweets`` are imported as well.
* Withheld tweets keep no text (it is dropped from the raw record too).

The helpers here (``tweet_post``, ``x_lang``, ``x_version_key``, ``json_key_paths``) are
shared with the flattened v2 format and with v1.1, so one tweet maps the same way from
every X export. Format: https://developer.x.com/en/docs/x-api/data-dictionary
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import PurePath
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
    make_post,
    parse_time,
    raw_preview,
    to_int,
)

PLATFORM = "x"
# X's pseudo-language codes: undetermined, media/links only, too short, no text, hashtags/mentions only.
NO_LANGUAGE = frozenset({"und", "qme", "qst", "zxx", "qht", "qam", "qct", "art"})
COMPLIANCE_KEYS = frozenset({"id", "action", "created_at", "redacted_at", "reason", SYNTHETIC_MARK})
TWEET_PROBLEMS = ("resource-not-found", "not-authorized-for-resource", "Not Found Error", "Authorization Error")


# ---------------------------------------------------------------- helpers shared by X sources


def x_lang(value: Any) -> str | None:
    """The platform's language code, or None for X's "undetermined" pseudo-codes."""
    return None if not value or value in NO_LANGUAGE else str(value)


def x_version_key(edit_index: int, collected_at: Any = None) -> str:
    """Orders versions of one post as strings: edit position (zero-padded), then collection time."""
    key = f"{max(edit_index, 0):04d}"
    return f"{key}|{collected_at}" if collected_at else key


def x_url(native_id: Any) -> str:
    """A link to the tweet that does not carry the author's handle."""
    return f"https://x.com/i/web/status/{native_id}"


def tombstone(native_id: Any, *, author: Any = None, withheld: bool = False, synthetic: bool = False) -> Post | Quarantine:
    """A post that is gone (deleted) or hidden (withheld): no text, no content fields."""
    return make_post(
        platform=PLATFORM, native_id=native_id, kind="post", created_at=None, text=None,
        author_native=author, url=x_url(native_id) if native_id else None,
        deleted=not withheld, withheld=withheld, synthetic=synthetic or None,
        hashtags=[], mentions=[], urls=[],
    )


def _unique(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v))


def _v2_entities(entities: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    hashtags = [h.get("tag", "").lower() for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    mentions = [m.get("username", "").lower() for m in entities.get("mentions") or [] if isinstance(m, dict)]
    urls = [u.get("expanded_url") or u.get("url") for u in entities.get("urls") or [] if isinstance(u, dict)]
    return _unique(hashtags), _unique(mentions), _unique(urls)


def _full_text(tweet: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Text and entities of a v2 tweet, preferring the long ``note_tweet`` version."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and note.get("text"):
        return note["text"], note.get("entities") or tweet.get("entities") or {}
    return tweet.get("text"), tweet.get("entities") or {}


def reference_kind(refs: dict[str, Any]) -> tuple[str, Any]:
    """Kind and parent id from ``{type: id}`` references: retweet, then reply, then quote."""
    for ref_type, kind in (("retweeted", "repost"), ("replied_to", "reply"), ("quoted", "quote")):
        if refs.get(ref_type):
            return kind, refs[ref_type]
    return "post", None


def tweet_post(
    tweet: dict[str, Any],
    *,
    author: dict[str, Any] | None = None,
    referenced: list[dict[str, Any]] | None = None,
    place: dict[str, Any] | None = None,
    media: list[dict[str, Any]] | None = None,
    collected_at: Any = None,
    synthetic: bool = False,
) -> Post | Quarantine:
    """Map one v2 tweet object (with its expansions) to a canonical post."""
    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or []]
    tweet_id = str(tweet.get("id") or "")
    native_id = history[0] if history else tweet_id
    edit_index = history.index(tweet_id) if tweet_id in history else 0
    withheld = bool(tweet.get("withheld"))
    refs = {r.get("type"): str(r.get("id")) for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)}
    kind, parent = reference_kind(refs)
    text, entities = _full_text(tweet)
    hashtags, mentions, urls = _v2_entities(entities)
    if kind == "repost":  # a retweet's own text is cut at 140 characters: rebuild it from the original
        original = next((t for t in referenced or [] if str(t.get("id")) == parent), None)
        if original and not original.get("withheld") and not withheld:
            original_text, original_entities = _full_text(original)
            if original_text:
                prefix = text.split(":", 1)[0] + ": " if text and text.startswith("RT @") else ""
                text = prefix + original_text
                tags, names, links = _v2_entities(original_entities)
                # the retweet's own entities index its truncated text ("#T…"): take the original's
                hashtags, mentions, urls = tags, _unique(mentions + names), _unique(urls + links)
    if withheld:  # withheld in some country: keep that it existed, not what it said
        text, hashtags, mentions, urls = None, [], [], []
    metrics = tweet.get("public_metrics") or {}
    media = media or []
    place = place or {}
    return make_post(
        platform=PLATFORM,
        native_id=native_id,
        kind=kind,
        created_at=tweet.get("created_at"),
        text=text,
        author_native=tweet.get("author_id") or (author or {}).get("id"),
        author_handle=(author or {}).get("username"),
        url=x_url(tweet_id or native_id),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=_thread(tweet.get("conversation_id"), history, native_id),
        lang=x_lang(tweet.get("lang")),
        like_count=to_int(metrics.get("like_count")),
        share_count=to_int(metrics.get("retweet_count")),
        reply_count=to_int(metrics.get("reply_count")),
        quote_count=to_int(metrics.get("quote_count")),
        view_count=to_int(metrics.get("impression_count")),
        # the API's entities are authoritative when present; without them the text is scanned
        hashtags=hashtags if (withheld or entities) else hashtags or None,
        mentions=mentions if (withheld or entities) else mentions or None,
        urls=urls if (withheld or entities) else urls or None,
        has_media=bool(media or dig(tweet, "attachments", "media_keys")),
        media_types=sorted({str(m["type"]) for m in media if isinstance(m, dict) and m.get("type")}) or None,
        place=place.get("full_name") or place.get("name"),
        country=(place.get("country_code") or "").upper() or None,
        withheld=withheld,
        synthetic=synthetic or None,
        version_key=x_version_key(edit_index, collected_at),
        collected_at=parse_time(collected_at),
    )


def _thread(conversation_id: Any, history: list[str], native_id: str) -> str | None:
    """The conversation as a post id; an edited root post's conversation is the post itself."""
    if not conversation_id:
        return None
    return f"{PLATFORM}:{native_id if str(conversation_id) in history else conversation_id}"


def json_key_paths(text: str, limit: int = 65_536) -> dict[tuple[str, ...], set[str]]:
    """Object keys found at the start of a JSON text that may be cut anywhere, by path.

    Arrays are transparent: the keys of the tweets in ``{"data": [{...}]}`` are under
    ``("data",)``, those of a top-level object (or of the objects of a top-level array, or of
    several JSON lines) under ``()``. Only paths up to three keys deep are kept. Used by sniffers,
    because a twarc2 page is often one line far longer than the bytes a sniffer sees.
    """
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)
    stack: list[list[Any]] = []  # [opener, path, last key]
    expect_key = False
    i, end = 0, min(len(text), limit)
    while i < end:
        char = text[i]
        if char == '"':
            j = i + 1
            while j < end and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= end:
                break
            if expect_key and stack and stack[-1][0] == "{":
                stack[-1][2] = text[i + 1 : j]
                if len(stack[-1][1]) <= 3:
                    found[stack[-1][1]].add(stack[-1][2])
                expect_key = False
            i = j + 1
            continue
        if char in "{[":
            if not stack:
                path: tuple[str, ...] = ()
            elif stack[-1][0] == "{":
                path = (*stack[-1][1], stack[-1][2] or "")
            else:
                path = stack[-1][1]
            stack.append([char, path, None])
            expect_key = char == "{"
        elif char in "}]":
            if stack:
                stack.pop()
            expect_key = False
        elif char == ",":
            expect_key = bool(stack) and stack[-1][0] == "{"
        i += 1
    return found


def json_lines_or_document(stream: IO[bytes]) -> Iterator[tuple[int, Any] | Quarantine]:
    """``(line, object)`` for each JSON line, or once for a file holding one (indented) document
    (see ``antena.sources.jsonread.json_values``: streamed, damaged documents salvaged)."""
    from antena.sources.jsonread import json_values

    return json_values(stream)


def looks_like_v2_tweet(keys: set[str]) -> bool:
    """Keys of a v2 tweet object (v1.1 statuses carry ``id_str``, v2 tweets never do)."""
    return {"id", "text"} <= keys and "id_str" not in keys


# ---------------------------------------------------------------- the source


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    return {str(i.get(key)): i for i in items or [] if isinstance(i, dict) and i.get(key) is not None}


def _not_a_post(what: str, line: int, pointer: str, item: Any) -> Quarantine:
    return Quarantine(reason=f"not a post: {what}", field="(record)", line=line, pointer=pointer,
                      raw=raw_preview(item))


@register_source
class TwitterV2(Source):
    name = "twitter_v2"
    platform = PLATFORM
    title = "X API v2 pages (twarc2 JSONL)"
    formats_doc = "https://developer.x.com/en/docs/x-api/data-dictionary/object-model/tweet"
    shared_samples = (
        "twitter_v2_twarc2_jsonl/*_compliance.jsonl",
        "twitter_v2_twarc2_jsonl/brexit.jsonl",
        "twitter_v2_twarc2_jsonl/edited*.jsonl",
        "twitter_v2_twarc2_jsonl/withheld.jsonl",
        "twitter_v2_twarc2_jsonl/streaming_output_with_error.jsonl",
        "twitter_v2_twarc2_jsonl/counts.jsonl",
        "twitter_v2_twarc2_jsonl/users.jsonl",
    )

    def sniff(self, head: bytes, filename: str) -> float:
        paths = json_key_paths(head_text(head))
        top, data = paths.get((), set()), paths.get(("data",), set())
        twarc = bool(top & {"__twarc", "includes", "meta", "matching_rules", "errors"})
        if "data" in top:
            if looks_like_v2_tweet(data):
                return 0.95 if twarc else 0.85
            if {"tweet_count", "start", "end"} <= data:  # counts endpoint
                return 0.8 if twarc else 0.6
            if {"id", "name", "username"} <= data and "text" not in data:  # user lookup
                return 0.7 if twarc else 0.5
            return 0.5 if "__twarc" in top else 0.0  # other twarc2 output (lists, spaces)
        if {"id", "action"} <= top and top <= COMPLIANCE_KEYS:
            return 0.9  # batch compliance results
        if "errors" in top and not looks_like_v2_tweet(top) and b"api.twitter.com/2/problems" in head:
            return 0.7  # a stream that starts with an error line
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        users_job = "user" in PurePath(filename.split("!")[-1]).name.lower()
        for item in json_lines_or_document(stream):
            if isinstance(item, Quarantine):
                yield item
                continue
            line, document = item
            if isinstance(document, list):  # a saved list of pages
                for index, page in enumerate(document):
                    yield from self._line_records(page, line, users_job, f"/{index}")
            else:
                yield from self._line_records(document, line, users_job, "")

    def _line_records(self, page: Any, line: int, users_job: bool, at: str) -> Iterator[RawRecord | Quarantine]:
        if isinstance(page, dict) and "action" in page and "data" not in page:
            yield self._compliance_record(page, line, users_job, at)
        elif not isinstance(page, dict) or not ("data" in page or "errors" in page):
            what = "a flattened tweet (use --format twitter_v2_flat)" if isinstance(page, dict) and \
                looks_like_v2_tweet(set(page)) else "an X API v2 page"
            yield Quarantine(reason=f"line is not {what}", field="data", line=line, pointer=at,
                             raw=raw_preview(page))
        else:
            yield from self._page_records(page, line, at)

    @staticmethod
    def _compliance_record(record: dict[str, Any], line: int, users_job: bool, at: str) -> RawRecord | Quarantine:
        if not record.get("id"):
            return Quarantine(reason="compliance record has no id", field="id", line=line, pointer=at,
                              raw=raw_preview(record))
        if users_job:
            return _not_a_post("user compliance record (removing a user's posts is not supported yet)",
                               line, at, record)
        if record.get("action") != "delete" or record.get("reason") == "scrub_geo":
            return _not_a_post(f"compliance action {record.get('action')}/{record.get('reason')}"
                               " (only deletions are applied)", line, at, record)
        return RawRecord(record, line, at)

    def _page_records(self, page: dict[str, Any], line: int, at: str = "") -> Iterator[RawRecord | Quarantine]:
        data = page.get("data")
        single = isinstance(data, dict)
        tweets_in_page = [data] if single else data if isinstance(data, list) else []
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        users, tweets = _index(includes.get("users"), "id"), _index(includes.get("tweets"), "id")
        places, media = _index(includes.get("places"), "id"), _index(includes.get("media"), "media_key")
        context = {"retrieved_at": dig(page, "__twarc", "retrieved_at")}
        if page.get(SYNTHETIC_MARK):
            context[SYNTHETIC_MARK] = True
        seen: set[str] = {str(t.get("id")) for t in tweets_in_page if isinstance(t, dict)}
        context = {k: v for k, v in context.items() if v}  # what every record of the page carries
        for index, tweet in enumerate(tweets_in_page):
            pointer = f"{at}/data" if single else f"{at}/data/{index}"
            if isinstance(tweet, dict) and "text" in tweet:  # a tweet (the common case first)
                yield RawRecord(self._raw(tweet, users, tweets, places, media, context), line, pointer)
                # earlier (or later) versions of an edited tweet expanded in includes.tweets
                for version_id in tweet.get("edit_history_tweet_ids") or []:
                    version = tweets.get(str(version_id))
                    if version is not None and str(version_id) not in seen:
                        seen.add(str(version_id))
                        position = next(k for k, t in enumerate(includes["tweets"]) if t is version)
                        yield RawRecord(self._raw(version, users, tweets, places, media, context), line,
                                        f"{at}/includes/tweets/{position}")
            elif not isinstance(tweet, dict):
                yield Quarantine(reason="tweet is not an object", field="data", line=line, pointer=pointer)
            elif "tweet_count" in tweet:
                yield _not_a_post("tweet count (from the counts endpoint)", line, pointer, tweet)
            elif "username" in tweet:
                yield _not_a_post("user profile (from a user lookup)", line, pointer, tweet)
            else:  # lists, spaces, ... that twarc2 also writes
                yield _not_a_post("an X object that is not a tweet", line, pointer, tweet)
        is_user_page = any(isinstance(t, dict) and "username" in t and "text" not in t for t in tweets_in_page)
        for index, error in enumerate(page.get("errors") or []):
            pointer = f"{at}/errors/{index}"
            if not isinstance(error, dict):
                yield Quarantine(reason="error entry is not an object", field="errors", line=line, pointer=pointer)
                continue
            problem = f"{error.get('type') or ''} {error.get('title') or ''}"
            about_tweet = error.get("resource_type") == "tweet" and error.get("resource_id")
            if about_tweet and not is_user_page and any(p in problem for p in TWEET_PROBLEMS):
                yield RawRecord({"error": error, **context}, line, pointer)
            else:
                title = error.get("title") or error.get("detail") or "error"
                about = f"about a {error['resource_type']}" if error.get("resource_type") else "in the stream"
                yield _not_a_post(f"API error: {title} ({about})", line, pointer, error)

    @staticmethod
    def _raw(tweet: dict[str, Any], users: dict, tweets: dict, places: dict, media: dict,
             context: dict[str, Any]) -> dict[str, Any]:
        """The tweet with its expansions; ``context``: the page's non-empty collection fields."""
        if tweet.get("withheld"):  # withheld text is not kept anywhere
            tweet = {k: v for k, v in tweet.items() if k not in ("text", "note_tweet")}
        raw: dict[str, Any] = {"tweet": tweet}
        author = users.get(str(tweet.get("author_id")))
        if author:
            raw["author"] = author
        references = tweet.get("referenced_tweets")
        if references:
            refs = [tweets[str(r.get("id"))] for r in references
                    if isinstance(r, dict) and str(r.get("id")) in tweets]
            if refs:
                raw["referenced"] = refs
        geo, attachments = tweet.get("geo"), tweet.get("attachments")  # dig's answers, without its exceptions
        place = places.get(str(geo.get("place_id") if isinstance(geo, dict) else None))
        if place:
            raw["place"] = place
        keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
        if keys is not None:
            found = [media[str(k)] for k in keys if str(k) in media]
            if found:
                raw["media"] = found
        raw.update(context)
        return raw

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        synthetic = bool(raw.get(SYNTHETIC_MARK))
        if "error" in raw:  # a tweet the API could not return: deleted, or no longer visible
            return tombstone(dig(raw, "error", "resource_id"), synthetic=synthetic)
        if "action" in raw and "tweet" not in raw:  # a compliance deletion
            return tombstone(raw.get("id"), synthetic=synthetic)
        tweet = raw.get("tweet")
        if not isinstance(tweet, dict):
            return Quarantine(reason="record has no tweet", field="tweet")
        return tweet_post(
            tweet, author=raw.get("author"), referenced=raw.get("referenced"), place=raw.get("place"),
            media=raw.get("media"), collected_at=raw.get("retrieved_at"), synthetic=synthetic,
        )
