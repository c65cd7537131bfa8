"""The dashboard in a real headless Chromium (Debian's, never a downloaded one) over a real server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from antena.web import create_app
from tests.test_web import XSS, make_project

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """uvicorn serving ``app`` on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("browser") / "proj")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Server]:
    with Server(create_app(folder, lang="en", warm=True)) as running:
        yield running


@pytest.fixture(scope="module")
def secured_server(folder: Path) -> Iterator[Server]:
    hashed = PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse")
    with Server(create_app(folder, lang="en", password_hash=hashed, login_failure_delay=0.01)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A fresh page that records dialogs (alert, confirm) and console errors such as CSP refusals."""

    def __init__(self, browser: object, **options: object) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, **options)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture
def watched(browser: object) -> Iterator[Watched]:
    tab = Watched(browser)
    yield tab
    tab.context.close()


def test_overview_shows_charts(watched: Watched, server: Server) -> None:
    page = watched.page
    page.goto(server.url + "/")
    assert page.locator("h1").inner_text() == "Overview"
    # six chart places: a chart where two points or more exist, else a sentence saying there is no data
    charts = page.locator("figure.chart svg").count()
    assert charts >= 1 and charts + page.get_by_text("No data for this chart yet.").count() == 6
    assert page.locator(".cards .card").count() == 5
    assert page.locator("a[href='/report?lang=es']").count() == 1
    page.screenshot(path=str(SHOTS / "antena-dashboard-overview.png"))
    assert watched.errors == [] and watched.dialogs == []


def test_search_form_shows_results_and_count(watched: Watched, server: Server) -> None:
    page = watched.page
    page.goto(server.url + "/posts")
    page.fill("#q", "robo* OR secuestr*")
    page.click("form.search button[type=submit]")
    page.wait_for_url(re.compile(r"/posts\?q=robo"))
    assert page.locator("#count").inner_text().startswith("3 matching posts")
    assert page.locator("table.posts tbody tr").count() == 3
    assert page.locator("#q").input_value() == "robo* OR secuestr*"
    page.screenshot(path=str(SHOTS / "antena-dashboard-explorer.png"), full_page=True)
    assert watched.errors == []


def test_query_syntax_error_shows_the_caret(watched: Watched, server: Server) -> None:
    page = watched.page
    page.goto(server.url + "/posts")
    page.fill("#q", "robo AND (niño")
    page.click("form.search button[type=submit]")
    error = page.locator(".query-error")
    error.wait_for()
    assert "column" in error.inner_text()
    query_line, caret_line = page.locator("pre.caret").inner_text().split("\n")[:2]
    column = int(re.search(r"column (\d+)", error.inner_text()).group(1))
    assert query_line == "robo AND (niño" and caret_line == " " * (column - 1) + "^"


def test_hostile_text_is_inert(watched: Watched, server: Server) -> None:
    page = watched.page
    for path in ("/posts?q=robo", "/posts", "/quarantine", "/topics"):
        page.goto(server.url + path)
        page.wait_for_load_state("load")
    page.goto(server.url + "/posts?q=robo")
    assert XSS in page.locator("td.text").first.inner_text()
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    page.goto(server.url + "/quarantine")
    assert "<script>alert('quarantine')</script>" in page.locator("pre.raw").inner_text()
    page.wait_for_timeout(300)
    assert watched.dialogs == []
    assert watched.errors == []  # nothing refused by the Content-Security-Policy either


def test_search_works_without_javascript(browser: object, server: Server) -> None:
    tab = Watched(browser, java_script_enabled=False)
    try:
        tab.page.goto(server.url + "/posts")
        tab.page.fill("#q", "secuestrada")
        tab.page.press("#q", "Enter")
        tab.page.wait_for_url(re.compile(r"q=secuestrada"))
        assert tab.page.locator("#count").inner_text().startswith("1 matching post")
        assert "[phone]" in tab.page.locator("td.text").inner_text()
    finally:
        tab.context.close()


def test_login_flow(watched: Watched, secured_server: Server) -> None:
    page = watched.page
    page.goto(secured_server.url + "/topics")
    assert "/login?next=%2Ftopics" in page.url
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("p.error").inner_text() == "Wrong password."
    page.fill("#password", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(secured_server.url + "/topics")
    assert page.locator("h1").inner_text() == "Topics"
    cookie = next(c for c in watched.context.cookies() if c["name"] == "antena_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session
    page.click("header form button")  # log out
    page.wait_for_url(re.compile(r"/login"))
    page.goto(secured_server.url + "/")
    assert "/login" in page.url
