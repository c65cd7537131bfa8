"""SQL pieces shared by the tabular formats' vectorised mappings (CrowdTangle CSV, generic).

Each macro reproduces one helper of ``antena.sources`` for the values it is *sure* about and
gives NULL for the others, so the mapping can send those records back to the Python ``map``:

* ``vx_strip(s)``: ``str.strip()`` (every character Python counts as whitespace);
* ``vx_int_ok(s)`` / ``vx_int(s)``: ``to_int`` of a stripped text ("1,234", "12.7", "", "N/A");
  sure only for plain decimals of at most 15 digits (exact in a double, so ``int(float(...))``
  is the integer part) and for ASCII texts with no digit, "inf" or "nan" (no number);
* ``vx_zoned(s)``: ``parse_zoned_time`` ("2017-03-01 12:00:00 CST", "+0100", "UTC-06:00") of a
  printable-ASCII text; NULL when Python would reject it or the year is outside 1900-2199;
* ``vx_iso(s)``: ``datetime.fromisoformat`` of the extended ISO forms (``T`` or space, seconds
  and 1-6 fraction digits optional, ``Z``/``±HH:MM``/``±HHMM``), as ``parse_time`` reads them;
* ``vx_epoch(n)``: ``parse_time`` of a non-negative Unix time in seconds, milliseconds or
  microseconds, within the ranges where Python's float arithmetic gives the exact instant;
* ``vx_scan_urls(t)`` / ``vx_external(l)``: ``extract_urls`` and ``external_urls``.

Times come out as TIMESTAMPTZ built from a naive timestamp taken as UTC, so the session's time
zone never matters. Macros are expanded where they are used, so a mapping computes the parts
(``vx_zoned_parts``, ``vx_iso_parts``) and the offset once, in a column of its own, and passes
that column on (``vx_zoned_from``, ``vx_iso_from``): nesting the macros evaluates the regular
expressions once per use.
"""

from __future__ import annotations

import sys

import duckdb

from antena.sources.zoned_time import ZONE_OFFSETS

# Python's whitespace (str.isspace, str.strip, \s in str patterns).
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
_WS_SQL = " || ".join(f"chr({ord(c)})" for c in WHITESPACE)
WHITESPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)  # for an RE2 character class
_ZONES_SQL = " ".join(f"WHEN '{zone}' THEN {round(hours * 60)}" for zone, hours in ZONE_OFFSETS.items())
_PLATFORM_HOSTS = ("facebook.com", "fb.com", "fb.watch", "instagram.com")  # crowdtangle_api's
_PLATFORM_RE = r"^[^/]*/[^/]*/([^/]*[.])?(" + "|".join(h.replace(".", "[.]") for h in _PLATFORM_HOSTS) + r")(/|$)"

_ZONED_RE = (r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))? *(.*)$")
_OFFSET_RE = r"^(?i:UTC|GMT)? *([+-])([0-9]{1,2})(?::?([0-9]{2}))?$"
_ISO_RE = (r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
           r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?$")

MACROS = [
    # dict.fromkeys: order-preserving unique
    "CREATE OR REPLACE TEMP MACRO list_distinct_ordered(l) AS"
    " list_filter(l, lambda x, i: list_position(l, x) = i)",
    # (the trim with a character set is slow: only for texts that start or end with whitespace)
    f"CREATE OR REPLACE TEMP MACRO vx_strip(s) AS CASE WHEN contains({_WS_SQL}, left(s, 1))"
    f" OR contains({_WS_SQL}, right(s, 1)) THEN trim(s, {_WS_SQL}) ELSE s END",
    # to_int of a stripped text: NULL/"" -> NULL; a plain decimal (commas dropped) -> its integer part
    # (printable ASCII without a digit, "inf" or "nan", such as "N/A" or "-", is no number: NULL)
    "CREATE OR REPLACE TEMP MACRO vx_no_number(s) AS"
    " regexp_full_match(s, '[ -/:-~]*') AND NOT regexp_matches(lower(s), 'inf|nan')",
    "CREATE OR REPLACE TEMP MACRO vx_int_ok(s) AS s IS NULL OR s = '' OR regexp_full_match(s, '[0-9]{1,15}')"
    " OR vx_no_number(s) OR"
    " (regexp_full_match(replace(s, ',', ''), '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)')"
    " AND length(regexp_replace(s, '[^0-9]', '', 'g')) <= 15)",
    "CREATE OR REPLACE TEMP MACRO vx_int(s) AS CASE WHEN s IS NULL OR s = '' THEN NULL"
    " WHEN regexp_full_match(s, '[0-9]{1,15}') THEN CAST(s AS BIGINT) WHEN vx_no_number(s) THEN NULL ELSE"
    " coalesce(TRY_CAST(nullif(nullif(nullif(regexp_extract(replace(s, ',', ''), '^[+-]?[0-9]*'), ''), '+'), '-')"
    " AS BIGINT), 0) END",
    # a naive date and time (texts of digits) as UTC minus an offset in minutes, NULL when invalid
    "CREATE OR REPLACE TEMP MACRO vx_local(y, mo, d, h, mi, se, frac, offset_minutes) AS"
    " CASE WHEN offset_minutes IS NOT NULL AND TRY_CAST(y AS INTEGER) BETWEEN 1900 AND 2199"
    " AND TRY_CAST(h AS INTEGER) <= 23 AND TRY_CAST(mi AS INTEGER) <= 59 AND TRY_CAST(coalesce(nullif(se, ''), '0') AS INTEGER) <= 59"
    " THEN timezone('UTC', TRY_CAST(y || '-' || lpad(mo, 2, '0') || '-' || lpad(d, 2, '0') || ' ' || lpad(h, 2, '0')"
    " || ':' || mi || ':' || coalesce(nullif(se, ''), '00') || CASE WHEN coalesce(frac, '') = '' THEN '' ELSE '.' || frac END"
    " AS TIMESTAMP) - to_minutes(offset_minutes)) END",
    # zone_offset of an ASCII zone: "" is UTC, an abbreviation, or a numeric offset up to 14 h
    "CREATE OR REPLACE TEMP MACRO vx_offset_minutes(sign, h, mi) AS CASE WHEN TRY_CAST(h AS INTEGER) * 60"
    " + TRY_CAST(coalesce(nullif(mi, ''), '0') AS INTEGER) <= 840 THEN (TRY_CAST(h AS INTEGER) * 60"
    " + TRY_CAST(coalesce(nullif(mi, ''), '0') AS INTEGER)) * CASE WHEN sign = '-' THEN -1 ELSE 1 END END",
    "CREATE OR REPLACE TEMP MACRO vx_zone_minutes(z) AS CASE WHEN z = '' THEN 0"
    f" ELSE coalesce(CASE upper(z) {_ZONES_SQL} END,"
    f" CASE WHEN regexp_full_match(z, '{_OFFSET_RE}') THEN vx_offset_minutes("
    f"regexp_extract(z, '{_OFFSET_RE}', 1), regexp_extract(z, '{_OFFSET_RE}', 2),"
    f" regexp_extract(z, '{_OFFSET_RE}', 3)) END) END",
    "CREATE OR REPLACE TEMP MACRO vx_zoned_parts(s) AS"
    f" regexp_extract(s, '{_ZONED_RE}', ['y', 'mo', 'd', 'h', 'mi', 'se', 'zone'])",
    "CREATE OR REPLACE TEMP MACRO vx_zoned_from(p, minutes) AS vx_local(p.y, p.mo, p.d, p.h, p.mi, p.se, '', minutes)",
    "CREATE OR REPLACE TEMP MACRO vx_zoned_ok(s) AS regexp_full_match(s, '[ -~]*')"
    f" AND regexp_full_match(s, '{_ZONED_RE}')",
    "CREATE OR REPLACE TEMP MACRO vx_zoned(s) AS CASE WHEN vx_zoned_ok(s)"
    " THEN vx_zoned_from(vx_zoned_parts(s), vx_zone_minutes(vx_zoned_parts(s).zone)) END",
    "CREATE OR REPLACE TEMP MACRO vx_iso_offset(o) AS CASE WHEN o = '' OR o = 'Z' THEN 0"
    " WHEN TRY_CAST(substr(o, 2, 2) AS INTEGER) <= 23 AND TRY_CAST(right(o, 2) AS INTEGER) <= 59 THEN"
    " (TRY_CAST(substr(o, 2, 2) AS INTEGER) * 60 + TRY_CAST(right(o, 2) AS INTEGER)) * CASE WHEN o[1] = '-' THEN -1 ELSE 1 END END",
    "CREATE OR REPLACE TEMP MACRO vx_iso_from(p, minutes) AS vx_local(p.y, p.mo, p.d, coalesce(nullif(p.h, ''), '0'),"
    " coalesce(nullif(p.mi, ''), '00'), p.se, p.frac, minutes)",
    f"CREATE OR REPLACE TEMP MACRO vx_iso_ok(s) AS regexp_full_match(s, '{_ISO_RE}')",
    f"CREATE OR REPLACE TEMP MACRO vx_iso_parts(s) AS regexp_extract(s, '{_ISO_RE}',"
    " ['y', 'mo', 'd', 'h', 'mi', 'se', 'frac', 'o'])",
    "CREATE OR REPLACE TEMP MACRO vx_iso(s) AS CASE WHEN vx_iso_ok(s)"
    " THEN vx_iso_from(vx_iso_parts(s), vx_iso_offset(vx_iso_parts(s).o)) END",
    # parse_time of a Unix time n >= 0 (seconds; > 1e11 milliseconds; > 1e14 microseconds)
    "CREATE OR REPLACE TEMP MACRO vx_epoch(n) AS CASE"
    " WHEN n BETWEEN 0 AND 100000000000 THEN to_timestamp(n)"
    " WHEN n > 100000000000 AND n <= 4000000000000 THEN timezone('UTC', make_timestamp(n * 1000))"
    " WHEN n > 100000000000000 AND n <= 4000000000000000 THEN timezone('UTC', make_timestamp(n)) END",
    # extract_urls: unique, in order, trailing punctuation dropped
    "CREATE OR REPLACE TEMP MACRO vx_scan_urls(t) AS list_distinct_ordered(list_transform("
    f" regexp_extract_all(coalesce(t, ''), 'https?://[^{WHITESPACE_CLASS}<>\"'']+'), lambda u: rtrim(u, '.,;:!?)')))",
    # external_urls: http(s) URLs outside Facebook/Instagram, unique, in order (the host is the
    # text between the second and third "/", lower-cased; lower() of ASCII is Python's)
    "CREATE OR REPLACE TEMP MACRO vx_external(l) AS list_distinct_ordered(list_filter(l, lambda u:"
    f" starts_with(u, 'http') AND NOT regexp_matches(lower(u), '{_PLATFORM_RE}')))",
]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the shared macros on this connection (temporary: nothing is written)."""
    for statement in MACROS:
        con.execute(statement)


def literal(text: str) -> str:
    """``text`` as an SQL string literal (quotes doubled); ValueError for a NUL character, which
    no literal may hold (the caller then maps every record in Python)."""
    if "\x00" in text:
        raise ValueError("NUL in a mapping value")
    return "'" + text.replace("'", "''") + "'"
