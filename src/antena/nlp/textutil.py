"""Text helpers shared by the rule-based analysers: folding and term matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_COMBINING = re.compile(r"[\u0300-\u036f]")
MAX_MATCH_CHARS = 20_000  # rule matching looks at the first 20,000 characters of a post
WORD_MEMO_LIMIT = 200_000  # words a matcher remembers the possible matches of; then it starts again


def fold(text: str | None) -> str:
    """Lower-case and strip accents (``Niños`` -> ``ninos``), keeping other characters."""
    if not text:
        return ""
    text = text[:MAX_MATCH_CHARS].lower()
    if text.isascii():  # nothing to decompose or strip
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


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
        self._memo: dict[str, tuple] = {}  # word -> what it can match (see _word_info)

    def find(self, folded: str) -> set[str]:
        """The terms found in ``folded`` text."""
        words = tokens(folded)
        found: set[str] = set()
        n = len(words)
        exact = self.exact
        infos = list(map(self._memo.get, words))
        if None in infos:  # words not seen before
            infos = [info if info is not None else self._word_info(w) for w, info in zip(words, infos, strict=True)]
        for i, info in enumerate(infos):
            if not info:
                continue
            single, starts, wildcards = info
            if single is not None:
                found.add(single)
            if starts:
                for length in self.lengths:
                    if i + length <= n:
                        term = exact.get(tuple(words[i:i + length]))
                        if term is not None:
                            found.add(term)
            for lead, term in wildcards:  # the word ends a wildcard term: check the words before it
                k = len(lead)
                if i >= k and tuple(words[i - k:i]) == lead:
                    found.add(term)
        return found

    def _word_info(self, word: str) -> tuple:
        """What one word can take part in (memoised): the single-word term it is, whether a phrase
        starts with it, the wildcard terms it can end; ``()`` for a word that matters to no term."""
        wildcards: list[tuple[tuple[str, ...], str]] = []
        if word[:2] in self.heads or word[:1] in self.heads:
            for size in self.stem_lengths:
                if size > len(word):
                    break
                wildcards.extend(self.prefix.get(word[:size], ()))
        single = self.single.get(word)
        info = (single, word in self.starts, tuple(wildcards)) if single or wildcards or word in self.starts else ()
        if len(self._memo) >= WORD_MEMO_LIMIT:
            self._memo.clear()
        self._memo[word] = info
        return info


@lru_cache(maxsize=256)
def term_matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


def as_tuple(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(values or ())
