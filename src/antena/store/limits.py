"""Reading input bytes safely: streaming decompression with limits, BOM removal, long lines.

Every input file is read through a ``SafeStream``. It decompresses in chunks, so a
decompression bomb never sits in memory, and it stops (keeping what it has read) when

* a member grows beyond ``max_member_gib`` once decompressed;
* the data expands more than ``max_ratio`` times its compressed size (after the first
  ``RATIO_GRACE`` bytes, so small files never trip it);
* the compressed data is corrupt or truncated (CRC, zlib or end-of-stream errors);
* a whole-document read passes ``max_document_mib``.

A line longer than ``max_line_mib`` is skipped without being held in memory: iterating the
stream yields an ``OverlongLine`` marker in its place, so readers quarantine it by number.
A UTF-8 byte-order mark at the start is dropped. The reason reading stopped early is left in
``SafeStream.error`` for the import to quarantine. Limits come from ``[import]`` in antena.toml.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import IO, Any

MIB = 1 << 20
CHUNK = 1 << 20
RATIO_GRACE = 1 * MIB
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Limits:
    """How much one input may hold (``[import]`` settings in antena.toml)."""

    max_line_mib: float = 16
    max_document_mib: float = 256
    max_member_gib: float = 4
    max_ratio: float = 200

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Limits:
        section = (config or {}).get("import", {}) or {}
        values = {}
        for name in ("max_line_mib", "max_document_mib", "max_member_gib", "max_ratio"):
            value = section.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                values[name] = float(value)
        return cls(**values)

    @property
    def line_bytes(self) -> int:
        return int(self.max_line_mib * MIB)

    @property
    def document_bytes(self) -> int:
        return int(self.max_document_mib * MIB)

    @property
    def member_bytes(self) -> int:
        return int(self.max_member_gib * 1024 * MIB)


class Gunzip(io.RawIOBase):
    """Streaming gzip decompression (several members allowed) that keeps every byte it could
    decompress before a damaged or truncated part, then raises ``EOFError``/``zlib.error``.
    With ``wbits=-15`` and ``size`` it inflates one raw deflate stream (a zip member)."""

    def __init__(self, raw: IO[bytes], piece: int = 8 * 1024, wbits: int = 31, size: int | None = None) -> None:
        super().__init__()
        self.raw = raw
        self.piece = piece
        self.wbits = wbits
        self.left = size  # compressed bytes still to read (zip members), None for gzip
        self.consumed = 0  # compressed bytes fed to zlib
        self._inflater = zlib.decompressobj(wbits)
        self._ready = b""
        self._failure: Exception | None = None
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = CHUNK if size is None or size < 0 else size
        while len(self._ready) < size and not self._done and self._failure is None:
            self._step()
        if not self._ready and self._failure is not None:
            failure, self._failure = self._failure, None
            self._done = True
            raise failure
        data, self._ready = self._ready[:size], self._ready[size:]
        return data

    def _step(self) -> None:
        try:
            if self._inflater.eof and self.left is not None:
                self._done = True
                return
            if self._inflater.eof:
                rest = self._inflater.unused_data
                if not rest.strip(b"\x00"):
                    rest += self.raw.read(self.piece)
                    self.consumed += len(rest) - len(self._inflater.unused_data)
                    if not rest.strip(b"\x00"):
                        self._done = True
                        return
                self._inflater = zlib.decompressobj(31)
                self._ready += self._inflater.decompress(rest)
                return
            want = self.piece if self.left is None else min(self.piece, self.left)
            piece = self.raw.read(want) if want else b""
            self.consumed += len(piece)
            if self.left is not None:
                self.left -= len(piece)
            if not piece:
                self._ready += self._inflater.flush()
                self._failure = EOFError("the compressed file ends before its end marker (truncated)")
                return
            self._ready += self._inflater.decompress(piece)
        except zlib.error as exc:
            self._failure = exc

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


class OverlongLine(bytes):
    """Stands for a line that was longer than the limit (its bytes were not kept). It reads as
    a blank line (never as end of file) to code that does not know it."""

    length: int

    def __new__(cls, length: int) -> OverlongLine:
        marker = super().__new__(cls, b"\n")
        marker.length = length
        return marker


class SafeStream(io.RawIOBase):
    """A read-only byte stream over a (de)compressing reader, enforcing ``Limits``."""

    def __init__(self, inner: IO[bytes], limits: Limits | None = None, compressed: Any = None) -> None:
        """``compressed`` is a zero-argument function giving the compressed bytes read so far
        (None for uncompressed input)."""
        super().__init__()
        self.inner = inner
        self.limits = limits or Limits()
        self.compressed = compressed
        self.error = ""
        self.total = 0  # decompressed bytes taken from inner
        self._buf = b""  # unread data is self._buf[self._pos:]
        self._pos = 0
        self._eof = False
        self._started = False

    # ------------------------------------------------------------------ filling

    def _pending(self) -> int:
        return len(self._buf) - self._pos

    def _fill(self) -> bool:
        """Append one chunk to the unread data; False at end of data (or after an error)."""
        if self._eof:
            return False
        try:
            chunk = self.inner.read(CHUNK)
        except Exception as exc:  # noqa: BLE001 - EOFError, zlib.error, BadGzipFile, BadZipFile, OSError
            self._stop(f"the file is damaged or truncated after {self.total:,} bytes ({type(exc).__name__}: {exc})")
            return False
        if not chunk:
            self._eof = True
            return False
        if not self._started:
            self._started = True
            if chunk.startswith(BOM):
                chunk = chunk[len(BOM):]
        self.total += len(chunk)
        limits = self.limits
        if self.total > limits.member_bytes:
            self._stop(f"stopped after {limits.max_member_gib:g} GiB of decompressed data"
                       " ([import] max_member_gib in antena.toml)")
            return False
        if self.compressed is not None and self.total > RATIO_GRACE:
            packed = max(1, int(self.compressed() or 1))
            if self.total / packed > limits.max_ratio:
                self._stop(f"stopped: the data expands more than {limits.max_ratio:g} times its compressed size"
                           " (a decompression bomb?; [import] max_ratio in antena.toml)")
                return False
        self._buf = self._buf[self._pos:] + chunk if self._pos < len(self._buf) else chunk
        self._pos = 0
        return True

    def _stop(self, reason: str) -> None:
        self.error = self.error or reason
        self._eof = True

    def _take(self, size: int) -> bytes:
        data = self._buf[self._pos:self._pos + size]
        self._pos += len(data)
        return data

    # ------------------------------------------------------------------ io protocol

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if not self._pending():
            self._fill()
        data = self._take(len(target))
        target[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self._read_document()
        while self._pending() < size and self._fill():
            pass
        return self._take(size)

    def peek(self, size: int = 1) -> bytes:
        """The next ``size`` bytes without consuming them."""
        while self._pending() < size and self._fill():
            pass
        return self._buf[self._pos:self._pos + size]

    def read1(self, size: int = -1) -> bytes:
        if not self._pending():
            self._fill()
        return self._take(self._pending() if size is None or size < 0 else size)

    def _read_document(self) -> bytes:
        """The rest of the stream, up to ``max_document_mib`` (what fits is returned)."""
        limit = self.limits.document_bytes
        parts = [self._take(self._pending())]
        size = len(parts[0])
        while size <= limit and self._fill():
            parts.append(self._take(self._pending()))
            size += len(parts[-1])
        data = b"".join(parts)
        if len(data) > limit:
            self._stop(f"the document is larger than {self.limits.max_document_mib:g} MiB; only the first part"
                       " was read (save it as JSON lines, or raise [import] max_document_mib in antena.toml)")
            data = data[:limit]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = self.limits.line_bytes if size is None or size < 0 else size
        start = self._pos
        while True:
            newline = self._buf.find(b"\n", start)
            if newline >= 0:
                length = newline + 1 - self._pos
                if length > limit:
                    self._pos = newline + 1
                    return OverlongLine(length)
                return self._take(length)
            if self._pending() > limit:
                return self._skip_long_line()
            start = len(self._buf) - self._pos
            if not self._fill():
                return self._take(self._pending())

    def _skip_long_line(self) -> OverlongLine:
        """Drop bytes up to the next newline, holding at most one chunk at a time."""
        length = self._pending()
        self._buf, self._pos = b"", 0
        while self._fill():
            newline = self._buf.find(b"\n")
            if newline >= 0:
                length += newline + 1
                self._pos = newline + 1
                return OverlongLine(length)
            length += len(self._buf)
            self._buf, self._pos = b"", 0
        return OverlongLine(length)

    def __iter__(self) -> SafeStream:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line and not isinstance(line, OverlongLine):
            raise StopIteration
        return line

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()
