"""Protect: the ``risk`` analyser's signals, the review queue and its CLI, on a hand-written X v2
(twarc2) fixture and on the demo's planted risky posts. Every case is invented for these tests."""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from antena.config import update_config
from antena.nlp.risk import Risk
from antena.nlp.textutil import fold
from antena.project import Project
from antena.protect.signals import RULESET, assess, prepare, prepare_array

from .conftest import Cli

# id suffix -> (text, replied-to suffix or None, expected signal or None for "stays quiet")
TWEETS: dict[str, tuple[str, str | None, str | None]] = {
    # fraudulent recruitment offers
    "101": ("Se solicitan señoritas de 16 a 20 años para edecanes en Cancún, excelente sueldo, sin experiencia. "
            "Manda tus fotos por inbox 💋", None, "recruitment_offer"),
    "102": ("Hiring girls 17+ for hostess work in Dubai, flights and visa paid, earn $3000 a week, no experience "
            "needed, DM me", None, "recruitment_offer"),
    # distress, and predatory replies to it
    "201": ("odio a mi mamá, ya no aguanto vivir aquí 😭😭", None, "distress_youth"),
    "202": ("@nina_x yo te puedo dar un lugar donde quedarte, no le digas a tus papás, mándame DM", "201",
            "predatory_reply"),
    "203": ("I hate my parents so much, I want to run away from home", None, "distress_youth"),
    "204": ("@kiddo22 you can stay with me, I'll pick you up tonight. Don't tell your mom", "203", "predatory_reply"),
    "205": ("nobody cares about me, I feel so alone", None, "distress_youth"),
    # minors oversharing
    "301": ("tengo 13 años y voy en la secundaria técnica 45, mi cel es 55 1234 5678 escríbanme", None,
            "minor_oversharing"),
    "302": ("I'm 14 and bored lol, text me at 555-201-7788", None, "minor_oversharing"),
    # near misses: must stay quiet
    "401": ("Grupo Logístico del Bajío S.A. de C.V. solicita auxiliar administrativo. Sueldo $9,000 a $11,000 "
            "mensuales, prestaciones de ley. Entrevistas en Av. Juárez 250, León. Envía tu CV a rh@glb.example",
            None, None),
    "402": ("Acme Logistics Inc. is hiring a warehouse associate in Austin, TX. $18-$22/hr, full benefits. "
            "Apply at 1200 Main Street or send your resume to jobs@acme.example", None, None),
    "403": ("la casa de mi mamá es un lugar donde quedarte cuando vienes a Puebla, muy bonita", "201", None),
    "404": ("Soy maestra, tengo 14 años de experiencia dando clases en secundaria. Informes al 55 8765 4321",
            None, None),
    "405": ("I've been teaching 8th grade for 13 years, call the school office at 555-301-2233", None, None),
    "406": ("Roban a un niño en Tijuana, la PGR no hace nada #AlertaAmber @FGRMexico", None, None),
    "407": ("A secret rocket ship? lol the new trailer looks like it's from the 70s", None, None),
}
QUEUED = {"101", "102", "201", "202", "203", "204", "301", "302"}  # risk_score >= 0.5; 205 is context only
PID = "x:19000000000000{}"


def tweet_page() -> dict:
    """One twarc2 page holding every fixture tweet, written here by hand."""
    data, users = [], {}
    for i, (suffix, (text, parent, _)) in enumerate(TWEETS.items()):
        author = f"9{suffix}"
        users[author] = {"id": author, "username": f"user_{suffix}", "name": f"Persona {suffix}"}
        tweet = {"id": f"19000000000000{suffix}", "text": text, "author_id": author,
                 "created_at": f"2017-03-02T18:{i:02d}:00.000Z", "lang": "en" if text.isascii() else "es",
                 "conversation_id": f"19000000000000{parent or suffix}",
                 "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
                 "edit_history_tweet_ids": [f"19000000000000{suffix}"]}
        if parent:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": f"19000000000000{parent}"}]
            tweet["in_reply_to_user_id"] = f"9{parent}"
        data.append(tweet)
    return {"data": data, "includes": {"users": list(users.values())},
            "meta": {"result_count": len(data)},
            "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0",
                        "retrieved_at": "2024-01-01T00:00:00+00:00"}}


def set_pipeline(folder: Path, analysers: list[str]) -> None:
    update_config(folder, lambda doc: doc["pipeline"].__setitem__("analysers", analysers))


def imported_project(cli: Cli, folder: Path) -> Path:
    """A new project holding the fixture, with a pipeline of just ``risk`` (not analysed yet)."""
    cli("init", folder)
    source = folder.parent / f"{folder.name}-page.jsonl"
    source.write_bytes(orjson.dumps(tweet_page()) + b"\n")
    imported = cli.json("import", folder, source)
    assert imported["stored"] == len(TWEETS) and imported["quarantined"] == 0
    set_pipeline(folder, ["risk"])
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture project analysed and synced (shared by tests: copy it before changing it)."""
    cli = Cli()
    folder = imported_project(cli, tmp_path_factory.mktemp("protect") / "proj")
    cli("analyze", folder)
    cli("review", "sync", folder)
    return folder


@pytest.fixture
def proj(built: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(built, folder)
    return folder


@pytest.fixture(scope="module")
def signals_by_post(built: Path) -> dict[str, dict]:
    with Project(built, read_only=True) as project:
        rows = project.con.execute("SELECT post_id, risk_signals, risk_score, risk_reasons FROM analysis").fetchall()
    return {r[0]: {"signals": r[1], "score": r[2], "reasons": r[3]} for r in rows}


# ---------------------------------------------------------------- the signals


@pytest.mark.parametrize("suffix", sorted(TWEETS))
def test_each_signal_fires_on_clear_cases_and_stays_quiet_on_near_misses(signals_by_post, suffix):
    text, _, expected = TWEETS[suffix]
    found = signals_by_post[PID.format(suffix)]
    if expected is None:
        assert found["signals"] == [] and found["score"] == 0, text
    else:
        assert found["signals"][0] == expected, (text, found)


def test_reasons_name_rules_and_never_quote_the_post(signals_by_post):
    known = {rule.reason for signal in RULESET for rule in signal.rules}
    for post_id, found in signals_by_post.items():
        assert set(found["reasons"]) <= known, post_id
        assert bool(found["reasons"]) == bool(found["signals"])
        assert not any(digit in " ".join(found["reasons"]) for digit in ("1234", "7788", "5678"))


def test_replies_weigh_more_than_the_same_words_in_a_post():
    words = "yo te ayudo, mándame DM"
    as_reply, as_post = assess(prepare(fold(words)), "reply"), assess(prepare(fold(words)), "post")
    assert as_reply.score >= 0.5 > as_post.score
    assert "[predatory.is_reply] is written as a reply to another post" in as_reply.reasons


def test_vectorised_preparation_matches_the_python_rules():
    texts = [t for t, _, _ in TWEETS.values()] + [
        "ODIO A MI MAMAAAAA\n\n ya  me quiero ir de mi casa", "a\u00a0\u2003b\tc", "I\u2019m 14", "e\u0301", "😡🙏🏽❤️",
        "\x00\x01 ' OR 1=1; --", "", "x" * 30_000, "Ǆ İstanbul ß",
    ]
    arrow = prepare_array(pa.array(texts + [None])).to_pylist()
    assert arrow[:-1] == [prepare(fold(t)) for t in texts]
    assert arrow[-1] is None


def test_the_analyser_is_fast_enough():
    texts = [t for t, _, _ in TWEETS.values()] + ["Roban a un niño en Tijuana #AlertaAmber"] * 24
    batch = pa.RecordBatch.from_pylist([{"post_id": str(i), "text": texts[i % len(texts)], "kind": "post"}
                                        for i in range(20_000)])
    risk = Risk()
    started = time.perf_counter()
    out = risk(batch)
    rate = batch.num_rows / (time.perf_counter() - started)
    assert out.num_rows == batch.num_rows
    assert rate > 5_000, f"{rate:.0f} posts/s"  # ~40,000/s measured on the 2-core dev machine; lenient here


# ---------------------------------------------------------------- the queue


def queued(cli: Cli, folder: Path, status: str = "all") -> dict[str, dict]:
    return {r["post_id"]: r for r in cli.json("review", "list", folder, "--status", status, "--limit", "0")}


def test_sync_queues_risky_posts_once(cli, proj):
    assert set(queued(cli, proj)) == {PID.format(s) for s in QUEUED}
    again = cli.json("review", "sync", proj)
    assert again["added"] == 0 and again["queued"] == len(QUEUED) and again["candidates"] == len(QUEUED)
    with Project(proj, read_only=True) as project:
        assert project.con.execute("SELECT count(*), count(DISTINCT post_id) FROM reviews").fetchone() == (8, 8)


def test_list_filters_by_signal_and_previews_are_redacted(cli, proj):
    minors = queued(cli, proj, "open")
    assert all("1234" not in r["preview"] and "7788" not in r["preview"] for r in minors.values())
    only = cli.json("review", "list", proj, "--signal", "minor_oversharing")
    assert {r["post_id"] for r in only} == {PID.format("301"), PID.format("302")}
    assert "[phone]" in only[0]["preview"]
    cli("review", "list", proj, "--signal", "nonsense", expect=2)
    cli("review", "list", proj, "--status", "reopened", expect=2)


def test_decisions_are_audited_and_never_reopened(cli, proj):
    case = PID.format("202")
    decided = cli.json("review", "decide", proj, case, "--status", "escalated", "--reviewer", "ana",
                       "--note", "adult offering shelter and secrecy to a teen")
    assert decided["status"] == "escalated" and decided["reviewer"] == "ana" and decided["decided_at"]
    cli("review", "decide", proj, PID.format("403"), "--status", "dismissed", "--reviewer", "ana",
        "--note", "x", expect=2)  # not in the queue
    cli("review", "decide", proj, case, "--status", "open", "--reviewer", "ana", "--note", "x", expect=2)
    cli("review", "decide", proj, case, "--status", "dismissed", "--reviewer", " ", "--note", "x", expect=2)
    # analysing and syncing again re-opens nothing and duplicates nothing
    cli("analyze", proj)
    assert cli.json("review", "sync", proj)["added"] == 0
    assert cli.json("review", "sync", proj, "--threshold", "0")["added"] == 1  # only the context post 205
    assert queued(cli, proj)[case]["status"] == "escalated"
    assert case not in queued(cli, proj, "open")
    cli.json("review", "decide", proj, case, "--status", "actioned-offline", "--reviewer", "luis",
             "--note", "partner informed by phone")
    with Project(proj, read_only=True) as project:
        audit = project.con.execute(
            "SELECT actor, detail FROM audit_log WHERE action = 'review.decide' ORDER BY id").fetchall()
    assert audit == [("ana", f"{case} open -> escalated: adult offering shelter and secrecy to a teen"),
                     ("luis", f"{case} escalated -> actioned-offline: partner informed by phone")]
    shown = cli.json("review", "show", proj, case)
    assert [h["actor"] for h in shown["history"]] == ["ana", "luis"]


def test_show_redacts_and_joins_the_parent_post(cli, proj):
    shown = cli.json("review", "show", proj, PID.format("202"))
    assert shown["signal"] == "predatory_reply" and shown["redacted"] is True
    assert shown["post"]["text"].startswith("@user yo te puedo dar")
    assert "author_handle" not in shown["post"] and shown["post"]["author_id"].startswith("a_")
    assert shown["parent"]["post_id"] == PID.format("201")
    assert shown["parent"]["text"].startswith("odio a mi mamá")
    assert shown["parent"]["risk_signals"] == ["distress_youth"]
    human = cli("review", "show", proj, PID.format("301"))
    assert "[phone]" in human.stdout + human.stderr and "5678" not in human.stdout + human.stderr
    assert "in reply to" not in human.stdout + human.stderr
    cli("review", "show", proj, "x:' OR 1=1; --", expect=2)


def test_show_with_include_text_warns(cli, proj):
    result = cli("review", "show", proj, PID.format("301"), "--include-text")
    assert "WARNING" in result.stderr and "55 1234 5678" in result.stdout + result.stderr


def test_export_is_redacted_by_default(cli, proj):
    cli("review", "decide", proj, PID.format("301"), "--status", "escalated", "--reviewer", "ana",
        "--note", "=HYPERLINK(\"x\")")
    out = proj / "cases.csv"
    result = cli.json("review", "export", proj, "--out", out)
    assert result == {"cases": 1, "path": str(out), "statuses": ["escalated"], "redacted": True}
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["post_id"] == PID.format("301")
    assert "[phone]" in rows[0]["text"] and "5678" not in out.read_text(encoding="utf-8")
    assert rows[0]["author_id"].startswith("a_") and "author_handle" not in rows[0]
    assert rows[0]["note"].startswith("'=")  # spreadsheet formulas are defused
    everything = cli.json("review", "export", proj, "--out", out, "--status", "all")
    assert everything["cases"] == len(QUEUED)
    parent_row = next(r for r in csv.DictReader(out.open(encoding="utf-8")) if r["post_id"] == PID.format("202"))
    assert parent_row["parent_text"].startswith("odio a mi mamá")
    raw = cli("review", "export", proj, "--out", out, "--include-text", "--json")
    assert "WARNING" in raw.stderr
    assert "55 1234 5678" in out.read_text(encoding="utf-8")
    with Project(proj, read_only=True) as project:
        details = [r[0] for r in project.con.execute(
            "SELECT detail FROM audit_log WHERE action = 'review.export' ORDER BY id").fetchall()]
    assert details[-1].endswith("WITH UNREDACTED TEXT") and details[0].endswith("redacted")


def test_threshold_comes_from_antena_toml(cli, tmp_path):
    proj = imported_project(cli, tmp_path / "fresh")
    assert "antena analyze" in cli("review", "sync", proj, expect=2).stderr  # not analysed yet: a clear error
    cli("analyze", proj)
    update_config(proj, lambda doc: doc.__setitem__("protect", {"threshold": 0.9}))
    strict = cli.json("review", "sync", proj)
    assert strict["threshold"] == 0.9 and 0 < strict["added"] < len(QUEUED)
    update_config(proj, lambda doc: doc.__setitem__("protect", {"threshold": 2}))
    assert "threshold" in cli("review", "sync", proj, expect=2).stderr


def test_rules_are_listed_with_explanations(cli):
    rows = cli.json("review", "rules")
    ids = {r["id"] for r in rows}
    assert {"recruitment.send_photos", "predatory.secrecy", "minor.age", "distress.parent_conflict"} <= ids
    assert all(r["explanation"] and r["signal"] for r in rows)


# ---------------------------------------------------------------- the demo's planted posts

SIGNAL_OF_TRUTH = {"job_offer": "recruitment_offer", "vulnerable_minor": "distress_youth",
                   "personal_info": "minor_oversharing", "offer_place_to_stay": "predatory_reply"}


def test_demo_planted_risky_posts_are_queued(cli, tmp_path):
    folder = tmp_path / "demo"
    cli.json("demo", folder, "--scale", "0.01", "--seed", "34")  # seed 34 plants all four kinds
    truth = orjson.loads((folder / "demo_truth.json").read_bytes())["risky_posts"]
    assert {t["signal"] for t in truth} == set(SIGNAL_OF_TRUTH)
    set_pipeline(folder, ["risk"])
    cli("analyze", folder)
    cli.json("review", "sync", folder)
    queue = queued(cli, folder)
    for planted in truth:
        assert planted["post_id"] in queue, planted
        case = cli.json("review", "show", folder, planted["post_id"])
        assert SIGNAL_OF_TRUTH[planted["signal"]] in case["signals"], planted
        if planted["signal"] == "offer_place_to_stay":
            assert case["parent"] is not None and "distress_youth" in case["parent"]["risk_signals"]
    assert len(queue) <= 3 * len(truth)  # synthetic data: a sanity bound on extra flags, not an accuracy claim
