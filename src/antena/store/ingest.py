"""The import pipeline: files -> raw records -> canonical posts, with nothing lost or doubled.

Every record read ends in exactly one of four counts:

* ``stored``: a post seen for the first time;
* ``updated``: a new version of a known post (an edit, fresh engagement counts, a deletion);
  the older version moves to ``post_versions``;
* ``duplicates``: the same raw record seen before (re-importing a file stores nothing new);
* ``quarantined``: could not be read or mapped; kept in ``quarantine`` with file, line, field
  and reason.

Records are processed in batches, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from antena import registry
from antena.errors import FormatError
from antena.schema import POST_COLUMNS, SYNTHETIC_MARK
from antena.sources.base import Post, Quarantine, RawRecord
from antena.store import vectorised
from antena.store.checkpoints import CheckpointPacer
from antena.store.database import pseudonym, transaction
from antena.store.files import InputFile, detect_format
from antena.store.rows import Pending as _Pending
from antena.store.rows import storable as _storable
from antena.store.rows import to_arrow as _to_arrow

BATCH_SIZE = 5000
# Author pseudonyms kept per import (an HMAC each otherwise): ~300 bytes an entry, so 100,000
# hold ~30 MiB; at 500,000 the cache alone took ~150 MiB of a demo-scale-30 import.
PSEUDONYM_CACHE = 100_000

ProgressFn = Callable[[int], None]


@dataclass
class Counts:
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def add(self, other: Counts) -> None:
        for name in ("read", "stored", "updated", "duplicates", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def reconciles(self) -> bool:
        return self.read == self.stored + self.updated + self.duplicates + self.quarantined


@dataclass
class FileReport(Counts):
    file: str = ""
    format: str = ""
    message: str = ""
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _digest(data: bytes) -> str:
    """The content hash of a raw record's canonical JSON (sorted keys): spots exact re-imports."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Ingestor:
    """Writes mapped posts into the store, deciding new / updated / duplicate per record."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        key: bytes,
        keep_handles: bool = False,
        batch_size: int = BATCH_SIZE,
        path: str = "auto",
    ) -> None:
        self.con = con
        self.key = key
        self.keep_handles = keep_handles
        self.batch_size = batch_size
        self.path = path  # "auto", "vectorised" or "python" (antena.store.vectorised.choose_path)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.last_path = ""  # the path the last import_file took
        self._pseudonym = functools.lru_cache(maxsize=PSEUDONYM_CACHE)(functools.partial(pseudonym, key))
        # set by Project.import_files: checkpoints by row group (antena.store.checkpoints)
        self.pacer: CheckpointPacer | None = None

    # ------------------------------------------------------------------ files

    def import_file(
        self,
        item: InputFile,
        format_name: str | None = None,
        options: dict[str, Any] | None = None,
        progress: ProgressFn | None = None,
    ) -> FileReport:
        report = FileReport(file=item.display)
        if item.broken:
            return self._unreadable(item, report, item.broken)
        try:
            head = item.head()
            sha = item.sha256()
        except Exception as exc:  # noqa: BLE001 - an unreadable file is reported, the import goes on
            return self._unreadable(item, report, f"{type(exc).__name__}: {exc}")
        if not head.strip():
            report.message = f"{item.display}: the file is empty; nothing to import"
            return report
        try:
            name = format_name or detect_format(item, head)
        except FormatError as exc:
            report.format = "unknown"
            report.message = str(exc)
            report.read = 1
            self._quarantine(
                [Quarantine(reason="unknown format", field="(file)", line=0, raw=head[:4096].decode("utf-8", "replace"))],
                item.display, sha, "unknown", report,
            )
            return report
        source = registry.get_source(name, **(options or {}))
        report.format = name
        options_json = orjson.dumps(options or {}).decode()
        now = self.clock()
        started = now
        pending: list[_Pending] = []
        bad: list[Quarantine] = []
        self.last_path = vectorised.choose_path(self.path, name, _stored_size(item))
        chunk = vectorised.Chunk() if self.last_path == "vectorised" else None
        with item.open() as stream, _gc_paused():
            for rec in _guarded(source.records(stream, item.display)):
                report.read += 1
                if isinstance(rec, Quarantine):
                    bad.append(rec)
                elif chunk is not None:  # _serialised and _digest, written out (run once per record)
                    try:
                        payload_json = orjson.dumps(rec.payload, option=orjson.OPT_SORT_KEYS)
                    except (orjson.JSONEncodeError, TypeError) as exc:
                        bad.append(_unserialisable(rec, exc))
                    else:
                        chunk.add(rec, payload_json, hashlib.blake2b(payload_json, digest_size=16).hexdigest())
                        if chunk.full():
                            chunk = vectorised.store_chunk(self, chunk, source, name, item.display, now,
                                                           options_json, bad, report)
                            self._committed()
                else:
                    try:
                        pending.append(self._prepare(source, rec, name, item.display, now, options_json))
                    except _Rejected as exc:
                        bad.append(exc.quarantine)
                if len(pending) >= self.batch_size:
                    self._flush(_storable(pending, bad), report)
                    pending = []
                    self._committed()
                if len(bad) >= self.batch_size:
                    self._quarantine(bad, item.display, sha, name, report)
                    bad = []
                if progress and report.read % 1000 == 0:
                    progress(1000)
            if stream.error:  # the rest of the file could not be read: say where it stopped
                report.read += 1
                last = max(_last_line(pending, bad), chunk.last_line() if chunk is not None else 0)
                bad.append(Quarantine(reason=stream.error, field="(file)", line=last))
        if chunk is not None:
            vectorised.store_chunk(self, chunk, source, name, item.display, now, options_json, bad, report,
                                   final=True)
        self._flush(_storable(pending, bad), report)
        self._quarantine(bad, item.display, sha, name, report)
        if progress:
            progress(report.read % 1000)
        if report.read == 0:
            report.message = f"{item.display}: no records found in this {name} file"
        self.con.execute(
            "INSERT INTO imports (source_file, file_sha256, source_format, started_at, finished_at,"
            " read, stored, updated, duplicates, quarantined, message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [item.display, sha, name, started, self.clock(), report.read, report.stored,
             report.updated, report.duplicates, report.quarantined, report.message],
        )
        return report

    def _committed(self) -> None:
        """A chunk or batch was stored: the pacer may checkpoint now."""
        if self.pacer is not None:
            self.pacer.after_commit()

    def _prepare(self, source: Any, rec: RawRecord, name: str, file: str, now: datetime,
                 options_json: str) -> _Pending:
        """Map one raw record into a posts row and its raw_records row; ``_Rejected`` if it
        cannot be stored (mapping failed, or the payload cannot be serialised)."""
        payload_json = _serialised(rec)
        return self._map_serialised(source, rec, payload_json, _digest(payload_json), name, file, now, options_json)

    def _prepare_serialised(self, source: Any, rec: RawRecord, payload_json: bytes, digest: str, name: str,
                            file: str, now: datetime, options_json: str) -> _Pending | _Rejected:
        """``_prepare`` for a record already serialised and hashed (the vectorised path's
        fallback); returns the rejection instead of raising it."""
        try:
            return self._map_serialised(source, rec, payload_json, digest, name, file, now, options_json)
        except _Rejected as exc:
            return exc

    def _map_serialised(self, source: Any, rec: RawRecord, payload_json: bytes, digest: str, name: str,
                        file: str, now: datetime, options_json: str) -> _Pending:
        mapped = _safe_map(source, rec.payload)
        if isinstance(mapped, Quarantine):
            mapped.line = mapped.line or rec.line
            mapped.pointer = mapped.pointer or rec.pointer
            if not mapped.raw:
                mapped.raw = payload_json.decode()
            raise _Rejected(mapped)
        try:
            row = self._finish(mapped, rec, name, file, now, digest)
        except Exception as exc:  # noqa: BLE001 - a mapped value the store cannot take
            raise _Rejected(Quarantine(reason=f"record cannot be stored: {type(exc).__name__}: {exc}",
                                       field="(record)", line=rec.line, pointer=rec.pointer,
                                       raw=payload_json.decode())) from None
        raw = {
            "post_id": row["post_id"], "platform": row["platform"],
            "native_id": row["native_id"], "source_format": name,
            "content_hash": row["content_hash"],
            "payload": payload_json.decode(),
            "source_file": file, "source_line": rec.line,
            "source_pointer": rec.pointer, "imported_at": now,
            "source_options": options_json,
        }
        return _Pending(row, raw)

    def _unreadable(self, item: InputFile, report: FileReport, why: str) -> FileReport:
        """A file that cannot even be opened: one quarantine entry, and the import goes on."""
        report.message = f"{item.display}: cannot be read ({why})"
        report.read = 1
        sha = ""
        with contextlib.suppress(Exception):
            sha = item.sha256()
        self._quarantine([Quarantine(reason=f"file cannot be read: {why}", field="(file)", line=0)],
                         item.display, sha, report.format or "unknown", report)
        return report

    # ------------------------------------------------------------------ remap

    def replay(
        self,
        rows: Iterable[dict[str, Any]],
        progress: ProgressFn | None = None,
        config: dict[str, Any] | None = None,
    ) -> Counts:
        """Rebuild posts from stored raw records (``antena remap``): posts and versions are
        assumed emptied by the caller; raw records stay as they are. With the project
        ``config``, a source class may refresh its stored options first (``refresh_options``:
        the generic source re-reads a mapping named in antena.toml)."""
        counts = FileReport()
        pending: list[_Pending] = []
        sources: dict[tuple[str, str], Any] = {}
        now = datetime.now(UTC)
        for raw in rows:
            counts.read += 1
            key = (raw["source_format"], raw.get("source_options") or "{}")
            if key not in sources:
                options = orjson.loads(key[1])
                refresh = getattr(registry.sources().get(key[0]), "refresh_options", None)
                if config is not None and refresh is not None:
                    options = refresh(options, config)
                sources[key] = registry.get_source(key[0], **options)
            payload = orjson.loads(raw["payload"])
            mapped = _safe_map(sources[key], payload)
            if isinstance(mapped, Quarantine):
                counts.quarantined += 1
                counts.quarantine_reasons[mapped.reason] = counts.quarantine_reasons.get(mapped.reason, 0) + 1
            else:
                rec = RawRecord(payload, raw["source_line"] or 0, raw["source_pointer"] or "")
                row = self._finish(mapped, rec, raw["source_format"], raw["source_file"], now, raw["content_hash"])
                row["imported_at"] = raw["imported_at"]
                pending.append(_Pending(row, None))
            if len(pending) >= self.batch_size:
                self._flush(pending, counts)
                pending = []
            if progress and counts.read % 1000 == 0:
                progress(1000)
        self._flush(pending, counts)
        return counts

    # ------------------------------------------------------------------ internals

    def _finish(self, post: Post, rec: RawRecord, fmt: str, file: str, now: datetime, digest: str) -> dict[str, Any]:
        row = dict.fromkeys(POST_COLUMNS)
        row.update(post.fields)
        row["post_id"] = f"{row['platform']}:{row['native_id']}"
        if post.author_native:
            row["author_id"] = self._pseudonym(row["platform"], post.author_native)
        row["author_handle"] = post.author_handle if self.keep_handles else None
        row["content_hash"] = digest
        row["source_format"] = fmt
        row["source_file"] = file
        row["source_line"] = rec.line
        row["source_pointer"] = rec.pointer
        row["imported_at"] = now
        marked = isinstance(rec.payload, dict) and bool(rec.payload.get(SYNTHETIC_MARK))
        row["synthetic"] = bool(row.get("synthetic")) or marked
        row["deleted"] = bool(row.get("deleted"))
        row["withheld"] = bool(row.get("withheld"))
        if row["deleted"] or row["withheld"]:
            row["text"] = None
        if row["collected_at"] is None:
            row["collected_at"] = now
        return row

    def _flush(self, pending: list[_Pending], report: Counts, unknown: bool = False) -> None:
        """Store one batch in order; ``unknown``: the caller knows none of its posts is stored
        yet (the vectorised path's join said so), and the lookups are skipped."""
        if not pending:
            return
        con = self.con
        ids = list({p.row["post_id"] for p in pending})
        existing = {} if unknown else {
            r[0]: {"content_hash": r[1], "version_key": r[2], "deleted": r[3]}
            for r in con.execute(
                "SELECT post_id, content_hash, version_key, deleted OR withheld FROM posts"
                " WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
                [ids],
            ).fetchall()
        }
        replaying = pending[0].raw is None
        known_raw: set[tuple[str, str]] = set()
        if not replaying and existing:
            # a raw record can only be known for a post that exists: look up just those
            known_raw = set(
                con.execute(
                    "SELECT post_id, content_hash FROM raw_records WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
                    [list(existing)],
                ).fetchall()
            )
        final: dict[str, dict[str, Any]] = {}  # post_id -> row to be in posts
        superseded_in_db: set[str] = set()
        to_versions: list[dict[str, Any]] = []
        deletions: set[str] = set()
        raws: list[dict[str, Any]] = []
        for p in pending:
            row = p.row
            pid, digest = row["post_id"], row["content_hash"]
            if (pid, digest) in known_raw:
                report.duplicates += 1
                continue
            known_raw.add((pid, digest))
            current = final.get(pid) or existing.get(pid)
            if current is None:
                final[pid] = row
                report.stored += 1
            elif current["deleted"] and not (row["deleted"] or row["withheld"]):
                report.duplicates += 1  # a copy of a post we were told is gone: honour the deletion
                continue
            elif row["deleted"] or row["withheld"]:
                deletions.add(pid)
                if pid in final:
                    final[pid].update({"deleted": row["deleted"], "withheld": row["withheld"], "text": None})
                    final[pid]["content_hash"] = digest
                else:
                    superseded_in_db.add(pid)
                    final[pid] = row
                existing[pid] = {"content_hash": digest, "version_key": row["version_key"], "deleted": True}
                report.updated += 1
            else:
                newer = (row["version_key"] or "") >= (current["version_key"] or "")
                if newer:
                    if pid in final:
                        to_versions.append(final[pid])
                    else:
                        superseded_in_db.add(pid)
                    final[pid] = row
                else:
                    to_versions.append(row)
                report.updated += 1
            if p.raw is not None:
                raws.append(p.raw)
        with transaction(con):
            if superseded_in_db:
                ids_param = [sorted(superseded_in_db)]
                con.execute(
                    "INSERT INTO post_versions SELECT *, now() FROM posts"
                    " WHERE post_id IN (SELECT unnest(?::VARCHAR[]))", ids_param)
                con.execute("DELETE FROM posts WHERE post_id IN (SELECT unnest(?::VARCHAR[]))", ids_param)
            if final:
                _insert_rows(con, "posts", list(final.values()))
            if to_versions:
                with _registered(con, "batch_versions", _to_arrow(to_versions)):
                    con.execute("INSERT INTO post_versions SELECT *, now() FROM batch_versions")
            if deletions:
                ids_param = [sorted(deletions)]
                con.execute(
                    "UPDATE post_versions SET text = NULL, hashtags = [], mentions = [], urls = []"
                    " WHERE post_id IN (SELECT unnest(?::VARCHAR[]))", ids_param)
                con.execute(
                    "UPDATE raw_records SET payload = NULL WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
                    ids_param)
            if raws:
                with _registered(con, "batch_raw", pa.Table.from_pylist(raws)):
                    con.execute(
                        "INSERT INTO raw_records (post_id, platform, native_id, source_format, content_hash,"
                        " payload, source_file, source_line, source_pointer, imported_at, source_options)"
                        " SELECT post_id, platform, native_id, source_format, content_hash, payload,"
                        " source_file, source_line, source_pointer, imported_at, source_options FROM batch_raw")
                if deletions:
                    # the deletion notice itself stays; the deleted content does not
                    con.execute(
                        "UPDATE raw_records SET payload = NULL WHERE post_id IN (SELECT unnest(?::VARCHAR[]))"
                        " AND content_hash NOT IN (SELECT unnest(?::VARCHAR[]))",
                        [sorted(deletions), [final[d]["content_hash"] for d in sorted(deletions)]])

    def _quarantine(self, bad: list[Quarantine], file: str, sha: str, fmt: str, report: FileReport) -> None:
        if not bad:
            return
        now = datetime.now(UTC)
        rows = []
        for q in bad:
            report.quarantined += 1
            report.quarantine_reasons[q.reason] = report.quarantine_reasons.get(q.reason, 0) + 1
            rows.append([file, sha, q.line, q.pointer, fmt, _text(q.field), _text(q.reason),
                         _text(q.raw[:1_000_000]), now])
        self.con.executemany(
            "INSERT OR IGNORE INTO quarantine (source_file, file_sha256, source_line, source_pointer,"
            " source_format, field, reason, raw, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _serialised(rec: RawRecord) -> bytes:
    """A raw record's canonical JSON (sorted keys), or ``_Rejected`` when it has none."""
    try:
        return orjson.dumps(rec.payload, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise _Rejected(_unserialisable(rec, exc)) from None


def _unserialisable(rec: RawRecord, exc: Exception) -> Quarantine:
    return Quarantine(reason=f"record cannot be stored: {exc}", field="(record)", line=rec.line,
                      pointer=rec.pointer, raw=_preview(rec.payload))


def _stored_size(item: InputFile) -> int:
    """The file's size as stored (compressed), for choosing the import path; 0 if unknown."""
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _text(value: str) -> str:
    """Text the database accepts: invalid UTF-8 kept as lone surrogates becomes U+FFFD."""
    return value.encode("utf-8", "replace").decode("utf-8") if value else value


class _Rejected(Exception):
    def __init__(self, quarantine: Quarantine) -> None:
        super().__init__(quarantine.reason)
        self.quarantine = quarantine


def _preview(payload: Any) -> str:
    try:
        return orjson.dumps(payload, default=str).decode()[:100_000]
    except (orjson.JSONEncodeError, TypeError):
        return repr(payload)[:100_000].encode("utf-8", "replace").decode("utf-8")


def _guarded(records: Iterator[RawRecord | Quarantine]) -> Iterator[RawRecord | Quarantine]:
    """A source's records; a crash inside the reader becomes one quarantine entry naming the
    last line reached, instead of ending the import (the records before it are kept)."""
    line = 0
    while True:
        try:
            rec = next(records)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - a reader bug or hostile file must not stop the import
            yield Quarantine(reason=f"reading stopped: {type(exc).__name__}: {exc}", field="(file)", line=line)
            return
        line = max(line, rec.line)
        yield rec


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic collector off while a file is read: the parsed pages are millions of
    short-lived, acyclic objects (freed by reference counting), which it would only scan again
    and again (about 5% of an import's CPU)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _last_line(pending: list[_Pending], bad: list[Quarantine]) -> int:
    lines = [p.row["source_line"] or 0 for p in pending[-1:]] + [q.line for q in bad[-1:]]
    return max(lines, default=0)


def _safe_map(source: Any, payload: dict[str, Any]) -> Post | Quarantine:
    """Run a source's ``map``; a crash in it quarantines the record instead of the import."""
    try:
        result = source.map(payload)
    except Exception as exc:  # the record is kept; the bug is reported with it
        return Quarantine(reason=f"mapping failed: {type(exc).__name__}: {exc}", field="(record)")
    if not isinstance(result, Post | Quarantine):
        return Quarantine(reason=f"source returned {type(result).__name__}", field="(record)")
    return result


@contextlib.contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _insert_rows(con: duckdb.DuckDBPyConnection, table_name: str, rows: list[dict[str, Any]]) -> None:
    with _registered(con, "batch_posts", _to_arrow(rows)):
        con.execute(f"INSERT INTO {table_name} SELECT * FROM batch_posts")  # noqa: S608 - fixed table names only


def clear_posts(con: duckdb.DuckDBPyConnection) -> None:
    """Empty ``posts`` and ``post_versions`` before ``remap`` rebuilds them from the raw records."""
    con.execute("DELETE FROM posts")
    con.execute("DELETE FROM post_versions")
    # remapped posts keep their import time: the statistics' aggregates must be rebuilt in full
    con.execute("DROP TABLE IF EXISTS stats_state")


def iter_raw_records(con: duckdb.DuckDBPyConnection, chunk: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """Raw records in import order, for ``remap``; deleted contents (NULL payload) are skipped."""
    last = -1
    while True:
        cursor = con.execute(
            "SELECT seq, source_format, source_options, payload, content_hash, source_file, source_line,"
            " source_pointer, imported_at FROM raw_records WHERE payload IS NOT NULL AND seq > ?"
            " ORDER BY seq LIMIT ?",
            [last, chunk],
        )
        names = [d[0] for d in cursor.description]
        batch = cursor.fetchall()
        if not batch:
            return
        for values in batch:
            yield dict(zip(names, values, strict=True))
        last = batch[-1][0]
