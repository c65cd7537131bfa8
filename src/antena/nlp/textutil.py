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


_TOKEN = re.compile(r"[#@]?\w+")


def tokens(folded: str) -> list[str]:
    """Word tokens of folded text; #hashtags and @handles stay single tokens with their sign."""
    return _TOKEN.findall(folded)


class TermMatcher:
    """Finds which seed terms occur in a text by token lookup, in time linear in the text.

    Whole words, phrases as consecutive words, ``*`` as a suffix wildcard on a term's last word,
    ``#tag``/``@handle`` as written (folded).
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.exact: dict[tuple[str, ...], str] = {}
        # wildcard terms by the stem of their last word: stem -> [(leading words, term)]
        self.prefix: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for term in terms:
            words = tokens(fold(term.strip().rstrip("*")))
            if not words:
                continue
            if term.strip().endswith("*"):
                self.prefix.setdefault(words[-1], []).append((tuple(words[:-1]), term))
            else:
                self.exact[tuple(words)] = term
        self.lengths = sorted({len(k) for k in self.exact if len(k) > 1})
        self.single = {k[0]: t for k, t in self.exact.items() if len(k) == 1}
        self.starts = {k[0] for k in self.exact if len(k) > 1}  # first words of phrases
        self.stem_lengths = sorted({len(stem) for stem in self.prefix})
        self.heads = {stem[:2] for stem in self.prefix}  # a word can end a wildcard term only if it starts so

    def find(self, folded: str) -> set[str]:
        """The terms found in ``folded`` text."""
        words = tokens(folded)
        found: set[str] = set()
        n = len(words)
        single, starts, heads, prefix, exact = self.single, self.starts, self.heads, self.prefix, self.exact
        for i, word in enumerate(words):
            term = single.get(word)
            if term is not None:
                found.add(term)
            if word in starts:
                for length in self.lengths:
                    if i + length <= n:
                        term = exact.get(tuple(words[i:i + length]))
                        if term is not None:
                            found.add(term)
            if word[:2] in heads or word[:1] in heads:  # as the last word of a wildcard term: look its prefixes up
                for size in self.stem_lengths:
                    if size > len(word):
                        break
                    for lead, term in prefix.get(word[:size], ()):
                        k = len(lead)
                        if i >= k and tuple(words[i - k:i]) == lead:
                            found.add(term)
        return found


@lru_cache(maxsize=256)
def term_matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


def as_tuple(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(values or ())
