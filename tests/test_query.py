"""The boolean query language: parsing, errors, matching semantics and SQL safety on real DuckDB."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib.resources import files

import duckdb
import pytest

from antena.errors import QuerySyntaxError
from antena.query import compile_query, parse
from antena.query.parser import MAX_QUERY_LENGTH, And, Not, Or
from antena.store.database import SCHEMA_SQL

UTC = dt.UTC

# id, text, hashtags, mentions, lang, platform, kind, author_id, author_handle, created_at (UTC)
ROWS = [
    (1, "Roban a un NIÑO en Tijuana #AlertaAmber", ["alertaamber"], None, "es", "x", "post", "a_1", None, "2017-03-02 18:00"),
    (2, "el robot de juguete", None, None, "es", "x", "post", "a_2", None, "2017-03-03 10:00"),
    (3, "Secuestraron a dos niñas ayer", None, None, "es", "facebook", "comment", "a_3", None, "2017-04-01 10:00"),
    (4, "secuestro de un menor", None, None, "es", "x", "reply", "a_1", None, "2017-05-01 10:00"),
    (5, "los ninos estan bien", None, None, "es", "x", "post", "a_2", None, "2017-06-01 10:00"),
    (6, "Alerta   Amber activada, comparte", None, None, "es", "x", "post", "a_4", "maria_mx", "2017-07-01 10:00"),
    (7, "alerta-amber", None, None, "es", "x", "repost", "a_4", "maria_mx", "2017-08-01 10:00"),
    (8, "robo de un pequeño niño", None, None, "es", "x", "post", "a_5", None, "2017-09-01 10:00"),
    (9, "niño... robo", None, None, "es", "x", "post", "a_5", None, "2017-10-01 10:00"),
    (10, "robo a b c d niño", None, None, "es", "x", "post", "a_5", None, "2017-11-01 10:00"),
    (11, "nin\u0303os descompuestos", None, None, "es", "x", "post", "a_6", None, "2017-12-31 23:30"),
    (12, "hola @FGRMexico", None, ["fgrmexico"], "es", "x", "post", "a_6", None, "2018-01-01 03:00"),
    (13, "#NiñosRobados hoy", ["niñosrobados"], None, "es", "x", "post", "a_6", None, "2018-01-01 07:00"),
    (14, None, None, None, None, "x", "post", None, None, None),
    (15, "¿Dónde está? ¡AYUDA! «niño»", None, None, "es", "youtube", "live_chat", "a_7", None, "2018-02-01 10:00"),
    (16, "Missing child, AMBER alert issued. Kidnapping suspected.", ["amberalert"], None, "en", "x", "post", "a_8", None, "2018-03-01 10:00"),
    (17, "price: 3.5 [sic] a+b (x) c:\\path 50% *star* $HOME ^caret", None, None, "en", "x", "post", "a_8", None, "2018-03-02 10:00"),
    (18, "niños and or not the words", None, None, "en", "x", "post", "a_9", None, "2018-03-03 10:00"),
    (19, "hola @juan.perez, mira", None, ["juan.perez"], "es", "instagram", "comment", "a_9", None, "2018-03-04 10:00"),
    (20, "adiós @juan. Fin", None, None, "es", "instagram", "comment", "a_9", None, "2018-03-05 10:00"),
]
ALL = {r[0] for r in ROWS}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(":memory:")
    db.execute(SCHEMA_SQL)
    for (i, text, tags, mentions, lang, platform, kind, author, handle, when) in ROWS:
        created = dt.datetime.fromisoformat(when).replace(tzinfo=UTC) if when else None
        db.execute(
            "INSERT INTO posts (post_id, platform, native_id, kind, author_id, author_handle, created_at, text,"
            " lang, hashtags, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f"t:{i}", platform, str(i), kind, author, handle, created, text, lang, tags, mentions],
        )
    yield db
    db.close()


def ids(con: duckdb.DuckDBPyConnection, query: str, timezone: str = "UTC") -> set[int]:
    sql, params = compile_query(query, timezone=timezone)
    rows = con.execute(f"SELECT native_id FROM posts WHERE {sql}", params).fetchall()  # noqa: S608 - compiled
    return {int(r[0]) for r in rows}


@pytest.mark.parametrize(("query", "expected"), [
    # whole words, case and accents
    ("robo", {8, 9, 10}),  # not "robot"
    ("NIÑO", {1, 8, 9, 10, 15}),
    ("niños", {5, 11, 18}),  # "ninos", decomposed "nin\u0303os", "niños"
    ("ninos", {5, 11, 18}),
    ("donde", {15}),  # "¿Dónde" : ¿ separates words
    ("ayuda", {15}),
    # wildcards
    ("secuestr*", {3, 4}),
    ("nin*", {1, 3, 5, 8, 9, 10, 11, 13, 15, 18}),  # also inside the text of "#NiñosRobados"
    ("*uestro", {4}),
    # phrases: any separators between the words, wildcards inside
    ('"alerta amber"', {6, 7}),
    ("“alerta amber”", {6, 7}),
    ('"secuestr* de un"', {4}),
    ('"amber alert"', {16}),
    # boolean operators and precedence
    ("robo OR roban", {1, 8, 9, 10}),
    ("robo niño", {8, 9, 10}),
    ("robo AND niño", {8, 9, 10}),
    ("niño NOT robo", {1, 15}),
    ("niño -robo", {1, 15}),
    ("NOT robo", ALL - {8, 9, 10}),
    ("roban OR robo AND pequeño", {1, 8}),  # AND binds tighter than OR
    ("(roban OR robo) AND pequeño", {8}),
    ("NOT robo AND niño", {1, 15}),  # NOT binds tighter than AND
    ("NOT (robo OR niño) AND ninos", {5, 11, 18}),
    # lowercase and/or/not are plain words
    ("and", {18}),
    ("niños and", {18}),
    ("not", {18}),
    # NEAR/n: at most n words between, either order
    ("robo NEAR/2 niño", {9}),
    ("robo NEAR/3 niño", {8, 9}),
    ("robo NEAR/4 niño", {8, 9, 10}),
    ("niño NEAR/0 robo", {9}),
    ("(robo OR roban) NEAR/3 niño", {1, 8, 9}),
    ('"alerta amber" NEAR/1 comparte', {6}),
    # hashtags and mentions: list column or text, accent-insensitive, wildcards
    ("#AlertaAmber", {1}),
    ("#ninosrobados", {13}),
    ("#NIÑOSROBADOS", {13}),
    ("#alerta*", {1}),
    ("@FGRMexico", {12}),
    ("#AmberAlert", {16}),
    ("#AlertaAmber,", {1}),  # trailing punctuation is not part of the tag
    ("@juan.perez", {19}),
    ("@juan", {20}),  # not @juan.perez
    ("@juan NEAR/0 fin", {20}),
    # fields
    ("lang:en", {16, 17, 18}),
    ("lang:EN kidnap*", {16}),
    ("platform:facebook", {3}),
    ("platform:twitter", ALL - {3, 15, 19, 20}),
    ("kind:reply", {4}),
    ("kind:retweet", {7}),
    ("kind:live_chat", {15}),
    ("author:a_5", {8, 9, 10}),
    ("author:@maria_mx", {6, 7}),
    ("author:MARIA_MX", {6, 7}),
    ("since:2018-03-01", {16, 17, 18, 19, 20}),
    ("until:2017-03-03", {1, 2}),  # inclusive of the whole day
    ("since:2017-03 until:2017-04", {1, 2, 3}),
    ("since:2018", {12, 13, 15, 16, 17, 18, 19, 20}),
    ("until:2017-03-02T18:00:00Z", {1}),
    # punctuation and regex metacharacters are literal
    ("3.5", {17}),
    ("[sic]", {17}),
    ("a+b", {17}),
    ('"c:\\path"', {17}),
    ("50%", {17}),
    ("$HOME", {17}),
    ("^caret", {17}),
    ("3x5", set()),
    ("s.c", set()),
])
def test_matches(con: duckdb.DuckDBPyConnection, query: str, expected: set[int]) -> None:
    assert ids(con, query) == expected


def test_until_and_since_use_the_project_timezone(con: duckdb.DuckDBPyConnection) -> None:
    # row 12 is 2018-01-01 03:00 UTC = 2017-12-31 21:00 in Mexico City
    assert 12 not in ids(con, "until:2017-12-31")
    assert 12 in ids(con, "until:2017-12-31", timezone="America/Mexico_City")
    assert 11 in ids(con, "since:2017-12-31 until:2017-12-31", timezone="America/Mexico_City")
    assert ids(con, "since:2018-01-01", timezone="America/Mexico_City") == {13, 15, 16, 17, 18, 19, 20}


def test_precedence_in_the_tree() -> None:
    tree = parse("a OR b c NOT d")
    assert isinstance(tree, Or)
    assert isinstance(tree.children[1], And) and isinstance(tree.children[1].children[2], Not)
    assert isinstance(parse("a AND b AND (c AND d)"), And) and len(parse("a AND b AND (c AND d)").children) == 4
    assert parse("NOT NOT a") == parse("a")


def test_multiline_query_is_accepted(con: duckdb.DuckDBPyConnection) -> None:
    assert ids(con, "robo\n  OR\troban\r\n") == {1, 8, 9, 10}


@pytest.mark.parametrize(("query", "column", "fragment"), [
    ("(robo", 6, "missing ')'"),
    ("robo)", 5, "without a matching '('"),
    ("robo AND", 9, "ends after AND"),
    ("AND robo", 1, "AND needs a word"),
    ("robo OR OR niño", 9, "OR needs a word"),
    ('niño "alerta amber', 6, "unterminated quote"),
    ("robo NEAR niño", 6, "NEAR needs a distance"),
    ("robo NEAR/99 niño", 6, "at most"),
    ("lang:es NEAR/2 robo", 9, "NEAR/n joins"),
    ("foo:bar", 1, "unknown field 'foo:'"),
    ("robo lang: es", 6, "right after the colon"),
    ("kind:bogus", 6, "unknown kind"),
    ("since:2017-13-01", 7, "needs a date"),
    ("until:ayer", 7, "needs a date"),
    ("niño *", 6, "wildcard"),
    ('""', 1, "empty phrase"),
    ("()", 2, "')'"),
    ("   ", 1, "empty query"),
])
def test_syntax_errors_point_at_the_column(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        compile_query(query)
    assert info.value.column == column, str(info.value)
    assert fragment in str(info.value)
    caret_line = str(info.value).splitlines()[-1]
    assert caret_line.index("^") - 2 == column - 1  # the caret sits under the problem


def test_url_words_are_text_not_fields(con: duckdb.DuckDBPyConnection) -> None:
    sql, params = compile_query("https://example.org/x")
    assert "regexp_matches" in sql and len(params) == 1


def test_default_scope_query_parses_and_selects_the_working_set(con: duckdb.DuckDBPyConnection) -> None:
    config = tomllib.loads(files("antena").joinpath("default_config.toml").read_text(encoding="utf-8"))
    query = config["scope"]["query"]
    assert ids(con, query) == {1, 3, 4, 6, 7, 8, 9, 10, 13, 16}


HOSTILE = [
    "'; DROP TABLE posts; --",
    '"; DROP TABLE posts; --"',
    "robo'); DELETE FROM posts; --",
    "\\",
    "\\\\' OR 1=1 --",
    "a\\b\\\\c",
    "(?i).* OR .+ OR [a-z]+ OR (a|b) OR a{1000} OR \\d+ OR \\p{L}",
    "#'; DROP TABLE posts; -- @x' OR '1'='1",
    "lang:'es' platform:\"x'); DROP TABLE posts; --\" author:\"' OR 1=1\"",
    "kind:post' OR '1'='1",
    "$1 ? ?? %s {0} ${x}",
    "\x00 NUL and \u202e right-to-left",
    "robo NEAR/50 niño NEAR/50 (a OR b OR c* OR \"d e f\")",
    " OR ".join(f"palabra{i}*" for i in range(990)),
    " ".join(f'"frase {i}"' for i in range(900)),
    "(" * 300 + "robo" + ")" * 300,
    "a" * 15000,
    " ".join(f"x{i}" for i in range(300)),
    "x " * 9000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: q[:30])
def test_hostile_queries_are_parameters_only(con: duckdb.DuckDBPyConnection, query: str) -> None:
    before = con.execute("SELECT count(*), sum(hash(text)) FROM posts").fetchone()
    tables = con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    try:
        sql, params = compile_query(query)
    except QuerySyntaxError:
        return  # a clean error is acceptable; SQL is never reached
    for fragment in ("DROP", "DELETE", "'1'", "palabra", "frase", "\\"):
        assert fragment not in sql
    assert sql.count("?") == len(params)
    con.execute(f"SELECT count(*) FROM posts WHERE {sql}", params).fetchone()  # noqa: S608 - compiled
    assert con.execute("SELECT count(*), sum(hash(text)) FROM posts").fetchone() == before
    assert con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall() == tables


def test_hostile_words_match_literally(con: duckdb.DuckDBPyConnection) -> None:
    assert ids(con, "'; DROP TABLE posts; --") == set()
    assert ids(con, "(?i).*") == set()


def test_overlong_and_deep_queries_fail_cleanly() -> None:
    with pytest.raises(QuerySyntaxError, match="longer than"):
        compile_query("a " * MAX_QUERY_LENGTH)
    deep = "".join(f"(a{i} OR (b{i} " for i in range(80)) + ")" * 160
    with pytest.raises(QuerySyntaxError, match="nests"):
        compile_query(deep)
    with pytest.raises(QuerySyntaxError, match="more than 1000 terms"):
        compile_query(" OR ".join(f"w{i}" for i in range(1001)))
