"""Behaviour of the chat and comment importers beyond the generic conformance suite:
YouTube comments and live chat (InnerTube and Data API), Telegram Desktop, TikTok Research."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from antena import registry
from antena.errors import FormatError
from antena.sources.youtube_livechat import video_id_from_token
from antena.store.files import InputFile, detect_format

from .conftest import FIXTURES, SHARED
from .test_sources_conformance import COUNT_KEYS, reconcile, shared_files

MINE = ("youtube_comments", "youtube_livechat", "youtube_livechat_api", "telegram_desktop", "tiktok_research")
SRC = FIXTURES / "sources"


@pytest.fixture
def db(project_dir):
    return lambda sql, params=None: _query(project_dir, sql, params)


def _query(project_dir: Path, sql: str, params: list | None) -> list[tuple]:
    from antena.project import Project

    project = Project(project_dir)
    try:
        return project.con.execute(sql, params or []).fetchall()
    finally:
        project.close()


# ------------------------------------------------------------------ live chat: stream ids


def test_data_api_live_chat_groups_by_stream_and_quarantines_events(cli, project_dir, db):
    result = cli.json("import", project_dir, SRC / "youtube_livechat_api", "--format", "youtube_livechat_api")
    reconcile(result)
    streams = dict(db("SELECT stream_id, count(*) FROM posts GROUP BY stream_id"))
    assert streams == {"youtube:livechat:LiveChatStreamA0001": 3, "youtube:livechat:LiveChatStreamB0002": 3}
    assert {k for (k,) in db("SELECT DISTINCT kind FROM posts")} == {"live_chat"}
    reasons = {r for f in result["files"] for r in f["quarantine_reasons"]}
    assert "not a post: newSponsorEvent (no text written by a viewer)" in reasons
    assert "not a post: superChatEvent without a comment" in reasons
    # a Super Chat's own comment is the text; the deleted message keeps no text
    assert db("SELECT text FROM posts WHERE native_id = 'LCC.a3'") == [("Gracias por informar",)]
    assert db("SELECT deleted, text FROM posts WHERE native_id = 'LCC.b2'") == [(True, None)]


def test_innertube_chat_stream_ids_text_and_deletions(cli, project_dir, db):
    result = cli.json("import", project_dir, SRC / "youtube_livechat", "--format", "youtube_livechat")
    reconcile(result)
    streams = dict(db("SELECT stream_id, count(*) FROM posts GROUP BY stream_id"))
    # video id from the messages' context-menu params, and from yt-dlp's "[id]" file name
    assert streams == {"youtube:video:Strm0000001": 3, "youtube:video:Strm0000002": 2}
    texts = dict(db("SELECT native_id, text FROM posts"))
    assert texts["msg-001"] == "Hola a todos 👋"
    assert texts["msg-002"] == "Más info en bit.ly/ayuda-ong :canal-corazon:"
    assert texts["msg-003"] == "Denuncien en la fiscalía #NoEstánSolas"  # Super Chat message
    assert texts["msg-004"] is None  # deleted by markChatItemAsDeletedAction
    assert db("SELECT urls FROM posts WHERE native_id = 'msg-002'") == [(["https://bit.ly/ayuda-ong"],)]
    reasons = {r for f in result["files"] for r in f["quarantine_reasons"]}
    assert {"not a post: Super Sticker (no text)", "not a post: membership event without a message",
            "not a post: YouTube system message"} <= reasons
    assert not db("SELECT 1 FROM posts WHERE native_id IN ('stk-001', 'mem-001', 'sys-001')")


def test_innertube_chat_without_video_id_uses_file_name(cli, project_dir, db, tmp_path):
    action = {"addChatItemAction": {"item": {"liveChatTextMessageRenderer": {
        "id": "m1", "timestampUsec": "1714600000000000", "authorExternalChannelId": "UCx",
        "message": {"runs": [{"text": "sin video"}]}}}}}
    path = tmp_path / "mi_chat.json"
    path.write_text(json.dumps([action]))
    cli.json("import", project_dir, path)  # detected, not named
    assert db("SELECT stream_id, url FROM posts") == [("youtube:file:mi_chat", None)]


def test_video_id_is_decoded_from_nested_tokens():
    inner = base64.urlsafe_b64encode(b"\n\x18UCabcdefghijklmnopqrstuv\x12\x0bAbC-_123xyz").decode()
    outer = base64.urlsafe_b64encode(b"\x01\x1a" + bytes([len(inner)]) + inner.encode() + b"(\x01").decode()
    assert video_id_from_token(outer.replace("=", "%3D")) == "AbC-_123xyz"
    url_token = base64.urlsafe_b64encode(b"*\x30https://www.youtube.com/live_chat?v=Zz9876543_-&is_popout=1").decode()
    assert video_id_from_token(url_token) == "Zz9876543_-"
    assert video_id_from_token("___params___") is None


# ------------------------------------------------------------------ YouTube comments


def test_comment_replies_have_parents_threads_and_plain_text(cli, project_dir, db):
    cli.json("import", project_dir, SRC / "youtube_comments" / "comment_threads_page.json")
    got = {r[0]: r[1:] for r in db("SELECT native_id, kind, parent_id, thread_id, reply_count FROM posts")}
    assert got["UgxTopAAA001"] == ("comment", None, "youtube:video:vidAAAA0001", 2)
    assert got["UgxTopAAA001.r1"] == ("comment", "youtube:UgxTopAAA001", "youtube:video:vidAAAA0001", None)
    # textDisplay (HTML) only: tags dropped, entities decoded, link target kept
    text, urls = db("SELECT text, urls FROM posts WHERE native_id = 'UgxTopBBB002'")[0]
    assert text == "Info aquí: example.org/ayuda\nGracias 'ONG' & voluntarios"
    assert urls == ["https://example.org/ayuda"]


def test_comment_edit_replaces_and_thread_copy_wins(cli, project_dir, db):
    cli.json("import", project_dir, SRC / "youtube_comments" / "comment_threads_page.json")
    second = cli.json("import", project_dir, SRC / "youtube_comments" / "replies_pages.jsonl")
    assert (second["stored"], second["updated"]) == (0, 2), second
    text, likes = db("SELECT text, like_count FROM posts WHERE native_id = 'UgxTopAAA001.r2'")[0]
    assert text.endswith("(editado)") and likes == 5
    assert db("SELECT count(*) FROM post_versions WHERE native_id = 'UgxTopAAA001.r2'") == [(1,)]
    # same version seen in comments.list (no video): the copy from the thread keeps its thread
    assert db("SELECT thread_id FROM posts WHERE native_id = 'UgxTopAAA001.r1'") == [("youtube:video:vidAAAA0001",)]
    # importing the older page again does not bring the old text back
    cli.json("import", project_dir, SRC / "youtube_comments" / "comment_threads_page.json")
    assert db("SELECT text FROM posts WHERE native_id = 'UgxTopAAA001.r2'")[0][0].endswith("(editado)")


# ------------------------------------------------------------------ Telegram


def test_telegram_text_arrays_entities_media_and_service(cli, project_dir, db):
    result = cli.json("import", project_dir, SRC / "telegram_desktop" / "result.json")
    reconcile(result)
    assert result["files"][0]["quarantine_reasons"] == {"not a post: service message (create_channel)": 1}
    post = db("SELECT text, hashtags, mentions, urls, like_count, thread_id FROM posts"
              " WHERE post_id = 'telegram:1500000001/2'")[0]
    assert post[0] == "Nueva #AlertaAmber para @RedNiñez: compartan el cartel y example.org/ficha"
    assert post[1:4] == (["alertaamber"], ["redniñez"], ["https://example.org/cartel", "https://example.org/ficha"])
    assert post[4] == 9 and post[5] == "telegram:chat:1500000001"
    assert db("SELECT kind FROM posts WHERE native_id = '1500000001/3'") == [("repost",)]
    assert db("SELECT text, has_media, media_types FROM posts WHERE native_id = '1500000001/4'") == [
        (None, True, ["photo"])]


def test_telegram_full_export_replies_and_old_dates(cli, project_dir, db):
    cli.json("import", project_dir, SRC / "telegram_desktop" / "full_export_result.json")
    assert db("SELECT kind, parent_id FROM posts WHERE native_id = '1600000002/11'") == [
        ("reply", "telegram:1600000002/10")]
    assert db("SELECT media_types FROM posts WHERE native_id = '1600000002/12'") == [(["sticker"],)]
    # no date_unixtime: the local "date" is read as UTC
    assert str(db("SELECT created_at FROM posts WHERE native_id = '1600000002/13'")[0][0]).startswith("2019-01-05 18:20")


def test_telegram_edit_replaces_in_either_order(cli, project_dir, db, tmp_path):
    export = json.loads((SRC / "telegram_desktop" / "result.json").read_text())
    before = dict(export, messages=[dict(m) for m in export["messages"]])
    message = next(m for m in before["messages"] if m["id"] == 5)
    message.pop("edited"), message.pop("edited_unixtime")
    message["text"] = message["text_entities"][0]["text"] = "Horario de la línea de ayuda: 12 h"
    old = tmp_path / "old_result.json"
    old.write_text(json.dumps(before))
    cli.json("import", project_dir, SRC / "telegram_desktop" / "result.json")
    again = cli.json("import", project_dir, old)
    assert again["updated"] == 1 and again["stored"] == 0, again
    assert db("SELECT text FROM posts WHERE native_id = '1500000001/5'") == [
        ("Horario de la línea de ayuda: 24 h (corregido)",)]
    assert db("SELECT text FROM post_versions WHERE native_id = '1500000001/5'") == [
        ("Horario de la línea de ayuda: 12 h",)]


# ------------------------------------------------------------------ TikTok


def test_tiktok_comments_parents_and_not_posts(cli, project_dir, db):
    result = cli.json("import", project_dir, SRC / "tiktok_research", "--format", "tiktok_research")
    reconcile(result)
    got = {r[0]: r[1:] for r in db("SELECT native_id, kind, parent_id, thread_id FROM posts")}
    video = "7300000000000000001"
    assert got[video] == ("post", None, f"tiktok:{video}")
    assert got["7300000000000100001"] == ("comment", f"tiktok:{video}", f"tiktok:{video}")
    assert got["7300000000000100002"] == ("comment", "tiktok:7300000000000100001", f"tiktok:{video}")
    reasons = {r for f in result["files"] for r in f["quarantine_reasons"]}
    assert "not a post: user info" in reasons
    assert "not a post: a Research API request or query, not a response" in reasons
    assert len(got) == 4


def test_tiktok_requests_are_never_detected_as_posts():
    path = SRC / "tiktok_research" / "bad_saved_request.json"
    head = path.read_bytes()
    assert all(registry.sources()[name]().sniff(head, path.name) == 0 for name in MINE)
    try:
        assert detect_format(InputFile(str(path), path)) not in MINE
    except FormatError:
        pass


# ------------------------------------------------------------------ all five


@pytest.mark.parametrize("name,fixture", [
    ("youtube_comments", "comment_threads_page.json"),
    ("youtube_livechat", "replay_response.json"),
    ("youtube_livechat_api", "live_chat_page.json"),
    ("telegram_desktop", "result.json"),
    ("tiktok_research", "video_query_response.json"),
])
def test_synthetic_mark_reaches_posts(name, fixture, cli, project_dir, db, tmp_path):
    doc = json.loads((SRC / name / fixture).read_text())
    doc["__antena_synthetic"] = True
    path = tmp_path / fixture
    path.write_text(json.dumps(doc))
    result = cli.json("import", project_dir, path, "--format", name)
    assert result["stored"] > 0
    assert db("SELECT DISTINCT synthetic FROM posts") == [(True,)]


def test_sniffers_do_not_confuse_formats():
    sources = registry.sources()
    for owner in MINE:
        for path in sorted((SRC / owner).glob("*")):
            if path.name.startswith("bad_"):
                continue
            head = path.read_bytes()[:65536]
            scores = {name: sources[name]().sniff(head, path.name) for name in MINE}
            assert max(scores, key=scores.get) == owner, (path, scores)
            assert all(score == 0 for name, score in scores.items() if name != owner), (path, scores)
    others = [p for p in SRC.glob("*/*") if p.parent.name not in MINE and p.is_file()]
    if (SHARED / "formats").exists():
        mine_folders = {"youtube_datav3_comments_json", "youtube_livechat_json",
                        "youtube_datav3_livechatmessages_json", "telegram_desktop_json", "tiktok_research_api_json"}
        others += [p for p in (SHARED / "formats").glob("*/*")
                   if p.is_file() and p.parent.name not in mine_folders and p.suffix in (".json", ".jsonl", ".ndjson")]
    assert others
    for path in others:
        with open(path, "rb") as stream:
            head = stream.read(65536)
        claimed = {name: sources[name]().sniff(head, path.name) for name in MINE}
        assert not any(claimed.values()), (path, claimed)


# ------------------------------------------------------------------ shared samples, file by file

EXPECTED = {  # file -> (read, stored, updated, duplicates, quarantined) on a fresh project
    "chatanalytics_DM_2A_7M.json": (8, 6, 0, 0, 2),
    "traktok_example_resp_q_videos.json": (2, 1, 0, 1, 0),
    "traktok_example_resp_q_user.json": (1, 0, 0, 0, 1),
    "pytchat_API_NewSponsor.json": (1, 0, 0, 0, 1),
    "pytchat_API_TextMessage.json": (1, 1, 0, 0, 0),
    "pytchat_compatible_supersticker.json": (1, 0, 0, 0, 1),
    "pytchat_finished_live.json": (0, 0, 0, 0, 0),
}


@pytest.mark.parametrize("name", MINE)
def test_shared_samples_reconcile_file_by_file(name, cli, tmp_path):
    if not (SHARED / "formats").exists():
        pytest.skip("../shared/formats not available")
    from antena.project import Project

    for path in shared_files(name):
        folder = tmp_path / path.stem
        Project.init(folder, name="t").close()
        result = cli.json("import", folder, path, "--format", name, expect=None)
        reconcile(result)
        counts = tuple(result[k] for k in COUNT_KEYS)
        if path.name in EXPECTED:
            assert counts == EXPECTED[path.name], (path.name, counts)
        print(f"{name} {path.name}: " + " ".join(f"{k}={v}" for k, v in zip(COUNT_KEYS, counts, strict=True)))


def test_live_broadcasts_are_not_chat_messages(cli, project_dir, tmp_path):
    broadcast = {"kind": "youtube#liveBroadcastListResponse", "items": [{
        "kind": "youtube#liveBroadcast", "id": "b1",
        "snippet": {"title": "Charla", "liveChatId": "Chat1", "publishedAt": "2024-01-01T00:00:00Z"}}]}
    head = json.dumps(broadcast).encode()
    assert registry.sources()["youtube_livechat_api"]().sniff(head, "b.json") == 0
    path = tmp_path / "broadcasts.json"
    path.write_bytes(head)
    result = cli.json("import", project_dir, path, "--format", "youtube_livechat_api", expect=None)
    assert (result["stored"], result["quarantined"]) == (0, 1)
    assert "not a post: youtube#liveBroadcast resource" in result["files"][0]["quarantine_reasons"]
