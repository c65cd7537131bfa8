"""Read-only access to a project for the dashboard.

Each request opens the project read-only and closes it when done, so the dashboard never holds
DuckDB's file lock for long: ``antena import`` or ``antena analyze`` can run beside it (pages
answer "busy" while they write). Statistics, the page header's counts, chart SVGs and the report
are cached per project version (the database, its write-ahead log and ``antena.toml``): recomputed
when it changes; after ``cache_seconds`` unchanged, recomputed in the background while the cached
copy is still served.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from antena.analytics import compute_stats
from antena.errors import AntenaError, QuerySyntaxError
from antena.project import Project
from antena.protect.identity import PublicIds
from antena.protect.redact import public_handles, redact
from antena.store.version import files_stamp

POST_COLUMNS = ("post_id", "platform", "kind", "author_id", "created_at", "text", "lang", "url")
ANALYSIS_COLUMNS = ("relevant", "topics", "sentiment", "targets")
MAX_TEXT = 2000
RAW_PREVIEW = 300
SAFE_URL_PREFIXES = ("https://", "http://")


class BadQuery(AntenaError):
    """A query that parsed but cannot be used (no relevance results yet, a pattern DuckDB refuses)."""


class ProjectBusy(AntenaError):
    """Another command holds the database's write lock (an import or analysis is running)."""


@dataclass
class Page:
    """One page of rows and what is needed to link to its neighbours."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    columns: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "pages": self.pages,
                "rows": self.rows}


class ProjectReader:
    """The dashboard's window on one project folder: short read-only sessions and a cache."""

    def __init__(self, folder: str | Path, cache_seconds: float = 300.0) -> None:
        self.folder = Path(folder)
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[tuple[Any, ...], float, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # ------------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def open(self) -> Iterator[Project]:
        """The project opened read-only for one request; ``ProjectBusy`` while a writer runs."""
        project = Project(self.folder, read_only=True)
        try:
            try:
                project.con  # noqa: B018 - opens the connection now, to report a lock clearly
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    raise ProjectBusy("the project is being written by another antena command") from None
                raise
            yield project
        finally:
            project.close()

    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever the database, its write-ahead log, ``antena.toml`` or the secret key
        change (``store.version.files_stamp``, the version ``antena stats`` caches per too)."""
        return tuple(files_stamp(self.folder))

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key while the project is unchanged (same ``fingerprint``).

        An entry older than ``cache_seconds`` whose project is unchanged is still served, while
        one background thread computes it again: no visitor waits for figures that cannot have
        changed (at 1 M posts the statistics take seconds)."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        hit = self._cache.get(key)
        if hit and hit[0] == self.fingerprint():
            if time.monotonic() - hit[1] >= self.cache_seconds:
                self._recompute_later(key, compute, lock)
            return hit[2]
        with lock:
            stamp = self.fingerprint()
            hit = self._cache.get(key)
            if hit and hit[0] == stamp:  # another request computed it meanwhile
                return hit[2]
            value = compute()
            self._cache[key] = (stamp, time.monotonic(), value)
            return value

    def _recompute_later(self, key: str, compute: Callable[[], Any], lock: threading.Lock) -> None:
        if not lock.acquire(blocking=False):
            return  # already being computed

        def work() -> None:
            try:
                stamp = self.fingerprint()
                with contextlib.suppress(Exception):  # busy or broken: the next request tries again
                    self._cache[key] = (stamp, time.monotonic(), compute())
            finally:
                lock.release()

        threading.Thread(target=work, daemon=True, name=f"antena-cache-{key}").start()

    # ------------------------------------------------------------------ statistics

    def stats(self) -> dict[str, Any]:
        """``compute_stats`` for the project (what ``antena stats --json`` prints), cached."""
        def compute() -> dict[str, Any]:
            with self.open() as project:
                return PublicIds.for_project(project).deep(compute_stats(project.store))

        return self.cached("stats", compute)

    def context(self, lang: str) -> dict[str, Any]:
        """The report's context (findings, chart SVGs, targets...) for ``lang``, cached."""
        from antena.report.build import build_context

        def compute() -> dict[str, Any]:
            stats = self.stats()
            with self.open() as project:
                return build_context(project.store, stats, lang)

        return self.cached(f"context:{lang}", compute)

    def report_html(self, lang: str) -> str:
        """The HTML listening report, rendered on demand (``antena report``'s output), cached."""
        from antena.report.build import build_report

        def compute() -> str:
            stats = dict(self.stats())  # build_report adds a key; keep the cached dict intact
            with self.open() as project, tempfile.TemporaryDirectory(prefix="antena-report-") as tmp:
                out = Path(tmp) / "report.html"
                build_report(project.store, lang, out, stats=stats)
                return out.read_text(encoding="utf-8")

        return self.cached(f"report:{lang}", compute)

    def summary(self) -> dict[str, Any]:
        """The facts every page shows: posts, synthetic posts, quarantined records, analysed or
        not; cached like the statistics (counting them reads every post: 0.3 s at 130,000 posts)."""
        def compute() -> dict[str, Any]:
            with self.open() as project:
                facts = project.store.summary()
                return {"project": facts["project"] or self.folder.name, "posts": facts["live_posts"],
                        "synthetic_posts": facts["synthetic_posts"], "quarantined": facts["quarantined"],
                        "relevant_posts": facts["relevant_posts"], "analysed": facts["analysed"]}

        return self.cached("summary", compute)

    # ------------------------------------------------------------------ posts

    def posts(self, query: str | None, page: int = 1, per_page: int = 50, relevant: bool = False) -> Page:
        """A page of posts matching ``query`` (the query language), texts redacted.

        Rows, count and order come from ``Store.select``, the same as ``antena search``."""
        with self.open() as project:
            store = project.store
            keep = keep_handles(project.config)
            tz = ZoneInfo(store.timezone)
            try:
                selection = store.select(query, relevant=relevant).only(POST_COLUMNS + ANALYSIS_COLUMNS)
                columns = selection.columns
                total = selection.count()
                rows = selection.page(page, per_page)
            except QuerySyntaxError:
                raise
            except AntenaError as exc:
                raise BadQuery(str(exc)) from None
            except duckdb.Error as exc:
                raise BadQuery("the query could not run: " + (str(exc).splitlines() or [""])[0]) from None
            ids = PublicIds.for_project(project)
            return Page([ids.row(_post_row(r, keep, tz)) for r in rows], total, page, per_page, columns)

    # ------------------------------------------------------------------ quarantine

    def quarantine(self, page: int = 1, per_page: int = 50) -> Page:
        """Quarantined records: file, line, pointer, format, field, reason, raw text (truncated)."""
        with self.open() as project:
            total, found = project.store.quarantine(per_page, (page - 1) * per_page, preview=RAW_PREVIEW)
            rows = []
            for r in found:
                r["truncated"] = (r.pop("raw_length") or 0) > RAW_PREVIEW
                r["raw"] = redact(r["raw"], keep_handles(project.config))
                r["quarantined_at"] = _iso(r["quarantined_at"])
                rows.append(r)
            names = list(rows[0]) if rows else []
            return Page(rows, total, page, per_page, names)

    def reviews(self, status: str | None = "open", page: int = 1, per_page: int = 50) -> Page:
        """The human review queue (``antena review``), in the CLI's order; texts redacted.

        Read only: decisions are taken with ``antena review decide`` and audited there."""
        with self.open() as project:
            total, found = project.store.reviews(status, None, per_page, (page - 1) * per_page)
            keep = keep_handles(project.config)
            ids = PublicIds.for_project(project)
            rows = []
            for r in found:
                r["text"] = redact(r["text"], keep)
                r["created_at"], r["decided_at"] = _iso(r["created_at"]), _iso(r["decided_at"])
                rows.append(ids.row(r))
            return Page(rows, total, page, per_page, list(rows[0]) if rows else [])


def keep_handles(config: dict[str, Any]) -> list[str]:
    """Targets' own @handles (public institutions), kept visible by redaction."""
    return public_handles(config)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _post_row(row: dict[str, Any], keep: list[str], tz: ZoneInfo) -> dict[str, Any]:
    """A post for display and JSON: redacted text, local time, only http(s) links."""
    text = redact(row.get("text"), keep)
    out = dict(row)
    out["text"] = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    created = row.get("created_at")
    out["created_at"] = _iso(created)
    out["local_time"] = created.astimezone(tz).strftime("%Y-%m-%d %H:%M") if created else None
    url = row.get("url") or ""
    out["url"] = url if url.lower().startswith(SAFE_URL_PREFIXES) else None
    if "targets" in out and out["targets"] is not None:
        out["targets"] = [dict(t) if isinstance(t, dict) else {"target": str(t)} for t in out["targets"]]
    return out
