"""The dashboard's listening page: collectors' state and alert history, escaped, behind the login."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from antena.project import Project
from antena.store import alerts as alert_store
from antena.web.app import create_app
from tests.collect_fakes import BlueskyFake
from tests.test_collect import FAST


@pytest.fixture
def listened(cli, project_dir: Path) -> Path:
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(FAST)
    fake = BlueskyFake().start()
    fake.fault(3, "429", **{"Retry-After": "0"})
    try:
        cli.json("collect", project_dir, "-s", "bluesky", "--query", "alerta", "--api-base", fake.base)
        fake.fault(len(fake.requests) + 1, "404")
        cli("collect", project_dir, "-s", "bluesky", "--query", "<b>otra</b>", "--api-base", fake.base, expect=1)
    finally:
        fake.stop()
    with Project(project_dir) as project:
        alert_store.ensure_tables(project.con)
        alert_id = alert_store.add_alert(project.con, "spike:hashtag:x:2026-11-30", "spike", "Pico de #<script>x</script>",
                                         "30 publicaciones", {"top_hashtags": [{"hashtag": "<i>x</i>", "posts": 30}],
                                                              "examples": [{"platform": "bluesky", "created_at": "2026-11-30T10:00",
                                                                            "text": "<img src=x onerror=alert(1)>", "engagement": 3}]}, "")
        alert_store.mark_delivery(project.con, alert_id, "webhook:equipo", "sent")
    return project_dir


def test_listening_page_shows_collectors_runs_and_alerts_escaped(listened: Path) -> None:
    with TestClient(create_app(listened, lang="en"), base_url="http://127.0.0.1") as client:
        page = client.get("/listening")
        assert page.status_code == 200
        html = page.text
        assert "query:alerta" in html and "complete" in html and "2026-11-01T12:22" in html
        assert "HTTP 404" in html  # the failed run's error
        assert "&lt;b&gt;otra&lt;/b&gt;" in html and "<b>otra</b>" not in html
        assert 'id="alert-1"' in html and "webhook:equipo sent" in html
        assert "<script" not in html and "<img" not in html and "<i>x</i>" not in html
        data = client.get("/api/listening").json()
        assert {j["target"] for j in data["jobs"]} == {"query:alerta", "query:<b>otra</b>"}
        assert any(r["waits"] == 1 for r in data["runs"]) and data["alerts"][0]["deliveries"][0]["status"] == "sent"
        assert "/listening" in client.get("/").text  # in the navigation


def test_listening_page_on_a_fresh_project_and_behind_the_login(project_dir: Path) -> None:
    from argon2 import PasswordHasher

    with TestClient(create_app(project_dir, lang="es"), base_url="http://127.0.0.1") as client:
        page = client.get("/listening")
        assert page.status_code == 200 and "Aún no hay alertas" in page.text
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    app = create_app(project_dir, lang="en", password_hash=cheap.hash("pw"), login_failure_delay=0.01)
    with TestClient(app, base_url="http://127.0.0.1") as secured:
        for path in ("/listening", "/api/listening"):
            response = secured.get(path, follow_redirects=False)
            assert response.status_code in (303, 401)
