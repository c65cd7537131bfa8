"""Posts of the public data in ``../shared/data`` addressed by (file, line), never copied.

The team's reference labels (``labels/relevance/*.tsv``) point at posts as ``file`` (relative to
the data root) and ``line`` (1-based physical line). :func:`read_post` returns the text of one
reference; :func:`iter_posts` walks every post of every dataset with a language hint; :func:`sha`
fingerprints a text so a label can detect that its file changed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from antena.models.datasets import UMSAB_LANGS, _unescape, data_root


@dataclass(frozen=True, slots=True)
class CorpusPost:
    file: str  # relative to the data root, with forward slashes
    line: int  # 1-based physical line
    text: str
    lang_hint: str | None


def sha(text: str) -> str:
    """The first 10 hex digits of the SHA-1 of a text (as stored in label files)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _text_column(rel: str) -> tuple[int | None, bool]:
    """(column of the text in a TSV line or None for a plain line, whether line 1 is a header)."""
    if rel.endswith("_text.txt"):
        return None, False
    if rel.startswith("sentiment/tass2020/"):
        return 1, False
    if rel.startswith("sentiment/semeval2017_en/A/"):
        return 2, False
    if rel.startswith(("sentiment/semeval2017_en/BD/", "sentiment/semeval2017_en/CE/")):
        return 3, False
    if rel.startswith("emotion/emoevent/"):
        return 2, True
    if rel.startswith("stance/cic_es/"):
        return 1, True
    raise ValueError(f"{rel}: not a post file of the public data")


def lang_hint(rel: str) -> str | None:
    """The language a dataset file is documented to hold (posts may still be in another)."""
    parts = rel.split("/")
    if parts[:2] == ["sentiment", "umsab"]:
        return UMSAB_LANGS.get(parts[2])
    if parts[0] == "sentiment" and parts[1] == "tass2020":
        return "es"
    if parts[:2] in (["emotion", "emoevent"], ["topics", "tweet_topicxl"]):
        return parts[2]
    if rel.startswith("stance/cic_es/"):
        return "es"
    return "en"


def post_files(root: Path | None = None) -> list[str]:
    """Every file of the public data that holds posts, relative to the root, sorted."""
    root = root or data_root()
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.name in ("README.md", "mapping.txt") or path.name.endswith("_labels.txt"):
            continue
        if path.suffix in (".txt", ".tsv", ".jsonl"):
            out.append(rel)
    return out


def _text_of(rel: str, raw: str) -> str | None:
    if rel.endswith(".jsonl"):
        try:
            return str(json.loads(raw).get("text") or "").strip() or None
        except ValueError:
            return None
    column, _ = _text_column(rel)
    if column is None:
        return raw.strip() or None
    cells = next(csv.reader([raw], delimiter="\t", quoting=csv.QUOTE_NONE), [])
    if len(cells) <= column:
        return None
    text = _unescape(cells[column].strip())
    if rel.startswith("sentiment/semeval2017_en/") and len(text) > 1 and text[0] == '"' == text[-1]:
        text = text[1:-1].replace('""', '"')
    return text or None


@lru_cache(maxsize=64)
def _file_lines(path: str) -> tuple[str, ...]:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return tuple(handle.read().splitlines())


def iter_file(rel: str, root: Path | None = None) -> Iterator[CorpusPost]:
    """Posts of one file with their physical line numbers (headers and empty lines skipped)."""
    root = root or data_root()
    header = rel.endswith(".tsv") and _text_column(rel)[1]
    hint = lang_hint(rel)
    for number, raw in enumerate(_file_lines(str(root / rel)), start=1):
        if header and number == 1:
            continue
        text = _text_of(rel, raw)
        if text:
            yield CorpusPost(rel, number, text, hint)


def iter_posts(root: Path | None = None) -> Iterator[CorpusPost]:
    """Every post of the public data, file by file."""
    for rel in post_files(root):
        yield from iter_file(rel, root)


def read_post(rel: str, line: int, root: Path | None = None) -> str:
    """The text at ``rel`` line ``line``; raises ``KeyError`` when the line holds no post."""
    root = root or data_root()
    lines = _file_lines(str(root / rel))
    if not 1 <= line <= len(lines):
        raise KeyError(f"{rel}:{line}: no such line")
    text = _text_of(rel, lines[line - 1])
    if not text:
        raise KeyError(f"{rel}:{line}: no post on this line")
    return text
