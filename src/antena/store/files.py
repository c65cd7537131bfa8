"""Opening input files (plain, .gz, .zip) and recognising their format."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from antena import registry
from antena.errors import FormatError

SNIFF_BYTES = 64 * 1024


@dataclass
class InputFile:
    """One readable input: a file, or one member of a zip archive."""

    display: str  # what messages and provenance call it, e.g. "export.zip!tweets.jsonl"
    path: Path
    member: str | None = None

    def open(self) -> IO[bytes]:
        if self.member is not None:
            archive = zipfile.ZipFile(self.path)
            inner = archive.open(self.member)
            return _maybe_gunzip(inner, self.member)
        return _maybe_gunzip(open(self.path, "rb"), self.path.name)  # noqa: SIM115

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


def _maybe_gunzip(stream: IO[bytes], name: str) -> IO[bytes]:
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


def expand_inputs(paths: list[Path]) -> Iterator[InputFile]:
    """Files to import: folders are walked, zip archives opened member by member."""
    for path in paths:
        if not path.exists():
            raise FormatError(f"{path}: no such file")
        if path.is_dir():
            yield from expand_inputs(sorted(p for p in path.rglob("*") if p.is_file()))
        elif zipfile.is_zipfile(path) and path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    if not member.endswith("/") and not member.startswith("__MACOSX"):
                        yield InputFile(f"{path}!{member}", path, member)
        else:
            yield InputFile(str(path), path)


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
