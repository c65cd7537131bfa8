"""The Spark engine: the same analyser chain, run by Spark's ``mapInArrow``.

Posts needing analysis are written to Parquet, Spark maps every Arrow batch through
``run_chain_merged`` (the same analyser functions the local engine runs), writes Parquet, and
DuckDB reads that Parquet straight into the project's result tables (the rows the local engine
would store). Point ``spark_master`` at a cluster when the data outgrows one machine.

Where the CPU goes at demo scale 1 (docs/scale.md): the Python workers' analysis is most of it;
the rest is serial and bounds what a second core gains: the JVM's start and its first job
(class loading and JIT compiling, 26-32 CPU s with the JVM's defaults, 14.5-17 with
``LOCAL_JAVA_OPTIONS``), each Python worker's imports and model loading (about 4.5 CPU s per
worker process), and the driver's export and storing. The JVM starts while DuckDB exports.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from antena.engine.local import INPUT_COLUMNS, AnalyzeReport, finish, prepare_todo, table_name
from antena.engine.pipeline import merged_output_schema, run_chain_merged
from antena.errors import AntenaError
from antena.store.database import transaction

# The driver JVM's options on a local master (``local``, ``local[N]``): a local run is one short
# job, where the JVM's optimising JIT compiler (C2) and parallel garbage collector cost more than
# they return. Analysing demo scale 1 the JVM took 26-32 CPU s with its defaults and 14.5-17 with
# these; most of it is class loading and JIT compiling, whatever the rows (with a Python function
# that does nothing: 26 and 12 CPU s). ``ANTENA_SPARK_JAVA_OPTIONS`` replaces them ("" for the
# JVM's defaults). On a cluster the executors are other JVMs, started with Spark's own settings.
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def local_java_options(master: str) -> str:
    """The driver JVM's extra options for ``master`` ("" for a cluster)."""
    if not master.startswith("local"):
        return ""
    return os.environ.get("ANTENA_SPARK_JAVA_OPTIONS", LOCAL_JAVA_OPTIONS).strip()


def spark_session(master: str = "local[2]") -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise AntenaError("the Spark engine needs PySpark: pip install 'antena[spark]'") from exc
    # Local workers must run this interpreter, where antena is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder
    if options := local_java_options(master):
        builder = builder.config("spark.driver.extraJavaOptions", options)  # read when the JVM starts
    return (
        builder.master(master)
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


def store_spark_results(con: duckdb.DuckDBPyConnection, chain: list[Any], folder: Path) -> int:
    """Store the Parquet files Spark wrote in ``folder`` (post_id, every analyser's columns,
    content_hash): for each analyser, its rows of the current version for the posts in
    ``analysis_todo`` are replaced, in one transaction, by DuckDB reading that analyser's columns
    from the files (as ``store_results`` does for the local engine's chunks). Returns the rows."""
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        return 0
    with transaction(con):
        rows = int(con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0])
        for analyser in chain:
            name, version = table_name(analyser.name), str(analyser.version)
            columns = ", ".join(analyser.assigns)  # declared names: identifiers, not user text
            con.execute(
                f"DELETE FROM {name} WHERE version = ? AND post_id IN (SELECT post_id FROM analysis_todo)",  # noqa: S608
                [version],
            )
            con.execute(
                f"INSERT INTO {name} (post_id, version, content_hash, {columns})"  # noqa: S608 - fixed names
                f" SELECT post_id, ?, content_hash, {columns} FROM read_parquet(?)",
                [version, files],
            )
    return rows


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
    if todo:
        # The JVM starts (several seconds, mostly on one core) while DuckDB exports the posts.
        with ThreadPoolExecutor(max_workers=1) as pool, tempfile.TemporaryDirectory(prefix="antena-spark-") as tmp:
            starting = pool.submit(spark_session, master)
            src, dst = Path(tmp) / "in.parquet", Path(tmp) / "out"
            cols = ", ".join(f"p.{c}" for c in INPUT_COLUMNS)
            con.execute(
                f"COPY (SELECT {cols} FROM analysis_todo t JOIN posts p USING (post_id) ORDER BY t.rn)"  # noqa: S608
                f" TO '{src}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})"
            )
            spark = starting.result()
            out_schema = merged_output_schema(chain).append(pa.field("content_hash", pa.string()))
            split_bytes(spark, src.stat().st_size)
            df = spark.read.parquet(str(src))
            result = df.mapInArrow(map_partitions(chain), from_arrow_schema(out_schema))
            result.write.mode("overwrite").parquet(str(dst))
            stored = store_spark_results(con, chain, dst)
            if progress:
                progress(stored)
    finish(con, chain)  # analysis_todo stays for the caller (the aggregates' refresh)
    return AnalyzeReport(todo, total - todo, [a.name for a in chain], "spark")
