"""Personal-data canaries (issue 10, finding 2): one of each kind is planted in a project with
``keep_handles = false`` and ``redact = true``; then every output is searched for them:
dashboard pages and API, exports (CSV, JSONL, GEXF), the report's HTML and PDF text, `stats`,
`search`, the review queue and its export, and the audit log."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient  # noqa: I001

from antena.project import Project
from antena.web import create_app

from .conftest import FIXTURES, Cli
from .test_web import RULE_ANALYSERS

CHILD = "Ana Sofía Ramírez López"
CANARIES = {
    "curp": "GOML850101HDFRPS09",
    "rfc": "GOML850101AB1",
    "voter key": "GMLRNS85010109H400",
    "phone": "664-123-4567",
    "phone digits": "6641234567",
    "international phone": "619) 555-0134",
    "email": "canary.mama@example.com",
    "address": "Los Pinos No. 12",
    "street": "Pinos No",
    "child name": "Ana Sofía",
    "surname": "Ramírez López",
    "school": "Benito Juárez",
    "private handle": "canary_vecina",
    "mastodon handle": "canaryuser",
    "bluesky did": "did:plc:canarydid",
    "bluesky handle": "canary.bsky.social",
}


def planted_exports(folder: Path) -> list[Path]:
    texts = [
        f"Secuestro de niños: la niña {CHILD} de la Escuela Primaria Benito Juárez no volvió #AlertaAmber",
        f"tengo 13 años, voy a la Escuela Primaria Benito Juárez y mi número es {CANARIES['phone']}, secuestro",
        f"secuestro de menores, su CURP {CANARIES['curp']}, RFC {CANARIES['rfc']}, clave {CANARIES['voter key']}",
        f"robo de niños: llamen al {CANARIES['phone']} o al +1 (619) 555-0134 o escriban a {CANARIES['email']}",
        "secuestro de una niña en Privada Los Pinos No. 12, avisen a @canary_vecina #AlertaAmber",
    ]
    tweets = [{"id": str(1700000000000000001 + i), "text": t, "author_id": str(40 + i), "lang": "es",
               "created_at": f"2017-03-0{2 + i}T10:00:00.000Z", "edit_history_tweet_ids": [str(1700000000000000001 + i)],
               "entities": {"mentions": [{"username": "canary_vecina"}]} if "@" in t else {}}
              for i, t in enumerate(texts)]
    x = folder / "x.jsonl"
    x.write_text(json.dumps({"data": tweets}) + "\n", encoding="utf-8")
    mastodon = (FIXTURES / "sources" / "mastodon" / "status.json").read_text(encoding="utf-8")
    mastodon = mastodon.replace("redapoyo", "canaryuser").replace("Aviso importante", "Tengo 14 años y mi whatsapp es 6641234567, secuestro de niños, aviso")
    (folder / "m.json").write_text(mastodon, encoding="utf-8")
    bluesky = (FIXTURES / "sources" / "bluesky_appview" / "search_posts.json").read_text(encoding="utf-8")
    bluesky = bluesky.replace("did:plc:ong4", "did:plc:canarydid").replace("red-apoyo.example.org", "canary.bsky.social")
    bluesky = bluesky.replace("¿Viste la #AlertaAmber?", "Tengo 13 años, mi whats es 664-123-4567, ¿viste el secuestro de niños? #AlertaAmber")
    (folder / "b.json").write_text(bluesky, encoding="utf-8")
    return [x, folder / "m.json", folder / "b.json"]


@pytest.fixture(scope="module")
def canary_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("canary")
    folder = root / "proj"
    cli = Cli()
    cli("init", folder)
    config = folder / "antena.toml"
    text = re.sub(r"(?m)^analysers = .*$", f"analysers = {RULE_ANALYSERS[:-1]}, \"risk\"]", config.read_text(encoding="utf-8"))
    config.write_text(text + "\n[protect]\nthreshold = 0.0\n", encoding="utf-8")
    result = cli.json("import", folder, *planted_exports(root))
    assert result["stored"] >= 6
    cli("analyze", folder)
    return folder


def leaks(text: str) -> list[str]:
    return [kind for kind, value in CANARIES.items() if value.lower() in text.lower()]


def test_the_canaries_are_in_the_store(canary_project: Path) -> None:
    """The store keeps the evidence (native ids, texts): the test would find them if shown."""
    with Project(canary_project, read_only=True) as project:
        stored = json.dumps(project.con.execute("SELECT post_id, text FROM posts").fetchall(), ensure_ascii=False)
    assert {"curp", "phone", "email", "child name", "mastodon handle", "bluesky did"} <= set(leaks(stored))


def test_no_output_shows_a_canary(canary_project: Path, tmp_path: Path) -> None:
    cli = Cli()
    outputs: dict[str, str] = {}
    cli("review", "sync", canary_project)
    # exports
    for name in ("posts.csv", "posts.jsonl"):
        cli("export", canary_project, "--out", tmp_path / name)
        outputs[name] = (tmp_path / name).read_text(encoding="utf-8")
    for graph in ("interactions", "hashtags"):
        cli("export", canary_project, "--out", tmp_path / f"{graph}.gexf", "--graph", graph)
        outputs[graph + ".gexf"] = (tmp_path / f"{graph}.gexf").read_text(encoding="utf-8")
    cli("review", "export", canary_project, "--out", tmp_path / "cases.csv", "--status", "all")
    outputs["review export"] = (tmp_path / "cases.csv").read_text(encoding="utf-8")
    # report
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    cli("report", canary_project, "--lang", "es", "--out", html, "--pdf", pdf)
    outputs["report html"] = html.read_text(encoding="utf-8")
    if shutil.which("pdftotext"):
        outputs["report pdf"] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    # command line
    outputs["stats --json"] = cli("stats", canary_project, "--json").stdout
    outputs["search --json"] = cli("search", canary_project, "secuestro OR robo OR aviso OR viste", "--json").stdout
    outputs["search"] = cli("search", canary_project, "secuestro OR robo OR aviso OR viste", "--limit", "0").output
    listed = json.loads(cli("review", "list", canary_project, "--status", "all", "--json").stdout)
    outputs["review list"] = json.dumps(listed, ensure_ascii=False)
    platforms = {case["post_id"].split(":")[0] for case in listed}
    assert {"x", "mastodon", "bluesky"} <= platforms, platforms  # the handles' carriers are queued
    assert all("~" in case["post_id"] for case in listed if case["post_id"].split(":")[0] != "x")
    for case in listed:
        outputs["review show " + case["post_id"]] = cli("review", "show", canary_project, case["post_id"], "--json").stdout
    cli("review", "decide", canary_project, listed[0]["post_id"], "--status", "dismissed", "--reviewer", "ana",
        "--note", f"llamé al {CANARIES['phone']}")
    # dashboard
    with TestClient(create_app(canary_project, lang="es"), base_url="http://127.0.0.1") as client:
        for path in ("/", "/posts", "/posts?q=secuestro", "/targets", "/topics", "/reviews?status=all", "/quarantine",
                     "/report", "/api/posts?q=secuestro&size=500", "/api/stats", "/api/summary",
                     "/api/reviews?status=all", "/api/quarantine"):
            response = client.get(path)
            assert response.status_code == 200, path
            outputs["dashboard " + path] = response.text
    # logs
    with Project(canary_project, read_only=True) as project:
        outputs["audit log"] = json.dumps(project.con.execute("SELECT * FROM audit_log").fetchall(), default=str,
                                          ensure_ascii=False)
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert not found, found


def test_quarantine_listing_is_redacted(tmp_path: Path) -> None:
    cli = Cli()
    folder = tmp_path / "q"
    cli("init", folder)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"data":[{"id":"1","text":"mi whats es ' + CANARIES["phone"] + ' y mi correo '
                      + CANARIES["email"] + '"\n', encoding="utf-8")
    cli("import", folder, broken, expect=None)
    listed = cli("quarantine", folder, "--json").stdout
    assert json.loads(listed) and not leaks(listed)
    raw = cli("quarantine", folder, "--json", "--unredacted").stdout
    assert {"phone", "email"} <= set(leaks(raw))  # shown only when asked for explicitly


def test_spike_evidence_ids_are_public_ids() -> None:
    from antena.protect.identity import PublicIds

    ids = PublicIds(b"k" * 32)
    stats = {"spikes": [{"day": "2017-03-01", "examples": ["mastodon:https://m.example/users/canary/statuses/1",
                                                           "x:1900000000000000901"]}]}
    shown = ids.deep(stats)["spikes"][0]["examples"]
    assert "canary" not in json.dumps(shown) and shown[0].startswith("mastodon:~")
    assert shown[1] == "x:1900000000000000901"  # numeric ids carry no handle
