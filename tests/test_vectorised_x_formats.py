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
from antena.store import vectorised, x_flat_mapping, x_v1_mapping

from .conftest import FIXTURES, SHARED
from .test_vectorised_import import assert_same, page, small_chunks, tweet, write_jsonl  # noqa: F401 - a fixture

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


@pytest.mark.usefixtures("small_chunks")
def test_an_id_of_spaces_is_quarantined_on_both_paths(tmp_path):
    # make_post strips the id: the SQL maps digit ids only (the v2 pages share this rule)
    sample = write_jsonl(tmp_path / "ids.jsonl", [page(tweet(" ", edit_history_tweet_ids=[]), tweet("\u00a0"),
                                                       tweet("2", edit_history_tweet_ids=[]))], bad_lines=False)
    tables = assert_same(tmp_path, [sample], format_name="twitter_v2")
    assert any("record has no id" in q for q in tables["quarantine"])


def test_the_flat_format_is_vectorised():
    assert vectorised.choose_path("auto", FLAT, 10 * 2**20) == "vectorised"
    assert vectorised.choose_path("python", FLAT, 10 * 2**20) == "python"


@pytest.mark.usefixtures("small_chunks")
def test_every_real_flat_sample_stores_the_same_rows_both_ways(tmp_path):
    samples = shared_samples(TwitterV2Flat.shared_samples)
    if not samples:
        pytest.skip("../shared/formats is not available")
    for sample in samples:
        tables = assert_same(tmp_path / sample.stem, [sample], format_name=FLAT)
        assert tables["posts"], sample
        # the real lines are all read by the SQL (user profiles' URL objects do not trap them)
        lines = [orjson.loads(line) for line in sample.read_bytes().splitlines() if line.strip()]
        assert regular_share(x_flat_mapping, lines) == (len(lines), len(lines))


@pytest.mark.usefixtures("small_chunks")
def test_the_flat_fixtures_store_the_same_rows_both_ways(tmp_path):
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
    flat("14", id=14), flat("", text="no id"), flat(" ", edit_history_tweet_ids=[]),
    flat("\u00a0", edit_history_tweet_ids=[]), flat("1x", edit_history_tweet_ids=[]),
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


@pytest.mark.usefixtures("small_chunks")
def test_hostile_and_edge_flat_records_store_the_same_rows_and_quarantines(tmp_path):
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


@pytest.mark.usefixtures("small_chunks")
def test_flat_updates_and_duplicates_across_files_and_chunks(tmp_path):
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
_ODD_TIMES = ["2024-13-01T10:00:00Z", "Fri Mar 01 10:00:00 +0000 2024", "2024-03-01T10:00:00.000Z", ""]
_time = st.one_of(st.sampled_from(["2024-03-01T10:00:00.000Z", "2024-03-01T10:00:00Z"]), st.sampled_from(_ODD_TIMES))
_v1_time = st.one_of(st.sampled_from(["Fri Mar 01 10:00:00 +0000 2024", "Sat Mar 02 23:59:59 +0000 2024"]),
                     st.sampled_from(_ODD_TIMES))


# any JSON value, for a field the mapping reads (the traps must send every odd type to Python).
# Objects have their keys sorted: the vectorised path maps an irregular record from its canonical
# payload (keys sorted, as stored and as `antena remap` reads it), the per-record path from the
# record as read, so ``str()`` of an object where a string belongs (an id, a time in a quarantine
# reason) differs between them when its keys were not in order.
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | _word | st.just("") | st.just("2024-03-01T10:00:00Z"),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(
        st.sampled_from(["id", "text", "tag", "url", "type"]), inner, max_size=2).map(lambda d: dict(sorted(d.items()))),
    max_leaves=4)


def put(node: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``node`` with the field at ``path`` (keys; "0" the first element of a list) set to ``value``."""
    key, rest = path[0], path[1:]
    if not rest:
        return {**node, key: value}
    if rest[0] == "0":
        items = node.get(key) if isinstance(node.get(key), list) else []
        first = items[0] if items and isinstance(items[0], dict) else {}
        return {**node, key: [put(first, rest[1:], value) if rest[1:] else value, *items[1:]]}
    child = node.get(key) if isinstance(node.get(key), dict) else {}
    return {**node, key: put(child, rest, value)}


def odd_values(draw: st.DrawFn, record: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """``record`` with up to two of the fields the mapping reads set to any JSON value."""
    for path in draw(st.lists(st.sampled_from(paths), max_size=2)):
        record = put(record, tuple(path.split(".")), draw(_json))
    return record


FLAT_PATHS = [
    "id", "text", "author_id", "created_at", "conversation_id", "lang", "public_metrics", "public_metrics.like_count",
    "entities", "entities.hashtags", "entities.hashtags.0.tag", "entities.mentions.0.username", "entities.urls",
    "entities.urls.0.url", "entities.urls.0.expanded_url", "referenced_tweets", "referenced_tweets.0.id",
    "referenced_tweets.0.type", "referenced_tweets.0.text", "referenced_tweets.0.entities", "edit_history_tweet_ids",
    "edit_history_tweet_ids.0", "attachments", "attachments.media_keys", "attachments.media",
    "attachments.media.0.type", "author", "author.id", "author.username", "geo", "geo.full_name", "geo.country_code",
    "__twarc", "__twarc.retrieved_at", "__antena_synthetic", "withheld", "note_tweet"]
V1_PATHS = [
    "id_str", "id", "text", "full_text", "truncated", "created_at", "lang", "is_quote_status", "favorite_count",
    "retweet_count", "entities", "entities.hashtags", "entities.hashtags.0.text", "entities.user_mentions.0.screen_name",
    "entities.urls.0.url", "entities.urls.0.expanded_url", "entities.media", "extended_tweet",
    "extended_tweet.full_text", "extended_tweet.entities", "extended_entities", "extended_entities.media",
    "extended_entities.media.0.type", "user", "user.id_str", "user.id", "user.screen_name", "retweeted_status",
    "retweeted_status.text", "retweeted_status.user", "retweeted_status.id_str", "in_reply_to_status_id_str",
    "in_reply_to_status_id", "quoted_status_id_str", "quoted_status_id", "quoted_status", "place",
    "place.full_name", "place.country_code", "edit_history", "edit_history.edit_tweet_ids",
    "edit_history.initial_tweet_id", "withheld_in_countries", "withheld_copyright", "__antena_synthetic", "delete"]


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
    return odd_values(draw, tw, FLAT_PATHS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tweets=st.lists(generated_flat(), min_size=1, max_size=12))
def test_generated_flat_tweets_store_the_same_rows_both_ways(tmp_path_factory, tweets):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("gen")
        assert_same(folder, [write_jsonl(folder / "g.jsonl", tweets, bad_lines=False)], again=False, format_name=FLAT)
    finally:
        vectorised.CHUNK = saved


# ------------------------------------------------------------------ X v1.1 statuses


def test_the_v1_format_is_vectorised():
    assert vectorised.choose_path("auto", V1, 10 * 2**20) == "vectorised"


@pytest.mark.usefixtures("small_chunks")
def test_every_real_v1_sample_stores_the_same_rows_both_ways(tmp_path):
    samples = shared_samples(TwitterV1.shared_samples)
    if not samples:
        pytest.skip("../shared/formats is not available")
    for sample in samples:
        tables = assert_same(tmp_path / sample.stem, [sample], format_name=V1)
        assert tables["posts"] or tables["quarantine"], sample
    # every status of the real samples is read by the SQL (v1.1's many nulls do not trap them)
    source = TwitterV1()
    for sample in samples:
        payloads = [r.payload for r in source.records(sample.open("rb"), sample.name) if hasattr(r, "payload")]
        if payloads:
            assert regular_share(x_v1_mapping, payloads) == (len(payloads), len(payloads)), sample


@pytest.mark.usefixtures("small_chunks")
def test_the_v1_fixtures_store_the_same_rows_both_ways(tmp_path):
    fixtures = sorted((FIXTURES / "sources" / V1).iterdir())
    assert fixtures
    for fixture in fixtures:
        assert_same(tmp_path / fixture.name, [fixture], format_name=V1)


V1_USER = {"id": 7, "id_str": "7", "name": "Siete", "screen_name": "Seven", "url": None, "description": "Ayuda",
           "entities": {"url": {"urls": [{"url": "https://t.co/a", "expanded_url": "https://a.org", "indices": [0, 5]}]},
                        "description": {"urls": []}},
           "withheld_in_countries": [], "time_zone": None, "utc_offset": None, "followers_count": 3}


def status(sid: str, **extra: Any) -> dict[str, Any]:
    """A v1.1 status as the API writes it (nulls for what is absent)."""
    return {"created_at": "Thu Oct 11 08:00:00 +0000 2018", "id": int(sid) if sid.isdigit() else 0, "id_str": sid,
            "text": f"status {sid} #Tag @Name https://t.co/{sid}", "truncated": False,
            "entities": {"hashtags": [{"text": "Tag", "indices": [10, 14]}], "symbols": [],
                         "user_mentions": [{"screen_name": "Name", "name": "N", "id": 9, "id_str": "9",
                                            "indices": [15, 20]}],
                         "urls": [{"url": f"https://t.co/{sid}", "expanded_url": f"https://e.org/{sid}",
                                   "display_url": "e.org", "indices": [21, 40]}]},
            "user": V1_USER, "in_reply_to_status_id": None, "in_reply_to_status_id_str": None,
            "in_reply_to_user_id": None, "in_reply_to_screen_name": None, "geo": None, "coordinates": None,
            "place": None, "contributors": None, "is_quote_status": False, "retweet_count": 1, "favorite_count": 2,
            "favorited": False, "retweeted": False, "lang": "es", **extra}


RETWEETED = status("90", text="the whole original text is long #Orig", user={**V1_USER, "screen_name": "Ocho"},
                   extended_entities={"media": [{"type": "photo", "media_url": "https://p.org/1.jpg"}]})
EXTENDED = {"full_text": "an extended text #Largo @Otra", "display_text_range": [0, 29],
            "entities": {"hashtags": [{"text": "Largo"}], "user_mentions": [{"screen_name": "Otra"}], "urls": []},
            "extended_entities": {"media": [{"type": "animated_gif"}, {"type": "video"}]}}

EDGE_V1: list[Any] = [
    status("1"), status("2", entities={"hashtags": [], "urls": [], "user_mentions": []}),
    status("3", entities={}), status("4", entities=None), status("5", entities={"hashtags": [{"text": None}]}),
    status("6", entities={"hashtags": [{"text": 5}]}), status("7", entities={"hashtags": "nope"}),
    status("8", entities={"user_mentions": [{"screen_name": None}]}), status("9", entities=[]),
    status("10", entities={"hashtags": [{"text": "İstanbul"}, {"text": "ΟΔΟΣ"}]}),
    status("11", user={**V1_USER, "description": "İstanbul ΟΔΟΣ", "name": "Σ"}),
    status("12", truncated=True, text="cut…"), status("13", truncated=True, extended_tweet=EXTENDED),
    status("14", truncated=True, full_text="the full text #Full"), status("15", extended_tweet={}),
    status("16", extended_tweet="x"), status("17", extended_tweet={**EXTENDED, "entities": {}}),
    status("18", truncated="yes"), status("19", truncated=None, full_text=""),
    status("20", text="RT @Ocho: the whole…", retweeted_status=RETWEETED, retweet_count=5),
    status("21", text="no prefix", retweeted_status={**RETWEETED, "extended_tweet": EXTENDED}),
    status("22", text="RT @x: y", retweeted_status={**RETWEETED, "user": None}),
    status("23", text="RT @x: y", retweeted_status={**RETWEETED, "text": "", "user": {"screen_name": "q"}}),
    status("24", text="RT", retweeted_status={**RETWEETED, "id_str": None}),
    status("25", retweeted_status="nope"), status("26", retweeted_status={}),
    status("27", is_quote_status=True, quoted_status_id_str="1", quoted_status_id=1,
           quoted_status={"id_str": "1", "text": "q", "created_at": "x"}),
    status("28", is_quote_status=False, quoted_status_id_str="1"),
    status("29", quoted_status={"id_str": "2", "id": 2}), status("30", quoted_status_id=3),
    status("31", is_quote_status=None, quoted_status_id_str="1"), status("32", is_quote_status="true"),
    status("33", in_reply_to_status_id_str="1", in_reply_to_status_id=1, in_reply_to_screen_name="Seven"),
    status("34", in_reply_to_status_id=2), status("35", in_reply_to_status_id_str="",  in_reply_to_status_id=None),
    status("36", in_reply_to_status_id_str="1", is_quote_status=True, quoted_status_id_str="2"),
    status("37", favorite_count=2**63 + 7), status("38", favorite_count=1.5, retweet_count="1,234"),
    status("39", favorite_count=None, retweet_count=None, reply_count=3, quote_count=10**15),
    status("40", favorite_count=-1), status("41", favorite_count=True),
    {**status("42"), "id_str": None}, {**status("43"), "id_str": ""}, status(" "), status("\u2003"),
    status("44", user={**V1_USER, "id_str": None}),
    status("45", user={"id_str": "", "id": None, "screen_name": "Nobody"}), status("46", user=None),
    status("47", user="Seven"), status("48", user={}),
    status("49", created_at="Fri Feb 30 08:00:00 +0000 2018"), status("50", created_at="2018-10-11T08:00:00Z"),
    status("51", created_at="Thu Oct 11 08:00:00 +0200 2018"), status("52", created_at="thu oct 11 08:00:00 +0000 2018"),
    status("53", created_at=None, timestamp_ms="1539248400000"), status("54", created_at="Thu Oct 11 25:00:00 +0000 2018"),
    status("55", created_at=" Thu Oct 11 08:00:00 +0000 2018"), status("56", created_at="Mon Oct 11 08:00:00 +0000 2018"),
    status("57", withheld_in_countries=["DE"]), status("58", withheld_copyright=True),
    status("59", withheld_in_countries=[], withheld_copyright=False),
    {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 7, "user_id_str": "7"}, "timestamp_ms": "1"}},
    {"status_withheld": {"id": 2, "user_id": 7, "withheld_in_countries": ["MX"]}},
    {"limit": {"track": 3}}, {"trends": [], "as_of": "x", "locations": []}, "not a status", [1, 2],
    status("61", edit_history={"initial_tweet_id": "60", "edit_tweet_ids": ["60", "61"]}),
    status("60", edit_history={"initial_tweet_id": "60", "edit_tweet_ids": ["60", "61"]}, text="before the edit"),
    status("62", edit_history={"edit_tweet_ids": [62]}), status("63", edit_history={"edit_tweet_ids": ["", "63"]}),
    status("64", edit_history={"initial_tweet_id": 64}), status("65", edit_history=[]),
    status("66", lang="und"), status("67", lang=None), status("68", lang=3), status("69", lang=""),
    status("70", place={"full_name": "Puebla, México", "name": "Puebla", "country_code": "mx", "country": "México",
                        "bounding_box": {"type": "Polygon", "coordinates": [[[1.0, 2.0]]]}, "attributes": {},
                        "url": "https://api.x.com/1.1/geo/id/p.json"}),
    status("71", place={"name": "Lima", "full_name": "", "country_code": "pé"}), status("72", place="Lima"),
    status("73", place={"country_code": None}),
    status("74", __antena_synthetic=True), status("75", __antena_synthetic="yes"), status("76", __antena_synthetic=0),
    {"statuses": [status("77"), status("78")], "search_metadata": {"count": 2}, "__antena_synthetic": True},
    status("79", extended_entities={"media": [{"type": "photo"}, 5, {"type": ""}, {"type": "video"}]}),
    status("80", entities={"media": [{"type": "photo"}], "hashtags": []}), status("81", extended_entities={"media": []}),
    status("82", extended_entities={"media": {"type": "photo"}}), status("83", extended_entities=[1]),
    status("84", entities={"urls": [{"url": {"urls": []}}]}),  # a URL object where a string belongs
    status("85", entities={"urls": [{"url": "https://t.co/x", "expanded_url": None},
                                    {"url": "https://t.co/y", "expanded_url": ""}, {"url": None}]}),
    status("86", text="value:null and \"quotes\" and \\ backslashes 🚨 עברית", entities=None),
    status("87", text=None), status("88", text=""),
    [status("89"), status("1")],  # a JSON array of statuses (the second a duplicate)
    status("1"),  # the same record again: a duplicate
    status("1", text="status 1 edited #New", favorite_count=9),  # a new version of a stored post: an update
]


@pytest.mark.usefixtures("small_chunks")
def test_hostile_and_edge_v1_records_store_the_same_rows_and_quarantines(tmp_path):
    sample = write_jsonl(tmp_path / "edges.jsonl", EDGE_V1)
    tables = assert_same(tmp_path, [sample], format_name=V1)
    assert any("invalid JSON" in q for q in tables["quarantine"])
    assert any("not a post: rate-limit notice" in q for q in tables["quarantine"])


def test_v1_records_that_the_sql_reads_are_most():
    ordinary = [status("1"), status("11", user={**V1_USER, "description": "İΣ"}),
                status("20", text="RT @Ocho: x", retweeted_status=RETWEETED), status("13", extended_tweet=EXTENDED)]
    assert regular_share(x_v1_mapping, ordinary) == (4, 4)
    for odd in (status("84", entities={"urls": [{"url": {"urls": []}}]}), status("3", entities={}),
                status("57", withheld_in_countries=["DE"]), status("31", is_quote_status=None)):
        assert regular_share(x_v1_mapping, [odd]) == (0, 1)


@pytest.mark.usefixtures("small_chunks")
def test_v1_updates_and_duplicates_across_files_and_chunks(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl.gz", [status(str(i)) for i in range(1, 31)], bad_lines=False)
    second = write_jsonl(tmp_path / "b.jsonl", [
        *(status(str(i), favorite_count=i) for i in range(2, 40, 2)),
        status("5"), status("5"), status("5", text="v2"),
        {"delete": {"status": {"id": 7, "id_str": "7", "user_id": 7, "user_id_str": "7"}}},
        status("7", text="back after deletion"),
    ], bad_lines=False)
    tables = assert_same(tmp_path, [first, second], format_name=V1)
    assert tables["post_versions"]


@st.composite
def generated_status(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    sid = draw(_id)
    s: dict[str, Any] = {"id_str": sid, "id": int(sid), "text": draw(_text),
                         "created_at": draw(_v1_time), "truncated": draw(st.booleans())}
    if draw(st.booleans()):
        s["entities"] = {key: [{field: draw(_word)} for _ in range(draw(st.integers(0, 3)))]
                         for key, field in (("hashtags", "text"), ("user_mentions", "screen_name"), ("urls", "url"))
                         if draw(st.booleans())}
    if draw(st.booleans()):
        s["extended_tweet"] = {"full_text": draw(_text)}
    if draw(st.booleans()):
        s["user"] = draw(st.sampled_from([{"id_str": "7", "screen_name": "Seven"}, {"id_str": "8"}, None]))
    if draw(st.booleans()):
        s["favorite_count"] = draw(st.one_of(st.none(), st.integers(0, 2**64 - 1)))
    if depth == 0 and draw(st.booleans()):
        s["retweeted_status"] = draw(generated_status(depth=1))
    if draw(st.booleans()):
        s["in_reply_to_status_id_str"] = draw(st.one_of(st.none(), _id))
    if draw(st.booleans()):
        s["is_quote_status"] = draw(st.booleans())
        s["quoted_status_id_str"] = draw(_id)
    if draw(st.booleans()):
        s["extended_entities"] = {"media": [{"type": draw(st.sampled_from(["photo", "video", ""]))}
                                            for _ in range(draw(st.integers(0, 2)))]}
    if draw(st.booleans()):
        s["lang"] = draw(st.sampled_from(["es", "und", "", None]))
    if draw(st.booleans()):
        s["place"] = draw(st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "full_name": _word, "name": _word, "country_code": _word})))
    if draw(st.booleans()):
        ids = draw(st.lists(_id, max_size=3))
        s["edit_history"] = {"edit_tweet_ids": ids, "initial_tweet_id": ids[0] if ids else None}
    return odd_values(draw, s, V1_PATHS) if depth == 0 else s


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(generated_status(), min_size=1, max_size=12))
def test_generated_v1_statuses_store_the_same_rows_both_ways(tmp_path_factory, statuses):
    vectorised.CHUNK, saved = 5, vectorised.CHUNK
    try:
        folder = tmp_path_factory.mktemp("gen")
        assert_same(folder, [write_jsonl(folder / "g.jsonl", statuses, bad_lines=False)], again=False, format_name=V1)
    finally:
        vectorised.CHUNK = saved
