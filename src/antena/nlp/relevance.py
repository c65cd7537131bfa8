"""Relevance: is a post about child kidnapping, trafficking or exploitation?

Two transparent signals are combined into ``relevance_score``:

* the project's boolean query (``[relevance] query``), evaluated with the same compiler the
  search uses, on an in-memory DuckDB over the batch (never the project database);
* weighted evidence terms: child words together with crime words count for, while the query's
  known false hits count against (drug trafficking, traffic jams, the "secuestro" of a bill in
  congress, robots).

No public labelled set covers this task, so the weights are set by hand, shown here, and
``[relevance] threshold`` in ``antena.toml`` sets the cut. Accuracy is not claimed.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.nlp.textutil import fold
from antena.registry import register_analyser
from antena.schema import POST_SCHEMA

CHILD = re.compile(
    r"(?<!\w)(nin[oa]s?|ninit[oa]s?|menor(es|cit[oa]s)?|infant\w*|bebe(s|cit[oa]s)?|hij[oa]s?|chamac\w*|"
    r"pequen[oa]s|adolescent\w*|child\w*|kids?|minors?|bab(y|ies)|teens?|teenagers?|girls?|boys?)(?!\w)"
)
CRIME = re.compile(
    r"(?<!\w)(robo|roban|robaron|robar\w*|robad[oa]s?|secuestr\w*|rapt\w*|desaparec\w*|sustra\w*|trata|"
    r"trafic\w*|traffick\w*|kidnap\w*|abduct\w*|missing|explota\w*|explotacion|pornografia|prostitu\w*|"
    r"abus\w*|enganch\w*|reclut\w*|grooming|venta de|vend\w+|organos|organs?)(?!\w)"
)
STRONG = re.compile(
    r"alerta\s*amber|amber\s*alert|trata de (personas|menores|ninos)|trafico de (organos|ninos|menores|personas)|"
    r"robo (de ninos|infantil|de menores|de bebes)|robachicos|human trafficking|child trafficking|"
    r"pornografia infantil|explotacion (infantil|sexual|laboral)|ninos robados|child (abuse|porn|exploitation)|"
    r"sex trafficking|#yodoyesperanza|#tratadepersonas"
)
FALSE_HITS = re.compile(
    r"trafico de (drogas?|armas|influencias|estupefacientes)|narco\w*|drug trafficking|"
    r"trafico (vehicular|pesado|en (el |la )?(periferico|viaducto|insurgentes|calle|avenida|carretera))|"
    r"embotellamiento|traffic jam|heavy traffic|vialidad|"
    r"secuestr\w* (de )?(la|el) (agenda|iniciativa|ley|tribuna|congreso|debate|sesion|votacion)|"
    r"(?<!\w)robot\w*|robo de (celular|auto|coche|vehiculo)"
)

WEIGHTS = {"bias": -3.0, "child_and_crime": 3.0, "strong": 3.5, "crime": 0.8, "child": 0.4,
           "query": 2.0, "false_hit": -4.0}


def evidence_score(folded: str, query_match: bool) -> float:
    """The relevance probability from folded text and whether the query matched."""
    child, crime = bool(CHILD.search(folded)), bool(CRIME.search(folded))
    z = WEIGHTS["bias"]
    z += WEIGHTS["child_and_crime"] * (child and crime)
    z += WEIGHTS["strong"] * bool(STRONG.search(folded))
    z += WEIGHTS["crime"] * crime + WEIGHTS["child"] * child
    z += WEIGHTS["query"] * query_match
    z += WEIGHTS["false_hit"] * bool(FALSE_HITS.search(folded))
    return 1.0 / (1.0 + math.exp(-z))


QUERY_COLUMNS = ("post_id", "text", "hashtags", "mentions", "lang", "platform", "kind", "created_at", "author_id",
                 "author_handle")


@register_analyser
class Relevance(Analyser):
    """Adds ``relevant``, ``relevance_score`` and ``query_match``."""

    name = "relevance"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    uses: ClassVar[tuple[str, ...]] = ("text_norm",)
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "relevant": pa.bool_(), "relevance_score": pa.float32(), "query_match": pa.bool_(),
    }

    def __init__(self, query: str = "", threshold: float = 0.5, **config: Any) -> None:
        super().__init__(query=query, threshold=threshold, **config)
        self.query = query
        self.threshold = threshold
        self._db: Any = None
        self._compiled: tuple[str, list[Any]] | None = None

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
            self._db = duckdb.connect(":memory:")
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
        texts = column_or_empty(batch, "text")
        norms = column_or_empty(batch, "text_norm")
        matches = self._query_matches(batch)
        scores, relevant = [], []
        for text, norm, match in zip(texts, norms, matches, strict=True):
            folded = fold(text) + " " + fold(norm) if text else ""
            score = evidence_score(folded, match) if folded else 0.0
            scores.append(score)
            relevant.append(score >= self.threshold)
        return self.result(batch, {"relevant": relevant, "relevance_score": scores, "query_match": matches})
