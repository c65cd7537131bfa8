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

from antena.config import CONFIG_NAME, default_config_text, load_config
from antena.errors import ProjectError
from antena.store.database import DB_NAME, connect, load_or_create_secret
from antena.store.files import expand_inputs
from antena.store.ingest import Counts, FileReport, Ingestor, iter_raw_records


class Project:
    """A project folder: ``antena.toml``, ``antena.duckdb`` and ``.antena/secret.key``."""

    def __init__(self, folder: str | Path, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.config = load_config(self.folder)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None

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
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reload_config(self) -> None:
        self.config = load_config(self.folder)

    # ------------------------------------------------------------------ import

    def _ingestor(self) -> Ingestor:
        keep = bool(self.config.get("privacy", {}).get("keep_handles", False))
        return Ingestor(self.con, load_or_create_secret(self.folder), keep_handles=keep)

    def import_files(
        self,
        paths: Iterable[str | Path],
        format_name: str | None = None,
        options: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        on_file: Callable[[str], None] | None = None,
    ) -> tuple[Counts, list[FileReport]]:
        """Import files (folders, .gz and .zip are opened); returns totals and one report per file."""
        ingestor = self._ingestor()
        total = Counts()
        reports = []
        for item in expand_inputs([Path(p) for p in paths]):
            if on_file:
                on_file(item.display)
            report = ingestor.import_file(item, format_name, options, progress)
            total.add(report)
            reports.append(report)
        self.audit("import", f"{len(reports)} files, {total.read} records")
        return total, reports

    def remap(self, progress: Callable[[int], None] | None = None) -> Counts:
        """Rebuild ``posts`` from the stored raw records with the current importers."""
        con = self.con
        con.execute("DELETE FROM posts")
        con.execute("DELETE FROM post_versions")
        counts = self._ingestor().replay(iter_raw_records(con), progress, config=self.config)
        self.audit("remap", f"{counts.read} raw records replayed")
        return counts

    # ------------------------------------------------------------------ query

    def where(self, query: str | None, *, relevant: bool = False) -> tuple[str, list[Any]]:
        """SQL condition and parameters for a query over ``posts`` (``TRUE`` when empty).

        ``relevant=True`` ANDs the project's ``[relevance] query`` (the working set).
        """
        from antena.query import compile_query

        timezone = str(self.config.get("project", {}).get("timezone") or "UTC")
        parts = [compile_query(query, timezone=timezone)] if query and query.strip() else []
        if relevant:
            parts.insert(0, self._relevance_condition(timezone))
        if not parts:
            return "TRUE", []
        return " AND ".join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]

    def _relevance_condition(self, timezone: str) -> tuple[str, list[Any]]:
        from antena.errors import QuerySyntaxError
        from antena.query import compile_query

        text = self.relevance_query()
        if not text:
            raise ProjectError(f"{self.folder / CONFIG_NAME} has no [relevance] query")
        try:
            return compile_query(text, timezone=timezone)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(f"[relevance] query in {CONFIG_NAME}: {str(exc).splitlines()[0].rsplit(' at column', 1)[0]}",
                                   exc.query, exc.column) from None

    def relevance_query(self) -> str:
        return str(self.config.get("relevance", {}).get("query", "")).strip()

    def posts(self, query: str | None = None, columns: list[str] | None = None, limit: int | None = None,
              include_deleted: bool = False, *, relevant: bool = False) -> pa.Table:
        """Posts matching ``query`` as an Arrow table (``.to_pandas()``, ``polars.from_arrow``)."""
        condition, params = self.where(query, relevant=relevant)
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        deleted = "" if include_deleted else " AND NOT coalesce(deleted, false) AND NOT coalesce(withheld, false)"
        sql = f"SELECT {cols} FROM posts WHERE ({condition}){deleted} ORDER BY created_at, post_id"  # noqa: S608 - condition is compiled, values are parameters
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.con.execute(sql, params).to_arrow_table()

    def count(self, query: str | None = None, *, relevant: bool = False) -> int:
        """How many posts ``posts(query)`` returns (deleted and withheld posts excluded)."""
        condition, params = self.where(query, relevant=relevant)
        sql = (f"SELECT count(*) FROM posts WHERE ({condition}) AND NOT coalesce(deleted, false)"  # noqa: S608
               " AND NOT coalesce(withheld, false)")
        return int(self.con.execute(sql, params).fetchone()[0])

    def to_pandas(self, query: str | None = None, *, relevant: bool = False) -> Any:
        return self.posts(query, relevant=relevant).to_pandas()

    def to_polars(self, query: str | None = None, *, relevant: bool = False) -> Any:
        import polars as pl

        return pl.from_arrow(self.posts(query, relevant=relevant))

    def export(self, path: str | Path, format: str | None = None, query: str | None = None, *,
               relevant: bool = False) -> dict[str, Any]:
        """Stream matching posts to CSV, Parquet or JSONL; returns rows, path, format and columns."""
        from antena.query.export import export_posts

        return export_posts(self, Path(path), format, query, relevant=relevant)

    # ------------------------------------------------------------------ analysis

    def pipeline(self, only: list[str] | None = None) -> list[Any]:
        """The analysers configured in ``antena.toml``, instantiated in order."""
        from antena.engine.pipeline import build_pipeline

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
            from antena.engine.local import run_local

            report = run_local(self.con, chain, progress, on_total)
        self.audit("analyze", f"{report.analysed} posts with {', '.join(report.analysers)} ({engine})")
        return report

    def analysis(self, query: str | None = None, limit: int | None = None) -> pa.Table:
        """Posts with every analyser's current results, as Arrow (after ``analyze``)."""
        condition, params = self.where(query)
        sql = (f"SELECT * FROM analysis WHERE ({condition}) AND NOT coalesce(deleted, false)"  # noqa: S608
               " AND NOT coalesce(withheld, false) ORDER BY created_at, post_id")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.con.execute(sql, params).to_arrow_table()

    # ------------------------------------------------------------------ results

    def stats(self, sections: set[str] | None = None) -> dict[str, Any]:
        """The analytics behind the report (``antena stats``)."""
        from antena.analytics import compute_stats

        return compute_stats(self, sections)

    def report(self, langs: tuple[str, ...] = ("es", "en"), folder: str | Path | None = None,
               pdf: bool = True) -> dict[str, Any]:
        """Write the report in each language to ``folder`` (default: the project's ``reports/``)."""
        from antena.report.build import build_report

        out = Path(folder) if folder else self.folder / "reports"
        stats = self.stats()
        written = {}
        for lang in langs:
            name = "informe" if lang == "es" else "report"
            result = build_report(self, lang, out / f"{name}-{lang}.html",
                                  out / f"{name}-{lang}.pdf" if pdf else None, stats=stats)
            written[lang] = {"html": str(result.html), "pdf": str(result.pdf) if result.pdf else None}
        self.audit("report", ", ".join(written))
        return written

    def sync_reviews(self) -> dict[str, Any]:
        """Queue risky posts for human review (``antena review sync``)."""
        from antena.protect.review import ReviewQueue

        return ReviewQueue(self).sync().as_dict()

    # ------------------------------------------------------------------ misc

    def audit(self, action: str, detail: str, actor: str = "cli") -> None:
        if not self.read_only:
            self.con.execute("INSERT INTO audit_log (actor, action, detail) VALUES (?, ?, ?)", [actor, action, detail])

    def summary(self) -> dict[str, Any]:
        con = self.con
        posts = con.execute("SELECT count(*), count(*) FILTER (WHERE deleted OR withheld) FROM posts").fetchone()
        by_platform = dict(con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC").fetchall())
        return {
            "project": self.config.get("project", {}).get("name"),
            "folder": str(self.folder),
            "posts": posts[0],
            "deleted_or_withheld": posts[1],
            "versions": con.execute("SELECT count(*) FROM post_versions").fetchone()[0],
            "quarantined": con.execute("SELECT count(*) FROM quarantine").fetchone()[0],
            "by_platform": by_platform,
        }


def open_project(folder: str | Path, read_only: bool = False) -> Project:
    """Open an existing project folder (``antena.open``)."""
    return Project(folder, read_only=read_only)
