"""Surface variation of synthetic texts: slang, dropped accents, elongations, typos, emoji.

Real posts are rarely tidy; the demo's texts should not be either, so that analysers meet
"xq", "q", "tmb", "siiii" and "nadie hace nadaaa" as they would in real data. Tokens that
carry a planted signal (hashtags, @mentions, URLs, "alerta amber", target names) are never
altered, so the planted truth stays readable in the text.
"""

from __future__ import annotations

import random

SLANG_ES = {
    "porque": "xq",
    "por qué": "x q",
    "que": "q",
    "también": "tmb",
    "por favor": "porfa",
    "para": "pa",
    "de verdad": "neta",
    "mensaje": "msj",
    "gracias": "grax",
}
SLANG_EN = {"you": "u", "are": "r", "please": "pls", "because": "bc", "people": "ppl", "to": "2"}

ACCENTS = str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU")

# Words whose spelling carries the planted signal, never misspelt.
PROTECTED = frozenset(
    {"alerta", "amber", "pgr", "fgr", "dif", "niños", "robados", "ninos", "policía", "policia",
     "police", "ngo", "gobierno", "autoridades", "government", "authorities"}
)

EMOJI = ("🙏", "😢", "😡", "💔", "😭", "🇲🇽", "👶", "🚨", "❤️", "🤬", "😔", "🕯️", "‼️", "👀", "💪")


def vary(text: str, rng: random.Random, lang: str) -> str:
    """Return ``text`` with a few random, human-looking alterations."""
    roll = rng.random()
    if lang == "es" and roll < 0.35:
        text = _slang(text, rng, SLANG_ES)
    elif lang == "en" and roll < 0.2:
        text = _slang(text, rng, SLANG_EN)
    if lang == "es" and rng.random() < 0.3:
        text = _drop_accents(text)
    if rng.random() < 0.15:
        text = _elongate(text, rng)
    if rng.random() < 0.12:
        text = _typo(text, rng)
    roll = rng.random()
    if roll < 0.12:
        text = text.lower()
    elif roll < 0.16:
        text = _upper_outside_tags(text)
    if rng.random() < 0.15:
        text = text.rstrip(".") + rng.choice(("!!", "!!!", "...", " ??", "!!1"))
    if rng.random() < 0.35:
        text = text + " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    return text


def _words(text: str) -> list[str]:
    return text.split(" ")


def _editable(word: str) -> bool:
    core = word.strip(".,;:!?¿¡()\"'").lower()
    return bool(core) and not word.startswith(("#", "@", "http")) and core not in PROTECTED


def _slang(text: str, rng: random.Random, table: dict[str, str]) -> str:
    words = _words(text)
    for i, word in enumerate(words):
        bare = word.lower().strip(".,;:!?¿¡")
        if bare in table and _editable(word) and rng.random() < 0.6:
            words[i] = word.lower().replace(bare, table[bare])
    joined = " ".join(words)
    for phrase in ("por favor", "de verdad", "por qué"):
        if phrase in joined and phrase in table and rng.random() < 0.5:
            joined = joined.replace(phrase, table[phrase])
    return joined


def _drop_accents(text: str) -> str:
    return " ".join(w if not _editable(w) else w.translate(ACCENTS) for w in _words(text))


def _elongate(text: str, rng: random.Random) -> str:
    """Stretch the last vowel of one word: "si" -> "siiii", "nada" -> "nadaaaa"."""
    words = _words(text)
    candidates = [i for i, w in enumerate(words) if _editable(w) and w.rstrip(".,!?")[-1:].lower() in "aeiouy"]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    stripped = word.rstrip(".,!?")
    tail = word[len(stripped):]
    words[i] = stripped + stripped[-1] * rng.randint(2, 5) + tail
    return " ".join(words)


def _typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent letters in one longer word."""
    words = _words(text)
    candidates = [i for i, w in enumerate(words) if _editable(w) and len(w) > 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def _upper_outside_tags(text: str) -> str:
    return " ".join(w if w.startswith(("#", "@", "http")) else w.upper() for w in _words(text))
