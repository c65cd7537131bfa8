"""Risk signals for human review: fraudulent recruitment offers, predatory replies, minors
oversharing personal data, and young people in distress (the context predatory replies exploit).

The rules live in ``antena.protect.signals`` (ids, weights, Spanish and English patterns,
explanations). This analyser only runs them: it flags, it never acts. ``antena review sync``
puts posts whose ``risk_score`` reaches ``[protect] threshold`` in a queue a person works
through. ``risk_reasons`` name the rules that fired and never quote the post.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.protect.signals import NOTHING, assess, prepare_array, triggered
from antena.registry import register_analyser


@register_analyser
class Risk(Analyser):
    """Adds ``risk_signals`` (signal ids), ``risk_score`` (0..1) and ``risk_reasons``."""

    name = "risk"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text", "kind")
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "risk_signals": pa.list_(pa.string()), "risk_score": pa.float32(), "risk_reasons": pa.list_(pa.string()),
    }

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if "text" in batch.schema.names:
            prepared = prepare_array(batch.column("text"))
            maybe = triggered(prepared)
        else:
            prepared, maybe = None, [False] * batch.num_rows
        kinds = column_or_empty(batch, "kind")
        signals, scores, reasons = [], [], []
        for i, (hit, kind) in enumerate(zip(maybe, kinds, strict=True)):
            found = assess(prepared[i].as_py(), kind or "post") if hit else NOTHING
            signals.append(found.signals)
            scores.append(found.score)
            reasons.append(found.reasons)
        return self.result(batch, {"risk_signals": signals, "risk_score": scores, "risk_reasons": reasons})
