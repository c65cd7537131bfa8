"""Stream query results to CSV, Parquet or JSONL in Arrow record batches.

An export holds the post columns and, after ``antena analyze``, the current analysis results
(relevance, topics, sentiment, per-target sentiment, emotion, awareness, risk signals), so a
researcher can continue in pandas or R; ``columns`` picks others. Never the pseudonymisation
secret; ``author_handle`` only when the project keeps handles. With ``[privacy] redact = true``
texts are redacted (phones, e-mails, addresses, private @handles) exactly as in reports, and
private handles are dropped from ``mentions``. Parquet and JSONL keep types (lists as lists,
targets as records); in CSV, lists and records are JSON, timestamps ISO 8601 UTC, and cells that
a spreadsheet would run as a formula (starting ``= + - @``, tab or CR) get a leading ``'``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from antena.errors import AntenaError, ProjectError
from antena.protect.identity import PublicIds
from antena.protect.redact import public_handles, redact
from antena.schema import POST_COLUMNS
from antena.store.queries import Store

FORMATS = ("csv", "parquet", "jsonl")
BATCH_ROWS = 20_000
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_FORMULA_START = r"^[=+\-@\t\r]"
# The analysis columns an export carries by default, when the analysers that add them ran.
RESULT_COLUMNS = ("relevant", "relevance_score", "topics", "sentiment", "targets", "emotion",
                  "awareness_programmes", "awareness_unaware", "risk_signals", "risk_score")
TEXT_COLUMNS = ("text", "text_norm")  # free text: redacted when the project says so


def export_columns(config: dict[str, Any]) -> list[str]:
    """The post columns an export or ``antena search --json`` shows."""
    keep_handles = bool(config.get("privacy", {}).get("keep_handles", False))
    return [c for c in POST_COLUMNS if keep_handles or c != "author_handle"]


def choose_columns(store: Store, requested: list[str] | None = None) -> list[str]:
    """``requested`` checked against what the project holds, or the default: post columns and
    the current analysis results."""
    available = store.select().columns
    keep_handles = bool(store.config.get("privacy", {}).get("keep_handles", False))
    if not requested:
        return export_columns(store.config) + [c for c in RESULT_COLUMNS if c in available]
    unknown = [c for c in requested if c not in available]
    if unknown:
        raise AntenaError(f"unknown columns {', '.join(unknown)}; this project has: {', '.join(available)}")
    if "author_handle" in requested and not keep_handles:
        raise AntenaError("author_handle is not exported: the project does not keep handles ([privacy] keep_handles)")
    return list(dict.fromkeys(requested))


def resolve_format(path: Path, format: str | None) -> str:
    chosen = (format or _SUFFIXES.get(path.suffix.lower(), "")).lower()
    if chosen not in FORMATS:
        raise AntenaError(f"cannot tell the export format of {path}; use --format {'|'.join(FORMATS)}")
    return chosen


def redactor(config: dict[str, Any]) -> Callable[[pa.RecordBatch], pa.RecordBatch] | None:
    """What ``[privacy] redact`` asks of each exported batch (None when it is off)."""
    privacy = config.get("privacy", {})
    if not privacy.get("redact", True):
        return None
    keep = public_handles(config)
    keep_handles = bool(privacy.get("keep_handles", False))
    public = {h.lower().lstrip("@") for h in keep}

    def apply(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = []
        for field, column in zip(batch.schema, batch.columns, strict=True):
            if field.name in TEXT_COLUMNS:
                column = pa.array([None if t is None else redact(t, keep) for t in column.to_pylist()], field.type)
            elif field.name == "mentions" and not keep_handles:
                column = pa.array([None if m is None else [h if h.lower() in public else "user" for h in m]
                                   for m in column.to_pylist()], field.type)
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)

    return apply


def export_posts(store: Store, path: Path, format: str | None, query: str | None, *,
                 relevant: bool = False, in_scope: bool = False, columns: list[str] | None = None,
                 partition_by: str | None = None) -> dict[str, Any]:
    """Write the posts matching ``query`` to ``path`` (atomically: a temporary file is renamed).

    ``partition_by="day"`` (Parquet only) writes a folder of Hive partitions ``day=YYYY-MM-DD``
    (the project's time zone), the lake ``antena stats --engine spark`` reads."""
    chosen = resolve_format(path, format)
    if partition_by not in (None, "day"):
        raise ProjectError(f"--partition-by must be 'day', not {partition_by!r}")
    if partition_by and chosen != "parquet":
        raise ProjectError("--partition-by needs --format parquet")
    names = choose_columns(store, columns)
    if partition_by and not columns:  # a lake carries every column of the posts and their results
        names += [c for c in store.select().columns if c not in names and c != "author_handle"]
    selection = store.select(query, relevant=relevant, in_scope=in_scope, columns=names)
    clean = redactor(store.config)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    cursor = store.con.cursor()  # own result state: streaming does not block the project's connection
    try:
        ids = PublicIds.for_project(store)
        stored = selection.relation(cursor).to_arrow_reader(BATCH_ROWS)
        reader = pa.RecordBatchReader.from_batches(stored.schema, _mapped(stored, ids.batch))
        if clean is not None:
            reader = pa.RecordBatchReader.from_batches(reader.schema, _mapped(reader, clean))
        if partition_by:
            rows = _write_parquet_by_day(reader, partial, store.timezone)
        else:
            rows = _WRITERS[chosen](reader, partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
        raise
    finally:
        cursor.close()
    if partition_by and path.exists():
        shutil.rmtree(path)
    os.replace(partial, path)
    store.audit("export", f"{rows} posts to {path.name} ({chosen}{', redacted' if clean else ''})")
    return {"rows": rows, "path": str(path), "format": chosen, "columns": names, "redacted": clean is not None}


def _mapped(reader: pa.RecordBatchReader, change: Callable[[pa.RecordBatch], pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in reader:
        yield change(batch)


def _write_parquet(reader: pa.RecordBatchReader, path: Path) -> int:
    import pyarrow.parquet as pq

    rows = 0
    with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_parquet_by_day(reader: pa.RecordBatchReader, folder: Path, tz: str) -> int:
    """Hive partitions ``day=YYYY-MM-DD`` of ``created_at`` in ``tz`` (posts without a date under
    ``day=__HIVE_DEFAULT_PARTITION__``)."""
    import pyarrow.dataset as ds

    rows = 0
    schema = reader.schema.append(pa.field("day", pa.string()))

    def with_day() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in reader:
            local = batch.column("created_at").cast(pa.timestamp("us", tz=tz))
            day = pc.strftime(local, format="%Y-%m-%d")
            rows += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, day], schema=schema)

    ds.write_dataset(pa.RecordBatchReader.from_batches(schema, with_day()), folder, format="parquet",
                     partitioning=ds.partitioning(pa.schema([pa.field("day", pa.string())]), flavor="hive"),
                     file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
                     existing_data_behavior="delete_matching", max_rows_per_group=BATCH_ROWS)
    return rows


def _write_jsonl(reader: pa.RecordBatchReader, path: Path) -> int:
    rows = 0
    with path.open("wb") as out:
        for batch in reader:
            for record in batch.to_pylist():
                out.write(orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n")
            rows += batch.num_rows
    return rows


def csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Lists and records as JSON, timestamps as ISO text, formula-looking text defused."""
    arrays = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_list(field.type) or pa.types.is_struct(field.type):
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
            converted = csv_batch(batch)
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
