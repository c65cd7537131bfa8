"""The vectorised import of tabular formats (CrowdTangle CSV, Meta Content Library CSV / JSON,
generic CSV / JSONL / Parquet) stores exactly what the per-record path stores: the same posts,
versions, raw records, quarantine entries (file, line, reason) and counts, on the fixtures, on
hostile and edge rows and on generated rows (Hypothesis). Chunks are small (``small_chunks``) so
chunk boundaries, repeats within a chunk and updates across chunks and files are exercised; the
SQL helpers are checked against Python's on generated times, counts and URLs.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena import registry
from antena.sources import generic
from antena.sources.base import RawRecord, extract_urls, to_int
from antena.sources.crowdtangle_api import external_urls
from antena.sources.generic import parse_mapping_spec
from antena.sources.zoned_time import parse_zoned_time
from antena.store import tabular_sql, vectorised

from .conftest import FIXTURES
from .test_vectorised_import import assert_same, small_chunks  # noqa: F401 - a fixture

FB_HEADER = ["Page Name", "User Name", "Facebook Id", "Post Created", "Type", "Likes", "Comments", "Shares",
             "Love", "Wow", "Haha", "Sad", "Angry", "Care", "Post Views", "Total Views", "URL", "Message", "Link",
             "Final Link"]
IG_HEADER = ["Account", "User Name", "Post Created", "Type", "Likes", "Comments", "Views", "URL", "Photo",
             "Title", "Description"]


def sql_regular(files: list[Path], format_name: str, options: dict[str, Any] | None = None) -> int:
    """How many records of ``files`` the format's SQL mapping maps itself (run as the vectorised path
    runs it, over the records' canonical JSON), so a test can tell the SQL did the work."""
    source = registry.get_source(format_name, **(options or {}))
    payloads = []
    for path in files:
        with path.open("rb") as stream:
            payloads += [orjson.dumps(r.payload, option=orjson.OPT_SORT_KEYS).decode()
                         for r in source.records(stream, str(path)) if isinstance(r, RawRecord)]
    mapping = vectorised.VECTORISED_FORMATS[format_name]
    with duckdb.connect() as con:
        mapping.install(con)
        con.register("vx_raw", pa.table({"idx": pa.array(range(len(payloads)), pa.int64()), "payload": payloads}))
        return sum(con.execute(mapping.mapping_sql(source)).to_arrow_table().column("regular").to_pylist())


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], tail: str = "") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
        handle.write(tail)
    return path


def fb(post: str, **cells: str) -> dict[str, str]:
    return {"Page Name": "Página", "User Name": "pagina", "Facebook Id": "200", "Post Created": "2017-03-01 12:00:00 CST",
            "Type": "Status", "Likes": "1", "Comments": "0", "Shares": "0",
            "URL": f"https://www.facebook.com/200/posts/{post}", "Message": f"post {post} #Trata @Fiscalia", **cells}


def ig(code: str, **cells: str) -> dict[str, str]:
    return {"Account": "NGO", "User Name": "ngo", "Post Created": "2017-03-04 07:45:10 PST", "Type": "Photo",
            "Likes": "5", "Comments": "1", "Views": "0", "URL": f"https://www.instagram.com/p/{code}/",
            "Description": f"caption {code} #AmberAlert", **cells}


def test_the_crowdtangle_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):  # noqa: F811
    fixtures = sorted((FIXTURES / "sources" / "crowdtangle_csv").iterdir())
    assert fixtures
    for fixture in fixtures:
        tables = assert_same(tmp_path / fixture.name, [fixture], format_name="crowdtangle_csv")
        assert tables["posts"]
    assert sql_regular(fixtures, "crowdtangle_csv") >= 4


CT_TIMES = ["2017-03-01 12:00:00 CST", "2017-03-01T12:00:00Z", "2017-3-1 9:05 cst", "2017-03-01 12:00:00 +0530",
            "2017-03-01 12:00:00 UTC-06:00", "2017-03-01 12:00:00 GMT+14", "2017-03-01 12:00:00 +1500",
            "2017-03-01 12:00:00 NST", "2017-03-01 12:00:00 IST", "ayer", "2017-02-30 10:00:00",
            "2017-03-01 24:00:00", "2017-03-01 12:00:60 UTC", "1850-01-01 00:00:00", "２０１７-03-01 12:00:00",
            "2017-03-01 12:00:00.000Z", "2017-03-01 12:00:00  EDT", "2017-03-01\t12:00:00", "", "0000-01-01 00:00:00",
            "2017-03-01 12:00:00 +01:99", "2017-03-01 12:00:00 utc+1"]
CT_NUMBERS = ["1,234", "1.5", "-3", "abc", "1e3", "nan", "inf", "12345678901234567890", " 7 ", "1_000", "٣", ",",
              "+", ".5", "-0.9", "", "=1+2", "0", "007", "999999999999999", "1,2,3",
              "N/A", "-", "—", "Infinity", "n.a."]
CT_URLS = ["https://www.facebook.com/200/posts/{p}", "https://www.facebook.com/photos/a.1/{p}/",
           "https://www.facebook.com/permalink.php?story_fbid=pfbid0{p}&id=1", "https://www.facebook.com/watch/?v={p}",
           "https://www.facebook.com/groups/1/permalink/{p}/", "https://www.facebook.com/page{p}?x=1", "///", "?q={p}",
           "https://www.instagram.com/reels/C{p}/", "https://www.instagram.com/tv/T{p}", "https://fb.com/ñ/posts/{p}",
           "https://www.facebook.com/200/posts/pfbid0abc{p}", "https://www.facebook.com/200/videos/x/{p}/", ""]
CT_TEXTS = ["=HYPERLINK(\"http://evil.org\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-2",
            "ver https://x.org/a). y https://x.org/a, z https://www.facebook.com/p", "İstanbul https://İnstagram.com/x",
            "KK https://faceboo\u212a.com/x", "line\nbreak \"quoted\" ,comma", "\u00a0 espacio \u3000", "#ÑANDÚ @Ñoño",
            "ΟΔΟΣ #ΣΑΣ", ""]
CT_TYPES = ["Native Video", "Live Video Complete", "YouTube", "Photo", "Status", "lİve video", "Link", ""]


def test_hostile_and_edge_crowdtangle_rows_store_the_same_rows_and_quarantines(tmp_path, small_chunks):  # noqa: F811
    rows = [fb(str(i), **{"Post Created": t}) for i, t in enumerate(CT_TIMES)]
    rows += [fb(str(100 + i), Likes=n, Love=n, **{"Post Views": n, "Total Views": "3"}) for i, n in enumerate(CT_NUMBERS)]
    rows += [fb(str(200 + i), URL=u.format(p=200 + i)) for i, u in enumerate(CT_URLS)]
    rows += [fb(str(300 + i), Message=t, Link="https://bit.ly/x", **{"Final Link": "https://www.facebook.com/x"})
             for i, t in enumerate(CT_TEXTS)]
    rows += [fb(str(400 + i), Type=t) for i, t in enumerate(CT_TYPES)]
    rows += [fb("500", **{"Facebook Id": ""}), fb("501", **{"User Name": "", "Page Name": ""}),
             fb("1"), fb("1", Likes="9"), fb("2", Message="edited")]  # a repeat, updates
    first = write_csv(tmp_path / "fb.csv", FB_HEADER, rows, tail='Página,pagina,200,2017-03-01,Status,1\n"open')
    second = write_csv(tmp_path / "ig.csv", IG_HEADER + ["__antena_synthetic"], [
        ig("A1"), ig("A2", Photo="https://x.org/p.jpg", Type="Album"), ig("A3", **{"User Name": ""}),
        ig("A4", Account="", **{"User Name": ""}), ig("A1", Likes="6"), ig("A5", __antena_synthetic="yes"),
        ig("A6", Description="", Title="only a title"), ig("A7", URL="https://example.org/not-instagram"),
    ])
    dates = write_csv(tmp_path / "dates.csv", ["Group Name", "Facebook Id", "Post Created Date", "Post Created Time",
                                               "URL", "Message", "Likes"], [
        {"Group Name": "G", "Facebook Id": "9", "Post Created Date": "2017-03-01", "Post Created Time": "10:00:00",
         "URL": "https://www.facebook.com/groups/9/permalink/1/", "Message": "x", "Likes": "1"},
        {"Group Name": "G", "Facebook Id": "9", "Post Created Date": "2017-03-02", "Post Created Time": "",
         "URL": "https://www.facebook.com/groups/9/permalink/2/", "Message": "y"},
        {"Group Name": "", "Post Created Date": "", "URL": "https://www.facebook.com/groups/9/permalink/3/"},
    ])
    again = write_csv(tmp_path / "fb2.csv", FB_HEADER, [fb(str(i), Likes=str(i)) for i in range(0, 30, 3)])
    tables = assert_same(tmp_path, [first, second, dates, again], format_name="crowdtangle_csv")
    assert sql_regular([first, second, dates, again], "crowdtangle_csv") >= 60  # most regular rows, in SQL
    assert tables["post_versions"]
    reasons = " ".join(tables["quarantine"])
    assert "unknown time zone" in reasons and "no post URL" in reasons and "fields but the header" in reasons


_cell = st.text(alphabet=st.sampled_from("aZ1 ,.#@\"\n=+-İΣ\u00a0ñ"), max_size=8)


@st.composite
def crowdtangle_row(draw: st.DrawFn) -> dict[str, str]:
    post = str(draw(st.integers(1, 12)))
    row = fb(post) if draw(st.booleans()) else ig(f"C{post}")
    for column in ("Likes", "Comments", "Shares", "Love", "Views", "Post Views"):
        if draw(st.booleans()):
            row[column] = draw(st.one_of(st.sampled_from(CT_NUMBERS), st.integers(0, 10**6).map(str), _cell))
    if draw(st.booleans()):
        row["Post Created"] = draw(st.one_of(st.sampled_from(CT_TIMES), _cell))
    if draw(st.booleans()):
        row["URL"] = draw(st.sampled_from(CT_URLS)).format(p=post)
    for column in ("Message", "Description", "Type", "Link", "Final Link", "User Name"):
        if draw(st.booleans()):
            row[column] = draw(st.one_of(st.sampled_from(CT_TEXTS + CT_TYPES), _cell))
    return row


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(crowdtangle_row(), min_size=1, max_size=12), min_size=1, max_size=2))
def test_generated_crowdtangle_rows_store_the_same_rows_both_ways(tmp_path_factory, files):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("ct")
        header = FB_HEADER + [c for c in IG_HEADER if c not in FB_HEADER]
        paths = [write_csv(folder / f"{i}.csv", header, rows) for i, rows in enumerate(files)]
        assert_same(folder, paths, again=False, format_name="crowdtangle_csv")
    finally:
        vectorised.CHUNK = saved


# ------------------------------------------------------------------ generic CSV / JSONL / Parquet

GENERIC_TIMES: list[Any] = [
    "2017-03-01T18:00:00Z", "2017-03-01 09:30:00", "2017-03-01", "2017-03-01T18:00+01:00", "2017-03-01T18:00:00.5",
    "2017-03-01T18:00:00.1234567", "2017-03-01T18:00:00+0530", "2017-03-01T18:00:00-23:59", "2017-03-01T18:00:00+24:00",
    "2017-03-01T24:00:00", "2017-02-30", "1488412800", "1488412800123", "1488412800123456", "99999999999999",
    "2017-03-01 12:00:00 CST", "2017-3-1 9:05", "Wed Oct 10 20:19:24 +0000 2018", "20170301T180000", "ayer", "",
    "١٤٨٨٤١٢٨٠٠", "²", "1850-06-01T00:00:00", "0001-01-01T00:00:00+01:00", "2017-03-01T18:00:00 Z",
    1488412800, 1488412800123, 1488412800123456, -5, 1.5e9, True, None, [1], {"a": 1}, 2**64 - 1,
]
GENERIC_COUNTS: list[Any] = ["1,234", "12.7", "", "N/A", "abc", "inf", "1e3", " 5 ", 7, -7, 2**63 + 1, 3.9, -3.9, 1e20,
                             True, None, [1], {"n": 1}, "=1+2", "99999999999999999"]
GENERIC_TAGS: list[Any] = ["#Trata, #ÑANDÚ;alerta", ["#A", "b", "B", "", "#"], "[\"x\", \"y\"]", "[broken", "ΟΔΟΣ",
                           ["İstanbul"], [1, "a"], [], "", " ", 5, {"a": 1}, None, ",;"]


def generic_row(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"g-{i}", "platform": "Twitter", "date": "2017-03-01T18:00:00Z", "user": f"u{i % 3}",
            "message": f"row {i} #Tag @Name https://e.org/{i}", "likes": str(i), **fields}


def edge_rows() -> list[dict[str, Any]]:
    rows = [generic_row(i, date=t) for i, t in enumerate(GENERIC_TIMES)]
    rows += [generic_row(100 + i, likes=n, shares=n, views=n) for i, n in enumerate(GENERIC_COUNTS)]
    rows += [generic_row(200 + i, hashtags=t) for i, t in enumerate(GENERIC_TAGS)]
    rows += [generic_row(300, platform="FB"), generic_row(301, platform="İnstagram"), generic_row(302, platform=""),
             generic_row(303, platform=5), generic_row(304, id=""), generic_row(305, id=12), generic_row(306, id=1.0),
             generic_row(307, id=None), generic_row(308, kind="Reply", parent_id="g-1"), generic_row(309, kind="bogus"),
             generic_row(310, kind="lİve_chat"), generic_row(311, kind=""), generic_row(312, message=None),
             generic_row(313, message=5), generic_row(314, user=""), generic_row(315, user=7, username="Handle"),
             generic_row(316, conversation_id="twitter:5", parent_id="x:9"), generic_row(317, url="", lang="es"),
             generic_row(318, __antena_synthetic="yes"), generic_row(319, __antena_synthetic=0),
             generic_row(320, message="=HYPERLINK(\"http://evil\")"), generic_row(321, message="a\nb \"q\", c"),
             generic_row(322, message="\u00a0 espacio \u3000"), generic_row(323, location="Puebla")]
    rows += [generic_row(1), generic_row(1, likes="99"), generic_row(2, message="edited")]  # a repeat, updates
    return rows


def write_jsonl_rows(path: Path, rows: list[dict[str, Any]], broken: bool = True) -> Path:
    lines = [orjson.dumps(r) for r in rows]
    if broken:
        lines[5:5] = [b'{"id": "broken', b"[1, 2]", b""]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def write_generic_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    def cell(value: Any) -> str:
        return value if isinstance(value, str) else "" if value is None else orjson.dumps(value).decode()

    return write_csv(path, header, [{k: cell(v) for k, v in r.items()} for r in rows], tail="g-x,facebook\n")


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = {k: [r.get(k) for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
    table = pa.table({k: pa.array([None if v is None else str(v) for v in vs]) for k, vs in columns.items()})
    table = table.append_column("stamp", pa.array([datetime(2017, 3, 1, 12, i % 60, tzinfo=UTC) for i in range(len(rows))]))
    table = table.append_column("score", pa.array([float(i) / 2 for i in range(len(rows))]))
    pq.write_table(table, path, row_group_size=4)
    return path


def test_the_generic_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):  # noqa: F811
    fixtures = sorted((FIXTURES / "sources" / "generic").iterdir())
    assert fixtures
    for fixture in fixtures:
        tables = assert_same(tmp_path / fixture.name, [fixture], format_name="generic")
        assert tables["posts"]
    assert sql_regular(fixtures, "generic") >= 4


def test_hostile_and_edge_generic_rows_in_jsonl_csv_and_parquet(tmp_path, monkeypatch):
    monkeypatch.setattr(vectorised, "CHUNK", 30)  # chunk edges: the other tests
    rows = edge_rows()
    files = [write_jsonl_rows(tmp_path / "rows.jsonl", rows), write_generic_csv(tmp_path / "rows.csv", rows),
             write_parquet(tmp_path / "rows.parquet", rows)]
    tables = assert_same(tmp_path, files, format_name="generic")
    assert sql_regular(files, "generic") >= 100  # most regular rows, in SQL
    assert tables["post_versions"]
    reasons = " ".join(tables["quarantine"])
    assert "unreadable time" in reasons and "missing native_id" in reasons


def test_a_non_default_column_mapping_stores_the_same_rows_both_ways(tmp_path, small_chunks):  # noqa: F811
    mapping = parse_mapping_spec("native_id=Ref,text=Cuerpo,created_at=meta.when,author=Quien,platform='telegram',"
                                 "like_count=meta.stats.likes,hashtags=Etiquetas,kind=Tipo,thread_id=meta.thread,"
                                 "place='Puebla, México',lang=meta.0")
    rows: list[dict[str, Any]] = [
        {"Ref": f"r{i}", " cuerpo ": f"texto {i} #Uno", "CUERPO": "other", "meta": {"when": t, "stats": {"likes": i},
                                                                                  "thread": "t1", "0": "es"},
         "quien": "Ana", "Etiquetas": "a;b", "Tipo": "post"}
        for i, t in enumerate(["2017-03-01T10:00:00Z", 1488412800, "2017-03-01 10:00:00 EST", "bad", None])]
    rows += [{"Ref": "r9", "Cuerpo": "sin meta"}, {"Ref": "r10", "meta": {"when": "2017-03-01"}},
             {"Ref": "r11", "Cuerpo": "x", "meta": {"when": "2017-03-01", "stats": [1]}, "Tipo": "comment"},
             {"ref": "r12", "Cuerpo": "case", "META": {"when": "2017-03-01"}, "meta": {"when": "2017-03-02"}}]
    jsonl = write_jsonl_rows(tmp_path / "mapped.jsonl", rows)
    flat = [{"Ref": f"c{i}", "Cuerpo": f"csv {i}", "meta.when": "2017-03-01T10:00:00Z", "Quien": "Luis",
             "meta.stats.likes": "1,000", "Etiquetas": "#x #y", "Tipo": "reply"} for i in range(9)]
    csv_file = write_generic_csv(tmp_path / "mapped.csv", flat)
    parquet = write_parquet(tmp_path / "mapped.parquet", flat)
    tables = assert_same(tmp_path, [jsonl, csv_file, parquet], format_name="generic", options={"mapping": mapping})
    assert sql_regular([jsonl, csv_file, parquet], "generic", {"mapping": mapping}) >= 15  # paths, constants, cases
    assert any("'telegram'" in p for p in tables["posts"])
    quoted = {"mapping": {"native_id": {"column": "it's"}, "created_at": {"column": "a'b"}, "text": {"value": "it's"},
                          "platform": {"value": "x"}, "lang": {"column": "x.'); DROP TABLE posts; --"},
                          "url": {"column": "a/b~c"}, "place": {"column": "p.~1/x.0"}}}
    odd = write_jsonl_rows(tmp_path / "odd.jsonl", [
        {"it's": "1", "a'b": "2017-03-01", "text": "q", "a/b~c": "https://e.org", "p": {"~1/x": ["Puebla"]}},
        {"it's": "2", "a'b": "2017-03-01", "A/B~C ": "https://f.org", "x": {"'); DROP TABLE posts; --": "es"}}],
        broken=False)
    assert assert_same(tmp_path / "odd", [odd], format_name="generic", options=quoted)["posts"]


_value = st.one_of(st.sampled_from(GENERIC_COUNTS + GENERIC_TIMES + GENERIC_TAGS),
                   st.text(alphabet=st.sampled_from("aZ1 ,;.#@\"\n=-:İΣñ\u00a0"), max_size=8), st.integers(-5, 10**6))


@st.composite
def generic_record(draw: st.DrawFn) -> dict[str, Any]:
    row = generic_row(draw(st.integers(1, 10)))
    for key in draw(st.lists(st.sampled_from(["date", "likes", "views", "hashtags", "platform", "kind", "user",
                                              "message", "parent_id", "ID", " Id ", "Views", "lang"]), max_size=4)):
        row[key] = draw(_value)
    if draw(st.booleans()):
        row.pop(draw(st.sampled_from(sorted(row))))
    return row


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(generic_record(), min_size=1, max_size=14), as_csv=st.booleans())
def test_generated_generic_rows_store_the_same_rows_both_ways(tmp_path_factory, rows, as_csv):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("gen")
        path = write_generic_csv(folder / "g.csv", rows) if as_csv else write_jsonl_rows(folder / "g.jsonl", rows)
        assert_same(folder, [path], again=False, format_name="generic")
    finally:
        vectorised.CHUNK = saved


# ------------------------------------------------------------------ the SQL helpers against Python's

_CON = duckdb.connect()
tabular_sql.install(_CON)


@st.composite
def time_text(draw: st.DrawFn) -> str:
    part = draw
    text = part(st.sampled_from(["2017", "1899", "1900", "2199", "2200", "0000", "２０１７", "99"]))
    text += "-" + part(st.sampled_from(["3", "03", "12", "13", "00"])) + "-" + part(st.sampled_from(["1", "01", "29", "31", "00"]))
    if part(st.booleans()):
        text += part(st.sampled_from(["T", " ", "  ", "t"])) + part(st.sampled_from(["9", "09", "23", "24", "0"]))
        text += ":" + part(st.sampled_from(["00", "59", "60", "5"]))
        if part(st.booleans()):
            text += ":" + part(st.sampled_from(["00", "59", "60", "61"]))
            if part(st.booleans()):
                text += "." + part(st.text(alphabet="0123456789", min_size=1, max_size=7))
    zones = ["Z", "+01:00", "+0100", "-23:59", "+24:00", " CST", " cst", " UTC+5", " GMT-14:30", " +1500", " IST", " Z",
             "+01", " utc - 3", " NST", " +5:30", " -0", "+00:00Z", " \u00a0EST"]
    if part(st.booleans()):
        text += part(st.sampled_from(zones))
    return text


def _sql_rows(query: str, texts: list[str]) -> list[tuple[Any, ...]]:
    """``query`` over ``s`` for each text (one statement: planning the macros is the slow part)."""
    return _CON.execute(f"SELECT s, {query} FROM (SELECT unnest(?::VARCHAR[]) AS s)", [texts]).fetchall()  # noqa: S608


@settings(max_examples=15, deadline=None)
@given(texts=st.lists(st.one_of(time_text(), st.text(max_size=12), st.integers(0, 5 * 10**15).map(str)),
                      min_size=20, max_size=40))
def test_the_sql_times_are_pythons_where_sql_reads_them(texts):
    rows = _sql_rows("vx_iso(s), vx_zoned(s), CASE WHEN regexp_full_match(s, '[0-9]+')"
                     " THEN vx_epoch(TRY_CAST(s AS BIGINT)) ELSE coalesce(vx_iso(s), vx_zoned(s)) END", texts)
    for text, iso, zoned, created in rows:
        if created is not None:
            assert created == generic._parse_created(text), text
        if zoned is not None:
            assert zoned == parse_zoned_time(text), text
        if iso is not None:
            assert iso == generic._parse_created(text), text


@settings(max_examples=10, deadline=None)
@given(texts=st.lists(st.one_of(st.sampled_from(CT_NUMBERS), st.text(alphabet="0123456789,.+-e _aN/", max_size=18),
                                st.integers(-(10**16), 10**16).map(str), st.floats(allow_nan=False).map(str)),
                      min_size=20, max_size=40).map(lambda xs: [x.strip() for x in xs]))
def test_the_sql_counts_are_pythons_where_sql_reads_them(texts):
    for text, ok, value in _sql_rows("vx_int_ok(s), vx_int(s)", texts):
        if ok:
            assert value == to_int(text), text


@settings(max_examples=10, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from([
    "https://a.org/x", "http://b.org/y).", "https://www.facebook.com/p", "see", "https://x.fb.com/a,", "\u00a0",
    "\u3000", " ", "\n", "<", "'", "\"", "ñ", "https://", "http://c.org/a?b=1;", "https://instagram.com.evil.org/"]),
    max_size=8).map("".join), min_size=10, max_size=20))
def test_the_sql_urls_are_pythons(texts):
    for text, scanned, external in _sql_rows("vx_scan_urls(s), vx_external(vx_scan_urls(s))", texts):
        assert scanned == extract_urls(text)
        assert external == external_urls(*extract_urls(text))


# ------------------------------------------------------------------ Meta Content Library (CSV or JSON)


def meta_post(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": str(7310000000000000 + i), "creation_time": "2024-03-01T18:00:00+0000", "text": f"post {i} #Alerta",
            "lang": "es", "post_owner": {"id": "73200", "name": "Red", "username": "red"},
            "statistics": {"reaction_count": i, "comment_count": 1, "share_count": 2, "views": 10},
            "multimedia": [{"type": "photo", "id": "1"}], **fields}


META_EDGES: list[dict[str, Any]] = [
    meta_post(1), meta_post(2, modified_time="2024-03-02T00:00:00+0000"), meta_post(3, creation_time=1709316000),
    meta_post(4, creation_time="ayer"), meta_post(5, creation_time=None), meta_post(6, id=""), meta_post(7, id=73.0),
    meta_post(8, id=12), meta_post(9, multimedia="photo; Video, reel"), meta_post(10, multimedia='[{"type": "video"}]'),
    meta_post(11, multimedia={"type": "ALBUM"}), meta_post(12, multimedia=["image", {"type": 5}, None, 0]),
    meta_post(13, multimedia=7), meta_post(14, multimedia="İmage"), meta_post(15, Text="upper key"),
    meta_post(16, statistics={"reaction_count": "1,234", "comment_count": "N/A", "share_count": 1.5, "views": "1e3"}),
    meta_post(17, statistics='{"reaction_count": 5}'), meta_post(18, link_attachment={"link": "https://e.org/a"},
                                                                text="see https://x.org/b) https://www.facebook.com/z"),
    meta_post(19, post_owner=None, owner={"id": "9", "username": "ig"}, statistics={"like_count": 3}),
    meta_post(20, post_owner=None, statistics=None, post_url="https://www.instagram.com/p/abc/"),
    meta_post(21, post_owner=None, statistics=None, __antena_platform="instagram"), meta_post(22, text=None, caption="c"),
    meta_post(23, text=5), meta_post(24, text="İ https://İnstagram.com/x", __antena_synthetic=True),
    {"post_id": "99", "created_time": "2024-03-01T00:00:00Z", "message": "flat", "owner_id": "5", "like_count": "7"},
    meta_post(25, multimedia='[{"type": "a", "type": "photo"}]'), meta_post(26, multimedia=' {"type": "Reel", "n": 1} '),
    meta_post(27, multimedia='[{"type": "photo"},]'), meta_post(28, multimedia='[{"type": "photo", "n": 1.5}]'),
    meta_post(29, multimedia='[{"type": "ph\\u006fto"}]'), meta_post(30, multimedia='[ ]'),
    meta_post(31, multimedia='[{"type": null, "id": "type"}, {"type": "video", "x": true}]'),
    meta_post(1), meta_post(1, statistics={"reaction_count": 50}),  # a repeat, an update
]


def test_the_meta_content_library_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):  # noqa: F811
    fixtures = sorted((FIXTURES / "sources" / "meta_content_library").iterdir())
    assert fixtures
    for fixture in fixtures:
        tables = assert_same(tmp_path / fixture.name, [fixture], format_name="meta_content_library")
        assert tables["posts"]
    assert sql_regular(fixtures, "meta_content_library") >= 3


def test_hostile_and_edge_meta_records_in_json_and_csv(tmp_path, small_chunks):  # noqa: F811
    jsonl = write_jsonl_rows(tmp_path / "instagram_posts.jsonl", META_EDGES)
    flat = [{"id": str(i), "creation_time": t, "text": f"t{i}", "owner.id": "9", "owner.username": "ig",
             "statistics.like_count": n, "multimedia": m}
            for i, (t, n, m) in enumerate(zip(GENERIC_TIMES[:20], GENERIC_COUNTS, ["photo", "", "video;x", "[1]", '[{"type": "album"}]'] * 4,
                                              strict=False))]
    csv_file = write_generic_csv(tmp_path / "posts.csv", flat)
    tables = assert_same(tmp_path, [jsonl, csv_file], format_name="meta_content_library")
    assert tables["post_versions"]
    assert sql_regular([jsonl, csv_file], "meta_content_library") >= 15
    forced = assert_same(tmp_path / "forced", [jsonl], format_name="meta_content_library", options={"platform": "threads"})
    assert any("'threads'" in p for p in forced["posts"])


def test_auto_takes_the_vectorised_path_for_large_tabular_files():
    for name in ("crowdtangle_csv", "generic", "meta_content_library"):
        assert vectorised.choose_path("auto", name, 10 * 2**20) == "vectorised"
        assert vectorised.choose_path("auto", name, 1000) == "python"
        assert vectorised.choose_path("python", name, 10 * 2**20) == "python"


def test_a_mapping_no_sql_literal_can_hold_maps_every_record_in_python(tmp_path, small_chunks):  # noqa: F811
    rows = [generic_row(i) for i in range(5)]
    options = {"mapping": {"native_id": {"column": "id"}, "lang": {"value": "e\x00s"}}}
    files = [write_jsonl_rows(tmp_path / "nul.jsonl", rows, broken=False)]
    tables = assert_same(tmp_path, files, format_name="generic", options=options)
    assert len(tables["posts"]) == 5 and sql_regular(files, "generic", options) == 0


_meta_value = st.one_of(st.sampled_from(GENERIC_COUNTS + GENERIC_TIMES[:12] + ["photo;video", "", " "]),
                        st.text(alphabet=st.sampled_from("aZ1 ,;.#{[\"\n:İñ"), max_size=8), st.integers(-5, 10**6))


@st.composite
def meta_record(draw: st.DrawFn) -> dict[str, Any]:
    record = meta_post(draw(st.integers(1, 8)))
    for key in draw(st.lists(st.sampled_from(["creation_time", "text", "caption", "multimedia", "post_url", "owner",
                                              "like_count", "Views", "id", "__antena_platform"]), max_size=3)):
        record[key] = draw(_meta_value)
    if draw(st.booleans()):
        record["statistics"] = {draw(st.sampled_from(["reaction_count", "like_count", "views", "Views"])): draw(_meta_value)}
    if draw(st.booleans()):
        record.pop(draw(st.sampled_from(sorted(record))))
    return record


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(meta_record(), min_size=1, max_size=12))
def test_generated_meta_records_store_the_same_rows_both_ways(tmp_path_factory, records):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("meta")
        path = write_jsonl_rows(folder / "instagram.jsonl", records, broken=False)
        assert_same(folder, [path], again=False, format_name="meta_content_library")
    finally:
        vectorised.CHUNK = saved
