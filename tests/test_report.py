"""The report, end to end through the CLI on a small synthetic demo: HTML and PDF in both
languages, numbers equal to `antena stats --json`, hostile text escaped, pages rendered."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from antena.project import Project

RULES_ONLY = '["normalise", "language", "relevance", "topics", "awareness"]'


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from typer.testing import CliRunner

    from antena.cli import app

    folder = tmp_path_factory.mktemp("report") / "demo"
    runner = CliRunner()
    result = runner.invoke(app, ["demo", str(folder), "--scale", "0.01", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    config = folder / "antena.toml"
    text = config.read_text()
    start = text.index("analysers = [")
    config.write_text(text[:start] + "analysers = " + RULES_ONLY + text[text.index("]", start) + 1:])
    assert runner.invoke(app, ["analyze", str(folder)]).exit_code == 0
    return folder


@pytest.mark.parametrize("lang,heading", [("es", "Hallazgos"), ("en", "Findings")])
def test_report_html_and_pdf(cli, demo, tmp_path, lang, heading):
    html, pdf = tmp_path / f"r_{lang}.html", tmp_path / f"r_{lang}.pdf"
    out = cli.json("report", demo, "--lang", lang, "--out", html, "--pdf", pdf)
    page = html.read_text()
    assert heading in page and "<svg" in page
    assert "http://" not in page.split("<body", 1)[1].replace("http://www.w3.org", "")  # self-contained
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert out["findings"], "no findings"
    assert ("DATOS SINTÉTICOS" if lang == "es" else "SYNTHETIC DATA") in page


def test_report_numbers_match_stats(cli, demo, tmp_path):
    stats = cli.json("stats", demo)
    html = tmp_path / "r.html"
    cli("report", demo, "--lang", "en", "--out", html)
    page = html.read_text()
    assert f"{stats['volumes']['posts']:,} relevant posts" in page
    top = stats["hashtags"]["top"][0]
    assert f"#{top['hashtag']} ({top['posts']:,})" in page
    term = stats["hashtags"]["terms"][0]
    assert term["term"].isalpha() and f"{term['term']} ({term['posts']:,})" in page


def test_report_escapes_hostile_text(cli, demo, tmp_path):
    hostile = tmp_path / "hostile.jsonl"
    typical = cli.json("stats", demo, "--section", "quotes")["quotes"]["by_topic"]["kidnapping"][0]["text"]
    text = typical + " <script>alert(1)</script><img src=x onerror=alert(1)>"
    page = {"data": [{"id": "99", "text": text, "author_id": "1", "created_at": "2017-04-02T10:00:00.000Z",
                      "public_metrics": {"like_count": 100000, "retweet_count": 100000}}],
            "includes": {"users": [{"id": "1", "username": "x"}]}, "meta": {}}
    hostile.write_text(json.dumps(page) + "\n")
    folder = tmp_path / "copy"
    shutil.copytree(demo, folder)
    cli("import", folder, hostile)
    cli("analyze", folder)
    html = tmp_path / "r.html"
    cli("report", folder, "--lang", "en", "--out", html)
    body = html.read_text()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    assert "onerror=alert(1)>" not in body


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_pdf_pages_render(cli, demo, tmp_path):
    pdf = tmp_path / "r.pdf"
    cli("report", demo, "--lang", "es", "--out", tmp_path / "r.html", "--pdf", pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 20
    from PIL import Image

    for page in pages:  # no blank pages
        extrema = Image.open(page).convert("L").getextrema()
        assert extrema[0] < 200, f"{page.name} looks blank"


def test_stats_json_is_consistent(cli, demo):
    stats = cli.json("stats", demo)
    assert stats["analysed"] is True
    assert sum(p["posts"] for p in stats["volumes"]["by_platform"]) == stats["volumes"]["posts"]
    assert stats["campaigns"] and stats["campaigns"][0]["metrics"]
    with Project(demo) as project:
        relevant = project.con.execute("SELECT count(*) FROM analysis WHERE relevant AND NOT deleted").fetchone()[0]
    assert stats["volumes"]["posts"] == relevant


def test_saved_plan_kpis_are_measured_and_reported(cli, demo, tmp_path):
    folder = tmp_path / "planned"
    shutil.copytree(demo, folder)
    cli("plan", "--group", "public", "--objective", "inform", "--save", folder, "--start", "2017-04-01", "--weeks", "4")
    stats = cli.json("stats", folder, "--section", "campaigns")
    planned = [c for c in stats["campaigns"] if c["kpis"]]
    assert planned, "the saved plan's campaign has no KPIs"
    awareness = next(k for k in planned[0]["kpis"] if k["metric"] == "awareness_rate")
    assert awareness["measured"]["during"] is not None and awareness["measured"]["before"] is not None
    cli("report", folder, "--lang", "en", "--out", tmp_path / "r.html")
    assert "The plan&#39;s KPIs" in (tmp_path / "r.html").read_text() or "The plan's KPIs" in (tmp_path / "r.html").read_text()
