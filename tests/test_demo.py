"""`antena demo`: real export formats, counts per scale, synthetic marks, reproducibility,
the campaign entry in antena.toml, and the planted awareness shift."""

from __future__ import annotations

import gzip
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import duckdb
import orjson
import pytest

from antena import registry
from antena.demo import LATER_STAGES, REPORT_COUNTS
from antena.store.files import InputFile, detect_format

from .conftest import Cli

SCALE = 0.01
SEED = 11
# Posts that mention the AMBER alert but show not knowing it ("¿qué es la alerta amber?").
UNAWARE = re.compile(r"qu[eé] es|q es|what is|existe|even have|no sab[ií]a|eso que es")
EXPECTED_FORMAT = {"x": "twitter_v2", "facebook": "crowdtangle_api", "instagram": "crowdtangle_api",
                   "live": "youtube_livechat_api"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "proj"
    result = Cli().json("demo", folder, "--scale", str(SCALE), "--seed", str(SEED))
    return folder, result


def _export_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "exports").rglob("*") if p.is_file())


def _documents(path: Path) -> list[dict]:
    """The top-level JSON objects of an export file (pages of a JSONL file, or one document)."""
    if path.name.endswith(".gz"):
        with gzip.open(path) as stream:
            return [orjson.loads(line) for line in stream if line.strip()]
    return [orjson.loads(path.read_bytes())]


def test_files_are_in_the_real_formats(demo_run):
    folder, _ = demo_run
    known = registry.sources()
    files = _export_files(folder)
    assert {p.parent.name for p in files} == set(EXPECTED_FORMAT)
    for path in files:
        expected = EXPECTED_FORMAT[path.parent.name]
        if expected not in known:
            pytest.skip(f"importer {expected} is not registered yet")
        assert detect_format(InputFile(str(path), path)) == expected, path


def test_counts_match_the_requested_scale(demo_run):
    folder, result = demo_run
    by_platform = result["by_platform"]
    assert by_platform["x"] == round(REPORT_COUNTS["tweets"] * SCALE)
    assert by_platform.get("facebook") == round(REPORT_COUNTS["facebook"] * SCALE)
    assert by_platform.get("instagram") == round(REPORT_COUNTS["instagram"] * SCALE)
    streams = max(1, round(REPORT_COUNTS["streams"] * SCALE))
    assert len(list((folder / "exports" / "live").glob("*.json"))) == streams
    con = duckdb.connect(str(folder / "antena.duckdb"), read_only=True)
    try:
        n_streams, n_chat = con.execute(
            "SELECT count(DISTINCT stream_id), count(*) FROM posts WHERE kind = 'live_chat'").fetchone()
    finally:
        con.close()
    assert n_streams == streams
    assert 20 * streams <= n_chat <= 300 * streams
    assert result["generated"]["youtube_live_chat"] == n_chat
    # the overlapping X collections are recognised as duplicates, nothing is quarantined
    imp = result["import"]
    assert imp["quarantined"] == 0
    assert imp["duplicates"] == result["generated"]["duplicate_records"] > 0
    assert imp["stored"] == result["posts"]


def test_every_record_and_post_is_marked_synthetic(demo_run):
    folder, result = demo_run
    assert result["synthetic"] is True
    assert result["synthetic_posts"] == result["posts"] > 0
    for path in _export_files(folder):
        for doc in _documents(path):
            assert doc.get("__antena_synthetic") is True, path
    assert (folder / "SYNTHETIC_DATA.txt").read_text(encoding="utf-8").startswith("SYNTHETIC DATA")


def test_same_seed_gives_identical_files(demo_run, tmp_path):
    folder, _ = demo_run
    again = tmp_path / "again"
    Cli().json("demo", again, "--scale", str(SCALE), "--seed", str(SEED))
    names = [p.relative_to(folder) for p in _export_files(folder)]
    assert names == [p.relative_to(again) for p in _export_files(again)]
    for name in [*names, Path("demo_truth.json"), Path("demo_labels.jsonl.gz")]:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name


def test_another_seed_gives_other_texts(demo_run, tmp_path):
    from antena.demo import Scenario, generate

    folder, _ = demo_run
    other = generate(tmp_path / "other", Scenario(scale=SCALE, seed=SEED + 1))
    first = folder / "exports" / "x" / "tweets-2017-01.jsonl.gz"
    assert first.read_bytes() != (other.exports / "x" / "tweets-2017-01.jsonl.gz").read_bytes()


def test_campaign_window_is_written_to_the_config(demo_run):
    folder, result = demo_run
    text = (folder / "antena.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    campaigns = [c for c in config["campaigns"] if c["id"] == result["campaign"]["id"]]
    assert campaigns and campaigns[0]["start"] == "2017-04-01" and campaigns[0]["end"] == "2017-04-30"
    assert "# Campaign windows:" in text  # the user's comments are kept


def test_planted_awareness_shift_is_visible_in_raw_texts(demo_run):
    folder, _ = demo_run
    truth = orjson.loads((folder / "demo_truth.json").read_bytes())
    windows = truth["campaign"]["windows"]
    mentions = {w: 0 for w in windows}
    totals = {w: 0 for w in windows}
    for path in sorted((folder / "exports" / "x").glob("*.jsonl.gz")):
        for page in _documents(path):
            for tweet in page["data"]:
                if "referenced_tweets" in tweet:
                    continue
                day = (_utc(tweet["created_at"]) - timedelta(hours=6)).date().isoformat()
                for name, span in windows.items():
                    if span["start"] <= day <= span["end"]:
                        totals[name] += 1
                        text = tweet["text"].lower()
                        mentions[name] += "amber" in text and not UNAWARE.search(text)
    rate = {w: mentions[w] / totals[w] for w in windows}
    assert rate["during"] > 1.5 * rate["before"], rate
    assert rate["after"] > 1.2 * rate["before"], rate
    observed = truth["observed"]["awareness"]["all"]
    assert observed["during"]["aware_rate"] > observed["before"]["aware_rate"]
    assert observed["during"]["unaware_rate"] < observed["before"]["unaware_rate"]
    ngo = truth["observed"]["target_sentiment"]["ninos_robados"]
    assert ngo["during"]["net"] > ngo["before"]["net"]


def test_truth_names_imported_posts(demo_run):
    folder, _ = demo_run
    truth = orjson.loads((folder / "demo_truth.json").read_bytes())
    with gzip.open(folder / "demo_labels.jsonl.gz") as stream:
        labelled = [orjson.loads(line)["post_id"] for line in stream]
    risky = [r["post_id"] for r in truth["risky_posts"]]
    con = duckdb.connect(str(folder / "antena.duckdb"), read_only=True)
    try:
        found = con.execute("SELECT count(*) FROM posts WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
                            [labelled]).fetchone()[0]
        risky_found = con.execute("SELECT count(*) FROM posts WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
                                  [risky]).fetchone()[0]
    finally:
        con.close()
    assert found == len(labelled) == len(set(labelled))
    assert risky_found == len(risky)


def test_later_stages_are_reported(demo_run):
    _, result = demo_run
    assert [s["stage"] for s in result["stages"]] == list(LATER_STAGES)
    assert all(s["status"] in ("done", "failed", "not available") for s in result["stages"])


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = Cli()("demo", tmp_path, "--scale", "0.001", expect=2)
    assert "not empty" in " ".join(result.output.split())
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"


def _utc(text: str):
    from antena.sources.base import parse_time

    return parse_time(text)


def test_relevant_means_one_thing_everywhere(demo_run, tmp_path):
    """search --relevant, export --relevant, the dashboard's filter, stats and the report count
    the same posts: the relevance analyser's decision read from the store."""
    from starlette.testclient import TestClient

    from antena.project import Project
    from antena.report.build import build_context
    from antena.report.i18n import num
    from antena.web import create_app

    folder, _ = demo_run
    cli = Cli()
    searched = cli.json("search", folder, "", "--relevant", "--count")["count"]
    exported = cli.json("export", folder, "--relevant", "--out", tmp_path / "relevant.csv")["rows"]
    stats = cli.json("stats", folder)
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as client:
        dashboard = client.get("/api/posts", params={"relevant": "1"}).json()["count"]
    with Project(folder, read_only=True) as project:
        decided = project.con.execute("SELECT count(*) FROM results_relevance r JOIN live_posts p USING (post_id)"
                                      " WHERE r.relevant").fetchone()[0]
        every = project.count()
        sentence = build_context(project.store, project.stats(), "en")["data_sentence"]
    assert stats["scope"] == "relevant posts"
    assert 0 < decided < every
    assert searched == exported == dashboard == stats["volumes"]["posts"] == decided
    assert num(decided, "en") in sentence
