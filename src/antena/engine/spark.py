"""The Spark engine: the same analyser chain, run by Spark's ``mapInArrow``.

Posts needing analysis are written to Parquet, Spark maps every Arrow batch through
``run_chain_merged`` (the same analyser functions the local engine runs), writes Parquet, and the
results are stored in the project exactly as the local engine stores them. Point
``spark_master`` at a cluster when the data outgrows one machine; ``local[*]`` by default.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from antena.engine.local import INPUT_COLUMNS, AnalyzeReport, finish, prepare_todo, store_results
from antena.engine.pipeline import merged_output_schema, run_chain_merged
from antena.errors import AntenaError


def spark_session(master: str = "local[2]") -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise AntenaError("the Spark engine needs PySpark: pip install 'antena[spark]'") from exc
    # Local workers must run this interpreter, where antena is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("antena")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


# Rows per Parquet row group of the posts handed to Spark. Spark splits a file only between row
# groups: with DuckDB's default (122,880 rows) the 127,658 posts of demo scale 1 were two groups
# of 122,880 and 4,778 posts, so ``local[2]`` ran one big task and one tiny one.
ROW_GROUP = 8192
TASKS_PER_CORE = 3  # a few tasks per core, so a slow task does not leave a core idle at the end


def split_bytes(spark: Any, size: int) -> None:
    """Make Spark cut the posts' file into about ``TASKS_PER_CORE`` tasks per core."""
    cores = max(1, int(spark.sparkContext.defaultParallelism))
    target = max(1 << 20, size // (cores * TASKS_PER_CORE) + 1)
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(target))
    spark.conf.set("spark.sql.files.openCostInBytes", "0")


def map_partitions(chain: list[Any]) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function Spark runs on each partition: the shared chain, batch by batch."""

    def apply(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows:
                merged = run_chain_merged(chain, batch)
                yield pa.RecordBatch.from_arrays(
                    list(merged.columns) + [batch.column("content_hash")],
                    names=merged.schema.names + ["content_hash"],
                )

    return apply


def run_spark(
    con: duckdb.DuckDBPyConnection,
    chain: list[Any],
    master: str = "local[2]",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> AnalyzeReport:
    from pyspark.sql.pandas.types import from_arrow_schema

    todo, total = prepare_todo(con, chain)
    if on_total:
        on_total(todo)
    spark = spark_session(master)
    out_schema = merged_output_schema(chain).append(pa.field("content_hash", pa.string()))
    with tempfile.TemporaryDirectory(prefix="antena-spark-") as tmp:
        src, dst = Path(tmp) / "in.parquet", Path(tmp) / "out"
        cols = ", ".join(f"p.{c}" for c in INPUT_COLUMNS)
        con.execute(
            f"COPY (SELECT {cols} FROM analysis_todo t JOIN posts p USING (post_id) ORDER BY t.rn)"  # noqa: S608
            f" TO '{src}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})"
        )
        split_bytes(spark, src.stat().st_size)
        df = spark.read.parquet(str(src))
        result = df.mapInArrow(map_partitions(chain), from_arrow_schema(out_schema))
        result.write.mode("overwrite").parquet(str(dst))
        for path in sorted(dst.glob("*.parquet")):
            table = pq.read_table(path)
            if table.num_rows:
                table = table.cast(out_schema)
                store_results(con, chain, table)
                if progress:
                    progress(table.num_rows)
    finish(con, chain)  # analysis_todo stays for the caller (the aggregates' refresh)
    return AnalyzeReport(todo, total - todo, [a.name for a in chain], "spark")
