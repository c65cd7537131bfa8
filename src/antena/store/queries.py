"""The read model: every read the CLI, the Python API, the dashboard, plan/ and protect/ make.

A ``Store`` wraps one open DuckDB connection and the project's settings. It reads two views
defined once in ``store/database.py``: ``live_posts`` (neither deleted nor withheld) and
``analysis`` (live posts with every analyser's current results, after ``antena analyze``).
``relevant`` means one thing everywhere: the relevance analyser's decision in ``analysis``.

>>> store = project.store                                   # doctest: +SKIP
>>> store.select("secuestr* AND lang:es", relevant=True).count()     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from antena.config import scope_query
from antena.errors import ProjectError, QuerySyntaxError
from antena.query import compile_query
from antena.store import reviews

LIVE_POSTS = "live_posts"
ANALYSIS = "analysis"
ORDER = "created_at NULLS LAST, post_id"  # one order for the CLI, the API, exports and the dashboard
RELEVANT = "coalesce(relevant, false)"
NOT_ANALYSED = ("no relevance results yet: run `antena analyze DIR` with \"relevance\" in [pipeline] analysers "
                "before asking for relevant posts")


def quote(name: str) -> str:
    """A column or table name as a SQL identifier (names come from the catalogue or code)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Selection:
    """A lazy selection of posts: a relation, a compiled condition and its parameters.

    Nothing runs until ``count``, ``arrow``, ``rows``, ``page`` or ``relation`` is called."""

    con: duckdb.DuckDBPyConnection
    source: str
    condition: str
    params: list[Any]
    columns: list[str]
    order: str = ORDER

    def only(self, columns: Iterable[str]) -> Selection:
        """The same rows with the given columns (in that order) of those it has; others skipped."""
        wanted = [c for c in columns if c in self.columns]
        return replace(self, columns=wanted)

    def sql(self, limit: int | None = None, offset: int = 0) -> tuple[str, list[Any]]:
        cols = ", ".join(quote(c) for c in self.columns)
        sql = f"SELECT {cols} FROM {self.source} WHERE {self.condition} ORDER BY {self.order}"  # noqa: S608 - names from the catalogue, values are parameters
        params = list(self.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        return sql, params

    def count(self) -> int:
        sql = f"SELECT count(*) FROM {self.source} WHERE {self.condition}"  # noqa: S608
        return int(self.con.execute(sql, self.params).fetchall()[0][0])

    def arrow(self, limit: int | None = None, offset: int = 0) -> pa.Table:
        sql, params = self.sql(limit, offset)
        return self.con.execute(sql, params).to_arrow_table()

    def rows(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        sql, params = self.sql(limit, offset)
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def page(self, page: int, per_page: int) -> list[dict[str, Any]]:
        """Rows of page ``page`` (from 1) of ``per_page`` rows."""
        return self.rows(per_page, (max(1, page) - 1) * per_page)

    def relation(self, cursor: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
        """The selection as a lazy DuckDB relation (on ``cursor``, default a new cursor)."""
        sql, params = self.sql()
        return (cursor or self.con.cursor()).sql(sql, params=params)


@dataclass
class Store:
    """The project's read model over one connection (``Project.store``)."""

    con: duckdb.DuckDBPyConnection
    config: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    folder: Path | None = None  # the project folder (its adapted models live under .antena/)

    # ------------------------------------------------------------------ introspection

    def tables(self) -> set[str]:
        """Names of every table and view (temporary ones included)."""
        return {r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()}

    def has_table(self, name: str) -> bool:
        return name in self.tables()

    def columns(self, table: str) -> dict[str, str]:
        """Column name -> DuckDB type of a table or view, in order; empty when it does not exist."""
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position", [table]).fetchall()
        return dict(rows)

    def has_column(self, table: str, column: str) -> bool:
        return column in self.columns(table)

    @property
    def analysed(self) -> bool:
        """Whether ``antena analyze`` has defined the ``analysis`` view."""
        return self.has_table(ANALYSIS)

    @property
    def has_relevance(self) -> bool:
        return self.has_column(ANALYSIS, "relevant")

    def results(self, analyser: str) -> tuple[str, dict[str, str]] | None:
        """(relation, columns) of one analyser's current results: the view ``results_<name>``
        that ``antena analyze`` defines, or, for tables written otherwise, the newest version
        of ``ann_<name>``; None when there are none."""
        if not analyser.replace("_", "").isalnum():
            raise ValueError(f"bad analyser name {analyser!r}")
        view, table = f"results_{analyser}", f"ann_{analyser}"
        columns = self.columns(view)
        if columns:
            return view, columns
        columns = self.columns(table)
        if "post_id" not in columns:
            return None
        if "version" in columns:
            return (f"(SELECT * FROM {table} WHERE version = (SELECT max(version) FROM {table}))", columns)  # noqa: S608 - checked name
        return table, columns

    # ------------------------------------------------------------------ settings

    @property
    def timezone(self) -> str:
        return str(self.config.get("project", {}).get("timezone") or "UTC")

    def scope_query(self) -> str:
        """The project's scope: the boolean query of ``[scope] query`` in antena.toml."""
        return scope_query(self.config)

    # ------------------------------------------------------------------ posts

    def where(self, query: str | None) -> tuple[str, list[Any]]:
        """SQL condition and parameters for a query (``TRUE`` when empty)."""
        if not query or not query.strip():
            return "TRUE", []
        return compile_query(query, timezone=self.timezone)

    def scope_condition(self) -> tuple[str, list[Any]]:
        """The scope query as a condition (an error when antena.toml has none)."""
        text = self.scope_query()
        if not text:
            raise ProjectError("antena.toml has no [scope] query")
        try:
            return compile_query(text, timezone=self.timezone)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(f"[scope] query in antena.toml: {str(exc).splitlines()[0].rsplit(' at column', 1)[0]}",
                                   exc.query, exc.column) from None

    def select(self, query: str | None = None, *, relevant: bool = False, in_scope: bool = False,
               columns: list[str] | None = None, include_deleted: bool = False,
               results: bool = True) -> Selection:
        """Live posts matching ``query``; ``relevant`` keeps the relevance analyser's positives,
        ``in_scope`` those matching the scope query. ``results`` reads the ``analysis`` view
        (posts with their analysis columns) when it exists. Lazy: see ``Selection``."""
        if include_deleted:
            source = "posts"
        elif (results or relevant) and self.analysed:
            source = ANALYSIS
        else:
            source = LIVE_POSTS
        if relevant and not self.has_column(source, "relevant"):
            raise ProjectError(NOT_ANALYSED)
        parts: list[tuple[str, list[Any]]] = []
        if relevant:
            parts.append((RELEVANT, []))
        if in_scope:
            parts.append(self.scope_condition())
        condition, params = self.where(query)
        if condition != "TRUE":
            parts.append((condition, params))
        where = " AND ".join(f"({sql})" for sql, _ in parts) or "TRUE"
        names = list(self.columns(source))
        if columns is not None:
            unknown = [c for c in columns if c not in names]
            if unknown:
                raise ProjectError(f"unknown columns {unknown}; available: {', '.join(names)}")
            names = list(columns)
        return Selection(self.con, source, where, [p for _, ps in parts for p in ps], names)

    def count(self, query: str | None = None, *, relevant: bool = False, in_scope: bool = False) -> int:
        """How many live posts match (the same number ``select(...).count()`` gives)."""
        return self.select(query, relevant=relevant, in_scope=in_scope, results=relevant).count()

    def relevant_count(self) -> int | None:
        """Relevant live posts, or None before the relevance analysis."""
        return self.count(relevant=True) if self.analysed and self.has_relevance else None

    # ------------------------------------------------------------------ facts

    def summary(self) -> dict[str, Any]:
        """Posts, live posts, deleted or withheld, synthetic, versions, quarantined, by platform."""
        con = self.con
        posts = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        live, synthetic = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE coalesce(synthetic, false)) FROM live_posts").fetchall()[0]
        return {
            "project": self.config.get("project", {}).get("name"),
            "posts": posts,
            "live_posts": live,
            "deleted_or_withheld": posts - live,
            "synthetic_posts": synthetic,  # among the live posts
            "relevant_posts": self.relevant_count(),
            "versions": con.execute("SELECT count(*) FROM post_versions").fetchall()[0][0],
            "quarantined": con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0],
            "by_platform": dict(con.execute(
                "SELECT platform, count(*) FROM live_posts GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()),
            "analysed": self.analysed,
        }

    def has_post(self, post_id: str) -> bool:
        """Whether ``post_id`` is stored (live or not)."""
        return bool(self.con.execute("SELECT count(*) FROM posts WHERE post_id = ?", [post_id]).fetchall()[0][0])

    def raw_records(self) -> int:
        """How many raw records are stored (what ``antena remap`` replays)."""
        return int(self.con.execute("SELECT count(*) FROM raw_records").fetchall()[0][0])

    def source_files(self) -> int:
        """How many distinct files the posts were imported from."""
        return int(self.con.execute("SELECT count(DISTINCT source_file) FROM posts").fetchall()[0][0])

    def data_range(self) -> tuple[Any, Any] | None:
        """First and last ``created_at`` of the live posts (None when there are none)."""
        row = self.con.execute("SELECT min(created_at), max(created_at) FROM live_posts").fetchall()[0]
        return None if row[0] is None else (row[0], row[1])

    def by_platform(self, relation: str = LIVE_POSTS) -> list[tuple[str, int]]:
        return self.con.execute(f"SELECT platform, count(*) FROM {relation} GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()  # noqa: S608 - fixed names

    # ------------------------------------------------------------------ quarantine

    def quarantine(self, limit: int | None = None, offset: int = 0, preview: int | None = None
                   ) -> tuple[int, list[dict[str, Any]]]:
        """(total, rows) of quarantined records in file and line order; ``raw`` cut to ``preview``."""
        total = self.con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
        raw = "left(raw, ?) AS raw" if preview is not None else "raw"
        sql = ("SELECT source_file, source_line, source_pointer, source_format, field, reason, "  # noqa: S608 - fixed SQL
               f"{raw}, length(raw) AS raw_length, quarantined_at FROM quarantine "
               "ORDER BY source_file, source_line, id")
        params: list[Any] = [preview] if preview is not None else []
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        return int(total), self.dicts(sql, params)

    # ------------------------------------------------------------------ reviews

    def reviews(self, status: str | None = "open", signal: str | None = None, limit: int | None = None,
                offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """(total, cases) of the review queue, highest score first, with each post's text (not
        redacted: callers redact); ``(0, [])`` before the queue exists."""
        if not self.has_table("reviews"):
            return 0, []
        return reviews.cases(self.con, status, signal, limit, offset)

    # ------------------------------------------------------------------ helpers

    def dicts(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query; rows as dicts (values stay parameters, never formatted in)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def audit(self, action: str, detail: str, actor: str = "cli") -> None:
        """Record an action in ``audit_log`` (nothing when opened read-only)."""
        if not self.read_only:
            self.con.execute("INSERT INTO audit_log (actor, action, detail) VALUES (?, ?, ?)", [actor, action, detail])
