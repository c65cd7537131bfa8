"""The vectorised import of flattened X v2 tweets and X v1.1 statuses stores exactly what the
per-record path stores (the conformance check of ``test_vectorised_import``, for these formats):
the real samples, the fixtures, hostile and edge records, updates and duplicates across files
and chunks, and generated records (Hypothesis)."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena.sources.twitter_v1 import TwitterV1
from antena.sources.twitter_v2_flat import TwitterV2Flat
from antena.store import vectorised, x_flat_mapping

from .conftest import FIXTURES, SHARED
from .test_vectorised_import import assert_same, small_chunks, write_jsonl  # noqa: F401 - small_chunks: a fixture

FLAT = "twitter_v2_flat"
V1 = "twitter_v1"


def shared_samples(patterns: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        found.extend(Path(p) for p in sorted(glob.glob(str(SHARED / "formats" / pattern))))
    return found


def regular_share(mapping: Any, payloads: list[Any]) -> tuple[int, int]:
    """How many of these records the SQL maps itself (regular), of how many."""
    con = duckdb.connect()
    mapping.install(con)
    texts = [orjson.dumps(p, option=orjson.OPT_SORT_KEYS).decode() for p in payloads]
    con.register("vx_raw", pa.table({"idx": pa.array(range(len(texts)), pa.int64()), "payload": texts}))
    regular = con.execute(mapping.mapping_sql(None)).to_arrow_table().column("regular").to_pylist()
    con.close()
    return sum(regular), len(regular)


# ------------------------------------------------------------------ X v2 flattened (twarc2 flatten)


def test_the_flat_format_is_vectorised():
    assert vectorised.choose_path("auto", FLAT, 10 * 2**20) == "vectorised"
    assert vectorised.choose_path("python", FLAT, 10 * 2**20) == "python"


def test_every_real_flat_sample_stores_the_same_rows_both_ways(tmp_path, small_chunks):
    samples = shared_samples(TwitterV2Flat.shared_samples)
    if not samples:
        pytest.skip("../shared/formats is not available")
    for sample in samples:
        tables = assert_same(tmp_path / sample.stem, [sample], format_name=FLAT)
        assert tables["posts"], sample
        # the real lines are all read by the SQL (user profiles' URL objects do not trap them)
        lines = [orjson.loads(line) for line in sample.read_bytes().splitlines() if line.strip()]
        assert regular_share(x_flat_mapping, lines) == (len(lines), len(lines))


def test_the_flat_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):
    fixtures = sorted((FIXTURES / "sources" / FLAT).iterdir())
    assert fixtures
    for fixture in fixtures:
        assert_same(tmp_path / fixture.name, [fixture], format_name=FLAT)


USER = {"id": "7", "username": "Seven", "name": "Siete", "description": "Ayuda #Trata",
        "entities": {"url": {"urls": [{"url": "https://t.co/a", "expanded_url": "https://a.org"}]},
                     "description": {"hashtags": [{"tag": "Trata", "start": 6, "end": 12}]}}}


def flat(tid: str, **extra: Any) -> dict[str, Any]:
    """A flattened tweet as twarc2 writes it (author inlined, collection metadata)."""
    return {"id": tid, "text": f"post {tid} #Tag @Name https://e.org/{tid}", "author_id": "7", "author": USER,
            "created_at": "2024-03-01T10:00:00.000Z", "edit_history_tweet_ids": [tid],
            "__twarc": {"retrieved_at": "2024-03-02T00:00:00+00:00", "url": "https://api.x.com/2/tweets",
                        "version": "2.14.0"}, **extra}


ORIGINAL = {"type": "retweeted", "id": "19", "text": "the whole original #Orig", "author_id": "8",
            "author": {"id": "8", "username": "Ocho", "entities": {"url": {"urls": []}}},
            "entities": {"hashtags": [{"tag": "Orig"}], "urls": [{"url": "u"}], "mentions": [{"username": "Z"}]},
            "created_at": "2024-02-01T10:00:00.000Z", "public_metrics": {"like_count": 3}}

EDGE_FLAT: list[Any] = [
    flat("1"), flat("2", entities={}), flat("3", entities={"hashtags": [{"tag": "ÑANDÚ"}]}),
    flat("4", entities={"hashtags": [{"tag": "İstanbul"}, {"tag": "ΟΔΟΣ"}]}),  # lower() differs
    flat("5", author={**USER, "description": "İstanbul ΟΔΟΣ"}),  # only in text nobody lower-cases
    flat("6", entities={"hashtags": [{"tag": None}]}), flat("7", entities={"hashtags": [{"tag": 5}]}),
    flat("8", entities={"hashtags": "nope"}), flat("9", entities=[]), flat("10", entities={"annotations": []}),
    flat("11", public_metrics={"like_count": 2**63 + 7, "retweet_count": 1}),  # cannot be stored
    flat("12", public_metrics={"like_count": 1.5, "retweet_count": "12", "reply_count": True}),
    flat("13", public_metrics={"like_count": 10**15, "quote_count": 0, "impression_count": 42}),
    flat("14", id=14), flat("", text="no id"),
    flat("15", created_at="2024-02-30T10:00:00Z"), flat("16", created_at="yesterday"),
    flat("17", created_at=1700000000), flat("18", created_at="2024-03-01T10:00:00+02:00"),
    flat("19b", created_at="2024-03-01T10:00:00.123456Z"),
    flat("20", withheld={"copyright": True, "country_codes": ["DE"]}), flat("21", withheld=False),
    flat("22", note_tweet={"text": "a long #Note", "entities": {"hashtags": [{"tag": "Note"}]}}),
    flat("23", text="RT @Ocho: the whole…", referenced_tweets=[ORIGINAL],
         entities={"mentions": [{"username": "Ocho"}]}),
    flat("24", text="RT @Ocho: cut", referenced_tweets=[{**ORIGINAL, "text": ""}]),
    flat("25", text="RT @Ocho: no text inlined", referenced_tweets=[{"type": "retweeted", "id": "19"}]),
    flat("26", text="no RT prefix", referenced_tweets=[{"type": "quoted", "id": "1"}, ORIGINAL]),
    flat("27", referenced_tweets=[{"type": "quoted", "id": "1", "text": "quoted"},
                                  {"type": "replied_to", "id": "2", "text": "first"},
                                  {"type": "replied_to", "id": "3"}], conversation_id="2",
         in_reply_to_user={"id": "9", "username": "Nueve", "entities": {"url": {"urls": []}}}),
    flat("28", referenced_tweets=[{"type": "quoted"}]), flat("29", referenced_tweets=["x"]),
    flat("30", referenced_tweets=[{**ORIGINAL, "withheld": {"copyright": True}}]),
    flat("32", edit_history_tweet_ids=["31", "32"], conversation_id="31"),
    flat("31", edit_history_tweet_ids=["31", "32"], conversation_id="31", text="before the edit"),
    flat("33", edit_history_tweet_ids=[]), flat("34", edit_history_tweet_ids=["", "34"]),
    flat("35", edit_history_tweet_ids=[35]),
    flat("36", lang="und"), flat("37", lang="es"), flat("38", lang=None), flat("39", lang=3), flat("40", lang=""),
    flat("41", geo={"place_id": "p1", "id": "p1", "full_name": "Puebla, México", "country_code": "mx",
                    "geo": {"type": "Feature", "bbox": [1.0, 2.0, 3.0, 4.0], "properties": {}}}),
    flat("42", geo={"place_id": "p2", "country_code": "MX"}), flat("43", geo={"name": "Lima", "country_code": "pé"}),
    flat("44", geo="Lima"), flat("45", geo={"coordinates": {"type": "Point", "coordinates": [1, 2]}}),
    flat("46", attachments={"media_keys": ["m1", "m2"], "media": [{"media_key": "m1", "type": "video"},
                                                                  {"media_key": "m2", "type": "photo"}, 5, {}]}),
    flat("47", attachments={"media_keys": [], "media": []}), flat("48", attachments=[1]),
    flat("49", attachments={"media": {"type": "photo"}}), flat("50", attachments={"media": [7, "x"]}),
    flat("51", attachments={"media_keys": ["m9"]}),
    flat("52", author_id=""), flat("53", author_id=None), flat("54", author="Seven"), flat("55", author={}),
    flat("56", author_id="", author={"id": "99", "username": "Nn"}),
    flat("57", entities={"urls": [{"url": "https://t.co/x", "expanded_url": ""},
                                  {"url": "https://t.co/y", "expanded_url": "https://y.org"},
                                  {"url": "https://t.co/y", "expanded_url": "https://y.org"}],
                         "mentions": [{"username": "B"}, {"username": "b"}, {}]}),
    flat("58", entities={"urls": [{"url": {"urls": []}}]}),  # a URL object where a string belongs
    flat("59", entities={"urls": [{"url": "{not json"}]}),
    flat("60", __antena_synthetic=True), flat("61", __antena_synthetic="yes"),
    flat("62", __antena_synthetic=[1]), flat("63", __antena_synthetic=0),
    flat("64", text="value:null has a colon and \"quotes\" and \\ backslashes"),
    flat("65", context_annotations=[{"domain": {"id": "1", "name": "x"}, "entity": {"id": "2", "name": "y"}}],
         possibly_sensitive=False, reply_settings="everyone", source="Twitter Web App"),
    flat("66", __twarc="not an object"), flat("67", __twarc={"retrieved_at": "yesterday"}),
    flat("68", __twarc={"retrieved_at": 1700000000}), flat("69", __twarc={}),
    flat("70", text="emoji 🚨 y texto עברית ⚠️ #ÄÖ @ÑoÑo", entities=None),
    flat("71", author={**USER, "withheld": {"country_codes": ["DE"]}}),
    flat("72", conversation_id=""), flat("73", text=None), flat("74", text=""),
    flat("1"),  # the same record again: a duplicate
    flat("1", text="post 1 edited #New"),  # a new version of a stored post: an update
    [flat("75"), flat("76"), "not a tweet"],  # a saved list of tweets
    "not a tweet", {"id": "77"}, {"data": [flat("78")]}, {"text": "no id"},
]


def test_hostile_and_edge_flat_records_store_the_same_rows_and_quarantines(tmp_path, small_chunks):
    sample = write_jsonl(tmp_path / "edges.jsonl", EDGE_FLAT)
    tables = assert_same(tmp_path, [sample], format_name=FLAT)
    assert any("invalid JSON" in q for q in tables["quarantine"])  # the broken line, with its number
    assert any("x:31" in p for p in tables["post_versions"])  # the edit and its original are one post


def test_flat_records_that_the_sql_reads_are_most(tmp_path):
    # the ordinary ones (including users with URL objects and İ/Σ in profiles) stay in SQL
    regular, total = regular_share(x_flat_mapping, [flat("1"), flat("5", author={**USER, "name": "ΣİΣ"}),
                                                     flat("23", text="RT @Ocho: x", referenced_tweets=[ORIGINAL])])
    assert (regular, total) == (3, 3)
    # and the ones Python maps differently go to Python
    assert regular_share(x_flat_mapping, [flat("58", entities={"urls": [{"url": {"urls": []}}]})]) == (0, 1)
    assert regular_share(x_flat_mapping, [flat("4", entities={"hashtags": [{"tag": "İ"}]})]) == (0, 1)


def test_flat_updates_and_duplicates_across_files_and_chunks(tmp_path, small_chunks):
    first = write_jsonl(tmp_path / "a.jsonl.gz", [flat(str(i)) for i in range(30)], bad_lines=False)
    second = write_jsonl(tmp_path / "b.jsonl", [
        *(flat(str(i), public_metrics={"like_count": i}) for i in range(0, 40, 2)),
        flat("5"), flat("5"), flat("5", text="v2"),
        flat("7", __twarc={"retrieved_at": "2024-03-05T00:00:00+00:00"}),
    ], bad_lines=False)
    tables = assert_same(tmp_path, [first, second], format_name=FLAT)
    assert tables["post_versions"]


# ------------------------------------------------------------------ generated flat tweets

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_word = st.text(alphabet=st.sampled_from("aZñÑİΣσςß_1é#@:{\"\\"), min_size=0, max_size=6)
_id = st.integers(min_value=1, max_value=40).map(str)
_time = st.sampled_from(["2024-03-01T10:00:00.000Z", "2024-03-01T10:00:00Z", "2024-13-01T10:00:00Z",
                         "Fri Mar 01 10:00:00 +0000 2024", ""])


@st.composite
def generated_entities(draw: st.DrawFn) -> dict[str, Any]:
    return {key: [{field: draw(_word)} for _ in range(draw(st.integers(0, 3)))]
            for key, field in (("hashtags", "tag"), ("mentions", "username"), ("urls", "url"))
            if draw(st.booleans())}


@st.composite
def generated_flat(draw: st.DrawFn) -> dict[str, Any]:
    tid = draw(_id)
    tw: dict[str, Any] = {"id": tid, "text": draw(_text), "author_id": draw(st.sampled_from(["7", "8", ""])),
                          "created_at": draw(_time)}
    if draw(st.booleans()):
        tw["author"] = {"id": draw(st.sampled_from(["7", "9"])), "username": draw(_word),
                        "entities": {"url": {"urls": []}}}
    if draw(st.booleans()):
        tw["entities"] = draw(generated_entities())
    if draw(st.booleans()):
        tw["public_metrics"] = {"like_count": draw(st.integers(0, 2**64 - 1)), "retweet_count": draw(st.integers(0, 9))}
    if draw(st.booleans()):
        refs = []
        for _ in range(draw(st.integers(1, 2))):
            ref: dict[str, Any] = {"type": draw(st.sampled_from(["retweeted", "quoted", "replied_to"])), "id": draw(_id)}
            if draw(st.booleans()):
                ref.update(text=draw(_text), entities=draw(generated_entities()))
            refs.append(ref)
        tw["referenced_tweets"] = refs
    if draw(st.booleans()):
        tw["edit_history_tweet_ids"] = draw(st.lists(_id, max_size=3))
    if draw(st.booleans()):
        tw["lang"] = draw(st.sampled_from(["es", "und", ""]))
    if draw(st.booleans()):
        tw["geo"] = {k: draw(_word) for k in ("full_name", "name", "country_code") if draw(st.booleans())}
    if draw(st.booleans()):
        tw["attachments"] = {"media": [draw(st.sampled_from([{"type": "photo"}, {"type": ""}, {}, 3]))
                                       for _ in range(draw(st.integers(0, 2)))]}
    if draw(st.booleans()):
        tw["__twarc"] = {"retrieved_at": draw(st.sampled_from(["2024-03-02T00:00:00+00:00", "2024-03-02"]))}
    return tw


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tweets=st.lists(generated_flat(), min_size=1, max_size=12))
def test_generated_flat_tweets_store_the_same_rows_both_ways(tmp_path_factory, tweets):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("gen")
        assert_same(folder, [write_jsonl(folder / "g.jsonl", tweets, bad_lines=False)], again=False, format_name=FLAT)
    finally:
        vectorised.CHUNK = saved
