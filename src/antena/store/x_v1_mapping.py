"""X API v1.1 statuses mapped to canonical posts in SQL (the vectorised import's mapping).

The same rules as ``antena.sources.twitter_v1.status_post``, written for DuckDB over a chunk of
raw records (``vx_raw(idx, payload)``, the canonical JSON the store keeps: compact, keys sorted).
v1.1 writes ``null`` for every absent value, and ``status_post`` reads almost all of them as
absent (``a or b``, ``isinstance(..., dict)``), so nulls are allowed except where Python tells
them apart: ``is_quote_status`` (absent means true) and a hashtag's ``text`` or a mention's
``screen_name`` (``.lower()`` of None fails). A record is mapped here only when it is *regular*:
every value it reads has the JSON type the Python mapping expects (ids and texts are strings,
counts integers within 64 bits, flags booleans, entity lists lists, objects not empty where
``status_post`` tests them for truth), its ``created_at`` is v1.1's ``Wed Oct 10 20:19:24 +0000
2018``, its ids come from the ``*_str`` fields, and none of the rare cases applies (withheld,
deletion and withheld notices, an edited tweet whose history is not a list of digit strings,
a character whose lower-casing differs between Python and DuckDB). The others go back to the
per-record Python ``map`` (``tests/test_vectorised_x_formats.py`` checks that both paths store
the same rows). Author pseudonyms, and hashtags, mentions and URLs scanned from a text without
entities, stay in Python as for the v2 formats (``antena.store.vectorised``).
"""

from __future__ import annotations

import duckdb

from antena.store import x_mapping

_MEDIA = '[{"type": "VARCHAR"}]'
_ENTITIES = ('{"hashtags": [{"text": "VARCHAR"}], "user_mentions": [{"screen_name": "VARCHAR"}],'
             f' "urls": [{{"expanded_url": "VARCHAR", "url": "VARCHAR"}}], "media": {_MEDIA}}}')
# What _text_and_entities, _id and the retweet prefix read of a status (the status and its retweet).
_STATUS_PARTS = (
    '"id_str": "VARCHAR", "id": "VARCHAR", "text": "VARCHAR", "full_text": "VARCHAR",'
    f' "extended_tweet": {{"full_text": "VARCHAR", "entities": {_ENTITIES},'
    f' "extended_entities": {{"media": {_MEDIA}}}}},'
    f' "entities": {_ENTITIES}, "extended_entities": {{"media": {_MEDIA}}},'
    ' "user": {"id_str": "VARCHAR", "id": "VARCHAR", "screen_name": "VARCHAR"}'
)
TYPED_STATUS = (
    f'{{{_STATUS_PARTS}, "retweeted_status": {{{_STATUS_PARTS}}},'
    ' "created_at": "VARCHAR", "lang": "VARCHAR", "truncated": "BOOLEAN", "is_quote_status": "BOOLEAN",'
    ' "in_reply_to_status_id_str": "VARCHAR", "in_reply_to_status_id": "VARCHAR",'
    ' "quoted_status_id_str": "VARCHAR", "quoted_status_id": "VARCHAR",'
    ' "quoted_status": {"id_str": "VARCHAR", "id": "VARCHAR"},'
    ' "place": {"full_name": "VARCHAR", "name": "VARCHAR", "country_code": "VARCHAR"},'
    ' "favorite_count": "BIGINT", "retweet_count": "BIGINT", "reply_count": "BIGINT", "quote_count": "BIGINT",'
    ' "edit_history": {"initial_tweet_id": "VARCHAR", "edit_tweet_ids": ["VARCHAR"]},'
    ' "__antena_synthetic": "BOOLEAN"}'
)

# Over the whole canonical record (a key found anywhere, so nested users and quoted statuses are
# checked too: stricter than needed, never looser): a field read as a string holding another
# type (a user's "url" may hold the profile's {"urls": [...]} object, checked again below), a
# null Python does not read as absent, a list or object of the wrong kind, an empty object whose
# truth Python tests, a count that is negative, fractional or beyond 64 bits, a flag that is not a
# boolean, an edit history that is not a list of digit strings, the rare cases (withheld, notices),
# and a lower-cased value with a character Python and DuckDB lower-case differently.
_TRAPS = (
    r'[{,]"(id_str|in_reply_to_status_id_str|quoted_status_id_str|initial_tweet_id|full_text|created_at|lang'
    r'|expanded_url|type|full_name|name|country_code)":[^"n]'
    r'|[{,]"(text|screen_name)":[^"]'
    r'|[{,]"url":([^"n{]|\{[^"]|\{"[^u]|\{"u[^r]|\{"ur[^l]|\{"url[^s]|\{"urls[^"]|\{"urls"[^:]|\{"urls":[^\[])'
    r'|[{,]"(hashtags|user_mentions|urls|media)":[^\[n]'
    r'|[{,]"(entities|extended_entities|extended_tweet|retweeted_status|quoted_status|user|place|edit_history)"'
    r':([^{n]|\{\})'
    r'|[{,]"(favorite|retweet|reply|quote)_count":([^0-9n]|[0-9]{19}|[0-9]+[.eE])'
    r'|[{,]"(is_quote_status|__antena_synthetic)":[^tf]|[{,]"truncated":[^tfn]'
    r'|"edit_tweet_ids":([^\[n]|\[[0-9]|\[[^\]]*([^"0-9,\]]|,[0-9]))'
    r'|"withheld_in_countries":([^\[n]|\[[^\]])|"withheld_copyright":[^fn]|[{,]"(delete|status_withheld)":'
    '|"(text|screen_name)":"([^"\\\\]|\\\\.)*[\u0130\u03a3]'
)
# v1.1's time, which Python's strptime and DuckDB's read alike (other offsets go to Python).
_V1_TIME = r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d:\d\d \+0000 \d{4}$"

MACROS = [
    *x_mapping.MACROS,  # vx_unique and vx_links (v1.1's URL entities have the same fields)
    "CREATE OR REPLACE TEMP MACRO vx1_tags(e) AS"
    " vx_unique(list_transform(coalesce(e.hashtags, []), lambda x: lower(x.text)))",
    "CREATE OR REPLACE TEMP MACRO vx1_names(e) AS"
    " vx_unique(list_transform(coalesce(e.user_mentions, []), lambda x: lower(x.screen_name)))",
    # _text_and_entities: full text, entities and media, the extended tweet's first
    "CREATE OR REPLACE TEMP MACRO vx1_text(s) AS"
    " coalesce(nullif(s.extended_tweet.full_text, ''), nullif(s.full_text, ''), s.text)",
    "CREATE OR REPLACE TEMP MACRO vx1_entities(s) AS coalesce(s.extended_tweet.entities, s.entities)",
    "CREATE OR REPLACE TEMP MACRO vx1_media(s) AS"
    " coalesce(nullif(s.extended_tweet.extended_entities.media, []), nullif(s.extended_entities.media, []),"
    " nullif(vx1_entities(s).media, []), [])",
    # _id: the id_str, else the id (regular only when the id is absent then)
    "CREATE OR REPLACE TEMP MACRO vx1_id(o) AS CASE WHEN coalesce(o.id_str, '') <> '' THEN o.id_str END",
    "CREATE OR REPLACE TEMP MACRO vx1_id_ok(o) AS coalesce(o.id_str, '') <> '' OR o.id IS NULL",
    # no entity URL read is an object the "url" trap let through
    "CREATE OR REPLACE TEMP MACRO vx1_urls_text(s) AS list_bool_or(list_transform("
    " list_concat(coalesce(s.entities.urls, []), coalesce(s.extended_tweet.entities.urls, [])),"
    " lambda u: starts_with(coalesce(u.url, ''), '{'))) IS NOT TRUE",
]

MAPPING_SQL = f"""
WITH j AS (
    SELECT idx, json_transform(payload, '{TYPED_STATUS}') AS s,
        NOT regexp_matches(payload, '{_TRAPS}') AS text_ok
    FROM vx_raw
), k AS (
    SELECT idx, s, text_ok, s.retweeted_status AS rt,
        vx1_id(s) AS status_id,
        coalesce(s.edit_history.edit_tweet_ids, []) AS history,
        vx1_text(s) AS own_text,
        vx1_entities(s) AS own_entities,
        vx1_id(s.retweeted_status) AS rt_id,
        CASE WHEN coalesce(s.in_reply_to_status_id_str, '') <> '' THEN s.in_reply_to_status_id_str END AS reply_id,
        CASE WHEN NOT coalesce(s.is_quote_status, true) THEN NULL
             WHEN coalesce(s.quoted_status_id_str, '') <> '' THEN s.quoted_status_id_str
             ELSE vx1_id(s.quoted_status) END AS quote_id,
        try_strptime(s.created_at, '%a %b %d %H:%M:%S %z %Y') AS created
    FROM j
), p AS (
    SELECT *,
        coalesce(nullif(s.edit_history.initial_tweet_id, ''), CASE WHEN len(history) > 0 THEN history[1] END,
                 status_id) AS native_id,
        coalesce(list_position(history, status_id) - 1, 0) AS edit_index,
        CASE WHEN rt_id IS NOT NULL THEN 'repost' WHEN reply_id IS NOT NULL THEN 'reply'
             WHEN quote_id IS NOT NULL THEN 'quote' ELSE 'post' END AS kind,
        coalesce(rt_id, reply_id, quote_id) AS parent,
        coalesce(vx1_text(rt), '') <> '' AS rebuilt
    FROM k
), mapped AS (
    SELECT idx,
        -- regular: read here exactly as status_post reads it; the others go to the Python map
        (text_ok AND status_id IS NOT NULL AND regexp_matches(native_id, '^[0-9]+$')
         AND vx1_id_ok(s) AND vx1_id_ok(s.user) AND vx1_id_ok(rt)
         AND (coalesce(s.in_reply_to_status_id_str, '') <> '' OR s.in_reply_to_status_id IS NULL)
         AND (coalesce(s.quoted_status_id_str, '') <> '' OR vx1_id(s.quoted_status) IS NOT NULL
              OR (s.quoted_status.id IS NULL AND s.quoted_status_id IS NULL))
         AND vx1_urls_text(s) AND vx1_urls_text(rt)
         AND regexp_matches(coalesce(s.created_at, ''), '{_V1_TIME}') AND created IS NOT NULL
         AND regexp_matches(coalesce(s.place.country_code, ''), '^[ -~]*$')
        ) IS TRUE AS regular,
        'x' AS platform,
        native_id,
        'https://x.com/i/web/status/' || status_id AS url,
        kind,
        CASE WHEN parent IS NOT NULL THEN 'x:' || parent END AS parent_id,
        CASE WHEN kind = 'reply' THEN NULL ELSE 'x:' || native_id END AS thread_id,
        vx1_id(s.user) AS author_native,
        s.user.screen_name AS author_handle,
        CAST(created AS TIMESTAMPTZ) AS created_at,
        CASE WHEN rebuilt THEN
            (CASE WHEN starts_with(own_text, 'RT @') THEN split_part(own_text, ':', 1)
                  ELSE 'RT @' || coalesce(rt.user.screen_name, 'None') END) || ': ' || vx1_text(rt)
        ELSE own_text END AS text,
        CASE WHEN coalesce(s.lang, '') = '' OR s.lang IN ('und', 'qme', 'qst', 'zxx', 'qht', 'qam', 'qct', 'art')
             THEN NULL ELSE s.lang END AS lang,
        s.favorite_count AS like_count,
        s.retweet_count AS share_count,
        s.reply_count AS reply_count,
        s.quote_count AS quote_count,
        CAST(NULL AS BIGINT) AS view_count,
        -- make_post scans the text (in Python) when none were found: NULL
        nullif(CASE WHEN rebuilt THEN vx_unique(list_concat(vx1_tags(own_entities), vx1_tags(vx1_entities(rt))))
                    ELSE vx1_tags(own_entities) END, []) AS hashtags,
        nullif(CASE WHEN rebuilt THEN vx_unique(list_concat(vx1_names(own_entities), vx1_names(vx1_entities(rt))))
                    ELSE vx1_names(own_entities) END, []) AS mentions,
        nullif(CASE WHEN rebuilt THEN vx_unique(list_concat(vx_links(own_entities), vx_links(vx1_entities(rt))))
                    ELSE vx_links(own_entities) END, []) AS urls,
        CASE WHEN rebuilt AND len(vx1_media(s)) = 0 THEN vx1_media(rt) ELSE vx1_media(s) END AS media,
        coalesce(nullif(s.place.full_name, ''), s.place.name) AS place,
        nullif(upper(coalesce(s.place.country_code, '')), '') AS country,
        coalesce(s."__antena_synthetic", false) AS synthetic,
        -- _version_key: a complete text ("+") sorts after a compatibility-mode truncated one
        printf('%04d', greatest(edit_index, 0))
            || CASE WHEN NOT coalesce(s.truncated, false) OR coalesce(s.full_text, '') <> ''
                         OR s.extended_tweet IS NOT NULL THEN '+' ELSE '' END AS version_key,
        CAST(NULL AS TIMESTAMPTZ) AS collected_at
    FROM p
)
SELECT * EXCLUDE (media),
    len(media) > 0 AS has_media,
    nullif(list_sort(list_distinct(list_filter(list_transform(media, lambda x: x.type), lambda x: x <> ''))), [])
        AS media_types
FROM mapped ORDER BY idx
"""  # noqa: S608 - built from this module's constants only


def mapping_sql(source: object) -> str:
    """The mapping query (the same for every v1.1 file: the format takes no options)."""
    return MAPPING_SQL


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the mapping's macros on this connection (temporary: nothing is written)."""
    for statement in MACROS:
        con.execute(statement)
