"""Stream query results to CSV, Parquet or JSONL in Arrow record batches.

Exports hold post columns only (never the pseudonymisation secret); ``author_handle`` is left
out unless the project keeps handles. In CSV, list columns are JSON arrays, timestamps ISO 8601
UTC, and cells that a spreadsheet would run as a formula (``= + - @``) get a leading ``'``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from antena.errors import AntenaError
from antena.schema import POST_COLUMNS
from antena.store.queries import Store

FORMATS = ("csv", "parquet", "jsonl")
BATCH_ROWS = 20_000
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_FORMULA_START = r"^[=+\-@\t\r]"


def export_columns(config: dict[str, Any]) -> list[str]:
    keep_handles = bool(config.get("privacy", {}).get("keep_handles", False))
    return [c for c in POST_COLUMNS if keep_handles or c != "author_handle"]


def resolve_format(path: Path, format: str | None) -> str:
    chosen = (format or _SUFFIXES.get(path.suffix.lower(), "")).lower()
    if chosen not in FORMATS:
        raise AntenaError(f"cannot tell the export format of {path}; use --format {'|'.join(FORMATS)}")
    return chosen


def export_posts(store: Store, path: Path, format: str | None, query: str | None, *,
                 relevant: bool = False, in_scope: bool = False) -> dict[str, Any]:
    """Write the posts matching ``query`` to ``path`` (atomically: a temporary file is renamed)."""
    chosen = resolve_format(path, format)
    columns = export_columns(store.config)
    selection = store.select(query, relevant=relevant, in_scope=in_scope, columns=columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    cursor = store.con.cursor()  # own result state: streaming does not block the project's connection
    try:
        reader = selection.relation(cursor).to_arrow_reader(BATCH_ROWS)
        rows = _WRITERS[chosen](reader, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        cursor.close()
    os.replace(partial, path)
    store.audit("export", f"{rows} posts to {path.name} ({chosen})")
    return {"rows": rows, "path": str(path), "format": chosen, "columns": columns}


def _write_parquet(reader: pa.RecordBatchReader, path: Path) -> int:
    import pyarrow.parquet as pq

    rows = 0
    with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_jsonl(reader: pa.RecordBatchReader, path: Path) -> int:
    rows = 0
    with path.open("wb") as out:
        for batch in reader:
            for record in batch.to_pylist():
                out.write(orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n")
            rows += batch.num_rows
    return rows


def _csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Lists as JSON arrays, timestamps as ISO text, formula-looking text defused."""
    arrays = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_list(field.type):
            column = pa.array([None if v is None else orjson.dumps(v).decode() for v in column.to_pylist()],
                              pa.string())
        elif pa.types.is_timestamp(field.type):
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        if pa.types.is_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, _FORMULA_START), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _write_csv(reader: pa.RecordBatchReader, path: Path) -> int:
    import pyarrow.csv as csv

    rows = 0
    writer = None
    try:
        for batch in reader:
            converted = _csv_batch(batch)
            if writer is None:
                writer = csv.CSVWriter(path, converted.schema)
            writer.write_batch(converted)
            rows += batch.num_rows
        if writer is None:  # no rows: still write the header
            path.write_text(",".join(f'"{c}"' for c in reader.schema.names) + "\n", encoding="utf-8")
    finally:
        if writer is not None:
            writer.close()
    return rows


_WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}
