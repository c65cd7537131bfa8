"""`antena search` and `antena export` through the real CLI on a project built from an X v2 fixture."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import antena
from antena.store.database import SECRET_DIR, SECRET_NAME
from tests.conftest import FIXTURES, Cli

FIXTURE = FIXTURES / "query" / "x_v2_es.jsonl"
VISIBLE = 11  # 11 tweets in the fixture, plus one deleted tweet that searches and exports skip


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search") / "proj"
    cli = Cli()
    cli("init", folder)
    cli("import", folder, FIXTURE, "--json")
    return folder


def test_search_prints_id_time_platform_text(cli: Cli, imported: Path) -> None:
    result = cli("search", imported, "niño OR niña*")
    lines = result.stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "x:1910000000000000001", "x:1910000000000000010", "x:1910000000000000002", "x:1910000000000000008"]
    post_id, when, platform, text = lines[0].split("\t")
    assert (when, platform) == ("2017-03-02 18:00", "x")
    assert text.startswith("Roban a un NIÑO en Tijuana")
    assert "4 of 4 matching posts" in result.stderr


def test_search_count_and_limit(cli: Cli, imported: Path) -> None:
    assert cli("search", imported, "lang:es", "--count").stdout.strip() == "9"
    assert cli.json("search", imported, "lang:es", "--count") == {"query": "lang:es", "relevant": False, "in_scope": False,
                                                                   "count": 9}
    result = cli("search", imported, "lang:es", "--limit", "2")
    assert len(result.stdout.strip().splitlines()) == 2
    assert "2 of 9" in result.stderr
    assert cli.json("search", imported, "lang:es", "--limit", "0")["shown"] == 9


def test_search_json_has_full_records_with_iso_times(cli: Cli, imported: Path) -> None:
    data = cli.json("search", imported, "#NinosRobados")
    assert data["count"] == 1
    post = data["posts"][0]
    assert post["text"] == "Hay muchos #NiñosRobados en México #YoDoyEsperanza"
    assert post["created_at"] == "2018-01-01T03:00:00+00:00"
    assert post["hashtags"] == ["niñosrobados", "yodoyesperanza"]
    assert post["author_id"].startswith("a_")
    assert "author_handle" not in post  # the project does not keep handles


def test_search_accents_words_near_and_fields(cli: Cli, imported: Path) -> None:
    def found(query: str) -> set[str]:
        return {p["native_id"][-2:] for p in cli.json("search", imported, query, "--limit", "0")["posts"]}

    assert found("ninos") == {"06"}
    assert found("robo") == {"06", "08"}  # not "robot"
    assert found("robot") == {"03"}
    assert found("robo NEAR/3 niño") == {"08"}
    assert found("robo NEAR/2 niño") == set()
    assert found('"alerta amber" OR "amber alert"') == {"04", "05"}
    assert found("@fgrmexico kind:repost") == {"10"}
    assert found("kind:reply") == {"02"}
    assert found("lang:en kidnap*") == {"09"}
    assert found("secuestr* -puebla") == {"11"}


def test_until_uses_the_project_timezone(cli: Cli, imported: Path) -> None:
    # tweet 07 is 2018-01-01 03:00 UTC, still 31 December in America/Mexico_City (antena.toml)
    found = {p["native_id"][-2:] for p in cli.json("search", imported, "since:2017-12-31 until:2017-12-31")["posts"]}
    assert found == {"06", "07"}


def test_search_in_scope_ands_the_scope_query(cli: Cli, imported: Path) -> None:
    everything = cli.json("search", imported, "lang:es OR lang:en", "--count")["count"]
    scoped = cli.json("search", imported, "lang:es OR lang:en", "--in-scope", "--limit", "0")
    assert everything == VISIBLE
    assert {p["native_id"][-2:] for p in scoped["posts"]} == {"01", "02", "04", "05", "06", "07", "08", "09", "10"}
    assert scoped["in_scope"] is True and scoped["relevant"] is False


def test_search_relevant_is_the_analysers_decision(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    cli("init", folder)
    cli("import", folder, FIXTURE, "--json")
    before = cli("search", folder, "lang:es", "--relevant", expect=2)
    assert "antena analyze" in before.stderr
    cli("analyze", folder, "--json")
    relevant = cli.json("search", folder, "", "--relevant", "--limit", "0")
    with antena.open(folder, read_only=True) as project:
        decided = project.con.execute("SELECT post_id FROM analysis WHERE relevant ORDER BY post_id").fetchall()
        withheld = project.con.execute("SELECT count(*) FROM posts WHERE deleted OR withheld").fetchone()[0]
    assert sorted(p["post_id"] for p in relevant["posts"]) == [r[0] for r in decided]
    assert relevant["count"] == len(decided) > 0 and withheld == 1


def test_search_syntax_error_prints_caret_and_exits_2(cli: Cli, imported: Path) -> None:
    query = "(secuestr* OR robo OR roban OR robaron OR desaparec*) AND (niño OR niña OR menor OR bebé OR hijo OR"
    result = cli("search", imported, query, expect=2)
    assert "missing ')'" in result.stderr
    lines = result.stderr.splitlines()  # long queries are not wrapped: the caret stays under the problem
    assert lines[-2].strip() == query
    assert lines[-1].index("^") == lines[-2].index("(secuestr*") + len(query)


def test_search_broken_relevance_query_names_the_config(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    cli("init", folder)
    config = folder / "antena.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("query = '''")
    end = text.index("'''", start + 12) + 3
    config.write_text(text[:start] + "query = '(robo OR'" + text[end:], encoding="utf-8")
    result = cli("search", folder, "niño", "--in-scope", expect=2)
    assert "[scope] query in antena.toml" in result.stderr and "^" in result.stderr


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_jsonl_parquet_csv_agree(cli: Cli, imported: Path, tmp_path: Path) -> None:
    outputs = {}
    for fmt in ("jsonl", "parquet", "csv"):
        out = tmp_path / f"posts.{fmt}"
        report = cli.json("export", imported, "--format", fmt, "--out", out, "--query", "lang:es")
        assert report == {"rows": 9, "path": str(out), "format": fmt}
        assert not out.with_name(out.name + ".partial").exists()
        outputs[fmt] = out
    rows = _read_jsonl(outputs["jsonl"])
    table = pq.read_table(outputs["parquet"])
    with outputs["csv"].open(encoding="utf-8", newline="") as f:
        csv_rows = list(csv.DictReader(f))
    assert [r["post_id"] for r in rows] == table.column("post_id").to_pylist() == [r["post_id"] for r in csv_rows]
    assert "author_handle" not in rows[0] and "author_handle" not in table.schema.names and "author_handle" not in csv_rows[0]
    first = rows[0]
    assert first["created_at"] == "2017-03-02T18:00:00Z"
    assert first["hashtags"] == ["alertaamber"]
    assert csv_rows[0]["created_at"] == "2017-03-02T18:00:00.000000Z"
    assert json.loads(csv_rows[0]["hashtags"]) == ["alertaamber"]  # list columns as JSON arrays
    assert json.loads(csv_rows[0]["mentions"]) == ["fgrmexico"]
    assert table.column("hashtags").to_pylist()[0] == ["alertaamber"]


def test_export_all_relevant_and_format_from_suffix(cli: Cli, imported: Path, tmp_path: Path) -> None:
    everything = cli.json("export", imported, "--out", tmp_path / "all.parquet")
    assert everything["rows"] == VISIBLE and everything["format"] == "parquet"
    scoped = cli.json("export", imported, "--out", tmp_path / "rel.jsonl", "--in-scope")
    assert scoped["rows"] == 9
    human = cli("export", imported, "--out", tmp_path / "x.csv", "--query", "robot")
    assert "wrote 1 posts to" in human.stderr


def test_export_csv_defuses_formulas(cli: Cli, imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    cli("export", imported, "--out", out, "--query", "secuestro")
    with out.open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["text"].startswith("'=HYPERLINK(")
    jsonl = tmp_path / "f.jsonl"
    cli("export", imported, "--out", jsonl, "--query", "secuestro")
    assert _read_jsonl(jsonl)[0]["text"].startswith("=HYPERLINK(")  # only CSV is altered


def test_export_empty_result_and_errors(cli: Cli, imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "none.csv"
    assert cli.json("export", imported, "--out", out, "--query", "zzzz")["rows"] == 0
    assert out.read_text(encoding="utf-8").startswith('"post_id"')
    bad = cli("export", imported, "--out", tmp_path / "x.txt", expect=2)
    assert "--format" in bad.stderr
    syntax = cli("export", imported, "--out", tmp_path / "y.csv", "--query", "(robo", expect=2)
    assert "missing ')'" in syntax.stderr
    assert not (tmp_path / "y.csv").exists()


def test_exports_never_hold_the_secret_and_handles_only_when_kept(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "keep"
    cli("init", folder)
    config = folder / "antena.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("keep_handles = false", "keep_handles = true"),
                      encoding="utf-8")
    cli("import", folder, FIXTURE, "--json")
    secret = (folder / SECRET_DIR / SECRET_NAME).read_bytes()
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"keep.{fmt}"
        cli.json("export", folder, "--out", out)
        data = out.read_bytes()
        assert secret not in data and secret.hex().encode() not in data
    rows = _read_jsonl(tmp_path / "keep.jsonl")
    assert {r["author_handle"] for r in rows} == {"maria_mx", "juan_tj", "sd_news", "ana_pue"}
    found = cli.json("search", folder, "author:@Maria_MX")["posts"]
    assert {p["native_id"][-2:] for p in found} == {"01", "07"}
    assert found[0]["author_handle"] == "maria_mx"
