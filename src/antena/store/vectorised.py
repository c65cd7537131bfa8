"""The vectorised import path: raw records mapped in SQL per chunk, stored with set-based joins.

The importer's ``records`` still splits the file (so the same quarantines, with file, line and
pointer, come out of it), and each raw record is still serialised once with sorted keys and
hashed (its content hash and the payload kept in ``raw_records`` are the same bytes either
way). What changes is per chunk of ``CHUNK`` records:

* mapping: DuckDB maps the chunk's payloads in SQL (the format's mapping module, e.g.
  ``x_mapping``); records the SQL does not read exactly as the Python ``map`` would (the
  module's ``regular`` column says which) are mapped by ``map``;
* Python per chunk only for what SQL cannot do: author pseudonyms (an HMAC per distinct author)
  and the hashtags, mentions and URLs ``make_post`` scans from a text with Python regexes;
* storing: one join of the chunk's post ids against ``posts`` (and of the known ones against
  ``raw_records``) decides new / known; new posts seen once in the chunk are inserted with one
  ``INSERT ... SELECT``; exact re-imports are counted as duplicates by the join; the rest (updates,
  edits, deletions, a post repeated in the chunk) go through the per-record ``Ingestor._flush``
  in file order, so their outcome is the per-record path's.

``Ingestor.import_file`` chooses the path (``choose_path``): ``[import] path`` in antena.toml or
``antena import --path``: ``auto`` (the default: vectorised for the formats below when the file
holds at least ``AUTO_MIN_BYTES``), ``vectorised`` or ``python``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from antena.schema import POST_COLUMNS, POST_SCHEMA
from antena.sources.base import RawRecord, extract_hashtags, extract_mentions, extract_urls
from antena.store import (
    crowdtangle_mapping,
    generic_mapping,
    meta_mapping,
    x_flat_mapping,
    x_mapping,
    x_v1_mapping,
)
from antena.store.database import transaction
from antena.store.rows import Pending, storable, to_arrow

# ``Ingestor`` and ``FileReport`` (antena.store.ingest, which imports this module) are typed as Any
# here: the package has no import cycles, not even for type checking.
Ingestor = Any
FileReport = Any

CHUNK = 25_000
# Formats whose raw records an SQL mapping reads. A mapping module has ``install(con)`` (temporary
# macros) and ``mapping_sql(source) -> str``: a query over ``vx_raw(idx, payload)`` giving one row
# per record in ``idx`` order with ``idx``, ``regular`` (mapped here exactly as ``source.map``
# would), ``author_native`` and the ``posts`` columns it can fill (POST_SCHEMA names; hashtags,
# mentions and urls NULL where ``make_post`` would scan them from the text).
VECTORISED_FORMATS = {
    "twitter_v2": x_mapping, "crowdtangle_csv": crowdtangle_mapping, "generic": generic_mapping,
    "meta_content_library": meta_mapping, "twitter_v2_flat": x_flat_mapping, "twitter_v1": x_v1_mapping,
}
PATHS = ("auto", "vectorised", "python")
AUTO_MIN_BYTES = 256 * 1024  # below this the per-record path is as quick (and starts sooner)

_RAW_SCHEMA = pa.schema([("idx", pa.int64()), ("payload", pa.string())])


def choose_path(setting: str, format_name: str, size: int) -> str:
    """``"vectorised"`` or ``"python"`` for a file of this format and (stored) size."""
    if format_name not in VECTORISED_FORMATS or setting == "python":
        return "python"
    if setting == "vectorised":
        return "vectorised"
    return "vectorised" if size >= AUTO_MIN_BYTES else "python"


@dataclass
class Chunk:
    """Raw records of one file waiting to be mapped and stored, in file order (the payload as
    its canonical JSON bytes only: a record the SQL cannot map is parsed again for ``map``)."""

    lines: list[int] = field(default_factory=list)
    pointers: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    # records of the file before this chunk that the per-record path would have put in a batch
    batched_before: int = 0
    carried: int = 0  # records carried over from the chunk before (an incomplete batch)

    def add(self, rec: RawRecord, payload_json: bytes, digest: str) -> None:
        self.lines.append(rec.line)
        self.pointers.append(rec.pointer)
        self.payloads.append(payload_json)
        self.digests.append(digest)

    def __len__(self) -> int:
        return len(self.payloads)

    def full(self) -> bool:
        return len(self.payloads) >= self.carried + CHUNK

    def last_line(self) -> int:
        return self.lines[-1] if self.lines else 0

    def record(self, i: int) -> RawRecord:
        return RawRecord(orjson.loads(self.payloads[i]), self.lines[i], self.pointers[i])

    def payload_array(self) -> pa.Array:
        """The payloads as one Arrow string array (Arrow checks the bytes are UTF-8; orjson wrote them)."""
        return pa.array(self.payloads, pa.string())

    def rest(self, start: int, batched_before: int) -> Chunk:
        return Chunk(self.lines[start:], self.pointers[start:], self.payloads[start:], self.digests[start:],
                     batched_before, len(self.payloads) - start)


def store_chunk(ingestor: Ingestor, chunk: Chunk, source: Any, name: str, file: str, now: datetime,
                options_json: str, bad: list, report: FileReport, final: bool = False) -> Chunk:
    """Map and store one chunk; records that cannot be stored are appended to ``bad``.

    The per-record path stores a file in batches of ``ingestor.batch_size`` mapped records, and
    a post's versions met within one batch are decided together: for the same outcome, only
    whole batches are stored here. The records of the last, incomplete batch come back as the
    start of the next chunk (unless ``final``)."""
    if not chunk:
        return chunk
    con = ingestor.con
    mapping = VECTORISED_FORMATS[name]
    mapping.install(con)
    n = len(chunk)
    payloads = chunk.payload_array()
    con.register("vx_raw", pa.table({"idx": pa.array(np.arange(n, dtype=np.int64)), "payload": payloads},
                                    schema=_RAW_SCHEMA))
    try:
        mapped = _in_order(con.execute(mapping.mapping_sql(source)).to_arrow_table())
    finally:
        con.unregister("vx_raw")
    regular = mapped.column("regular").fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    # the others through the per-record mapping, exactly as the Python path maps them
    outcome: dict[int, Any] = {}
    for i in np.flatnonzero(~regular).tolist():
        outcome[i] = ingestor._prepare_serialised(source, chunk.record(i), chunk.payloads[i], chunk.digests[i],
                                                  name, file, now, options_json)
    # the per-record path's batches: counted over the records it keeps pending (mapped ones)
    kept = regular.copy()
    for i, result in outcome.items():
        kept[i] = isinstance(result, Pending)
    batch_of = np.where(kept, (chunk.batched_before + np.cumsum(kept) - 1) // ingestor.batch_size, -1)
    count = chunk.batched_before + int(kept.sum())
    end = n
    if not final and count % ingestor.batch_size:
        end = int(np.argmax(batch_of == count // ingestor.batch_size))  # where the incomplete batch starts
    pending: dict[int, Pending] = {}
    for i, result in outcome.items():
        if i >= end:
            continue
        if isinstance(result, Pending):
            pending[i] = result
        else:
            bad.append(result.quarantine)
    if pending:
        kept_rows = storable(list(pending.values()), bad)
        kept_ids = {id(p) for p in kept_rows}
        pending = {i: p for i, p in pending.items() if id(p) in kept_ids}
    done = mapped.slice(0, end).filter(pa.array(regular[:end]))
    rows = _regular_rows(ingestor, done, chunk, name, file, now)
    _store(ingestor, rows, pending, batch_of, chunk, payloads, name, file, now, options_json, report)
    return chunk.rest(end, chunk.batched_before + int(kept[:end].sum()))


def _in_order(mapped: pa.Table) -> pa.Table:
    """The mapped rows in ``idx`` order (a mapping query without ORDER BY keeps its input's)."""
    idx = mapped.column("idx")
    if len(idx) and not pc.all(pc.equal(idx, pa.array(np.arange(len(idx), dtype=np.int64)))).as_py():
        return mapped.sort_by("idx")
    return mapped


def _regular_rows(ingestor: Ingestor, mapped: pa.Table, chunk: Chunk, name: str, file: str,
                  now: datetime) -> pa.Table:
    """The SQL-mapped rows as ``posts`` rows (POST_SCHEMA), with the Python-only parts filled in."""
    n = mapped.num_rows
    idx = mapped.column("idx")
    platform = mapped.column("platform")
    native = mapped.column("native_id")
    post_id = pc.binary_join_element_wise(platform, native, ":")
    # author pseudonyms: one HMAC per distinct (platform, author) (cached across chunks); no
    # platform holds a NUL, so the pair's key splits back at the first one
    pair = pc.binary_join_element_wise(platform, mapped.column("author_native"), "\x00")
    pairs = pc.unique(pair)
    pseudo = [None if key is None or not author else ingestor._pseudonym(platform_name, author)
              for key in pairs.to_pylist() for platform_name, author in [(key or "\x00").split("\x00", 1)]]
    author_id = pc.take(pa.array(pseudo, pa.string()), pc.index_in(pair, pairs))
    columns: dict[str, Any] = {}
    text = mapped.column("text")
    for column, scan in (("hashtags", extract_hashtags), ("mentions", extract_mentions), ("urls", extract_urls)):
        values = mapped.column(column)
        missing = pc.is_null(values)
        if not pc.any(missing).as_py():
            columns[column] = values
            continue
        # make_post scans the text when the API gave none: only those rows come to Python
        scanned: list[Any] = [None] * n
        where = np.flatnonzero(missing.to_numpy(zero_copy_only=False)).tolist()
        for i, t in zip(where, text.filter(missing).to_pylist(), strict=True):
            scanned[i] = scan(t)
        columns[column] = pc.coalesce(values, pa.array(scanned, pa.list_(pa.string())))
    collected = mapped.column("collected_at")
    stamp = pa.timestamp("us", tz="UTC")
    columns.update({
        "post_id": post_id,
        "author_id": author_id,
        "author_handle": mapped.column("author_handle") if ingestor.keep_handles else pa.nulls(n, pa.string()),
        "content_hash": pa.array(chunk.digests, pa.string()).take(idx),
        "source_format": pa.repeat(pa.scalar(name, pa.string()), n),
        "source_file": pa.repeat(pa.scalar(file, pa.string()), n),
        "source_line": pa.array(chunk.lines, pa.int64()).take(idx),
        "source_pointer": pa.array(chunk.pointers, pa.string()).take(idx),
        "imported_at": pa.repeat(pa.scalar(now, stamp), n),
        "collected_at": pc.fill_null(collected.cast(stamp), pa.scalar(now, stamp)),
        "stream_id": pa.nulls(n, pa.string()),
        "deleted": pa.repeat(pa.scalar(False), n),
        "withheld": pa.repeat(pa.scalar(False), n),
    })
    arrays = []
    for f in POST_SCHEMA:
        value = columns[f.name] if f.name in columns else mapped.column(f.name)
        arrays.append(value.cast(f.type) if value.type != f.type else value)
    return pa.Table.from_arrays(arrays, schema=POST_SCHEMA).append_column("idx", idx.cast(pa.int64()))


def _store(ingestor: Ingestor, rows: pa.Table, pending: dict[int, Pending], batch_of: np.ndarray,
           chunk: Chunk, payloads: pa.Array, name: str, file: str, now: datetime, options_json: str,
           report: FileReport) -> None:
    """Decide stored / duplicate / other by joins, insert the new posts set-based, and pass the
    others to the per-record ``_flush`` in file order."""
    con = ingestor.con
    if pending:  # the Python-mapped rows join the SQL-mapped ones
        extra = to_arrow([p.row for p in pending.values()]).append_column(
            "idx", pa.array(list(pending), pa.int64()))
        rows = pa.concat_tables([rows, extra]).sort_by("idx")
    if rows.num_rows == 0:
        return
    con.register("vx_rows", rows)
    try:
        # one join against posts (and, for known posts only, raw_records), as _flush reads them
        classes = con.execute(
            """
            WITH known AS (SELECT DISTINCT p.post_id FROM posts p SEMI JOIN vx_rows r ON p.post_id = r.post_id),
            seen AS (SELECT DISTINCT k.post_id, k.content_hash FROM raw_records k
                     SEMI JOIN known ON k.post_id = known.post_id
                     SEMI JOIN vx_rows r ON k.post_id = r.post_id AND k.content_hash = r.content_hash)
            SELECT r.idx, r.post_id, known.post_id IS NOT NULL AS known,
                   s.post_id IS NOT NULL AS duplicate,
                   known.post_id IS NULL AND count(*) OVER (PARTITION BY r.post_id) = 1 AS simple
            FROM vx_rows r
            LEFT JOIN known ON known.post_id = r.post_id
            LEFT JOIN seen s ON s.post_id = r.post_id AND s.content_hash = r.content_hash
            ORDER BY r.idx
            """).to_arrow_table()
        duplicate = classes.column("duplicate")
        simple = pc.and_(classes.column("simple"), pc.invert(duplicate))
        report.duplicates += pc.sum(duplicate.cast(pa.int64())).as_py() or 0
        new_idx = pa.table({"idx": classes.column("idx").filter(simple)})
        if new_idx.num_rows:
            con.register("vx_new", new_idx)
            con.register("vx_payloads", pa.table({"idx": pa.array(np.arange(len(chunk), dtype=np.int64)),
                                                   "payload": payloads}))
            try:
                with transaction(con):
                    con.execute("INSERT INTO posts SELECT * EXCLUDE (idx) FROM vx_rows SEMI JOIN vx_new USING (idx)")
                    con.execute(
                        "INSERT INTO raw_records (post_id, platform, native_id, source_format, content_hash, payload,"
                        " source_file, source_line, source_pointer, imported_at, source_options)"
                        " SELECT r.post_id, r.platform, r.native_id, ?, r.content_hash, p.payload, ?, r.source_line,"
                        " r.source_pointer, ?, ? FROM vx_rows r SEMI JOIN vx_new USING (idx)"
                        " JOIN vx_payloads p USING (idx)",
                        [name, file, now, options_json])
            finally:
                con.unregister("vx_new")
                con.unregister("vx_payloads")
            report.stored += new_idx.num_rows
        rest = pc.invert(pc.or_(simple, duplicate))
        others = classes.column("idx").filter(rest).to_pylist()
        known = set(classes.column("post_id").filter(classes.column("known")).to_pylist())
    finally:
        con.unregister("vx_rows")
    if not others:
        return
    wanted = set(others)
    row_dicts = {r["idx"]: r for r in rows.filter(pc.is_in(rows.column("idx"), pa.array(others, pa.int64()))).to_pylist()}
    batches: dict[int, list[Pending]] = {}
    for i in sorted(wanted):
        if i in pending:
            batches.setdefault(int(batch_of[i]), []).append(pending[i])
            continue
        row = {k: row_dicts[i][k] for k in POST_COLUMNS}
        batches.setdefault(int(batch_of[i]), []).append(Pending(row, {
            "post_id": row["post_id"], "platform": row["platform"], "native_id": row["native_id"],
            "source_format": name, "content_hash": row["content_hash"], "payload": chunk.payloads[i].decode(),
            "source_file": file, "source_line": chunk.lines[i], "source_pointer": chunk.pointers[i],
            "imported_at": now, "source_options": options_json,
        }))
    stored = known  # posts stored before this chunk, then those the batches store
    for number in sorted(batches):  # in the per-record path's batches, in file order
        ids = {p.row["post_id"] for p in batches[number]}
        ingestor._flush(batches[number], report, unknown=not ids & stored)
        stored |= ids

