"""Hostile text never takes a renderer down (issue 10, finding 1): one sanitising boundary
(``antena.textsafe``) before charts, GEXF, PDF, HTML pages and terminal tables; charts drawn in
a child process; the dashboard draws no chart at start-up."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient  # noqa: I001

from antena.report import charts
from antena.textsafe import display_text
from antena.web import create_app

from .conftest import Cli
from .naughty import BIDI, CONTROL, naughty_strings
from .test_web import RULE_ANALYSERS

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


@given(st.text())
def test_display_text_leaves_nothing_unsafe_and_is_idempotent(value: str) -> None:
    cleaned = display_text(value)
    assert not UNSAFE.search(cleaned)
    assert display_text(cleaned) == cleaned
    cleaned.encode("utf-8")  # no lone surrogate left


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=50))
def test_display_text_keeps_ordinary_text(value: str) -> None:
    if not re.search("[\u202a-\u202e\u2066-\u2069\ufffe\uffff]", value):
        assert display_text(value) == value


def hashtag_spec(tags: list[str]) -> dict:
    """Bars of the given hashtags, plus a plain one: a chart is never drawn from a single point."""
    rows = [{"hashtag": "#" + t, "posts": i + 2} for i, t in enumerate(tags)] + [{"hashtag": "#plain", "posts": 1}]
    return charts.bars(rows, "hashtag", "posts", "en", "share")


def test_an_unsanitised_control_character_aborts_only_the_child() -> None:
    """The audit's crash, reproduced in a child: vl-convert panics (SIGABRT) on U+0001."""
    assert charts._render_in_child([hashtag_spec(["a\x01b"])]) is None  # the child died
    [svg] = charts.render_svgs([hashtag_spec(["a\x01b"])])  # sanitised: drawn
    assert svg and svg.startswith("<svg") and "ab" in svg


def test_every_naughty_hashtag_is_drawn_in_one_chart() -> None:
    tags = naughty_strings()
    [svg] = charts.render_svgs([hashtag_spec(tags[:60]), ][:1])
    assert svg and "<svg" in svg
    more = charts.render_svgs([hashtag_spec(tags[60:])])
    assert more[0] and not UNSAFE.search(more[0])


@settings(max_examples=4, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=25))
def test_charts_survive_any_text(tags: list[str]) -> None:
    [svg] = charts.render_svgs([hashtag_spec(tags)])
    assert svg is not None and "<svg" in svg


# ---------------------------------------------------------------------- end to end


def naughty_export(path: Path) -> Path:
    """A twarc2 page: one relevant post per naughty string, in the text and as a hashtag entity."""
    tweets = []
    for i, value in enumerate(naughty_strings()):
        native = str(1800000000000000000 + i)
        tweets.append({"id": native, "author_id": str(500 + i % 7), "created_at": f"2017-03-{1 + i % 28:02d}T10:00:00.000Z",
                       "lang": "es", "edit_history_tweet_ids": [native],
                       "text": f"secuestro de niños {value} #alertaamber",
                       "entities": {"hashtags": [{"tag": value or "vacio"}, {"tag": "alertaamber"}],
                                    "mentions": [{"username": value or "nadie"}]}})
    path.write_text(json.dumps({"data": tweets}) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def naughty_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("naughty") / "proj"
    cli = Cli()
    cli("init", folder)
    config = folder / "antena.toml"
    config.write_text(re.sub(r"(?m)^analysers = .*$", f"analysers = {RULE_ANALYSERS}", config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    result = cli.json("import", folder, naughty_export(folder.parent / "naughty.jsonl"))
    assert result["stored"] == len(naughty_strings())
    cli("analyze", folder)
    return folder


def test_report_html_and_pdf_survive_naughty_strings(naughty_project: Path, tmp_path: Path) -> None:
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    done = Cli()("report", naughty_project, "--lang", "en", "--out", html, "--pdf", pdf)
    assert done.exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3  # the charts were drawn, hashtag chart included
    assert not UNSAFE.search(page)
    assert "<script>alert(1)" not in page
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        assert not UNSAFE.search(text.replace("\x0c", ""))  # form feeds separate pages


@pytest.mark.parametrize("graph", ["interactions", "hashtags"])
def test_gexf_is_valid_xml(naughty_project: Path, tmp_path: Path, graph: str) -> None:
    out = tmp_path / f"{graph}.gexf"
    Cli()("export", naughty_project, "--out", out, "--format", "gexf", "--graph", graph, "--query", "secuestro")
    root = ET.parse(out).getroot()  # raises on control characters
    assert len(root.findall(".//{*}node")) > 3


def test_csv_export_neutralises_formulas(naughty_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.csv"
    Cli()("export", naughty_project, "--out", out, "--query", "secuestro")
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(naughty_strings())
    for row in rows:
        for value in row.values():
            assert not (value and value[0] in "=+-@\t\r" and not value[1:2].isdigit() and value[0] != "-"), value


def test_dashboard_pages_and_api_survive_naughty_strings(naughty_project: Path) -> None:
    with TestClient(create_app(naughty_project, lang="en", warm=True), base_url="http://127.0.0.1") as client:
        for path in ("/", "/posts", "/posts?q=secuestro", "/topics", "/targets", "/campaigns", "/quarantine",
                     "/reviews", "/report"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert not UNSAFE.search(response.text), path
        api = client.get("/api/posts", params={"q": "secuestro", "size": 500})
        assert api.status_code == 200 and api.json()["count"] == len(naughty_strings())


def test_terminal_output_carries_no_escape_sequences(naughty_project: Path) -> None:
    result = Cli()("search", naughty_project, "secuestro", "--limit", "0")
    assert "\x1b]" not in result.output and "\x1b[2J" not in result.output
    assert not any(c in result.output for c in CONTROL if c not in "\r") and not any(c in result.output for c in BIDI)


def test_the_dashboard_draws_no_chart_at_start_up(naughty_project: Path) -> None:
    app = create_app(naughty_project, lang="en", warm=True)
    with TestClient(app, base_url="http://127.0.0.1"):
        reader = app.state.dashboard.reader
        deadline = time.monotonic() + 60
        while "stats" not in reader._cache and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "stats" in reader._cache  # warmed
        assert not [key for key in reader._cache if key.startswith(("context", "campaign-charts", "report"))]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=8, unique=True))
def test_gexf_is_valid_xml_for_any_node_names(tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    import networkx as nx

    from antena.analytics.networks import write_gexf

    graph = nx.Graph()
    for left, right in zip(names, names[1:] + names[:1], strict=True):
        graph.add_edge("#" + left, "#" + right, weight=1)
    out = tmp_path_factory.mktemp("gexf") / "g.gexf"
    write_gexf(graph, out)
    ET.parse(out)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=10))
def test_csv_cells_round_trip_with_formulas_defused(values: list[str]) -> None:
    import io

    import pyarrow as pa

    from antena.query.export import csv_batch

    batch = csv_batch(pa.RecordBatch.from_arrays([pa.array(values, pa.string())], names=["text"]))
    import pyarrow.csv as pacsv

    sink = io.BytesIO()
    pacsv.write_csv(batch, sink)
    rows = list(csv.reader(io.StringIO(sink.getvalue().decode("utf-8"), newline="")))[1:]
    assert len(rows) == len(values)
    for (cell,), value in zip(rows, values, strict=True):
        assert cell in (value, "'" + value)
        assert cell[:1] not in ("=", "+", "@") or cell == value and value[:1] not in ("=", "+", "@")
