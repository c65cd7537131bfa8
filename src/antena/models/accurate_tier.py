"""The accurate tier's predictions: the ONNX model averaged with the fast model, per task.

``meta.json`` of an accurate model holds ``ensemble``: the accurate model's weight per task
(chosen on validation by :func:`choose_weight`; the fast model gets the rest). Sentiment and
emotion average the two models' probabilities per post; target sentiment keeps the fast target
model's windows and aliases (:class:`~antena.nlp.target_sentiment.TargetSentiment`) and averages
its judgement of each window with the accurate sentiment of that window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from antena.models.accurate import AccurateModel
from antena.nlp.target_sentiment import LABELS, TargetSentiment

FAST_TASK = {"sentiment": "sentiment", "emotion": "emotion"}


def weight(model: AccurateModel, task: str) -> float:
    """The accurate model's share for ``task`` (1.0 for a task the meta names no weight for;
    0.5 for target sentiment, whose windows the fast target model also judges)."""
    return float(model.meta.get("ensemble", {}).get(task, 0.5 if task == "target_sentiment" else 1.0))


def fast_proba(task: str, texts: list[str], langs: list[str | None], labels: list[str]) -> np.ndarray:
    """The fast model's probabilities, columns in ``labels``' order."""
    from antena.models import load_model

    fast = load_model(FAST_TASK[task])
    proba = fast.predict_proba(texts, langs)
    return np.asarray(proba, dtype=np.float32)[:, [fast.labels.index(k) for k in labels]]


def combine(accurate: np.ndarray, fast: np.ndarray | None, share: float) -> np.ndarray:
    if fast is None or share >= 1.0:
        return accurate
    return share * accurate + (1.0 - share) * fast


def predict(model: AccurateModel, task: str, texts: list[str], langs: list[str | None]) -> np.ndarray:
    """Ensembled probabilities for ``task`` (columns: ``model.labels[task]``)."""
    if task not in model.tasks:
        raise ValueError(f"this accurate model has no {task} head (it has {', '.join(model.tasks)})")
    share = weight(model, task)
    accurate = model.predict_proba(task, texts)
    fast = fast_proba(task, texts, langs, model.labels[task]) if share < 1.0 else None
    return combine(accurate, fast, share)


def choose_weight(gold: list[list[str]], accurate: list[np.ndarray], fast: list[np.ndarray],
                  labels: list[str], grid: int = 10) -> tuple[float, dict[float, float]]:
    """The accurate share in 0, 0.1, ..., 1 maximising the mean macro-F1 over the validation
    splits given (one gold list and two probability matrices per split); ties go to the larger
    share. Returns the share and the mean macro-F1 of every share tried."""
    from sklearn.metrics import f1_score

    means: dict[float, float] = {}
    for step in range(grid + 1):
        share = step / grid
        scores = []
        for g, a, f in zip(gold, accurate, fast, strict=True):
            pred = [labels[i] for i in combine(a, f, share).argmax(1)]
            scores.append(f1_score(g, pred, labels=sorted(set(g)), average="macro"))
        means[share] = round(float(np.mean(scores)), 4)
    best = max(means, key=lambda s: (means[s], s))
    return best, means


class AccurateTargetSentiment(TargetSentiment):
    """Target sentiment with the fast analyser's windows (clause around each alias mention),
    each judged by the fast target model and the accurate sentiment of the window, averaged
    with the accurate model's sentiment share."""

    def __init__(self, model: AccurateModel, targets: list[dict[str, Any]] | None = None,
                 share: float | None = None, cache: dict[str, np.ndarray] | None = None, **config: Any) -> None:
        super().__init__(targets=targets, **config)
        self.accurate = model
        self.share = weight(model, "target_sentiment") if share is None else share
        self._seen = {} if cache is None else cache  # window -> accurate probabilities

    def _judge(self, contexts: list[str], masked: list[str], langs: list[str | None],
               whole: list[str] | None = None, unnamed: list[bool] | None = None) -> np.ndarray:
        fast = super()._judge(contexts, masked, langs, whole, unnamed)
        if not contexts or self.share <= 0:
            return fast
        labels = self.accurate.labels["sentiment"]
        new = sorted({c for c in contexts if c not in self._seen})
        if new:
            probs = self.accurate.predict_proba("sentiment", new)[:, [labels.index(k) for k in LABELS]]
            self._seen.update(zip(new, probs, strict=True))
        accurate = np.stack([self._seen[c] for c in contexts])
        return combine(accurate, fast, self.share)
