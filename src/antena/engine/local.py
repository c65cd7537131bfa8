"""The local engine: stream the project's posts through the pipeline, store the results.

Results go to one table per analyser, ``ann_<name>(post_id, version, content_hash, ...)``.
Only posts without a current result are analysed: new posts, edited posts (their content hash
changed) and every post when an analyser's version changes. Older versions' rows are kept
until the new run is complete, then dropped. The view ``analysis`` joins posts with the
current results of every analyser in the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from antena.engine.pipeline import merged_output_schema, run_chain_merged

CHUNK = 2000
INPUT_COLUMNS = ("post_id", "platform", "kind", "created_at", "text", "lang", "hashtags", "mentions",
                 "author_id", "content_hash")


@dataclass
class AnalyzeReport:
    analysed: int
    skipped_current: int
    analysers: list[str]
    engine: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysed": self.analysed, "already_current": self.skipped_current,
                "analysers": self.analysers, "engine": self.engine}


def table_name(analyser_name: str) -> str:
    if not analyser_name.replace("_", "").isalnum():
        raise ValueError(f"bad analyser name {analyser_name!r}")
    return f"ann_{analyser_name}"


def ensure_tables(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> None:
    for analyser in chain:
        schema = pa.schema(
            [pa.field("post_id", pa.string()), pa.field("version", pa.string()), pa.field("content_hash", pa.string())]
            + [pa.field(k, v) for k, v in analyser.assigns.items()]
        )
        con.register("empty_schema", schema.empty_table())
        try:
            con.execute(f"CREATE TABLE IF NOT EXISTS {table_name(analyser.name)} AS SELECT * FROM empty_schema")  # noqa: S608
        finally:
            con.unregister("empty_schema")


def _stale_condition(chain: list[Any]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for analyser in chain:
        parts.append(
            f"NOT EXISTS (SELECT 1 FROM {table_name(analyser.name)} a WHERE a.post_id = p.post_id"  # noqa: S608
            " AND a.version = ? AND a.content_hash IS NOT DISTINCT FROM p.content_hash)"
        )
        params.append(str(analyser.version))
    return " OR ".join(parts) or "FALSE", params


def prepare_todo(con: duckdb.DuckDBPyConnection, chain: list[Any], limit: int | None = None) -> tuple[int, int]:
    """Fill temp table ``analysis_todo`` with the posts needing analysis; returns (todo, total)."""
    ensure_tables(con, chain)
    condition, params = _stale_condition(chain)
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE analysis_todo AS SELECT row_number() OVER (ORDER BY post_id) AS rn, post_id"  # noqa: S608
        f" FROM posts p WHERE NOT coalesce(deleted, false) AND NOT coalesce(withheld, false) AND ({condition})"
        f"{limit_sql}",
        params,
    )
    todo = con.execute("SELECT count(*) FROM analysis_todo").fetchone()[0]
    total = con.execute("SELECT count(*) FROM posts WHERE NOT coalesce(deleted, false) AND NOT coalesce(withheld, false)").fetchone()[0]
    return int(todo), int(total)


def iter_todo_batches(con: duckdb.DuckDBPyConnection, todo: int, chunk: int = CHUNK) -> Iterator[pa.RecordBatch]:
    cols = ", ".join(f"p.{c}" for c in INPUT_COLUMNS)
    for start in range(1, todo + 1, chunk):
        table = con.execute(
            f"SELECT {cols} FROM analysis_todo t JOIN posts p USING (post_id) WHERE t.rn BETWEEN ? AND ? ORDER BY t.rn",  # noqa: S608 - fixed column list
            [start, start + chunk - 1],
        ).to_arrow_table()
        yield from table.combine_chunks().to_batches(max_chunksize=chunk)


def store_results(con: duckdb.DuckDBPyConnection, chain: list[Any], merged: pa.Table) -> None:
    """Write one chunk's merged results (post_id, content_hash + every analyser's columns)."""
    ids = merged.column("post_id")
    hashes = merged.column("content_hash")
    con.execute("BEGIN TRANSACTION")
    try:
        for analyser in chain:
            version = pa.array([str(analyser.version)] * merged.num_rows, pa.string())
            table = pa.table(
                [ids, version, hashes] + [merged.column(k) for k in analyser.assigns],
                names=["post_id", "version", "content_hash", *analyser.assigns],
            )
            name = table_name(analyser.name)
            con.register("chunk_results", table)
            try:
                con.execute(
                    f"DELETE FROM {name} WHERE version = ? AND post_id IN (SELECT post_id FROM chunk_results)",  # noqa: S608
                    [str(analyser.version)],
                )
                con.execute(f"INSERT INTO {name} SELECT * FROM chunk_results")  # noqa: S608
            finally:
                con.unregister("chunk_results")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def finish(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> None:
    """Drop superseded versions and (re)create the ``analysis`` view."""
    for analyser in chain:
        con.execute(f"DELETE FROM {table_name(analyser.name)} WHERE version <> ?", [str(analyser.version)])  # noqa: S608
    create_analysis_view(con, chain)


def create_analysis_view(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> None:
    """Materialise every analyser's current results side by side in ``analysis_results`` (one
    row per analysed post), and define the view ``analysis`` as posts joined with it once.

    Posts are joined live, so a deletion imported after the analysis hides the text at once."""
    if not chain:
        con.execute("CREATE OR REPLACE VIEW analysis AS SELECT * FROM posts")
        return
    selects, joins = ["a0.post_id"], []
    for i, analyser in enumerate(chain):
        alias = f"a{i}"
        selects += [f"{alias}.{col}" for col in analyser.assigns]
        version = str(analyser.version).replace("'", "")
        if i == 0:
            joins.append(f"FROM {table_name(analyser.name)} a0")
            where = f"WHERE a0.version = '{version}'"
        else:
            joins.append(
                f"LEFT JOIN {table_name(analyser.name)} {alias} ON {alias}.post_id = a0.post_id AND {alias}.version = '{version}'"
            )
    con.execute(f"CREATE OR REPLACE TABLE analysis_results AS SELECT {', '.join(selects)} {' '.join(joins)} {where}")  # noqa: S608
    result_cols = [f"r.{col}" for analyser in chain for col in analyser.assigns]
    con.execute(
        f"CREATE OR REPLACE VIEW analysis AS SELECT p.*, {', '.join(result_cols)}"  # noqa: S608
        " FROM posts p LEFT JOIN analysis_results r ON r.post_id = p.post_id"
    )


def with_hash(batch: pa.RecordBatch, merged: pa.RecordBatch) -> pa.Table:
    table = pa.Table.from_batches([merged])
    return table.append_column("content_hash", batch.column("content_hash"))


def run_local(
    con: duckdb.DuckDBPyConnection,
    chain: list[Any],
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> AnalyzeReport:
    todo, total = prepare_todo(con, chain)
    if on_total:
        on_total(todo)
    for batch in iter_todo_batches(con, todo):
        merged = run_chain_merged(chain, batch)
        store_results(con, chain, with_hash(batch, merged))
        if progress:
            progress(batch.num_rows)
    finish(con, chain)
    con.execute("DROP TABLE IF EXISTS analysis_todo")
    return AnalyzeReport(todo, total - todo, [a.name for a in chain], "local")


__all__ = ["AnalyzeReport", "merged_output_schema", "run_local"]
