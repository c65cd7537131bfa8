"""Post-level sentiment (negative / neutral / positive) from the packaged linear model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.registry import register_analyser


def post_languages(batch: pa.RecordBatch) -> list[str | None]:
    """The detected ``language`` when an earlier analyser added it, else the platform's ``lang``."""
    detected = column_or_empty(batch, "language")
    declared = column_or_empty(batch, "lang")
    return [
        d if d and d != "und" else (lang or None)
        for d, lang in zip(detected, declared, strict=True)
    ]


def texts_of(batch: pa.RecordBatch) -> list[str]:
    return [t if isinstance(t, str) else "" for t in column_or_empty(batch, "text")]


@register_analyser
class Sentiment(Analyser):
    """Adds ``sentiment`` and its three probabilities (model: docs/models/sentiment.md)."""

    name = "sentiment"
    version = "2"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text", "lang")
    uses: ClassVar[tuple[str, ...]] = ("language",)
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "sentiment": pa.string(),
        "sentiment_negative": pa.float32(),
        "sentiment_neutral": pa.float32(),
        "sentiment_positive": pa.float32(),
    }

    def __init__(self, model_path: str | None = None, **config: Any) -> None:
        super().__init__(model_path=model_path, **config)
        self.model_path = model_path

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        from antena.models import load_model

        model = load_model("sentiment", self.model_path)
        proba = model.predict_proba(texts_of(batch), post_languages(batch)).astype(np.float32)
        order = [model.labels.index(k) for k in ("negative", "neutral", "positive")]
        proba = proba[:, order] if len(proba) else np.zeros((0, 3), dtype=np.float32)
        blank = [i for i, text in enumerate(texts_of(batch)) if not text.strip()]
        proba[blank] = (0.0, 1.0, 0.0)  # nothing said: neutral
        labels = np.array(["negative", "neutral", "positive"])
        return self.result(batch, {
            "sentiment": pa.array(labels[proba.argmax(axis=1)] if len(proba) else [], type=pa.string()),
            "sentiment_negative": pa.array(proba[:, 0], type=pa.float32()),
            "sentiment_neutral": pa.array(proba[:, 1], type=pa.float32()),
            "sentiment_positive": pa.array(proba[:, 2], type=pa.float32()),
        })
