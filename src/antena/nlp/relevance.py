"""Relevance: is a post about trafficking, kidnapping or the exploitation of people?

``relevance_score`` is the probability given by the relevance model (:mod:`antena.models.relevance_model`):
n-grams, a multilingual concept lexicon and static multilingual word vectors, trained on posts
labelled by reading under ``docs/relevance-guidelines.md`` (scores in ``docs/models/relevance.md``).
``relevant`` is that probability at or above the model's threshold (``[relevance] threshold`` in
``antena.toml`` overrides it). A project whose analyst labelled posts (``antena label``) and
adapted the model (``antena models train relevance --project DIR``) gets its own model, passed
by the engine as ``model``.

``query_match`` says whether the post matches the project's scope query (``[scope] query``),
evaluated with the same compiler as ``antena search`` on an in-memory DuckDB over the batch
(never the project database). The scope is what is collected and looked at; relevance is the
model's decision about each post.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from antena.models import relevance_model
from antena.nlp.base import Analyser, column_or_empty
from antena.registry import register_analyser
from antena.schema import POST_SCHEMA

QUERY_COLUMNS = ("post_id", "text", "hashtags", "mentions", "lang", "platform", "kind", "created_at", "author_id",
                 "author_handle")


@register_analyser
class Relevance(Analyser):
    """Adds ``relevant``, ``relevance_score`` and ``query_match``."""

    name = "relevance"
    version = "3"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "relevant": pa.bool_(), "relevance_score": pa.float32(), "query_match": pa.bool_(),
    }

    uses: ClassVar[tuple[str, ...]] = ("text_norm", "language")

    def __init__(self, query: str = "", threshold: float | None = None, model: str | None = None,
                 **config: Any) -> None:
        super().__init__(query=query, threshold=threshold, model=model, **config)
        self.query = query
        self.threshold = threshold
        self.model_path = model if model and Path(model, "meta.json").is_file() else None
        if self.model_path:  # a project's adapted model: its content is part of what this computes
            self.version = f"{type(self).version}+{relevance_model.model_digest(self.model_path)}"
        self._db: Any = None
        self._compiled: tuple[str, list[Any]] | None = None

    def model(self) -> relevance_model.RelevanceModel:
        return relevance_model.load(self.model_path)

    def __getstate__(self) -> dict[str, Any]:  # picklable for Spark: drop the connection
        state = self.__dict__.copy()
        state["_db"] = None
        return state

    def _query_matches(self, batch: pa.RecordBatch) -> list[bool]:
        if not self.query.strip() or batch.num_rows == 0:
            return [False] * batch.num_rows
        import duckdb

        from antena.query import compile_query

        if self._compiled is None:  # parse once, not once per batch
            self._compiled = compile_query(self.query)
        condition, params = self._compiled
        if self._db is None:
            self._db = duckdb.connect(":memory:", config={"threads": 1})  # a small batch: one thread
        present = [c for c in QUERY_COLUMNS if c in batch.schema.names]
        table = pa.Table.from_batches([batch.select(present)])
        for missing in sorted(set(QUERY_COLUMNS) - set(present)):
            field = POST_SCHEMA.field(missing)
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
        self._db.register("posts", table)
        try:
            sql = f"SELECT coalesce(({condition}), false) FROM posts"  # noqa: S608 - compiled condition, values are parameters
            return [bool(r[0]) for r in self._db.execute(sql, params).fetchall()]
        finally:
            self._db.unregister("posts")

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        model = self.model()
        texts = column_or_empty(batch, "text")
        langs = column_or_empty(batch, "language") if "language" in batch.schema.names else column_or_empty(batch, "lang")
        scores, _ = relevance_model.scores_cached(model, texts, langs)
        threshold = model.threshold if self.threshold is None else self.threshold
        return self.result(batch, {"relevant": [bool(s >= threshold) for s in scores],
                                   "relevance_score": scores.astype("float32"),
                                   "query_match": self._query_matches(batch)})
