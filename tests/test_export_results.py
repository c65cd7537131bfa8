"""`antena export` with analysis results, chosen columns, typed Parquet, safe CSV and redaction."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import antena
from antena.config import update_config
from antena.query.export import RESULT_COLUMNS, csv_batch
from tests.conftest import FIXTURES, Cli

FIXTURE = FIXTURES / "query" / "x_v2_es.jsonl"
PLANTED = {  # personal data a post may carry; none of it may leave in an export when redact = true
    "email": "ana.perez.madre@example.org",
    "phone": "+52 55 1234 5678",
    "address": "Calle Reforma 123",
}
FORMULAS = ["=1+1", "+52 cmd", "-2+3", "@SUM(A1:A9)"]  # importers strip leading tabs and CRs (see below)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "proj"
    cli = Cli()
    cli("init", folder)
    cli("import", folder, FIXTURE, "--json")
    cli("analyze", folder, "--json")
    return folder


def write_generic(path: Path, texts: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "author", "created_at", "platform"])
        writer.writeheader()
        for i, text in enumerate(texts):
            writer.writerow({"id": str(100 + i), "text": text, "author": f"user{i}",
                             "created_at": f"2017-03-0{1 + i % 9}T12:00:00Z", "platform": "facebook"})


def test_default_export_carries_the_analysis_results(cli: Cli, analysed: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    report = cli.json("export", analysed, "--out", out)
    table = pq.read_table(out)
    assert report["rows"] == table.num_rows == 11
    assert set(RESULT_COLUMNS) <= set(table.schema.names)
    assert "text_norm" not in table.schema.names and "author_handle" not in table.schema.names
    schema = table.schema
    assert pa.types.is_boolean(schema.field("relevant").type)
    assert pa.types.is_floating(schema.field("relevance_score").type)
    assert schema.field("topics").type == pa.list_(pa.string())  # lists stay lists
    assert pa.types.is_struct(schema.field("targets").type.value_type)
    with antena.open(analysed, read_only=True) as project:
        expected = {r[0]: r[1:] for r in project.con.execute(
            "SELECT post_id, relevant, topics, sentiment FROM analysis").fetchall()}
    for row in table.select(["post_id", "relevant", "topics", "sentiment"]).to_pylist():
        assert (row["relevant"], row["topics"], row["sentiment"]) == expected[row["post_id"]]


def test_jsonl_and_csv_hold_the_same_results(cli: Cli, analysed: Path, tmp_path: Path) -> None:
    cli.json("export", analysed, "--out", tmp_path / "a.jsonl")
    cli.json("export", analysed, "--out", tmp_path / "a.csv")
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert [r["post_id"] for r in rows] == [c["post_id"] for c in cells]
    with_target = [r for r in rows if r["targets"]]
    assert with_target and isinstance(with_target[0]["targets"][0], dict)  # records stay records
    for row, cell in zip(rows, cells, strict=True):
        assert json.loads(cell["topics"]) == row["topics"]
        assert json.loads(cell["targets"]) == row["targets"]
        assert cell["relevant"] == str(row["relevant"]).lower()


def test_columns_choose_what_is_written(cli: Cli, analysed: Path, tmp_path: Path) -> None:
    out = tmp_path / "few.parquet"
    cli.json("export", analysed, "--out", out, "--columns", "post_id, relevant,topics,text_norm")
    assert pq.read_table(out).schema.names == ["post_id", "relevant", "topics", "text_norm"]
    bad = cli("export", analysed, "--out", tmp_path / "bad.csv", "--columns", "post_id,secret", expect=2)
    assert "unknown columns secret" in bad.stderr and "relevance_score" in bad.stderr
    handle = cli("export", analysed, "--out", tmp_path / "h.csv", "--columns", "author_handle", expect=2)
    assert "does not keep handles" in handle.stderr


def test_relevant_export_before_analysis_says_what_to_run(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    cli("init", folder)
    cli("import", folder, FIXTURE, "--json")
    result = cli("export", folder, "--out", tmp_path / "r.csv", "--relevant", expect=2)
    assert "antena analyze" in result.stderr
    plain = cli.json("export", folder, "--out", tmp_path / "p.parquet")
    assert plain["rows"] == 11 and "relevant" not in pq.read_table(tmp_path / "p.parquet").schema.names


def test_csv_neutralises_every_formula_start(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    cli("init", folder)
    write_generic(tmp_path / "f.csv", FORMULAS)
    cli.json("import", folder, tmp_path / "f.csv", "--format", "generic")
    out = tmp_path / "out.csv"
    cli.json("export", folder, "--out", out, "--columns", "native_id,text")
    with out.open(encoding="utf-8", newline="") as handle:
        cells = {r["native_id"]: r["text"] for r in csv.DictReader(handle)}
    assert len(cells) == len(FORMULAS)
    for i, formula in enumerate(FORMULAS):
        cell = cells[str(100 + i)]
        assert cell.startswith("'") and cell[1] == formula[0], (formula, cell)


def test_csv_cells_starting_with_tab_or_cr_are_neutralised_too() -> None:
    batch = pa.RecordBatch.from_pydict({"text": ["\tTAB", "\rCR", "fine", None, "a=b"],
                                        "mentions": [["=x"], None, [], ["a"], ["b"]]})
    cells = csv_batch(batch).to_pydict()
    assert cells["text"] == ["'\tTAB", "'\rCR", "fine", None, "a=b"]
    assert cells["mentions"] == ['["=x"]', None, "[]", '["a"]', '["b"]']  # JSON cells start with [


@pytest.mark.parametrize("redact", [True, False])
def test_redaction_follows_antena_toml_in_every_format(cli: Cli, tmp_path: Path, redact: bool) -> None:
    folder = tmp_path / "p"
    cli("init", folder)
    if not redact:
        update_config(folder, lambda doc: doc["privacy"].__setitem__("redact", False))
    texts = [f"Mi hija desaparecio, escribanme a {PLANTED['email']} o al {PLANTED['phone']}",
             f"La vieron en {PLANTED['address']} con @vecina_privada",
             "Sin datos personales, solo #AlertaAmber y @FGRMexico"]
    write_generic(tmp_path / "posts.csv", texts)
    cli.json("import", folder, tmp_path / "posts.csv", "--format", "generic")
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"out.{fmt}"
        report = cli.json("export", folder, "--out", out, "--columns", "post_id,text,mentions")
        assert report["rows"] == 3
        raw = out.read_bytes()
        if fmt == "parquet":
            raw = json.dumps(pq.read_table(out).to_pylist(), ensure_ascii=False).encode()
        for value in [*PLANTED.values(), "vecina_privada"]:
            assert (value.encode() in raw) is not redact, (fmt, value)
        assert b"FGRMexico" in raw  # a target's public handle stays
