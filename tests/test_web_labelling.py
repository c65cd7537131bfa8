"""The dashboard's labelling page: one redacted post, answers stored with CSRF, undo, login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient  # noqa: I001

from antena.project import Project
from antena.store import labels as label_store
from antena.web import create_app
from tests.test_web import make_project


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


def _form(page: str) -> dict[str, str]:
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    post = re.search(r'name="post_id" value="([^"]+)"', page)
    assert csrf and post, page[:2000]
    return {"csrf": csrf.group(1), "post_id": post.group(1)}


def _labels(folder: Path) -> list[label_store.Label]:
    with Project(folder, read_only=True) as project:
        return label_store.current(project.con)


def test_label_page_stores_answers_and_undo(folder: Path) -> None:
    with TestClient(create_app(folder, lang="es"), base_url="http://127.0.0.1") as client:
        page = client.get("/label")
        assert page.status_code == 200 and "Etiquetar" in page.text
        assert "maria.lopez@example.com" not in page.text and "55 1234 5678" not in page.text
        form = _form(page.text)
        answer = client.post("/label", data={**form, "action": "relevant", "topic": "kidnapping"},
                             follow_redirects=False)
        assert answer.status_code == 303
        first = _labels(folder)
        assert [(lb.post_id, lb.relevant, lb.topic, lb.labeller) for lb in first] == [
            (form["post_id"], True, "kidnapping", "dashboard")]
        nxt = _form(client.get("/label").text)
        assert nxt["post_id"] != form["post_id"]
        client.post("/label", data={**nxt, "action": "not_relevant", "topic": "kidnapping"})
        assert {(lb.post_id, lb.relevant, lb.topic) for lb in _labels(folder)} == {
            (form["post_id"], True, "kidnapping"), (nxt["post_id"], False, None)}
        client.post("/label", data={**nxt, "action": "undo"})
        assert [lb.post_id for lb in _labels(folder)] == [form["post_id"]]
        skipped = _form(client.get("/label").text)
        client.post("/label", data={**skipped, "action": "skip"})
        assert _form(client.get("/label").text)["post_id"] != skipped["post_id"]
        assert len(_labels(folder)) == 1


def test_label_posts_need_the_csrf_token_and_a_known_action(folder: Path) -> None:
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as client:
        form = _form(client.get("/label").text)
        forged = client.post("/label", data={**form, "csrf": "0" * 64, "action": "relevant"})
        assert forged.status_code == 403
        missing = client.post("/label", data={"post_id": form["post_id"], "action": "relevant"})
        assert missing.status_code == 403
        odd = client.post("/label", data={**form, "action": "delete_everything"})
        assert odd.status_code == 400
        cross = client.post("/label", data={**form, "action": "relevant"}, headers={"sec-fetch-site": "cross-site"})
        assert cross.status_code == 403
    assert _labels(folder) == []


def test_label_page_is_behind_the_login(folder: Path) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=8192)
    app = create_app(folder, lang="en", password_hash=cheap.hash("pw"), login_failure_delay=0.01)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/label", follow_redirects=False).status_code in (302, 303, 307)
        anonymous = client.post("/label", data={"action": "undo"}, follow_redirects=False)
        assert anonymous.status_code in (302, 303, 307, 401, 403)
        client.post("/login", data={"password": "pw", "next": "/label"})
        page = client.get("/label")
        assert page.status_code == 200
        form = _form(page.text)
        client.cookies.clear()  # a token from another session is refused
        client.post("/login", data={"password": "pw", "next": "/label"})
        assert client.post("/label", data={**form, "action": "relevant"}).status_code == 403
    assert _labels(folder) == []
