"""One catalogue: every English message has its Spanish wording, and Spanish pages (every
dashboard page and the report) show no English wording, English numbers or English dates."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from antena.i18n import day, number, percent, po_path, signed

PLACEHOLDER = re.compile(r"\{[^}]*\}")


def read(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale=lang) if m.id}


def test_every_english_message_is_also_spanish() -> None:
    en, es = read("en"), read("es")
    assert len(en) > 300
    missing = [k for k in en if not es.get(k)]
    assert not missing, f"no Spanish wording for {missing[:10]}"
    for key, wording in en.items():
        assert sorted(PLACEHOLDER.findall(wording)) == sorted(PLACEHOLDER.findall(es[key])), key
    assert not set(es) - set(en), "Spanish keys the English catalogue lacks"


def test_numbers_and_dates_follow_the_locale() -> None:
    assert number(1309, "es") == "1309" and number(13090, "es") == "13.090" and number(1309, "en") == "1,309"
    assert percent(0.191, "es") == "19,1\u00a0%" and percent(0.191, "en") == "19.1%"
    assert signed(-0.45, "es") == "-0,45" and signed(0.05, "en") == "+0.05"
    assert day("2017-06-16", "es") == "16 jun 2017" and day("2017-06-16", "en") == "Jun 16, 2017"


def english_fragments() -> set[str]:
    """Literal pieces of English wording that Spanish wording does not share."""
    en, es = read("en"), read("es")
    spanish = " ".join(es.values())
    out = set()
    for key, wording in en.items():
        if wording == es.get(key):
            continue
        for piece in PLACEHOLDER.split(wording):
            piece = piece.strip(" .,:;()`")
            if len(piece) >= 12 and " " in piece and piece not in spanish:
                out.add(piece)
    return out


def visible(page: str) -> str:
    page = page.split("<body", 1)[-1]
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


ENGLISH_DATES = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d|\b(January|February|April|June|July|August|October|December)\b")
ENGLISH_NUMBERS = re.compile(r"\b[1-9]\d{0,2},\d{3}\b|\b\d+\.\d\s?%")
PAGES = ["/", "/posts", "/posts?q=robo", "/targets", "/topics", "/campaigns", "/quarantine", "/reviews",
         "/listening", "/label", "/report"]


@pytest.fixture(scope="module")
def spanish_client(tmp_path_factory: pytest.TempPathFactory):
    from starlette.testclient import TestClient

    from antena.web.app import create_app
    from tests.test_web import make_project

    folder: Path = make_project(tmp_path_factory.mktemp("i18n") / "proj", campaign=True)
    with TestClient(create_app(folder, lang="es"), base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize("path", PAGES)
def test_spanish_pages_show_no_english(spanish_client, path: str) -> None:
    response = spanish_client.get(path)
    assert response.status_code == 200, path
    text = visible(response.text)
    leaks = sorted(f for f in english_fragments() if f in text)
    assert not leaks, f"{path}: English wording on a Spanish page: {leaks[:5]}"
    assert not ENGLISH_DATES.search(text), ENGLISH_DATES.search(text).group(0)
    assert not ENGLISH_NUMBERS.search(text), ENGLISH_NUMBERS.search(text).group(0)


def test_the_check_finds_english(spanish_client) -> None:
    """The canary: the English page of the same project is caught by the same check."""
    text = visible(spanish_client.get("/?lang=en").text)
    assert any(f in text for f in english_fragments())


def test_a_too_long_query_is_refused_in_spanish(spanish_client) -> None:
    page = visible(spanish_client.get("/posts", params={"q": "robo " * 500}).text)
    assert "la consulta tiene más de" in page and "longer than" not in page
