"""`antena plan` and `antena outreach` through the real CLI, on real projects."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from antena.config import load_config
from antena.project import Project
from antena.store.database import ANALYSIS_VIEW
from tests.conftest import FIXTURES

GROUPS = ["children", "parents", "educators", "ngos", "public", "media", "decision-makers"]
OBJECTIVES = ["inform", "educate", "change-behaviour", "discussion", "policy"]
ORG = FIXTURES / "plan" / "org_toolbox.yaml"


def write_posts(path: Path) -> int:
    """A hand-made export: 2017-03-01..2017-04-29, more posts after 5 April, 3 of 4 on X."""
    rows = []
    start = datetime(2017, 3, 1, 12)
    for day in range(60):
        per_day = 2 if day < 35 else 5
        for i in range(per_day):
            n = len(rows)
            text = "Robo de niños en la colonia, #AlertaAmber activada" if n % 4 == 0 else \
                "Otro robo de niños y nadie hace nada #YoDoyEsperanza"
            rows.append({"id": str(1000 + n), "text": text, "author": f"user{n % 7}",
                         "created_at": (start + timedelta(days=day, minutes=i)).isoformat() + "Z",
                         "platform": "facebook" if n % 4 == 3 else "x"})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


@pytest.fixture
def data_dir(tmp_path, project_dir, cli):
    total = write_posts(tmp_path / "posts.csv")
    result = cli.json("import", project_dir, tmp_path / "posts.csv", "--format", "generic")
    assert result["stored"] == total
    return project_dir


def add_analysis(folder: Path) -> None:
    """Analysis tables as the analysers write them: every post relevant, 1 in 4 aware, PGR disliked."""
    with Project(folder) as project:
        con = project.con
        con.execute("CREATE TABLE ann_relevance (post_id VARCHAR, version VARCHAR, relevant BOOLEAN, relevance_score DOUBLE)")
        con.execute("INSERT INTO ann_relevance SELECT post_id, '1', true, 0.9 FROM posts")
        con.execute("CREATE TABLE ann_awareness (post_id VARCHAR, version VARCHAR, awareness_programmes VARCHAR[], awareness_unaware BOOLEAN)")
        con.execute("INSERT INTO ann_awareness SELECT post_id, '1', CASE WHEN text LIKE '%AlertaAmber%' THEN ['amber_alert'] ELSE [] END, false FROM posts")
        con.execute("CREATE TABLE ann_target_sentiment (post_id VARCHAR, version VARCHAR, "
                    "targets STRUCT(target VARCHAR, alias VARCHAR, sentiment VARCHAR, score DOUBLE)[])")
        con.execute("INSERT INTO ann_target_sentiment SELECT post_id, '1', "
                    "[{'target': 'pgr', 'alias': 'PGR', 'sentiment': 'negative', 'score': -0.6}] FROM posts "
                    "WHERE text LIKE '%nadie%'")
        # what `antena analyze` materialises: every analyser's current results side by side
        con.execute("""CREATE TABLE analysis_results AS SELECT p.post_id, r.relevant, r.relevance_score,
                       a.awareness_programmes, a.awareness_unaware, coalesce(t.targets, []) AS targets
                       FROM posts p JOIN ann_relevance r USING (post_id) JOIN ann_awareness a USING (post_id)
                       LEFT JOIN ann_target_sentiment t USING (post_id)""")
        con.execute(ANALYSIS_VIEW.format(temp=""))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_pair_gives_an_explained_recommendation(cli, lang):
    for group in GROUPS:
        for objective in OBJECTIVES:
            result = cli.json("plan", "--group", group, "--objective", objective, "--lang", lang)
            assert result["tools"], (group, objective)
            for tool in result["tools"]:
                assert tool["id"] and tool["name"] and tool["why"]
                assert tool["reasons"] and all(r["text"] and r["source"] for r in tool["reasons"])
            assert any(r["match"] == "exact" for t in result["tools"] for r in t["reasons"]), (group, objective)
            assert result["tips"] and all(t["text"] and t["source"] for t in result["tips"])
            assert result["plan"]["kpis"] and result["plan"]["messages"]


def test_json_structure_and_languages(cli):
    en = cli.json("plan", "-g", "parents,educators", "-o", "educate", "--weeks", "6", "--start", "2017-04-03")
    es = cli.json("plan", "-g", "parents,educators", "-o", "educate", "--weeks", "6", "--lang", "es")
    assert [t["id"] for t in en["tools"]] == [t["id"] for t in es["tools"]]
    assert en["tools"][0]["name"] != es["tools"][0]["name"]
    assert "Tips, item" in en["tips"][0]["source"] and "punto" in es["tips"][0]["source"]
    reason = en["tools"][0]["reasons"][0]
    assert reason["match"] == "exact" and set(reason["groups"]) <= {"parents", "educators"}
    assert reason["objectives"] == ["educate"]
    plan = en["plan"]
    assert [p["id"] for p in plan["phases"]] == ["preparation", "before", "during", "after"]
    during = next(p for p in plan["phases"] if p["id"] == "during")
    assert during["start"] == "2017-04-03" and during["end"] == "2017-05-14"
    assert plan["window"] == {"start": "2017-04-03", "end": "2017-05-14"}
    assert all(a["owner"] and len(a["weeks"]) == 2 for a in plan["activities"])
    assert {m["group"] for m in plan["messages"]} == {"parents", "educators"}
    assert plan["channels"] and plan["partners"]
    assert {k["metric"] for k in plan["kpis"]} == {"awareness_rate", "help_seeking_volume"}
    assert all(k["baseline"] is None and k["goal"] is None for k in plan["kpis"])


def test_budget_ranks_expensive_tools_lower(cli):
    high = cli.json("plan", "-g", "public", "-o", "change-behaviour", "--budget", "high")
    low = cli.json("plan", "-g", "public", "-o", "change-behaviour", "--budget", "low")
    rank = lambda r, i: [t["id"] for t in r["tools"] + r["more_tools"]].index(i)  # noqa: E731
    assert rank(low, "out-of-home") > rank(high, "out-of-home")
    assert next(t for t in low["tools"] + low["more_tools"] if t["id"] == "out-of-home")


def test_unknown_ids_are_rejected(cli):
    result = cli("plan", "-g", "kids", "-o", "inform", expect=2)
    assert "unknown group kids" in result.output
    assert "children" in result.output


def test_outputs_markdown_html_pdf_and_escaping(cli, tmp_path):
    for name in ("plan.md", "plan.html", "plan.pdf"):
        cli("plan", "-g", "public", "-g", "parents", "-o", "inform", "--org", ORG, "--country", "MX",
            "--out", tmp_path / name)
    md = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert md.startswith("# Campaign plan") and "## Recommended tools" in md and "| Awareness rate" in md
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Radio Comunitaria La Voz" in html and "Asociación Balcánica de Padres" not in html
    assert (tmp_path / "plan.pdf").read_bytes()[:5] == b"%PDF-"
    assert cli("plan", "-g", "public", "-o", "inform", "--out", tmp_path / "plan.docx", expect=2)


def test_organisation_file_changes_the_recommendation(cli):
    base = cli.json("plan", "-g", "public", "-o", "inform", "--budget", "low")
    org = cli.json("plan", "-g", "public", "-o", "inform", "--budget", "low", "--org", ORG)
    assert "radio-comunitaria" not in [t["id"] for t in base["tools"]]
    radio = next(t for t in org["tools"] if t["id"] == "radio-comunitaria")
    assert radio["origin"] == "Red Esperanza <b>NGO</b>" and "declared by" in radio["why"]
    assert any(r["id"] == "org-radio-01" for r in radio["reasons"])
    spots = [t for t in org["tools"] + org["more_tools"] if t["id"] == "tv-radio-spot"]
    assert spots and not any(t.get("over_budget") for t in org["tools"] if t["id"] == "tv-radio-spot")
    assert org["knowledge"] == ["toolbox", "Red Esperanza <b>NGO</b>"]


def test_save_writes_campaign_window_and_kpis(cli, data_dir):
    add_analysis(data_dir)
    result = cli.json("plan", "-g", "public", "-g", "decision-makers", "-o", "inform", "-o", "policy",
                      "--save", data_dir, "--start", "2017-04-05", "--weeks", "4", "--name", "Yo Doy Esperanza",
                      "--hashtag", "#YoDoyEsperanza")
    assert result["saved"]["id"] == "yo-doy-esperanza"
    config = load_config(data_dir)
    (campaign,) = config["campaigns"]
    assert (campaign["start"], campaign["end"]) == ("2017-04-05", "2017-05-02")
    kpis = {k["metric"]: k for k in campaign["kpis"]}
    assert set(kpis) == {"awareness_rate", "hashtag_reach", "target_sentiment", "share_of_voice"}
    # baseline window: the 28 days before launch, 2 posts a day, 1 in 4 with #AlertaAmber
    assert kpis["awareness_rate"]["baseline"] == pytest.approx(0.25, abs=0.02)
    assert kpis["awareness_rate"]["goal"] == pytest.approx(kpis["awareness_rate"]["baseline"] + 0.10, abs=1e-6)
    assert kpis["target_sentiment"]["target"] == "pgr"
    assert kpis["target_sentiment"]["baseline"] == pytest.approx(-0.6)
    assert kpis["hashtag_reach"]["target"] == "yodoyesperanza" and kpis["hashtag_reach"]["baseline"] == 42
    assert all(k["unit"] for k in kpis.values())
    text = (data_dir / "antena.toml").read_text(encoding="utf-8")
    assert "# antena.toml: the settings of one Antena project." in text
    # saving again replaces the campaign instead of duplicating it
    cli.json("plan", "-g", "public", "-o", "inform", "--save", data_dir, "--start", "2017-04-05",
             "--name", "Yo Doy Esperanza")
    assert len(load_config(data_dir)["campaigns"]) == 1
    assert len(load_config(data_dir)["campaigns"][0]["kpis"]) == 2


def test_save_needs_a_start_date(cli, project_dir):
    assert "--start" in cli("plan", "-g", "public", "-o", "inform", "--save", project_dir, expect=2).output


def test_from_project_without_relevance_suggests_nothing_and_says_why(cli, data_dir):
    result = cli.json("plan", "--from-project", data_dir)
    assert any("No relevance results" in n for n in result["notes"])
    assert result["suggestions"] == []


def test_from_project_with_analysis_suggests_from_evidence(cli, data_dir):
    add_analysis(data_dir)
    result = cli.json("plan", "--from-project", data_dir, "--lang", "es")
    ids = {s["id"]: s for s in result["suggestions"]}
    assert ids["low-awareness"]["numbers"]["awareness_rate"] == pytest.approx(0.25, abs=0.02)
    assert "publicaciones relevantes" in ids["low-awareness"]["evidence"]
    assert "de 195 publicaciones relevantes" in ids["low-awareness"]["evidence"]
    assert ids["negative-pgr"]["numbers"]["net_sentiment"] == pytest.approx(-1.0)
    lo, hi = ids["negative-pgr"]["numbers"]["net_ci"]
    assert lo < hi < 0  # never zero-width, even when every mention is negative
    assert {"public", "decision-makers", "media"} <= {g["id"] for g in result["groups"]}
    assert {"inform", "policy"} <= {o["id"] for o in result["objectives"]}
    assert not result["notes"]


def test_interactive_mode_reads_answers_from_stdin(cli):
    answers = "es\n1,parents\nkids\n2\nMX\nlow\n6\n"
    result = cli("plan", "--interactive", "--json", input=answers)
    # the test runner echoes the typed answers onto stdout (a terminal would not); JSON follows them
    data = json.loads(result.stdout[result.stdout.index("{\n"):])
    assert "Niñas, niños y adolescentes" in result.stderr  # the menu is shown, on stderr
    assert data["lang"] == "es"
    assert [g["id"] for g in data["groups"]] == ["children", "parents"]
    assert [o["id"] for o in data["objectives"]] == ["educate"]
    assert data["plan"]["country"] == "MX" and data["plan"]["budget"] == "low" and data["plan"]["weeks"] == 6


def test_outreach_import_reports_bad_rows_by_line(cli, data_dir):
    result = cli.json("outreach", "import", data_dir, FIXTURES / "plan" / "outreach.csv")
    assert result["imported"] == 2
    assert [e["line"] for e in result["errors"]] == [3, 5]
    assert "not-a-date" in result["errors"][0]["error"] and "lots" in result["errors"][1]["error"]
    new_id = cli.json("outreach", "add", data_dir, "--action", "Tweet campaign to @PGR_mx", "--date", "2017-04-20",
                      "--channel", "x", "--reach", "3000")["id"]
    rows = cli.json("outreach", "list", data_dir, "--days", "7")
    assert [r["date"] for r in rows] == ["2017-04-05", "2017-04-12", "2017-04-20"]
    first = rows[0]
    assert first["reach"] == 250 and first["group_name"] == "250 Facebook groups"
    assert first["before"]["posts"] == 14 and first["after"]["posts"] == 35
    assert first["change"]["posts"] == pytest.approx(1.5)
    assert rows[-1]["id"] == new_id
    filtered = cli.json("outreach", "list", data_dir, "--days", "7", "--query", "AlertaAmber")
    assert filtered[0]["before"]["posts"] < first["before"]["posts"]


def test_outreach_list_uses_analysis_when_present(cli, data_dir):
    add_analysis(data_dir)
    cli.json("outreach", "add", data_dir, "--action", "Posters", "--date", "2017-04-10")
    (row,) = cli.json("outreach", "list", data_dir)
    assert row["before"]["relevant_posts"] == row["before"]["posts"] > 0
    assert "mean_sentiment" not in row["before"]


def test_outreach_rejects_empty_action(cli, project_dir):
    assert "action" in cli("outreach", "add", project_dir, "--action", " ", "--date", "2017-04-10", expect=2).output
