"""Reference samples end to end: draw, label, import, and shares corrected in `antena stats`."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import duckdb
import pytest

from antena.store import reference
from tests.conftest import Cli

SENTIMENT_NAMES = {1: "positive", 0: "neutral", -1: "negative"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("refdemo") / "proj"
    Cli().json("demo", folder, "--scale", "0.01", "--seed", "11")
    return folder


def _truth(folder: Path) -> dict[str, dict]:
    with gzip.open(folder / "demo_labels.jsonl.gz") as handle:
        return {r["post_id"]: r for r in map(json.loads, handle)}


def _analyst(truth: dict[str, dict], post_id: str, target: str) -> str:
    """A careful analyst: the planted sentiment where the post was written about the target,
    neutral where the target is named in passing."""
    row = truth.get(post_id)
    if row and row["target"] == target and row["target_sentiment"] is not None:
        return SENTIMENT_NAMES[row["target_sentiment"]]
    return "neutral"


def test_labelled_sample_corrects_target_shares_on_the_demo(demo: Path, tmp_path: Path) -> None:
    """Issue 13 item 3: on the demo, every target's PPI shares (and net) hold the planted truth."""
    cli, truth = Cli(), _truth(demo)
    before = {t["target"]: t for t in cli.json("stats", demo, "--section", "targets")["targets"]}
    chosen = [t for t in before if before[t]["mentions"] >= 30]
    assert len(chosen) >= 3
    for target in chosen:
        assert before[target]["estimates"]["method"] == "model"
        n = min(100, before[target]["mentions"])
        out = tmp_path / f"{target}.csv"
        drawn = cli.json("sample", "draw", demo, "--task", "target", "--target", target, "--n", n, "--out", out)
        assert drawn["drawn"] == n
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert all(r["label"] == "" for r in rows)  # the model's guess is not shown to the analyst
        for r in rows:
            r["label"] = _analyst(truth, r["post_id"], target)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        assert cli.json("sample", "import", demo, out)["stored"] == n
    after = {t["target"]: t for t in cli.json("stats", demo, "--section", "targets")["targets"]}
    con = duckdb.connect(str(demo / "antena.duckdb"), read_only=True)
    covered = total = 0
    ppi_error, model_error = 0.0, 0.0
    for target in chosen:
        est = after[target]["estimates"]
        assert est["method"] == "ppi" and est["n_sample"] == min(100, before[target]["mentions"])
        assert "random sample" in est["note"]
        ids = [r[0] for r in con.execute(
            "SELECT s.post_id FROM analysis s, unnest(s.targets) AS u(t) WHERE s.relevant AND t.target = ?",
            [target]).fetchall()]
        truth_of = {label: sum(_analyst(truth, p, target) == label for p in ids) / len(ids) for label in est["shares"]}
        for label, e in est["shares"].items():
            covered += e["low"] <= truth_of[label] <= e["high"]
            total += 1
            ppi_error += abs(e["share"] - truth_of[label])
            model_error += abs(e["model_share"] - truth_of[label])
        true_net = truth_of["positive"] - truth_of["negative"]
        covered += est["net"]["low"] <= true_net <= est["net"]["high"]
        total += 1
    con.close()
    assert covered >= total - 2  # 95% intervals: 4 per target
    assert ppi_error < model_error / 2
    html = tmp_path / "report.html"
    cli("report", demo, "--lang", "en", "--out", html)
    page = html.read_text(encoding="utf-8")
    methods = page[page.index('id="estimate-methods"'):]
    methods = methods[:methods.index("</table>")]
    assert methods.count("corrected by a random labelled sample (PPI)") == len(chosen)
    overall = methods[methods.index("Sentiment of all posts"):].split("</tr>")[0]
    assert "no labelled sample yet" in overall


def test_only_the_unbroken_prefix_of_the_random_order_is_used(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT 'p' || i AS post_id, 'text' AS text,"
                " CASE WHEN i % 3 = 0 THEN 'negative' ELSE 'neutral' END AS fast FROM range(60) t(i)")
    units = "SELECT post_id, text, fast FROM p"
    first = reference.draw(con, units, [], "sentiment", 10)
    assert len(first) == 10 and first == reference.draw(con, units, [], "sentiment", 10)  # a fixed order
    labels = [{"post_id": r["post_id"], "task": "sentiment", "label": "Negative"} for r in first]
    labels.pop(4)  # the analyst skipped the fifth post
    reference.add(con, labels, "analyst")
    drawn = reference.sample(con, units, [], "sentiment")
    assert len(drawn.fast) == 60 and drawn.labelled == 9
    assert drawn.sample_idx == [0, 1, 2, 3] and drawn.reference == ["negative"] * 4
    nxt = reference.draw(con, units, [], "sentiment", 2)
    assert nxt[0]["post_id"] == first[4]["post_id"]  # the gap is offered first
    reference.add(con, [{"post_id": first[4]["post_id"], "task": "sentiment", "label": "neutral"}], "analyst")
    assert len(reference.sample(con, units, [], "sentiment").sample_idx) == 10


def test_import_refuses_bad_rows_and_stores_nothing(project_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("post_id,task,target,text,label\np1,sentiment,,hi,positive\np2,mood,,hi,positive\n",
                   encoding="utf-8")
    result = Cli()("sample", "import", project_dir, bad, expect=2)
    assert "row 2" in result.output and "mood" in result.output
    con = duckdb.connect(str(project_dir / "antena.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM reference_labels").fetchone()[0] == 0
    con.close()
    missing = tmp_path / "missing.csv"
    missing.write_text("post_id,text\np1,hi\n", encoding="utf-8")
    assert "label" in Cli()("sample", "import", project_dir, missing, expect=2).output


def test_prefix_sample_is_the_sample_prefix() -> None:
    """``prefix_sample`` (the database finds the gap) returns the same labels as ``sample``."""
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT 'p' || i AS post_id, 'text' AS text,"
                " CASE WHEN i % 3 = 0 THEN 'negative' ELSE 'neutral' END AS fast FROM range(200) t(i)")
    units = "SELECT post_id, text, fast FROM p"
    assert reference.prefix_sample(con, units, [], "sentiment") == ([], [])  # no labels table yet
    first = reference.draw(con, units, [], "sentiment", 30)
    labels = [{"post_id": r["post_id"], "task": "sentiment", "label": "positive" if i % 2 else "neutral"}
              for i, r in enumerate(first)]
    labels.pop(17)  # a gap: labels after it are not used
    reference.add(con, labels, "analyst")
    drawn = reference.sample(con, units, [], "sentiment")
    fast, ref = reference.prefix_sample(con, units, [], "sentiment")
    assert len(ref) == 17 and ref == drawn.reference and fast == [drawn.fast[i] for i in drawn.sample_idx]
