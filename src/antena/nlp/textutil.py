"""Text helpers shared by the rule-based analysers: folding and term matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_COMBINING = re.compile(r"[\u0300-\u036f]")
MAX_MATCH_CHARS = 20_000  # rule matching looks at the first 20,000 characters of a post


def fold(text: str | None) -> str:
    """Lower-case and strip accents (``Niños`` -> ``ninos``), keeping other characters."""
    if not text:
        return ""
    return _COMBINING.sub("", unicodedata.normalize("NFD", text[:MAX_MATCH_CHARS].lower()))


def term_pattern(term: str) -> str:
    """Regex for one seed term over folded text: whole words, ``*`` as a word-suffix wildcard.

    ``#tag`` and ``@handle`` match as written (folded); phrases allow any whitespace between words.
    """
    folded = fold(term.strip())
    words = folded.split()
    parts = []
    for word in words:
        escaped = re.escape(word.rstrip("*"))
        parts.append(escaped + (r"\w*" if word.endswith("*") else ""))
    body = r"\s+".join(parts)
    return rf"(?<![\w#@]){body}(?!\w)" if folded[:1] not in "#@" else rf"(?<![\w]){body}(?!\w)"


@lru_cache(maxsize=256)
def compile_terms(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation regex for many terms; None when there are none."""
    patterns = [term_pattern(t) for t in terms if t and t.strip()]
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def find_terms(pattern: re.Pattern[str] | None, folded: str) -> list[str]:
    if pattern is None or not folded:
        return []
    return [m.group(0) for m in pattern.finditer(folded)]


def as_tuple(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(values or ())
