"""Collectors against local fake APIs: pagination, resume, politeness, faults, identity with imports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena.collect import Limits, build_collector
from antena.collect.credentials import CollectError, Secrets
from antena.collect.http import retry_after
from antena.project import Project
from tests.collect_fakes import (
    T0,
    BlueskyFake,
    MastodonFake,
    ReplayFake,
    XFake,
    bluesky_post,
    mastodon_status,
    x_tweet,
)
from tests.conftest import FIXTURES, shared_path

FAST = "\n[collect]\nmin_interval = 0\nbackoff_base = 0.01\nbackoff_cap = 0.05\n"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAsecretBearer%2Ftoken%3D42"


@pytest.fixture
def fast_project(project_dir: Path) -> Path:
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(FAST)
    return project_dir


@pytest.fixture
def bluesky():
    fake = BlueskyFake().start()
    yield fake
    fake.stop()


def reconciles(summary: dict) -> bool:
    return summary["received"] == summary["stored"] + summary["updated"] + summary["duplicates"] + summary["quarantined"]


def post_ids(folder: Path) -> list[str]:
    with Project(folder) as project:
        return [r[0] for r in project.con.execute("SELECT post_id FROM posts ORDER BY post_id").fetchall()]


# ---------------------------------------------------------------- Bluesky and the shared loop


def test_bluesky_pages_to_the_end_then_resumes_with_only_new_posts(cli, fast_project, bluesky):
    first = cli.json("collect", fast_project, "--source", "bluesky", "--query", "alerta", "--api-base", bluesky.base)
    assert first["source"] == "bluesky" and first["status"] == "complete"
    assert first["received"] == first["stored"] == 23 and reconciles(first)
    assert first["pages"] == 5  # 23 posts at 5 a page
    assert first["cursor"] == "2026-11-01T12:22:00.000000Z"  # the newest post: where the next run stops
    assert len(set(post_ids(fast_project))) == len(post_ids(fast_project)) == 23

    bluesky.posts += [bluesky_post(100 + i, T0 + timedelta(hours=2, minutes=i)) for i in range(7)]
    asked_before = len(bluesky.requests)
    second = cli.json("collect", fast_project, "--source", "bluesky", "--query", "alerta", "--api-base", bluesky.base)
    assert second["stored"] == 7 and second["updated"] == 0 and reconciles(second)
    assert second["duplicates"] == 1  # the newest old post: `since` is inclusive
    assert all(r["params"]["since"] == "2026-11-01T12:22:00.000000Z" for r in bluesky.requests[asked_before:])
    assert len(post_ids(fast_project)) == 30

    third = cli.json("collect", fast_project, "--source", "bluesky", "--query", "alerta", "--api-base", bluesky.base)
    assert third["stored"] == 0 and third["received"] == third["duplicates"] == 1


def test_max_stops_and_the_next_run_continues_from_the_cursor(cli, fast_project, bluesky):
    first = cli.json("collect", fast_project, "-s", "bluesky", "--hashtag", "AlertaAmber", "--max", "7",
                     "--api-base", bluesky.base)
    assert first["status"] == "stopped" and first["received"] == 7 and first["stored"] == 7
    assert first["cursor"] == "7"
    assert bluesky.requests[0]["params"]["q"] == "#AlertaAmber"
    rest = cli.json("collect", fast_project, "-s", "bluesky", "--hashtag", "AlertaAmber", "--api-base", bluesky.base)
    assert rest["status"] == "complete" and rest["stored"] == 16 and rest["duplicates"] == 0
    assert bluesky.requests[2]["params"]["cursor"] == "7"
    assert len(post_ids(fast_project)) == 23


def test_429_with_retry_after_is_waited_for(cli, fast_project, bluesky):
    bluesky.fault(2, "429", **{"Retry-After": "1"})
    started = time.monotonic()
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base)
    assert time.monotonic() - started >= 1.0
    assert out["status"] == "complete" and out["stored"] == 23 and out["waits"] == 1 and out["retries"] == 1
    assert bluesky.requests[1]["params"] == bluesky.requests[2]["params"]  # the same page asked again


def test_server_errors_and_dropped_connections_are_retried(cli, fast_project, bluesky):
    bluesky.fault(1, "503")
    bluesky.fault(3, "500")
    bluesky.fault(4, "drop")
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base)
    assert out["status"] == "complete" and out["retries"] == 3 and out["stored"] == 23 and reconciles(out)


def test_too_many_failures_stop_with_the_cursor_kept(cli, fast_project, bluesky):
    for n in range(3, 20):
        bluesky.fault(n, "503")
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base, expect=1)
    assert out["status"] == "error" and "HTTP 503" in out["error"] and out["stored"] == 10
    assert out["cursor"] == "10"
    bluesky.faults.clear()
    again = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base)
    assert again["stored"] == 13 and again["duplicates"] == 0 and len(post_ids(fast_project)) == 23


@pytest.mark.parametrize("kind", ["malformed", "wrongshape"])
def test_a_malformed_page_is_quarantined_with_page_and_reason(cli, fast_project, bluesky, kind):
    bluesky.fault(2, kind)
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base, expect=1)
    assert out["status"] == "error" and out["stored"] == 5 and out["quarantined"] == 1 and reconciles(out)
    assert "page 2" in out["error"]
    with Project(fast_project) as project:
        rows = project.con.execute("SELECT source_file, reason, raw FROM quarantine").fetchall()
    assert len(rows) == 1 and "page 2" in rows[0][0] and rows[0][1].startswith("malformed page")
    assert rows[0][2]  # the body is kept for inspection
    again = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base)
    assert again["status"] == "complete" and again["stored"] == 18 and len(post_ids(fast_project)) == 23


def test_time_limit_stops_before_a_long_retry_after(cli, fast_project, bluesky):
    bluesky.fault(2, "429", **{"Retry-After": "30"})
    started = time.monotonic()
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--time-limit", "5s", "--api-base", bluesky.base)
    assert time.monotonic() - started < 5
    assert out["status"] == "stopped" and out["stored"] == 5 and out["cursor"] == "5"


def test_until_and_since_are_sent_and_make_their_own_job(cli, fast_project, bluesky):
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--since", "2026-11-01T12:10:00Z",
                   "--until", "2026-11-01T12:20:00Z", "--api-base", bluesky.base)
    assert out["stored"] == 10
    assert bluesky.requests[0]["params"]["until"] == "2026-11-01T12:20:00Z"
    assert bluesky.requests[0]["params"]["since"] == "2026-11-01T12:10:00Z"
    whole = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", bluesky.base)
    assert whole["stored"] == 13 and whole["duplicates"] == 10


def test_api_base_from_antena_toml(cli, fast_project, bluesky):
    with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(f'\n[collect.bluesky]\napi_base = "{bluesky.base}"\n')
    out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q")
    assert out["stored"] == 23


def test_credentials_in_antena_toml_are_refused_without_quoting_them(cli, fast_project):
    with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[collect.x]\nbearer_token = "tok-in-config-999"\n')
    result = cli("collect", fast_project, "-s", "x", "--query", "q", expect=2)
    assert "credentials are never read from antena.toml" in result.output
    assert "tok-in-config-999" not in result.output


def test_bluesky_app_password_session_is_used_and_never_shown(cli, fast_project, monkeypatch):
    fake = BlueskyFake(require_auth="jwt-session-token-5678").start()
    try:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        anonymous = cli("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", fake.base, "--json", expect=1)
        assert "refuses anonymous search" in anonymous.stdout and "ANTENA_BLUESKY_APP_PASSWORD" in anonymous.stdout
        monkeypatch.setenv("ANTENA_BLUESKY_HANDLE", "ong.example.social")
        monkeypatch.setenv("ANTENA_BLUESKY_APP_PASSWORD", "app-pass-1234")
        result = cli("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", fake.base, "--json")
        assert json.loads(result.stdout)["stored"] == 23
        assert "app-pass-1234" not in result.output and "jwt-session-token-5678" not in result.output
        monkeypatch.setenv("ANTENA_BLUESKY_APP_PASSWORD", "wrong-pass-0000")
        bad = cli("collect", fast_project, "-s", "bluesky", "--query", "other", "--api-base", fake.base, "--json", expect=1)
        assert "could not log in" in bad.stdout and "wrong-pass-0000" not in bad.output
    finally:
        fake.stop()


def test_collected_and_imported_posts_are_identical(cli, fast_project, tmp_path):
    """The same searchPosts page, collected live and imported as an export: one post, same row."""
    page = (FIXTURES / "sources" / "bluesky_appview" / "search_posts.json").read_bytes()
    fake = ReplayFake("/xrpc/app.bsky.feed.searchPosts", [page], "cursor", lambda d: d.get("cursor"), {"posts": []}).start()
    try:
        out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--api-base", fake.base)
    finally:
        fake.stop()
    assert out["stored"] == 3
    imported = cli.json("import", fast_project, FIXTURES / "sources" / "bluesky_appview" / "search_posts.json")
    assert imported["stored"] == 0 and imported["updated"] == 0
    assert imported["duplicates"] == 3
    # a second project with the same key: import only, then compare whole rows
    other = tmp_path / "other"
    Project.init(other).close()
    shutil.copy(fast_project / ".antena" / "secret.key", other / ".antena" / "secret.key")
    cli.json("import", other, FIXTURES / "sources" / "bluesky_appview" / "search_posts.json")
    assert _rows(fast_project) == _rows(other)


PROVENANCE = {"source_file", "source_line", "source_pointer", "imported_at", "collected_at"}


def _rows(folder: Path) -> list[dict]:
    with Project(folder) as project:
        table = project.con.execute("SELECT * FROM posts ORDER BY post_id").to_arrow_table().to_pylist()
    return [{k: v for k, v in row.items() if k not in PROVENANCE} for row in table]


def test_recorded_bluesky_search_page_from_shared(cli, fast_project):
    path = shared_path("formats", "bluesky_appview_json", "bskyr_f_search_body_01.json")
    body = path.read_bytes()
    fake = ReplayFake("/xrpc/app.bsky.feed.searchPosts", [body], "cursor", lambda d: d.get("cursor"), {"posts": []}).start()
    try:
        out = cli.json("collect", fast_project, "-s", "bluesky", "--query", "sociology", "--api-base", fake.base)
    finally:
        fake.stop()
    expected = len(orjson.loads(body)["posts"])
    assert out["received"] == expected and reconciles(out)
    imported = cli.json("import", fast_project, path)
    assert imported["stored"] == 0 and imported["duplicates"] == expected


# ---------------------------------------------------------------- X


@pytest.fixture
def x_fake():
    fake = XFake(X_TOKEN).start()
    yield fake
    fake.stop()


def test_x_recent_search_pages_with_next_token_and_since_id(cli, fast_project, x_fake, monkeypatch):
    monkeypatch.setenv("ANTENA_X_BEARER_TOKEN", X_TOKEN)
    first = cli.json("collect", fast_project, "-s", "x", "--query", "niño", "--since", "2026-10-30",
                     "--api-base", x_fake.base)
    assert first["stored"] == 21 and first["pages"] == 3 and first["status"] == "complete"
    assert x_fake.requests[0]["path"] == "/2/tweets/search/recent"
    assert x_fake.requests[0]["params"]["start_time"] == "2026-10-30T00:00:00Z"
    assert x_fake.requests[1]["params"]["next_token"] == "tok10"
    assert first["cursor"] == str(1_900_000_000_000_000_020)
    x_fake.tweets.append(x_tweet(40, T0 + timedelta(hours=3)))
    second = cli.json("collect", fast_project, "-s", "x", "--query", "niño", "--since", "2026-10-30",
                      "--api-base", x_fake.base)
    assert second["stored"] == 1 and second["duplicates"] == 0
    assert x_fake.requests[-1]["params"]["since_id"] == str(1_900_000_000_000_000_020)
    assert "start_time" not in x_fake.requests[-1]["params"]
    archive = cli.json("collect", fast_project, "-s", "x", "--query", "niño", "--archive", "--api-base", x_fake.base)
    assert x_fake.requests[-1]["path"] == "/2/tweets/search/all" and archive["duplicates"] == 22
    with Project(fast_project) as project:
        handles = project.con.execute("SELECT count(*) FROM posts WHERE platform = 'x' AND author_id IS NOT NULL").fetchone()[0]
    assert handles == 22


def test_x_token_never_reaches_output_logs_or_the_database(cli, fast_project, x_fake, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ANTENA_X_BEARER_TOKEN", X_TOKEN)
    x_fake.fault(2, "503")
    ok = cli("collect", fast_project, "-s", "x", "--query", "q", "--api-base", x_fake.base, "--json")
    monkeypatch.setenv("ANTENA_X_BEARER_TOKEN", X_TOKEN + "x")  # refused: the error quotes the request
    bad = cli("collect", fast_project, "-s", "x", "--query", "other", "--api-base", x_fake.base, "--json", expect=1)
    assert "HTTP 401" in bad.stdout
    cli("quarantine", fast_project, "--json")
    cli("export", fast_project, "--out", fast_project / "out.jsonl")
    texts = [ok.output, bad.output, caplog.text]
    for text in texts:
        assert X_TOKEN not in text and "secretBearer" not in text
    with Project(fast_project) as project:
        project.con.execute("CHECKPOINT")
    for path in fast_project.rglob("*"):
        if path.is_file() and path.name != "antena.toml":
            assert b"secretBearer" not in path.read_bytes(), path


def test_x_without_token_names_the_variable(cli, fast_project, x_fake, monkeypatch):
    monkeypatch.delenv("ANTENA_X_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    result = cli("collect", fast_project, "-s", "x", "--query", "q", "--api-base", x_fake.base, expect=2)
    assert "ANTENA_X_BEARER_TOKEN" in result.output


def test_recorded_twarc2_pages_from_shared(cli, fast_project, monkeypatch):
    folder = shared_path("formats", "twitter_v2_twarc2_jsonl")
    lines = [line for f in sorted(folder.glob("*.jsonl")) for line in f.read_bytes().splitlines() if line.strip()]
    pages = []
    for line in lines:
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("data"), list) and "meta" in doc:
            pages.append(line)
    if not pages:
        pytest.skip("no search pages among the recorded samples")
    page = pages[0]
    fake = ReplayFake("/2/tweets/search/recent", [page], "next_token", lambda d: None, {"meta": {"result_count": 0}}).start()
    monkeypatch.setenv("ANTENA_X_BEARER_TOKEN", X_TOKEN)
    try:
        out = cli.json("collect", fast_project, "-s", "x", "--query", "q", "--api-base", fake.base)
    finally:
        fake.stop()
    assert out["received"] >= len(orjson.loads(page)["data"]) and reconciles(out)


# ---------------------------------------------------------------- Mastodon


def test_mastodon_hashtag_timeline_follows_link_headers_and_since_id(cli, fast_project):
    fake = MastodonFake().start()
    try:
        first = cli.json("collect", fast_project, "-s", "mastodon", "--hashtag", "AlertaAmber", "--api-base", fake.base)
        assert first["stored"] == 17 and first["pages"] == 5  # 4 with statuses, then the empty end and first["status"] == "complete"
        assert fake.requests[0]["path"] == "/api/v1/timelines/tag/AlertaAmber"
        assert "max_id" in fake.requests[1]["params"]
        newest = max(int(s["id"]) for s in fake.statuses)
        assert first["cursor"] == str(newest)
        fake.statuses += [mastodon_status(50 + i, T0 + timedelta(hours=5, minutes=i)) for i in range(3)]
        second = cli.json("collect", fast_project, "-s", "mastodon", "--hashtag", "AlertaAmber", "--api-base", fake.base)
        assert second["stored"] == 3 and second["duplicates"] == 0
        assert fake.requests[-1]["params"]["since_id"] == str(newest)
        public = cli.json("collect", fast_project, "-s", "mastodon", "--api-base", fake.base)
        assert public["received"] == 20 and public["duplicates"] == 20
        assert fake.requests[-1]["path"] == "/api/v1/timelines/public"
    finally:
        fake.stop()


def test_mastodon_search_needs_a_token(cli, fast_project, monkeypatch):
    fake = MastodonFake(token="masto-token-abcdef").start()
    try:
        monkeypatch.delenv("ANTENA_MASTODON_TOKEN", raising=False)
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        result = cli("collect", fast_project, "-s", "mastodon", "--query", "estado", "--api-base", fake.base, "--json", expect=1)
        assert "ANTENA_MASTODON_TOKEN" in result.stdout
        monkeypatch.setenv("ANTENA_MASTODON_TOKEN", "masto-token-abcdef")
        out = cli.json("collect", fast_project, "-s", "mastodon", "--query", "estado", "--api-base", fake.base)
        assert out["stored"] == 17 and fake.requests[-1]["path"] == "/api/v2/search"
    finally:
        fake.stop()


def test_mastodon_recorded_timeline_from_shared(cli, fast_project):
    path = shared_path("formats", "mastodon_status_json", "mpy_test_hashtag_tl_03.json")
    body = path.read_bytes()
    fake = ReplayFake("/api/v1/timelines/tag/fake", [body], "max_id", lambda d: None, []).start()
    try:
        out = cli.json("collect", fast_project, "-s", "mastodon", "--hashtag", "fake", "--api-base", fake.base)
    finally:
        fake.stop()
    assert reconciles(out) and out["received"] >= 1
    imported = cli.json("import", fast_project, path, "--format", "mastodon")
    assert imported["stored"] == 0


# ---------------------------------------------------------------- kill -9


def _collect_process(folder: Path, base: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    code = "from antena.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, "collect", str(folder), "-s", "bluesky", "--query", "q",
                             "--api-base", base, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_kill_9_mid_run_loses_nothing_and_duplicates_nothing(fast_project):
    fake = BlueskyFake([bluesky_post(i, T0 + timedelta(minutes=i)) for i in range(60)]).start()
    fake.delay = 0.15
    try:
        for stop_after in (3, 7):
            process = _collect_process(fast_project, fake.base)
            deadline = time.monotonic() + 60
            start = fake.served_pages
            while fake.served_pages - start < stop_after and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert process.returncode == -signal.SIGKILL
        ids = post_ids(fast_project)
        assert len(ids) == len(set(ids)) and len(ids) >= 5  # what was received before the kills is there
        fake.delay = 0
        process = _collect_process(fast_project, fake.base)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        summary = json.loads(out)
        assert reconciles(summary) and summary["status"] == "complete"
        ids = post_ids(fast_project)
        assert len(ids) == len(set(ids)) == 60
        with Project(fast_project) as project:
            raw = project.con.execute("SELECT count(*), count(DISTINCT (post_id, content_hash)) FROM raw_records").fetchone()
            runs = [r[0] for r in project.con.execute("SELECT status FROM collect_runs ORDER BY id").fetchall()]
        assert raw[0] == raw[1] == 60
        assert runs == ["interrupted", "interrupted", "complete"]
        assert not list((fast_project / ".antena" / "spool").rglob("*.json"))  # nothing lingers after storing
    finally:
        fake.stop()


# ---------------------------------------------------------------- units


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    from datetime import UTC, datetime
    from email.utils import format_datetime

    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < retry_after(later) <= 120


def test_secrets_redact_plain_and_url_encoded_forms():
    secrets = Secrets({"token": "abc/def=ghi"})
    text = "GET https://x/?t=abc%2Fdef%3Dghi and abc/def=ghi"
    assert "abc" not in secrets.redact(text)
    assert "abc" not in repr(secrets)


def test_unknown_source_and_wrong_target_are_explained(project):
    with pytest.raises(CollectError, match="unknown source"):
        build_collector(project.config, "myspace", "query", "x")
    with pytest.raises(CollectError, match="cannot collect by --video"):
        build_collector(project.config, "bluesky", "video", "abc")
    with pytest.raises(CollectError, match="--until is not available"):
        from datetime import UTC, datetime

        build_collector(project.config, "youtube", "video", "abc", until=datetime.now(UTC))


def test_limits_default_run_does_not_raise_on_api_errors(project, bluesky):
    bluesky.fault(1, "404")
    collector = build_collector(project.config, "bluesky", "query", "q", api_base=bluesky.base)
    result = collector.run(project, Limits())
    assert result.run.status == "error" and "HTTP 404" in (result.run.error or "")


# ---------------------------------------------------------------- Bluesky Jetstream


def _stream_events(start: int, n: int) -> list[dict]:
    from tests.collect_fakes import jetstream_event

    events = []
    for i in range(start, start + n):
        if i % 3 == 0:
            events.append(jetstream_event(i, f"Robo de niños en la plaza {i} #AlertaAmber"))
        elif i % 3 == 1:
            events.append(jetstream_event(i, f"Hoy comí tacos {i}"))
        else:
            events.append(jetstream_event(i, "", collection="app.bsky.feed.like"))
    return events


def test_jetstream_keeps_matching_posts_and_resumes_from_time_us(cli, fast_project):
    from tests.collect_fakes import JetstreamFake

    with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[collect.bluesky]\njetstream_batch_seconds = 0.3\n")
    fake = JetstreamFake(_stream_events(0, 60), drop_after=25).start()
    try:
        first = cli.json("collect", fast_project, "-s", "bluesky", "--live", "--time-limit", "3s", "--api-base", fake.base)
        assert first["status"] == "stopped" and first["stored"] == 20 and reconciles(first)  # the project's query
        assert first["duplicates"] <= 1  # the event at the cursor is replayed after the drop
        assert first["retries"] == 1 and len(fake.connections) == 2  # the drop, then a resume from the cursor
        assert "cursor=" in fake.connections[1]
        assert first["cursor"] == str(_stream_events(59, 1)[0]["time_us"])
        fake.events += _stream_events(60, 30)
        again = cli.json("collect", fast_project, "-s", "bluesky", "--live", "--time-limit", "2s", "--api-base", fake.base)
        assert again["stored"] == 10 and fake.connections[-1].endswith(f"cursor={first['cursor']}")
        assert again["duplicates"] <= 1  # the event at the cursor itself is replayed
        with Project(fast_project) as project:
            texts = [r[0] for r in project.con.execute("SELECT text FROM posts").fetchall()]
        assert len(texts) == 30 and all("Robo de niños" in t for t in texts)
        narrow = cli.json("collect", fast_project, "-s", "bluesky", "--live", "--query", "plaza AND tacos", "--max", "2", "--time-limit", "2s",
                          "--api-base", fake.base)
        assert narrow["status"] == "stopped" and narrow["received"] == 0  # no post speaks of both
        wide = cli.json("collect", fast_project, "-s", "bluesky", "--live", "--query", "tacos", "--max", "2",
                        "--api-base", fake.base)
        assert wide["status"] == "stopped" and wide["received"] == 2 and wide["stored"] == 2
    finally:
        fake.stop()


# ---------------------------------------------------------------- property: whatever the faults and splits


FAULTS = ["429", "500", "503", "drop"]


@pytest.mark.slow
@given(
    total=st.integers(0, 30),
    cap=st.integers(1, 9),
    faults=st.dictionaries(st.integers(1, 12), st.sampled_from(FAULTS), max_size=4),
    maxes=st.lists(st.integers(1, 12), max_size=3),
    arriving=st.integers(0, 6),
)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_post_is_stored_once_whatever_the_faults_and_splits(tmp_path_factory, total, cap, faults, maxes, arriving):
    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp())) / "proj"
    Project.init(folder).close()
    with open(folder / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(FAST)
    fake = BlueskyFake([bluesky_post(i, T0 + timedelta(minutes=i)) for i in range(total)]).start()
    fake.page_cap = cap
    for at, kind in faults.items():
        fake.fault(at, kind, **({"Retry-After": "0"} if kind == "429" else {}))
    try:
        def run(limit: int | None) -> dict:
            with Project(folder) as project:
                collector = build_collector(project.config, "bluesky", "query", "q", api_base=fake.base)
                summary = collector.run(project, Limits(max_records=limit)).summary()
            assert reconciles(summary) and summary["status"] in ("complete", "stopped"), summary
            assert limit is None or summary["received"] <= limit
            return summary

        for limit in maxes:
            run(limit)
        assert run(None)["status"] == "complete"
        fake.posts += [bluesky_post(1000 + i, T0 + timedelta(days=3, minutes=i)) for i in range(arriving)]
        assert run(None)["stored"] == arriving
        ids = post_ids(folder)
        assert len(ids) == len(set(ids)) == total + arriving
    finally:
        fake.stop()


def test_a_relative_since_keeps_one_job_across_runs(cli, fast_project, bluesky):
    bluesky.posts = [bluesky_post(i, datetime.now(UTC) - timedelta(hours=i)) for i in range(12)]
    first = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--since", "7d", "--max", "5",
                     "--api-base", bluesky.base)
    assert first["stored"] == 5 and first["status"] == "stopped"
    rest = cli.json("collect", fast_project, "-s", "bluesky", "--query", "q", "--since", "7d", "--api-base", bluesky.base)
    assert rest["stored"] == 7 and rest["duplicates"] == 0  # continued the same job from its cursor
    with Project(fast_project) as project:
        assert project.con.execute("SELECT count(*) FROM collect_cursors").fetchone()[0] == 1
    bad = cli("collect", fast_project, "-s", "bluesky", "--query", "q", "--since", "last week", expect=2)
    assert "an age like 7d" in bad.output


# ---------------------------------------------------------------- the polite client on its own


class _Clock:
    """A clock that sleeping moves forward (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(clock: _Clock, deadline: float | None = None, **politeness):
    from antena.collect.http import PoliteClient, Politeness

    return PoliteClient(Politeness(**{"min_interval": 0, **politeness}), Secrets({}), deadline=deadline,
                        sleep=clock.sleep, clock=clock)


def test_x_style_reset_headers_are_waited_for(bluesky):
    clock = _Clock()
    reset = int(time.time()) + 40
    bluesky.fault(1, "429", **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    client = _client(clock)
    response = client.send("GET", f"{bluesky.base}/xrpc/app.bsky.feed.searchPosts", params={"q": "x"})
    assert response.status_code == 200 and client.stats.waits >= 1
    assert 35 <= sum(clock.slept) <= 41


def test_an_exhausted_budget_delays_the_next_request_and_backoff_is_jittered(bluesky):
    clock = _Clock()
    client = _client(clock, backoff_base=2.0, backoff_cap=10.0)
    client._note_budget(httpx_response({"ratelimit-remaining": "0", "ratelimit-reset": str(int(time.time()) + 20)}))
    client.send("GET", f"{bluesky.base}/xrpc/app.bsky.feed.searchPosts", params={"q": "x"})
    assert 15 <= clock.slept[0] <= 21 and client.stats.waits == 1
    for n in (1, 2, 3):
        bluesky.fault(len(bluesky.requests) + n, "503")
    clock.slept.clear()
    client.send("GET", f"{bluesky.base}/xrpc/app.bsky.feed.searchPosts", params={"q": "x"})
    assert len(clock.slept) == 3 and all(0 <= s <= 10.0 for s in clock.slept)  # uniform(0, min(cap, base*2**n))


def test_a_wait_past_the_deadline_stops_instead_of_sleeping(bluesky):
    from antena.collect.http import Deadline

    clock = _Clock()
    bluesky.fault(1, "429", **{"Retry-After": "120"})
    client = _client(clock, deadline=clock.now + 60)
    with pytest.raises(Deadline):
        client.send("GET", f"{bluesky.base}/xrpc/app.bsky.feed.searchPosts", params={"q": "x"})
    assert clock.slept == []


def httpx_response(headers: dict[str, str]):
    import httpx

    return httpx.Response(200, headers=headers, request=httpx.Request("GET", "http://127.0.0.1/"))
