"""The web dashboard over HTTP (Starlette's test client): pages, JSON, escaping, login, read-only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient  # noqa: I001 - warns that httpx will be replaced

from antena.project import Project
from antena.web import create_app
from antena.web.store import _post_row
from tests.conftest import FIXTURES, Cli

PAGE = FIXTURES / "sources" / "twitter_v2" / "page.jsonl"
RULE_ANALYSERS = '["normalise", "language", "relevance", "topics", "awareness"]'
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def _tweet(native: str, text: str, author: str, when: str) -> dict:
    return {"id": native, "text": text, "author_id": author, "created_at": when, "lang": "es",
            "edit_history_tweet_ids": [native]}


def hostile_export(path: Path, synthetic: bool = False) -> Path:
    """A twarc2 page with hostile and personal texts, plus a truncated line to quarantine."""
    page = {"data": [
        _tweet("1900000000000000901", XSS + " robo de niños #AlertaAmber", "91", "2017-03-03T10:00:00.000Z"),
        _tweet("1900000000000000902", "Llama al 55 1234 5678 o escribe a maria.lopez@example.com si ves a la niña secuestrada",
               "92", "2017-03-04T11:00:00.000Z"),
        _tweet("1900000000000000903", "\"comillas\" & 'apos' </td></tr><b>negrita</b> {{ 7*7 }} secuestro de menores",
               "93", "2017-03-05T12:00:00.000Z"),
    ], "includes": {"users": [{"id": "91", "username": "evil91", "name": "<b>Evil</b>"}]}}
    if synthetic:
        page["__antena_synthetic"] = True
    broken = '{"data":[{"id":"1900000000000000999","text":"<script>alert(\'quarantine\')</script>'
    path.write_text(json.dumps(page) + "\n" + broken + "\n", encoding="utf-8")
    return path


def make_project(folder: Path, *, analyse: bool = True, synthetic: bool = False, campaign: bool = False) -> Path:
    """A real project built through the CLI: fixture page + hostile page, rule analysers."""
    cli = Cli()
    cli("init", folder)
    config = folder / "antena.toml"
    text = re.sub(r"(?m)^analysers = .*$", f"analysers = {RULE_ANALYSERS}", config.read_text(encoding="utf-8"))
    if campaign:
        text += ('\n[[campaigns]]\nid = "marzo"\nname = "Campaña <b>marzo</b>"\nstart = "2017-03-03"\n'
                 'end = "2017-03-04"\nbefore_days = 2\nafter_days = 2\n')
    config.write_text(text, encoding="utf-8")
    cli("import", folder, PAGE, hostile_export(folder.parent / f"{folder.name}-hostile.jsonl", synthetic))
    if analyse:
        cli("analyze", folder)
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("web") / "proj", campaign=True)


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as test_client:
        yield test_client


# ---------------------------------------------------------------------- pages

PAGES = ["/", "/posts", "/posts?q=robo", "/targets", "/topics", "/campaigns", "/quarantine", "/login"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_without_scripts_and_with_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (200, 303)
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers
    assert "<script" not in response.text  # no script of ours, and no post text as markup
    assert " style=" not in response.text and "<style" not in response.text


def test_overview_shows_counts_charts_and_report_links(client: TestClient, folder: Path) -> None:
    html = client.get("/").text
    with Project(folder, read_only=True) as project:
        total = project.count()
    assert f"<strong>{total}</strong>" in html
    # six chart places: each is a chart (from two points or more) or says in words there is no data
    assert html.count("<svg") >= 1 and html.count("<svg") + html.count("No data for this chart yet.") == 6
    assert 'href="/report?lang=es"' in html and 'href="/report?lang=en"' in html
    assert "Findings" in html and "relevant posts" in html
    assert "SYNTHETIC DATA" not in html  # no synthetic posts here


def test_synthetic_banner_when_the_project_holds_synthetic_posts(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "synth", analyse=False, synthetic=True)  # 8 posts, 1 deleted or withheld: 7 live
    with TestClient(create_app(folder, lang="es"), base_url="http://127.0.0.1") as c:
        html = c.get("/posts").text
        assert "DATOS SINTÉTICOS: 3 de las 7 publicaciones" in html
        assert 'role="alert"' in html
        assert "SYNTHETIC DATA: 3 of the 7" in c.get("/posts?lang=en").text


def test_language_switch_keeps_the_query(client: TestClient) -> None:
    html = client.get("/posts?q=robo&lang=es").text
    assert "Publicaciones" in html and 'lang="es"' in html
    assert 'href="/posts?q=robo&amp;lang=en"' in html
    assert '<input type="hidden" name="lang" value="es">' in html  # the search form stays in Spanish


# ---------------------------------------------------------------------- explorer


def test_search_counts_match_the_project(client: TestClient, folder: Path) -> None:
    with Project(folder, read_only=True) as project:
        expected = project.count("robo* OR secuestr*")
        relevant = project.count("robo* OR secuestr*", relevant=True)
    assert expected == 3
    html = client.get("/posts", params={"q": "robo* OR secuestr*"}).text
    assert f"{expected} matching posts" in html
    data = client.get("/api/posts", params={"q": "robo* OR secuestr*"}).json()
    assert data["count"] == expected and len(data["posts"]) == expected
    assert client.get("/api/posts", params={"q": "robo* OR secuestr*", "relevant": "1"}).json()["count"] == relevant


def test_posts_show_analysis_columns_pseudonyms_and_local_time(client: TestClient) -> None:
    data = client.get("/api/posts", params={"q": "secuestrada"}).json()
    post = data["posts"][0]
    assert {"relevant", "topics"} <= set(data["columns"])
    assert re.fullmatch(r"a_[0-9a-f]{16}", post["author_id"])  # keyed pseudonym, not the user id 92
    assert post["local_time"] == "2017-03-04 05:00"  # default timezone America/Mexico_City (UTC-6)
    html = client.get("/posts", params={"q": "secuestrada"}).text
    assert post["author_id"] in html and "<th>Relevant</th>" in html and "<th>Topics</th>" in html


def test_texts_are_redacted(client: TestClient) -> None:
    post = client.get("/api/posts", params={"q": "secuestrada"}).json()["posts"][0]
    assert "[phone]" in post["text"] and "[email]" in post["text"]
    html = client.get("/posts", params={"q": "secuestrada"}).text
    assert "1234 5678" not in html and "maria.lopez@example.com" not in html and "[email]" in html


def test_hostile_texts_are_shown_as_text(client: TestClient) -> None:
    html = client.get("/posts", params={"q": "robo OR negrita"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<b>negrita" not in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;b&gt;negrita&lt;/b&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html  # no template evaluation of post texts
    assert "&#34;comillas&#34; &amp; &#39;apos&#39;" in html


def test_pagination(client: TestClient) -> None:
    first = client.get("/api/posts", params={"size": 2}).json()
    second = client.get("/api/posts", params={"size": 2, "page": 2}).json()
    assert first["count"] == second["count"] and first["pages"] == -(-first["count"] // 2)
    assert not {p["post_id"] for p in first["posts"]} & {p["post_id"] for p in second["posts"]}
    beyond = client.get("/api/posts", params={"size": 2, "page": 999}).json()
    assert beyond["posts"] == [] and beyond["count"] == first["count"]
    html = client.get("/posts", params={"size": 2, "page": 2}).text
    assert 'rel="prev"' in html and "page 2 of" in html
    assert client.get("/posts", params={"page": "two"}).status_code == 400


def test_query_error_shows_a_caret_at_the_column(client: TestClient) -> None:
    response = client.get("/posts", params={"q": "robo AND (niño"})
    assert response.status_code == 400
    match = re.search(r'<pre class="caret">(.*?)\n( *)\^</pre>', response.text)
    assert match and match.group(1) == "robo AND (niño"
    api = client.get("/api/posts", params={"q": "robo AND (niño"})
    assert api.status_code == 400
    assert len(match.group(2)) == api.json()["column"] - 1
    assert "column" in api.json()["error"]


HOSTILE_QUERIES = ['"', "(", ")", "AND", "NEAR/", "robo NEAR/x niño", "since:notadate", "until:2017-13-45",
                   "'; DROP TABLE posts; --", "lang:", "*", "#", "@", "\\", "\x00", "((((((((((robo",
                   "a" * 2001, " OR ".join(["w"] * 1500), "<script>alert(1)</script>", "platform:\"x\" OR kind:post"]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_fail_the_server(client: TestClient, query: str, folder: Path) -> None:
    page = client.get("/posts", params={"q": query})
    assert page.status_code in (200, 400)
    assert "<script>alert" not in page.text
    api = client.get("/api/posts", params={"q": query})
    assert api.status_code == page.status_code
    if api.status_code == 400:
        assert api.json()["error"]
    with Project(folder, read_only=True) as project:
        assert project.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 8  # nothing dropped


def test_unsafe_links_are_not_rendered() -> None:
    from zoneinfo import ZoneInfo

    row = {"text": "x", "url": "javascript:alert(1)", "created_at": None}
    assert _post_row(row, [], ZoneInfo("UTC"))["url"] is None
    assert _post_row({**row, "url": "https://x.com/i/web/status/1"}, [], ZoneInfo("UTC"))["url"].startswith("https://")


# ---------------------------------------------------------------------- other pages


def test_topics_page_names_topics_from_the_config(client: TestClient) -> None:
    html = client.get("/topics").text
    stats = client.get("/api/stats").json()
    assert stats["topics"]["totals"], "the rule topic analyser found topics"
    assert "Topics" in html and "#alertaamber" in html.lower()
    assert 'href="/posts?q=%23' in html  # hashtags link to the explorer


def test_targets_page_explains_missing_target_sentiment(client: TestClient) -> None:
    html = client.get("/targets").text
    assert "target_sentiment" in html  # no target analyser in the rule pipeline


def test_campaign_page_shows_before_during_after(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    html = client.get("/campaigns").text
    assert stats["campaigns"] and stats["campaigns"][0]["id"] == "marzo"
    assert "Campaña &lt;b&gt;marzo&lt;/b&gt;" in html
    assert "<th>before</th><th>during</th><th>after</th>" in html
    for metric in stats["campaigns"][0]["metrics"]:
        if metric.get("summary"):
            assert metric["summary"]["en"].split(":")[0] in html


def test_quarantine_page_escapes_raw_records(client: TestClient) -> None:
    html = client.get("/quarantine").text
    assert "invalid JSON" in html and "hostile.jsonl" in html
    assert "&lt;script&gt;alert(&#39;quarantine&#39;)&lt;/script&gt;" in html
    data = client.get("/api/quarantine").json()
    assert data["total"] == 1 and data["rows"][0]["source_line"] == 2


def test_report_renders_on_demand_without_scripts(client: TestClient) -> None:
    english = client.get("/report", params={"lang": "en"})
    assert english.status_code == 200 and "Social media listening report" in english.text
    assert "script-src" not in english.headers["content-security-policy"]
    assert english.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<script" not in english.text
    assert "Informe de escucha" in client.get("/report", params={"lang": "es"}).text


def test_api_stats_is_what_antena_stats_prints(client: TestClient, folder: Path) -> None:
    cli_stats = Cli().json("stats", folder)
    assert client.get("/api/stats").json() == cli_stats


def test_unknown_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.text
    assert client.get("/api/nothing").status_code == 404


def test_a_broken_project_gives_an_error_page_not_a_traceback(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "broken", analyse=False)
    app = create_app(folder, lang="en")
    (folder / "antena.toml").write_text("[project\nname = ", encoding="utf-8")  # damaged after start-up
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        response = c.get("/posts")
        assert response.status_code == 500 and "Something went wrong" in response.text
        assert "Traceback" not in response.text and "antena.toml" not in response.text
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert c.get("/api/posts").json() == {"error": "Something went wrong while building this page."}


def test_foreign_host_header_is_refused(client: TestClient) -> None:
    """DNS rebinding: a page on evil.example must not read the local dashboard."""
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


# ---------------------------------------------------------------------- read-only, cache


def test_dashboard_leaves_the_database_free_for_writers(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "rw", analyse=False)
    with TestClient(create_app(folder), base_url="http://127.0.0.1") as c:
        before = c.get("/api/stats").json()["corpus"]["posts"]
        extra = tmp_path / "extra.jsonl"
        extra.write_text(json.dumps({"data": [_tweet("1900000000000000777", "otra alerta", "77", "2017-03-09T00:00:00.000Z")]}) + "\n")
        Cli()("import", folder, extra)  # a writer runs while the dashboard is up
        after = c.get("/api/stats").json()["corpus"]["posts"]
    assert after == before + 1  # the cache noticed the change


def test_pages_work_before_any_analysis(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "raw", analyse=False)
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as c:
        overview = c.get("/")
        assert overview.status_code == 200 and "have not been analysed yet" in overview.text
        data = c.get("/api/posts", params={"q": "robo"}).json()
        with Project(folder, read_only=True) as project:
            assert data["count"] == project.count("robo") == 1
        assert "relevant" not in data["columns"]
        for path in ("/targets", "/topics", "/campaigns", "/quarantine"):
            assert c.get(path).status_code == 200


def test_busy_page_while_another_process_writes(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "busy", analyse=False)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(30)"),
        str(folder / "antena.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as c:
            page = c.get("/posts")
            assert page.status_code == 503 and "another antena command" in page.text
            assert c.get("/api/posts").status_code == 503
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------- login


@pytest.fixture(scope="module")
def secured(folder: Path) -> TestClient:
    cheap = PasswordHasher(time_cost=1, memory_cost=8192)  # fast tests; the CLI uses argon2's defaults
    app = create_app(folder, lang="en", password_hash=cheap.hash("correct horse"), login_failure_delay=0.01)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_every_page_needs_a_login(secured: TestClient) -> None:
    secured.cookies.clear()
    for path in ("/", "/posts?q=robo", "/topics", "/report"):
        response = secured.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert secured.get("/api/stats").status_code == 401
    assert secured.get("/api/posts?q=robo").status_code == 401
    assert secured.get("/static/dashboard.css").status_code == 200
    login = secured.get("/login")
    assert login.status_code == 200 and 'type="password"' in login.text
    assert "robo" not in login.text.lower() and "<nav" not in login.text  # nothing of the project shows


def test_login_sets_a_strict_httponly_session(secured: TestClient) -> None:
    secured.cookies.clear()
    wrong = secured.post("/login", data={"password": "nope", "next": "/topics"}, follow_redirects=False)
    assert wrong.status_code == 401 and "Wrong password" in wrong.text and "set-cookie" not in wrong.headers
    right = secured.post("/login", data={"password": "correct horse", "next": "/topics"}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/topics"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert secured.get("/api/stats").status_code == 200
    assert secured.get("/").status_code == 200
    secured.post("/logout")
    assert secured.get("/api/stats").status_code == 401


def test_login_never_redirects_elsewhere(secured: TestClient) -> None:
    secured.cookies.clear()
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example"):
        response = secured.post("/login", data={"password": "correct horse", "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
        secured.cookies.clear()


def test_cross_site_login_posts_are_refused(secured: TestClient) -> None:
    secured.cookies.clear()
    response = secured.post("/login", data={"password": "correct horse"}, headers={"origin": "https://evil.example"},
                            follow_redirects=False)
    assert response.status_code == 403 and "set-cookie" not in response.headers
    fetched = secured.post("/login", data={"password": "correct horse"}, headers={"sec-fetch-site": "cross-site"},
                           follow_redirects=False)
    assert fetched.status_code == 403 and "set-cookie" not in fetched.headers


def test_a_forged_cookie_is_not_a_session(secured: TestClient) -> None:
    secured.cookies.clear()
    secured.cookies.set("antena_session", "forged-token")
    assert secured.get("/api/stats").status_code == 401
    secured.cookies.clear()


# ---------------------------------------------------------------------- CLI


def test_hash_password_command_makes_a_usable_password_file(tmp_path: Path, folder: Path) -> None:
    result = Cli()("serve", "--hash-password", input="s3cret pass\n")
    hashed = result.stdout.strip()
    assert hashed.startswith("$argon2id$") and PasswordHasher().verify(hashed, "s3cret pass")
    assert "s3cret" not in result.stdout
    Cli()("serve", "--hash-password", input="\n", expect=2)


def test_serve_refuses_unsafe_or_wrong_settings(tmp_path: Path, folder: Path) -> None:
    cli = Cli()

    def said(*args: object) -> str:
        return " ".join(cli(*args, expect=2).output.split())

    assert "password-file" in said("serve", folder, "--host", "0.0.0.0")
    junk = tmp_path / "pw.txt"
    junk.write_text("plain text password\n")
    assert "argon2" in said("serve", folder, "--password-file", junk)
    assert "es or en" in said("serve", folder, "--lang", "fr")
    assert "not an Antena project" in said("serve", tmp_path)
    assert cli("serve", expect=2).exit_code == 2


def test_stats_are_cached_between_requests(client: TestClient) -> None:
    client.get("/")
    start = time.perf_counter()
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert (time.perf_counter() - start) / 3 < 1.0
