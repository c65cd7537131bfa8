"""CrowdTangle CSV rows mapped to canonical posts in SQL (the vectorised import's mapping).

The same rules as ``antena.sources.crowdtangle_csv.CrowdTangleCsv.map``, written for DuckDB over
a chunk of raw records (``vx_raw(idx, payload)``: each CSV row as the JSON object of its cells,
all texts). A row is mapped here only when it is *regular*: it has a URL in printable ASCII (the
post id is cut from it with patterns that read digits and word characters as ASCII only), a
creation time ``tabular_sql.vx_zoned`` reads (printable ASCII, a known zone, year 1900-2199),
counts that are plain decimals ("1,234", "", "12.0"), a post type in ASCII, and no dotted
capital I or Kelvin sign in the texts whose URLs are kept (their lower-casing differs between
Python and DuckDB). Every other row, including every row Python quarantines, goes back to the
per-record Python ``map``, so the result is the same whichever path maps it
(``tests/test_vectorised_tabular.py`` checks it).

The hashtags and mentions are left NULL: ``make_post`` scans them from the text, and so does
the vectorised path, with the same Python regular expressions.
"""

from __future__ import annotations

import duckdb

from antena.sources.crowdtangle_api import MEDIA_BY_TYPE
from antena.sources.crowdtangle_csv import FACEBOOK_REACTION_COLUMNS
from antena.store import tabular_sql

# The cells the mapping reads (a missing column reads as NULL, as row.get gives None).
COLUMNS = ("URL", "Post Created", "Post Created Date", "Post Created Time", "Type", "Photo", "Description",
           "Title", "Likes", "Views", "User Name", "Account", "Facebook Id", "Message", "Post Views",
           "Total Views", "Page Name", "Group Name", "Shares", "Comments", "Final Link", "Link",
           *FACEBOOK_REACTION_COLUMNS)
_COLUMNS = tuple(dict.fromkeys(COLUMNS))
_STRUCTURE = "{" + ", ".join(f'"{c}": "VARCHAR"' for c in (*_COLUMNS, "__antena_synthetic")) + "}"

# crowdtangle_csv's facebook_post_id patterns, in order (URLs are ASCII here, so \d and \w agree)
_FACEBOOK_POST_ID = (
    r"/(?:posts|permalink|videos|reel)/(?:[^/?#]+/)?([0-9]+|pfbid\w+)",
    r"/photos/[^/?#]+/([0-9]+)",
    r"[?&]story_fbid=([0-9]+|pfbid\w+)",
    r"[?&]fbid=([0-9]+)",
    r"[?&]v=([0-9]+)",
)
_INSTAGRAM_CODE = r"instagram\.com/(?:[^/?#]+/)?(?:p|reel|reels|tv)/([A-Za-z0-9_-]+)"
_MEDIA_SQL = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in MEDIA_BY_TYPE.items())


def _col(name: str) -> str:
    return f'"{name.lower().replace(" ", "_")}"'


_STRIPPED = ",\n        ".join(f'vx_strip(v."{c}") AS {_col(c)}' for c in _COLUMNS)
_COUNTS = tuple(dict.fromkeys(("Likes", "Views", "Post Views", "Total Views", "Shares", "Comments", *FACEBOOK_REACTION_COLUMNS)))
_REACTIONS = [f"int_{_col(c)[1:-1]}" for c in FACEBOOK_REACTION_COLUMNS]
_INTS = ", ".join(f"vx_int({_col(c)}) AS int_{_col(c)[1:-1]}" for c in _COUNTS)

MAPPING_SQL = f"""
WITH j AS (
    SELECT idx, json_transform(payload, '{_STRUCTURE}') AS v,
        json_exists(payload, '$."Facebook Id"') AS has_facebook_id,
        json_exists(payload, '$."Account"') AS has_account
    FROM vx_raw
), r AS (
    SELECT idx, has_facebook_id, has_account, coalesce(v."__antena_synthetic", '') <> '' AS synthetic,
        {_STRIPPED}
    FROM j
), s AS (
    SELECT *,
        NOT has_facebook_id AND (has_account OR contains(coalesce("url", ''), 'instagram.com')) AS instagram,
        CASE WHEN coalesce("post_created", '') <> '' THEN "post_created"
             WHEN coalesce("post_created_date", '') <> ''
             THEN "post_created_date" || ' ' || coalesce(nullif("post_created_time", ''), '00:00:00') END AS stamp,
        CASE lower(replace(coalesce("type", ''), ' ', '_')) {_MEDIA_SQL} END AS kind_media,
        coalesce("photo", '') <> '' AS has_photo,
        coalesce({", ".join(f"nullif(regexp_extract(coalesce(url, ''), '{p}', 1), '')" for p in _FACEBOOK_POST_ID)})
            AS facebook_post
    FROM r
), z AS (
    -- the time's parts, then its zone's offset, then the time: each once (macros expand per use)
    SELECT *, vx_zoned_ok(stamp) AS zoned_ok, vx_zoned_parts(stamp) AS zoned_parts FROM s
), zz AS (
    SELECT *, vx_zone_minutes(zoned_parts.zone) AS zone_minutes FROM z
), t AS (
    SELECT *,
        CASE WHEN zoned_ok THEN vx_zoned_from(zoned_parts, zone_minutes) END AS created,
        {_INTS},
        CASE WHEN instagram THEN coalesce(nullif(regexp_extract("url", '{_INSTAGRAM_CODE}', 1), ''), rtrim("url", '/'))
             WHEN facebook_post IS NOT NULL AND coalesce("facebook_id", '') <> '' THEN "facebook_id" || '_' || facebook_post
             ELSE coalesce(facebook_post, rtrim(split_part("url", '?', 1), '/')) END AS native,
        CASE WHEN instagram THEN coalesce(nullif("description", ''), nullif("title", ''))
             ELSE nullif("message", '') END AS body
    FROM zz
)
SELECT idx,
    (coalesce("url", '') <> '' AND regexp_full_match("url", '[ -~]*')
     AND created IS NOT NULL
     AND regexp_full_match(coalesce("type", ''), '[ -~]*')
     AND {" AND ".join(f"vx_int_ok({_col(c)})" for c in _COUNTS)}
     AND trim(native) <> ''
     AND NOT regexp_matches(coalesce(body, '') || coalesce("final_link", '') || coalesce("link", ''), '[\\x{{130}}\\x{{212a}}]')
    ) IS TRUE AS regular,
    CASE WHEN instagram THEN 'instagram' ELSE 'facebook' END AS platform,
    native AS native_id,
    "url" AS url,
    'post' AS kind,
    NULL::VARCHAR AS parent_id,
    NULL::VARCHAR AS thread_id,
    nullif(CASE WHEN instagram THEN coalesce(nullif("user_name", ''), "account")
                ELSE coalesce(nullif("facebook_id", ''), nullif("user_name", ''), nullif("page_name", ''), "group_name")
           END, '') AS author_native,
    CASE WHEN instagram THEN coalesce(nullif("user_name", ''), "account")
         ELSE coalesce(nullif("user_name", ''), nullif("page_name", ''), "group_name") END AS author_handle,
    created AS created_at,
    body AS text,
    NULL::VARCHAR AS lang,
    CASE WHEN instagram THEN int_likes
         WHEN {" AND ".join(f"{c} IS NULL" for c in _REACTIONS)} THEN NULL
         ELSE {" + ".join(f"coalesce({c}, 0)" for c in _REACTIONS)} END AS like_count,
    int_shares AS share_count,
    int_comments AS reply_count,
    NULL::BIGINT AS quote_count,
    CASE WHEN instagram THEN int_views
         WHEN coalesce(int_post_views, 0) <> 0 THEN int_post_views ELSE int_total_views END AS view_count,
    NULL::VARCHAR[] AS hashtags,
    NULL::VARCHAR[] AS mentions,
    vx_external(list_concat(["final_link", "link"], vx_scan_urls(body))) AS urls,
    kind_media IS NOT NULL OR has_photo AS has_media,
    CASE WHEN kind_media IS NOT NULL THEN [kind_media] WHEN has_photo THEN ['photo'] END AS media_types,
    NULL::VARCHAR AS place,
    NULL::VARCHAR AS country,
    synthetic,
    NULL::VARCHAR AS version_key,
    NULL::TIMESTAMPTZ AS collected_at
FROM t ORDER BY idx
"""  # noqa: S608 - built from this module's constants only


def mapping_sql(source: object) -> str:
    """The mapping query (the same for every CrowdTangle CSV file: the format takes no options)."""
    return MAPPING_SQL


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the shared macros on this connection (temporary: nothing is written)."""
    tabular_sql.install(con)
