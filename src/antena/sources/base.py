"""The source contract: how one platform's export becomes canonical posts.

A source is one file in ``antena/sources/``. It declares its metadata at the top
(``name``, ``platform``, ``title``, ``formats_doc``), and implements three things:

``sniff(head, filename) -> float``
    How sure it is (0..1) that a file whose first bytes are ``head`` is of its format.
``records(stream, filename) -> Iterator[RawRecord | Quarantine]``
    Splits a file into raw records, one per post, each a JSON-serialisable dict. A
    line that cannot be parsed is yielded as a ``Quarantine`` naming file and line.
``map(raw) -> dict | Quarantine``
    A pure function from one raw record to a canonical post (see ``antena.schema``).
    It knows nothing about files or the database, so ``antena remap`` can replay stored
    raw records through a fixed mapping without re-reading the files.

The store adds post ids, pseudonymous author ids, hashes and provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, ClassVar

import orjson

from antena.schema import KINDS, REQUIRED_FROM_SOURCE
from antena.sources.records import Post, Quarantine, RawRecord

__all__ = ["Post", "Quarantine", "RawRecord", "Source"]


class Source:
    """Base class of every importer. Subclasses set the class attributes and override
    ``sniff``, ``records`` and ``map``."""

    name: ClassVar[str] = ""  # registry name, e.g. "twitter_v2"
    platform: ClassVar[str] = ""  # default platform of its posts
    title: ClassVar[str] = ""  # human name
    extensions: ClassVar[tuple[str, ...]] = (".json", ".jsonl")
    formats_doc: ClassVar[str] = ""  # where the format is documented
    # Glob patterns under ../shared/formats/ of real samples this source must import (tests only).
    shared_samples: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **options: Any) -> None:
        self.options = options

    def sniff(self, head: bytes, filename: str) -> float:
        return 0.0

    def records(self, stream: IO[bytes], filename: str) -> Iterator[RawRecord | Quarantine]:
        raise NotImplementedError

    def map(self, raw: dict[str, Any]) -> Post | Quarantine:
        raise NotImplementedError


# ---------------------------------------------------------------- helpers for sources


def iter_json_lines(stream: IO[bytes]) -> Iterator[tuple[int, Any] | Quarantine]:
    """Yield ``(line_no, obj)`` for each non-blank JSON line, or a Quarantine for a bad one
    (or for a line longer than the import limit)."""
    from antena.sources.jsonread import iter_json_lines as lines

    return lines(stream)


def load_json_document(stream: IO[bytes]) -> Any | Quarantine:
    """Parse a whole-file JSON document, or quarantine it. A damaged document is salvaged
    element by element; use ``load_json_salvaged`` to get the quarantined elements too."""
    value, quarantined = load_json_salvaged(stream)
    if value is None:
        return quarantined[0]
    return value


def load_json_salvaged(stream: IO[bytes]) -> tuple[Any, list[Quarantine]]:
    """A whole-file JSON document (None if nothing could be read) and its quarantined parts."""
    from antena.sources.jsonread import load_document

    return load_document(stream)


def json_records(stream: IO[bytes]) -> Iterator[tuple[int, str, Any] | Quarantine]:
    """Yield ``(line, pointer, obj)`` for a file that is either one JSON document or JSON lines.

    A single document yields itself with pointer "" and the line it starts on; JSON lines
    yield each line. See ``antena.sources.jsonread`` for how damaged files are salvaged.
    """
    from antena.sources.jsonread import json_values

    for item in json_values(stream):
        if isinstance(item, Quarantine):
            yield item
        else:
            yield item[0], "", item[1]


def json_objects(stream: IO[bytes], what: str) -> Iterator[tuple[int, str, dict[str, Any]] | Quarantine]:
    """Each JSON object of a file: the document, or each element of a top-level array (with its
    pointer); anything else is quarantined as "not a <what> object"."""
    for item in json_records(stream):
        if isinstance(item, Quarantine):
            yield item
            continue
        line, _, doc = item
        elements = list(enumerate(doc)) if isinstance(doc, list) else [(None, doc)]
        for index, element in elements:
            pointer = "" if index is None else f"/{index}"
            if isinstance(element, dict):
                yield line, pointer, element
            else:
                yield Quarantine(reason=f"not a {what} object", field="(document)", line=line, pointer=pointer)


def guarded(records: Iterator[RawRecord | Quarantine], line: int, pointer: str,
            raw: Any = None) -> Iterator[RawRecord | Quarantine]:
    """Records from one element of a file; a crash while reading it quarantines that element
    (with its line and pointer) and lets the reader go on to the next one."""
    try:
        yield from records
    except Exception as exc:  # noqa: BLE001 - hostile records must not stop the file
        yield Quarantine(reason=f"cannot read this record: {type(exc).__name__}: {exc}", field="(record)",
                         line=line, pointer=pointer, raw="" if raw is None else raw_preview(raw))


def raw_preview(obj: Any, limit: int = 100_000) -> str:
    """A record as JSON text for a quarantine entry; never fails (deep nesting, bad text)."""
    try:
        return orjson.dumps(obj, default=str).decode()[:limit]
    except (orjson.JSONEncodeError, TypeError):
        return repr(obj)[:limit].encode("utf-8", "replace").decode("utf-8")


def head_text(head: bytes) -> str:
    """The sniffable start of a file as text (BOM stripped)."""
    return head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()


def first_json_line(head: bytes) -> Any | None:
    """Parse the first line of ``head`` as JSON, or return None (used by sniffers)."""
    text = head_text(head)
    line = text.split("\n", 1)[0]
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


_HASHTAG_RE = re.compile(r"(?:^|(?<=[^\w&]))#(\w+)", re.UNICODE)
_MENTION_RE = re.compile(r"(?:^|(?<=[^\w]))@(\w+(?:@[\w.-]+)?)", re.UNICODE)
_URL_RE = re.compile(r"https?://[^\s<>\"']+")


def extract_hashtags(text: str | None) -> list[str]:
    """Hashtags in ``text``, lower-cased, without '#', in order, unique."""
    if not text:
        return []
    return list(dict.fromkeys(tag.lower() for tag in _HASHTAG_RE.findall(text)))


def extract_mentions(text: str | None) -> list[str]:
    if not text:
        return []
    return list(dict.fromkeys(m.lower() for m in _MENTION_RE.findall(text)))


def extract_urls(text: str | None) -> list[str]:
    if not text:
        return []
    return list(dict.fromkeys(u.rstrip(".,;:!?)") for u in _URL_RE.findall(text)))


def parse_time(value: Any) -> datetime | None:
    """Parse the timestamps platforms use into an aware UTC datetime.

    Accepts ISO 8601 (with Z or offset), Twitter v1.1's ``Wed Oct 10 20:19:24 +0000 2018``,
    Unix seconds / milliseconds / microseconds (int, float or digit strings) and
    ``YYYY-MM-DD HH:MM:SS`` (taken as UTC). Returns None when it cannot.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e14:  # microseconds
            number /= 1e6
        elif number > 1e11:  # milliseconds
            number /= 1e3
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_int(value: Any) -> int | None:
    """An engagement count as int, or None (accepts "1,234", "12", 12.0)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value).replace(",", "").strip()))
    except ValueError:
        return None


def dig(obj: Any, *path: Any, default: Any = None) -> Any:
    """Follow keys / indexes into nested JSON; return ``default`` when any step is missing."""
    for step in path:
        try:
            obj = obj[step]
        except (KeyError, IndexError, TypeError):
            return default
        if obj is None:
            return default
    return obj


def make_post(
    *,
    platform: str,
    native_id: Any,
    kind: str,
    created_at: Any,
    text: str | None,
    author_native: Any = None,
    author_handle: str | None = None,
    **fields: Any,
) -> Post | Quarantine:
    """Build a ``Post`` with the required fields checked; quarantine names the bad field.

    Hashtags, mentions and urls are taken from the text when not given.
    """
    if native_id is None or str(native_id).strip() == "":
        return Quarantine(reason="record has no id", field="native_id")
    if kind not in KINDS:
        return Quarantine(reason=f"unknown kind {kind!r}", field="kind")
    when = parse_time(created_at)
    deleted = bool(fields.get("deleted")) or bool(fields.get("withheld"))
    if when is None and not deleted:
        reason = "missing creation time" if created_at in (None, "") else f"unreadable time {created_at!r}"
        return Quarantine(reason=reason, field="created_at")
    if deleted:
        text = None
    record: dict[str, Any] = {
        "platform": platform,
        "native_id": str(native_id),
        "kind": kind,
        "created_at": when,
        "text": text,
    }
    record.update(fields)
    if not deleted:
        if record.get("hashtags") is None:
            record["hashtags"] = extract_hashtags(text)
        if record.get("mentions") is None:
            record["mentions"] = extract_mentions(text)
        if record.get("urls") is None:
            record["urls"] = extract_urls(text)
    for name in REQUIRED_FROM_SOURCE:
        if name != "created_at" and record.get(name) in (None, ""):
            return Quarantine(reason=f"missing {name}", field=name)
    return Post(
        fields=record,
        author_native=None if author_native in (None, "") else str(author_native),
        author_handle=author_handle,
    )
