"""Language identification for short, noisy posts with py3langid (BSD, model bundled).

The platform's declared language wins when the text is too short to judge; otherwise the
detector decides. ``language_score`` is the detector's normalised probability.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.registry import register_analyser

_NOISE = re.compile(r"https?://\S+|[@#]\w+|\d+")
MIN_LETTERS = 12


@register_analyser
class Language(Analyser):
    """Adds ``language`` (ISO 639-1, or "und") and ``language_score``."""

    name = "language"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text", "lang")
    assigns: ClassVar[dict[str, pa.DataType]] = {"language": pa.string(), "language_score": pa.float32()}

    def __init__(self, languages: list[str] | None = None, **config: Any) -> None:
        super().__init__(languages=languages, **config)
        self.languages = languages  # restrict the detector (None: all 97 languages)
        self._identifier: Any = None

    def _ident(self) -> Any:
        if self._identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            if self.languages:
                ident.set_languages(self.languages)
            self._identifier = ident
        return self._identifier

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = column_or_empty(batch, "text")
        declared = column_or_empty(batch, "lang")
        langs: list[str] = []
        scores: list[float] = []
        for text, lang in zip(texts, declared, strict=True):
            clean = _NOISE.sub(" ", text) if isinstance(text, str) else ""
            letters = sum(ch.isalpha() for ch in clean[:2000])
            if letters < MIN_LETTERS:
                langs.append(lang or "und")
                scores.append(0.0)
                continue
            code, prob = self._ident().classify(clean[:2000])
            langs.append(code)
            scores.append(float(prob))
        return self.result(batch, {"language": langs, "language_score": scores})
