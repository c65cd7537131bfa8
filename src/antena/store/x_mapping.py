"""X API v2 raw records mapped to canonical posts in SQL (the vectorised import's mapping).

The same rules as ``antena.sources.twitter_v2.tweet_post``, written for DuckDB over a chunk of
raw records (``vx_raw(idx, payload)``, the payload as the JSON text the store keeps). A record
is mapped here only when it is *regular*: every value it reads has the JSON type the Python
mapping expects (ids and texts are strings, counts are integers within 64 bits, entity lists
hold objects with string fields, the time is an ISO 8601 UTC stamp) and none of the rare cases
applies (withheld, note tweets, tombstones, compliance records, text whose lower-casing differs
between Python and DuckDB). Every other record goes back to the per-record Python ``map``, so the
result is the same whichever path maps it (``tests/test_vectorised_import.py`` checks it).

Two things stay in Python, applied per chunk (``antena.store.vectorised``): the keyed author
pseudonym (HMAC), and the hashtags, mentions and URLs of tweets whose API entities are absent,
which ``make_post`` scans from the text with Python regular expressions (the SQL leaves them
NULL for that).
"""

from __future__ import annotations

import duckdb

# The records read with the types the checks below guarantee (one pass for all the values).
_ENTITIES = ('{"hashtags": [{"tag": "VARCHAR"}], "mentions": [{"username": "VARCHAR"}],'
             ' "urls": [{"expanded_url": "VARCHAR", "url": "VARCHAR"}]}')
_TYPED_TWEET = (
    '{"id": "VARCHAR", "text": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR",'
    ' "conversation_id": "VARCHAR", "lang": "VARCHAR", "public_metrics": {"like_count": "BIGINT",'
    ' "retweet_count": "BIGINT", "reply_count": "BIGINT", "quote_count": "BIGINT", "impression_count": "BIGINT"},'
    f' "entities": {_ENTITIES}, "referenced_tweets": [{{"type": "VARCHAR", "id": "VARCHAR"}}],'
    ' "edit_history_tweet_ids": ["VARCHAR"], "attachments": {"media_keys": "JSON"}}'
)
TYPED_STRUCTURE = (
    f'{{"tweet": {_TYPED_TWEET}, "author": {{"id": "VARCHAR", "username": "VARCHAR"}},'
    f' "referenced": [{{"id": "VARCHAR", "text": "VARCHAR", "entities": {_ENTITIES}}}],'
    ' "place": {"full_name": "VARCHAR", "name": "VARCHAR", "country_code": "VARCHAR"},'
    ' "media": [{"type": "VARCHAR"}], "retrieved_at": "VARCHAR", "__antena_synthetic": "BOOLEAN"}'
)

# The checks read the payload's text: the canonical JSON the store keeps (compact, keys sorted, so
# the top-level keys come in the order author, media, place, referenced, retrieved_at, tweet; a
# quote inside a string is always escaped, so `[{,]"key":` only matches a key). A record is
# regular when its text has no JSON null (X omits empty fields) and matches none of these traps:
# a field read as a string holding another type, a list or object of the wrong kind, an integer
# count that is negative, fractional or beyond 64 bits, an edit history that is not a list of
# digit strings, the rare cases (withheld, note tweets), or a character whose lower-casing
# differs between Python and DuckDB (dotted capital I; capital sigma, for Python's final sigma).
_TWEETS_TRAPS = (
    r'[{,]"(id|text|author_id|created_at|conversation_id|lang|tag|username|url|expanded_url|type)":[^"]'
    r'|[{,]"(hashtags|mentions|urls|referenced_tweets)":[^\[]'
    r'|[{,]"(entities|public_metrics|attachments)":[^{]'
    r'|[{,]"media_keys":[^\[]'
    r'|[{,]"(like|retweet|reply|quote|impression)_count":([^0-9]|[0-9]{19}|[0-9]+[.eE])'
    r'|"edit_history_tweet_ids":([^\[]|\[[0-9]|\[[^\]]*([^"0-9,\]]|,[0-9]))'
    r'|"withheld"|"note_tweet"'
)
# author, media and place (the part of the payload before the referenced tweets and the tweet)
_EXPANSION_TRAPS = r'[{,]"(id|username|type|full_name|name|country_code)":[^"]'
# lower-cased characters only matter in the referenced tweets and the tweet (their entities)
_CASE_TRAP = '"(referenced|tweet)":[\\[{].*[\u0130\u03a3]'
# All the traps in one pass over the payload: each set is looked for in the whole payload, not only
# in its own part (the tweets' traps in the expansions too, and the other way round), which can
# only send more records to the Python map (none of the demo's or the samples'), never fewer.
_TRAPS = f":null|{_TWEETS_TRAPS}|{_EXPANSION_TRAPS}|{_CASE_TRAP}"

# An ISO 8601 time in UTC as X writes it, which Python's fromisoformat and DuckDB read alike.
_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?(Z|\+00:00)$"

MACROS = [
    # order-preserving unique of non-empty strings (Python's dict.fromkeys)
    "CREATE OR REPLACE TEMP MACRO vx_unique(l) AS"
    " list_filter(list_filter(l, lambda x: x <> ''),"
    " lambda x, i: list_position(list_filter(l, lambda y: y <> ''), x) = i)",
    "CREATE OR REPLACE TEMP MACRO vx_tags(e) AS"
    " vx_unique(list_transform(coalesce(e.hashtags, []), lambda x: lower(x.tag)))",
    "CREATE OR REPLACE TEMP MACRO vx_names(e) AS"
    " vx_unique(list_transform(coalesce(e.mentions, []), lambda x: lower(x.username)))",
    "CREATE OR REPLACE TEMP MACRO vx_links(e) AS"
    " vx_unique(list_transform(coalesce(e.urls, []), lambda x: coalesce(nullif(x.expanded_url, ''), x.url)))",
]

# How the v2 page records are read: the typed value ``v`` (TYPED_STRUCTURE), ``text_ok`` (the
# payload's text matches no trap) and ``has_entities`` (the tweet's entities object has a key).
READ_SQL = f"""
SELECT idx, v,
    tweet_at > 0 AND NOT regexp_matches(payload, '{_TRAPS}') AS text_ok,
    -- tweet_post: "entities or {{}}" is true when the object has a key
    contains(substr(payload, tweet_at), '"entities":{{"') AS has_entities
FROM (
    SELECT idx, payload, json_transform(payload, '{TYPED_STRUCTURE}') AS v,
        strpos(payload, '"tweet":{{') AS tweet_at  -- the tweet (the last key)
    FROM vx_raw
)
"""  # noqa: S608 - built from this module's constants only


def tweet_mapping_sql(read_sql: str) -> str:
    """The mapping of ``tweet_post`` over the rows of ``read_sql`` (``idx``, ``v`` shaped as
    TYPED_STRUCTURE, ``text_ok``, ``has_entities``): shared by the X formats whose records hold
    one v2 tweet with its expansions (pages, flattened tweets)."""
    return f"""
WITH k AS (
    SELECT idx, v, v.tweet AS w, text_ok, has_entities,
        coalesce(v.tweet.edit_history_tweet_ids, []) AS history,
        CASE WHEN len(coalesce(v.tweet.edit_history_tweet_ids, [])) > 0 THEN v.tweet.edit_history_tweet_ids[1]
             ELSE v.tweet.id END AS native_id,
        coalesce(list_position(v.tweet.edit_history_tweet_ids, v.tweet.id) - 1, 0) AS edit_index,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'retweeted')[-1].id AS rt_id,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'replied_to')[-1].id AS reply_id,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'quoted')[-1].id AS quote_id
    FROM ({read_sql})
), p AS (
    SELECT *,
        CASE WHEN coalesce(rt_id, '') <> '' THEN 'repost' WHEN coalesce(reply_id, '') <> '' THEN 'reply'
             WHEN coalesce(quote_id, '') <> '' THEN 'quote' ELSE 'post' END AS kind,
        CASE WHEN coalesce(rt_id, '') <> '' THEN rt_id WHEN coalesce(reply_id, '') <> '' THEN reply_id
             WHEN coalesce(quote_id, '') <> '' THEN quote_id END AS parent,
        CASE WHEN coalesce(rt_id, '') <> '' THEN list_position(list_transform(v.referenced, lambda x: x.id), rt_id)
        END AS original_at
    FROM k
), o AS (
    SELECT *, v.referenced[original_at] AS original,
        original_at IS NOT NULL AND coalesce(v.referenced[original_at].text, '') <> '' AS rebuilt
    FROM p
), mapped AS (
    SELECT idx,
        -- regular: read here exactly as tweet_post reads it; the others go to the Python map
        (text_ok AND w.id IS NOT NULL AND w.id <> ''
         -- make_post quarantines an id that strips to nothing: only digit ids are mapped here
         AND regexp_matches(native_id, '^[0-9]+$')
         -- a reference without an id is "None" to tweet_post (str(None))
         AND list_bool_and(list_transform(coalesce(w.referenced_tweets, []), lambda x: x.id IS NOT NULL)) IS NOT FALSE
         AND regexp_matches(coalesce(w.created_at, ''), '{_ISO_UTC}')
         AND TRY_CAST(replace(w.created_at, 'Z', '+00:00') AS TIMESTAMPTZ) IS NOT NULL
         AND regexp_matches(coalesce(v.place.country_code, ''), '^[ -~]*$')
         AND (v.retrieved_at IS NULL OR regexp_matches(v.retrieved_at, '{_ISO_UTC}'))
        ) IS TRUE AS regular,
        'x' AS platform,
        native_id,
        'https://x.com/i/web/status/' || w.id AS url,
        kind,
        CASE WHEN parent IS NOT NULL THEN 'x:' || parent END AS parent_id,
        CASE WHEN coalesce(w.conversation_id, '') = '' THEN NULL
             WHEN list_contains(history, w.conversation_id) THEN 'x:' || native_id
             ELSE 'x:' || w.conversation_id END AS thread_id,
        coalesce(nullif(w.author_id, ''), v.author.id) AS author_native,
        v.author.username AS author_handle,
        CAST(TRY_CAST(replace(w.created_at, 'Z', '+00:00') AS TIMESTAMPTZ) AS TIMESTAMPTZ) AS created_at,
        CASE WHEN rebuilt THEN
            (CASE WHEN starts_with(w.text, 'RT @') THEN split_part(w.text, ':', 1) || ': ' ELSE '' END) || original.text
        ELSE w.text END AS text,
        CASE WHEN coalesce(w.lang, '') = '' OR w.lang IN ('und', 'qme', 'qst', 'zxx', 'qht', 'qam', 'qct', 'art')
             THEN NULL ELSE w.lang END AS lang,
        w.public_metrics.like_count AS like_count,
        w.public_metrics.retweet_count AS share_count,
        w.public_metrics.reply_count AS reply_count,
        w.public_metrics.quote_count AS quote_count,
        w.public_metrics.impression_count AS view_count,
        CASE WHEN rebuilt THEN vx_tags(original.entities) ELSE vx_tags(w.entities) END AS hashtags_found,
        CASE WHEN rebuilt THEN vx_unique(list_concat(vx_names(w.entities), vx_names(original.entities)))
             ELSE vx_names(w.entities) END AS mentions_found,
        CASE WHEN rebuilt THEN vx_unique(list_concat(vx_links(w.entities), vx_links(original.entities)))
             ELSE vx_links(w.entities) END AS urls_found,
        has_entities,
        (len(coalesce(v.media, [])) > 0 OR coalesce(json_array_length(w.attachments.media_keys), 0) > 0) AS has_media,
        nullif(list_sort(list_distinct(list_filter(list_transform(coalesce(v.media, []), lambda x: x.type),
            lambda x: x <> ''))), []) AS media_types,
        coalesce(nullif(v.place.full_name, ''), v.place.name) AS place,
        nullif(upper(coalesce(v.place.country_code, '')), '') AS country,
        coalesce(v."__antena_synthetic", false) AS synthetic,
        printf('%04d', greatest(edit_index, 0))
            || CASE WHEN coalesce(v.retrieved_at, '') <> '' THEN '|' || v.retrieved_at ELSE '' END AS version_key,
        CAST(TRY_CAST(replace(v.retrieved_at, 'Z', '+00:00') AS TIMESTAMPTZ) AS TIMESTAMPTZ) AS collected_at
    FROM o
)
SELECT * EXCLUDE (hashtags_found, mentions_found, urls_found, has_entities),
    -- NULL: scanned from the text in Python, as make_post does when the API gave no entities
    CASE WHEN has_entities THEN hashtags_found ELSE nullif(hashtags_found, []) END AS hashtags,
    CASE WHEN has_entities THEN mentions_found ELSE nullif(mentions_found, []) END AS mentions,
    CASE WHEN has_entities THEN urls_found ELSE nullif(urls_found, []) END AS urls
FROM mapped  -- in the read's order (vectorised._in_order checks)
"""  # noqa: S608 - built from constants only


MAPPING_SQL = tweet_mapping_sql(READ_SQL)


def mapping_sql(source: object) -> str:
    """The mapping query (the same for every X v2 file: the format takes no options)."""
    return MAPPING_SQL


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the mapping's macros on this connection (temporary: nothing is written)."""
    for statement in MACROS:
        con.execute(statement)
