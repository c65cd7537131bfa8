"""Topics: the project's trafficking taxonomy, multi-label, from seed terms in ``antena.toml``.

Each ``[[topics]]`` entry has seeds (words, phrases, wildcards, #hashtags). A topic's confidence
grows with the number of distinct seeds found: ``1 - exp(-0.9 * hits)``; a topic is assigned at
``min_confidence`` (one clear seed is enough by default).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.nlp.textutil import as_tuple, compile_terms, find_terms, fold
from antena.registry import register_analyser

TOPIC_SCORE = pa.struct([pa.field("topic", pa.string()), pa.field("score", pa.float32())])


@register_analyser
class Topics(Analyser):
    """Adds ``topics`` (list of topic ids) and ``topic_scores`` (topic, score) pairs."""

    name = "topics"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "topics": pa.list_(pa.string()), "topic_scores": pa.list_(TOPIC_SCORE),
    }

    def __init__(self, topics: list[dict[str, Any]] | None = None, min_confidence: float = 0.5, **config: Any) -> None:
        super().__init__(topics=topics, min_confidence=min_confidence, **config)
        self.topics = topics or []
        self.min_confidence = min_confidence

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = column_or_empty(batch, "text")
        norms = column_or_empty(batch, "text_norm")
        compiled = [(t["id"], compile_terms(as_tuple(t.get("seeds")))) for t in self.topics]
        labels, scores = [], []
        for text, norm in zip(texts, norms, strict=True):
            folded = f"{fold(text)} \n {fold(norm)}" if text else ""
            row_labels, row_scores = [], []
            for topic_id, pattern in compiled:
                hits = len(set(find_terms(pattern, folded)))
                if hits:
                    score = 1.0 - math.exp(-0.9 * hits)
                    row_scores.append({"topic": topic_id, "score": score})
                    if score >= self.min_confidence:
                        row_labels.append(topic_id)
            labels.append(row_labels)
            scores.append(row_scores)
        return self.result(batch, {"topics": labels, "topic_scores": scores})
