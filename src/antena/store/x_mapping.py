"""X API v2 raw records mapped to canonical posts in SQL (the vectorised import's mapping).

The same rules as ``antena.sources.twitter_v2.tweet_post``, written for DuckDB over a chunk of
raw records (``vx_raw(idx, payload)``, the payload as the JSON text the store keeps). A record
is mapped here only when it is *regular*: every value it reads has the JSON type the Python
mapping expects (ids and texts are strings, counts are integers within 64 bits, entity lists
hold objects with string fields, the time is an ISO 8601 UTC stamp) and none of the rare cases
applies (withheld, note tweets, tombstones, compliance records, text whose lower-casing differs
between Python and DuckDB). Every other record goes back to the per-record Python ``map``, so the
result is the same whichever path maps it (``tests/test_vectorised_import.py`` checks it).

Two things stay in Python, applied per chunk: the keyed author pseudonym (HMAC), and the
hashtags, mentions and URLs of tweets whose API entities are absent, which the Python mapping
scans from the text with Python regular expressions (``hashtags_from_text`` etc. say so).
"""

from __future__ import annotations

import duckdb

# The parts of a raw record, each kept as JSON: their shapes are checked from json_structure.
RAW_STRUCTURE = (
    '{"tweet": "JSON", "author": "JSON", "referenced": "JSON", "place": "JSON", "media": "JSON",'
    ' "retrieved_at": "JSON", "__antena_synthetic": "JSON", "error": "JSON", "action": "JSON"}'
)

# The same records read with the types the checks guarantee (one pass for all the values).
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

# Shapes (json_structure texts, compact) the SQL mapping does not read like tweet_post does. A
# record is regular when none matches: a string field holding another type ("VARCHAR" is the only
# type name starting with V), a list or object of the wrong kind, mixed types ("JSON"), fields of
# the rare cases (withheld, note tweets). No JSON null may occur anywhere (X omits empty fields).
_STRINGS = "id|text|author_id|created_at|conversation_id|lang|tag|username|url|expanded_url|type"
_TWEET_TRAPS = (
    r'"JSON"|"withheld"|"note_tweet"'
    rf'|"({_STRINGS})":("[^V]|[{{\[])'
    r'|"(hashtags|mentions|urls|referenced_tweets)":([^\[]|\[[^{"]|\["[^N])'
    r'|"(entities|public_metrics|attachments)":[^{]'
    r'|"edit_history_tweet_ids":([^\[]|\[[^"]|\["[^VN])'
    r'|"media_keys":[^\[]'
    r'|"(like|retweet|reply|quote|impression)_count":("[^UB]|"B[^I]|[{\[])'
)
_AUTHOR_TRAPS = r'^[^{]|"JSON"|"(id|username)":("[^V]|[{\[])'
_PLACE_TRAPS = r'^[^{]|"JSON"|"(full_name|name|country_code)":("[^V]|[{\[])'
_MEDIA_TRAPS = r'^[^\[]|^\[[^{]|"JSON"|"type":("[^V]|[{\[])'
_REFERENCED_TRAPS = r'^[^\[]|^\[[^{]|' + _TWEET_TRAPS

# An ISO 8601 time in UTC as X writes it, which Python's fromisoformat and DuckDB read alike.
_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?(Z|\+00:00)$"
# Characters whose lower-casing differs between Python and DuckDB (dotted I; Greek final sigma).
_CASE_TRAPS = "[\u0130\u03a3]"

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
    # a shape (json_structure) that matches none of the traps; absent parts are fine
    "CREATE OR REPLACE TEMP MACRO vx_shape_ok(j, traps) AS j IS NULL OR NOT regexp_matches(json_structure(j), traps)",
    # counts within 64 bits: a count present in the shape must have been read
    "CREATE OR REPLACE TEMP MACRO vx_count_ok(shape, key, value) AS value IS NOT NULL OR NOT contains(shape, key)",
]

# Positions in the referenced list are 1-based; a retweet's original is the first whose id matches.
MAPPING_SQL = f"""
WITH j AS (
    SELECT idx, payload, json_transform(payload, '{RAW_STRUCTURE}') AS r,
        json_transform(payload, '{TYPED_STRUCTURE}') AS v
    FROM vx_raw
), k AS (
    SELECT idx, r, v, v.tweet AS w,
        CASE WHEN r.tweet IS NOT NULL THEN json_structure(r.tweet) END AS shape,
        NOT contains(payload, ':null') AS no_nulls,
        coalesce(v.tweet.edit_history_tweet_ids, []) AS history,
        CASE WHEN len(coalesce(v.tweet.edit_history_tweet_ids, [])) > 0 THEN v.tweet.edit_history_tweet_ids[1]
             ELSE v.tweet.id END AS native_id,
        coalesce(list_position(v.tweet.edit_history_tweet_ids, v.tweet.id) - 1, 0) AS edit_index,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'retweeted')[-1].id AS rt_id,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'replied_to')[-1].id AS reply_id,
        list_filter(v.tweet.referenced_tweets, lambda x: x.type = 'quoted')[-1].id AS quote_id,
        -- tweet_post: "entities or {{}}" is true when the object has a key
        json_type(r.tweet, '$.entities') = 'OBJECT' AND json_extract(r.tweet, '$.entities') <> '{{}}' AS has_entities
    FROM j
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
        (no_nulls AND r.error IS NULL AND r.action IS NULL AND shape IS NOT NULL
         AND json_type(r.tweet) = 'OBJECT' AND NOT regexp_matches(shape, '{_TWEET_TRAPS}')
         AND coalesce(w.id, '') <> '' AND native_id <> ''
         -- a reference without an id is "None" to tweet_post (str(None))
         AND list_bool_and(list_transform(coalesce(w.referenced_tweets, []), lambda x: x.id IS NOT NULL)) IS NOT FALSE
         AND regexp_matches(coalesce(w.created_at, ''), '{_ISO_UTC}')
         AND TRY_CAST(replace(w.created_at, 'Z', '+00:00') AS TIMESTAMPTZ) IS NOT NULL
         AND vx_count_ok(shape, '"like_count"', w.public_metrics.like_count)
         AND vx_count_ok(shape, '"retweet_count"', w.public_metrics.retweet_count)
         AND vx_count_ok(shape, '"reply_count"', w.public_metrics.reply_count)
         AND vx_count_ok(shape, '"quote_count"', w.public_metrics.quote_count)
         AND vx_count_ok(shape, '"impression_count"', w.public_metrics.impression_count)
         AND NOT regexp_matches(coalesce(CAST(json_extract(r.tweet, '$.entities') AS VARCHAR), ''), '{_CASE_TRAPS}')
         AND vx_shape_ok(r.author, '{_AUTHOR_TRAPS}')
         AND vx_shape_ok(r.place, '{_PLACE_TRAPS}')
         AND regexp_matches(coalesce(v.place.country_code, ''), '^[ -~]*$')
         AND vx_shape_ok(r.media, '{_MEDIA_TRAPS}')
         AND vx_shape_ok(r.referenced, '{_REFERENCED_TRAPS}')
         AND NOT regexp_matches(coalesce(CAST(r.referenced AS VARCHAR), ''), '{_CASE_TRAPS}')
         AND (r.retrieved_at IS NULL OR regexp_matches(coalesce(v.retrieved_at, ''), '{_ISO_UTC}'))
         AND (r."__antena_synthetic" IS NULL OR json_type(r."__antena_synthetic") = 'BOOLEAN')
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
FROM mapped ORDER BY idx
"""  # noqa: S608 - built from this module's constants only


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the mapping's macros on this connection (temporary: nothing is written)."""
    for statement in MACROS:
        con.execute(statement)
