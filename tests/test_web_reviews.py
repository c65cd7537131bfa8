"""The dashboard's review-queue page: flagged posts shown redacted, read only."""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.testclient import TestClient

from antena.web.app import create_app

from .conftest import Cli

RISKY = ("Se solicitan señoritas de 16 a 20 años para edecanes en Cancún, excelente sueldo, sin experiencia. "
         "Manda tus fotos por inbox al 55 1234 5678")


def build(folder: Path) -> Path:
    cli = Cli()
    cli("init", folder)
    config = folder / "antena.toml"
    text = re.sub(r"(?m)^analysers = .*$", 'analysers = ["normalise", "language", "relevance", "risk"]',
                  config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")
    page = {"data": [{"id": "77", "text": RISKY, "author_id": "1", "created_at": "2017-03-02T10:00:00.000Z"},
                     {"id": "78", "text": "Hoy llueve en Puebla", "author_id": "2", "created_at": "2017-03-02T11:00:00.000Z"}],
            "includes": {"users": [{"id": "1", "username": "a"}, {"id": "2", "username": "b"}]}, "meta": {}}
    export = folder.parent / "risky.jsonl"
    export.write_text(json.dumps(page) + "\n", encoding="utf-8")
    cli("import", folder, export)
    cli("analyze", folder)
    cli("review", "sync", folder)
    return folder


def test_review_page_lists_flagged_posts_redacted(tmp_path: Path) -> None:
    folder = build(tmp_path / "proj")
    with TestClient(create_app(folder, lang="en"), base_url="http://127.0.0.1") as client:
        page = client.get("/reviews")
        assert page.status_code == 200 and "Review queue" in page.text
        assert "x:77" in page.text and "x:78" not in page.text
        assert "1234 5678" not in page.text and "[phone]" in page.text
        api = client.get("/api/reviews").json()
        assert api["total"] == 1 and api["rows"][0]["status"] == "open"
        assert client.get("/reviews?status=dismissed").status_code == 200
        assert "No posts" in client.get("/reviews?status=dismissed").text


def test_review_page_without_a_queue(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    Cli()("init", folder)
    with TestClient(create_app(folder, lang="es"), base_url="http://127.0.0.1") as client:
        page = client.get("/reviews")
        assert page.status_code == 200 and "Revisión humana" in page.text
