"""`antena watch` and `antena alerts`: collect, evaluate spikes and KPIs, deliver once to a
webhook (plain and Slack-shaped) and over SMTP with STARTTLS and login, all on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from antena.project import Project
from tests.collect_fakes import BlueskyFake, bluesky_post
from tests.test_collect import FAST

SMTP_PASSWORD = "smtp-pass-7531"


class WebhookReceiver:
    """Records JSON POSTs; answers ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the SMTP server's STARTTLS)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def smtp(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    class Inbox:
        def __init__(self):
            self.messages = []
            self.logins = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append({"tls": session.ssl is not None, "to": envelope.rcpt_tos,
                                  "body": envelope.content.decode("utf-8", "replace")})
            return "250 OK"

    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, data):
        inbox.logins.append(data.login.decode())
        return AuthResult(success=data.login == b"antena" and data.password == SMTP_PASSWORD.encode(), handled=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    inbox.port, inbox.cafile = port, cert
    yield inbox
    controller.stop()


def _spiky_posts() -> list[dict]:
    """Two posts a day for three weeks, then thirty on one day (one with a phone number)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    posts = []
    for day in range(2, 22):
        for k in range(2):
            posts.append(bluesky_post(len(posts), now - dt.timedelta(days=day, hours=k)))
    for k in range(30):
        text = "Robo de niños en la colonia, llamen al 55 1234 5678 #AlertaAmber" if k == 0 else None
        posts.append(bluesky_post(len(posts), now - dt.timedelta(days=1, minutes=k), text))
        if text:
            posts[-1]["likeCount"] = 1000  # the most engaged: one of the examples
    return posts


@pytest.fixture
def watched(project_dir, smtp, monkeypatch):
    fake = BlueskyFake(_spiky_posts()).start()
    plain, slack = WebhookReceiver([500]), WebhookReceiver()
    monkeypatch.setenv("ANTENA_SLACK_URL", slack.url)
    monkeypatch.setenv("ANTENA_SMTP_USER", "antena")
    monkeypatch.setenv("ANTENA_SMTP_PASSWORD", SMTP_PASSWORD)
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(FAST + f"""
[[collect.jobs]]
source = "bluesky"
query = "niños"
api_base = "{fake.base}"

[alerts]
dashboard_url = "https://antena.example.org"

[[alerts.webhooks]]
name = "plain"
url = "{plain.url}"

[[alerts.webhooks]]
name = "slack"
url_env = "ANTENA_SLACK_URL"
slack = true

[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
from = "antena@example.org"
to = ["equipo@example.org"]
cafile = "{smtp.cafile}"
""")
    yield project_dir, fake, plain, slack
    fake.stop()
    plain.stop()
    slack.stop()


def test_watch_once_collects_raises_spikes_and_delivers_each_alert_once(cli, watched, smtp):
    folder, fake, plain, slack = watched
    first = cli.json("watch", folder, "--once", "--no-analyze")
    assert first["collect"][0]["stored"] == 70 and first["collect"][0]["status"] == "complete"
    new = first["new_alerts"]
    assert len(new) >= 2  # the volume spike and the #alertaamber spike
    assert first["deliveries"]["sent"] == 2 * len(new) + len(new) - 1 and first["deliveries"]["failed"] == 1
    assert len(slack.bodies) == len(new) and len(smtp.messages) == len(new) and len(plain.bodies) == len(new) - 1
    assert all(m["tls"] for m in smtp.messages) and smtp.logins == ["antena"] * len(new)

    body = next(b for b in plain.bodies if b["key"].startswith("spike:hashtag:alertaamber"))
    assert body["type"] == "antena.alert" and body["evidence"]["count"] == 30
    assert body["evidence"]["top_hashtags"][0] == {"hashtag": "alertaamber", "posts": 30}
    assert body["link"] == f"https://antena.example.org/listening#alert-{body['id']}"
    texts = " ".join(e["text"] for e in body["evidence"]["examples"])
    assert "[phone]" in texts and "1234 5678" not in json.dumps(plain.bodies + slack.bodies)
    assert "1234 5678" not in " ".join(m["body"] for m in smtp.messages)
    assert all("text" in b and b["blocks"][0]["type"] == "section" for b in slack.bodies)

    again = cli.json("watch", folder, "--once", "--no-analyze")
    assert again["new_alerts"] == [] and again["collect"][0]["stored"] == 0
    assert again["deliveries"] == {"sent": 1, "failed": 0}  # only the retry of the failed webhook
    assert len(plain.bodies) == len(new) and len(slack.bodies) == len(new) and len(smtp.messages) == len(new)

    listed = cli.json("alerts", folder)
    assert {a["id"] for a in listed} == set(new)
    assert all(len(a["deliveries"]) == 3 and {d["status"] for d in a["deliveries"]} == {"sent"} for a in listed)
    assert SMTP_PASSWORD not in cli("alerts", folder).output


def test_watch_with_analysis_and_a_reached_kpi(cli, watched, smtp):
    folder, *_ = watched
    today = dt.date.today()
    with open(folder / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write(f"""
[[campaigns]]
id = "c1"
name = "Campaña uno"
start = "{today - dt.timedelta(days=5)}"
end = "{today + dt.timedelta(days=5)}"
kpis = [{{ metric = "hashtag_reach", target = "#AlertaAmber", goal = 20 }}]
""")
    text = (folder / "antena.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^analysers = .*$", 'analysers = ["normalise", "language", "relevance"]', text)
    (folder / "antena.toml").write_text(text, encoding="utf-8")
    out = cli.json("watch", folder, "--once")
    assert out["analysed"] == 70
    kinds = {a["kind"] for a in cli.json("alerts", folder)}
    assert kinds == {"spike", "kpi"}
    kpi = next(a for a in cli.json("alerts", folder) if a["kind"] == "kpi")
    assert kpi["evidence"]["value"] >= 20 and kpi["evidence"]["campaign"] == "c1"


def test_smtp_wrong_password_fails_and_is_retried_without_leaking(cli, watched, smtp, monkeypatch):
    folder, *_ = watched
    monkeypatch.setenv("ANTENA_SMTP_PASSWORD", "wrong-secret-000")
    out = cli.json("watch", folder, "--once", "--no-analyze")
    assert out["deliveries"]["failed"] >= len(out["new_alerts"])
    listed = cli.json("alerts", folder)
    details = [d["detail"] for a in listed for d in a["deliveries"] if d["channel"].startswith("email")]
    assert details and all(d and "wrong-secret-000" not in d for d in details)
    monkeypatch.setenv("ANTENA_SMTP_PASSWORD", SMTP_PASSWORD)
    cli.json("watch", folder, "--once", "--no-analyze")
    assert len(smtp.messages) == len(out["new_alerts"])


def test_alerts_on_a_project_without_any(cli, project_dir):
    assert cli.json("alerts", project_dir) == []
    assert "No alerts yet" in cli("alerts", project_dir).output


def test_a_job_with_a_bad_source_is_named_with_its_line(cli, project_dir):
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[collect.jobs]]\nsource = "myspace"\nquery = "x"\n')
    out = cli("watch", project_dir, "--once", "--no-analyze", expect=2)
    assert "collect.jobs[0].source" in out.output and "antena.toml:" in out.output


def test_a_failing_job_does_not_stop_the_others(cli, project_dir, monkeypatch):
    monkeypatch.delenv("ANTENA_X_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    fake = BlueskyFake().start()
    try:
        with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
            handle.write(FAST + f'\n[[collect.jobs]]\nsource = "x"\nquery = "x"\n'
                         f'\n[[collect.jobs]]\nsource = "bluesky"\nquery = "q"\napi_base = "{fake.base}"\n')
        out = cli.json("watch", project_dir, "--once", "--no-analyze")
    finally:
        fake.stop()
    assert out["collect"][0]["status"] == "error" and "ANTENA_X_BEARER_TOKEN" in out["collect"][0]["error"]
    assert out["collect"][1]["status"] == "complete" and out["collect"][1]["stored"] == 23
    with Project(project_dir) as project:
        assert project.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 23


def test_alert_settings_are_validated_with_their_line(cli, project_dir):
    with open(project_dir / "antena.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[alerts]\nlookback_days = -1\n\n[[alerts.webhooks]]\nname = "sin url"\n')
    out = cli("alerts", project_dir, expect=2)
    assert "alerts.lookback_days" in out.output and "alerts.webhooks[0]" in out.output


def test_the_loop_repeats_every_interval_start_to_start(project_dir):
    from antena.watch.loop import watch

    cycles, sleeps = [], []

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise Stop

    with pytest.raises(Stop):
        watch(project_dir, 900, on_cycle=cycles.append, sleep=sleep, analyse=False)
    assert len(cycles) == 2 and all(c["new_alerts"] == [] and c["collect"] == [] for c in cycles)
    assert all(800 < s <= 900 for s in sleeps)  # the cycle's own time is taken off the interval


def test_a_locked_project_skips_a_cycle_instead_of_stopping_the_watch(cli, project_dir):
    """Another process holds DuckDB's write lock: collect says so; watch skips the cycle and goes on."""
    import subprocess
    import sys
    import time as clock

    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(project_dir / "antena.duckdb")],
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        busy = cli("collect", project_dir, "-s", "bluesky", "--query", "q", "--api-base", "http://127.0.0.1:9", expect=2)
        assert "being written by another antena command" in busy.output
        from antena.watch.loop import watch

        cycles = []

        class Stop(Exception):
            pass

        def sleep(seconds: float) -> None:
            if len(cycles) == 1:
                holder.kill()
                holder.wait()
                clock.sleep(0.2)
            else:
                raise Stop

        with pytest.raises(Stop):
            watch(project_dir, 1, on_cycle=cycles.append, sleep=sleep, analyse=False)
        assert "skipped" in cycles[0] and "skipped" not in cycles[1]
    finally:
        holder.kill()
        holder.wait()
