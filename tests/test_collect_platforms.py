"""YouTube, Reddit and Telegram collectors against local fakes (Telegram: a fake transport)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from antena.project import Project
from tests.collect_fakes import (
    T0,
    TELEGRAM,
    FakeTelegram,
    RedditFake,
    ReplayFake,
    YouTubeFake,
    reddit_link,
    youtube_thread,
)
from tests.conftest import FIXTURES, shared_path
from tests.test_collect import FAST, reconciles

YT_KEY = "AIzaFakeKey-0123456789-secret"


@pytest.fixture
def fast_project(project_dir: Path) -> Path:
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(FAST)
    return project_dir


def count(folder: Path, sql: str) -> int:
    with Project(folder) as project:
        return project.con.execute(sql).fetchone()[0]


# ---------------------------------------------------------------- YouTube


@pytest.fixture
def youtube(monkeypatch):
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", YT_KEY)
    fake = YouTubeFake(YT_KEY).start()
    yield fake
    fake.stop()


def test_youtube_comment_threads_with_all_replies_then_only_new(cli, fast_project, youtube):
    out = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--api-base", youtube.base)
    threads, replies = 14, sum(len(t["_all_replies"]) for t in youtube.threads)
    assert out["status"] == "complete" and reconciles(out)
    assert count(fast_project, "SELECT count(*) FROM posts WHERE platform = 'youtube'") == threads + replies
    assert any(r["path"] == "/youtube/v3/comments" and r["params"]["parentId"] == "UgxFake00003" for r in youtube.requests)
    assert all(r["headers"]["x-goog-api-key"] == YT_KEY and "key" not in r["params"] for r in youtube.requests)
    assert YT_KEY not in out["cursor"]
    youtube.threads.append(youtube_thread(99, T0 + timedelta(days=1)))
    again = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--api-base", youtube.base)
    assert again["stored"] == 1 and again["pages"] == 1  # stops at the first page reaching the last sweep


def test_youtube_channel_threads_and_a_bad_key(cli, fast_project, youtube, monkeypatch):
    out = cli.json("collect", fast_project, "-s", "youtube", "--channel", "UCchannelFake0000000001", "--api-base", youtube.base)
    assert out["received"] > 0 and youtube.requests[0]["params"]["allThreadsRelatedToChannelId"] == "UCchannelFake0000000001"
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", "AIzaWrong-9999-bad")
    bad = cli("collect", fast_project, "-s", "youtube", "--video", "other", "--api-base", youtube.base, "--json", expect=1)
    assert "HTTP 400" in bad.stdout and "AIzaWrong-9999-bad" not in bad.output


def test_youtube_live_chat_polls_until_the_chat_ends(cli, fast_project, youtube):
    out = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--live", "--api-base", youtube.base)
    assert out["status"] == "complete" and out["stored"] == 12 and reconciles(out)
    polls = [r for r in youtube.requests if r["path"] == "/youtube/v3/liveChat/messages"]
    assert len(polls) == 4 and polls[1]["params"]["pageToken"] == "p5"
    assert count(fast_project, "SELECT count(*) FROM posts WHERE source_format = 'youtube_livechat_api'") == 12


def test_youtube_429_and_quota_errors(cli, fast_project, youtube):
    youtube.fault(1, "429", **{"Retry-After": "0"})
    youtube.fault(2, "503")
    out = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--api-base", youtube.base)
    assert out["status"] == "complete" and out["retries"] == 2 and out["waits"] == 1


def test_youtube_recorded_comment_page_is_identical_to_its_import(cli, fast_project, monkeypatch):
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", YT_KEY)
    page = (FIXTURES / "sources" / "youtube_comments" / "comment_threads_page.json").read_bytes()
    fake = ReplayFake("/youtube/v3/commentThreads", [page], "pageToken", lambda d: d.get("nextPageToken"), {"items": []}).start()
    try:
        with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
            handle.write("\n[collect.youtube]\nreplies = false\n")
        out = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidAAAA0001", "--api-base", fake.base)
    finally:
        fake.stop()
    imported = cli.json("import", fast_project, FIXTURES / "sources" / "youtube_comments" / "comment_threads_page.json")
    assert out["stored"] > 0 and imported["stored"] == 0 and imported["duplicates"] == out["stored"]



def test_youtube_recorded_samples_from_shared(cli, fast_project, monkeypatch):
    folder = shared_path("formats", "youtube_datav3_comments_json")
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", YT_KEY)
    with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[collect.youtube]\nreplies = false\n")
    import orjson

    for path in sorted(folder.glob("*.json")):
        body = path.read_bytes()
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            continue
        if not (isinstance(doc, dict) and doc.get("kind") == "youtube#commentThreadListResponse"):
            continue
        fake = ReplayFake("/youtube/v3/commentThreads", [body], "pageToken", lambda d: None, {"items": []}).start()
        try:
            out = cli.json("collect", fast_project, "-s", "youtube", "--video", path.stem, "--api-base", fake.base)
        finally:
            fake.stop()
        assert reconciles(out) and out["status"] == "complete"


# ---------------------------------------------------------------- Reddit


@pytest.fixture
def reddit(monkeypatch):
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_ID", "client-id-abc")
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_SECRET", "client-secret-xyz-987")
    fake = RedditFake("client-id-abc", "client-secret-xyz-987").start()
    yield fake
    fake.stop()


def test_reddit_subreddit_listing_with_comment_trees(cli, fast_project, reddit):
    out = cli.json("collect", fast_project, "-s", "reddit", "--channel", "mexico", "--comments", "--api-base", reddit.base)
    assert out["status"] == "complete" and reconciles(out)
    assert reddit.requests[0]["path"] == "/api/v1/access_token"
    assert count(fast_project, "SELECT count(*) FROM posts WHERE kind = 'post'") == 12
    assert count(fast_project, "SELECT count(*) FROM posts WHERE kind IN ('reply', 'comment')") == 9
    reddit.links.append(reddit_link(77, T0 + timedelta(hours=6)))
    again = cli.json("collect", fast_project, "-s", "reddit", "--channel", "mexico", "--comments", "--api-base", reddit.base)
    assert again["stored"] == 1 and again["pages"] == 1
    assert "client-secret-xyz-987" not in str(again)


def test_reddit_search_and_an_expired_token(cli, fast_project, reddit):
    out = cli.json("collect", fast_project, "-s", "reddit", "--query", "roban", "--max", "5", "--api-base", reddit.base)
    assert out["stored"] == 5 and out["status"] == "stopped"
    assert reddit.requests[1]["path"] == "/search" and reddit.requests[1]["params"]["sort"] == "new"
    reddit.tokens.append("rotated-elsewhere")  # the collector's token is no longer valid: 401, log in again
    rest = cli.json("collect", fast_project, "-s", "reddit", "--query", "roban", "--api-base", reddit.base)
    assert rest["stored"] == 7 and rest["duplicates"] == 0
    refused = cli("collect", fast_project, "-s", "reddit", "--channel", "mexico", "--until", "2026-01-01",
                  "--api-base", reddit.base, expect=2)
    assert "--until is not available" in refused.output


def test_reddit_recorded_listing_from_shared(cli, fast_project, monkeypatch):
    path = shared_path("formats", "reddit_json", "praw_TestSubredditListings.test_new_01.json")
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_ID", "id")
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_SECRET", "secret-1234")

    class Recorded(ReplayFake):
        def route(self, request):
            from tests.collect_fakes import Reply

            if request["path"] == "/api/v1/access_token":
                return Reply(200, {"access_token": "tok-1234", "expires_in": 3600})
            return super().route(request)

    fake = Recorded("/r/test/new", [path.read_bytes()], "after", lambda d: None,
                    {"kind": "Listing", "data": {"children": [], "after": None}}).start()
    try:
        out = cli.json("collect", fast_project, "-s", "reddit", "--channel", "test", "--api-base", fake.base)
    finally:
        fake.stop()
    assert reconciles(out) and out["received"] > 0
    imported = cli.json("import", fast_project, path, "--format", "reddit")
    assert imported["stored"] == 0


# ---------------------------------------------------------------- Telegram


@pytest.fixture
def telegram(fast_project, monkeypatch):
    for name in ("API_ID", "API_HASH", "SESSION"):
        monkeypatch.setenv(f"ANTENA_TELEGRAM_{name}", f"tg-{name.lower()}-31337")
    TELEGRAM["fake"] = FakeTelegram()
    with open(fast_project / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[collect.telegram]\ntransport = "tests.collect_fakes:shared_telegram"\n')
    return TELEGRAM["fake"]


def test_telegram_channel_pages_back_then_only_new(cli, fast_project, telegram):
    out = cli.json("collect", fast_project, "-s", "telegram", "--channel", "@canalalerta", "--comments")
    assert out["status"] == "complete" and out["stored"] == 230 + 4 * 2 and reconciles(out)
    assert [c[1]["offset_id"] for c in telegram.calls if c[0] == "messages"][:3] == [0, 131, 31]
    assert out["cursor"] == "230"
    telegram.messages_by_id[231] = dict(telegram.messages_by_id[230], id=231)
    again = cli.json("collect", fast_project, "-s", "telegram", "--channel", "canalalerta", "--comments")
    assert again["stored"] == 1 and telegram.calls[-1][1]["min_id"] == 230
    assert count(fast_project, "SELECT count(*) FROM posts WHERE platform = 'telegram' AND kind = 'reply'") == 8


def test_telegram_connection_loss_is_retried_and_unknown_channel_reported(cli, fast_project, telegram):
    telegram.fail_on_call = 2
    out = cli.json("collect", fast_project, "-s", "telegram", "--channel", "canalalerta")
    assert out["status"] == "complete" and out["retries"] == 1 and out["stored"] == 230
    bad = cli("collect", fast_project, "-s", "telegram", "--channel", "nadie", "--json", expect=1)
    assert "No user has" in bad.stdout and "tg-session-31337" not in bad.output


def test_telegram_collected_equals_desktop_export(cli, fast_project, telegram, tmp_path):
    """A channel collected through the transport and the same messages exported by Telegram Desktop."""
    import orjson

    out = cli.json("collect", fast_project, "-s", "telegram", "--channel", "canalalerta", "--max", "100")
    assert out["stored"] == 100
    newest = sorted(telegram.messages_by_id)[-100:]
    export = {"name": "Canal Alerta", "type": "public_channel", "id": 777,
              "messages": [{k: v for k, v in telegram.messages_by_id[i].items() if k != "replies"} for i in newest]}
    path = tmp_path / "result.json"
    path.write_bytes(orjson.dumps(export))
    imported = cli.json("import", fast_project, path)
    assert imported["stored"] == 0 and imported["updated"] == 0 and imported["duplicates"] == 100


# ---------------------------------------------------------------- identity with imports, every HTTP format


def _identity(cli, folder: Path, fake, args: list[str], export: Path, fmt: str) -> dict:
    try:
        out = cli.json("collect", folder, *args, "--api-base", fake.base)
    finally:
        fake.stop()
    assert out["received"] > 0 and reconciles(out)
    imported = cli.json("import", folder, export, "--format", fmt)
    assert imported["stored"] == 0 and imported["updated"] == 0
    assert imported["duplicates"] == out["stored"] + out["duplicates"] + out["updated"]
    return out


def test_x_page_collected_equals_its_twarc2_export(cli, fast_project, monkeypatch, tmp_path):
    monkeypatch.setenv("ANTENA_X_BEARER_TOKEN", "tok-identity-1234")
    first = (FIXTURES / "sources" / "twitter_v2" / "page.jsonl").read_bytes().splitlines()[0]
    export = tmp_path / "search.jsonl"  # one search page, as twarc2 writes it
    export.write_bytes(first + b"\n")
    fake = ReplayFake("/2/tweets/search/recent", [first], "next_token", lambda d: None,
                      {"meta": {"result_count": 0}}).start()
    _identity(cli, fast_project, fake, ["-s", "x", "--query", "q"], export, "twitter_v2")


def test_mastodon_timeline_collected_equals_its_export(cli, fast_project):
    export = FIXTURES / "sources" / "mastodon" / "timeline.json"
    fake = ReplayFake("/api/v1/timelines/tag/alertaamber", [export.read_bytes()], "max_id", lambda d: None, []).start()
    _identity(cli, fast_project, fake, ["-s", "mastodon", "--hashtag", "alertaamber"], export, "mastodon")


def test_reddit_listing_collected_equals_its_export(cli, fast_project, monkeypatch):
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_ID", "id")
    monkeypatch.setenv("ANTENA_REDDIT_CLIENT_SECRET", "secret-1234")
    export = FIXTURES / "sources" / "reddit" / "listing.json"

    class WithToken(ReplayFake):
        def route(self, request):
            from tests.collect_fakes import Reply

            if request["path"] == "/api/v1/access_token":
                return Reply(200, {"access_token": "tok-5678", "expires_in": 3600})
            return super().route(request)

    fake = WithToken("/r/mexico/new", [export.read_bytes()], "after", lambda d: None,
                     {"kind": "Listing", "data": {"children": [], "after": None}}).start()
    _identity(cli, fast_project, fake, ["-s", "reddit", "--channel", "mexico"], export, "reddit")


def _live_fake(pages: list[bytes]):
    from tests.collect_fakes import Reply

    class LiveReplay(ReplayFake):
        def route(self, request):
            if request["path"] == "/youtube/v3/videos":
                return Reply(200, {"items": [{"id": "v", "liveStreamingDetails": {"activeLiveChatId": "chat-1"}}]})
            return super().route(request)

    return LiveReplay("/youtube/v3/liveChat/messages", pages, "pageToken", lambda d: d.get("nextPageToken"),
                      {"items": [], "offlineAt": "2026-11-01T13:00:00Z"}).start()


def test_youtube_live_chat_page_collected_equals_its_export(cli, fast_project, monkeypatch):
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", YT_KEY)
    export = FIXTURES / "sources" / "youtube_livechat_api" / "live_chat_page.json"
    out = _identity(cli, fast_project, _live_fake([export.read_bytes()]),
                    ["-s", "youtube", "--video", "v", "--live", "--time-limit", "20s"], export, "youtube_livechat_api")
    assert out["status"] == "complete"  # the chat went offline on the next poll


def test_youtube_recorded_live_chat_from_shared(cli, fast_project, monkeypatch):
    path = shared_path("formats", "youtube_datav3_livechatmessages_json", "pytchat_API_TextMessage.json")
    monkeypatch.setenv("ANTENA_YOUTUBE_API_KEY", YT_KEY)
    fake = _live_fake([path.read_bytes()])
    try:
        out = cli.json("collect", fast_project, "-s", "youtube", "--video", "v", "--live", "--time-limit", "2s",
                       "--api-base", fake.base)
    finally:
        fake.stop()
    assert out["received"] > 0 and reconciles(out) and out["status"] in ("complete", "stopped")


def test_every_collector_declares_a_usable_contract():
    from antena import registry
    from antena.collect import collectors
    from antena.collect.base import TARGET_KINDS

    found = collectors()
    assert set(found) == {"bluesky", "mastodon", "youtube", "telegram", "x", "reddit"}
    for name, cls in found.items():
        assert cls.name == name and cls.title and cls.targets
        assert set(cls.targets) <= set(TARGET_KINDS)
        assert all(fmt in registry.sources() for fmt in cls.formats), name
        assert all(c.env.startswith("ANTENA_") for c in cls.credentials)
        assert "fetch" in vars(cls), f"{name} implements fetch"


def test_telethon_messages_become_telegram_desktop_records(project, tmp_path):
    """The real transport's conversion (no network): Telethon messages -> export dicts -> importer."""
    from datetime import UTC, datetime

    import orjson

    t = pytest.importorskip("telethon.tl.types", reason="Telethon is the optional `telegram` extra")

    from antena.collect.telegram import _export
    from antena.collect.telegram_telethon import to_export

    def units(text: str, part: str) -> tuple[int, int]:
        start = text.index(part)
        return len(text[:start].encode("utf-16-le")) // 2, len(part.encode("utf-16-le")) // 2

    text = "Roban a un niño 🙏 #AlertaAmber https://ejemplo.org/alerta"
    post = t.Message(
        id=42, peer_id=t.PeerChannel(777), date=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), message=text,
        entities=[t.MessageEntityHashtag(*units(text, "#AlertaAmber")), t.MessageEntityUrl(*units(text, "https://ejemplo.org/alerta"))],
        edit_date=datetime(2026, 11, 1, 13, 0, tzinfo=UTC), replies=t.MessageReplies(replies=1, replies_pts=0),
        reactions=t.MessageReactions(results=[t.ReactionCount(reaction=t.ReactionEmoji(emoticon="👍"), count=3)]))
    reply = t.Message(id=43, peer_id=t.PeerChannel(777), date=datetime(2026, 11, 1, 12, 5, tzinfo=UTC),
                      message="¿Dónde fue?", from_id=t.PeerUser(5150), reply_to=t.MessageReplyHeader(reply_to_msg_id=42))
    messages = [to_export(post, "Canal Alerta"), to_export(reply, "Canal Alerta")]
    assert messages[0]["text_entities"][1] == {"type": "hashtag", "text": "#AlertaAmber"}
    assert messages[0]["replies"] == 1 and messages[1]["from_id"] == "user5150"
    path = tmp_path / "result.json"
    path.write_bytes(_export({"id": 777, "name": "Canal Alerta", "type": "public_channel"}, messages))
    assert b'"replies"' not in path.read_bytes()  # the transport's own count is not part of the export
    totals, _ = project.import_files([path], "telegram_desktop")
    assert totals.stored == 2
    rows = {r["native_id"]: r for r in project.posts(include_deleted=True).to_pylist()}
    first, second = rows["777/42"], rows["777/43"]
    assert first["hashtags"] == ["alertaamber"] and "https://ejemplo.org/alerta" in first["urls"]
    assert first["like_count"] == 3 and first["version_key"] and first["text"] == text
    assert second["kind"] == "reply" and second["parent_id"] == "telegram:777/42" and second["author_id"]
    assert orjson.loads(path.read_bytes())["messages"][0]["id"] == 42


def test_youtube_quota_exhausted_is_explained_and_resumable(cli, fast_project, youtube):
    from tests.collect_fakes import Reply

    original = youtube.route
    calls = {"n": 0}

    def route(request):
        calls["n"] += 1
        if calls["n"] == 2:
            return Reply(403, {"error": {"code": 403, "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}]}})
        return original(request)

    youtube.faults.clear()
    youtube.route = route
    out = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--api-base", youtube.base, expect=1)
    assert "quota is used up" in out["error"] and out["stored"] > 0
    youtube.route = original
    rest = cli.json("collect", fast_project, "-s", "youtube", "--video", "vidFAKE0001", "--api-base", youtube.base)
    assert rest["status"] == "complete" and rest["stored"] > 0


def test_mastodon_instance_wanting_a_token_is_explained(cli, fast_project, monkeypatch):
    from tests.collect_fakes import MastodonFake, Reply

    monkeypatch.delenv("ANTENA_MASTODON_TOKEN", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    fake = MastodonFake()
    fake.route = lambda request: Reply(401, {"error": "This method requires an authenticated user"})
    fake.start()
    try:
        out = cli.json("collect", fast_project, "-s", "mastodon", "--api-base", fake.base, expect=1)
    finally:
        fake.stop()
    assert "ANTENA_MASTODON_TOKEN" in out["error"]
