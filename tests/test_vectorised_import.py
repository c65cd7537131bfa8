"""The vectorised import path stores exactly what the per-record path stores.

Both paths import the same files into two projects with the same pseudonym key and the same
clock; every stored table (posts, versions, raw records, quarantine, imports) and every count
must be identical, on the real samples in ../shared/formats, on the fixtures, on hostile and
edge records, and on generated pages (Hypothesis). Chunks are made small so chunk boundaries,
repeats within a chunk and updates across chunks are exercised.
"""

from __future__ import annotations

import glob
import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena.project import Project
from antena.sources.twitter_v2 import TwitterV2
from antena.store import vectorised
from antena.store.files import expand_inputs
from antena.store.ingest import Ingestor

from .conftest import FIXTURES, SHARED

KEY = b"k" * 32
CLOCK = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BATCH = 3  # the per-record path's batch: small, so batches and chunks (7) cross often
TABLES = {
    "posts": "*",
    "post_versions": "* EXCLUDE (superseded_at)",
    "raw_records": "* EXCLUDE (seq)",
    "quarantine": "* EXCLUDE (id, quarantined_at)",
    "imports": "* EXCLUDE (id)",
}


def import_with(folder: Path, path: str, files: list[Path], again: bool = True,
                format_name: str | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], list]:
    """Import ``files`` (twice when ``again``) with one path; the stored tables and the reports."""
    project = Project.init(folder, name="conformance")
    ingestor = Ingestor(project.con, KEY, path=path, batch_size=BATCH)
    ingestor.clock = lambda: CLOCK
    reports = []
    for _ in range(2 if again else 1):
        for item in expand_inputs(files):
            report = ingestor.import_file(item, format_name, options)
            assert report.reconciles, report
            reports.append(report.as_dict())
            if report.format in vectorised.VECTORISED_FORMATS:
                assert ingestor.last_path == path
    tables = {name: sorted(map(repr, project.con.execute(f"SELECT {cols} FROM {name}").fetchall()))  # noqa: S608
              for name, cols in TABLES.items()}
    project.close()
    return tables, reports


def assert_same(tmp_path: Path, files: list[Path], again: bool = True, format_name: str | None = None,
                options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Both paths store the same rows, quarantines and counts (the conformance check of any format
    in ``vectorised.VECTORISED_FORMATS``; ``format_name`` and ``options`` as ``antena import``'s)."""
    python, python_reports = import_with(tmp_path / "python", "python", files, again, format_name, options)
    vector, vector_reports = import_with(tmp_path / "vectorised", "vectorised", files, again, format_name, options)
    assert vector_reports == python_reports
    for name in TABLES:
        assert vector[name] == python[name], name
    return python


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectorised, "CHUNK", 7)


def shared_samples() -> list[Path]:
    found: list[Path] = []
    for pattern in TwitterV2.shared_samples:
        found.extend(Path(p) for p in sorted(glob.glob(str(SHARED / "formats" / pattern))))
    return found


def test_every_real_x_v2_sample_stores_the_same_rows_both_ways(tmp_path, small_chunks):
    samples = shared_samples()
    if not samples:
        pytest.skip("../shared/formats is not available")
    for sample in samples:
        tables = assert_same(tmp_path / sample.stem, [sample])
        assert tables["posts"] or tables["quarantine"], sample


def test_the_x_v2_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):
    fixtures = sorted((FIXTURES / "sources" / "twitter_v2").iterdir())
    assert fixtures
    for fixture in fixtures:
        assert_same(tmp_path / fixture.name, [fixture])


def tweet(tid: str, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "text": f"post {tid} #Tag @Name https://e.org/{tid}", "author_id": "7",
            "created_at": "2024-03-01T10:00:00.000Z", "edit_history_tweet_ids": [tid], **extra}


def page(*tweets: dict[str, Any], includes: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"data": list(tweets), "includes": includes or {"users": [{"id": "7", "username": "Seven"}]},
            "__twarc": {"retrieved_at": "2024-03-02T00:00:00+00:00"}, **extra}


EDGE_PAGES: list[Any] = [
    page(tweet("1"), tweet("2", entities={}), tweet("3", entities={"hashtags": [{"tag": "ÑANDÚ"}]})),
    page(tweet("4", entities={"hashtags": [{"tag": "İstanbul"}, {"tag": "ΟΔΟΣ"}]})),  # lower() differs
    page(tweet("5", entities={"hashtags": [{"tag": None}]})),  # Python's map fails: quarantined
    page(tweet("6", entities={"hashtags": [{"tag": 5}]})),
    page(tweet("7", entities={"hashtags": "nope"}), tweet("8", entities=[])),
    page(tweet("9", public_metrics={"like_count": 2**63 + 7, "retweet_count": 1})),  # cannot be stored
    page(tweet("10", public_metrics={"like_count": 1.5, "retweet_count": "12", "reply_count": True})),
    page(tweet("11", id=11)),  # numeric id
    page(tweet("12", created_at="2024-02-30T10:00:00Z"), tweet("13", created_at="yesterday"),
         tweet("14", created_at=1700000000), tweet("15", created_at="2024-03-01T10:00:00+02:00")),
    page(tweet("16", withheld={"copyright": True}), tweet("17", withheld=False)),
    page(tweet("18", note_tweet={"text": "a long #Note", "entities": {"hashtags": [{"tag": "Note"}]}})),
    page(tweet("20", text="RT @a: short", referenced_tweets=[{"type": "retweeted", "id": "19"}],
               entities={"mentions": [{"username": "A"}]}),
         includes={"users": [{"id": "7", "username": "Seven"}],
                   "tweets": [tweet("19", entities={"hashtags": [{"tag": "Orig"}], "urls": [{"url": "u"}]})]}),
    page(tweet("21", text="RT @a: cut", referenced_tweets=[{"type": "retweeted", "id": "22"}]),
         includes={"tweets": [tweet("22", text="")]}),
    page(tweet("23", referenced_tweets=[{"type": "quoted", "id": "1"}, {"type": "replied_to", "id": "2"},
                                        {"type": "replied_to", "id": "3"}], conversation_id="23")),
    page(tweet("24", referenced_tweets=[{"type": "quoted"}])),
    page(tweet("26", edit_history_tweet_ids=["25", "26"], conversation_id="25"),
         includes={"tweets": [tweet("25", edit_history_tweet_ids=["25", "26"])]}),
    page(tweet("27", edit_history_tweet_ids=[]), tweet("28", edit_history_tweet_ids=["", "28"])),
    page(tweet("29", lang="und"), tweet("30", lang="es"), tweet("31", lang=None), tweet("32", lang=3)),
    page(tweet("33", geo={"place_id": "p1"}, attachments={"media_keys": ["m1", "m2"]}),
         includes={"places": [{"id": "p1", "full_name": "Puebla, México", "country_code": "mx"}],
                   "media": [{"media_key": "m1", "type": "video"}, {"media_key": "m2", "type": "photo"}],
                   "users": [{"id": "7", "username": "Seven", "entities": {"url": {"urls": []}}}]}),
    page(tweet("34", attachments={"media_keys": []}), tweet("35", attachments=[1])),
    page(tweet("36", author_id=""), tweet("37", author_id=None)),
    page(tweet("38", entities={"urls": [{"url": "https://t.co/x", "expanded_url": ""},
                                        {"url": "https://t.co/y", "expanded_url": "https://y.org"},
                                        {"url": "https://t.co/y", "expanded_url": "https://y.org"}],
                               "mentions": [{"username": "B"}, {"username": "b"}, {}]})),
    page(tweet("39"), __antena_synthetic=True),
    page(tweet("1")),  # the same record again: a duplicate
    page(tweet("1", text="post 1 edited #New")),  # a new version of a stored post: an update
    {"data": [tweet("40"), "not a tweet", {"id": "41"}, {"tweet_count": 3, "start": "x", "end": "y"}]},
    {"errors": [{"resource_type": "tweet", "resource_id": "2", "type": "https://api.twitter.com/2/problems/resource-not-found",
                 "title": "Not Found Error"}, {"title": "other"}]},
    {"id": "3", "action": "delete", "reason": "deleted"},
    {"no": "page"},
    page(tweet("42", text="value:null has a colon")),
    page(tweet("43", context_annotations=[{"domain": {"id": "1", "name": "x"}}], possibly_sensitive=False)),
]


def write_jsonl(path: Path, docs: list[Any], bad_lines: bool = True) -> Path:
    lines = [orjson.dumps(d) for d in docs]
    if bad_lines:
        lines[3:3] = [b'{"data": [ broken', b"", b"   "]
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def test_hostile_and_edge_records_store_the_same_rows_and_quarantines(tmp_path, small_chunks):
    sample = write_jsonl(tmp_path / "edges.jsonl", EDGE_PAGES)
    tables = assert_same(tmp_path, [sample])
    assert any("invalid JSON" in q for q in tables["quarantine"])  # the broken line, with its number


def test_updates_and_duplicates_across_files_and_chunks(tmp_path, small_chunks):
    first = write_jsonl(tmp_path / "a.jsonl.gz", [page(*(tweet(str(i)) for i in range(30)))], bad_lines=False)
    second = write_jsonl(tmp_path / "b.jsonl", [
        page(*(tweet(str(i), public_metrics={"like_count": i}) for i in range(0, 40, 2))),
        page(tweet("5"), tweet("5"), tweet("5", text="v2")),
        {"id": "7", "action": "delete", "reason": "deleted"},
        page(tweet("7", text="back after deletion")),
    ], bad_lines=False)
    tables = assert_same(tmp_path, [first, second])
    assert tables["post_versions"]


def test_auto_chooses_by_format_and_size():
    assert vectorised.choose_path("auto", "twitter_v2", 10 * 2**20) == "vectorised"
    assert vectorised.choose_path("auto", "twitter_v2", 1000) == "python"
    assert vectorised.choose_path("auto", "reddit", 10 * 2**20) == "python"
    assert vectorised.choose_path("vectorised", "twitter_v2", 1) == "vectorised"
    assert vectorised.choose_path("vectorised", "reddit", 10 * 2**20) == "python"  # no SQL mapping for it
    assert vectorised.choose_path("python", "twitter_v2", 10 * 2**20) == "python"


def test_the_cli_path_option_and_setting(tmp_path, cli):
    sample = write_jsonl(tmp_path / "x.jsonl", [page(tweet("1"), tweet("2"))], bad_lines=False)
    folder = tmp_path / "p"
    Project.init(folder, name="p").close()
    result = cli.json("import", folder, sample, "--path", "vectorised")
    assert result["stored"] == 2
    again = cli.json("import", folder, sample, "--path", "python")
    assert again["duplicates"] == 2 and again["stored"] == 0


# ------------------------------------------------------------------ generated pages

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_word = st.text(alphabet=st.sampled_from("aZñÑİΣσςß_1é#@:"), min_size=0, max_size=6)
_id = st.integers(min_value=1, max_value=60).map(str)


@st.composite
def generated_tweet(draw: st.DrawFn) -> dict[str, Any]:
    tid = draw(_id)
    tw: dict[str, Any] = {"id": tid, "text": draw(_text), "author_id": draw(st.sampled_from(["7", "8", ""])),
                          "created_at": draw(st.sampled_from(["2024-03-01T10:00:00.000Z", "2024-03-01T10:00:00Z",
                                                               "2024-13-01T10:00:00Z"]))}
    if draw(st.booleans()):
        tw["entities"] = {key: [{field: draw(_word)} for _ in range(draw(st.integers(0, 3)))]
                          for key, field in (("hashtags", "tag"), ("mentions", "username"), ("urls", "url"))
                          if draw(st.booleans())}
    if draw(st.booleans()):
        tw["public_metrics"] = {"like_count": draw(st.integers(0, 2**64 - 1)), "retweet_count": draw(st.integers(0, 9))}
    if draw(st.booleans()):
        tw["referenced_tweets"] = [{"type": draw(st.sampled_from(["retweeted", "quoted", "replied_to"])),
                                    "id": draw(_id)}]
    if draw(st.booleans()):
        tw["edit_history_tweet_ids"] = draw(st.lists(_id, max_size=3))
    if draw(st.booleans()):
        tw["lang"] = draw(st.sampled_from(["es", "und", ""]))
    return tw


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.lists(generated_tweet(), min_size=1, max_size=6), min_size=1, max_size=4),
       includes=st.lists(generated_tweet(), max_size=3))
def test_generated_pages_store_the_same_rows_both_ways(tmp_path_factory, pages, includes):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("gen")
        docs = [page(*tweets, includes={"users": [{"id": "7", "username": "Seven"}], "tweets": includes})
                for tweets in pages]
        assert_same(folder, [write_jsonl(folder / "g.jsonl", docs, bad_lines=False)], again=False)
    finally:
        vectorised.CHUNK = saved


def test_remap_of_a_vectorised_import_rebuilds_the_same_posts(tmp_path):
    sample = write_jsonl(tmp_path / "x.jsonl", EDGE_PAGES[:3] + EDGE_PAGES[11:21], bad_lines=False)
    with Project.init(tmp_path / "p", name="p") as project:
        project.import_files([sample], path="vectorised")
        columns = "* EXCLUDE (imported_at, collected_at)"
        before = sorted(map(repr, project.con.execute(f"SELECT {columns} FROM posts").fetchall()))  # noqa: S608
        project.remap()
        after = sorted(map(repr, project.con.execute(f"SELECT {columns} FROM posts").fetchall()))  # noqa: S608
    assert before and after == before
