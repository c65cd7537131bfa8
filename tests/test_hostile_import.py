"""Hostile input never stops an import: each bad record or file becomes a quarantine entry
with file, line and reason, and the files after it are still imported (issue 10, finding 4)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import orjson
import pytest

from antena import registry
from antena.project import Project
from antena.store.files import InputFile, detect_format

from .conftest import FIXTURES

SOURCES = FIXTURES / "sources"


def tweet(n: int, **extra: object) -> dict:
    return {"data": [{"id": str(1000 + n), "text": f"post {n}", "author_id": "7",
                      "created_at": "2024-03-01T10:00:00Z", **extra}]}


def jsonl(*docs: dict) -> bytes:
    return b"".join(orjson.dumps(d) + b"\n" for d in docs)


def quarantine(project: Project, file: Path) -> list[tuple]:
    return project.con.execute(
        "SELECT source_line, field, reason FROM quarantine WHERE source_file = ? ORDER BY source_line",
        [str(file)]).fetchall()


def stored(project: Project) -> set[str]:
    return {r[0] for r in project.con.execute("SELECT native_id FROM posts").fetchall()}


def test_deep_nesting_quarantines_the_record_and_the_next_file_is_imported(project, tmp_path, cli):
    deep = tmp_path / "a_deep.jsonl"
    text = jsonl(tweet(1)).decode() + '{"data": [{"id": "1002", "text": "x", "author_id": "7", ' \
        '"created_at": "2024-03-01T10:00:00Z", "nest": ' + "[" * 300 + "]" * 300 + "}]}\n" + jsonl(tweet(3)).decode()
    deep.write_text(text)
    after = tmp_path / "b_after.jsonl"
    after.write_bytes(jsonl(tweet(4)))
    result = cli.json("import", project.folder, deep, after)
    assert result["stored"] == 3 and result["quarantined"] == 1
    project.close()
    with Project(project.folder) as reopened:
        assert stored(reopened) == {"1001", "1003", "1004"}
        [(line, _, reason)] = quarantine(reopened, deep)
        assert line == 2 and "Recursion limit" in reason


def test_integers_above_2_63_quarantine_one_record_naming_the_column(project, tmp_path):
    path = tmp_path / "big.jsonl"
    big = {"retweet_count": 2**63 + 7, "reply_count": 1, "like_count": 1, "quote_count": 1}
    path.write_bytes(jsonl(tweet(1), tweet(2, public_metrics=big), tweet(3)))
    total, _ = project.import_files([path])
    assert (total.stored, total.quarantined) == (2, 1) and total.reconciles
    [(line, field, reason)] = quarantine(project, path)
    assert line == 2 and "value cannot be stored" in reason and field in reason


def test_a_dict_where_text_belongs_is_quarantined_not_the_batch(project, tmp_path):
    """The CrowdTangle ArrowTypeError: one post's message is an object."""
    doc = json.loads((SOURCES / "crowdtangle_api" / "posts_search.json").read_text())
    posts = doc["result"]["posts"]
    posts[0]["message"] = {"text": "hostile"}
    path = tmp_path / "ct.json"
    path.write_text(json.dumps(doc, indent=4))
    total, _ = project.import_files([path], "crowdtangle_api")
    assert total.reconciles and total.quarantined >= 1
    assert total.stored == len(posts) - 1


def test_youtube_comment_with_a_non_object_snippet_quarantines_only_that_comment(project, tmp_path):
    doc = json.loads((SOURCES / "youtube_comments" / "comment_threads_page.json").read_text())
    items = doc["items"]
    assert len(items) >= 2
    items[0]["snippet"] = "hostile"
    path = tmp_path / "yt.json"
    path.write_text(json.dumps(doc))
    total, _ = project.import_files([path], "youtube_comments")
    assert total.reconciles and total.stored >= 1
    reasons = [r[2] for r in quarantine(project, path)]
    assert any("AttributeError" in r for r in reasons)


def test_corrupt_gzip_keeps_the_records_before_the_damage_and_goes_on(project, tmp_path, cli):
    lines = jsonl(*(tweet(n, note=str(n * 7919 % 104729) * 20) for n in range(2000)))
    packed = bytearray(gzip.compress(lines))
    middle = len(packed) // 2
    packed[middle: middle + 8] = b"\x00" * 8
    bad = tmp_path / "a_bad.jsonl.gz"
    bad.write_bytes(bytes(packed))
    good = tmp_path / "b_good.jsonl"
    good.write_bytes(jsonl(tweet(5000)))
    result = cli.json("import", project.folder, bad, good)
    assert result["stored"] > 1
    project.close()
    with Project(project.folder) as reopened:
        assert "6000" in stored(reopened)
        reasons = quarantine(reopened, bad)
        assert any("damaged or truncated" in reason for _, _, reason in reasons)


def test_truncated_gzip_of_one_document_keeps_the_complete_elements(project, tmp_path):
    doc = json.loads((SOURCES / "crowdtangle_api" / "posts_search.json").read_text())
    text = json.dumps(doc, indent=4).encode()
    path = tmp_path / "ct.json.gz"
    path.write_bytes(gzip.compress(text)[:-40])  # the last bytes (and the gzip trailer) are cut
    total, reports = project.import_files([path], "crowdtangle_api")
    assert total.reconciles and total.stored >= len(doc["result"]["posts"]) - 1
    assert any("damaged or truncated" in r[2] for r in quarantine(project, path))


def test_damaged_zip_is_reported_and_the_next_file_is_imported(project, tmp_path, cli):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("t.jsonl", jsonl(*(tweet(n) for n in range(50))))
    data = bytearray(archive.read_bytes())
    data[60:80] = b"\xff" * 20  # inside the compressed member: CRC fails
    archive.write_bytes(bytes(data))
    good = tmp_path / "b.jsonl"
    good.write_bytes(jsonl(tweet(999)))
    result = cli.json("import", project.folder, archive, good)
    assert result["stored"] >= 1 and result["quarantined"] >= 1
    project.close()
    with Project(project.folder) as reopened:
        assert "1999" in stored(reopened)


def test_flipped_byte_in_an_indented_document_loses_one_record(project, tmp_path):
    doc = json.loads((SOURCES / "crowdtangle_api" / "posts_search.json").read_text())
    posts = doc["result"]["posts"]
    posts.extend(dict(p, platformId=f"{p['platformId']}_{k}", id=f"{p.get('id', '')}_{k}") for k in range(5) for p in list(posts))
    text = json.dumps(doc, indent=4)
    position = text.index('"message"', len(text) // 2)
    damaged = text[:position] + "#" + text[position + 1:]  # the key's opening quote is gone
    path = tmp_path / "ct.json"
    path.write_text(damaged)
    total, _ = project.import_files([path], "crowdtangle_api")
    assert total.reconciles
    assert total.quarantined == 1 and total.stored + total.updated == len(posts) - 1
    [(line, field, reason)] = quarantine(project, path)
    assert field == "(element)" and line > 1 and "neighbours were kept" in reason


def formats_with_fixtures() -> list[Path]:
    return sorted(p for p in SOURCES.glob("*/*") if p.suffix in (".json", ".jsonl", ".csv") and not p.name.startswith("bad_"))


@pytest.mark.parametrize("path", formats_with_fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_utf8_bom_changes_nothing(path, tmp_path):
    plain, bom = tmp_path / "plain", tmp_path / "bom"
    counts = []
    for folder, prefix in ((plain, b""), (bom, b"\xef\xbb\xbf")):
        folder.mkdir()
        copy = folder / path.name
        copy.write_bytes(prefix + path.read_bytes())
        assert detect_format(InputFile(str(copy), copy)) == path.parent.name or path.parent.name == "generic"
        with Project.init(folder / "p") as proj:
            fmt = path.parent.name if path.parent.name in registry.sources() else None
            total, _ = proj.import_files([copy], fmt)
            counts.append((total.read, total.stored, total.quarantined))
    assert counts[0] == counts[1]


def test_the_command_fails_only_when_nothing_could_be_read(project, tmp_path, cli):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 40)  # a gzip header and nothing usable
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"{" * 10 + b"\xff\xfe not json")
    failed = cli("import", project.folder, broken, garbage, expect=1)
    assert "Traceback" not in failed.output
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(tweet(77)))
    assert cli.json("import", project.folder, broken, garbage, good)["stored"] == 1
