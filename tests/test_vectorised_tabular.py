"""The vectorised import of tabular formats (CrowdTangle CSV, generic CSV / JSONL / Parquet)
stores exactly what the per-record path stores: the same posts, versions, raw records,
quarantine entries (file, line, reason) and counts, on the fixtures, on hostile and edge rows and
on generated rows (Hypothesis). Chunks are small (``small_chunks``) so chunk boundaries, repeats
within a chunk and updates across chunks and files are exercised.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena.store import vectorised

from .conftest import FIXTURES
from .test_vectorised_import import assert_same, small_chunks  # noqa: F401 - a fixture

FB_HEADER = ["Page Name", "User Name", "Facebook Id", "Post Created", "Type", "Likes", "Comments", "Shares",
             "Love", "Wow", "Haha", "Sad", "Angry", "Care", "Post Views", "Total Views", "URL", "Message", "Link",
             "Final Link"]
IG_HEADER = ["Account", "User Name", "Post Created", "Type", "Likes", "Comments", "Views", "URL", "Photo",
             "Title", "Description"]


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


def _unused(*_: Any) -> None:
    return None
