"""Hostile queries: every failure is a QuerySyntaxError with a column, never a traceback, and
the dashboard answers 400, never 500 (issue 10, finding 6)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient  # noqa: I001

from antena.errors import QuerySyntaxError
from antena.query import compile_query
from antena.web import create_app

from .test_query import con, ids  # noqa: F401 - the shared in-memory posts table
from .test_web import make_project

ALPHABET = st.characters(codec="utf-8")
QUERY_PIECES = st.sampled_from([
    "niño", "robo", "AND", "OR", "NOT", "NEAR/3", "NEAR/", "(", ")", '"', "*", "#", "@", "-", ":",
    "since:", "until:", "lang:", "kind:", "platform:", "author:", "9999-12-31", "0001-01-01", "2017-13-45",
    "\x00", "\u202e", "\ud7ff", "'", ";", "--", "/*", "%", "_", "\\", "ab " * 200, "a" * 600,
])


def check(con: duckdb.DuckDBPyConnection, query: str) -> None:  # noqa: F811
    """The query either runs on DuckDB or fails as a QuerySyntaxError pointing into it."""
    try:
        sql, params = compile_query(query)
    except QuerySyntaxError as exc:
        assert 1 <= exc.column <= max(len(exc.query), 1) + 1, (query, exc.column)
        assert "Traceback" not in str(exc)
        return
    con.execute(f"SELECT count(*) FROM posts WHERE {sql}", params).fetchone()  # noqa: S608 - compiled


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(ALPHABET, max_size=60))
def test_any_text_compiles_or_fails_with_a_column(con: duckdb.DuckDBPyConnection, query: str) -> None:  # noqa: F811
    check(con, query)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(QUERY_PIECES, min_size=1, max_size=8).map(" ".join))
def test_query_shaped_text_compiles_or_fails_with_a_column(con: duckdb.DuckDBPyConnection, query: str) -> None:  # noqa: F811
    check(con, query)


@pytest.mark.parametrize(("query", "fragment", "column"), [
    ("since:9999-12-31", "out of range", 7),
    ("robo until:9999-12-31", "out of range", 12),
    ("a" * 13312, "longer than", 1),
    ('"' + "ab " * 4000 + '"', "longer than", 1),
    ("niño OR " + " OR ".join('"' + "ab " * 150 + str(i) + '"' for i in range(30)), "", 0),
])
def test_the_audit_queries_fail_cleanly(con: duckdb.DuckDBPyConnection, query: str, fragment: str, column: int) -> None:  # noqa: F811
    try:
        sql, params = compile_query(query)
    except QuerySyntaxError as exc:
        assert fragment and fragment in str(exc) and exc.column == column
        return
    assert not fragment, "expected an error"
    con.execute(f"SELECT count(*) FROM posts WHERE {sql}", params).fetchone()  # noqa: S608


def test_punctuation_only_phrases_are_literal(con: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    assert ids(con, '"*"') == {17}  # the one post with an asterisk, not every post
    assert ids(con, '"..."') == {9}
    assert ids(con, '"%"') == {17}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = make_project(tmp_path_factory.mktemp("q") / "proj", analyse=False)
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("query", ["since:9999-12-31", "a" * 13312, '"' + "ab " * 4000 + '"', "(((", "kind:nope"])
def test_the_dashboard_answers_400_never_500(client: TestClient, query: str) -> None:
    page = client.get("/posts", params={"q": query})
    api = client.get("/api/posts", params={"q": query})
    assert page.status_code == 400 and api.status_code == 400
    assert "column" in api.json() and api.json()["error"]
