"""Reading JSON exports so that one bad byte loses one record, not the file.

* JSON lines are streamed; a bad line is quarantined with its number, a line longer than the
  import limit is skipped (``OverlongLine``) and quarantined too.
* A JSON document (indented API responses, Telegram exports) is parsed whole when it is valid;
  when it is not, ``salvage_document`` parses it again element by element: every element of
  the first array on each path from the root (the posts of ``{"data": [...]}``, the messages of
  a Telegram chat) is decoded on its own, and an element that cannot be decoded is skipped to
  its end and quarantined with its line, so its neighbours survive. A truncated document keeps
  every element before the cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from antena.sources.records import Quarantine
from antena.store.limits import OverlongLine

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\r\n]*")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes surrogateescape could not decode
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _too_long(line_no: int, line: OverlongLine) -> Quarantine:
    return Quarantine(
        reason="line longer than the import limit ([import] max_line_mib in antena.toml)",
        field="(line)", line=line_no, raw=f"({line.length:,} bytes not kept)",
    )


def iter_json_lines(stream: IO[bytes] | Any, first_line: int = 1) -> Iterator[tuple[int, Any] | Quarantine]:
    """Yield ``(line_no, obj)`` for each non-blank JSON line, or a Quarantine for a bad one."""
    for line_no, line in enumerate(stream, start=first_line):
        if isinstance(line, OverlongLine):
            yield _too_long(line_no, line)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        try:
            yield line_no, orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield Quarantine(
                reason=f"invalid JSON ({exc.msg}); a truncated last line looks like this",
                field="(line)",
                line=line_no,
                raw=stripped[:100_000].decode("utf-8", "replace"),
            )


def json_values(stream: IO[bytes]) -> Iterator[tuple[int, Any] | Quarantine]:
    """``(line, value)`` for each JSON line, or once for a file holding one JSON document.

    A file whose first non-blank line is complete JSON is streamed line by line; otherwise the
    file is one document (read whole up to the import limit). An invalid document that holds
    several valid lines is JSON lines after all; any other is salvaged element by element.
    """
    first_no, first = 0, b""
    for first_no, first in enumerate(iter(stream.readline, b""), start=1):  # noqa: B007
        if isinstance(first, OverlongLine):
            yield _too_long(first_no, first)
            yield from iter_json_lines(stream, first_no + 1)
            return
        if first.strip():
            break
    else:
        first = b""
    if not first.strip():
        return
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        pass
    else:
        yield first_no, value
        yield from iter_json_lines(stream, first_no + 1)
        return
    data = first + stream.read()
    yield from _document_or_lines(data, first_no)


def _document_or_lines(data: bytes, first_no: int) -> Iterator[tuple[int, Any] | Quarantine]:
    try:
        yield first_no, orjson.loads(data)
        return
    except orjson.JSONDecodeError:
        pass
    lines = data.split(b"\n")
    if sum(1 for line in lines[1:6] if _parses(line)) >= 2:  # JSON lines whose first line is bad
        yield from iter_json_lines(lines, first_no)
        return
    document = salvage_document(data)
    for quarantined in document.quarantined:
        quarantined.line += first_no - 1
        yield quarantined
    if document.value is not None:
        yield first_no, document.value


def _parses(line: bytes) -> bool:
    if not line.strip():
        return False
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def load_document(stream: IO[bytes]) -> tuple[Any, list[Quarantine]]:
    """A whole-file JSON document (salvaged if damaged) and the quarantines salvage made.

    The value is None when nothing could be read; the quarantines then say why.
    """
    data = stream.read()
    if not data.strip():
        return None, [Quarantine(reason="empty file", field="(file)", line=1)]
    try:
        return orjson.loads(data), []
    except orjson.JSONDecodeError:
        pass
    document = salvage_document(data)
    return document.value, document.quarantined


# ---------------------------------------------------------------- salvage


@dataclass
class Salvaged:
    value: Any = None
    quarantined: list[Quarantine] = field(default_factory=list)


class _Broken(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos


def salvage_document(data: bytes) -> Salvaged:
    """Parse a damaged JSON document, dropping (and quarantining) only the broken elements.

    Invalid UTF-8 is kept as lone surrogates, so the record holding it is quarantined when
    it is stored rather than silently altered here.
    """
    text = data.decode("utf-8", "surrogateescape")
    parser = _Salvager(text)
    result = Salvaged()
    try:
        result.value = parser.value(_skip_ws(text, 0), inside_array=False)[0]
    except _Broken as exc:
        result.quarantined.append(Quarantine(
            reason=f"invalid JSON document ({exc}); nothing could be read from it",
            field="(file)", line=parser.line_of(exc.pos), raw=text[exc.pos: exc.pos + 2000]))
    result.quarantined[:0] = parser.quarantined
    return result


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


class _Salvager:
    def __init__(self, text: str) -> None:
        self.text = text
        self.quarantined: list[Quarantine] = []

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def value(self, pos: int, inside_array: bool) -> tuple[Any, int]:
        text = self.text
        char = text[pos: pos + 1]
        if not inside_array and char == "{":
            return self._object(pos)
        if not inside_array and char == "[":
            return self._array(pos)
        try:
            return _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            raise _Broken(getattr(exc, "pos", pos), getattr(exc, "msg", str(exc))) from None

    def _object(self, pos: int) -> tuple[dict[str, Any], int]:
        text, result = self.text, {}
        pos = _skip_ws(text, pos + 1)
        if text.startswith("}", pos):
            return result, pos + 1
        while pos < len(text):
            try:
                if not text.startswith('"', pos):
                    raise _Broken(pos, "expected a key")
                key, pos = self.value(pos, inside_array=True)
                pos = _skip_ws(text, pos)
                if not text.startswith(":", pos):
                    raise _Broken(pos, "expected ':'")
                result[key], pos = self.value(_skip_ws(text, pos + 1), inside_array=False)
            except _Broken as exc:
                if not result:
                    raise
                # keep what came before the damage (a truncated file ends here)
                self.quarantined.append(Quarantine(
                    reason=f"invalid JSON ({exc}); the document was read up to here",
                    field="(file)", line=self.line_of(exc.pos), raw=text[exc.pos: exc.pos + 2000]))
                return result, len(text)
            pos = _skip_ws(text, pos)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
            elif text.startswith("}", pos):
                return result, pos + 1
            elif pos < len(text):
                self.quarantined.append(Quarantine(
                    reason="invalid JSON (expected ',' or '}'); the document was read up to here",
                    field="(file)", line=self.line_of(pos), raw=text[pos: pos + 2000]))
                return result, len(text)
        return result, len(text)

    def _array(self, pos: int) -> tuple[list[Any], int]:
        text, result = self.text, []
        pos = _skip_ws(text, pos + 1)
        if text.startswith("]", pos):
            return result, pos + 1
        index = 0
        while pos < len(text):
            if text[pos: pos + 1] not in "{[\"-0123456789tfn":  # the rest is not an element
                self.quarantined.append(Quarantine(
                    reason="invalid JSON (expected an element or ']'); the document was read up to here",
                    field="(file)", line=self.line_of(pos), raw=text[pos: pos + 2000]))
                return result, len(text)
            try:
                element, end = self.value(pos, inside_array=True)
                bad_byte = _UNDECODABLE.search(text, pos, end)
                if bad_byte:
                    raise _Broken(bad_byte.start(), "invalid UTF-8 byte")
                result.append(element)
            except _Broken as exc:
                end = self._element_end(pos)
                self.quarantined.append(Quarantine(
                    reason=f"invalid JSON in this element ({exc}); its neighbours were kept",
                    field="(element)", line=self.line_of(pos), pointer=f"/{index}",
                    raw=text[pos: min(end, pos + 100_000)]))
                if end >= len(text):
                    return result, len(text)
            index += 1
            pos = _skip_ws(text, end)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
            elif text.startswith("]", pos):
                return result, pos + 1
            elif pos < len(text):
                # a damaged separator: go on at the next element if one starts here
                continue
        return result, len(text)

    def _element_end(self, start: int) -> int:
        """Where a broken element ends: its closing bracket at the same indentation in an
        indented file, else the bracket matching its opening one (strings skipped)."""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        indent = text[line_start:start]
        if line_start and indent.strip(" \t") == "" and text[start: start + 1] in "{[":
            closing = "}" if text[start] == "{" else "]"
            found = re.compile("\n" + re.escape(indent) + re.escape(closing)).search(text, start)
            if found:
                return found.end()
        depth = 0
        for token in _TOKEN.finditer(text, start):
            mark = token.group()
            if mark in "[{":
                depth += 1
            elif mark in "]}":
                depth -= 1
                if depth <= 0:
                    return token.end()
        return len(text)
