"""Empty and thin data: a report from one relevant post, or from none, is short and honest in
both languages, HTML and PDF; no chart is drawn from zero or one point."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from antena.report import charts
from antena.report.i18n import text as text_of

ROWS = [
    ("1", "Se robaron a un niño en el mercado de Ecatepec, pidan la #AlertaAmber ya, la policía no hace nada", "x"),
    ("2", "Qué partidazo del América anoche, el gol del final fue increíble", "x"),
    ("3", "Receta fácil de pozole rojo para el fin de semana", "facebook"),
    ("4", "El tráfico en Periférico hoy está horrible, llevo dos horas", "x"),
]


def one_relevant_project(folder: Path, cli) -> Path:
    path = folder.parent / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "author", "created_at", "platform"])
        for i, (pid, text, platform) in enumerate(ROWS):
            writer.writerow([pid, text, f"user{i}", f"2017-04-0{i + 1}T12:00:00Z", platform])
    cli("import", folder, path, "--format", "generic")
    cli("analyze", folder)
    return folder


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def thin(tmp_path_factory):
    from antena.project import Project
    from tests.conftest import Cli

    folder = tmp_path_factory.mktemp("thin") / "proj"
    Project.init(folder, name="thin").close()
    return one_relevant_project(folder, Cli())


@pytest.mark.parametrize("lang,too_few", [("es", "muy pocas publicaciones para afirmarlo (n = 1)"),
                                          ("en", "too few posts to say (n = 1)")])
def test_one_relevant_post_gives_a_short_honest_report(cli, thin, tmp_path, lang, too_few):
    stats = cli.json("stats", thin)
    assert stats["volumes"]["posts"] == 1, "the fixture should hold exactly one relevant post"
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    out = cli.json("report", thin, "--lang", lang, "--out", html, "--pdf", pdf)
    page = html.read_text(encoding="utf-8")
    text = visible_text(page)
    assert "<svg" not in page.split("<body", 1)[1]  # no chart from one point
    assert too_few in " ".join(out["findings"])
    assert not re.search(r"100[,.]0\s?%", " ".join(out["findings"]))  # no share claimed from one post
    for key in ("nodata_streams", "nodata_campaigns", "nodata_spikes"):  # empty sections say so in words
        assert text_of(lang, key) in text, key
    assert page.count('class="note nodata"') >= 4
    assert ("Sin recomendaciones" in text or "Muy pocas publicaciones relevantes" in text) if lang == "es" else \
        ("No recommendation" in text or "Too few relevant posts" in text)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert pdf_text.count("\f") <= 5  # a short report: a few pages
        assert "n = 1" in pdf_text


@pytest.mark.parametrize("lang,words", [("es", "El proyecto aún no tiene publicaciones"),
                                        ("en", "The project holds no posts yet")])
def test_an_empty_project_reports_in_words(cli, project_dir, tmp_path, lang, words):
    html = tmp_path / "r.html"
    cli("report", project_dir, "--lang", lang, "--out", html)
    page = html.read_text(encoding="utf-8")
    assert words in page and "<svg" not in page.split("<body", 1)[1]


def test_charts_need_two_points():
    assert charts.volume_by_day([{"day": "2017-04-01", "platform": "x", "posts": 1}], "en") is None
    assert charts.volume_by_day([{"day": "2017-04-01", "platform": "x", "posts": 1},
                                 {"day": "2017-04-02", "platform": "x", "posts": 2}], "en") is not None
    assert charts.bars([{"t": "a", "v": 1.0}], "t", "v", "en", "share") is None
    assert charts.bars([{"t": "a", "v": 1.0}, {"t": "b", "v": 0.5}], "t", "v", "en", "share", base=1) is None
    assert charts.weekly_lines([{"week": "2017-04-03", "a": 0.5}], {"a": "A"}, "en", "share") is None
    one = {"name": "Police", "kind": "authority", "mentions": 1, "shares": {"negative": 1.0, "neutral": 0.0, "positive": 0.0}}
    assert charts.target_sentiment([one], "authority", "en") is None
