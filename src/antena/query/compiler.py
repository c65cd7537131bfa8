"""Compile a query's syntax tree into a parameterised DuckDB condition over ``posts``.

The SQL text is assembled only from the fixed fragments below; every value taken from the
query (regular expressions built from the user's words, field values, dates) travels as a
``?`` parameter. Patterns are RE2 (DuckDB's regex engine), see ``patterns.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from antena.errors import QuerySyntaxError
from antena.query.fields import FIELDS
from antena.query.parser import (
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    QueryError,
    Tag,
    Text,
    near_operand,
    parse,
)
from antena.query.patterns import CASE_INSENSITIVE, alternatives, near_pattern
from antena.schema import KINDS
from antena.store.regex import regex_compiles

Sql = tuple[str, list[Any]]
# A field handler gets the value as typed and the options (e.g. ``timezone``); returns SQL + params.
FieldHandler = Callable[[str, dict[str, Any]], Sql]

TEXT_MATCH = "regexp_matches(coalesce(text, ''), ?)"
LIST_MATCH = {
    "hashtags": "regexp_matches(coalesce(array_to_string(hashtags, ' '), ''), ?)",
    "mentions": "regexp_matches(coalesce(array_to_string(mentions, ' '), ''), ?)",
}
MAX_ALTERNATIVES = 40  # patterns merged into one regex; keeps each RE2 program small

PLATFORM_ALIASES = {"twitter": "x", "fb": "facebook", "ig": "instagram", "yt": "youtube"}
KIND_ALIASES = {"retweet": "repost", "rt": "repost", "share": "repost", "chat": "live_chat"}


def _lang(value: str, _options: dict[str, Any]) -> Sql:
    return "coalesce(lower(lang) = ?, false)", [value.lower()]


def _platform(value: str, _options: dict[str, Any]) -> Sql:
    name = value.lower()
    return "coalesce(platform = ?, false)", [PLATFORM_ALIASES.get(name, name)]


def _kind(value: str, _options: dict[str, Any]) -> Sql:
    kind = KIND_ALIASES.get(value.lower(), value.lower())
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{value}' (one of: {', '.join(KINDS)})")
    return "coalesce(kind = ?, false)", [kind]


def _author(value: str, _options: dict[str, Any]) -> Sql:
    name = value.removeprefix("@").lower()
    return "coalesce(lower(author_id) = ? OR lower(author_handle) = ?, false)", [name, name]


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _local_zone(options: dict[str, Any]) -> dt.tzinfo:
    name = options.get("timezone") or "UTC"
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - no tz database (e.g. Windows without tzdata): pytz ships one
        import pytz

        return pytz.timezone(name)


def _date_range(value: str, options: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """First instant of the day/month/year written, and the first instant after it (local time)."""
    zone = _local_zone(options)
    match = _DATE.match(value)
    if match:
        year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
        start = dt.datetime(year, month, day)
        if match[3]:
            end = start + dt.timedelta(days=1)
        elif match[2]:
            end = dt.datetime(year + month // 12, month % 12 + 1, 1)
        else:
            end = dt.datetime(year + 1, 1, 1)
    else:
        start = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        end = start
    return _localise(start, zone), _localise(end, zone)


def _localise(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    localize = getattr(zone, "localize", None)  # pytz zones
    local = localize(moment) if localize else moment.replace(tzinfo=zone)
    return local.astimezone(dt.UTC)


def _since(value: str, options: dict[str, Any]) -> Sql:
    return "coalesce(created_at >= ?, false)", [_date_range(value, options)[0]]


def _until(value: str, options: dict[str, Any]) -> Sql:
    start, end = _date_range(value, options)
    if start == end:  # an exact instant: inclusive
        return "coalesce(created_at <= ?, false)", [end]
    return "coalesce(created_at < ?, false)", [end]


FIELDS.update({
    "lang": _lang,
    "platform": _platform,
    "kind": _kind,
    "author": _author,
    "since": _since,
    "until": _until,
})


def register_field(name: str, handler: FieldHandler) -> None:
    """Add a field (e.g. ``topic:`` once analyses exist). The handler must pass values as ``?`` params."""
    FIELDS[name.lower()] = handler


# ---------------------------------------------------------------------- tree -> SQL


class _Compiler:
    def __init__(self, options: dict[str, Any]):
        self.options = options

    def node(self, node: Node) -> Sql:
        if isinstance(node, Or):
            return self.either(list(node.children))
        if isinstance(node, And):
            parts = [self.node(child) for child in node.children]
            return " AND ".join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]
        if isinstance(node, Not):
            sql, params = self.node(node.child)
            return f"NOT ({sql})", params
        if isinstance(node, Field):
            return self.field(node)
        return self.either([node])

    def field(self, node: Field) -> Sql:
        try:
            return FIELDS[node.name](node.value, self.options)
        except (ValueError, OverflowError) as exc:
            if node.name not in ("since", "until"):
                message = str(exc)
            elif isinstance(exc, OverflowError):
                message = f"{node.name}: date out of range (got '{node.value}'; years 1 to 9998)"
            else:
                message = f"{node.name}: needs a date like 2017-03-01, 2017-03 or 2017 (got '{node.value}')"
            raise QueryError(message, node.column) from None

    def either(self, children: list[Node]) -> Sql:
        """OR of children; text and list patterns are merged into a few regular expressions."""
        text: list[str] = []
        lists: dict[str, list[str]] = {}
        others: list[Sql] = []
        columns: dict[str, int] = {}  # pattern -> column of the term it came from
        for child in children:
            if isinstance(child, Text):
                text.append(child.pattern.full)
                columns.setdefault(child.pattern.full, child.column)
            elif isinstance(child, Tag):
                lists.setdefault(child.column_name, []).append(child.list_core)
                text.append(child.in_text.full)
                columns.setdefault(child.in_text.full, child.column)
                columns.setdefault(child.list_core, child.column)
            elif isinstance(child, Near):
                left, right = near_operand(child.left), near_operand(child.right)
                text.append(near_pattern(left, right, child.distance))  # type: ignore[arg-type]
                columns.setdefault(text[-1], child.column)
            else:
                others.append(self.node(child))
        parts = [(TEXT_MATCH, [CASE_INSENSITIVE + alternatives(chunk)])
                 for chunk in _fitting(text, lambda c: CASE_INSENSITIVE + alternatives(c), columns)]
        for column, cores in lists.items():
            wrap = lambda c: CASE_INSENSITIVE + f"(?:^| ){alternatives(c)}(?: |$)"  # noqa: E731
            parts += [(LIST_MATCH[column], [wrap(chunk)]) for chunk in _fitting(cores, wrap, columns)]
        parts += others
        if len(parts) == 1:
            return parts[0]
        return " OR ".join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + MAX_ALTERNATIVES] for i in range(0, len(items), MAX_ALTERNATIVES)]


def _fitting(items: list[str], build: Callable[[list[str]], str], columns: dict[str, int]) -> list[list[str]]:
    """Chunks of patterns whose merged regular expression RE2 can compile: a chunk too large is
    split; a single term too large is a ``QueryError`` at its column (never a DuckDB error)."""
    result: list[list[str]] = []
    pending = _chunks(items)
    while pending:
        chunk = pending.pop(0)
        if regex_compiles(build(chunk)):
            result.append(chunk)
        elif len(chunk) > 1:
            half = len(chunk) // 2
            pending[:0] = [chunk[:half], chunk[half:]]
        else:
            raise QueryError("this term is too long or complex to search for; shorten it", columns.get(chunk[0], 1))
    return result


def compile_tree(node: Node, **options: Any) -> Sql:
    return _Compiler(options).node(node)


def compile_query(text: str, timezone: str = "UTC") -> Sql:
    """SQL condition over ``posts`` and its parameters; ``timezone`` interprets since:/until: dates."""
    node = parse(text)
    try:
        return compile_tree(node, timezone=timezone)
    except QueryError as exc:
        flat = text.translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
        raise QuerySyntaxError(str(exc), flat, exc.column) from None
