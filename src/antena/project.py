"""The ``Project``: the one object the CLI, the Python API and the web app share.

>>> import antena
>>> project = antena.open("my-project")          # doctest: +SKIP
>>> project.posts("secuestr* AND lang:es").to_pandas()   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from antena.analytics import compute_stats
from antena.analytics.stored import refresh_aggregates
from antena.config import CONFIG_NAME, default_config_text, load_config
from antena.engine.local import run_local
from antena.engine.pipeline import build_pipeline
from antena.errors import ProjectError
from antena.protect.review import ReviewQueue
from antena.query.export import export_posts
from antena.schema import POST_COLUMNS
from antena.store.checkpoints import paced_checkpoints
from antena.store.database import DB_NAME, connect, load_or_create_secret
from antena.store.files import expand_inputs
from antena.store.ingest import Counts, FileReport, Ingestor, clear_posts, iter_raw_records
from antena.store.limits import Limits
from antena.store.queries import Store


class Project:
    """A project folder: ``antena.toml``, ``antena.duckdb`` and ``.antena/secret.key``."""

    def __init__(self, folder: str | Path, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.config = load_config(self.folder)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        self._store: Store | None = None

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def init(cls, folder: str | Path, name: str | None = None) -> Project:
        """Create a project folder with a commented ``antena.toml`` and an empty database."""
        folder = Path(folder)
        if (folder / CONFIG_NAME).exists():
            raise ProjectError(f"{folder} already holds an Antena project")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CONFIG_NAME).write_text(default_config_text(name or folder.resolve().name), encoding="utf-8")
        load_or_create_secret(folder)
        project = cls(folder)
        project.con  # noqa: B018 - creates the database and its tables
        return project

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            limit = self.config.get("project", {}).get("memory_limit")
            self._con = connect(self.folder, read_only=self.read_only, memory_limit=limit)
        return self._con

    @property
    def store(self) -> Store:
        """The project's read model (``store/queries.py``) over its connection."""
        if self._store is None:
            self._store = Store(self.con, self.config, self.read_only, self.folder)
        return self._store

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
            self._store = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reload_config(self) -> None:
        self.config = load_config(self.folder)
        if self._store is not None:
            self._store.config = self.config

    # ------------------------------------------------------------------ import

    def _ingestor(self, path: str | None = None) -> Ingestor:
        keep = bool(self.config.get("privacy", {}).get("keep_handles", False))
        chosen = path or str(self.config.get("import", {}).get("path", "auto"))
        return Ingestor(self.con, load_or_create_secret(self.folder), keep_handles=keep, path=chosen)

    def import_files(
        self,
        paths: Iterable[str | Path],
        format_name: str | None = None,
        options: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        on_file: Callable[[str], None] | None = None,
        path: str | None = None,
    ) -> tuple[Counts, list[FileReport]]:
        """Import files (folders, .gz and .zip are opened); returns totals and one report per file.
        ``path`` forces the import path (``auto``, ``vectorised``, ``python``; default: ``[import] path``)."""
        ingestor = self._ingestor(path)
        total = Counts()
        reports = []
        limits = Limits.from_config(self.config)
        with paced_checkpoints(self.con) as pacer:  # each row group written once, not once per 16 MiB
            ingestor.pacer = pacer
            for item in expand_inputs([Path(p) for p in paths], limits):
                if on_file:
                    on_file(item.display)
                try:
                    report = ingestor.import_file(item, format_name, options, progress)
                except Exception as exc:  # noqa: BLE001 - one file never stops the others
                    report = FileReport(file=item.display, message=f"{item.display}: import failed"
                                        f" ({type(exc).__name__}: {exc}); the other files were imported")
                total.add(report)
                reports.append(report)
        self.audit("import", f"{len(reports)} files, {total.read} records")
        return total, reports

    def remap(self, progress: Callable[[int], None] | None = None) -> Counts:
        """Rebuild ``posts`` from the stored raw records with the current importers."""
        clear_posts(self.con)
        counts = self._ingestor().replay(iter_raw_records(self.con), progress, config=self.config)
        self.audit("remap", f"{counts.read} raw records replayed")
        return counts

    # ------------------------------------------------------------------ query

    def where(self, query: str | None) -> tuple[str, list[Any]]:
        """SQL condition and parameters for a query (``TRUE`` when empty)."""
        return self.store.where(query)

    def scope_query(self) -> str:
        """The project's scope (``[scope] query`` in antena.toml)."""
        return self.store.scope_query()

    def posts(self, query: str | None = None, columns: list[str] | None = None, limit: int | None = None,
              include_deleted: bool = False, *, relevant: bool = False, in_scope: bool = False) -> pa.Table:
        """Live posts matching ``query`` as an Arrow table (``.to_pandas()``, ``polars.from_arrow``).

        ``relevant=True`` keeps the relevance analyser's relevant posts; ``in_scope=True`` those
        matching the ``[scope] query``."""
        selection = self.store.select(query, relevant=relevant, in_scope=in_scope, include_deleted=include_deleted,
                                      columns=columns or list(POST_COLUMNS))
        return selection.arrow(limit)

    def count(self, query: str | None = None, *, relevant: bool = False, in_scope: bool = False) -> int:
        """How many posts ``posts(query)`` returns (deleted and withheld posts excluded)."""
        return self.store.count(query, relevant=relevant, in_scope=in_scope)

    def to_pandas(self, query: str | None = None, *, relevant: bool = False, in_scope: bool = False) -> Any:
        return self.posts(query, relevant=relevant, in_scope=in_scope).to_pandas()

    def to_polars(self, query: str | None = None, *, relevant: bool = False, in_scope: bool = False) -> Any:
        import polars as pl

        return pl.from_arrow(self.posts(query, relevant=relevant, in_scope=in_scope))

    def export(self, path: str | Path, format: str | None = None, query: str | None = None, *,
               relevant: bool = False, in_scope: bool = False, columns: list[str] | None = None,
               partition_by: str | None = None) -> dict[str, Any]:
        """Stream matching posts with their analysis results to CSV, Parquet or JSONL (redacted as
        ``[privacy] redact`` says; ``partition_by="day"``: a Parquet folder partitioned by day);
        returns rows, path, format and columns."""
        return export_posts(self.store, Path(path), format, query, relevant=relevant, in_scope=in_scope,
                            columns=columns, partition_by=partition_by)

    # ------------------------------------------------------------------ analysis

    def pipeline(self, only: list[str] | None = None) -> list[Any]:
        """The analysers configured in ``antena.toml``, instantiated in order."""
        return build_pipeline(self.config, only, self.folder)

    def analyze(
        self,
        engine: str = "local",
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
        spark_master: str = "local[2]",
    ) -> Any:
        """Run the configured analysers over new or changed posts; results stay in the project."""
        chain = self.pipeline()
        if engine == "spark":
            from antena.engine.spark import run_spark

            report = run_spark(self.con, chain, spark_master, progress, on_total)
        else:
            report = run_local(self.con, chain, progress, on_total)
        refresh_aggregates(self.store, after_analysis=True)  # the statistics' daily aggregates and stored figures
        self.audit("analyze", f"{report.analysed} posts with {', '.join(report.analysers)} ({engine})")
        return report

    def analysis(self, query: str | None = None, limit: int | None = None, *, relevant: bool = False) -> pa.Table:
        """Live posts with every analyser's current results, as Arrow (after ``analyze``)."""
        return self.store.select(query, relevant=relevant).arrow(limit)

    # ------------------------------------------------------------------ results

    def stats(self, sections: set[str] | None = None) -> dict[str, Any]:
        """The analytics behind the report (``antena stats``)."""
        return compute_stats(self.store, sections)

    def report(self, langs: tuple[str, ...] = ("es", "en"), folder: str | Path | None = None,
               pdf: bool = True) -> dict[str, Any]:
        """Write the report in each language to ``folder`` (default: the project's ``reports/``)."""
        from antena.report.build import build_report

        out = Path(folder) if folder else self.folder / "reports"
        stats = self.stats()
        written = {}
        for lang in langs:
            name = "informe" if lang == "es" else "report"
            result = build_report(self.store, lang, out / f"{name}-{lang}.html",
                                  out / f"{name}-{lang}.pdf" if pdf else None, stats=stats)
            written[lang] = {"html": str(result.html), "pdf": str(result.pdf) if result.pdf else None}
        self.audit("report", ", ".join(written))
        return written

    def sync_reviews(self) -> dict[str, Any]:
        """Queue risky posts for human review (``antena review sync``)."""
        return ReviewQueue(self.store).sync().as_dict()

    # ------------------------------------------------------------------ misc

    def audit(self, action: str, detail: str, actor: str = "cli") -> None:
        self.store.audit(action, detail, actor)

    def summary(self) -> dict[str, Any]:
        """Posts (all, live, deleted or withheld, relevant), versions, quarantined, by platform."""
        return {**self.store.summary(), "folder": str(self.folder)}


def open_project(folder: str | Path, read_only: bool = False) -> Project:
    """Open an existing project folder (``antena.open``)."""
    return Project(folder, read_only=read_only)
