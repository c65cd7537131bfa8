"""Meta Content Library records (CSV or JSON) mapped to canonical posts in SQL (the vectorised import).

The same rules as ``antena.sources.meta_content_library.MetaContentLibrary.map``, written for
DuckDB over a chunk of raw records (``vx_raw(idx, payload)``, each record's canonical JSON): each
field is the first usable value among its candidate paths (``FIELDS``), a path being a flat column
(``owner.id`` or ``owner_id``) or nested JSON; the platform comes from the options, then from the
Facebook-only and Instagram-only fields, the URL and the file name's hint.

A record is mapped here only when it is *regular*: every key in it, at every depth, is already
in the form ``lookup`` normalises keys to (lower-case ASCII letters, digits, ``_`` and ``.``: so
the SQL's exact lookups are Python's normalised ones), no text value starts with ``{`` (Python
would parse it as JSON to follow a path into it), the values read have the types the SQL reads as
Python does (texts, integers; counts as plain decimals; the multimedia as a list, an object, a
printable-ASCII "photo;video", or JSON text of objects holding only texts without escapes,
integers, booleans and nulls), the time is one ``tabular_sql`` reads (extended ISO 8601 or a Unix
time), and no dotted capital I or Kelvin sign is in the texts whose URLs are kept. Every other
record, including every one Python quarantines, goes back to the per-record Python ``map``.
Hashtags and mentions are left NULL: ``make_post`` scans them from the text, and so does the
vectorised path.
"""

from __future__ import annotations

from typing import Any

import duckdb

from antena.sources.meta_content_library import (
    FACEBOOK_ONLY,
    FIELDS,
    INSTAGRAM_ONLY,
    MEDIA_TYPES,
    PLATFORM_HINT,
)
from antena.store import tabular_sql
from antena.store.tabular_sql import literal

_INTS = ("BIGINT", "UBIGINT")
_TEXTS = ("VARCHAR", *_INTS)
_MEDIA_SQL = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in MEDIA_TYPES.items())
# a key (after "{" or ",") holding anything but a-z, 0-9, "_" and "." (an escape included)
_ODD_KEY = r'[{,]"[a-z0-9_.]*([^a-z0-9_."\\]|\\.)([^"\\]|\\.)*":'
_TRAPS = r"[\x{130}\x{212a}]"
# JSON text in a multimedia cell that orjson and DuckDB read alike: an object, or a list of objects,
# of texts (no escapes, no control characters), small integers, booleans and nulls
_WS = r"[ \t\n\r]*"
_STR = r'"[^"\\\x00-\x1f]*"'
_PAIR = rf"{_STR}{_WS}:{_WS}({_STR}|-?(0|[1-9][0-9]{{0,14}})|true|false|null)"
_OBJECT = rf"\{{{_WS}({_PAIR}({_WS},{_WS}{_PAIR})*)?{_WS}\}}"
_MEDIA_JSON = rf"({_OBJECT}|\[{_WS}({_OBJECT}({_WS},{_WS}{_OBJECT})*)?{_WS}\])"
_TWO_TYPES = rf'"type"{_WS}:[^{{}}]*"type"{_WS}:'  # a repeated key: orjson keeps the last, DuckDB the first


def _pointer(*steps: str) -> str:
    return "/" + "/".join(s.replace("~", "~0").replace("/", "~1") for s in steps)


def _lookups(path: str) -> list[str]:
    """``lookup``'s places for a path, in its order: the flat column, the flat column with "_",
    the nested path (one place when they coincide)."""
    places = [_pointer(path), _pointer(path.replace(".", "_")), _pointer(*path.split("."))]
    return list(dict.fromkeys(places))


class _Places:
    """Every pointer the query reads, extracted with one ``json_extract`` (one parse per record)."""

    def __init__(self) -> None:
        self.pointers: list[str] = []

    def at(self, pointer: str) -> str:
        if pointer not in self.pointers:
            self.pointers.append(pointer)
        return f"v[{self.pointers.index(pointer) + 1}]"

    def lookup(self, path: str) -> str:
        """lookup(raw, path): the first present place (a JSON null is present), NULL when absent."""
        return "coalesce(" + ", ".join(self.at(p) for p in _lookups(path)) + ")"

    def sql(self) -> str:
        return "[" + ", ".join(literal(p) for p in self.pointers) + "]"


def _usable(j: str) -> str:
    """``value not in (None, "")``."""
    return f"({j} IS NOT NULL AND json_type({j}) <> 'NULL' AND NOT (json_type({j}) = 'VARCHAR' AND ({j} ->> '$') = ''))"


def build_sql(platform: str | None) -> str:
    """The mapping query; ``platform``: the import's ``platform`` option (a constant), if any."""
    places = _Places()
    first = {}
    for field, paths in FIELDS.items():
        looked = [places.lookup(p) for p in paths]
        first[field] = "CASE " + " ".join(f"WHEN {_usable(j)} THEN {j}" for j in looked) + " END"
    facebook = " OR ".join(_usable(places.lookup(p)) for p in FACEBOOK_ONLY)
    instagram = " OR ".join(_usable(places.lookup(p)) for p in INSTAGRAM_ONLY)
    hint = places.at(_pointer(PLATFORM_HINT))
    mark = places.at(_pointer("__antena_synthetic"))
    chosen = literal(platform) if platform else "NULL::VARCHAR"
    values = ",\n        ".join(f"{expr} AS f_{field}" for field, expr in first.items())
    return f"""
WITH j AS (
    SELECT idx, payload, json_extract(payload, {places.sql()}) AS v FROM vx_raw
), f AS (
    SELECT idx, payload,
        {values},
        {facebook} AS facebook_field, {instagram} AS instagram_field,
        {hint} AS hint, {mark} AS mark
    FROM j
), t AS (
    SELECT *,
        json_type(f_native_id) AS t_native_id, f_native_id ->> '$' AS s_native_id,
        json_type(f_created_at) AS t_created_at, vx_strip(f_created_at ->> '$') AS s_created_at,
        json_type(f_text) AS t_text, f_text ->> '$' AS s_text,
        json_type(f_url) AS t_url, f_url ->> '$' AS s_url,
        json_type(f_link) AS t_link, f_link ->> '$' AS s_link,
        json_type(f_multimedia) AS t_multimedia, vx_strip(f_multimedia ->> '$') AS s_multimedia,
        {", ".join(f"json_type(f_{c}) AS t_{c}, f_{c} ->> '$' AS s_{c}"
                   for c in ("version_key", "lang", "author_native", "author_handle", "country"))},
        {", ".join(f"json_type(f_{c}) AS t_{c}, vx_strip(f_{c} ->> '$') AS s_{c}"
                   for c in ("like_count", "reply_count", "share_count", "view_count"))}
    FROM f
), parts AS (
    SELECT *, t_created_at = 'VARCHAR' AND vx_iso_ok(s_created_at) AS iso_ok,
        CASE WHEN t_multimedia = 'VARCHAR' AND regexp_full_match(s_multimedia, '{_MEDIA_JSON}')
             AND NOT regexp_matches(s_multimedia, '{_TWO_TYPES}') THEN CAST(s_multimedia AS JSON) END AS media_json,
        CASE WHEN t_created_at = 'VARCHAR' THEN vx_iso_parts(s_created_at) END AS iso_parts
    FROM t
), offsets AS (
    SELECT *, CASE WHEN iso_ok THEN vx_iso_offset(iso_parts.o) END AS iso_minutes FROM parts
), m AS (
    SELECT *,
        CASE WHEN t_created_at IN ('BIGINT', 'UBIGINT') THEN vx_epoch(TRY_CAST(s_created_at AS BIGINT))
             WHEN t_created_at = 'VARCHAR' AND regexp_full_match(s_created_at, '[0-9]+')
             THEN vx_epoch(TRY_CAST(s_created_at AS BIGINT))
             WHEN iso_ok THEN vx_iso_from(iso_parts, iso_minutes) END AS created,
        CASE WHEN media_json IS NOT NULL THEN vx_media_names(media_json)
             WHEN t_multimedia = 'VARCHAR' THEN
                 list_transform(string_split(replace(s_multimedia, ',', ';'), ';'), lambda x: vx_strip(x))
             ELSE vx_media_names(f_multimedia)
        END AS media_names,
        coalesce({chosen}, CASE WHEN facebook_field THEN 'facebook' WHEN instagram_field THEN 'instagram'
            WHEN contains(coalesce(s_url, ''), 'instagram.com') THEN 'instagram'
            ELSE coalesce(CASE WHEN json_type(hint) = 'VARCHAR' THEN nullif(hint ->> '$', '') END, 'facebook') END)
            AS platform
    FROM offsets
), media AS (
    SELECT *, nullif(list_sort(list_distinct(list_filter(list_transform(coalesce(media_names, []), lambda x:
        CASE lower(x) {_MEDIA_SQL} END), lambda x: x IS NOT NULL))), []) AS types
    FROM m
)
SELECT idx,
    (NOT regexp_matches(payload, '{_ODD_KEY}') AND NOT contains(payload, '":"{{')
     AND (hint IS NULL OR json_type(hint) IN ('NULL', 'VARCHAR'))
     AND t_native_id IN ('VARCHAR', 'BIGINT', 'UBIGINT') AND vx_strip(s_native_id) <> ''
     AND created IS NOT NULL
     AND (t_text IS NULL OR t_text IN ('VARCHAR', 'BIGINT', 'UBIGINT'))
     AND {" AND ".join(f"(t_{c} IS NULL OR t_{c} IN ('VARCHAR', 'BIGINT', 'UBIGINT'))"
                       for c in ("url", "version_key", "lang", "author_native", "author_handle", "country"))}
     AND {" AND ".join(f"(t_{c} IS NULL OR t_{c} IN ('BOOLEAN', 'ARRAY', 'OBJECT')"
                       f" OR (t_{c} IN ('BIGINT', 'UBIGINT') AND TRY_CAST(s_{c} AS BIGINT) IS NOT NULL)"
                       f" OR (t_{c} = 'VARCHAR' AND vx_int_ok(s_{c}))"
                       f" OR (t_{c} = 'DOUBLE' AND abs(TRY_CAST(s_{c} AS DOUBLE)) < 1e15))"
                       for c in ("like_count", "reply_count", "share_count", "view_count"))}
     AND (t_multimedia IS NULL OR t_multimedia IN ('ARRAY', 'OBJECT')
          OR (t_multimedia = 'VARCHAR' AND (media_json IS NOT NULL
              OR (NOT starts_with(s_multimedia, '[') AND NOT starts_with(s_multimedia, '{{')))))
     AND regexp_full_match(coalesce(CAST(f_multimedia AS VARCHAR), ''), '[ -~]*')
     AND NOT regexp_matches(coalesce(s_text, '') || coalesce(s_link, ''), '{_TRAPS}')
    ) IS TRUE AS regular,
    platform,
    s_native_id AS native_id,
    nullif(s_url, '') AS url,
    'post' AS kind,
    NULL::VARCHAR AS parent_id,
    NULL::VARCHAR AS thread_id,
    nullif(s_author_native, '') AS author_native,
    nullif(s_author_handle, '') AS author_handle,
    created AS created_at,
    s_text AS text,
    nullif(s_lang, '') AS lang,
    {", ".join(f"CASE WHEN t_{c} IN ('BIGINT', 'UBIGINT') THEN TRY_CAST(s_{c} AS BIGINT)"
               f" WHEN t_{c} = 'VARCHAR' THEN vx_int(s_{c})"
               f" WHEN t_{c} = 'DOUBLE' THEN TRY_CAST(trunc(TRY_CAST(s_{c} AS DOUBLE)) AS BIGINT) END AS {c}"
               for c in ("like_count", "share_count", "reply_count", "view_count"))},
    NULL::BIGINT AS quote_count,
    NULL::VARCHAR[] AS hashtags,
    NULL::VARCHAR[] AS mentions,
    vx_external(list_concat([CASE WHEN t_link = 'VARCHAR' THEN s_link END], vx_scan_urls(s_text))) AS urls,
    types IS NOT NULL AS has_media,
    types AS media_types,
    NULL::VARCHAR AS place,
    nullif(s_country, '') AS country,
    CASE json_type(mark) WHEN 'VARCHAR' THEN (mark ->> '$') <> '' WHEN 'BOOLEAN' THEN mark::BOOLEAN
         WHEN 'BIGINT' THEN (mark ->> '$') <> '0' WHEN 'UBIGINT' THEN (mark ->> '$') <> '0'
         WHEN 'DOUBLE' THEN TRY_CAST(mark ->> '$' AS DOUBLE) <> 0
         WHEN 'ARRAY' THEN json_array_length(mark) > 0 WHEN 'OBJECT' THEN len(json_keys(mark)) > 0 ELSE false END
        AS synthetic,
    s_version_key AS version_key,
    NULL::TIMESTAMPTZ AS collected_at
FROM media ORDER BY idx
"""  # noqa: S608 - built from this module's constants and literal() of the platform option


def mapping_sql(source: Any) -> str:
    """The mapping query for this import (its ``platform`` option, if any, is a constant)."""
    cached = getattr(source, "_vx_sql", None)
    if cached is None:
        platform = (getattr(source, "options", {}) or {}).get("platform")
        try:
            cached = build_sql(str(platform) if platform else None)
        except ValueError:  # a platform option no SQL literal can hold
            cached = build_sql(None).replace(") IS TRUE AS regular", " AND false) IS TRUE AS regular")
        source._vx_sql = cached
    return cached


# media_types of a JSON list or object: each item's "type" (an object's) or the item (a text)
MACROS = [
    "CREATE OR REPLACE TEMP MACRO vx_media_names(m) AS CASE json_type(m)"
    " WHEN 'ARRAY' THEN list_transform(json_extract(m, '$[*]'), lambda e: CASE json_type(e)"
    " WHEN 'VARCHAR' THEN vx_strip(json_extract_string(e, '$'))"
    " WHEN 'OBJECT' THEN CASE WHEN json_type(json_extract(e, '$.type')) = 'VARCHAR'"
    " THEN vx_strip(json_extract_string(e, '$.type')) END END)"
    " WHEN 'OBJECT' THEN CASE WHEN json_type(json_extract(m, '$.type')) = 'VARCHAR'"
    " THEN [vx_strip(json_extract_string(m, '$.type'))] END END",
]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the shared macros and this mapping's on this connection (temporary: nothing is written)."""
    tabular_sql.install(con)
    for statement in MACROS:
        con.execute(statement)
