"""Generic CSV / JSON / Parquet records mapped to canonical posts in SQL (the vectorised import).

The same rules as ``antena.sources.generic.Generic.map``, written for DuckDB over a chunk of raw
records (``vx_raw(idx, payload)``, each record's canonical JSON), with the query built from the
import's column mapping (``source.mapping``). Where each field comes from is decided once per
distinct set of keys (one per CSV or Parquet file), as ``Generic._plan`` decides it: a mapped
column (exactly, then ignoring case and surrounding spaces), a dotted path into nested JSON, a
constant, or the first of ``DEFAULT_COLUMNS`` present. Column names and constants from the
mapping enter the query only as SQL string literals (quotes doubled; a NUL character, which no
literal can hold, sends every record to Python); a key read from a record becomes a JSON pointer
inside SQL, never SQL text.

A record is mapped here only when it is *regular*: each value it reads has a type the SQL reads
exactly as Python does (texts, integers; counts as plain decimals; hashtags as a list of texts or
a separated text), the time is one ``tabular_sql`` reads (extended ISO 8601, a Unix time, or a
zoned "2017-03-01 12:00:00 CST"), the platform and kind are ASCII, and no key or value whose
lower-casing differs between Python and DuckDB (dotted capital I, capital sigma, Kelvin sign)
decides anything. Every other record, including every one Python quarantines, goes back to the
per-record Python ``map``. Mentions and URLs (and hashtags when the record gives none) are left
NULL: ``make_post`` scans them from the text, and so does the vectorised path.
"""

from __future__ import annotations

from typing import Any

import duckdb

from antena.schema import KINDS
from antena.sources.generic import (
    DEFAULT_COLUMNS,
    FIELDS,
    PLATFORM_ALIASES,
    REQUIRED,
)
from antena.store import tabular_sql
from antena.store.tabular_sql import literal

TEXTS = ("VARCHAR", "BIGINT", "UBIGINT")  # JSON types _id_text / _text read as str(value)
COUNTS = ("like_count", "share_count", "reply_count", "view_count")
REFS = ("parent_id", "thread_id", "stream_id")
_TRAPS = r"[\x{130}\x{3a3}\x{212a}]"  # İ, Σ, K: lower-cased differently by Python and DuckDB
_KEY_TRAPS = r"[\x{0}\x{130}\x{3a3}\x{212a}]"  # and NUL in a key
_KINDS_SQL = ", ".join(f"'{k}'" for k in KINDS)
_ALIASES_SQL = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PLATFORM_ALIASES.items())


def _pointer(path: str) -> str | None:
    """A dotted path as a JSON pointer, or None when DuckDB would not follow it as ``_column_value``
    does (an empty step; a step of digits with a leading zero or in another script, which Python
    reads as a list index; a step starting with "-")."""
    steps = path.split(".")
    for step in steps:
        if not step or step.startswith("-") or (step.isdigit() and not (step.isascii() and str(int(step)) == step)):
            return None
    return "/" + "/".join(s.replace("~", "~0").replace("/", "~1") for s in steps)


class _Field:
    """Where one field's value comes from, as SQL over the plan (``p``) and record (``payload``)."""

    def __init__(self, field: str, spec: dict[str, str] | None) -> None:
        self.field = field
        self.mapped = spec is not None
        self.constant: str | None = None  # a constant value (stripped, as map strips it)
        self.fallback: str | None = None
        self.pointer: str | None = None  # the dotted path's pointer, when the column is absent
        self.path_ok = True
        if spec is None:
            names = "[" + ", ".join(literal(n) for n in DEFAULT_COLUMNS[field]) + "]"
            self.key_sql = ("keys[list_filter(list_transform(" + names
                            + ", lambda n: list_position(norm, n)), lambda i: i IS NOT NULL)[1]]")
            self.otherwise = "'absent'"
        elif "value" in spec:
            self.constant = str(spec["value"]).strip()
            self.key_sql = "NULL::VARCHAR"
            self.otherwise = "'const'"
        else:
            column, self.fallback = spec["column"], spec.get("or_value")
            if self.fallback is not None:
                self.fallback = str(self.fallback).strip()
            self.key_sql = (f"CASE WHEN list_contains(keys, {literal(column)}) THEN {literal(column)}"
                            f" ELSE keys[list_position(norm, {literal(column.lower())})] END")
            if "." in column:
                self.pointer = _pointer(column)
                self.path_ok = self.pointer is not None
                self.otherwise = "'path'"
            elif self.fallback is not None:
                self.otherwise = "'fallback'"
            else:
                self.otherwise = "'missing'"

    def plan_sql(self) -> str:
        f = self.field
        return f"{self.key_sql} AS key_{f}, CASE WHEN {self.key_sql} IS NOT NULL THEN 'key' ELSE {self.otherwise} END AS how_{f}"

    def value_sql(self) -> tuple[str, str]:
        """``j_`` the JSON value (NULL: none), ``miss_`` whether it is missing, ``t_`` its type
        (NULL: none) and ``s_`` its text (stripped when it is a JSON text)."""
        f = self.field
        path = literal(self.pointer) if self.pointer else "NULL"
        const = "NULL::VARCHAR" if self.constant is None else literal(self.constant)
        fallback = "NULL::VARCHAR" if self.fallback is None else literal(self.fallback)
        j = (f"CASE how_{f} WHEN 'key' THEN json_extract(payload, '/' || replace(replace(key_{f}, '~', '~0'), '/', '~1'))"
             f" WHEN 'path' THEN json_extract(payload, {path}) END")
        const_value = (f"CASE WHEN how_{f} = 'const' THEN {const} WHEN how_{f} = 'fallback' OR (how_{f} = 'path'"
                       f" AND j_{f} IS NULL) THEN {fallback} END")
        typed = (
            f"how_{f} = 'missing' OR (how_{f} = 'path' AND j_{f} IS NULL AND {fallback} IS NULL) AS miss_{f},"
            f" CASE WHEN {const_value} IS NOT NULL THEN 'VARCHAR' ELSE json_type(j_{f}) END AS t_{f},"
            f" CASE WHEN {const_value} IS NOT NULL THEN {const_value}"
            f" WHEN json_type(j_{f}) = 'VARCHAR' THEN vx_strip(j_{f} ->> '$') ELSE j_{f} ->> '$' END AS s_{f}")
        return f"{j} AS j_{f}", typed


def _text_ok(f: str, types: tuple[str, ...] = TEXTS) -> str:
    return f"(t_{f} IS NULL OR t_{f} IN ('NULL', {', '.join(repr(t) for t in types)}))"


def _count(f: str) -> tuple[str, str]:
    """to_int of the value: (regular, value)."""
    ok = (f"(t_{f} IS NULL OR t_{f} IN ('NULL', 'BOOLEAN', 'ARRAY', 'OBJECT')"
          f" OR (t_{f} IN ('BIGINT', 'UBIGINT') AND TRY_CAST(s_{f} AS BIGINT) IS NOT NULL)"
          f" OR (t_{f} = 'VARCHAR' AND vx_int_ok(s_{f}))"
          f" OR (t_{f} = 'DOUBLE' AND abs(TRY_CAST(s_{f} AS DOUBLE)) < 1e15))")
    value = (f"CASE WHEN t_{f} IN ('BIGINT', 'UBIGINT') THEN TRY_CAST(s_{f} AS BIGINT) WHEN t_{f} = 'VARCHAR' THEN vx_int(s_{f})"
             f" WHEN t_{f} = 'DOUBLE' THEN TRY_CAST(trunc(TRY_CAST(s_{f} AS DOUBLE)) AS BIGINT) END")
    return ok, value


def _ref(f: str) -> str:
    ref = f"nullif(s_{f}, '')"
    return f"CASE WHEN starts_with({ref}, platform || ':') THEN {ref} ELSE platform || ':' || {ref} END"


_HASHTAG_ITEMS = "list_transform(json_extract(j_hashtags, '$[*]'), lambda e: vx_strip(e ->> '$'))"


def build_sql(mapping: dict[str, Any], python_only: bool = False) -> str:
    """The mapping query for this column mapping (``Generic.mapping``); ``python_only``: every
    record irregular (a mapping SQL literals cannot hold)."""
    fields = {f: _Field(f, mapping.get(f)) for f in FIELDS}
    plans = ",\n        ".join(x.plan_sql() for x in fields.values())
    values = [x.value_sql() for x in fields.values()]
    extracted = ",\n        ".join(v[0] for v in values)
    typed = ",\n        ".join(v[1] for v in values)
    checks = [
        "false" if python_only else "NOT trapped",
        *(f"how_{f} <> 'path'" for f, x in fields.items() if not x.path_ok),
        *(f"NOT miss_{f}" for f, x in fields.items() if x.mapped and (f in REQUIRED or f == "text")),
        *(f"t_{f} IS NOT NULL AND t_{f} <> 'NULL' AND NOT (t_{f} = 'VARCHAR' AND s_{f} = '')" for f in REQUIRED),
        "t_platform = 'VARCHAR' AND regexp_full_match(s_platform, '[ -~]*')",
        "t_native_id IN ('VARCHAR', 'BIGINT', 'UBIGINT')",
        "created IS NOT NULL",
        _text_ok("text", ("VARCHAR",)),
        *(_text_ok(f) for f in ("author", "author_handle", "url", "lang", "place", *REFS)),
        "(t_kind IS NULL OR t_kind = 'NULL' OR (t_kind = 'VARCHAR' AND (s_kind = ''"
        f" OR (regexp_full_match(s_kind, '[ -~]*') AND lower(s_kind) IN ({_KINDS_SQL})))))",
        *(_count(f)[0] for f in COUNTS),
        "(t_hashtags IS NULL OR t_hashtags IN ('NULL', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN', 'OBJECT')"
        f" OR (t_hashtags = 'VARCHAR' AND NOT starts_with(s_hashtags, '[') AND NOT regexp_matches(s_hashtags, '{_TRAPS}'))"
        " OR (t_hashtags = 'ARRAY' AND coalesce(list_bool_and(list_transform(json_extract(j_hashtags, '$[*]'),"
        f" lambda e: json_type(e) = 'VARCHAR' AND NOT regexp_matches(e ->> '$', '{_TRAPS}'))), true)))",
    ]
    regular = "\n         AND ".join(f"({c})" for c in checks)
    counts = ",\n    ".join(f"{_count(f)[1]} AS {f}" for f in COUNTS)
    return f"""
WITH keyed AS (
    SELECT idx, payload, list_sort(json_keys(payload)) AS keys FROM vx_raw
), sets AS (
    SELECT keys, list_transform(keys, lambda k: lower(vx_strip(k))) AS norm,
        coalesce(list_bool_or(list_transform(keys, lambda k: regexp_matches(k, '{_KEY_TRAPS}'))), false) AS trapped
    FROM (SELECT DISTINCT keys FROM keyed)
), plan AS (
    SELECT keys, trapped,
        {plans}
    FROM sets
), picked AS (
    SELECT k.idx, k.payload, p.* EXCLUDE (keys),
        {extracted}
    FROM keyed k JOIN plan p USING (keys)
), typed AS (
    SELECT *,
        {typed}
    FROM picked
), parts AS (
    -- a time's parts, then its offset, then the time: each once (macros expand per use)
    SELECT *, t_created_at = 'VARCHAR' AND vx_iso_ok(s_created_at) AS iso_ok,
        CASE WHEN t_created_at = 'VARCHAR' THEN vx_iso_parts(s_created_at) END AS iso_parts,
        t_created_at = 'VARCHAR' AND vx_zoned_ok(s_created_at) AS zoned_ok,
        CASE WHEN t_created_at = 'VARCHAR' THEN vx_zoned_parts(s_created_at) END AS zoned_parts
    FROM typed
), offsets AS (
    SELECT *, CASE WHEN iso_ok THEN vx_iso_offset(iso_parts.o) END AS iso_minutes,
        CASE WHEN zoned_ok THEN vx_zone_minutes(zoned_parts.zone) END AS zone_minutes
    FROM parts
), timed AS (
    SELECT *,
        CASE WHEN t_created_at IN ('BIGINT', 'UBIGINT') THEN vx_epoch(TRY_CAST(s_created_at AS BIGINT))
             WHEN t_created_at = 'VARCHAR' AND regexp_full_match(s_created_at, '[0-9]+')
             THEN vx_epoch(TRY_CAST(s_created_at AS BIGINT))
             WHEN t_created_at = 'VARCHAR' THEN coalesce(CASE WHEN iso_ok THEN vx_iso_from(iso_parts, iso_minutes) END,
                                                        CASE WHEN zoned_ok THEN vx_zoned_from(zoned_parts, zone_minutes) END)
        END AS created,
        coalesce(CASE lower(s_platform) {_ALIASES_SQL} END, lower(s_platform)) AS platform
    FROM offsets
), synthetic AS (
    SELECT *, json_extract(payload, '$."__antena_synthetic"') AS mark FROM timed
)
SELECT idx,
    ({regular}) IS TRUE AS regular,
    platform,
    s_native_id AS native_id,
    nullif(s_url, '') AS url,
    CASE WHEN t_kind IS NULL OR t_kind = 'NULL' OR s_kind = '' THEN 'post' ELSE lower(s_kind) END AS kind,
    {_ref("parent_id")} AS parent_id,
    {_ref("thread_id")} AS thread_id,
    {_ref("stream_id")} AS stream_id,
    nullif(s_author, '') AS author_native,
    CASE WHEN coalesce(s_author_handle, '') <> '' THEN s_author_handle ELSE nullif(s_author, '') END AS author_handle,
    created AS created_at,
    CASE WHEN t_text = 'VARCHAR' THEN s_text END AS text,
    nullif(s_lang, '') AS lang,
    {counts},
    NULL::BIGINT AS quote_count,
    CASE WHEN t_hashtags = 'VARCHAR' AND s_hashtags <> '' THEN
             list_distinct_ordered(list_filter(list_transform(
                 regexp_split_to_array(s_hashtags, '[,;{tabular_sql.WHITESPACE_CLASS}]+'),
                 lambda t: lower(ltrim(t, '#'))), lambda t: t <> ''))
         WHEN t_hashtags = 'ARRAY' THEN
             list_distinct_ordered(list_filter(list_transform({_HASHTAG_ITEMS}, lambda t: lower(ltrim(t, '#'))),
                                               lambda t: t <> ''))
    END AS hashtags,
    NULL::VARCHAR[] AS mentions,
    NULL::VARCHAR[] AS urls,
    NULL::BOOLEAN AS has_media,
    NULL::VARCHAR[] AS media_types,
    nullif(s_place, '') AS place,
    NULL::VARCHAR AS country,
    CASE json_type(mark) WHEN 'VARCHAR' THEN (mark ->> '$') <> '' WHEN 'BOOLEAN' THEN mark::BOOLEAN
         WHEN 'BIGINT' THEN (mark ->> '$') <> '0' WHEN 'UBIGINT' THEN (mark ->> '$') <> '0' WHEN 'DOUBLE' THEN TRY_CAST(mark ->> '$' AS DOUBLE) <> 0
         WHEN 'ARRAY' THEN json_array_length(mark) > 0 WHEN 'OBJECT' THEN len(json_keys(mark)) > 0 ELSE false END AS synthetic,
    NULL::VARCHAR AS version_key,
    NULL::TIMESTAMPTZ AS collected_at
FROM synthetic ORDER BY idx
"""  # noqa: S608 - mapping names enter only through literal() (quotes doubled, NUL refused)


def mapping_sql(source: Any) -> str:
    """The mapping query for this import's column mapping (cached on the source: one per file);
    a mapping SQL literals cannot hold maps every record in Python."""
    cached = getattr(source, "_vx_sql", None)
    if cached is None:
        try:
            cached = build_sql(dict(getattr(source, "mapping", {}) or {}))
        except (ValueError, TypeError, KeyError, AttributeError):
            cached = build_sql({}, python_only=True)
        source._vx_sql = cached
    return cached


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the shared macros on this connection (temporary: nothing is written)."""
    tabular_sql.install(con)
