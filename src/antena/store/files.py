"""Opening input files (plain, .gz, .zip) and recognising their format."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from antena import registry
from antena.errors import FormatError
from antena.store.limits import Gunzip, Limits, SafeStream

SNIFF_BYTES = 64 * 1024


@dataclass
class InputFile:
    """One readable input: a file, or one member of a zip archive."""

    display: str  # what messages and provenance call it, e.g. "export.zip!tweets.jsonl"
    path: Path
    member: str | None = None
    limits: Limits = field(default_factory=Limits)
    broken: str = ""  # why the file cannot be opened at all (a damaged archive)

    def open(self) -> SafeStream:
        """The decompressed bytes, streamed under ``limits`` (see ``antena.store.limits``)."""
        if self.member is not None:
            inner, compressed = _open_member(self.path, self.member)
            name = self.member
        else:
            inner = open(self.path, "rb")  # noqa: SIM115
            compressed, name = None, self.path.name
        if name.endswith(".gz"):
            gunzip = Gunzip(inner)
            inner = gunzip  # type: ignore[assignment]
            if compressed is None:
                compressed = lambda: gunzip.consumed  # noqa: E731
        return SafeStream(inner, self.limits, compressed)

    def head(self) -> bytes:
        with self.open() as stream:
            return stream.read(SNIFF_BYTES)

    @property
    def inner_name(self) -> str:
        name = self.member or self.path.name
        return name[:-3] if name.endswith(".gz") else name

    def sha256(self) -> str:
        """Hash of the file as stored (compressed bytes for .gz): identifies the file cheaply."""
        digest = hashlib.sha256()
        if self.member is not None:
            opener = zipfile.ZipFile(self.path).open(self.member)
        else:
            opener = open(self.path, "rb")  # noqa: SIM115
        with opener as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


def _open_member(path: Path, member: str) -> tuple[IO[bytes], Callable[[], int] | None]:
    """A zip member's bytes and a function giving the compressed bytes consumed so far.

    Deflated members are inflated here, piece by piece, so the compression ratio is known
    as it grows and the data before a damaged part is kept; other methods go through zipfile
    (their ratio is then measured against the member's whole compressed size)."""
    archive = zipfile.ZipFile(path)
    info = archive.getinfo(member)
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        raw = open(path, "rb")  # noqa: SIM115
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) == 30 and header[:4] == b"PK\x03\x04":
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            raw.seek(info.header_offset + 30 + name_length + extra_length)
            archive.close()
            inflater = Gunzip(raw, wbits=-15, size=info.compress_size)
            return inflater, lambda: inflater.consumed
        raw.close()
    inner = archive.open(info)
    if info.compress_type == zipfile.ZIP_STORED:
        return inner, None
    return inner, lambda: info.compress_size


def expand_inputs(paths: list[Path], limits: Limits | None = None) -> Iterator[InputFile]:
    """Files to import: folders are walked, zip archives opened member by member."""
    limits = limits or Limits()
    for path in paths:
        if not path.exists():
            raise FormatError(f"{path}: no such file")
        if path.is_dir():
            yield from expand_inputs(sorted(p for p in path.rglob("*") if p.is_file()), limits)
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as archive:
                    members = archive.namelist()
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                yield InputFile(str(path), path, None, limits, broken=f"damaged zip archive ({exc})")
                continue
            for member in members:
                if not member.endswith("/") and not member.startswith("__MACOSX"):
                    yield InputFile(f"{path}!{member}", path, member, limits)
        else:
            yield InputFile(str(path), path, None, limits)


def detect_format(item: InputFile, head: bytes | None = None) -> str:
    """The registered source most confident it can read ``item``; FormatError if none."""
    head = item.head() if head is None else head
    if not head.strip():
        raise FormatError(f"{item.display}: the file is empty")
    scores = []
    for name, cls in registry.sources().items():
        try:
            score = float(cls().sniff(head, item.inner_name))
        except Exception:  # a sniffer must never stop detection of other formats
            score = 0.0
        if score > 0:
            scores.append((score, name))
    if not scores:
        preview = head[:80].decode("utf-8", "replace").replace("\n", "\\n")
        raise FormatError(
            f"{item.display}: unknown format (starts with {preview!r}); "
            f"name it with --format (see `antena formats`)"
        )
    scores.sort(reverse=True)
    return scores[0][1]


def text_stream(stream: IO[bytes]) -> IO[str]:
    """Decode a byte stream as UTF-8 (BOM tolerated) for CSV readers."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
