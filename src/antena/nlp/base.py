"""The analyser contract: a pure function over Arrow record batches.

An analyser is one file in ``antena/nlp/``. It declares, at the top of its class:

``name``      registry name, used in ``antena.toml`` ``[pipeline] analysers``;
``version``   bump it when outputs change: stored results are keyed by (post, analyser, version);
``requires``  input columns it reads (post columns, or columns earlier analysers assign);
``uses``      optional columns it reads when present (a new version of their analyser reruns it);
``assigns``   output columns and their Arrow types.

``__init__(**config)`` only stores its configuration (like scikit-learn estimators): it reads the
project's ``[analysers.<name>]`` table plus ``targets`` / ``topics`` where relevant. Heavy
resources (models) are loaded lazily on first call. ``__call__(batch)`` returns a batch holding
``post_id`` and exactly the ``assigns`` columns, one row per input row, deterministic for a given
version, without touching the database. The local engine streams batches through it; the Spark
engine calls the very same function inside ``mapInArrow``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa


class Analyser:
    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    uses: ClassVar[tuple[str, ...]] = ()  # optional columns read when an earlier analyser added them
    assigns: ClassVar[dict[str, pa.DataType]] = {}

    def __init__(self, **config: Any) -> None:
        self.config = config

    @classmethod
    def output_schema(cls) -> pa.Schema:
        return pa.schema([pa.field("post_id", pa.string())] + [pa.field(k, v) for k, v in cls.assigns.items()])

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        raise NotImplementedError

    def result(self, batch: pa.RecordBatch, columns: dict[str, list[Any] | pa.Array]) -> pa.RecordBatch:
        """Build the output batch: ``post_id`` from the input plus the assigned columns."""
        arrays = [batch.column("post_id")]
        for key, dtype in self.assigns.items():
            values = columns[key]
            arrays.append(values if isinstance(values, pa.Array) else pa.array(values, type=dtype))
        return pa.RecordBatch.from_arrays(arrays, schema=self.output_schema())


def column_or_empty(batch: pa.RecordBatch, name: str) -> list[Any]:
    """A column as a Python list, or Nones when the batch lacks it."""
    if name in batch.schema.names:
        return batch.column(name).to_pylist()
    return [None] * batch.num_rows
