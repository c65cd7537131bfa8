"""Normalisation for noisy social-media text (Mexican Spanish first, English too).

URLs become ``url``; @mentions are kept (targets are often @handles); emoji are kept as signal;
elongations are collapsed (``siiii`` -> ``si``); hashtags are segmented (``#RoboDeNiños`` ->
``robo de niños``, ``#alertaamber`` -> ``alerta amber`` when the words are known); common
abbreviations and slang are expanded (``xq`` -> ``porque``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.registry import register_analyser

SLANG = {
    "xq": "porque", "pq": "porque", "porq": "porque", "xk": "porque", "q": "que", "k": "que",
    "tmb": "también", "tb": "también", "tmbn": "también", "x": "por", "xfa": "por favor",
    "porfa": "por favor", "plis": "por favor", "d": "de", "bn": "bien", "sl2": "saludos",
    "ntp": "no te preocupes", "nmms": "no mames", "alv": "a la verga", "vdd": "verdad",
    "neta": "en serio", "wey": "güey", "we": "güey", "ke": "que", "dnd": "donde",
    "tqm": "te quiero mucho", "msj": "mensaje", "info": "información", "gob": "gobierno",
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "thx": "thanks", "idk": "i don't know",
    "omg": "oh my god", "b4": "before", "r": "are", "govt": "government",
}

# Words used to split lower-case hashtags; CamelCase hashtags split on their capitals.
HASHTAG_WORDS = set(
    """robo de ninos niños ninas niñas nino niño nina niña alerta amber mx mexico méxico trata
    personas yo doy esperanza give hope i atencion atención pgr fgr ciudad todos desaparecidos
    desaparecidas no mas más ni una menos secuestro secuestros trafico tráfico organos órganos
    infantil explotacion explotación laboral sexual justicia para buscamos a busqueda búsqueda
    ayuda comparte difunde stop human trafficking missing child children kids kidnapping alert
    end slavery modern los las el la del en por con sin al save our""".split()
)

_URL = re.compile(r"https?://\S+|www\.\S+")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"[A-ZÁÉÍÓÚÑ]+(?![a-záéíóúñ])|[A-ZÁÉÍÓÚÑ]?[a-záéíóúñü]+|\d+")
_WORD = re.compile(r"\b\w+\b")


@lru_cache(maxsize=65536)
def segment_hashtag(tag: str) -> str:
    """``RoboDeNiños`` -> ``robo de niños``; ``alertaamber`` -> ``alerta amber`` (known words)."""
    if any(c.isupper() for c in tag[1:]):
        return " ".join(p.lower() for p in _CAMEL.findall(tag)) or tag.lower()
    lower = tag.lower()
    n = len(lower)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 12), end):
            prev = best[start]
            word = lower[start:end]
            if prev is not None and word in HASHTAG_WORDS:
                candidate = prev + [word]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return " ".join(best[n]) if best[n] else lower


def normalise_text(text: str | None) -> str:
    """The normalised form of one post's text ("" for no text)."""
    if not text:
        return ""
    text = _URL.sub(" url ", text)
    text = _HASHTAG.sub(lambda m: " " + segment_hashtag(m.group(1)) + " ", text)
    text = _ELONGATED.sub(r"\1", text)
    text = _WORD.sub(lambda m: SLANG.get(m.group(0).lower(), m.group(0)), text)
    return " ".join(text.split()).lower()


@register_analyser
class Normalise(Analyser):
    """Adds ``text_norm``: the text prepared for matching and models."""

    name = "normalise"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    assigns: ClassVar[dict[str, pa.DataType]] = {"text_norm": pa.string()}

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts: list[Any] = column_or_empty(batch, "text")
        return self.result(batch, {"text_norm": [normalise_text(t if isinstance(t, str) else None) for t in texts]})
