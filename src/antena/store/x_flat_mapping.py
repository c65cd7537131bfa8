"""Flattened X API v2 tweets (``twarc2 flatten``) mapped to canonical posts in SQL.

The same rules as ``antena.sources.twitter_v2_flat.TwitterV2Flat.map``, which hands the line to
``tweet_post`` with its inlined expansions: this module reads a flattened tweet into the shape of
an X v2 page record (``x_mapping.TYPED_STRUCTURE``: the tweet, its author, the referenced tweets
that carry a text, the place when ``geo`` names one, the media objects, the collection time) and
maps it with the v2 page mapping (``x_mapping.tweet_mapping_sql``), so both formats share one SQL
mapping as they share one Python one.

A record is *regular* (mapped here) under the v2 rules, with traps scoped to a flattened line:
the author, ``in_reply_to_user`` and the referenced tweets are inlined whole, so a user profile's
``"url": {"urls": [...]}`` object is allowed (an entity URL that is not a string still sends the
record to Python), and the characters whose lower-casing differs between Python and DuckDB are
only looked for in the hashtags and user names that are lower-cased. The media of a flattened
tweet are read as JSON, so that an element that is not an object is skipped as Python skips it.
"""

from __future__ import annotations

import duckdb

from antena.store import x_mapping

_ENTITIES = x_mapping._ENTITIES  # noqa: SLF001 - one definition of the v2 entities for both formats

# A flattened tweet read with the types the traps below guarantee (one pass for all the values);
# its entities come as JSON, read again below, to tell an empty object from one with other keys.
_TYPED_FLAT = (
    '{"id": "VARCHAR", "text": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR",'
    ' "conversation_id": "VARCHAR", "lang": "VARCHAR", "public_metrics": {"like_count": "BIGINT",'
    ' "retweet_count": "BIGINT", "reply_count": "BIGINT", "quote_count": "BIGINT", "impression_count": "BIGINT"},'
    ' "entities": "JSON",'
    f' "referenced_tweets": [{{"type": "VARCHAR", "id": "VARCHAR", "text": "VARCHAR", "entities": {_ENTITIES}}}],'
    ' "edit_history_tweet_ids": ["VARCHAR"], "attachments": {"media_keys": "JSON", "media": ["JSON"]},'
    ' "author": {"id": "VARCHAR", "username": "VARCHAR"},'
    ' "geo": {"full_name": "VARCHAR", "name": "VARCHAR", "country_code": "VARCHAR"},'
    ' "__twarc": {"retrieved_at": "VARCHAR"}, "__antena_synthetic": "BOOLEAN"}'
)

# Over the whole canonical line (compact, keys sorted; see x_mapping): a field read as a string
# holding another type (a user's "url" may hold the profile's {"urls": [...]} object), a list or
# object of the wrong kind, a count that is negative, fractional or beyond 64 bits, an edit
# history that is not a list of digit strings, a synthetic mark that is not a boolean, the rare
# cases (withheld, note tweets), and a lower-cased value with a character Python and DuckDB
# lower-case differently.
_FLAT_TRAPS = (
    r'[{,]"(id|text|author_id|created_at|conversation_id|lang|tag|username|expanded_url|type|full_name|name'
    r'|country_code|retrieved_at)":[^"]'
    r'|[{,]"url":([^"{]|\{[^"]|\{"[^u]|\{"u[^r]|\{"ur[^l]|\{"url[^s]|\{"urls[^"]|\{"urls"[^:]|\{"urls":[^\[])'
    r'|[{,]"(hashtags|mentions|urls|referenced_tweets)":[^\[]'
    r'|[{,]"(entities|public_metrics|attachments|author|geo|__twarc)":[^{]'
    r'|[{,]"media_keys":[^\[]'
    r'|[{,]"(like|retweet|reply|quote|impression)_count":([^0-9]|[0-9]{19}|[0-9]+[.eE])'
    r'|"edit_history_tweet_ids":([^\[]|\[[0-9]|\[[^\]]*([^"0-9,\]]|,[0-9]))'
    r'|"withheld"|"note_tweet"'
    r'|[{,]"__antena_synthetic":[^tf]'
    '|"(tag|username)":"([^"\\\\]|\\\\.)*[\u0130\u03a3]'
)

# No entity URL read (the tweet's, the referenced tweets') is an object the "url" trap let through.
_URLS_ARE_TEXT = (
    "list_bool_or(list_transform(list_concat(coalesce({e}.urls, []),"
    " flatten(list_transform(coalesce(f.referenced_tweets, []), lambda r: coalesce(r.entities.urls, [])))),"
    " lambda u: starts_with(coalesce(u.url, ''), '{{'))) IS NOT TRUE"
)

READ_SQL = f"""
SELECT idx,
    struct_pack(
        tweet := struct_pack(id := f.id, text := f.text, author_id := f.author_id, created_at := f.created_at,
            conversation_id := f.conversation_id, lang := f.lang, public_metrics := f.public_metrics,
            entities := e, referenced_tweets := f.referenced_tweets,
            edit_history_tweet_ids := f.edit_history_tweet_ids, attachments := f.attachments),
        author := f.author,
        referenced := list_filter(f.referenced_tweets, lambda r: r.text IS NOT NULL),
        place := CASE WHEN coalesce(f.geo.full_name, '') <> '' OR coalesce(f.geo.name, '') <> '' THEN f.geo END,
        media := list_transform(
            list_filter(f.attachments.media, lambda m: starts_with(CAST(m AS VARCHAR), '{{')),
            lambda m: struct_pack(type := json_extract_string(m, '$.type'))),
        retrieved_at := f.__twarc.retrieved_at,
        "__antena_synthetic" := f."__antena_synthetic"
    ) AS v,
    text_ok AND {_URLS_ARE_TEXT.format(e='e')} AS text_ok,
    -- tweet_post: "entities or {{}}" is true when the object has a key
    coalesce(CAST(f.entities AS VARCHAR), '{{}}') <> '{{}}' AS has_entities
FROM (
    SELECT idx, f, json_transform(f.entities, '{_ENTITIES}') AS e, text_ok
    FROM (
        SELECT idx, json_transform(payload, '{_TYPED_FLAT}') AS f,
            NOT contains(payload, ':null') AND NOT regexp_matches(payload, '{_FLAT_TRAPS}') AS text_ok
        FROM vx_raw
    )
)
"""  # noqa: S608 - built from this module's constants only

MAPPING_SQL = x_mapping.tweet_mapping_sql(READ_SQL)


def mapping_sql(source: object) -> str:
    """The mapping query (the same for every flattened file: the format takes no options)."""
    return MAPPING_SQL


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the v2 mapping's macros on this connection (temporary: nothing is written)."""
    x_mapping.install(con)
