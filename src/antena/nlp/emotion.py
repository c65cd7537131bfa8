"""Post-level emotion (anger, fear, sadness, joy, surprise, disgust, other)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from antena.nlp.base import Analyser
from antena.nlp.sentiment import post_languages, texts_of
from antena.registry import register_analyser


@register_analyser
class Emotion(Analyser):
    """Adds ``emotion`` and ``emotion_score`` (its probability; model: docs/models/emotion.md)."""

    name = "emotion"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text", "lang")
    uses: ClassVar[tuple[str, ...]] = ("language",)
    assigns: ClassVar[dict[str, pa.DataType]] = {"emotion": pa.string(), "emotion_score": pa.float32()}

    def __init__(self, model_path: str | None = None, **config: Any) -> None:
        super().__init__(model_path=model_path, **config)
        self.model_path = model_path

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        from antena.models import load_model

        model = load_model("emotion", self.model_path)
        proba = model.predict_proba(texts_of(batch), post_languages(batch))
        blank = [i for i, text in enumerate(texts_of(batch)) if not text.strip()]
        if blank and "other" in model.labels:  # nothing said: other, for certain
            proba[blank] = 0.0
            proba[blank, model.labels.index("other")] = 1.0
        best = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        labels = np.array(model.labels, dtype=object)
        return self.result(batch, {
            "emotion": pa.array(labels[best].tolist(), type=pa.string()),
            "emotion_score": pa.array(proba[np.arange(len(best)), best], type=pa.float32()),
        })
