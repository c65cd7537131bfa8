"""X (Twitter) importers: behaviour the generic conformance suite does not cover.

Edits, complete retweet text, withheld and deleted tweets, compliance deletions, the same
tweet from v1.1 and v2, truncated lines, non-post twarc files, exact big ids, and counts
that reconcile on every real sample in ../shared/formats.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from antena.sources.twitter_v2 import json_key_paths, x_version_key
from antena.store.files import InputFile, detect_format

from .conftest import FIXTURES, SHARED

V2 = FIXTURES / "sources" / "twitter_v2"
FLAT = FIXTURES / "sources" / "twitter_v2_flat"
V1 = FIXTURES / "sources" / "twitter_v1"
COUNTS = ("read", "stored", "updated", "duplicates", "quarantined")
X_FOLDERS = {
    "twitter_v2_twarc2_jsonl": "twitter_v2",
    "twitter_v2_twarc2_flat_jsonl": "twitter_v2_flat",
    "twitter_v1_1_json": "twitter_v1",
}


def post(project_dir: Path, post_id: str) -> dict | None:
    from antena.project import Project

    with Project(project_dir) as project:
        cursor = project.con.execute("SELECT * FROM posts WHERE post_id = ?", [post_id])
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else None


def query(project_dir: Path, sql: str, *params: object) -> list[tuple]:
    from antena.project import Project

    with Project(project_dir) as project:
        return project.con.execute(sql, list(params)).fetchall()


def reconciles(result: dict) -> bool:
    return all(f["read"] == sum(f[k] for k in COUNTS[1:]) for f in [result, *result["files"]])


# ---------------------------------------------------------------- edits


def test_edit_replaces_original_and_keeps_history(cli, project_dir):
    result = cli.json("import", project_dir, V2 / "edits.jsonl")
    assert reconciles(result)
    assert result["stored"] == 1 and result["updated"] >= 1, result
    current = post(project_dir, "x:1900000000000000201")
    assert current["text"].startswith("Corrección: la FGR"), current["text"]
    assert current["version_key"].startswith("0001|")
    assert "alertaamber" in current["hashtags"]
    older = [r[0] for r in query(project_dir, "SELECT text FROM post_versions WHERE post_id = ?", "x:1900000000000000201")]
    assert "La PGR encontró a la niña en Puebla" in older
    assert post(project_dir, "x:1900000000000000202") is None, "an edit must not become a post of its own"


def test_edit_wins_whatever_the_import_order(cli, project_dir, tmp_path):
    first, second = (V2 / "edits.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "late.jsonl").write_text(second + "\n", encoding="utf-8")
    (tmp_path / "early.jsonl").write_text(first + "\n", encoding="utf-8")
    cli.json("import", project_dir, tmp_path / "late.jsonl")
    result = cli.json("import", project_dir, tmp_path / "early.jsonl")
    assert result["updated"] == 1, result
    assert post(project_dir, "x:1900000000000000201")["text"].startswith("Corrección")


def test_version_keys_sort_as_strings():
    keys = [x_version_key(i, "2024-01-01T00:00:00+00:00") for i in (0, 1, 2, 9, 10, 11)]
    assert sorted(keys) == keys
    assert x_version_key(1) > x_version_key(0, "2030-01-01T00:00:00+00:00")


def test_shared_edited_samples_keep_the_edit(cli, project_dir):
    folder = SHARED / "formats" / "twitter_v2_twarc2_jsonl"
    if not (folder / "edited.jsonl").exists():
        pytest.skip("../shared/formats not available")
    cli.json("import", project_dir, folder / "edited.jsonl", folder / "edited_before.jsonl")
    current = post(project_dir, "x:1576994746135764992")
    assert current["text"].startswith("hey :)")
    assert query(project_dir, "SELECT count(*) FROM post_versions WHERE post_id = 'x:1576994746135764992'")[0][0] >= 1


# ---------------------------------------------------------------- text


def test_retweet_and_long_text_are_complete(cli, project_dir):
    cli.json("import", project_dir, V2, FLAT, V1)
    rt_v2 = post(project_dir, "x:1900000000000000003")
    assert rt_v2["kind"] == "repost" and rt_v2["parent_id"] == "x:1900000000000000001"
    assert rt_v2["text"].startswith("RT @maria11: Roban a un niño")
    rt_flat = post(project_dir, "x:1900000000000000402")
    assert rt_flat["text"].endswith("800 5533 000 #NoALaTrata") and "…" not in rt_flat["text"]
    assert "noalatrata" in rt_flat["hashtags"]
    rt_v1 = post(project_dir, "x:1900000000000000503")
    assert rt_v1["text"] == "RT @ong_mx: Cómo reconocer una oferta de trabajo que es trata: piden documentos, " \
        "pagan el viaje, no dan contrato."
    long_v2 = post(project_dir, "x:1900000000000000101")
    assert long_v2["text"].endswith("Compartan. @FGRMexico") and len(long_v2["text"]) > 280
    assert (long_v2["place"], long_v2["country"], long_v2["media_types"]) == ("Chihuahua, México", "MX", ["photo"])
    extended_v1 = post(project_dir, "x:1900000000000000501")
    assert extended_v1["text"].endswith("#AlertaAmber #Juárez https://t.co/s1")
    assert extended_v1["hashtags"] == ["alertaamber", "juárez"] and extended_v1["country"] == "MX"
    assert extended_v1["created_at"].isoformat().startswith("2018-10-10T20:19:24")
    assert post(project_dir, "x:1900000000000000504")["kind"] == "quote"
    assert post(project_dir, "x:1900000000000000504")["lang"] is None  # "und"
    assert post(project_dir, "x:1900000000000000505")["parent_id"] == "x:1900000000000000502"


# ---------------------------------------------------------------- withheld, deleted, compliance


def test_withheld_and_deleted_keep_no_text(cli, project_dir):
    cli.json("import", project_dir, V2 / "page.jsonl", V2 / "stream.jsonl", FLAT, V1)
    for post_id, flag in [("x:1900000000000000102", "withheld"), ("x:1900000000000000404", "withheld"),
                          ("x:1900000000000000508", "withheld"), ("x:1900000000000000009", "deleted"),
                          ("x:1900000000000000506", "deleted")]:
        row = post(project_dir, post_id)
        assert row is not None and row[flag] and row["text"] is None, (post_id, row)
        assert not row["hashtags"] and not row["mentions"]
    payloads = " ".join(p for (p,) in query(project_dir, "SELECT payload FROM raw_records WHERE payload IS NOT NULL"))
    assert "retenido" not in payloads, "withheld text must not be kept in raw records either"
    assert post(project_dir, "x:1900000000000000102")["created_at"] is not None


def test_compliance_deletion_after_import(cli, project_dir):
    cli.json("import", project_dir, V2 / "page.jsonl")
    assert post(project_dir, "x:1900000000000000002")["text"]
    result = cli.json("import", project_dir, V2 / "tweets_compliance.jsonl")
    assert result["files"][0]["format"] == "twitter_v2"
    assert (result["stored"], result["updated"], result["quarantined"]) == (1, 1, 1), result
    gone = post(project_dir, "x:1900000000000000002")
    assert gone["deleted"] and gone["text"] is None
    assert query(project_dir, "SELECT count(*) FROM raw_records WHERE post_id = 'x:1900000000000000002'"
                 " AND payload LIKE '%PGR no hizo%'")[0][0] == 0
    assert not post(project_dir, "x:1900000000000000004")["deleted"], "scrub_geo is not a deletion"
    again = cli.json("import", project_dir, V2 / "page.jsonl")
    assert again["stored"] == 0 and post(project_dir, "x:1900000000000000002")["text"] is None


def test_shared_compliance_files(cli, project_dir):
    folder = SHARED / "formats" / "twitter_v2_twarc2_jsonl"
    if not folder.exists():
        pytest.skip("../shared/formats not available")
    tweets = cli.json("import", project_dir, folder / "tweets_compliance.jsonl")
    assert tweets["stored"] == 2 and post(project_dir, "x:1170025343920402432")["deleted"]
    users = cli.json("import", project_dir, folder / "users_compliance.jsonl", expect=None)
    assert users["quarantined"] == 2 and users["stored"] == 0
    assert all(r.startswith("not a post:") for r in users["files"][0]["quarantine_reasons"])


# ---------------------------------------------------------------- identity across formats


def test_same_tweet_from_v1_and_v2_is_one_post(cli, project_dir):
    cli.json("import", project_dir, V2 / "page.jsonl")
    result = cli.json("import", project_dir, V1 / "search.json")
    assert result["stored"] == 1 and result["updated"] == 1, result
    assert query(project_dir, "SELECT count(*) FROM posts WHERE native_id = '1900000000000000001'")[0][0] == 1
    assert post(project_dir, "x:1900000000000000001")["platform"] == "x"
    authors = {r[0] for r in query(project_dir, "SELECT author_id FROM posts WHERE native_id = '1900000000000000001'"
                                   " UNION ALL SELECT author_id FROM post_versions WHERE native_id = '1900000000000000001'")}
    assert len(authors) == 1, "the same author must get the same pseudonym from both formats"


def test_big_ids_are_exact(cli, project_dir, tmp_path):
    status = json.loads((V1 / "status.json").read_text(encoding="utf-8"))
    status["id"] = float(status["id"])  # what a JavaScript tool writes: 2^53 precision lost
    status["id_str"] = "1900000000000000599"
    (tmp_path / "rounded.json").write_text(json.dumps(status), encoding="utf-8")
    cli.json("import", project_dir, V1 / "status.json", tmp_path / "rounded.json")
    assert post(project_dir, "x:1900000000000000501")["native_id"] == "1900000000000000501"
    assert post(project_dir, "x:1900000000000000599") is not None
    ids = {r[0] for r in query(project_dir, "SELECT native_id FROM posts")}
    assert ids == {"1900000000000000501", "1900000000000000599"}


# ---------------------------------------------------------------- broken and non-post files


def test_truncated_last_line_is_quarantined_with_its_line(cli, project_dir):
    result = cli.json("import", project_dir, V2 / "bad_truncated.jsonl")
    assert (result["read"], result["stored"], result["quarantined"]) == (3, 2, 1), result
    (file, line), = query(project_dir, "SELECT source_file, source_line FROM quarantine")
    assert file.endswith("bad_truncated.jsonl") and line == 3


def test_stream_error_line_and_counts_are_not_posts(cli, project_dir):
    stream = cli.json("import", project_dir, V2 / "stream.jsonl")
    assert stream["quarantined"] == 1 and stream["stored"] == 3
    assert list(stream["files"][0]["quarantine_reasons"]) == ["not a post: API error: operational-disconnect (in the stream)"]
    counts = cli.json("import", project_dir, V2 / "counts.jsonl", expect=None)
    assert (counts["read"], counts["quarantined"]) == (2, 2)
    assert counts["files"][0]["format"] == "twitter_v2"
    assert all(r.startswith("not a post:") for r in counts["files"][0]["quarantine_reasons"])


def test_synthetic_mark_is_carried(cli, project_dir, tmp_path):
    page = json.loads((V2 / "page.jsonl").read_text(encoding="utf-8").splitlines()[1])
    page["__antena_synthetic"] = True
    (tmp_path / "demo.jsonl").write_text(json.dumps(page) + "\n", encoding="utf-8")
    search = json.loads((V1 / "search.json").read_text(encoding="utf-8"))
    search["__antena_synthetic"] = True
    (tmp_path / "demo_v1.json").write_text(json.dumps(search), encoding="utf-8")
    cli.json("import", project_dir, tmp_path / "demo.jsonl", tmp_path / "demo_v1.json")
    assert query(project_dir, "SELECT bool_and(synthetic), count(*) FROM posts") == [(True, 4)]


# ---------------------------------------------------------------- detection


def test_key_scanner_reads_cut_json():
    paths = json_key_paths('{"data": [{"id": "1", "text": "a \\"}\\" b", "entities": {"x": 1}}, {"lang": "es"')
    assert paths[()] == {"data"} and paths[("data",)] == {"id", "text", "entities", "lang"}
    assert paths[("data", "entities")] == {"x"}


@pytest.mark.parametrize(("path", "expected"), [
    (V2 / "page.jsonl", "twitter_v2"), (V2 / "stream.jsonl", "twitter_v2"), (V2 / "counts.jsonl", "twitter_v2"),
    (V2 / "tweets_compliance.jsonl", "twitter_v2"), (FLAT / "flat.jsonl", "twitter_v2_flat"),
    (V1 / "status.json", "twitter_v1"), (V1 / "timeline.json", "twitter_v1"), (V1 / "search.json", "twitter_v1"),
    (V1 / "stream.jsonl", "twitter_v1"),
])
def test_formats_are_told_apart(path, expected):
    assert detect_format(InputFile(str(path), path)) == expected


def test_x_sniffers_ignore_other_platforms():
    from antena import registry

    formats = SHARED / "formats"
    if not formats.exists():
        pytest.skip("../shared/formats not available")
    sniffers = [registry.sources()[n]() for n in X_FOLDERS.values()]
    for path in sorted(formats.glob("*/*")):
        if path.parent.name in X_FOLDERS or not path.is_file():
            continue
        head = path.read_bytes()[:65536]
        assert all(s.sniff(head, path.name) == 0 for s in sniffers), path


# ---------------------------------------------------------------- every shared sample


def shared_x_files() -> list[Path]:
    return [p for folder in X_FOLDERS for p in sorted((SHARED / "formats" / folder).glob("*.json*"))]


@pytest.mark.skipif(not (SHARED / "formats").exists(), reason="../shared/formats not available")
def test_counts_reconcile_on_every_shared_sample(cli, project_dir):
    files = shared_x_files()
    assert files
    result = cli.json("import", project_dir, *files, expect=None)
    assert reconciles(result), result
    for report in result["files"]:
        folder = Path(report["file"]).parent.name
        assert report["format"] == X_FOLDERS[folder], report
        assert report["read"] > 0, report
        print(f"{Path(report['file']).name}: " + " ".join(f"{k}={report[k]}" for k in COUNTS))
    truncated = [f for f in result["files"] if f["file"].endswith("streaming_output_with_error.jsonl")][0]
    assert truncated["quarantined"] == 1
    assert query(project_dir, "SELECT source_line FROM quarantine WHERE source_file LIKE '%streaming_output_with_error%'"
                 )[0][0] == 8
    assert query(project_dir, "SELECT count(*) FROM posts WHERE platform <> 'x'")[0][0] == 0


def test_truncated_compat_text_never_replaces_the_full_text(cli, project_dir, tmp_path):
    status = json.loads((V1 / "status.json").read_text(encoding="utf-8"))
    del status["extended_tweet"]  # compatibility mode: truncated text only
    (tmp_path / "compat.json").write_text(json.dumps(status), encoding="utf-8")
    cli.json("import", project_dir, V1 / "status.json")
    result = cli.json("import", project_dir, tmp_path / "compat.json")
    assert result["updated"] == 1
    assert post(project_dir, "x:1900000000000000501")["text"].endswith("#Juárez https://t.co/s1")


def test_indented_documents_are_read_too(cli, project_dir, tmp_path):
    page = json.loads((V2 / "page.jsonl").read_text(encoding="utf-8").splitlines()[0])
    (tmp_path / "response.json").write_text(json.dumps(page, indent=2), encoding="utf-8")
    tweets = [json.loads(line) for line in (FLAT / "flat.jsonl").read_text(encoding="utf-8").splitlines()]
    (tmp_path / "tweets.json").write_text(json.dumps(tweets[:2], indent=2), encoding="utf-8")
    result = cli.json("import", project_dir, tmp_path / "response.json", tmp_path / "tweets.json")
    assert [(f["format"], f["stored"], f["quarantined"]) for f in result["files"]] == [
        ("twitter_v2", 3, 0), ("twitter_v2_flat", 2, 0)]


def test_other_twarc_objects_are_not_posts(cli, project_dir, tmp_path):
    lists = {"data": [{"id": "77", "name": "Alertas", "created_at": "2024-01-01T00:00:00.000Z", "follower_count": 3}],
             "meta": {"result_count": 1}, "__twarc": {"url": "https://api.twitter.com/2/users/1/owned_lists"}}
    (tmp_path / "lists.jsonl").write_text(json.dumps(lists) + "\n", encoding="utf-8")
    result = cli.json("import", project_dir, tmp_path / "lists.jsonl", expect=None)
    assert (result["files"][0]["format"], result["stored"], result["quarantined"]) == ("twitter_v2", 0, 1)
    assert list(result["files"][0]["quarantine_reasons"]) == ["not a post: an X object that is not a tweet"]
