"""Bluesky (AppView, Jetstream), Mastodon and Reddit importers: behaviour the conformance
suite does not cover (reposts, threads, edits, deletions, comment trees, HTML text)."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from antena import registry
from antena.project import Project
from antena.store.files import InputFile, detect_format

from .conftest import FIXTURES, SHARED

MINE = ("bluesky_appview", "bluesky_jetstream", "mastodon", "reddit")
COUNTS = ("stored", "updated", "duplicates", "quarantined")
BSKY_A = "at://did:plc:ong4example0000000000000/app.bsky.feed.post/"
BSKY_B = "at://did:plc:vecina0example00000000000/app.bsky.feed.post/"
BSKY_C = "at://did:plc:periodista0example0000000/app.bsky.feed.post/"
MASTO = "https://social.example/users/"


def folder(name: str) -> Path:
    return FIXTURES / "sources" / name


def good_files(name: str) -> list[Path]:
    return sorted(p for p in folder(name).glob("*") if p.is_file() and not p.name.startswith("bad_"))


def posts(project: Project) -> dict[str, dict]:
    cursor = project.con.execute("SELECT * FROM posts")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def reasons(project: Project) -> list[tuple[str, str]]:
    return project.con.execute("SELECT reason, field FROM quarantine ORDER BY reason").fetchall()


def versions(project: Project, post_id: str) -> list[str | None]:
    return [r[0] for r in project.con.execute("SELECT text FROM post_versions WHERE post_id = ?", [post_id]).fetchall()]


# ---------------------------------------------------------------- Bluesky AppView


def test_bluesky_feed_repost_quote_facets_and_thread(project):
    project.import_files(good_files("bluesky_appview"), format_name="bluesky_appview")
    rows = posts(project)
    repost = rows["bluesky:at://did:plc:ong4example0000000000000/app.bsky.feed.repost/3krepost0008"]
    original = rows[f"bluesky:{BSKY_C}3kfeed000005"]
    assert repost["kind"] == "repost" and repost["parent_id"] == original["post_id"]
    assert repost["text"] == original["text"] and original["kind"] == "post"
    assert repost["author_id"] != original["author_id"]

    alert = rows[f"bluesky:{BSKY_A}3kalerta0001"]
    assert alert["hashtags"] == ["alertaamber", "niñasdesaparecidas"]
    assert alert["mentions"] == ["vecina.example.social"]  # handle read from the facet's byte slice
    assert alert["urls"] == ["https://ejemplo.org/alerta"]
    assert alert["lang"] == "es" and alert["like_count"] == 12 and alert["share_count"] == 5
    assert alert["url"] == "https://bsky.app/profile/red-apoyo.example.org/post/3kalerta0001"

    quote = rows[f"bluesky:{BSKY_C}3kquote00003"]
    assert quote["kind"] == "quote" and quote["parent_id"] == alert["post_id"]
    assert quote["has_media"] and quote["media_types"] == ["image"]

    reply = rows[f"bluesky:{BSKY_C}3kthread0011"]  # getPostThread: parent walked up, replies down
    assert reply["kind"] == "reply" and reply["parent_id"] == f"bluesky:{BSKY_B}3kthread0010"
    assert reply["thread_id"] == f"bluesky:{BSKY_B}3kthread0009"
    assert f"bluesky:{BSKY_B}3kthread0009" in rows
    assert rows[f"bluesky:{BSKY_A}3krecord0013"]["author_id"]  # getRecord: author from the uri

    quarantined = reasons(project)
    assert ("not a post: follows list", "(document)") in quarantined
    assert any(r.startswith("not a post: referenced post not found") for r, _ in quarantined)


def test_bluesky_record_without_uri_is_quarantined_with_reason(project):
    totals, _ = project.import_files([folder("bluesky_appview") / "bad_bare_record.json"], format_name="bluesky_appview")
    assert (totals.read, totals.quarantined) == (1, 1)
    [(reason, field)] = reasons(project)
    assert "without uri" in reason and field == "uri"


# ---------------------------------------------------------------- Bluesky Jetstream


def test_jetstream_update_delete_and_non_posts(project):
    totals, _ = project.import_files(good_files("bluesky_jetstream"), format_name="bluesky_jetstream")
    assert (totals.read, totals.stored, totals.updated, totals.quarantined) == (9, 3, 2, 4)
    rows = posts(project)
    first = rows[f"bluesky:{BSKY_A}3ljet0000001"]
    assert first["text"].endswith("(punto de encuentro: plaza central)")
    assert versions(project, first["post_id"]) == ["Hoy marchamos por las desaparecidas #NiUnaMenos"]
    gone = rows[f"bluesky:{BSKY_C}3ljet0000005"]
    assert gone["deleted"] and gone["text"] is None
    assert rows[f"bluesky:{BSKY_B}3ljet0000002"]["parent_id"] == first["post_id"]
    assert all(r.startswith("not a post:") for r, _ in reasons(project))


def test_jetstream_delete_marks_a_post_imported_from_the_appview(project, tmp_path):
    project.import_files([folder("bluesky_appview") / "search_posts.json"], format_name="bluesky_appview")
    event = {"did": "did:plc:ong4example0000000000000", "time_us": 1741000000000000, "kind": "commit",
             "commit": {"rev": "x", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3kalerta0001"}}
    path = tmp_path / "delete.jsonl"
    path.write_text(json.dumps(event) + "\n")
    assert detect_format(InputFile(str(path), path)) == "bluesky_jetstream"
    totals, _ = project.import_files([path])
    assert totals.updated == 1
    row = posts(project)[f"bluesky:{BSKY_A}3kalerta0001"]
    assert row["deleted"] and row["text"] is None
    assert versions(project, row["post_id"]) == [None]  # the older text is not kept either


def test_jetstream_truncated_line_is_quarantined(project):
    totals, _ = project.import_files([folder("bluesky_jetstream") / "bad_truncated.jsonl"], format_name="bluesky_jetstream")
    assert (totals.stored, totals.quarantined) == (1, 1)
    assert reasons(project)[0][0].startswith("invalid JSON")


# ---------------------------------------------------------------- Mastodon


def test_mastodon_html_becomes_plain_safe_text(project):
    project.import_files([folder("mastodon") / "status.json"], format_name="mastodon")
    [row] = posts(project).values()
    assert row["post_id"] == f"mastodon:{MASTO}redapoyo/statuses/110001"  # the uri: ids are per server
    text = row["text"]
    assert text.startswith("Tema sensible: desaparición\n\nAviso importante & urgente")
    assert "<script>alert(1)</script> no es código" in text  # escaped text stays text
    assert "robar()" not in text and "<p>" not in text and "<a " not in text
    assert "\nSegunda línea con #AlertaAmber y @vecina\n\nMás info: https://ejemplo.org/alerta/123" in text
    assert row["hashtags"] == ["alertaamber"] and row["mentions"] == ["vecina"]
    assert row["urls"] == ["https://ejemplo.org/alerta/123"]
    assert row["media_types"] == ["image"] and row["like_count"] == 7 and row["share_count"] == 3


@pytest.mark.parametrize("order", [("status.json", "status_edited.json"), ("status_edited.json", "status.json")])
def test_mastodon_edit_replaces_older_version_whatever_the_order(project, order):
    totals, _ = project.import_files([folder("mastodon") / name for name in order], format_name="mastodon")
    assert (totals.stored, totals.updated) == (1, 1)
    [row] = posts(project).values()
    assert row["text"].endswith("Aviso corregido: la niña ya fue localizada. Gracias por compartir.")
    assert row["like_count"] == 20 and row["version_key"].startswith("2025-03-01T18:00")
    assert "Aviso importante" in versions(project, row["post_id"])[0]


def test_mastodon_reblog_reply_context_quote_and_delete(project):
    project.import_files(good_files("mastodon"), format_name="mastodon")
    rows = posts(project)
    boost = rows[f"mastodon:{MASTO}redapoyo/statuses/110002/activity"]
    boosted = rows["mastodon:https://news.example/users/periodista/statuses/880001"]
    assert boost["kind"] == "repost" and boost["parent_id"] == boosted["post_id"]
    assert boost["text"] == boosted["text"] == "Investigación: cómo operan las redes de trata en línea."

    reply = rows[f"mastodon:{MASTO}redapoyo/statuses/110004"]
    assert reply["kind"] == "reply" and reply["parent_id"] == f"mastodon:{MASTO}vecina/statuses/110003"

    remote = rows["mastodon:https://news.example/users/periodista/statuses/55501"]
    assert remote["parent_id"] == f"mastodon:{MASTO}redapoyo/statuses/110006"
    assert remote["thread_id"] == f"mastodon:{MASTO}vecina/statuses/110005"

    quote = rows[f"mastodon:{MASTO}vecina/statuses/110007"]
    assert quote["kind"] == "quote" and quote["parent_id"] == "mastodon:https://news.example/users/periodista/statuses/880003"
    assert quote["text"] == "Esto es lo que denunciamos."  # the "RE: <link>" fallback is dropped

    deleted = rows[f"mastodon:{MASTO}redapoyo/statuses/110006"]  # DELETE response (source `text`)
    assert deleted["deleted"] and deleted["text"] is None


def test_mastodon_other_entities_are_not_posts(project):
    totals, _ = project.import_files([folder("mastodon") / "bad_poll.json"], format_name="mastodon")
    assert totals.quarantined == 1 and reasons(project)[0][0] == "not a post: Poll entity"


# ---------------------------------------------------------------- Reddit


def test_reddit_comment_tree_is_walked_with_parents_and_threads(project):
    totals, _ = project.import_files([folder("reddit") / "submission.json"], format_name="reddit")
    assert (totals.read, totals.stored, totals.quarantined) == (6, 5, 1)
    rows = posts(project)
    assert rows["reddit:t1_cc0002"]["parent_id"] == "reddit:t1_cc0001"  # found inside `replies`
    assert {r["thread_id"] for r in rows.values()} == {"reddit:t3_bb0001"}
    assert rows["reddit:t1_cc0001"]["kind"] == "comment" and rows["reddit:t3_bb0001"]["kind"] == "post"
    deleted = rows["reddit:t1_cc0003"]
    assert deleted["deleted"] and deleted["text"] is None and deleted["author_id"] is None
    assert rows["reddit:t1_cc0004"]["version_key"].startswith("2025-03-02T12:53:20")  # `edited` time
    [(reason, field)] = reasons(project)
    assert reason.startswith("not a post: 'more' stub") and field == "kind"


def test_reddit_submission_text_place_and_removed_posts(project):
    project.import_files([folder("reddit") / "listing.json", folder("reddit") / "dump.jsonl"], format_name="reddit")
    rows = posts(project)
    first = rows["reddit:t3_aa0001"]
    assert first["text"] == "Alerta Amber & Alerta Alba: ¿cuál es la diferencia?\n\nExplico con calma <3\n\n* Amber: menores\n* Alba: mujeres"
    assert first["place"] == "r/mexico" and first["url"] == "https://www.reddit.com/r/mexico/comments/aa0001/slug/"
    assert rows["reddit:t3_aa0002"]["media_types"] == ["image"]
    assert rows["reddit:t3_aa0003"]["deleted"] and rows["reddit:t3_aa0003"]["text"] is None
    assert rows["reddit:t1_ee0001"]["parent_id"] == "reddit:t3_dd0001"  # a bare dump line


# ---------------------------------------------------------------- all four


@pytest.mark.parametrize(("name", "fixture"), [
    ("bluesky_appview", "author_feed.json"), ("bluesky_jetstream", "events.jsonl"),
    ("mastodon", "search.json"), ("reddit", "listing.json"), ("reddit", "dump.jsonl"),
])
def test_synthetic_mark_is_carried_to_raw_records(name, fixture, tmp_path, project):
    path = folder(name) / fixture
    if path.suffix == ".jsonl":
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        marked = "\n".join(json.dumps({**line, "__antena_synthetic": True}) for line in lines)
    else:
        marked = json.dumps({**json.loads(path.read_text()), "__antena_synthetic": True})
    target = tmp_path / path.name
    target.write_text(marked)
    totals, _ = project.import_files([target], format_name=name)
    flags = [r[0] for r in project.con.execute("SELECT synthetic FROM posts").fetchall()]
    assert totals.stored and len(flags) == totals.stored and all(flags)


def test_sniffers_do_not_claim_other_sources_fixtures():
    for other in sorted(p.name for p in (FIXTURES / "sources").iterdir() if p.is_dir()):
        for path in good_files(other):
            head = InputFile(str(path), path).head()
            for name in MINE:
                if name != other:
                    score = registry.sources()[name]().sniff(head, path.name)
                    assert score == 0 or other.startswith("bluesky"), (name, path)
            if other in MINE:
                assert detect_format(InputFile(str(path), path)) == other


def test_sniffers_give_zero_to_other_platforms_shared_samples():
    formats = SHARED / "formats"
    if not formats.exists():
        pytest.skip("../shared/formats not available")
    own = {"bluesky_appview_json", "bluesky_jetstream", "mastodon_status_json", "reddit_json"}
    for path in sorted(p for p in formats.rglob("*") if p.is_file() and p.parent.name not in own):
        head = InputFile(str(path), path).head()
        for name in MINE:
            assert registry.sources()[name]().sniff(head, path.name) == 0, (name, path)


@pytest.mark.parametrize("name", MINE)
def test_shared_samples_reconcile_file_by_file(name, cli, project_dir):
    if not (SHARED / "formats").exists():
        pytest.skip("../shared/formats not available")
    files = [p for pattern in registry.sources()[name].shared_samples
             for p in sorted(glob.glob(str(SHARED / "formats" / pattern)))]
    assert files
    result = cli.json("import", project_dir, *files, "--format", name, expect=None)
    for report in result["files"]:
        assert report["read"] == sum(report[k] for k in COUNTS), report
        assert all(r.startswith(("not a post:", "invalid JSON")) for r in report["quarantine_reasons"]), report
    assert result["stored"] > 0


def test_reddit_dump_lines_are_streamed_and_a_bad_line_is_quarantined(project, tmp_path):
    lines = (folder("reddit") / "dump.jsonl").read_text().splitlines()
    path = tmp_path / "dump.jsonl"
    path.write_text(lines[0] + "\n" + lines[1][:40] + "\n\n" + lines[1] + "\n")
    totals, _ = project.import_files([path], format_name="reddit")
    assert (totals.read, totals.stored, totals.quarantined) == (3, 2, 1)
    assert project.con.execute("SELECT source_line FROM quarantine").fetchone()[0] == 2
    assert project.con.execute("SELECT source_line FROM posts WHERE post_id = 'reddit:t1_ee0001'").fetchone()[0] == 4


def test_bluesky_newer_framings_thread_v2_and_jetstream_frames(project, tmp_path):
    view = json.loads((folder("bluesky_appview") / "search_posts.json").read_text())["posts"][1]
    thread = {"thread": [{"uri": view["uri"], "depth": 0, "value": {"$type": "app.bsky.unspecced.defs#threadItemPost", "post": view}},
                         {"uri": "at://x", "depth": 1, "value": {"$type": "app.bsky.unspecced.defs#threadItemNotFound"}}]}
    thread_path = tmp_path / "thread_v2.json"
    thread_path.write_text(json.dumps(thread))
    frame = {"$type": "network.bsky.jetstream.subscribeEvents#commit", "seq": 7, "did": "did:plc:vecina0example00000000000",
             "time": "2025-03-09T10:00:00.123456Z", "rev": "r", "operation": "update", "collection": "app.bsky.feed.post",
             "rkey": "3kreply00002", "cid": "c",
             "record": {"$type": "app.bsky.feed.post", "text": "Compartido (editado).", "createdAt": "2025-03-01T10:05:00.000Z"}}
    frame_path = tmp_path / "frames.jsonl"
    frame_path.write_text(json.dumps(frame) + "\n")
    assert detect_format(InputFile(str(thread_path), thread_path)) == "bluesky_appview"
    assert detect_format(InputFile(str(frame_path), frame_path)) == "bluesky_jetstream"
    totals, _ = project.import_files([thread_path, frame_path])
    assert (totals.stored, totals.updated, totals.quarantined) == (1, 1, 1)
    row = posts(project)[f"bluesky:{BSKY_B}3kreply00002"]
    assert row["text"] == "Compartido (editado)." and row["version_key"] == "2025-03-09T10:00:00.123456Z"
    assert reasons(project)[0][0] == "not a post: app.bsky.unspecced.defs#threadItemNotFound"
