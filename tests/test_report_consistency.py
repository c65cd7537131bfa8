"""One number, one source: every percentage and count in the report's findings and
recommendations is the one its tables show (both read ``compute_stats``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

NUMBER = re.compile(r"[+\-−]?\d{1,3}(?:[\u202f\u00a0,.]\d{3})+(?:[.,]\d+)?(?:\s?%)?|[+\-−]?\d+(?:[.,]\d+)?(?:\s?%)?")
NOT_NUMBERS = re.compile(r"\d{4}-\d{2}-\d{2}|#\w+")


class Parts(HTMLParser):
    """Collects the text of findings, recommendations' evidence and data tables/lists."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.parts: dict[str, list[str]] = {"findings": [], "why": [], "data": []}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        kind = "findings" if "findings" in classes else "why" if "why" in classes else "data" if "data" in classes else ""
        self.stack.append(kind if kind else (self.stack[-1] if self.stack else ""))
        if kind:
            self.parts[kind].append("")

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1]:
            self.parts[self.stack[-1]][-1] += data + " | "


def numbers(text: str) -> set[str]:
    return {m.group(0).replace(" %", "%").replace("\u00a0%", "%") for m in NUMBER.finditer(NOT_NUMBERS.sub(" ", text))}


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    """The demo at 1% scale, analysed by its whole pipeline (models included)."""
    from typer.testing import CliRunner

    from antena.cli import app

    folder = tmp_path_factory.mktemp("consistency") / "demo"
    runner = CliRunner()
    assert runner.invoke(app, ["demo", str(folder), "--scale", "0.01", "--seed", "3", "--json"]).exit_code == 0
    assert runner.invoke(app, ["analyze", str(folder)]).exit_code == 0
    return folder


@pytest.mark.parametrize("lang", ["es", "en"])
def test_findings_and_recommendations_cite_the_tables(cli, full_demo, tmp_path, lang):
    out = tmp_path / f"r_{lang}.html"
    cli("report", full_demo, "--lang", lang, "--out", out)
    parser = Parts()
    parser.feed(out.read_text(encoding="utf-8"))
    tables = set().union(*(numbers(t) for t in parser.parts["data"]))
    claims = parser.parts["findings"] + parser.parts["why"]
    assert len(parser.parts["why"]) >= 2 and len(tables) > 50  # the demo has recommendations and tables
    cited = 0
    for claim in claims:
        for value in numbers(claim):
            if value in {"95"}:  # "95% CI": the interval's level, not a statistic
                continue
            cited += 1
            assert value in tables, f"{value!r} in {claim!r} is in no table"
    assert cited > 30


def test_the_dashboard_and_the_report_read_one_statistics_object(full_demo):
    """The recommendations' numbers are the statistics' numbers (no second query)."""
    from antena.analytics import compute_stats
    from antena.plan.knowledge import load_knowledge
    from antena.plan.suggest import suggest
    from antena.project import Project

    with Project(full_demo) as project:
        stats = compute_stats(project.store)
        found = {s["id"]: s for s in suggest(project.store, load_knowledge(), "en", stats)["suggestions"]}
    amber = next(p for p in stats["awareness"]["programmes"] if p["programme"] == "amber_alert")
    assert found["low-awareness"]["numbers"]["awareness_rate"] == round(amber["rate"], 4)
    assert found["low-awareness"]["numbers"]["relevant_posts"] == stats["awareness"]["posts"]
    by_target = {t["target"]: t for t in stats["targets"]}
    for s in found.values():
        if s["id"].startswith("negative-"):
            assert s["numbers"]["mentions"] == by_target[s["numbers"]["target"]]["mentions"]


def test_the_analysed_demo_report_in_spanish_has_no_english(cli, full_demo, tmp_path):
    from tests.test_i18n import ENGLISH_DATES, ENGLISH_NUMBERS, english_fragments, visible

    out = tmp_path / "r_es.html"
    cli("report", full_demo, "--lang", "es", "--out", out)
    text = visible(out.read_text(encoding="utf-8"))
    assert not [f for f in english_fragments() if f in text]
    assert not ENGLISH_DATES.search(text) and not ENGLISH_NUMBERS.search(text)
    assert "Policía" in text and "Gobierno" in text  # target names per language (default antena.toml)
