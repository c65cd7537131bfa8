"""Topics: the project's trafficking taxonomy, multi-label, for relevant posts.

The relevance model (:mod:`antena.models.relevance_model`) gives one probability per topic of the
guidelines' taxonomy (``docs/relevance-guidelines.md``); a topic is listed at or above the model's
topic threshold, and a relevant post always gets at least its most likely topic (``other`` when
that is the best fit). Posts that are not relevant get no topics (their scores are still kept in
``topic_scores``).

Seed terms in ``antena.toml`` keep working beside the model, and are the only signal for a
project's own topics that the model does not know:

Each ``[[topics]]`` entry has seeds (words, phrases, wildcards, #hashtags). A topic's confidence
grows with the number of distinct seeds found: ``1 - exp(-0.9 * hits)``; a topic is assigned at
``min_confidence`` (one clear seed is enough by default).

When the project has a trained tagger (``antena topics train DIR --from labels.csv``, see
:mod:`antena.nlp.topic_tagger`), the engine passes its path as ``model``; a topic's score is then
``max(seed score, classifier probability)``, so examples teach the tagger phrasings no seed
covers while seeds keep working. The analyser's version becomes ``1+<model hash>``: retraining
re-analyses every post, and removing the model returns to the seeds' results.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from antena.models import relevance_model
from antena.nlp.base import Analyser, column_or_empty
from antena.nlp.textutil import TermMatcher, as_tuple, fold, term_matcher, tokens
from antena.nlp.topic_tagger import TopicModel, model_digest
from antena.registry import register_analyser

relevance_model_digest = relevance_model.model_digest

SCORE_FLOOR = 0.2  # classifier probabilities below this are not listed in topic_scores



def seed_key(term: str) -> tuple[bool, tuple[str, ...]]:
    """What a seed matches (wildcard?, folded words): spellings like órganos/organos are one seed."""
    stripped = term.strip()
    return stripped.endswith("*"), tuple(tokens(fold(stripped.rstrip("*"))))


@lru_cache(maxsize=64)
def seed_index(topics: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[TermMatcher, dict[tuple, list[str]]]:
    """One matcher over every topic's seeds (one pass per text) and the topics each seed signals."""
    owners: dict[tuple, list[str]] = {}
    for topic_id, seeds in topics:
        for seed in seeds:
            key = seed_key(seed)
            if key[1] and topic_id not in owners.setdefault(key, []):
                owners[key].append(topic_id)
    all_seeds = tuple(dict.fromkeys(seed for _, seeds in topics for seed in seeds if seed_key(seed)[1]))
    return term_matcher(all_seeds), owners


TOPIC_SCORE = pa.struct([pa.field("topic", pa.string()), pa.field("score", pa.float32())])


@register_analyser
class Topics(Analyser):
    """Adds ``topics`` (list of topic ids) and ``topic_scores`` (topic, score) pairs."""

    name = "topics"
    version = "3"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    uses: ClassVar[tuple[str, ...]] = ("text_norm", "language", "relevant")
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "topics": pa.list_(pa.string()), "topic_scores": pa.list_(TOPIC_SCORE),
    }

    def __init__(self, topics: list[dict[str, Any]] | None = None, min_confidence: float = 0.5,
                 model: str | None = None, relevance_model: str | None = None, **config: Any) -> None:
        super().__init__(topics=topics, min_confidence=min_confidence, model=model,
                         relevance_model=relevance_model, **config)
        self.topics = topics or []
        self.min_confidence = min_confidence
        self.model = model if model and Path(model).is_file() else None
        self.relevance_model = (relevance_model if relevance_model and Path(relevance_model, "meta.json").is_file()
                                else None)
        extra = [model_digest(self.model)] if self.model else []
        if self.relevance_model:
            extra.append(relevance_model_digest(self.relevance_model))
        if extra:  # the models' content is part of what this analyser computes
            self.version = "+".join([type(self).version, *extra])
        self._tagger: TopicModel | None = None

    def _probabilities(self, texts: list[str | None]) -> tuple[list[str], Any]:
        """The tagger's topics and probabilities (rows of texts), or nothing without a model."""
        if not self.model:
            return [], None
        if self._tagger is None:
            self._tagger = TopicModel(self.model)
        known = {t["id"] for t in self.topics}
        columns = [i for i, t in enumerate(self._tagger.topics) if t in known]
        probs = self._tagger.predict_proba(texts)
        return [self._tagger.topics[i] for i in columns], probs[:, columns]

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = column_or_empty(batch, "text")
        norms = column_or_empty(batch, "text_norm")
        langs = column_or_empty(batch, "language") if "language" in batch.schema.names else column_or_empty(batch, "lang")
        matcher, seed_topics = seed_index(tuple((t["id"], as_tuple(t.get("seeds"))) for t in self.topics))
        model = relevance_model.load(self.relevance_model)
        relevance, model_probs = relevance_model.scores_cached(model, texts, langs)
        if "relevant" in batch.schema.names:
            relevant = [bool(r) for r in batch.column("relevant").to_pylist()]
        else:
            relevant = [bool(p >= model.threshold) for p in relevance]
        known = [t["id"] for t in self.topics]
        model_columns = [(j, t) for j, t in enumerate(model.topics) if t in known]
        tagger_topics, tagger_probs = self._probabilities(texts)
        # plain floats, one list per post (indexing numpy scalars one by one was the loop's cost)
        model_rows = model_probs[:, [j for j, _ in model_columns]].tolist() if model_columns else [[]] * len(texts)
        tagger_rows = tagger_probs.tolist() if tagger_topics else [[]] * len(texts)
        model_ids = [t for _, t in model_columns]
        labels, scores = [], []
        for row, (text, norm) in enumerate(zip(texts, norms, strict=True)):
            folded = f"{fold(text)} . {fold(norm)}" if text else ""
            hits: dict[str, set[tuple[bool, tuple[str, ...]]]] = {}
            for term in matcher.find(folded) if folded else ():
                key = seed_key(term)
                for topic_id in seed_topics[key]:
                    hits.setdefault(topic_id, set()).add(key)
            found = {topic_id: 1.0 - math.exp(-0.9 * len(keys)) for topic_id, keys in hits.items()}
            assigned = {t for t, score in found.items() if score >= self.min_confidence}
            if folded.strip():
                for topic_id, p in zip(model_ids, model_rows[row], strict=True):
                    if p >= model.topic_threshold:
                        assigned.add(topic_id)
                    if p >= SCORE_FLOOR and p > found.get(topic_id, 0.0):
                        found[topic_id] = p
                for topic_id, p in zip(tagger_topics, tagger_rows[row], strict=True):
                    if p >= self.min_confidence:
                        assigned.add(topic_id)
                    if p >= SCORE_FLOOR and p > found.get(topic_id, 0.0):
                        found[topic_id] = p
            if relevant[row] and not assigned and model_columns and folded.strip():
                best = max(range(len(model_ids)), key=model_rows[row].__getitem__)
                assigned.add(model_ids[best])
                found.setdefault(model_ids[best], model_rows[row][best])
            order = [t for t in known if t in found]
            scores.append([{"topic": t, "score": found[t]} for t in order])
            labels.append([t for t in known if t in assigned] if relevant[row] else [])
        return self.result(batch, {"topics": labels, "topic_scores": scores})

    def __getstate__(self) -> dict[str, Any]:  # picklable for Spark: workers reload the model
        state = self.__dict__.copy()
        state["_tagger"] = None
        return state
