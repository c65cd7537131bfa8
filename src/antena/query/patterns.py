"""RE2 patterns that match user words case- and accent-insensitively as whole words.

Matching is equivalent to comparing ``strip_accents(lower(text))`` with the normalised word,
but runs on the raw text: each letter of the (normalised) word becomes a character class of
its accented forms (``n`` -> ``[nñńņň…]``), so DuckDB never has to rewrite every post.
A "word character" is an ASCII letter, digit or ``_``, or a character of the letter blocks of
Unicode (Latin, Greek, Cyrillic, Arabic, Indic, CJK...); punctuation (``¿¡«»“”…``), symbols and
emoji separate words. Explicit ranges, not ``\\pL``: with Unicode classes RE2 falls back to its slow
engine on large alternations (measured 100x slower).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

_WORD_RANGES = (
    r"a-z0-9_\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1FFF}\x{3040}-\x{D7FF}\x{F900}-\x{FDFF}\x{20000}-\x{3FFFF}"
)
WORD_CHAR = f"[{_WORD_RANGES}]"
NON_WORD = f"[^{_WORD_RANGES}]"
MARKS = r"[\x{300}-\x{36F}]*"  # combining accents of decomposed (NFD) text
START = rf"(?:^|{NON_WORD})"
END = rf"(?:{NON_WORD}|$)"
SEPARATOR = rf"{NON_WORD}+"
WILDCARD = rf"{WORD_CHAR}*"
CASE_INSENSITIVE = "(?i)"

_PIECES = re.compile(r"\s+|[\w*]+|[^\w\s*]+")


def normalise(text: str) -> str:
    """Lower-case and strip accents, like DuckDB's ``strip_accents(lower(text))``."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _fold_table() -> dict[str, str]:
    """Base letter -> RE2 class of every character that normalises to it (Latin, Greek, Cyrillic)."""
    variants: dict[str, set[str]] = defaultdict(set)
    for code in range(0x00C0, 0x2000):
        char = chr(code)
        if unicodedata.category(char)[0] != "L" or char != char.lower():
            continue  # upper case comes from RE2's (?i)
        base = normalise(char)
        if len(base) == 1 and base != char:
            variants[base].add(char)
    table = {}
    for base, chars in variants.items():
        members = "".join(sorted({base, *chars}))
        table[base] = "[" + members.replace("\\", "\\\\").replace("]", "\\]").replace("^", "\\^").replace("-", "\\-") + "]"
    return table


_FOLD = _fold_table()


def _letters(run: str) -> str:
    """Pattern for a run of word characters, ``*`` meaning any number of word characters."""
    out = []
    for char in run:
        if char == "*":
            out.append(WILDCARD)
        else:
            out.append(_FOLD.get(char, re.escape(char)) + MARKS)
    return "".join(out)


@dataclass(frozen=True)
class WordPattern:
    """Patterns for a word, phrase, tag or group of them: bounded at the start, at the end, or both."""

    lead: str
    trail: str
    full: str

    @classmethod
    def of(cls, core: str, starts_word: bool, ends_word: bool) -> WordPattern:
        start = START if starts_word else ""
        end = END if ends_word else ""
        return cls(start + core, core + end, start + core + end)

    @classmethod
    def either(cls, options: list[WordPattern]) -> WordPattern:
        return cls(*(alternatives([getattr(o, k) for o in options]) for k in ("lead", "trail", "full")))


def has_letters(text: str) -> bool:
    return any(c.isalnum() for c in text)


def words_pattern(text: str) -> WordPattern:
    """Pattern for a term or phrase: whitespace matches any run of separators, punctuation is literal."""
    norm = normalise(text).strip()
    parts = []
    for piece in _PIECES.findall(norm):
        if piece.isspace():
            parts.append(SEPARATOR)
        elif piece[0] == "*" or piece[0].isalnum() or piece[0] == "_":
            parts.append(_letters(piece))
        else:
            parts.append(re.escape(piece))
    return WordPattern.of("".join(parts), _is_word_edge(norm[:1]), _is_word_edge(norm[-1:]))


def literal_pattern(text: str) -> WordPattern:
    """Pattern for punctuation matched as written (``"*"`` is an asterisk, not a wildcard);
    whitespace still matches any run of separators."""
    norm = normalise(text).strip()
    core = SEPARATOR.join(re.escape(piece) for piece in norm.split())
    return WordPattern.of(core, False, False)


def _is_word_edge(char: str) -> bool:
    return bool(char) and (char == "*" or char == "_" or char.isalnum())


def tag_core(tag: str) -> str:
    """Core pattern of a hashtag or mention name (without its ``#``/``@``), wildcards allowed."""
    return _letters(normalise(tag))


_TAG_END = rf"(?:[^{_WORD_RANGES}.]|\.(?:{NON_WORD}|$)|$)"  # "@juan" is not "@juan.perez"


def tag_in_text(symbol: str, tag: str) -> WordPattern:
    """A hashtag or mention as written in the text: ``#name`` ending at a word boundary."""
    core = re.escape(symbol) + tag_core(tag)
    return WordPattern(core, core + _TAG_END, core + _TAG_END)


def alternatives(patterns: list[str]) -> str:
    return patterns[0] if len(patterns) == 1 else "(?:" + "|".join(patterns) + ")"


def near_pattern(left: WordPattern, right: WordPattern, distance: int) -> str:
    """``left`` and ``right`` in either order with at most ``distance`` words between them."""
    gap = rf"(?:{SEPARATOR}{WORD_CHAR}+){{0,{distance}}}{SEPARATOR}"
    return f"(?:{left.lead}{gap}{right.trail}|{right.lead}{gap}{left.trail})"
