"""The analyser contract: a pure function over Arrow record batches.

An analyser is one file in ``antena/nlp/``. It declares, at the top of its class:

``name``      registry name, used in ``antena.toml`` ``[pipeline] analysers``;
``version``   bump it when outputs change: stored results are keyed by (post, analyser, version);
``requires``  input columns it reads (post columns, or columns earlier analysers assign);
``uses``      optional columns it reads when present (a new version of their analyser reruns it);
``assigns``   output columns and their Arrow types.

``Settings``  optional pydantic model of its settings (else read from ``__init__``'s parameters);
              unknown keys in ``[analysers.<name>]`` are errors naming the line.

``__init__(**config)`` only stores its configuration (like scikit-learn estimators): it reads the
project's ``[analysers.<name>]`` table plus ``targets`` / ``topics`` where relevant. Heavy
resources (models) are loaded lazily on first call. ``__call__(batch)`` returns a batch holding
``post_id`` and exactly the ``assigns`` columns, one row per input row, deterministic for a given
version, without touching the database. The local engine streams batches through it; the Spark
engine calls the very same function inside ``mapInArrow``.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, get_type_hints

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, create_model


class Analyser:
    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    uses: ClassVar[tuple[str, ...]] = ()  # optional columns read when an earlier analyser added them
    assigns: ClassVar[dict[str, pa.DataType]] = {}

    def __init__(self, **config: Any) -> None:
        self.config = config

    @classmethod
    def settings_model(cls) -> type[BaseModel]:
        """The pydantic model of this analyser's settings (``[analysers.<name>]`` plus what the
        pipeline passes it). An analyser may declare ``Settings``; otherwise the model is read
        from ``__init__``'s named parameters. Keys it does not name are errors."""
        declared = cls.__dict__.get("Settings")
        if isinstance(declared, type) and issubclass(declared, BaseModel):
            return declared
        hints = get_type_hints(cls.__init__)
        fields: dict[str, Any] = {}
        for param in inspect.signature(cls.__init__).parameters.values():
            if param.name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (hints.get(param.name, Any), default)
        return create_model(f"{cls.__name__}Settings", __config__=ConfigDict(extra="forbid"), **fields)

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
