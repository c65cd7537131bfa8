"""Delivering alerts: webhooks (JSON, or Slack's incoming-webhook shape) and e-mail over SMTP.

``antena.toml``::

    [[alerts.webhooks]]
    name = "equipo"
    url_env = "ANTENA_WEBHOOK_URL"   # Slack/Teams webhook URLs are secrets: keep them in the environment
    slack = true                     # {"text": ..., "blocks": [...]}; otherwise Antena's JSON

    [alerts.email]
    host = "smtp.example.org"
    port = 587
    starttls = true                  # required unless the host is this machine
    from = "antena@example.org"
    to = ["analista@example.org"]
    # user and password from ANTENA_SMTP_USER / ANTENA_SMTP_PASSWORD

Every alert goes once to every channel (``store.alerts`` keeps the deliveries).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx

from antena.collect.credentials import CollectError, Secrets
from antena.store import alerts as store

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class DeliveryError(Exception):
    """A channel could not take an alert (it is tried again next cycle)."""


def render_text(alert: dict[str, Any]) -> str:
    """The alert as plain text: title, summary, evidence, link."""
    evidence = alert.get("evidence") or {}
    lines = [alert["title"], "", alert["summary"]]
    tags = evidence.get("top_hashtags") or []
    if tags:
        lines += ["", "#: " + ", ".join(f"#{t['hashtag']} ({t['posts']})" for t in tags)]
    for example in evidence.get("examples") or []:
        lines.append(f"- [{example['platform']} {example['created_at'][:16]}] {example['text']}")
    if alert.get("link"):
        lines += ["", alert["link"]]
    return "\n".join(lines)


def payload(alert: dict[str, Any], project: str) -> dict[str, Any]:
    return {"type": "antena.alert", "project": project, "id": alert["id"], "key": alert["key"], "kind": alert["kind"],
            "title": alert["title"], "summary": alert["summary"], "created_at": str(alert["created_at"]),
            "evidence": alert.get("evidence") or {}, "link": alert.get("link")}


def slack_payload(alert: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming-webhook message (``text`` as fallback, ``blocks`` with mrkdwn)."""
    body = render_text(alert)
    safe = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": safe[:2900]}}]
    if alert.get("link"):
        blocks.append({"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Antena"},
                                                          "url": alert["link"]}]})
    return {"text": f"{alert['title']}: {alert['summary']}", "blocks": blocks}


@dataclass
class Webhook:
    name: str
    url: str
    slack: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    secrets: Secrets = field(default_factory=lambda: Secrets({}))
    timeout: float = 15.0

    @property
    def channel(self) -> str:
        return f"webhook:{self.name}"

    def send(self, alert: dict[str, Any], project: str) -> None:
        body = slack_payload(alert) if self.slack else payload(alert, project)
        try:
            response = httpx.post(self.url, json=body, headers=self.headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(self.secrets.redact(f"{type(exc).__name__}: {exc}")) from None
        if response.status_code >= 300:
            raise DeliveryError(self.secrets.redact(f"HTTP {response.status_code}: {response.text[:200]}"))


@dataclass
class Email:
    host: str
    port: int
    sender: str
    to: list[str]
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0

    @property
    def channel(self) -> str:
        return "email:" + ",".join(self.to)

    def send(self, alert: dict[str, Any], project: str) -> None:
        message = EmailMessage()
        message["Subject"] = f"[Antena {project}] {alert['title']}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message.set_content(render_text(alert))
        secrets = Secrets({"password": self.password or ""})
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                    smtp.ehlo()
                if self.user and self.password:
                    _login(smtp, self.user, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(secrets.redact(f"{type(exc).__name__}: {exc}")) from None


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one attempt, inside TLS), else smtplib's own choice."""
    offered = (smtp.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" in offered:
        smtp.user, smtp.password = user, password
        smtp.auth("PLAIN", smtp.auth_plain)
    else:
        smtp.login(user, password)


def channels(config: dict[str, Any]) -> list[Webhook | Email]:
    """The delivery channels ``[alerts]`` configures; credentials come from the environment."""
    settings = config.get("alerts", {}) or {}
    found: list[Webhook | Email] = []
    for index, hook in enumerate(settings.get("webhooks", []) or []):
        url = os.environ.get(str(hook["url_env"]), "") if hook.get("url_env") else str(hook.get("url") or "")
        if not url:
            raise CollectError(f"[[alerts.webhooks]] {index + 1}: set `url`, or `url_env` naming an environment variable that is set")
        headers, secret_values = {}, {"url": url} if hook.get("url_env") else {}
        if hook.get("token_env"):
            token = os.environ.get(str(hook["token_env"]), "")
            headers["Authorization"] = f"Bearer {token}"
            secret_values["token"] = token
        found.append(Webhook(str(hook.get("name") or index + 1), url, bool(hook.get("slack")), headers, Secrets(secret_values)))
    email = settings.get("email")
    if email:
        host = str(email.get("host") or "")
        to = email.get("to") or []
        if not host or not to or not email.get("from"):
            raise CollectError("[alerts.email] needs host, from and to")
        starttls = bool(email.get("starttls", True))
        if not starttls and host not in LOOPBACK:
            raise CollectError("[alerts.email] starttls = false is only allowed for a server on this machine")
        found.append(Email(host, int(email.get("port", 587)), str(email["from"]), [str(t) for t in to], starttls,
                           os.environ.get(str(email.get("user_env", "ANTENA_SMTP_USER"))),
                           os.environ.get(str(email.get("password_env", "ANTENA_SMTP_PASSWORD"))),
                           email.get("cafile")))
    return found


def deliver(project: Any) -> dict[str, int]:
    """Send every alert not yet sent to every channel; returns sent and failed counts."""
    con = project.con
    store.ensure_tables(con)
    name = str(project.config.get("project", {}).get("name") or project.folder.name)
    counts = {"sent": 0, "failed": 0}
    for channel in channels(project.config):
        for alert in store.pending_deliveries(con, channel.channel):
            store.mark_delivery(con, alert["id"], channel.channel, "sending")
            try:
                channel.send(alert, name)
            except DeliveryError as exc:
                store.mark_delivery(con, alert["id"], channel.channel, "failed", str(exc)[:500])
                counts["failed"] += 1
            else:
                store.mark_delivery(con, alert["id"], channel.channel, "sent")
                counts["sent"] += 1
    return counts
