"""Generic tabular files (CSV/TSV, JSON lines, JSON arrays, Parquet) with a column mapping.

The mapping names, for each canonical field, the column it comes from (dotted paths reach into
nested JSON) or a constant. It is given inline (``--mapping "native_id=ID,text=Message,
platform='facebook'"``: a quoted value is a constant) or by name from ``antena.toml``
``[import.mappings.NAME]``. Fields left unmapped fall back to common column names
(``DEFAULT_COLUMNS``, matched case-insensitively). For ``platform`` and ``kind`` a bare value
that is not a column of the record is a constant too (``platform = "facebook"``).

Files are streamed (CSV rows, JSON lines, Parquet record batches), so memory stays flat.
``antena remap`` replays the stored rows through the stored mapping; a mapping given by name
is re-read from the current ``antena.toml`` first, so fixing a mapping there and running
``antena remap`` applies the fix. See docs/import-formats.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import math
import os
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

import orjson

from antena.errors import FormatError, ProjectError
from antena.registry import register_source
from antena.sources.base import (
    Post,
    Quarantine,
    RawRecord,
    Source,
    make_post,
    parse_time,
    raw_preview,
    to_int,
)
from antena.sources.zoned_time import TimeError, parse_zoned_time
from antena.store.files import text_stream
from antena.store.limits import SafeStream

csv.field_size_limit(64 * 1024 * 1024)  # long posts must not abort an import

# Canonical fields a mapping may fill, and the column names tried when it does not.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "native_id": ("id", "post_id", "native_id", "tweet_id", "message_id", "status_id", "uid"),
    "text": ("text", "message", "body", "content", "full_text", "caption", "post_text"),
    "created_at": ("created_at", "date", "timestamp", "created", "created_time", "creation_time",
                   "published_at", "datetime", "time", "post_created"),
    "author": ("author", "author_id", "user", "user_id", "username", "user_name", "screen_name",
               "account", "handle", "from"),
    "author_handle": ("author_handle", "username", "user_name", "screen_name", "handle"),
    "platform": ("platform", "network", "social_network"),
    "url": ("url", "permalink", "post_url", "link"),
    "kind": ("kind",),
    "parent_id": ("parent_id", "in_reply_to", "reply_to", "in_reply_to_id"),
    "thread_id": ("thread_id", "conversation_id"),
    "stream_id": ("stream_id",),
    "lang": ("lang", "language"),
    "like_count": ("like_count", "likes", "favorite_count", "favourites_count", "reactions"),
    "share_count": ("share_count", "shares", "retweet_count", "reposts"),
    "reply_count": ("reply_count", "comment_count", "comments", "replies"),
    "view_count": ("view_count", "views", "impressions"),
    "hashtags": ("hashtags",),
    "place": ("place", "location"),
}
FIELDS = tuple(DEFAULT_COLUMNS)
REQUIRED = ("native_id", "created_at", "platform")
CONSTANT_WHEN_ABSENT = ("platform", "kind")  # bare values that are not columns are constants
PLATFORM_ALIASES = {"twitter": "x", "fb": "facebook", "ig": "instagram", "yt": "youtube"}
NAME_KEY = "__name__"  # where a mapping remembers the antena.toml name it came from

PARQUET_EXT = (".parquet", ".parq", ".pq")
JSON_EXT = (".json", ".jsonl", ".ndjson", ".jsonlines")
CSV_EXT = (".csv", ".tsv", ".tab", ".txt")
ROW_LISTS = ("data", "posts", "items", "records", "results", "rows")

_MISSING = object()


# ---------------------------------------------------------------- mappings


def resolve_mapping(spec: str, config: dict[str, Any]) -> dict[str, Any]:
    """Turn ``--mapping`` (inline ``field=column,...`` or a NAME from ``antena.toml``
    ``[import.mappings]``) into the mapping the generic source stores with each record."""
    spec = (spec or "").strip()
    if not spec:
        raise FormatError("empty --mapping; give NAME or 'native_id=ID,text=Message,...'")
    if "=" in spec:
        return parse_mapping_spec(spec)
    tables = (config.get("import") or {}).get("mappings") or {}
    if spec not in tables:
        known = ", ".join(sorted(tables)) or "none defined"
        raise ProjectError(
            f"no mapping named {spec!r} in antena.toml (known: {known}); add a table "
            f"import.mappings.{spec} there, or give fields inline, e.g. "
            "--mapping \"native_id=ID,text=Message,created_at=Date,platform='facebook'\""
        )
    table = tables[spec]
    if not isinstance(table, dict):
        raise ProjectError(f"antena.toml: import.mappings.{spec} must be a table of field = \"column\"")
    mapping = {field: _toml_entry(spec, field, value) for field, value in table.items()}
    _check_fields(mapping, f"antena.toml import.mappings.{spec}")
    mapping[NAME_KEY] = spec
    return mapping


def parse_mapping_spec(spec: str) -> dict[str, Any]:
    """Parse ``native_id=ID,text=Message,platform='facebook'``: quoted values are constants."""
    mapping: dict[str, Any] = {}
    for item in _split_outside_quotes(spec):
        if not item.strip():
            continue
        field, sep, value = item.partition("=")
        field, value = field.strip(), value.strip()
        if not sep or not field or not value:
            raise FormatError(f"bad --mapping item {item.strip()!r}: write field=column or field='constant'")
        if field in mapping:
            raise FormatError(f"--mapping names {field!r} twice")
        mapping[field] = _entry(field, value)
    _check_fields(mapping, "--mapping")
    return mapping


def _split_outside_quotes(text: str) -> list[str]:
    items, current, quote = [], [], ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    if quote:
        raise FormatError(f"unclosed quote in --mapping {text!r}")
    items.append("".join(current))
    return items


def _entry(field: str, value: str) -> dict[str, str]:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return {"value": value[1:-1]}
    if field in CONSTANT_WHEN_ABSENT:
        return {"column": value, "or_value": value}
    return {"column": value}


def _toml_entry(name: str, field: str, value: Any) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return _entry(field, value.strip())
    if isinstance(value, dict) and len(value) == 1 and ("column" in value or "value" in value):
        return {k: str(v) for k, v in value.items()}
    if isinstance(value, int | float | bool) and not isinstance(value, bool):
        return {"value": str(value)}
    raise ProjectError(
        f"antena.toml import.mappings.{name}.{field}: give a column name, a quoted constant "
        "(\"'facebook'\") or {column = \"...\"} / {value = \"...\"}"
    )


def _check_fields(mapping: dict[str, Any], where: str) -> None:
    unknown = [f for f in mapping if f not in FIELDS]
    if unknown:
        raise FormatError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; fields are {', '.join(FIELDS)}")


# ---------------------------------------------------------------- readers


def read_csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]] | Quarantine]:
    """Yield ``(first_line, {column: value})`` per CSV record with true line numbers (a quoted
    field may span lines). The delimiter (, ; tab |) is taken from the header line; a row whose
    field count differs from the header's is quarantined."""
    text = text_stream(stream)
    first, skipped = text.readline(), 0  # blank lines before the header are consumed here
    while first and not first.strip():
        first, skipped = text.readline(), skipped + 1
    if not first:
        return
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=",;\t|")
        dialect.doublequote, dialect.quotechar = True, '"'
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(itertools.chain([first], text), dialect)
    header: list[str] | None = None
    end = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            start, end = end + 1, rows.line_num
            yield Quarantine(reason=f"unreadable CSV row ({exc})", field="(row)", line=start + skipped)
            continue
        start, end = end + 1, rows.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            header = _unique_names([cell.strip() for cell in row])
            continue
        if len(row) != len(header):
            yield Quarantine(
                reason=f"row has {len(row)} fields but the header has {len(header)}",
                field="(row)", line=start + skipped, raw=raw_preview(row),
            )
            continue
        yield start + skipped, dict(zip(header, row, strict=True))


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def read_json_rows(stream: IO[bytes]) -> Iterator[tuple[int, str, Any] | Quarantine]:
    """Yield ``(line, pointer, row)`` from JSON lines (streamed) or one JSON document (an
    array, an object holding a list under data/posts/items/..., or a single object)."""
    from antena.sources.jsonread import json_values

    items = json_values(stream)
    first = next(items, None)
    second = next(items, None)
    for item in (first, second, *items):
        if item is None:
            continue
        if isinstance(item, Quarantine):
            yield item
            continue
        line_no, document = item
        rows, pointer = [document], ""
        if item is first and isinstance(document, list):
            rows = document
        elif item is first and second is None and isinstance(document, dict):  # one document
            key = next((k for k in ROW_LISTS if isinstance(document.get(k), list)), None)
            if key:
                rows, pointer = document[key], f"/{key}"
        for index, row in enumerate(rows):
            yield line_no, f"{pointer}/{index}" if pointer or len(rows) > 1 else "", row


def read_parquet_rows(stream: IO[bytes], batch_size: int = 2048) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, row)`` from a Parquet file, one record batch at a time."""
    import pyarrow.parquet as pq

    spooled = None
    if not _seekable(stream):
        spooled = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False)  # noqa: SIM115
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            spooled.write(chunk)
        spooled.close()
        stream = open(spooled.name, "rb")  # noqa: SIM115
    try:
        number = 0
        for batch in pq.ParquetFile(stream).iter_batches(batch_size=batch_size):
            for row in batch.to_pylist():
                number += 1
                yield number, {str(k): json_safe(v) for k, v in row.items()}
    finally:
        if spooled is not None:
            stream.close()
            os.unlink(spooled.name)


def _seekable(stream: IO[bytes]) -> bool:
    """Cheaply seekable: gzip streams seek by decompressing again, so they are spooled."""
    try:
        return bool(stream.seekable()) and not isinstance(stream, gzip.GzipFile)
    except (AttributeError, ValueError):
        return False


def json_safe(value: Any) -> Any:
    """A Parquet/Arrow value as plain JSON (so import and remap map identical payloads)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(p, tuple) and len(p) == 2 for p in value):  # Arrow map
            return {str(k): json_safe(v) for k, v in value}
        return [json_safe(v) for v in value]
    return str(value)


def with_head(stream: IO[bytes], size: int) -> tuple[bytes, IO[bytes]]:
    """The first ``size`` bytes of ``stream`` and a stream that still starts with them (an
    import's ``SafeStream`` peeks, keeping its line limits; other streams are rejoined)."""
    if isinstance(stream, SafeStream):
        return stream.peek(size), stream
    head = stream.read(size)
    return head, io.BufferedReader(Rejoined(head, stream), buffer_size=1 << 16)  # type: ignore[return-value]


class Rejoined(io.RawIOBase):
    """A stream whose first bytes were already read: serves them again, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def file_kind(filename: str, head: bytes) -> str:
    """"parquet", "json" or "csv", from the name (``.gz`` ignored) or else the content."""
    name = filename.lower()
    name = name[:-3] if name.endswith(".gz") else name
    if head.startswith(b"PAR1") or name.endswith(PARQUET_EXT):
        return "parquet"
    if name.endswith(JSON_EXT):
        return "json"
    if name.endswith(CSV_EXT):
        return "csv"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if start in (b"{", b"[") else "csv"


# ---------------------------------------------------------------- the source


@register_source
class Generic(Source):
    """Any CSV / JSON lines / JSON array / Parquet file, through a column mapping."""

    name = "generic"
    platform = "any"
    title = "Generic CSV / JSONL / JSON / Parquet with a column mapping"
    extensions = CSV_EXT + JSON_EXT + PARQUET_EXT
    formats_doc = "docs/import-formats.md#generic"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        mapping = options.get("mapping") or {}
        self.mapping = {k: v for k, v in mapping.items() if k != NAME_KEY}
        self._plans: dict[tuple[Any, ...], dict[str, tuple[str, Any, str, Any]]] = {}

    @classmethod
    def refresh_options(cls, options: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        """At remap: a mapping that came from ``antena.toml`` by name is re-read from it."""
        name = (options.get("mapping") or {}).get(NAME_KEY)
        if not name:
            return options
        try:
            return {**options, "mapping": resolve_mapping(name, config)}
        except (FormatError, ProjectError):
            return options  # removed or broken since: keep the mapping the rows were imported with

    def sniff(self, head: bytes, filename: str) -> float:
        name = filename.lower().removesuffix(".gz")
        if head.startswith(b"PAR1") or name.endswith(self.extensions):
            return 0.05
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return 0.05 if start in (b"{", b"[") else 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        head, joined = with_head(stream, 8)
        kind = file_kind(filename, head)
        if kind == "parquet":
            source = joined
            if _seekable(stream):
                stream.seek(0)
                source = stream
            for number, row in read_parquet_rows(source):
                yield RawRecord(row, number)
        elif kind == "json":
            for item in read_json_rows(joined):
                if isinstance(item, Quarantine):
                    yield item
                elif not isinstance(item[2], dict):
                    yield Quarantine(reason="JSON record is not an object", field="(record)",
                                     line=item[0], pointer=item[1], raw=raw_preview(item[2]))
                else:
                    yield RawRecord(item[2], item[0], item[1])
        else:
            for item in read_csv_rows(joined):
                yield item if isinstance(item, Quarantine) else RawRecord(item[1], item[0])

    # ------------------------------------------------------------ map

    def _plan(self, raw: dict[str, Any]) -> dict[str, tuple[str, Any, str, Any]]:
        """Where each field comes from for records with these keys (cached: rows of one file
        share their columns): ``(how, key/path/constant, column named, constant if absent)``."""
        keys = tuple(raw)
        plan = self._plans.get(keys)
        if plan is not None:
            return plan
        lower: dict[str, Any] = {}
        # keys that differ only in case or spaces ("ID", "id"): the first in sorted order, so
        # the choice does not depend on the order of the record's keys (a stored payload has
        # them sorted: import and remap must map it alike)
        for key in sorted(raw, key=str):
            lower.setdefault(str(key).strip().lower(), key)
        plan = {}
        for field in FIELDS:
            spec = self.mapping.get(field)
            if spec is None:
                key = next((lower[n] for n in DEFAULT_COLUMNS[field] if n in lower), _MISSING)
                plan[field] = ("key", key, str(key), None) if key is not _MISSING else ("absent", None, "", None)
            elif "value" in spec:
                plan[field] = ("const", spec["value"], "", None)
            else:
                column, fallback = spec["column"], spec.get("or_value")
                key = column if column in raw else lower.get(column.lower(), _MISSING)
                if key is not _MISSING:
                    plan[field] = ("key", key, column, None)
                elif "." in column:
                    plan[field] = ("path", column, column, fallback)
                elif fallback is not None:
                    plan[field] = ("const", fallback, "", None)
                else:
                    plan[field] = ("missing", None, column, None)
        if len(self._plans) > 256:  # JSON records with ever-changing keys
            self._plans.clear()
        self._plans[keys] = plan
        return plan

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        plan = self._plan(raw)
        values: dict[str, Any] = {}
        for field in FIELDS:
            how, arg, column, fallback = plan[field]
            if how == "key":
                value = raw[arg]
            elif how == "const":
                value, column = arg, ""
            elif how == "path":
                value = _column_value(raw, {}, arg)
                if value is _MISSING and fallback is not None:
                    value, column = fallback, ""
            else:
                value = _MISSING
            if value is _MISSING:
                if field in self.mapping and (field in REQUIRED or field == "text"):
                    return Quarantine(reason=f"column {column!r} (mapped to {field}) is not in this record",
                                      field=field)
                value = None
            if isinstance(value, str):
                value = value.strip()
            if field in REQUIRED and value in (None, ""):
                where = f"column {column!r} is empty" if column else "no column found"
                hint = "" if column else f"; map one with --mapping \"{field}=COLUMN\""
                return Quarantine(reason=f"missing {field}: {where}{hint}", field=field)
            values[field] = value
        platform = str(values["platform"]).lower()
        platform = PLATFORM_ALIASES.get(platform, platform)
        created = _parse_created(values["created_at"])
        if created is None:
            return Quarantine(reason=f"unreadable time {values['created_at']!r}", field="created_at")
        author = values["author"]
        handle = values["author_handle"] if values["author_handle"] not in (None, "") else author
        text = values["text"]
        return make_post(
            platform=platform,
            native_id=_id_text(values["native_id"]),
            kind=str(values["kind"] or "post").strip().lower(),
            created_at=created,
            text=None if text is None else str(text),
            author_native=_id_text(author),
            author_handle=None if handle in (None, "") else str(handle),
            url=_text(values["url"]),
            parent_id=_post_ref(platform, values["parent_id"]),
            thread_id=_post_ref(platform, values["thread_id"]),
            stream_id=_post_ref(platform, values["stream_id"]),
            lang=_text(values["lang"]),
            like_count=to_int(values["like_count"]),
            share_count=to_int(values["share_count"]),
            reply_count=to_int(values["reply_count"]),
            view_count=to_int(values["view_count"]),
            hashtags=_hashtags(values["hashtags"]),
            place=_text(values["place"]),
        )


def _column_value(raw: dict[str, Any], lower: dict[str, str], column: str) -> Any:
    if column in raw:
        return raw[column]
    if column.lower() in lower:
        return raw[lower[column.lower()]]
    if "." in column:  # dotted path into nested JSON
        node: Any = raw
        for step in column.split("."):
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
                node = node[int(step)]
            else:
                return _MISSING
        return node
    return _MISSING


def _parse_created(value: Any) -> Any:
    when = parse_time(value)
    if when is None and isinstance(value, str):
        try:
            when = parse_zoned_time(value)
        except TimeError:
            return None
    return when


def _id_text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _post_ref(platform: str, value: Any) -> str | None:
    ref = _id_text(value)
    if ref is None:
        return None
    return ref if ref.startswith(f"{platform}:") else f"{platform}:{ref}"


def _hashtags(value: Any) -> list[str] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                value = text.strip("[]").replace("'", "").replace('"', "")
        if isinstance(value, str):
            value = value.replace(",", " ").replace(";", " ").split()
    if not isinstance(value, list):
        return None
    tags = [str(t).strip().lstrip("#").lower() for t in value if str(t).strip().lstrip("#")]
    return list(dict.fromkeys(tags))
