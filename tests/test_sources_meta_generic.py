"""CrowdTangle (API, CSV), Meta Content Library and generic tabular imports, through the real CLI."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from antena.errors import FormatError, ProjectError
from antena.project import Project
from antena.sources.generic import read_parquet_rows, resolve_mapping
from antena.sources.zoned_time import TimeError, parse_zoned_time

from .conftest import FIXTURES

CT_API = FIXTURES / "sources" / "crowdtangle_api" / "posts_search.json"
CT_CSV = FIXTURES / "sources" / "crowdtangle_csv"
MCL = FIXTURES / "sources" / "meta_content_library"


def rows(folder: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Project(folder) as project:
        return project.con.execute(sql, params or []).fetchall()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def append_config(folder: Path, text: str) -> None:
    path = folder / "antena.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


# ---------------------------------------------------------------- CrowdTangle API


def test_crowdtangle_api_splits_facebook_and_instagram(cli, project_dir):
    result = cli.json("import", project_dir, CT_API)  # detected, no --format
    assert result["files"][0]["format"] == "crowdtangle_api"
    assert result["stored"] == 3
    got = dict(rows(project_dir, "SELECT platform, count(*) FROM posts GROUP BY platform"))
    assert got == {"facebook": 2, "instagram": 1}
    fb = rows(project_dir, "SELECT like_count, share_count, reply_count, urls, version_key, lang FROM posts"
                           " WHERE post_id = 'facebook:100000000000001_900000000000001'")[0]
    assert fb[0] == 40 + 2 + 1 + 0 + 7 + 3 + 1  # all reactions
    assert fb[1:3] == (12, 5)
    assert fb[3] == ["https://example.org/alerta"]
    assert fb[4] == "2017-03-02 09:15:00" and fb[5] == "es"
    ig = rows(project_dir, "SELECT text, like_count, url FROM posts WHERE post_id = 'instagram:BqExAmPlE01'")[0]
    assert ig[0].startswith("Missing child alert")  # Instagram captions come from `description`
    assert ig[1] == 230 and ig[2] == "https://www.instagram.com/p/BqExAmPlE01/"


def test_crowdtangle_api_synthetic_mark_and_error_response(cli, project_dir, tmp_path):
    doc = json.loads(CT_API.read_text(encoding="utf-8"))
    doc["__antena_synthetic"] = True
    demo = tmp_path / "demo.json"
    demo.write_text(json.dumps(doc), encoding="utf-8")
    error = tmp_path / "error.json"
    error.write_text(json.dumps({"status": 401, "message": "Unauthorized token", "result": {"posts": []}}))
    result = cli.json("import", project_dir, demo, error, "--format", "crowdtangle_api")
    assert result["stored"] == 3 and result["quarantined"] == 1
    assert rows(project_dir, "SELECT bool_and(synthetic) FROM posts")[0][0] is True
    reason, field = rows(project_dir, "SELECT reason, field FROM quarantine")[0]
    assert "401" in reason and "Unauthorized" in reason and field == "status"


# ---------------------------------------------------------------- CrowdTangle CSV

ZONES = [
    ("2017-03-01 12:00:00 CST", utc(2017, 3, 1, 18)),
    ("2017-07-01 12:00:00 CDT", utc(2017, 7, 1, 17)),
    ("2017-03-01 12:00:00 EST", utc(2017, 3, 1, 17)),
    ("2017-07-01 12:00:00 EDT", utc(2017, 7, 1, 16)),
    ("2017-03-01 12:00:00 MST", utc(2017, 3, 1, 19)),
    ("2017-07-01 12:00:00 MDT", utc(2017, 7, 1, 18)),
    ("2017-03-01 12:00:00 PST", utc(2017, 3, 1, 20)),
    ("2017-07-01 12:00:00 PDT", utc(2017, 7, 1, 19)),
    ("2017-03-01 12:00:00 UTC", utc(2017, 3, 1, 12)),
    ("2017-03-01 12:00:00 GMT", utc(2017, 3, 1, 12)),
    ("2017-03-01 12:00:00 +0530", utc(2017, 3, 1, 6, 30)),
    ("2017-03-01 12:00:00 UTC-06:00", utc(2017, 3, 1, 18)),
    ("2017-03-01 12:00", utc(2017, 3, 1, 12)),
]


@pytest.mark.parametrize(("text", "expected"), ZONES)
def test_post_created_time_zones(text, expected):
    assert parse_zoned_time(text) == expected


@pytest.mark.parametrize("text", ["2017-03-01 12:00:00 IST", "2017-03-01 12:00:00 XYZ", "01/03/2017 12:00", "+9999"])
def test_post_created_unknown_zones_are_errors(text):
    with pytest.raises(TimeError):
        parse_zoned_time(text)


def test_crowdtangle_csv_zones_and_bad_rows_name_file_line_field(cli, project_dir, tmp_path):
    header = "Page Name,User Name,Facebook Id,Post Created,Type,Likes,Love,Comments,Shares,URL,Message\n"
    body = (
        'P,p,300,2017-03-01 12:00:00 CST,Status,1,2,0,0,https://www.facebook.com/300/posts/1,"uno\ncon salto"\n'  # 2-3
        "P,p,300,2017-07-01 12:00:00 PDT,Photo,1,0,0,0,https://www.facebook.com/300/posts/2,dos\n"  # 4
        "P,p,300,2017-03-01 12:00:00 IST,Status,1,0,0,0,https://www.facebook.com/300/posts/3,tres\n"  # 5
        "P,p,300,2017-03-01 12:00:00 UTC,Status,1,0,0,0,,sin url\n"  # 6
        "P,p,300,2017-03-01 12:00:00 UTC,Status,1\n"  # 7
    )
    export = tmp_path / "ct_export.csv"
    export.write_text(header + body, encoding="utf-8")
    result = cli.json("import", project_dir, export)
    assert result["files"][0]["format"] == "crowdtangle_csv"
    assert (result["stored"], result["quarantined"]) == (2, 3)
    got = dict(rows(project_dir, "SELECT native_id, created_at FROM posts"))
    assert got == {"300_1": utc(2017, 3, 1, 18), "300_2": utc(2017, 7, 1, 19)}
    assert rows(project_dir, "SELECT like_count, source_line FROM posts WHERE native_id = '300_1'")[0] == (3, 2)
    bad = cli.json("quarantine", project_dir)
    where = {(Path(q["file"]).name, q["line"], q["field"]) for q in bad}
    assert where == {("ct_export.csv", 5, "Post Created"), ("ct_export.csv", 6, "URL"), ("ct_export.csv", 7, "(row)")}
    ist = next(q for q in bad if q["line"] == 5)
    assert "IST" in ist["reason"] and "time zone" in ist["reason"]


def test_crowdtangle_csv_instagram_and_facebook_match_api_posts(cli, project_dir):
    first = cli.json("import", project_dir, CT_CSV / "facebook_pages.csv", CT_CSV / "instagram.csv")
    assert first["stored"] == 4
    platforms = dict(rows(project_dir, "SELECT platform, count(*) FROM posts GROUP BY platform"))
    assert platforms == {"facebook": 2, "instagram": 2}
    ig = rows(project_dir, "SELECT native_id, created_at, view_count FROM posts WHERE platform = 'instagram'"
                           " ORDER BY created_at")
    assert ig == [("BqExAmPlE01", utc(2017, 3, 4, 15, 45, 10), 0), ("CxReEl0002", utc(2017, 3, 5, 9), 120)]
    again = cli.json("import", project_dir, CT_API)  # the same posts seen through the API: new versions
    assert again["updated"] == 2 and again["stored"] == 1
    assert rows(project_dir, "SELECT count(*) FROM post_versions")[0][0] == 2


# ---------------------------------------------------------------- Meta Content Library


def test_meta_content_library_csv_and_json(cli, project_dir, tmp_path):
    owners_unknown = tmp_path / "instagram_search_2024.json"  # platform only from the file name
    owners_unknown.write_text(json.dumps([{"id": "99", "creation_time": "2024-03-05T10:00:00+0000",
                                           "text": "aviso", "statistics": {"views": 7}}]))
    result = cli.json("import", project_dir, MCL / "facebook_posts.json", MCL / "instagram_posts.csv", owners_unknown)
    assert [f["format"] for f in result["files"]] == ["meta_content_library"] * 3
    got = dict(rows(project_dir, "SELECT post_id, platform FROM posts"))
    assert got == {"facebook:7310000000000001": "facebook", "facebook:7310000000000002": "facebook",
                   "instagram:7410000000000001": "instagram", "instagram:7410000000000002": "instagram",
                   "instagram:99": "instagram"}
    fb = rows(project_dir, "SELECT like_count, share_count, reply_count, view_count, urls, media_types"
                           " FROM posts WHERE post_id = 'facebook:7310000000000001'")[0]
    assert fb == (120, 60, 14, 5000, ["https://example.org/alerta-amber"], ["photo"])
    ig = rows(project_dir, "SELECT text, like_count, source_line FROM posts WHERE post_id = 'instagram:7410000000000001'")[0]
    assert ig[0].endswith("(second line of the caption)") and ig[1] == 340 and ig[2] == 2
    assert rows(project_dir, "SELECT source_line FROM posts WHERE post_id = 'instagram:7410000000000002'")[0][0] == 4


# ---------------------------------------------------------------- generic: mappings


SHEET = "ID;Mensaje;Fecha;Usuario;Otro\nA1;Roban a un niño en el mercado;2017-03-01 10:00:00 CST;u1;texto alterno 1\n" \
        "A2;\"La Fiscalía; sin respuesta\";2017-03-02T08:00:00Z;u2;texto alterno 2\n"


def test_generic_mapping_from_cli_with_constant(cli, project_dir, tmp_path):
    sheet = tmp_path / "hoja.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    spec = "native_id=ID,text=Mensaje,created_at=Fecha,author=Usuario,platform='facebook'"
    result = cli.json("import", project_dir, sheet, "--format", "generic", "--mapping", spec)
    assert result["stored"] == 2, result
    got = rows(project_dir, "SELECT post_id, text, created_at, source_line, author_id IS NOT NULL FROM posts ORDER BY 1")
    assert got == [("facebook:A1", "Roban a un niño en el mercado", utc(2017, 3, 1, 16), 2, True),
                   ("facebook:A2", "La Fiscalía; sin respuesta", utc(2017, 3, 2, 8), 3, True)]


def test_generic_mapping_from_antena_toml(cli, project_dir, tmp_path):
    append_config(project_dir, '[import.mappings.hoja]\nnative_id = "ID"\ntext = "Mensaje"\n'
                               'created_at = "Fecha"\nauthor = "Usuario"\nplatform = "tiktok"\n')
    sheet = tmp_path / "hoja.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = cli.json("import", project_dir, sheet, "--format", "generic", "--mapping", "hoja")
    assert result["stored"] == 2
    assert rows(project_dir, "SELECT DISTINCT platform FROM posts") == [("tiktok",)]


def test_generic_bad_mappings_are_refused(cli, project_dir, tmp_path):
    sheet = tmp_path / "hoja.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    unknown = cli("import", project_dir, sheet, "--format", "generic", "--mapping", "nope", expect=2)
    assert "no mapping named 'nope'" in unknown.output
    bad_field = cli("import", project_dir, sheet, "--format", "generic", "--mapping", "txt=Mensaje", expect=2)
    assert "unknown field" in bad_field.output and "'txt'" in bad_field.output
    with pytest.raises(FormatError):
        resolve_mapping("text=", {})
    with pytest.raises(FormatError):
        resolve_mapping("platform='facebook", {})
    with pytest.raises(ProjectError):
        resolve_mapping("hoja", {"import": {"mappings": {"hoja": "not a table"}}})


def test_generic_quarantines_missing_fields_naming_them(cli, project_dir, tmp_path):
    sheet = tmp_path / "hoja.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    no_platform = cli.json("import", project_dir, sheet, "--format", "generic", "--mapping",
                           "native_id=ID,text=Mensaje,created_at=Fecha", expect=1)
    assert no_platform["quarantined"] == 2
    typo = cli.json("import", project_dir, sheet, "--format", "generic", "--mapping",
                    "native_id=ID,text=Mensajes,created_at=Fecha,platform=facebook", expect=1)
    assert typo["quarantined"] == 2
    bad = cli.json("quarantine", project_dir)
    assert {(q["line"], q["field"]) for q in bad} == {(2, "platform"), (3, "platform"), (2, "text"), (3, "text")}
    assert any("--mapping" in q["reason"] for q in bad if q["field"] == "platform")
    assert any("'Mensajes'" in q["reason"] for q in bad if q["field"] == "text")


def test_generic_default_columns_and_dotted_json_paths(cli, project_dir, tmp_path):
    lines = [
        {"id": 1, "message": "sin mapeo", "timestamp": 1488362400, "username": "a", "platform": "Twitter"},
        {"id": 2, "content": {"body": "anidado #AlertaAmber"}, "meta": {"when": "2017-03-02T00:00:00Z"},
         "user": {"id": "u9"}, "platform": "telegram", "likes": "1,234"},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(x) for x in lines[:1]) + "\n", encoding="utf-8")
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps(lines[1:]), encoding="utf-8")
    cli.json("import", project_dir, feed, "--format", "generic")
    cli.json("import", project_dir, nested, "--format", "generic", "--mapping",
             "text=content.body,created_at=meta.when,author=user.id")
    got = rows(project_dir, "SELECT post_id, text, created_at, like_count, hashtags FROM posts ORDER BY 1")
    assert got == [("telegram:2", "anidado #AlertaAmber", utc(2017, 3, 2), 1234, ["alertaamber"]),
                   ("x:1", "sin mapeo", utc(2017, 3, 1, 10), None, [])]


# ---------------------------------------------------------------- generic: Parquet, gz, zip


def write_parquet(path: Path, n: int, row_group: int = 1000) -> None:
    table = pa.table({
        "id": [f"r{i}" for i in range(n)],
        "text": [f"mensaje {i} #trata" for i in range(n)],
        "created_at": pa.array([datetime(2017, 3, 1, 0, i % 60) for i in range(n)], pa.timestamp("us")),
        "author": [f"u{i % 7}" for i in range(n)],
        "platform": ["facebook"] * n,
        "views": [float(i) if i % 2 else float("nan") for i in range(n)],
    })
    pq.write_table(table, path, row_group_size=row_group)


def test_parquet_is_read_by_batches_with_row_numbers(cli, project_dir, tmp_path):
    data = tmp_path / "posts.parquet"
    write_parquet(data, 2500)
    with data.open("rb") as stream:
        reader = read_parquet_rows(stream, batch_size=100)
        assert next(reader) == (1, {"id": "r0", "text": "mensaje 0 #trata", "created_at": "2017-03-01T00:00:00",
                                    "author": "u0", "platform": "facebook", "views": None})
        reader.close()
    result = cli.json("import", project_dir, data)  # detected as generic
    assert result["files"][0]["format"] == "generic" and result["stored"] == 2500
    assert rows(project_dir, "SELECT source_line, view_count FROM posts WHERE native_id = 'r1233'") == [(1234, 1233)]


def test_gz_and_zip_inputs_end_to_end(cli, project_dir, tmp_path):
    sheet = SHEET.replace("Mensaje", "text").replace("Fecha", "date").replace("Usuario", "user")
    sheet = sheet.replace("ID;", "id;").replace(";Otro", ";platform").replace("texto alterno 1", "facebook")
    sheet = sheet.replace("texto alterno 2", "facebook")
    csv_gz = tmp_path / "hoja.csv.gz"
    csv_gz.write_bytes(gzip.compress(sheet.encode()))
    parquet = tmp_path / "inner.parquet"
    write_parquet(parquet, 30, row_group=7)
    parquet_gz = tmp_path / "more.parquet.gz"
    write_parquet(tmp_path / "more.parquet", 5)
    parquet_gz.write_bytes(gzip.compress((tmp_path / "more.parquet").read_bytes()))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(parquet, "dir/inner.parquet")
        zf.writestr("notes.jsonl", json.dumps({"id": "z1", "text": "desde zip", "date": "2017-03-03",
                                               "platform": "reddit"}) + "\n")
    result = cli.json("import", project_dir, csv_gz, parquet_gz, archive, "--format", "generic")
    by_file = {f["file"].removeprefix(f"{tmp_path}/"): f["stored"] for f in result["files"]}
    assert by_file == {"hoja.csv.gz": 2, "more.parquet.gz": 5, "export.zip!dir/inner.parquet": 25,
                       "export.zip!notes.jsonl": 1}, result
    # more.parquet.gz and inner.parquet share rows r0..r4: duplicates, not new posts
    assert rows(project_dir, "SELECT count(*) FROM posts")[0][0] == 2 + 30 + 1
    assert rows(project_dir, "SELECT source_file FROM posts WHERE native_id = 'z1'")[0][0].endswith("export.zip!notes.jsonl")
    assert rows(project_dir, "SELECT text FROM posts WHERE native_id = 'A2'")[0][0] == "La Fiscalía; sin respuesta"


# ---------------------------------------------------------------- remap


def test_remap_applies_a_changed_named_mapping_but_replays_inline_ones(cli, project_dir, tmp_path):
    append_config(project_dir, '[import.mappings.hoja]\nnative_id = "ID"\ntext = "Mensaje"\n'
                               'created_at = "Fecha"\nauthor = "Usuario"\nplatform = "facebook"\n')
    sheet = tmp_path / "hoja.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    inline = tmp_path / "inline.csv"
    inline.write_text(SHEET.replace("A1", "B1").replace("A2", "B2"), encoding="utf-8")
    cli.json("import", project_dir, sheet, "--format", "generic", "--mapping", "hoja")
    cli.json("import", project_dir, inline, "--format", "generic", "--mapping",
             "native_id=ID,text=Mensaje,created_at=Fecha,author=Usuario,platform='facebook'")
    # the analyst notices the wrong text column and fixes the named mapping in antena.toml
    path = project_dir / "antena.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('text = "Mensaje"', 'text = "Otro"'), encoding="utf-8")
    again = cli.json("import", project_dir, sheet, "--format", "generic", "--mapping", "hoja")
    assert again["duplicates"] == 2  # re-importing cannot fix it: the rows are the same
    result = cli.json("remap", project_dir)
    assert result["read"] == 4 and result["posts"] == 4 and result["quarantined"] == 0
    got = dict(rows(project_dir, "SELECT native_id, text FROM posts"))
    assert got == {"A1": "texto alterno 1", "A2": "texto alterno 2",
                   "B1": "Roban a un niño en el mercado", "B2": "La Fiscalía; sin respuesta"}
    # a mapping removed from antena.toml: remap falls back to the one the rows were imported with
    path.write_text(path.read_text(encoding="utf-8").replace("[import.mappings.hoja]", "[import.mappings.other]"),
                    encoding="utf-8")
    cli.json("remap", project_dir)
    assert dict(rows(project_dir, "SELECT native_id, text FROM posts"))["A1"] == "Roban a un niño en el mercado"
