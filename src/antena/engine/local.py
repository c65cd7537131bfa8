"""The local engine: stream the project's posts through the pipeline, store the results.

Results go to one table per analyser, ``ann_<name>(post_id, version, content_hash, ...)``.
Only posts without a current result are analysed: new posts, edited posts (their content hash
changed) and every post when an analyser's version changes. Older versions' rows are kept
until the new run is complete, then dropped. The view ``analysis`` joins posts with the
current results of every analyser in the pipeline (``results_<name>``, one view per analyser).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from antena.engine.pipeline import merged_output_schema, run_chain
from antena.store.database import ANALYSIS_VIEW, BARE_ANALYSIS_VIEW, transaction

CHUNK = 2000
RESULTS_PART = 200_000  # posts per part when the results are joined into ``analysis_results``
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


def _stale_flags_sql(chain: list[Any]) -> tuple[str, list[Any]]:
    """SQL for a string of one flag per analyser: '1' where the post lacks a current result."""
    parts, params = [], []
    for analyser in chain:
        parts.append(
            f"CASE WHEN EXISTS (SELECT 1 FROM {table_name(analyser.name)} a WHERE a.post_id = p.post_id"  # noqa: S608
            " AND a.version = ? AND a.content_hash IS NOT DISTINCT FROM p.content_hash) THEN '0' ELSE '1' END"
        )
        params.append(str(analyser.version))
    return "concat(" + ", ".join(parts) + ")" if parts else "''", params


def prepare_todo(con: duckdb.DuckDBPyConnection, chain: list[Any], limit: int | None = None) -> tuple[int, int]:
    """Fill temp table ``analysis_todo`` (rn, post_id, stale) with the posts needing analysis,
    grouped by which analysers are stale for them; returns (todo, total)."""
    ensure_tables(con, chain)
    flags, params = _stale_flags_sql(chain)
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE analysis_todo AS SELECT row_number() OVER (ORDER BY stale, post_id) AS rn,"  # noqa: S608
        f" post_id, stale FROM (SELECT post_id, {flags} AS stale FROM live_posts p"
        f") s WHERE stale LIKE '%1%'{limit_sql}",
        params,
    )
    todo = con.execute("SELECT count(*) FROM analysis_todo").fetchone()[0]
    total = con.execute("SELECT count(*) FROM live_posts").fetchone()[0]
    return int(todo), int(total)


def effective_stale(chain: list[Any], flags: str) -> list[bool]:
    """Stale analysers plus every analyser that reads a column a stale one assigns."""
    stale = [f == "1" for f in flags]
    dirty: set[str] = set()
    for i, analyser in enumerate(chain):
        if not stale[i] and dirty & (set(analyser.requires) | set(getattr(analyser, "uses", ()))):
            stale[i] = True
        if stale[i]:
            dirty.update(analyser.assigns)
    return stale


def iter_todo_batches(con: duckdb.DuckDBPyConnection, chain: list[Any], chunk: int = CHUNK
                      ) -> Iterator[tuple[pa.RecordBatch, list[bool]]]:
    """Batches of posts that share which analysers must run; the current results of the others
    are read from their tables, so a new version of one analyser does not rerun the rest."""
    groups = con.execute("SELECT stale, min(rn), max(rn) FROM analysis_todo GROUP BY stale ORDER BY 2").fetchall()
    for flags, first, last in groups:
        stale = effective_stale(chain, flags)
        cols = [f"p.{c}" for c in INPUT_COLUMNS]
        joins = []
        for i, analyser in enumerate(chain):
            if not stale[i]:
                version = str(analyser.version).replace("'", "")
                cols += [f"a{i}.{c}" for c in analyser.assigns]
                joins.append(f"LEFT JOIN {table_name(analyser.name)} a{i} ON a{i}.post_id = p.post_id"
                             f" AND a{i}.version = '{version}'")
        for start in range(first, last + 1, chunk):
            table = con.execute(
                f"SELECT {', '.join(cols)} FROM analysis_todo t JOIN posts p USING (post_id) {' '.join(joins)}"  # noqa: S608 - fixed names
                " WHERE t.rn BETWEEN ? AND ? ORDER BY t.rn",
                [start, min(start + chunk - 1, last)],
            ).to_arrow_table()
            for batch in table.combine_chunks().to_batches(max_chunksize=chunk):
                yield batch, stale


def superseded(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> set[str]:
    """The analysers holding a current-version row for a post in ``analysis_todo`` (a post edited
    since: its row has the old content hash and must be replaced). Only those need the per-chunk
    DELETE in ``store_results``; for the others it would scan their whole table for nothing."""
    names = set()
    for analyser in chain:
        found = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table_name(analyser.name)} a SEMI JOIN analysis_todo t"  # noqa: S608 - fixed names
            " ON t.post_id = a.post_id WHERE a.version = ?)", [str(analyser.version)]).fetchone()[0]
        if found:
            names.add(analyser.name)
    return names


def store_results(con: duckdb.DuckDBPyConnection, chain: list[Any], merged: pa.Table,
                  replace: set[str] | None = None) -> None:
    """Write one chunk's merged results (post_id, content_hash + every analyser's columns);
    ``replace``: the analysers whose current rows for these posts are deleted first (all when None)."""
    ids = merged.column("post_id")
    hashes = merged.column("content_hash")
    with transaction(con):
        for analyser in chain:
            version = pa.array([str(analyser.version)] * merged.num_rows, pa.string())
            table = pa.table(
                [ids, version, hashes] + [merged.column(k) for k in analyser.assigns],
                names=["post_id", "version", "content_hash", *analyser.assigns],
            )
            name = table_name(analyser.name)
            con.register("chunk_results", table)
            try:
                if replace is None or analyser.name in replace:
                    con.execute(
                        f"DELETE FROM {name} WHERE version = ? AND post_id IN (SELECT post_id FROM chunk_results)",  # noqa: S608
                        [str(analyser.version)],
                    )
                con.execute(f"INSERT INTO {name} SELECT * FROM chunk_results")  # noqa: S608
            finally:
                con.unregister("chunk_results")


def finish(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> None:
    """Drop superseded versions and (re)create the ``analysis`` view."""
    for analyser in chain:
        con.execute(f"DELETE FROM {table_name(analyser.name)} WHERE version <> ?", [str(analyser.version)])  # noqa: S608
    create_analysis_view(con, chain)


def results_view(analyser_name: str) -> str:
    """The view of one analyser's current results: ``results_<name>``."""
    return "results_" + table_name(analyser_name).removeprefix("ann_")


def create_analysis_view(con: duckdb.DuckDBPyConnection, chain: list[Any]) -> None:
    """Define one current-results view per analyser (``results_<name>``: its rows of the current
    version), materialise them side by side in ``analysis_results`` (one row per analysed post)
    and (re)define the view ``analysis``: live posts joined with it once.

    Posts are joined live, so a deletion imported after the analysis hides the post at once."""
    if not chain:
        con.execute(BARE_ANALYSIS_VIEW.format(temp=""))
        return
    selects, views = ["a0.post_id"], []
    for i, analyser in enumerate(chain):
        version = str(analyser.version).replace("'", "")
        view = results_view(analyser.name)
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (version) FROM {table_name(analyser.name)}"  # noqa: S608 - fixed names
                    f" WHERE version = '{version}'")
        selects += [f"a{i}.{col}" for col in analyser.assigns]
        views.append(view)
    # Joined in parts of about RESULTS_PART posts (by a hash of the id, on every side of the
    # joins): the hash tables of all analysers at once outgrew a 1 GB memory limit at 1.3 M posts.
    rows = con.execute(f"SELECT count(*) FROM {views[0]}").fetchone()[0]  # noqa: S608 - fixed names
    parts = max(1, -(-int(rows) // RESULTS_PART))

    def part(i: int) -> str:
        where = f" WHERE hash(post_id) % {parts} = {i}" if parts > 1 else ""
        sides = [f"FROM (SELECT * FROM {views[0]}{where}) a0"]  # noqa: S608 - fixed names
        sides += [f"LEFT JOIN (SELECT * FROM {v}{where}) a{k} ON a{k}.post_id = a0.post_id"  # noqa: S608
                  for k, v in enumerate(views) if k]
        return f"SELECT {', '.join(selects)} {' '.join(sides)}"

    con.execute(f"CREATE OR REPLACE TABLE analysis_results AS {part(0)}")  # noqa: S608
    for i in range(1, parts):
        con.execute(f"INSERT INTO analysis_results {part(i)}")  # noqa: S608
    con.execute(ANALYSIS_VIEW.format(temp=""))


def run_local(
    con: duckdb.DuckDBPyConnection,
    chain: list[Any],
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> AnalyzeReport:
    todo, total = prepare_todo(con, chain)
    if on_total:
        on_total(todo)
    replace = superseded(con, chain)
    for batch, stale in iter_todo_batches(con, chain):
        running = [a for a, run in zip(chain, stale, strict=True) if run]
        outputs = run_chain(running, batch)
        arrays, names = [batch.column("post_id"), batch.column("content_hash")], ["post_id", "content_hash"]
        for analyser in running:
            arrays += [outputs[analyser.name].column(k) for k in analyser.assigns]
            names += list(analyser.assigns)
        store_results(con, running, pa.table(arrays, names=names), replace)
        if progress:
            progress(batch.num_rows)
    finish(con, chain)  # analysis_todo stays for the caller (the aggregates' refresh)
    return AnalyzeReport(todo, total - todo, [a.name for a in chain], "local")


__all__ = ["AnalyzeReport", "merged_output_schema", "run_local"]
